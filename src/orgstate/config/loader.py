"""Configuration files -> one validated `OrgConfig`, with located diagnostics.

`-f` takes files or directories (every *.yaml / *.yml inside, in name order).
Files merge into one document: list sections concatenate, `org` and `policy` may
appear in one file only. Nothing here raises for a problem in the user's files;
every problem becomes a diagnostic so that one run shows them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from orgstate.catalogue import RuleId
from orgstate.config.partial import PartialConfig, salvage
from orgstate.config.schema_errors import schema_diagnostics
from orgstate.config.sources import SourceFile, Sources
from orgstate.config.yamlsafe import parse_yaml
from orgstate.diagnostics import Diagnostic, error, format_path
from orgstate.errors import ConfigError, YamlProblem
from orgstate.gcpause import gc_paused
from orgstate.model.config import LIST_SECTIONS, SINGLE_SECTIONS, OrgConfig

MAX_FILE_BYTES = 64 * 1024 * 1024
M = TypeVar("M", bound=BaseModel)
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class LoadedConfig:
    config: OrgConfig | None
    sources: Sources
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # When items fail the schema: the rest, for the static rules to check in the same run.
    partial: PartialConfig | None = None


def expand_paths(paths: Sequence[str | Path]) -> list[Path]:
    """Files as given; directories as their YAML files in name order."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in YAML_SUFFIXES and p.is_file())
            if not found:
                raise ConfigError(f"{path}: no *.yaml or *.yml files in this directory")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigError(f"{path}: no such file or directory")
    return files


def _read(path: Path, max_bytes: int) -> tuple[bytes | None, Diagnostic | None]:
    name = str(path)
    size = path.stat().st_size
    if size > max_bytes:
        return None, error(
            RuleId.CFG_SCHEMA,
            f"file is {size / 2**20:.1f} MiB, over the limit of {max_bytes / 2**20:.0f} MiB",
            file=name,
            line=1,
            column=1,
        )
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, error(RuleId.CFG_SCHEMA, f"file is not UTF-8 (byte {exc.start})", file=name, line=line, column=1)
    return data, None


def _parse(source: SourceFile) -> tuple[Any, Diagnostic | None]:
    try:
        document = parse_yaml(source.data)
    except YamlProblem as problem:
        rule = RuleId.CFG_DUPLICATE_KEY if problem.duplicate_key else RuleId.CFG_SCHEMA
        return None, error(
            rule,
            problem.message,
            file=source.name,
            line=problem.line,
            column=problem.column,
            path=format_path(problem.path) or None,
        )
    if not isinstance(document, dict):
        found = "an empty file" if document is None else f"a {type(document).__name__}"
        return None, error(
            RuleId.CFG_SCHEMA,
            f"expected a mapping with 'version: 1', found {found}",
            file=source.name,
            line=1,
            column=1,
        )
    return document, None


def _merge(documents: list[tuple[int, dict[str, Any]]], sources: Sources) -> list[Diagnostic]:
    """Merge parsed documents into `sources.merged`, recording where each part came from."""
    merged: dict[str, Any] = {"version": 1}
    diagnostics: list[Diagnostic] = []
    for file_index, document in documents:
        name = sources.files[file_index].name
        if document.get("version") != 1:
            problem = (
                "missing required key 'version'"
                if "version" not in document
                else (f"unsupported version {document['version']!r}; this orgstate reads version 1")
            )
            diagnostics.append(error(RuleId.CFG_SCHEMA, problem, file=name, line=1, column=1, path="version"))
        for key, value in document.items():
            if key == "version":
                continue
            if key in LIST_SECTIONS and isinstance(value, list):
                sources.items[key].extend((file_index, local) for local in range(len(value)))
                merged.setdefault(key, []).extend(value)
                sources.owners.setdefault(key, file_index)
            elif key in sources.owners:
                first = sources.files[sources.owners[key]].name
                kind = "may appear in one file only" if key in SINGLE_SECTIONS else "must be a list"
                diagnostics.append(
                    error(RuleId.CFG_SCHEMA, f"'{key}' {kind}; it is also in {first}", file=name, line=1, column=1)
                )
            else:
                sources.owners[key] = file_index
                merged[key] = value
    sources.merged = merged
    return diagnostics


def read_model(
    paths: Sequence[str | Path], model_type: type[M], max_bytes: int = MAX_FILE_BYTES
) -> tuple[M | None, Sources, list[Diagnostic]]:
    """Read, merge and validate YAML files into `model_type`, or say what is wrong."""
    model, sources, diagnostics, _ = _read_validated(paths, model_type, max_bytes)
    return model, sources, diagnostics


def _read_validated(
    paths: Sequence[str | Path], model_type: type[M], max_bytes: int
) -> tuple[M | None, Sources, list[Diagnostic], ValidationError | None]:
    """As `read_model`, with pydantic's errors when the files were read but failed the schema."""
    sources = Sources()
    diagnostics: list[Diagnostic] = []
    documents: list[tuple[int, dict[str, Any]]] = []
    for path in expand_paths(paths):
        data, problem = _read(path, max_bytes)
        if problem is not None:
            diagnostics.append(problem)
            continue
        source = SourceFile(name=str(path), path=path, data=data or b"")
        sources.files.append(source)
        document, problem = _parse(source)
        if problem is not None:
            diagnostics.append(problem)
        else:
            documents.append((len(sources.files) - 1, document))
    if diagnostics:
        return None, sources, diagnostics, None
    diagnostics = _merge(documents, sources)
    if diagnostics:
        return None, sources, diagnostics, None
    try:
        model = model_type.model_validate(sources.merged)
    except ValidationError as exc:
        placed = sources.place(schema_diagnostics(exc, model_type, lambda loc: sources.to_local(loc)[0]))
        return None, sources, sorted(placed, key=Diagnostic.sort_key), exc
    return model, sources, [], None


@gc_paused
def load_config(paths: Sequence[str | Path], max_bytes: int = MAX_FILE_BYTES) -> LoadedConfig:
    config, sources, diagnostics, invalid = _read_validated(paths, OrgConfig, max_bytes)
    partial = salvage(invalid, sources) if invalid is not None else None
    return LoadedConfig(config, sources, diagnostics, partial)

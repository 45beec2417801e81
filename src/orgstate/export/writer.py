"""YAML out, with ruamel.yaml: block style, two-space indents, keys in model order."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedSeq

from orgstate.errors import UsageError

HEADER = "# Exported from {backend} by orgstate export.\n"


def written_by_export(path: Path) -> bool:
    """Whether the file opens with export's header line (so export may replace it)."""
    start, end = HEADER.rstrip("\n").split("{backend}")
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            first = handle.readline().rstrip("\r\n")
    except OSError:
        return False
    return first.startswith(start) and first.endswith(end)


def yaml_writer() -> YAML:
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 120
    yaml.preserve_quotes = True
    return yaml


def styled(value: Any) -> Any:
    """Lists of plain values in flow style (`[L1, L2]`), everything else in block style."""
    if isinstance(value, dict):
        return {key: styled(item) for key, item in value.items()}
    if isinstance(value, list):
        if value and all(not isinstance(item, (dict, list)) for item in value):
            sequence = CommentedSeq(value)
            sequence.fa.set_flow_style()
            return sequence
        return [styled(item) for item in value]
    return value


def to_yaml(document: Any, header: str = "") -> str:
    buffer = io.StringIO()
    buffer.write(header)
    yaml_writer().dump(styled(document), buffer)
    return buffer.getvalue()


def refuse_existing(path: Path) -> None:
    """`export -o` writes a new file: an existing one is replaced only with --force."""
    if path.exists():
        raise UsageError(
            f"{path}: already exists; export -o writes a new file"
            " (--force to replace it, --merge to update it in place)"
        )


def write_new(path: Path, text: str) -> None:
    """Write a file whole (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)

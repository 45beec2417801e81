"""`export --split DIR`: org.yaml with everything but members, and one file per department
holding the members whose primary department it is.

The directory's YAML files that export wrote (they open with its header line) are its
own: a split rewrites them and removes those no longer exported (a department gone), so
that `-f DIR` reads just the tenant. A file it did not write is never removed, and is
overwritten only with `force`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orgstate.errors import UsageError
from orgstate.export.writer import to_yaml, write_new, written_by_export


def split_documents(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """File name -> document."""
    head = {key: value for key, value in document.items() if key != "members"}
    files: dict[str, dict[str, Any]] = {"org.yaml": head}
    for member in document.get("members", []):
        name = f"{member['department']}.yaml"
        if name == "org.yaml":
            name = "org-department.yaml"
        files.setdefault(name, {"version": 1, "members": []})["members"].append(member)
    return files


def write_split(
    directory: Path, document: dict[str, Any], header: str, force: bool = False
) -> tuple[list[Path], list[Path]]:
    """Write the split configuration; returns the files written and the files removed."""
    parts = split_documents(document)
    foreign = [
        directory / name for name in parts if (directory / name).exists() and not written_by_export(directory / name)
    ]
    if foreign and not force:
        names = ", ".join(str(path) for path in foreign)
        raise UsageError(f"{names}: not written by orgstate export; refusing to overwrite (--force to replace)")
    stale = (
        sorted(path for path in directory.glob("*.yaml") if path.name not in parts and written_by_export(path))
        if directory.is_dir()
        else []
    )
    written = []
    for name, part in parts.items():
        path = directory / name
        write_new(path, to_yaml(part, header))
        written.append(path)
    for path in stale:
        path.unlink()
    return written, stale

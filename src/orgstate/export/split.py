"""`export --split DIR`: org.yaml with everything but members, and one file per department
holding the members whose primary department it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orgstate.export.writer import to_yaml, write_new


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


def write_split(directory: Path, document: dict[str, Any], header: str) -> list[Path]:
    written = []
    for name, part in split_documents(document).items():
        path = directory / name
        write_new(path, to_yaml(part, header))
        written.append(path)
    return written

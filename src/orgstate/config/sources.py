"""Where each part of a merged configuration came from.

Several files merge into one document; rules and pydantic report paths in the
merged document. `Sources` maps such a path back to its file and file-local
path, and locates it (line and column) with one event walk per file that needs it.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orgstate.config.yamlsafe import locate
from orgstate.diagnostics import Diagnostic, DocPath, capped, format_path
from orgstate.model.config import LIST_SECTIONS

ADDRESS_KINDS = {
    "members": "member",
    "departments": "department",
    "user_groups": "user_group",
    "fields": "field",
    "offboarding": "offboarding",
}


@dataclass(frozen=True)
class SourceFile:
    name: str  # as the user named it, for messages
    path: Path
    data: bytes


@dataclass
class Sources:
    files: list[SourceFile] = field(default_factory=list)
    # section -> for each merged list index: (file index, index within that file)
    items: dict[str, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    # top-level key -> the file index that declares it
    owners: dict[str, int] = field(default_factory=dict)
    merged: dict[str, Any] = field(default_factory=dict)
    # For a configuration that left out items which failed the schema (config/partial.py):
    # list path -> the merged document's index of each item kept.
    renumbered: dict[DocPath, list[int]] = field(default_factory=dict)

    def document_path(self, path: DocPath) -> DocPath:
        """`path` in the merged document, where it is a path in a configuration with items left out."""
        for prefix, positions in self.renumbered.items():
            size = len(prefix)
            index = path[size] if path[:size] == prefix and len(path) > size else None
            if isinstance(index, int):
                return (*prefix, positions[index], *path[size + 1 :])
        return path

    def to_local(self, path: DocPath) -> tuple[int, DocPath]:
        """The file index and file-local path of a merged-document path."""
        if not path:
            return 0, ()
        path = self.document_path(path)
        section = path[0]
        if section in LIST_SECTIONS and len(path) > 1 and isinstance(path[1], int) and section in self.items:
            entries = self.items[section]
            if path[1] < len(entries):
                file_index, local = entries[path[1]]
                return file_index, (section, local, *path[2:])
        if isinstance(section, str) and section in self.owners:
            return self.owners[section], path
        return 0, path

    def file_of(self, path: DocPath) -> SourceFile:
        return self.files[self.to_local(path)[0]]

    def address(self, path: DocPath) -> str | None:
        """`member.alice` for anything inside members[i], and so on."""
        path = self.document_path(path)
        if len(path) < 2 or not isinstance(path[1], int):
            if len(path) >= 3 and path[:2] == ("org", "plans") and isinstance(path[2], int):
                return self._item_address("plan", self.merged.get("org", {}).get("plans"), path[2])
            return None
        section = path[0]
        if section == "seat_assignments":
            return f"seat_assignments[{path[1]}]"
        if section in ADDRESS_KINDS:
            return self._item_address(ADDRESS_KINDS[section], self.merged.get(section), path[1])
        return None

    @staticmethod
    def _item_address(kind: str, items: Any, index: int) -> str | None:
        if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
            item_id = items[index].get("id")
            if isinstance(item_id, str):
                return f"{kind}.{item_id}"
        return None

    def _file_key(self, diagnostic: Diagnostic) -> Hashable:
        """The file a diagnostic is in: its index when it is still to be located."""
        if diagnostic.at is None or diagnostic.file is not None:
            return diagnostic.file
        return self.to_local(diagnostic.at)[0]

    def _file_name(self, key: Hashable) -> str | None:
        return self.files[key].name if isinstance(key, int) else None if key is None else str(key)

    def place(self, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
        """Fill file, line, column and path for every diagnostic that has `at`, after
        capping them (only those shown are located, which is what costs)."""
        if not self.files:
            return diagnostics
        diagnostics = capped(diagnostics, self._file_key, self._file_name)
        wanted: dict[int, set[DocPath]] = defaultdict(set)
        for diagnostic in diagnostics:
            for path in (diagnostic.at, diagnostic.also_at):
                if path is not None and diagnostic.file is None:
                    file_index, local = self.to_local(path)
                    wanted[file_index].add(local)
        positions = {index: locate(self.files[index].data, paths) for index, paths in wanted.items()}
        placed = []
        for diagnostic in diagnostics:
            if diagnostic.at is None or diagnostic.file is not None:
                placed.append(diagnostic)
                continue
            file_index, local = self.to_local(diagnostic.at)
            line, column = positions[file_index][local]
            message = diagnostic.message
            if diagnostic.also_at is not None:
                other_index, other_local = self.to_local(diagnostic.also_at)
                other_line, _ = positions[other_index][other_local]
                message += f" (also declared at {self.files[other_index].name}:{other_line})"
            placed.append(
                dataclasses.replace(
                    diagnostic,
                    message=message,
                    file=self.files[file_index].name,
                    line=line,
                    column=column,
                    path=format_path(local) or None,
                    address=diagnostic.address or self.address(diagnostic.at),
                )
            )
        return placed

"""Seat lists (`from_file` CSVs) after `export --merge`: a row that named a member by an
email or phone the merge removed would no longer match anyone (REF-UNKNOWN). Such a row
is rewritten to the member's new email or phone when they are still live, and removed
when they are not; every other line of the file stays byte for byte. Rows that matched
nobody before the merge are left for `validate` to report."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path
from typing import Any

from orgstate.config.seatfile import KEY_COLUMNS, MEMBER_CONTACTS


def _contacts(members: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """Email or phone (case-folded) -> (member id, field)."""
    index: dict[str, tuple[str, str]] = {}
    for member in members:
        for name in MEMBER_CONTACTS:
            if member.get(name):
                index.setdefault(str(member[name]).casefold(), (member["id"], name))
    return index


def _rewrite(
    shown: str, source: str, before: dict[str, tuple[str, str]], after: list[dict[str, Any]]
) -> tuple[str, list[str]]:
    lines = source.splitlines(keepends=True)
    now = _contacts(after)
    live = {member["id"]: member for member in after}
    reader = csv.reader(lines)
    header = [cell.strip().casefold() for cell in next(reader, [])]
    columns = [header.index(name) for name in KEY_COLUMNS if name in header]
    edits: dict[int, tuple[int, str | None]] = {}  # first line -> (line count, new text or None)
    changes: list[str] = []
    first = reader.line_num
    for record in reader:
        values = [record[i].strip() for i in columns if i < len(record) and record[i].strip()]
        span = (first, reader.line_num)
        first = reader.line_num
        if not values or any(value.casefold() in now for value in values):
            continue
        known = [(value, before[value.casefold()]) for value in values if value.casefold() in before]
        if not known:
            continue  # matched nobody before the merge either
        value, (member_id, field) = known[0]
        where = f"{shown}:{span[0] + 1}"
        new_value = live.get(member_id, {}).get(field)
        if new_value:
            row = "".join(lines[span[0] : span[1]]).replace(value, str(new_value), 1)
            edits[span[0]] = (span[1] - span[0], row)
            changes.append(f"updated {where}: {value} -> {new_value} (member.{member_id})")
        else:
            edits[span[0]] = (span[1] - span[0], None)
            changes.append(f"removed {where}: {value} (member.{member_id} is not live)")
    for start in sorted(edits, reverse=True):
        count, replacement = edits[start]
        lines[start : start + count] = [] if replacement is None else [replacement]
    return "".join(lines), changes


def rewrite_seat_lists(
    base: Path, names: list[str], before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> tuple[dict[Path, str], list[str]]:
    """The seat lists named (relative to `base`) that need rewriting, with their new
    text, and what changed; `before` and `after` are the members before and after the merge."""
    contacts = _contacts(before)
    files: dict[Path, str] = {}
    changes: list[str] = []
    for name in dict.fromkeys(names):
        path = (base / name).resolve()
        if not path.is_relative_to(base.resolve()) or not path.is_file():
            continue  # validate reports a seat list it cannot use
        try:
            raw = path.read_bytes()
            source = raw.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        new, found = _rewrite(name, source, contacts, after)
        if found:
            files[path] = (codecs.BOM_UTF8.decode() if raw.startswith(codecs.BOM_UTF8) else "") + new
            changes.extend(found)
    return files, changes

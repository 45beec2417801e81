"""Who each seat assignment covers, from the configuration and its seat lists.

`departments` covers their subtrees, `all_members` everyone, `from_file` the members a
seat list names (what is wrong with a list is returned as data: the rules report it).
`from_plan` names the live holders of another plan, so it covers nobody until a plan
reads the tenant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from orgstate.config.seatfile import MEMBER_CONTACTS, SeatFileRow, read_seat_file
from orgstate.config.sources import Sources
from orgstate.diagnostics import DocPath
from orgstate.errors import ConfigError
from orgstate.model.config import OrgConfig


def department_subtrees(config: OrgConfig, roots: Collection[str]) -> set[str]:
    """The given departments and every department below them."""
    children: dict[str, list[str]] = defaultdict(list)
    for department in config.departments:
        if department.parent is not None:
            children[department.parent].append(department.id)
    found: set[str] = set()
    pending = list(roots)
    while pending:
        current = pending.pop()
        if current not in found:
            found.add(current)
            pending.extend(children[current])
    return found


def members_in_departments(config: OrgConfig, departments: Collection[str]) -> set[str]:
    """Members whose primary or further department lies in the subtrees of `departments`."""
    subtree = department_subtrees(config, departments)
    return {
        member.id
        for member in config.members
        if member.department in subtree or any(extra in subtree for extra in member.departments)
    }


@dataclass(frozen=True)
class SeatListProblem:
    """Why a seat list, or one row of it, covers nobody; rules/seats.py reports it."""

    assignment: int  # index in seat_assignments
    kind: Literal["outside", "missing", "unreadable", "invalid", "unmatched"]
    shown: str  # the file as the user sees it
    detail: str = ""  # why it cannot be read, what is wrong with a line, or the row's email or phone
    line: int | None = None  # of the invalid line or the unmatched row


def assignment_coverage(
    config: OrgConfig, sources: Sources | None = None
) -> tuple[list[set[str]], list[SeatListProblem]]:
    """Who each seat assignment covers statically, and the problems with seat lists."""
    coverage: list[set[str]] = []
    problems: list[SeatListProblem] = []
    everyone = {member.id for member in config.members}
    for i, rule in enumerate(config.seat_assignments):
        if rule.departments is not None:
            coverage.append(members_in_departments(config, rule.departments))
        elif rule.all_members:
            coverage.append(everyone)
        elif rule.from_file is not None:
            covered, found = _seat_list(config, sources, i, rule.from_file)
            coverage.append(covered)
            problems.extend(found)
        else:
            coverage.append(set())
    return coverage, problems


def _seat_list(config: OrgConfig, sources: Sources | None, i: int, name: str) -> tuple[set[str], list[SeatListProblem]]:
    """The members a seat list names, and the problems with the file."""
    path, shown = _named_file(sources, ("seat_assignments", i, "from_file"), name)
    if path is None:
        return set(), [SeatListProblem(i, "outside", shown)]
    if not path.is_file():
        return set(), [SeatListProblem(i, "missing", shown)]
    try:
        seat_file = read_seat_file(path)
    except (ConfigError, UnicodeDecodeError, OSError) as exc:
        return set(), [SeatListProblem(i, "unreadable", shown, str(exc))]
    contacts = _contact_index(config)
    covered: set[str] = set()
    problems = [SeatListProblem(i, "invalid", shown, found.message, found.line) for found in seat_file.problems]
    for row in seat_file.rows:
        member_id = _match(row, contacts)
        if member_id is None:
            problems.append(SeatListProblem(i, "unmatched", shown, row.label, row.line))
        else:
            covered.add(member_id)
    return covered, problems


def _named_file(sources: Sources | None, at: DocPath, name: str) -> tuple[Path | None, str]:
    """A file named at `at`, relative to the YAML file that names it: the path to open
    (None when it leaves that file's directory, symlinks resolved: a pull request must
    not make orgstate read the runner's files) and the path to show."""
    if sources is None or not sources.files:
        base, shown = Path.cwd(), Path(name)
    else:
        source = sources.file_of(at)
        base, shown = source.path.parent, Path(source.name).parent / name
    path = (base / name).resolve()
    return (path if path.is_relative_to(base.resolve()) else None), str(shown)


def _contact_index(config: OrgConfig) -> dict[str, str]:
    """Email (case-folded) or phone -> member id, as the console matches seat files."""
    index: dict[str, str] = {}
    for member in config.members:
        for value in (getattr(member, name) for name in MEMBER_CONTACTS):
            if value is not None:
                index.setdefault(value.casefold(), member.id)
    return index


def _match(row: SeatFileRow, contacts: dict[str, str]) -> str | None:
    for value in (row.email, row.phone):
        if value is not None and value.casefold() in contacts:
            return contacts[value.casefold()]
    return None

"""The console's "Import Local Files" seat list: a CSV with an email or phone column.

Its first row names the columns, `email`, `phone` or both; each further row names one
member. Whatever else is in the file is a located problem (line numbers as an editor
shows them), returned beside the rows that could be read.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from pydantic_core import PydanticCustomError

from orgstate.config.loader import MAX_FILE_BYTES
from orgstate.errors import ConfigError
from orgstate.model.types import to_e164

KEY_COLUMNS = ("email", "phone")
# The member fields a row's email or phone is matched against (emails case-insensitively),
# in this order, as the console does.
MEMBER_CONTACTS = ("work_email", "business_email", "phone")


@dataclass(frozen=True)
class SeatFileRow:
    line: int
    email: str | None
    phone: str | None  # in E.164, as a declared member's

    @property
    def label(self) -> str:
        return self.email or self.phone or ""


@dataclass(frozen=True)
class SeatFileProblem:
    line: int
    message: str


@dataclass
class SeatFile:
    rows: list[SeatFileRow] = field(default_factory=list)
    problems: list[SeatFileProblem] = field(default_factory=list)


def _header(cells: list[str], found: SeatFile) -> list[str] | None:
    names = [cell.strip().casefold() for cell in cells]
    if not any(name in KEY_COLUMNS for name in names):
        found.problems.append(SeatFileProblem(1, "the first row must name an 'email' or 'phone' column"))
        return None
    for position, name in enumerate(names):
        if name not in KEY_COLUMNS:
            found.problems.append(
                SeatFileProblem(
                    1,
                    f"unknown column '{cells[position].strip()}'; a seat list has "
                    "an 'email' column, a 'phone' column or both",
                )
            )
        elif name in names[:position]:
            found.problems.append(SeatFileProblem(1, f"column '{name}' is named twice"))
    return names


def _row(line: int, cells: list[str], names: list[str]) -> SeatFileRow | SeatFileProblem:
    if len(cells) != len(names):
        return SeatFileProblem(
            line, f"{len(cells)} cell{'' if len(cells) == 1 else 's'}, but the first row names {len(names)} columns"
        )
    # A row names its member by any one of its cells: with both columns, one may be blank.
    values = {name: cell.strip() or None for name, cell in zip(names, cells, strict=True) if name in KEY_COLUMNS}
    if not any(values.values()):
        return SeatFileProblem(line, f"a row with no {' or '.join(values)}: it names no member")
    phone = values.get("phone")
    if phone is not None:
        try:
            phone = to_e164(phone)
        except PydanticCustomError as problem:
            return SeatFileProblem(line, problem.message())
    return SeatFileRow(line, values.get("email"), phone)


def read_seat_file(path: Path) -> SeatFile:
    """The rows of a seat list and what is wrong with it; raises ConfigError when the
    file is too big to read."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ConfigError(f"{path}: over the limit of {MAX_FILE_BYTES // 2**20} MiB")
    found = SeatFile()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        names = _header(next(reader, []), found)
        if names is None:
            return found
        seen: dict[tuple[str | None, str | None], int] = {}
        for cells in reader:
            if not cells:
                continue  # an empty line
            read = _row(reader.line_num, cells, names)
            if isinstance(read, SeatFileProblem):
                found.problems.append(read)
                continue
            key = (read.email.casefold() if read.email else None, read.phone)
            if key in seen:
                found.problems.append(SeatFileProblem(read.line, f"repeats line {seen[key]}"))
            else:
                seen[key] = read.line
                found.rows.append(read)
    return found

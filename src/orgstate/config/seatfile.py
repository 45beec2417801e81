"""The console's "Import Local Files" seat list: a CSV with an email or phone column."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from orgstate.config.loader import MAX_FILE_BYTES
from orgstate.errors import ConfigError

KEY_COLUMNS = ("email", "phone")


@dataclass(frozen=True)
class SeatFileRow:
    line: int
    email: str | None
    phone: str | None

    @property
    def label(self) -> str:
        return self.email or self.phone or ""


def read_seat_file(path: Path) -> list[SeatFileRow]:
    """Rows of a seat list; raises ConfigError when the file is too big or has no usable column."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ConfigError(f"{path}: over the limit of {MAX_FILE_BYTES // 2**20} MiB")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [cell.strip().casefold() for cell in next(reader, [])]
        columns = {name: header.index(name) for name in KEY_COLUMNS if name in header}
        if not columns:
            raise ConfigError(f"{path}: the first row must name an 'email' or 'phone' column")
        rows = []
        for record in reader:
            values = {name: record[i].strip() if i < len(record) else "" for name, i in columns.items()}
            if any(values.values()):
                rows.append(SeatFileRow(reader.line_num, values.get("email") or None, values.get("phone") or None))
        return rows

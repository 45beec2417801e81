"""Initial and reset passwords go to a new file only its owner can read (mode 0600);
never to stdout, a plan or a log. The file is created on the first password, and each
line is on disk before the run goes on."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path


class PasswordFile:
    def __init__(self, directory: Path, stem: str) -> None:
        self.directory = directory
        self.stem = stem
        self.path: Path | None = None

    def write(self, member_id: str, password: str) -> None:
        if self.path is None:
            self.path = new_secret_file(self.directory, self.stem, "member,password\n")
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(f"{member_id},{password}\n")
            handle.flush()
            os.fsync(handle.fileno())


def new_secret_file(directory: Path, stem: str, content: str, path: Path | None = None) -> Path:
    """Create a file that did not exist, mode 0600, holding `content`."""
    if path is None:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        path = directory / f"{stem}-{stamp}-{os.getpid()}.csv"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    return path

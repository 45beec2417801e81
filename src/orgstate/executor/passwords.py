"""Initial and reset passwords go to a new file only its owner can read (mode 0600);
never to stdout, a plan or a log. The file is reserved before anything could generate a
password (so no password is ever made with nowhere to go), each line is on disk before
the run goes on, and a reserved file that received nothing is removed."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from orgstate.errors import UsageError


class PasswordFile:
    """member,password lines in a new private file, created with the first password."""

    def __init__(self, directory: Path, stem: str, path: Path | None = None) -> None:
        self.directory = directory
        self.stem = stem
        self.path: Path | None = path
        self.created = False
        self.written = 0

    def reserve(self) -> Path:
        """Create the file now (before any password exists), so that a password is never
        generated with nowhere to go."""
        if not self.created:
            self.path = new_secret_file(self.directory, self.stem, self.path)
            self.created = True
            append(self.path, "member,password\n")
        assert self.path is not None
        return self.path

    def write(self, member_id: str, password: str) -> None:
        append(self.reserve(), f"{member_id},{password}\n")
        self.written += 1

    def discard_if_unused(self) -> None:
        """Remove a reserved file that never received a password."""
        if self.created and not self.written and self.path is not None:
            self.path.unlink(missing_ok=True)
            self.created = False


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def new_secret_file(directory: Path, stem: str, path: Path | None = None) -> Path:
    """Create an empty file that did not exist, mode 0600 (a name that exists is refused)."""
    try:
        if path is None:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            path = directory / f"{stem}-{stamp}-{os.getpid()}.csv"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError(f"{path} exists; passwords go to a new file only") from None
    except OSError as exc:
        raise UsageError(f"{path or directory}: cannot create a password file there: {exc.strerror}") from None
    os.close(descriptor)
    return path

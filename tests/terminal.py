"""The real command line on a pseudo-terminal, for what it does only there (asking
before it applies or unlocks)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path


def start_on_terminal(*args: str, cwd: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`orgstate ARGS` with stdin, stdout and stderr on a new pseudo-terminal; the process
    and the terminal's other end, to read and answer with."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "orgstate", *args],
        cwd=cwd,
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env={**os.environ, "NO_COLOR": "1"},
    )
    os.close(secondary)
    return process, primary


def read_until(fd: int, marker: bytes | None, timeout: float = 60) -> bytes:
    """Read a pseudo-terminal until `marker` appears (or, with None, until it closes)."""
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return data
        if not chunk:
            return data
        data += chunk
        if marker is not None and marker in data:
            return data
    raise AssertionError(f"timed out; got {data[-500:]!r}")


def read_to_end(fd: int) -> bytes:
    """Everything a pseudo-terminal's other end receives until the program closes it;
    then close `fd`."""
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the program closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)

"""Start `orgstate emulator serve` as a process of its own, for tests and benchmarks that
need the real server on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class RunningEmulator:
    url: str
    process: subprocess.Popen[str]

    def stop(self) -> str:
        """Stop the server; returns what it wrote to stderr after its first line."""
        self.process.terminate()
        self.process.wait(timeout=10)
        assert self.process.stderr is not None
        return self.process.stderr.read()


def start_emulator(db: Path, app_id: str, app_secret: str, *options: str) -> RunningEmulator:
    """Serve `db` on a free port; `options` as `orgstate emulator serve` takes them."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orgstate",
            "emulator",
            "serve",
            "--db",
            str(db),
            "--port",
            "0",
            "--app-id",
            app_id,
            *options,
        ],
        env={**os.environ, "LARK_APP_SECRET": app_secret},
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    if not line.startswith("emulator listening on "):
        process.kill()
        raise RuntimeError(f"the emulator did not start: {line.strip()}")
    return RunningEmulator(line.split()[-1], process)

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from orgstate.config.loader import LoadedConfig, load_config
from orgstate.diagnostics import Diagnostic
from orgstate.rules import check_static

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

MINIMAL = """\
version: 1
org: {name: Tiny}
departments:
  - {id: eng, name: Engineering}
members:
  - {id: alice, name: Alice Liu, department: eng, work_email: alice@tiny.example}
"""


def run_orgstate(*args: str, cwd: Path | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a child process, as a user or CI would."""
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "orgstate", *args],
        cwd=cwd or ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[..., Path]:
    def write(text: str, name: str = "org.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def diagnose(*paths: Path) -> tuple[LoadedConfig, list[Diagnostic]]:
    """Load and check, as `orgstate validate` does."""
    loaded = load_config(list(paths))
    if loaded.config is None:
        return loaded, loaded.diagnostics
    return loaded, check_static(loaded.config, loaded.sources)


@pytest.fixture
def check_yaml(write_yaml: Callable[..., Path]) -> Callable[[str], list[Diagnostic]]:
    def check(text: str) -> list[Diagnostic]:
        return diagnose(write_yaml(text))[1]

    return check

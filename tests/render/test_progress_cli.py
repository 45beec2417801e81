"""Long work shows progress, on stderr only: the real command line against the local
backend and the emulator, with stderr a pipe (CI: one line per phase), on a
pseudo-terminal (a live line redrawn in place), and against a backend that does not
answer (a line per retry)."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from orgstate.emulator.process import RunningEmulator, start_emulator
from orgstate.tenant.fixture import init_tenant, load_fixture
from tests.conftest import EXAMPLES
from tests.terminal import read_to_end

ORG = str(EXAMPLES / "org.yaml")
SECRET = "progress-emulator-app-secret-0123456789"
APP_ID = "cli_progress"
# A phase's closing line: "Reading the tenant ... 7 members in 0.1 s".
CLOSING = re.compile(r"^(?P<title>[A-Z][^\n]*?) \.\.\. (?P<summary>[^\n]+) in \d+\.\d s$", re.M)
RETRY = re.compile(
    r"^retrying GET /open-apis/\S+ in \d+\.\d s: connection refused \(attempt (?P<attempt>\d) of 3\)$", re.M
)
COLOUR = re.compile(rb"\x1b\[[0-9;]*m")
CONTROL = re.compile(r"\x1b\[\??[0-9;]*[A-Za-z]")


def environment(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("ORGSTATE_PROGRESS", "TERM")}
    return {**env, "NO_COLOR": "1", "TERM": "xterm", "LARK_APP_ID": APP_ID, "LARK_APP_SECRET": SECRET, **extra}


def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orgstate", *args],
        cwd=cwd,
        env=environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_with_stderr_on_terminal(*args: str, cwd: Path, **env: str) -> tuple[int, str, bytes]:
    """stderr on a pseudo-terminal, stdout a pipe: the exit code, stdout, and every byte
    the terminal received."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "orgstate", *args],
        cwd=cwd,
        env=environment(**env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=secondary,
    )
    os.close(secondary)
    assert process.stdout is not None
    stdout = process.stdout.read().decode()  # the pty holds a few KB; progress is far less
    terminal = read_to_end(primary)
    return process.wait(timeout=120), stdout, terminal


def closing_titles(text: str) -> Counter[str]:
    return Counter(found["title"] for found in CLOSING.finditer(text))


def as_shown(terminal: bytes) -> str:
    """What a terminal's lines finally read: escape sequences dropped, and each line the
    text after its last carriage return."""
    lines = CONTROL.sub("", terminal.decode()).replace("\r\n", "\n").split("\n")
    return "\n".join(line.rsplit("\r", 1)[-1] for line in lines)


@pytest.fixture
def local(tmp_path: Path) -> str:
    init_tenant(tmp_path / "tenant.db", load_fixture(EXAMPLES / "tenant.yaml"))
    return f"local:{tmp_path / 'tenant.db'}"


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[RunningEmulator]:
    db = tmp_path / "emulated.db"
    init_tenant(db, load_fixture(EXAMPLES / "tenant.yaml"))
    running = start_emulator(db, APP_ID, SECRET, "--rate-limits", "off")
    yield running
    running.stop()


def test_in_ci_each_phase_is_one_line_on_stderr_and_stdout_stays_json(local: str, tmp_path: Path) -> None:
    planned = run("plan", "-f", ORG, "--backend", local, "--format", "json", cwd=tmp_path, ORGSTATE_PROGRESS="all")
    assert planned.returncode == 0, planned.stderr
    assert json.loads(planned.stdout)["backend"] == local
    assert closing_titles(planned.stderr) == {"Reading the tenant": 1, "Planning": 1}
    assert planned.stderr.count("\n") == 2 and "\r" not in planned.stderr and "\x1b" not in planned.stderr
    members = len(load_fixture(EXAMPLES / "tenant.yaml").members)
    assert f"Reading the tenant ... {members} members in " in planned.stderr

    drifted = run("drift", "-f", ORG, "--backend", local, "--format", "json", cwd=tmp_path, ORGSTATE_PROGRESS="all")
    assert drifted.returncode in (0, 2), drifted.stderr
    json.loads(drifted.stdout)
    assert closing_titles(drifted.stderr) == {"Reading the tenant": 1, "Comparing": 1}


def test_in_ci_phases_shorter_than_a_second_say_nothing(local: str, tmp_path: Path) -> None:
    planned = run("plan", "-f", ORG, "--backend", local, "--format", "json", cwd=tmp_path)
    assert planned.returncode == 0 and planned.stderr == ""
    silent = run("plan", "-f", ORG, "--backend", local, "--format", "json", cwd=tmp_path, ORGSTATE_PROGRESS="off")
    assert silent.returncode == 0 and silent.stderr == ""


def test_through_the_lark_backend_reading_plan_and_export_report_once(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    backend = f"lark:{emulator.url}"
    planned = run("plan", "-f", ORG, "--backend", backend, "--format", "json", cwd=tmp_path, ORGSTATE_PROGRESS="all")
    assert planned.returncode in (0, 1), planned.stderr
    assert json.loads(planned.stdout)["backend"] == backend
    assert closing_titles(planned.stderr) == {"Reading the tenant": 1, "Planning": 1}, planned.stderr

    exported = run("export", "--backend", backend, cwd=tmp_path, ORGSTATE_PROGRESS="all")
    assert exported.returncode == 0, exported.stderr
    assert yaml.safe_load(exported.stdout)["version"] == 1
    assert closing_titles(exported.stderr) == {"Reading the tenant": 1, "Writing the configuration": 1}

    written = run("export", "--backend", backend, "-o", "org.yaml", cwd=tmp_path, ORGSTATE_PROGRESS="all")
    assert written.returncode == 0, written.stderr
    assert closing_titles(written.stderr) == {"Reading the tenant": 1, "Writing org.yaml": 1}
    assert "Writing" not in written.stdout


def test_on_a_terminal_progress_is_drawn_on_stderr_and_stdout_stays_json(local: str, tmp_path: Path) -> None:
    code, stdout, terminal = run_with_stderr_on_terminal(
        "plan", "-f", ORG, "--backend", local, "--format", "json", cwd=tmp_path, ORGSTATE_PROGRESS="all"
    )
    assert code == 0, terminal
    assert json.loads(stdout)["backend"] == local and "Reading the tenant" not in stdout
    shown = terminal.decode()
    assert "Reading the tenant" in shown.split("Reading the tenant ... ", 1)[0]  # the live line, before its end
    assert "\x1b[2K" in shown  # redrawn in place
    assert closing_titles(as_shown(terminal)) == {"Reading the tenant": 1, "Planning": 1}
    assert COLOUR.search(terminal) is None  # NO_COLOR


def test_a_dumb_terminal_gets_the_closing_lines_without_redrawing(local: str, tmp_path: Path) -> None:
    code, stdout, terminal = run_with_stderr_on_terminal(
        "plan", "-f", ORG, "--backend", local, "--format", "json", cwd=tmp_path, ORGSTATE_PROGRESS="all", TERM="dumb"
    )
    assert code == 0, terminal
    json.loads(stdout)
    assert b"\x1b" not in terminal
    assert closing_titles(as_shown(terminal)) == {"Reading the tenant": 1, "Planning": 1}


def test_an_unreachable_backend_says_each_retry_on_stderr(tmp_path: Path) -> None:
    unreachable = "lark:http://127.0.0.1:9"
    result = run("plan", "-f", ORG, "--backend", unreachable, "--format", "json", cwd=tmp_path, LARK_MAX_ATTEMPTS="3")
    assert result.returncode == 1 and result.stdout == ""
    assert [found["attempt"] for found in RETRY.finditer(result.stderr)] == ["2", "3"], result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: ") and "after 3 attempts" in result.stderr


def test_a_progress_setting_it_does_not_know_is_one_line_and_exit_1(local: str, tmp_path: Path) -> None:
    result = run("plan", "-f", ORG, "--backend", local, cwd=tmp_path, ORGSTATE_PROGRESS="loud")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == "error: ORGSTATE_PROGRESS must be one of auto, all, off, not 'loud'\n"

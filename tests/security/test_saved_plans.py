"""A saved plan is an artifact that can be swapped between the plan job and the apply
job: it must never decide where credentials go, nor be applied where it was not made."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from orgstate.config.loader import load_config
from orgstate.planner.build import build_plan
from orgstate.planner.context import PlanOptions
from orgstate.render.plan_json import render_plan_json
from orgstate.tenant.fixture import load_fixture
from tests.conftest import EXAMPLES, ROOT


class Recorder(BaseHTTPRequestHandler):
    """Answers nothing useful; remembers every request it was sent."""

    seen: ClassVar[list[bytes]] = []

    def _record(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        Recorder.seen.append(self.requestline.encode() + b" " + self.rfile.read(length))
        self.send_response(500)
        self.end_headers()

    do_GET = do_POST = do_PATCH = do_DELETE = _record

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Recorder.seen.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def saved_plan(path: Path, backend: str) -> Path:
    loaded = load_config([EXAMPLES / "org.yaml"])
    assert loaded.config is not None
    plan = build_plan(loaded.config, load_fixture(EXAMPLES / "tenant.yaml"), PlanOptions(backend=backend))
    path.write_text(render_plan_json(plan))
    return path


def apply(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # One attempt: where the backend check passes, the call that follows fails at once.
    env = {
        **os.environ,
        "LARK_APP_ID": "cli_victim",
        "LARK_APP_SECRET": "victim-secret",
        "LARK_MAX_ATTEMPTS": "1",
        "NO_COLOR": "1",
    }
    env.pop("ORGSTATE_BACKEND", None)
    return subprocess.run(
        [sys.executable, "-m", "orgstate", "apply", *args, "--auto-approve"],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_plan_naming_another_backend_gets_no_credentials(tmp_path: Path, recorder: str) -> None:
    plan = saved_plan(tmp_path / "plan.json", f"lark:{recorder}")
    result = apply(tmp_path, str(plan))
    assert result.returncode == 1
    assert f"the plan was made for lark:{recorder}, but apply is set to local:.orgstate/tenant.db" in result.stderr
    assert Recorder.seen == []


@pytest.mark.parametrize(
    ("planned", "applied", "same"),
    [
        ("local:.orgstate/tenant.db", "local:./.orgstate/../.orgstate/tenant.db", True),
        ("local:.orgstate/tenant.db", "local:other.db", False),
        # Nothing listens on loopback's port 9: the same backend fails to connect, off the network.
        ("lark:http://localhost:9/", "lark:http://LOCALHOST:9", True),
        ("lark:https://open.larksuite.com", "lark:https://evil.example", False),
    ],
)
def test_apply_runs_a_plan_only_on_the_backend_it_was_made_for(
    tmp_path: Path, planned: str, applied: str, same: bool
) -> None:
    plan = saved_plan(tmp_path / "plan.json", planned)
    result = apply(tmp_path, str(plan), "--backend", applied)
    refused = "the plan was made for" in result.stderr
    assert refused is not same, result.stderr
    assert result.returncode == 1  # the rest fails for want of a tenant, but only after the backend check

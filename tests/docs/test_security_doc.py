"""docs/security.md states limits and names that live in the code: each figure it gives
is checked against the constant it describes, so the page cannot drift from them."""

from __future__ import annotations

import re

import pytest

from orgstate.config.loader import MAX_FILE_BYTES
from orgstate.config.yamlsafe import MAX_DEPTH
from orgstate.diagnostics import SHOWN_PER_RULE
from orgstate.render.plan_json import MAX_PLAN_BYTES, PLAN_KEY_MIN_LENGTH, PLAN_KEY_VARIABLE
from orgstate.statestore.store import HEARTBEAT_INTERVAL, LOCK_EXPIRY
from tests.conftest import ROOT
from tests.fuzz.test_fuzz import CPU_LIMIT, KINDS

DOC = (ROOT / "docs" / "security.md").read_text()
FLAT = " ".join(DOC.split())  # sentences without their line breaks


@pytest.mark.parametrize(
    "sentence",
    [
        f"nesting deeper than {MAX_DEPTH} levels",
        f"each rule reports its first {SHOWN_PER_RULE} problems in a file",
        f"files over {MAX_FILE_BYTES // 2**20} MiB",
        f"a plan file over {MAX_PLAN_BYTES // 2**20} MiB",
        f"`{PLAN_KEY_VARIABLE}` set (at least {PLAN_KEY_MIN_LENGTH} random characters",
        f"renews every {HEARTBEAT_INTERVAL.seconds} seconds",
        f"more than {LOCK_EXPIRY.seconds // 60} minutes old",
        f"within {CPU_LIMIT:g} s of CPU",
    ],
)
def test_the_page_states_the_limits_the_code_has(sentence: str) -> None:
    assert sentence in FLAT


def test_the_fuzz_counts_are_those_ci_runs() -> None:
    default = re.search(r'"ORGSTATE_FUZZ_CASES", "(\d+)"', (ROOT / "tests" / "fuzz" / "test_fuzz.py").read_text())
    assert default is not None
    assert f"| CI | {int(default[1]):,} (`ORGSTATE_FUZZ_CASES` changes it)" in DOC
    assert all(kind in {"config", "fixture", "plan"} for kind in KINDS)


def test_every_environment_variable_named_is_one_orgstate_or_its_fuzz_harness_reads() -> None:
    named = set(re.findall(r"`((?:LARK|ORGSTATE)_[A-Z_]+)`", DOC))
    files = [*(ROOT / "src" / "orgstate").rglob("*.py"), *(ROOT / "tests" / "fuzz").glob("*.py")]
    source = "\n".join(path.read_text() for path in files)
    assert named and all(f'"{name}"' in source for name in named), named

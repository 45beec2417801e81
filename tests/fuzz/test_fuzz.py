"""The fuzz corpus run in CI: 2,000 seeded mutations per input kind (a configuration, a
tenant fixture, a saved plan), each through the real command line. None may end in an
internal error (exit 70) or take more than 2 s of CPU; and an input of 1 MiB, valid
and complete so that every stage has all of it to do, stays within 2 s of CPU too.
`ORGSTATE_FUZZ_CASES` sets the count; bench/bench_fuzz.py runs the long and scaling
runs (figures in docs/security.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fuzz.harness import INTERNAL_ERROR, Case, Outcome, fuzz, large_input, run_case

KINDS = ("config", "fixture", "plan")
CASES = int(os.environ.get("ORGSTATE_FUZZ_CASES", "2000"))
CPU_LIMIT = 2.0


@pytest.mark.parametrize("kind", KINDS)
def test_no_mutated_input_crashes_orgstate_or_takes_long(kind: str, tmp_path: Path) -> None:
    seen: list[Outcome] = []
    fuzz(kind, CASES, tmp_path, each=seen.append)
    crashes = [o for o in seen if o.exit_code == INTERNAL_ERROR or o.exit_code not in (0, 1, 2)]
    slow = [o for o in seen if o.cpu_seconds > CPU_LIMIT]
    assert len(seen) == CASES
    assert not crashes, [(o.case.seed, o.exit_code, o.output[-2000:]) for o in crashes[:3]]
    assert not slow, [(o.case.seed, round(o.cpu_seconds, 2), len(o.case.data)) for o in slow[:5]]
    # the corpus reaches past the first check: some inputs are accepted, some refused
    assert {0, 1} <= {o.exit_code for o in seen} or {1, 2} <= {o.exit_code for o in seen}


@pytest.mark.parametrize("kind", KINDS)
def test_an_input_of_one_mib_is_read_within_the_cpu_limit(kind: str, tmp_path: Path) -> None:
    data = large_input(kind, 2**20)
    assert 2**20 - 1024 <= len(data) <= 2**20 or kind == "plan"
    outcome = run_case(Case(kind, -1, data), tmp_path)
    assert outcome.exit_code in (0, 1, 2), outcome.output[-2000:]
    assert outcome.cpu_seconds <= CPU_LIMIT

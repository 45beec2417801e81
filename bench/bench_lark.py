"""Benchmark the lark backend against the emulator with rate limits on (SPEC section 8).

    python bench/bench_lark.py [--members N] [--changed 0.1]

Seeds an emulator with a generated organization (bench/gen_org.py) in which a share of
the members changed out of band, then times a refresh (the whole snapshot) and the
apply of the resulting plan through the Open API. Each is printed against the minimum
the per-endpoint limits allow for the requests it needed (target: at most 1.1 times),
with the requests used per endpoint. The apply is also printed beside the plan's
estimate of it, which must be within 15% of the measured time (else the run fails).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_plan import live_tenant
from gen_org import generate
from orgstate.appliers.lark import LarkBackend
from orgstate.appliers.lark.client import LarkApi
from orgstate.appliers.lark.limits import apply_seconds, refresh_seconds
from orgstate.config.loader import load_config
from orgstate.emulator.process import start_emulator
from orgstate.executor.apply import apply_plan
from orgstate.executor.passwords import PasswordFile
from orgstate.lark.endpoints import RESTRICTED_PATCH
from orgstate.planner.build import build_plan
from orgstate.planner.context import PlanOptions
from orgstate.statestore import open_store
from orgstate.tenant.fixture import init_tenant

SECRET = "bench-secret"
TOLERANCE = 0.15  # how far the plan's estimate may be from the measured apply


def report(label: str, seconds: float, minimum: float, calls: Counter[str]) -> None:
    """`calls` per pacing tier (LarkApi.calls): a restricted patch is one request, counted twice."""
    ratio = seconds / minimum if minimum else float("inf")
    used = ", ".join(f"{endpoint} {n}" for endpoint, n in calls.most_common())
    requests = sum(calls.values()) - calls[RESTRICTED_PATCH]
    print(f"  {label:<8} {seconds:7.2f} s   minimum {minimum:7.2f} s   {ratio:5.2f}x   {requests} requests")
    print(f"           ({used})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--changed", type=float, default=0.1)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        org = root / "org.yaml"
        org.write_text(generate(args.members, max(10, args.members // 50), max(1, args.members // 200)))
        loaded = load_config([org])
        assert loaded.config is not None
        db = root / "lark.db"
        init_tenant(db, live_tenant(loaded.config, args.changed))
        server = start_emulator(db, "cli_bench", SECRET, "--rate-limits", "on")
        try:
            url = server.url
            api = LarkApi(url, "cli_bench", SECRET)
            backend = LarkBackend(url, api=api)
            print(
                f"lark backend against the emulator (rate limits on): {args.members:,} members, "
                f"{args.changed:.0%} changed out of band"
            )
            backend.look_up_members(member.id for member in loaded.config.members)  # as `plan` does
            started = time.perf_counter()
            snapshot = backend.read_snapshot()
            refresh_took = time.perf_counter() - started
            refresh_calls = Counter(api.calls)
            report("refresh", refresh_took, refresh_seconds(refresh_calls), refresh_calls)
            options = PlanOptions(backend=f"lark:{url}", capabilities=backend.capabilities)
            plan = build_plan(loaded.config, snapshot, options)
            estimate = backend.estimate(plan, snapshot)
            api.calls.clear()
            store = open_store(f"sqlite:{root / 'state.db'}")
            started = time.perf_counter()
            result = apply_plan(plan, backend, store, PasswordFile(root, "passwords"))
            apply_took = time.perf_counter() - started
            store.close()
            assert result.ok, (result.failed, result.skipped)
            apply_calls = Counter(api.calls)
            minimum = apply_seconds(refresh_calls, apply_calls - refresh_calls)
            report(f"apply ({len(plan.changes)})", apply_took, minimum, apply_calls)
            print(f"  retries {api.retries}, token renewals {api.token_renewals}")
            off = (apply_took - estimate.seconds) / apply_took
            print(f"  estimate {estimate.seconds:7.2f} s   measured {apply_took:7.2f} s   ({off:+.1%} of the measured)")
        finally:
            server.stop()
    if abs(off) > TOLERANCE:
        sys.exit(f"the plan's estimate is {abs(off):.1%} off the measured apply, more than {TOLERANCE:.0%}")


if __name__ == "__main__":
    main()

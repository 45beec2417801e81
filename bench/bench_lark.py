"""Benchmark the lark backend against the emulator with rate limits on (SPEC section 8).

    python bench/bench_lark.py [--members N] [--changed 0.1]

Seeds an emulator with a generated organization (bench/gen_org.py) in which a share of
the members changed out of band, then times a refresh (the whole snapshot) and the
apply of the resulting plan through the Open API. Each is printed against the minimum
the per-endpoint limits allow for the requests it needed (target: at most 1.1 times),
with the requests used per endpoint.
"""

from __future__ import annotations

import argparse
import math
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
from orgstate.config.loader import load_config
from orgstate.emulator.process import start_emulator
from orgstate.executor.apply import apply_plan
from orgstate.executor.passwords import PasswordFile
from orgstate.lark.endpoints import TIERS
from orgstate.planner.build import build_plan
from orgstate.planner.context import PlanOptions
from orgstate.statestore import open_store
from orgstate.tenant.fixture import init_tenant

SECRET = "bench-secret"
FIRST_PHASE = "contact.v3.department.children"  # read before everything else can start


def minimum_seconds(endpoint: str, requests: int) -> float:
    """The earliest the last of `requests` calls to one endpoint can go (fixed windows)."""
    tier = TIERS.get(endpoint)
    if tier is None or requests == 0:
        return 0.0
    bounds = [0.0]
    if tier.per_second:
        bounds.append(math.ceil(requests / tier.per_second) - 1)
    if tier.per_minute:
        bounds.append((math.ceil(requests / tier.per_minute) - 1) * 60.0)
    return max(bounds)


def refresh_minimum(calls: Counter[str]) -> float:
    """The departments first, then every other list at once (each endpoint paced alone)."""
    rest = [minimum_seconds(endpoint, n) for endpoint, n in calls.items() if endpoint != FIRST_PHASE]
    return minimum_seconds(FIRST_PHASE, calls[FIRST_PHASE]) + max(rest, default=0.0)


def apply_minimum(calls: Counter[str], refresh_calls: Counter[str]) -> float:
    """Apply first reads the whole tenant again under its lock (the stale check: a
    refresh), then runs the changes one after another, each written and read back; every
    endpoint paces itself alone, so the busiest one bounds the changes."""
    changes = calls - refresh_calls
    return refresh_minimum(refresh_calls) + max((minimum_seconds(e, n) for e, n in changes.items()), default=0.0)


def report(label: str, seconds: float, minimum: float, calls: Counter[str]) -> None:
    ratio = seconds / minimum if minimum else float("inf")
    used = ", ".join(f"{endpoint} {n}" for endpoint, n in calls.most_common())
    print(f"  {label:<8} {seconds:7.2f} s   minimum {minimum:7.2f} s   {ratio:5.2f}x   {sum(calls.values())} requests")
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
            started = time.perf_counter()
            snapshot = backend.read_snapshot()
            refresh_seconds = time.perf_counter() - started
            refresh_calls = Counter(api.calls)
            report("refresh", refresh_seconds, refresh_minimum(refresh_calls), refresh_calls)
            options = PlanOptions(backend=f"lark:{url}", capabilities=backend.capabilities)
            plan = build_plan(loaded.config, snapshot, options)
            api.calls.clear()
            store = open_store(f"sqlite:{root / 'state.db'}")
            started = time.perf_counter()
            result = apply_plan(plan, backend, store, PasswordFile(root, "passwords"))
            apply_seconds = time.perf_counter() - started
            store.close()
            assert result.ok, (result.failed, result.skipped)
            apply_calls = Counter(api.calls)
            minimum = apply_minimum(apply_calls, refresh_calls)
            report(f"apply ({len(plan.changes)})", apply_seconds, minimum, apply_calls)
            print(f"  retries {api.retries}, token renewals {api.token_renewals}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()

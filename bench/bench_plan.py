"""Benchmark `orgstate plan` against the local backend (SPEC section 8).

    python bench/bench_plan.py [--members N] [--changed 0.01] [--naive-members N] [--skip-naive]

Builds a generated organization (bench/gen_org.py) and a local tenant that holds it
with a share of members changed out of band, then runs `orgstate plan` end to end in
a fresh process (target: 100,000 members under 5 s and 1.5 GB peak). It then times,
in this process on a 10,000-member organization, orgstate's pipeline against the
naive one (ruamel.yaml round-trip load plus a DeepDiff of the whole documents;
target: at least 20 times faster).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_org import generate
from orgstate.config.loader import load_config
from orgstate.model.config import MemberFields, OrgConfig
from orgstate.model.live import TenantState
from orgstate.planner.build import build_plan
from orgstate.rules.check import check_static
from orgstate.tenant import Tenant
from orgstate.tenant.fixture import init_tenant, state_for
from orgstate.tenant.snapshot import read_state

OUT = Path(__file__).resolve().parent / "out"


def live_tenant(config: OrgConfig, changed: float, seed: int = 11) -> TenantState:
    """The tenant as it would be after applying `config`, with `changed` of the members
    edited out of band (their job title)."""
    state = state_for(config, dt.date(2026, 11, 21))
    rng = random.Random(seed)
    picked = set(rng.sample(range(len(state.members)), int(len(state.members) * changed)))
    members = tuple(
        m.model_copy(update={"member": retitled(m.member)}) if i in picked else m for i, m in enumerate(state.members)
    )
    return state.model_copy(update={"members": members})


def retitled(member: MemberFields) -> MemberFields:
    return member.model_copy(update={"job": member.job.model_copy(update={"title": "Changed Out Of Band"})})


def prepare(members: int, changed: float) -> tuple[Path, Path]:
    OUT.mkdir(exist_ok=True)
    org = OUT / f"plan-{members}.yaml"
    org.write_text(generate(members, max(10, members // 50), max(1, members // 200)))
    loaded = load_config([org])
    assert loaded.config is not None, loaded.diagnostics
    db = OUT / f"plan-{members}.db"
    init_tenant(db, live_tenant(loaded.config, changed), replace=True)
    return org, db


def run_plan(org: Path, db: Path) -> tuple[float, float, float, int]:
    """Wall time, CPU time (user and system: steadier than the wall clock on a shared
    machine), peak RSS in MiB and exit code of one `orgstate plan`."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "orgstate",
            "plan",
            "-f",
            str(org),
            "--backend",
            f"local:{db}",
            "--detailed-exitcode",
            "--out",
            str(OUT / "plan.json"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def orgstate_pipeline(org: Path, db: Path) -> float:
    started = time.perf_counter()
    loaded = load_config([org])
    assert loaded.config is not None
    check_static(loaded.config, loaded.sources)
    with Tenant(db) as tenant:
        snapshot = read_state(tenant)
    build_plan(loaded.config, snapshot, sources=loaded.sources)
    return time.perf_counter() - started


def naive_pipeline(org: Path, db: Path) -> float:
    from deepdiff import DeepDiff
    from ruamel.yaml import YAML

    started = time.perf_counter()
    desired = YAML(typ="rt").load(org.read_bytes())
    with Tenant(db) as tenant:
        live = read_state(tenant).model_dump(mode="json")
    DeepDiff(dict(desired), live, ignore_order=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--naive-members", type=int, default=10_000)
    parser.add_argument("--skip-naive", action="store_true")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    org, db = prepare(args.members, args.changed)
    print(
        f"orgstate plan, {args.members:,} members, {args.changed:.0%} changed out of band "
        f"({org.stat().st_size / 1e6:.1f} MB of YAML, {db.stat().st_size / 1e6:.1f} MB tenant)"
    )
    results = [run_plan(org, db) for _ in range(args.runs)]
    assert {code for *_, code in results} == {2}, f"expected exit 2 (changes), got {results}"
    times = sorted(elapsed for elapsed, *_ in results)
    cpu = sorted(cpu for _, cpu, _, _ in results)
    print(
        f"  end to end: median {times[len(times) // 2]:.2f} s, min {times[0]:.2f} s, "
        f"CPU median {cpu[len(cpu) // 2]:.2f} s, peak {max(rss for _, _, rss, _ in results):.0f} MiB ({args.runs} runs)"
    )
    if args.skip_naive:
        return
    small_org, small_db = prepare(args.naive_members, args.changed)
    ours = min(orgstate_pipeline(small_org, small_db) for _ in range(3))
    naive = naive_pipeline(small_org, small_db)
    print(
        f"  {args.naive_members:,} members in process: orgstate {ours:.2f} s, naive (ruamel round-trip + "
        f"whole-document DeepDiff) {naive:.2f} s: {naive / ours:.0f} times faster"
    )


if __name__ == "__main__":
    main()

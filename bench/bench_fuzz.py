"""The fuzz harness's long runs (tests/fuzz/harness.py), for a release.

    python bench/bench_fuzz.py [--cases N] [--sizes 1,4,16,64] [--kinds config,fixture,plan]

1. Corpus: N seeded mutations per input kind (default 20,000; CI runs 2,000), each
   through the real command line in this process. Prints the count of each exit code,
   the internal errors (exit 70, which must be 0) and the slowest case's CPU time.
2. Scaling: a valid input of each size (MiB, up to the 64 MiB cap), read in a fresh
   process. Prints CPU seconds, peak RSS and both per MiB: growth no faster than the
   input means the per-MiB figures stay flat.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.fuzz.harness import INTERNAL_ERROR, Outcome, command, fuzz  # noqa: E402


def corpus(kind: str, count: int) -> None:
    codes: collections.Counter[int] = collections.Counter()
    slowest: list[Outcome] = []

    def judge(outcome: Outcome) -> None:
        codes[outcome.exit_code] += 1
        if outcome.exit_code == INTERNAL_ERROR:
            print(f"  internal error: {kind} seed {outcome.case.seed}")
        if not slowest or outcome.cpu_seconds > slowest[0].cpu_seconds:
            slowest[:] = [outcome]

    with tempfile.TemporaryDirectory() as workdir:
        fuzz(kind, count, Path(workdir), each=judge)
    worst = slowest[0]
    print(
        f"{kind:<8} {count:>7} cases   exits {dict(sorted(codes.items()))}   internal errors "
        f"{codes[INTERNAL_ERROR]}   slowest {worst.cpu_seconds:.3f} s CPU ({len(worst.case.data):,} bytes)"
    )


def measured(args: list[str]) -> tuple[int, float, float]:
    """Exit code, CPU seconds and peak RSS (MiB) of the command line in a fresh process."""
    process = subprocess.Popen(
        [sys.executable, "-m", "orgstate", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    _, status, usage = os.wait4(process.pid, 0)
    return os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def scaling(kind: str, mebibytes: int, startup: tuple[float, float]) -> None:
    """One size; the per-MiB figures leave out what starting the interpreter costs."""
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / ("input.json" if kind == "plan" else "input.yaml")
        # Written by a child: Linux carries a parent's peak RSS into the children it
        # starts, so this process stays small for the measurement to be the command's.
        size = mebibytes * 2**20
        write = f"from tests.fuzz.harness import *; open({str(path)!r}, 'wb').write(large_input({kind!r}, {size}))"
        subprocess.run([sys.executable, "-c", write], cwd=ROOT, check=True)
        code, cpu, peak = measured(command(kind, path, Path(workdir)))
    per_cpu = (cpu - startup[0]) / mebibytes
    per_peak = (peak - startup[1]) / mebibytes
    print(
        f"{kind:<8} {mebibytes:>3} MiB   exit {code}   CPU {cpu:7.2f} s ({per_cpu:5.2f} s/MiB)   "
        f"peak {peak:7.0f} MiB ({per_peak:5.1f} MiB per MiB of input)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--sizes", default="1,4,16,64")
    parser.add_argument("--kinds", default="config,fixture,plan")
    options = parser.parse_args()
    kinds = options.kinds.split(",")
    machine = platform.processor() or platform.machine()
    print(f"{dt.date.today()}  {machine}  {os.cpu_count()} cores  Python {sys.version.split()[0]}")
    # Scaling first: a child forked later would start with the corpus run's memory.
    _, cpu, peak = measured(["--version"])
    print(f"starting the interpreter: CPU {cpu:.2f} s, peak {peak:.0f} MiB (left out of the per-MiB figures)")
    for kind in kinds:
        for size in (int(size) for size in options.sizes.split(",") if size):
            scaling(kind, size, (cpu, peak))
    for kind in kinds:
        if options.cases:
            corpus(kind, options.cases)


if __name__ == "__main__":
    main()

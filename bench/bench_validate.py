"""Benchmark `orgstate validate` (SPEC section 8: 100,000 members under 3 s).

    python bench/bench_validate.py [--members N] [--runs N] [--skip-readers]

Prints, for a generated organization (bench/gen_org.py): the end-to-end wall time
and peak memory of `orgstate validate` in a fresh process (clean, and with one
error near the end of the file, which needs a located re-parse), then the time
each YAML reader takes on a 10,000-member file, to show why the loader reads
YAML the way it does.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_org import generate

OUT = Path(__file__).resolve().parent / "out"


def run_validate(path: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB and exit code of one `orgstate validate`."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "orgstate", "validate", "-f", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def measure(label: str, path: Path, runs: int, expected_exit: int) -> None:
    results = [run_validate(path) for _ in range(runs)]
    codes = {code for _, _, code in results}
    assert codes == {expected_exit}, f"{label}: exit codes {codes}, expected {expected_exit}"
    times = [elapsed for elapsed, _, _ in results]
    peak = max(rss for _, rss, _ in results)
    print(
        f"{label:<44} median {statistics.median(times):6.2f} s   min {min(times):6.2f} s   "
        f"peak {peak:7.0f} MiB   (exit {expected_exit}, {runs} runs)"
    )


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def compare_readers(path: Path) -> None:
    from orgstate.config.yamlsafe import _EventConstructor, parse_yaml

    data = path.read_bytes()
    readers: dict[str, Callable[[], object]] = {
        "orgstate fast path (rapidyaml -> JSON)": lambda: parse_yaml(data),
        "orgstate reference reader (libyaml events)": lambda: _EventConstructor(data).construct(),
    }
    import yaml

    readers["PyYAML CSafeLoader"] = lambda: yaml.load(data, Loader=yaml.CSafeLoader)
    try:
        from ruamel.yaml import YAML

        readers["ruamel.yaml round-trip"] = lambda: YAML(typ="rt").load(data)
    except ImportError:
        print("(ruamel.yaml not installed: pip install -e '.[bench]' to compare it)")
    for name, reader in readers.items():
        print(f"  {name:<44} {timed(reader):6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-readers", action="store_true")
    args = parser.parse_args()

    OUT.mkdir(exist_ok=True)
    departments, groups = max(10, args.members // 50), max(1, args.members // 200)
    clean = OUT / f"validate-{args.members}.yaml"
    clean.write_text(generate(args.members, departments, groups))
    broken = OUT / f"validate-{args.members}-broken.yaml"
    text = clean.read_text()
    cut = text.rfind("      manager: m") + len("      manager: ")
    broken.write_text(text[:cut] + "x" + text[cut + 1 :])  # the last member's manager: unknown
    print(
        f"orgstate validate, {args.members:,} members, {departments:,} departments, {groups:,} groups "
        f"({clean.stat().st_size / 1e6:.1f} MB)"
    )
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    measure("clean file", clean, args.runs, 0)
    measure("one unknown manager (located re-parse)", broken, args.runs, 1)
    if not args.skip_readers:
        small = OUT / "validate-10000.yaml"
        small.write_text(generate(10_000, 200, 50))
        print("YAML readers on 10,000 members:")
        compare_readers(small)


if __name__ == "__main__":
    main()

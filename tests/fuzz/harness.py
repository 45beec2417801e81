"""The fuzz harness: mutated configurations, tenant fixtures and plan files, each run
through the real command line in this process (`orgstate.cli.run`, the one error
boundary) and judged by its exit code and CPU time.

An input passes when orgstate answers it with 0, 1 or 2 (a located error is an
answer); exit 70 is an internal error, a traceback: a bug. Mutations are seeded, so a
failure names the case that reproduces it (`Case.seed`). The CI suite runs a small
corpus (tests/fuzz/test_fuzz.py); bench/bench_fuzz.py runs long and scaling runs."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import io
import json
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from orgstate.cli import run
from orgstate.render.plan_json import seal

ROOT = Path(__file__).resolve().parents[2]
SEEDS = {
    "config": [ROOT / "examples" / "org.yaml", *sorted((ROOT / "examples" / "invalid").glob("*.yaml"))],
    "fixture": [ROOT / "examples" / "tenant.yaml"],
    "plan": [ROOT / "tests" / "golden" / "example-plan.json"],
}
INTERNAL_ERROR = 70

# What attackers and typos put into YAML and JSON: structure, tags, anchors, encodings,
# numbers beyond every bound, controls, paths.
TOKENS = [
    b"&a ",
    b"*a",
    b"*missing",
    b"<<: *a\n",
    b"!!python/object/apply:os.system ['id']",
    b"!!binary aGk=",
    b"!custom ",
    b"!!str ",
    b"{",
    b"}",
    b"[",
    b"]",
    b"{}",
    b"[]",
    b": ",
    b"- ",
    b"? ",
    b"|\n",
    b">-\n",
    b"#",
    b"\t",
    b"\n",
    b"\r\n",
    b"\xef\xbb\xbf",
    b"\x00",
    b"\xff\xfe",
    b"\x1b]0;owned\x07",
    b"\x1b[2J",
    "\u202e".encode(),
    "\U0001f600".encode(),
    b"9" * 5000,
    b"99999999999999999999",
    b"-1",
    b"0x7fffffff",
    b"1e999",
    b".nan",
    b"-.inf",
    b"~",
    b"null",
    b"true",
    b"yes",
    b"2026-13-45",
    b"'",
    b'"',
    b'"\\ud800"',
    b"%YAML 1.1\n",
    b"%TAG ! tag:x,2000:\n",
    b"---\n",
    b"...\n",
    b"../../etc/passwd",
    b"/etc/passwd",
    b"from_file: ../../etc/shadow",
    b"a" * 300,
    b"<script>alert(1)</script>",
    b"`|<details>",
    b'"format_version": "1.4", ',
    b'"depends_on": ["c0001"], ',
    b'"id": "c0001", ',
    b"NaN",
    b"1" * 400,
]


@dataclass(frozen=True)
class Case:
    kind: str
    seed: int
    data: bytes


@dataclass(frozen=True)
class Outcome:
    case: Case
    exit_code: int
    cpu_seconds: float
    output: str


def mutate(data: bytes, rng: random.Random, others: list[bytes]) -> bytes:
    """One to four random edits of `data`: flips, insertions of tokens, deletions,
    repetitions, truncations and splices with another seed."""
    for _ in range(rng.randint(1, 4)):
        size = len(data)
        at = rng.randrange(size + 1)
        if rng.random() < 0.5:  # aim edits at line starts and after keys, where YAML is touchy
            at = _near_structure(data, at)
        choice = rng.randrange(8)
        if choice == 0 and size:
            data = data[:at] + bytes([rng.randrange(256)]) + data[at + 1 :]
        elif choice in (1, 2):
            data = data[:at] + rng.choice(TOKENS) + data[at:]
        elif choice == 3:
            data = data[:at] + data[at + rng.randint(1, 200) :]
        elif choice == 4:
            end = min(size, at + rng.randint(1, 400))
            data = data[:at] + data[at:end] * rng.randint(2, 50) + data[at:]
        elif choice == 5:
            data = data[:at]
        elif choice == 6:
            other = rng.choice(others)
            start = rng.randrange(len(other) + 1)
            data = data[:at] + other[start : start + rng.randint(1, 2000)] + data[at:]
        else:
            depth = rng.choice((10, 99, 101, 1000, 50_000))
            data = data[:at] + b"[" * depth + data[at:]
    return data


def _near_structure(data: bytes, at: int) -> int:
    for marker in (b"\n", b": ", b'": '):
        found = data.find(marker, at)
        if found != -1:
            return found + len(marker)
    return at


def reseal(data: bytes, rng: random.Random) -> bytes:
    """A plan whose content was changed by a forger who recomputed its digest, so that
    the checks after the digest (consistency, then rendering) are reached too."""
    document = json.loads(data)
    _edit_json(document, rng)
    if isinstance(document.get("changes"), list):
        document["changes_digest"] = changes_digest(document["changes"])
    return json.dumps(seal(document)).encode()


def changes_digest(changes: list[Any]) -> str:
    """A plan's changes digest, as a forger computes it again (docs/plan-format.md)."""
    return "sha256:" + hashlib.sha256(json.dumps(changes, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


JSON_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    2**31,
    2**63,
    -(2**63) - 1,
    10**4000,
    1.5,
    1e308,
    "",
    " ",
    "x" * 300,
    "c0001",
    "absent",
    "founder",
    "ops",
    "../../etc/passwd",
    "\x1b[2J\x1b]0;owned\x07",
    "<script>alert(1)</script>",
    "\u202egnp.exe",
    [],
    {},
    ["c0001"],
    {"a": 1},
    [{"id": "founder"}],
]


def _edit_json(node: Any, rng: random.Random) -> None:
    for _ in range(rng.randint(1, 3)):
        target = node
        while isinstance(target, dict | list) and target and rng.random() < 0.7:
            keys = list(target) if isinstance(target, dict) else list(range(len(target)))
            key = rng.choice(keys)
            child = target[key]
            if not isinstance(child, dict | list) or rng.random() < 0.3:
                action = rng.randrange(3)
                if action == 0:
                    target[key] = rng.choice(JSON_VALUES)
                elif action == 1 and isinstance(target, dict):
                    del target[key]
                elif isinstance(target, list):
                    target.append(child)
                break
            target = child


def restructure(document: Any, rng: random.Random) -> bytes:
    """A well-formed document with odd values: a seed's data edited (values replaced by
    ones of other types and beyond every bound, keys dropped, items repeated) and written
    as JSON, which YAML reads too; so the models and rules get past the parser."""
    document = json.loads(json.dumps(document))
    _edit_json(document, rng)
    return json.dumps(document).encode()


def _data(seed: bytes) -> Any:
    """A YAML seed as plain data (dates as text), or None when it is not well-formed."""
    try:
        return json.loads(json.dumps(YAML(typ="safe", pure=True).load(seed), default=str))
    except Exception:  # noqa: BLE001 - the invalid examples include malformed YAML on purpose
        return None


def cases(kind: str, count: int, start: int = 0) -> Iterator[Case]:
    """`count` seeded mutations of the kind's seeds (reproducible by seed): half edit the
    bytes, half the data (a plan's then resealed, as a forger would)."""
    seeds = [path.read_bytes() for path in SEEDS[kind]]
    documents = [document for seed in seeds if (document := _data(seed)) is not None]
    for seed in range(start, start + count):
        rng = random.Random(f"{kind}-{seed}")
        # the first seed is the complete example: half the cases start from it
        first = rng.random() < 0.5
        if rng.random() < 0.5:
            yield Case(kind, seed, mutate(seeds[0] if first else rng.choice(seeds), rng, seeds))
        elif kind == "plan":
            yield Case(kind, seed, reseal(seeds[0], rng))
        else:
            yield Case(kind, seed, restructure(documents[0] if first else rng.choice(documents), rng))


def command(kind: str, path: Path, workdir: Path) -> list[str]:
    """The command that reads an input of this kind, as a user would run it."""
    if kind == "config":
        return ["validate", "-f", str(path), "--format", "json"]
    if kind == "fixture":
        return ["local", "init", "--from", str(path), "--db", str(workdir / "tenant.db"), "--force"]
    return ["show", str(path), "--format", "text"]


def run_case(case: Case, workdir: Path) -> Outcome:
    suffix = ".json" if case.kind == "plan" else ".yaml"
    path = workdir / f"input{suffix}"
    path.write_bytes(case.data)
    return run_input(case, command(case.kind, path, workdir))


def run_input(case: Case, args: list[str]) -> Outcome:
    out = io.StringIO()
    started = time.process_time()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = run(args)
    return Outcome(case, code, time.process_time() - started, out.getvalue())


def fuzz(kind: str, count: int, workdir: Path, start: int = 0, each: Callable[[Outcome], None] | None = None) -> None:
    """Run `count` cases; `each` sees every outcome. The collector is reset now and then:
    orgstate freezes survivors after bulk work, which a long in-process run would pile up."""
    for number, case in enumerate(cases(kind, count, start)):
        outcome = run_case(case, workdir)
        if each is not None:
            each(outcome)
        if number % 200 == 199:
            gc.unfreeze()
            gc.collect()


# -- large inputs --------------------------------------------------------------------------


def large_input(kind: str, size: int) -> bytes:
    """A valid input of about `size` bytes: the kind's seed with members (or, for a plan,
    changes) added until it is that big, so that every stage has the whole input to do."""
    if kind == "plan":
        return _large_plan(size)
    text = SEEDS[kind][0].read_text()
    start = text.index("\nmembers:\n") + len("\nmembers:\n")
    following = re.compile(r"^[a-z_]+:", re.M).search(text, start)
    end = len(text) if following is None else following.start()
    blocks: list[str] = []
    total = len(text) + 2
    while total + len(block := _member_block(len(blocks))) <= size:
        blocks.append(block)
        total += len(block)
    return (text[:end].rstrip("\n") + "\n\n" + "".join(blocks) + "\n" + text[end:]).encode()


def _member_block(number: int) -> str:
    return (
        f"  - id: z{number}\n"
        f"    name: Generated Member {number}\n"
        "    department: ops\n"
        f"    work_email: z{number}@acme.example\n"
        f'    phone: "+1444{number:07d}"\n'
        f"    employee_id: Z{number}\n"
        "    job: {title: Engineer, manager: founder, country: US, city: Boston}\n\n"
    )


def _large_plan(size: int) -> bytes:
    document = json.loads(SEEDS["plan"][0].read_bytes())
    changes = document["changes"]
    template = next(c for c in changes if c["type"] == "member" and c["action"] == "suspend")
    grown = []
    total = len(json.dumps(document))
    number = len(changes) + 1
    while total < size:
        change = {**template, "id": f"c{number:04d}", "address": f"member.z{number}", "depends_on": []}
        grown.append(change)
        document["fingerprints"][change["address"]] = "absent"
        total += len(json.dumps(change)) + 60
        number += 1
    document["changes"] = changes + grown
    document["summary"]["member.suspend"] += len(grown)
    document["changes_digest"] = changes_digest(document["changes"])
    return json.dumps(seal(document), indent=2).encode()

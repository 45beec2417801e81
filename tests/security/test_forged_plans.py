"""A saved plan is an artifact that anyone with access to the CI run can swap. apply
checks the whole file before it touches anything: its format, the digest over its
content (an edit is refused), the signature when ORGSTATE_PLAN_KEY is set (a forger
who recomputes the digest is refused), and the plan's own consistency. Each forgery
below exits 1 with one clear line, no traceback, the tenant untouched and nothing
journaled."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest

from orgstate.render.plan_json import FORMAT_VERSION, PLAN_KEY_VARIABLE, seal
from tests.conftest import EXAMPLES, ROOT

KEY = "k" * 16 + "-a-key-the-attacker-does-not-have"
OTHER_KEY = "o" * 40

Document = dict[str, Any]
Edit = Callable[[Document], None]


def run(cwd: Path, *args: str, key: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT / "src")}
    env.pop(PLAN_KEY_VARIABLE, None)
    env.pop("ORGSTATE_BACKEND", None)
    if key is not None:
        env[PLAN_KEY_VARIABLE] = key
    return subprocess.run(
        [sys.executable, "-m", "orgstate", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example organization planned against its example tenant: an unsigned and a
    signed plan, and the tenant database they were made on (copied for each test)."""
    where = tmp_path_factory.mktemp("made")
    assert run(where, "local", "init", "--from", str(EXAMPLES / "tenant.yaml"), "--db", "tenant.db").returncode == 0
    for name, key in (("plan.json", None), ("signed.json", KEY)):
        planned = run(
            where, "plan", "-f", str(EXAMPLES / "org.yaml"), "--backend", "local:tenant.db", "--out", name, key=key
        )
        assert planned.returncode == 0, planned.stderr
    return where


@pytest.fixture
def job(made: Path, tmp_path: Path) -> Path:
    """An apply job's working directory: the tenant as the plan saw it."""
    shutil.copy(made / "tenant.db", tmp_path / "tenant.db")
    return tmp_path


def tenant_view(where: Path) -> str:
    """Every row of the local tenant, its audit log included."""
    with closing(sqlite3.connect(where / "tenant.db")) as db:
        return "\n".join(db.iterdump())


@contextmanager
def untouched(where: Path) -> Iterator[None]:
    """The block leaves the tenant as it was and journals nothing."""
    before = tenant_view(where)
    assert before
    yield
    assert tenant_view(where) == before
    state = where / "state.db"
    if state.exists():
        with closing(sqlite3.connect(state)) as db:
            tables = [row[0] for row in db.execute("select name from sqlite_master where type='table'")]
            assert all(db.execute(f"select count(*) from {table}").fetchone()[0] == 0 for table in tables)


def apply(where: Path, plan: Path, key: str | None = None) -> subprocess.CompletedProcess[str]:
    return run(
        where,
        "apply",
        str(plan),
        "--backend",
        "local:tenant.db",
        "--state",
        "sqlite:state.db",
        "--passwords-dir",
        "pw",
        "--auto-approve",
        key=key,
    )


def forged(made: Path, where: Path, edit: Edit, reseal: bool = True, name: str = "plan.json") -> Path:
    document = json.loads((made / name).read_text())
    edit(document)
    path = where / "forged.json"
    path.write_text(json.dumps(seal(document) if reseal else document))
    return path


def first(document: Document | list[Document], pair: str) -> Document:
    """The first change of a kind (`member.delete`), of a plan or of its list of changes."""
    changes = document if isinstance(document, list) else document["changes"]
    return next(c for c in changes if f"{c['type']}.{c['action']}" == pair)


def set_path(*path: str, value: Any) -> Edit:
    def edit(document: Document) -> None:
        node: Any = document
        for step in path[:-1]:
            node = first(node, step) if isinstance(node, list) else node[step]
        node[path[-1]] = value

    return edit


def drop_fingerprint_of(pair: str) -> Edit:
    def edit(document: Document) -> None:
        del document["fingerprints"][first(document, pair)["address"]]

    return edit


def duplicate_change(document: Document) -> None:
    document["changes"].append(dict(document["changes"][0]))


def cycle(document: Document) -> None:
    changes = document["changes"]
    changes[0]["depends_on"] = [changes[1]["id"]]
    changes[1]["depends_on"] = [changes[0]["id"]]


def retarget_without_fingerprint(document: Document) -> None:
    """A suspension moved onto another member (its fingerprint left as it was)."""
    first(document, "member.suspend")["address"] = "member.alice"


def errors_but_applyable(document: Document) -> None:
    document["diagnostics"].append({"severity": "error", "rule": "SEAT-CAPACITY", "message": "full"})


# name -> (edit, whether the forger recomputes the digest, what orgstate says)
FORGERIES: dict[str, tuple[Edit, bool, str]] = {
    "wrong config_digest": (set_path("config_digest", value="sha256:" + "0" * 64), False, "digest does not match"),
    "wrong state_digest": (set_path("state_digest", value="sha256:" + "1" * 64), False, "digest does not match"),
    "an added change, digest not recomputed": (duplicate_change, False, "digest does not match"),
    "empty fingerprints": (set_path("fingerprints", value={}), True, "not consistent: fingerprints: nothing for"),
    "a change without its fingerprint": (drop_fingerprint_of("member.delete"), True, "nothing for member.frank"),
    "a change moved to an object not fingerprinted": (retarget_without_fingerprint, True, "nothing for member.alice"),
    "applyable false without errors": (set_path("applyable", value=False), True, "applyable: false"),
    "applyable true with errors": (errors_but_applyable, True, "applyable: true"),
    "a duplicate change id": (duplicate_change, True, "appears twice"),
    "an unknown dependency": (set_path("changes", "member.delete", "depends_on", value=["c0999"]), True, "c0999"),
    "a cyclic dependency": (cycle, True, "which is not an earlier change"),
    "a summary that hides a deletion": (set_path("summary", "member.delete", value=0), True, "summary"),
    "a fingerprint of an unknown kind": (set_path("fingerprints", "robot.r2", value="absent"), True, "'robot.r2'"),
    "#contents of a member": (set_path("fingerprints", "member.bob#contents", value="absent"), True, "only a"),
    "a fingerprint that is no digest": (set_path("fingerprints", "member.bob", value="x"), True, "fingerprints"),
    "a create without after": (set_path("changes", "member.create", "after", value=None), True, "after"),
    "a bad member id": (set_path("changes", "member.suspend", "address", value="member.-x;rm"), True, "address"),
    "a 21-character change id": (
        set_path("changes", "member.delete", "id", value="c" + "9" * 20),
        True,
        "should match",
    ),
    "no digest": (lambda d: d.pop("digest"), False, "digest: Field required"),
    "a change edited, the reviewed changes digest kept": (
        set_path("changes", "member.delete", "reason", value="as reviewed"),
        True,
        "changes_digest: is not the digest of the plan's changes",
    ),
}


@pytest.mark.parametrize("name", FORGERIES)
def test_a_forged_plan_is_refused_before_anything_is_touched(made: Path, job: Path, name: str) -> None:
    edit, reseal, said = FORGERIES[name]
    plan = forged(made, job, edit, reseal)
    with untouched(job):
        result = apply(job, plan)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {plan}: ") and said in line, line


RAW_FILES = {
    "a key twice in one object": '{"format_version": "1.2", "format_version": "1.2"}',
    "NaN": '{"format_version": NaN}',
    "a number of 5,000 digits": '{"format_version": ' + "9" * 5000 + "}",
    "nested 100,000 deep": "[" * 100_000 + "]" * 100_000,
    "not UTF-8": '{"plan_id": "\xff"}',
    "a list": "[]",
    "empty": "",
}


@pytest.mark.parametrize("name", RAW_FILES)
def test_a_file_that_is_no_plan_is_refused_in_one_line(job: Path, name: str) -> None:
    plan = job / "forged.json"
    plan.write_bytes(RAW_FILES[name].encode("latin-1"))
    with untouched(job):
        result = apply(job, plan)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {plan}: not an orgstate plan (format {FORMAT_VERSION}): "), line


def test_the_plan_as_made_applies(made: Path, job: Path) -> None:
    """The forgeries are refused for what was forged: the same file untouched applies."""
    shutil.copy(made / "plan.json", job / "plan.json")
    result = apply(job, job / "plan.json")
    assert result.returncode == 0, result.stderr


# -- signing -------------------------------------------------------------------------------


def test_a_signed_plan_applies_with_its_key_and_the_key_is_never_printed(made: Path, job: Path) -> None:
    document = json.loads((made / "signed.json").read_text())
    assert document["signature"].startswith("hmac-sha256:")
    shutil.copy(made / "signed.json", job / "plan.json")
    result = apply(job, job / "plan.json", key=KEY)
    assert result.returncode == 0, result.stderr
    shown = run(job, "show", "plan.json", "--format", "json", key=KEY)
    assert shown.returncode == 0
    everything = result.stdout + result.stderr + shown.stdout + (made / "signed.json").read_text()
    assert KEY not in everything and KEY[-20:] not in everything


SIGNATURE_CASES = {
    # a forger who can recompute the digest but has no key
    "forged, resealed without the key": ("plan.json", True, KEY, "is not signed, but ORGSTATE_PLAN_KEY is set"),
    "signed, then edited and resealed without the key": ("signed.json", True, KEY, "is not signed"),
    "signed with another key": ("signed.json", False, OTHER_KEY, "signature does not match"),
    "signed, applied where no key is set": ("signed.json", False, None, "is not set to check its signature"),
    "a key too short to be one": ("plan.json", False, "abc123", "ORGSTATE_PLAN_KEY is too short"),
}


@pytest.mark.parametrize("name", SIGNATURE_CASES)
def test_a_plan_the_key_does_not_vouch_for_is_refused(made: Path, job: Path, name: str) -> None:
    source, resealed, key, said = SIGNATURE_CASES[name]
    plan = forged(made, job, set_path("changes", "member.delete", "irreversible", value=False), resealed, source)
    if not resealed:
        shutil.copy(made / source, plan)
    with untouched(job):
        result = apply(job, plan, key=key)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert said in result.stderr, result.stderr
    assert key is None or key not in result.stderr

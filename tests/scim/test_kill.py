"""Crash safety through the scim backend: an `orgstate apply` against scim2-server, killed
with SIGKILL at a few points and run again, completes without repeating a completed
change or losing one, and the provider holds each created user once."""

from __future__ import annotations

import json
from collections import Counter
from contextlib import closing
from pathlib import Path

from scim2_models import EnterpriseUser, ListResponse, User
from sqlalchemy import select

from orgstate.statestore import open_store
from orgstate.statestore.schema import audit, journal
from tests.conftest import EXAMPLES, run_orgstate
from tests.executor.test_kill import apply_until
from tests.scim.conftest import ScimServer

ORG = str(EXAMPLES / "org.yaml")
# (changes reported before the kill, then how long to wait): early, mid-change, later on.
KILLS = ((2, 0.0), (6, 0.003), (15, 0.01))


def test_an_apply_killed_midway_completes_exactly_once(scim_server: ScimServer, tmp_path: Path) -> None:
    # apply_until's child inherits os.environ, the token conftest sets
    state = f"sqlite:{tmp_path / 'state.db'}"
    backend = ["--backend", f"scim:{scim_server.url}"]
    planned = run_orgstate("plan", "-f", ORG, *backend, "--out", "plan.json", cwd=tmp_path)
    assert planned.returncode == 0, planned.stdout + planned.stderr

    kills = 0
    for lines, pause in KILLS:
        if apply_until(tmp_path, ["plan.json", *backend, "--state", state], lines, pause) is not None:
            break
        kills += 1
    assert kills >= 2, "the kills should land midway"
    finished = apply_until(tmp_path, ["plan.json", *backend, "--state", state], 10**6, 0)
    assert finished is not None and finished[0] == 0, finished

    after = run_orgstate("plan", "-f", ORG, *backend, "--detailed-exitcode", cwd=tmp_path)
    assert after.returncode == 0, after.stdout + after.stderr  # converged

    with closing(open_store(state)) as store, store.engine.connect() as db:
        statuses = db.execute(select(journal.c.change_id, journal.c.status)).all()
        restarted = db.execute(select(journal.c.address).where(journal.c.attempts > 1)).scalars().all()
        # Each kill leaves its lock to be taken over (audited without a change id); a
        # change cut off by a stop would be audited "interrupted": neither is a completion.
        finished = select(audit.c.change_id).where(audit.c.change_id.is_not(None), audit.c.outcome != "interrupted")
        completions = Counter(db.execute(finished).scalars())
        takeovers = db.execute(select(audit.c.action).where(audit.c.change_id.is_(None))).scalars().all()
    assert takeovers == ["break"] * kills
    assert restarted, "some kill should have landed inside a change (started again by the next run)"
    planned_ids = {change["id"] for change in json.loads((tmp_path / "plan.json").read_text())["changes"]}
    assert len(planned_ids) > 50 and dict(statuses) == dict.fromkeys(planned_ids, "done"), statuses
    repeated = {change_id: count for change_id, count in completions.items() if count > 1}
    assert repeated == {}, f"done more than once: {repeated}"
    assert set(completions) == {change_id for change_id, _ in statuses}, "a done change has no audit entry"

    listed = scim_server.client().query(User[EnterpriseUser], query_parameters={"count": 1000})
    assert isinstance(listed, ListResponse) and listed.total_results == len(listed.resources or [])
    users = listed.resources or []
    assert len(users) > 10
    for attribute in ("external_id", "user_name"):
        values = Counter(getattr(user, attribute) for user in users)
        assert [value for value, count in values.items() if count > 1] == [], f"duplicate {attribute}"

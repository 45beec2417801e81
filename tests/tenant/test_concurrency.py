"""Two processes writing one tenant at once: SQLite's locking serialises the
operations, so the tenant is never corrupted and no rule is broken between them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from orgstate.model.live import TenantState
from orgstate.tenant import Tenant
from orgstate.tenant.fixture import init_tenant
from tests.tenant.conftest import BASE

WRITER = """
import json, sys
from orgstate.errors import TenantError
from orgstate.model.config import Member
from orgstate.tenant import Tenant

path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
refused = []
with Tenant(path) as tenant:
    for i in range(count):
        member_id = f"{name}-{i:03d}"
        tenant.create_member(Member(id=member_id, name=member_id, department="web",
                                    work_email=f"{member_id}@acme.example"), seat=None)
        tenant.add_group_members("shared", [member_id])
        tenant.patch_member("lead", {"job": {"title": f"{name} {i}"}})
        try:
            tenant.assign_seats("pro", [member_id])
        except TenantError as exc:
            refused.append(exc.code)
print(json.dumps(refused))
"""


def test_two_writers_never_corrupt_the_tenant_or_overfill_a_plan(tmp_path: Path) -> None:
    db = tmp_path / "tenant.db"
    members = [{k: v for k, v in m.items() if k != "seat"} for m in BASE["members"]]
    state = TenantState.model_validate(
        {
            **BASE,
            "members": members,
            "user_groups": [{"id": "shared", "name": "Shared"}],
            "org": {"plans": [{**BASE["org"]["plans"][0], "seats": 150}]},
        }
    )
    init_tenant(db, state)
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    writers = [
        subprocess.Popen([sys.executable, str(script), str(db), name, "100"], stdout=subprocess.PIPE, text=True)
        for name in ("left", "right")
    ]
    outputs = [writer.communicate(timeout=120)[0] for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0]
    refused = [code for output in outputs for code in json.loads(output)]

    with Tenant(db) as tenant:
        assert tenant.scalar("PRAGMA integrity_check") == "ok"
        assert tenant.member_count() == len(members) + 200
        assert len(tenant.group("shared").members) == 200
        # 150 seats for 200 newcomers: exactly 150 assigned, every other attempt refused with 41007.
        assert tenant.seats_used("pro") == 150
        assert refused == [41007] * 50
        assert tenant.scalar("SELECT count(*) FROM audit WHERE operation = 'member.create'") == 200
        assert tenant.scalar("SELECT count(*) FROM audit WHERE operation = 'member.patch'") == 200

"""Read a whole tenant into `TenantState`: the configuration's models plus live facts."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from itertools import islice

from orgstate.gcpause import gc_paused
from orgstate.model.config import InvitationPolicy, MemberFields
from orgstate.model.live import NESTED_LIVE_MEMBERS, LiveMember, LiveOrg, TenantInfo, TenantState
from orgstate.tenant.core import TenantCore
from orgstate.tenant.rows import department_from_row, field_from_row, group_from_row, plan_from_row

ROLE_ORDER = ("primary", "billing", "member_and_department")
# The member's own fields as SQL expressions: a column of the same name, except these.
FIELD_EXPRESSIONS = {
    "departments": "(SELECT json_group_array(department) FROM "
    "(SELECT department FROM member_departments d WHERE d.uid = m.uid ORDER BY position))",
    "hide_phone": "json(CASE WHEN m.hide_phone THEN 'true' ELSE 'false' END)",
    "job": "json_set(m.job, '$.manager', m.manager)",
    "custom": "json(m.custom)",
}
MEMBER_FIELDS_AS_JSON = ", ".join(
    f"'{name}', {FIELD_EXPRESSIONS.get(name, f'm.{name}')}" for name in MemberFields.model_fields
)
# Each live member as the nested shape `LiveMember` holds, so that pydantic need not nest
# it. json_patch onto {} drops the keys whose value is null (a merge patch deletes them):
# they take their defaults, and each member records fewer fields as set (100 MB less at
# 100,000 members). A member who owns nothing has null resources, so shares the default
# `Resources()` instead of holding one of its own (127 MB at 100,000 members, with the
# smaller set of fields set).
MEMBERS_AS_JSON = f"""
SELECT json_patch('{{}}', json_object(
    'member', json_object({MEMBER_FIELDS_AS_JSON}),
    'status', m.status, 'deleted_at', m.deleted_at,
    'seat', s.plan, 'seat_source', s.source,
    'resources', (SELECT json(nullif(json_group_object(kind, count), '{{}}'))
        FROM resources r WHERE r.uid = m.uid AND r.count > 0)
)) FROM members m LEFT JOIN seats s USING (uid) ORDER BY m.uid
"""
# Members validated per batch: pydantic parses a JSON document whole into a tree of its
# own before it builds the models, and that tree for 100,000 members took 230 MB.
BATCH = 1_000


def read_state(tenant: TenantCore) -> TenantState:
    """The tenant as it stands, in one read transaction (a consistent view)."""
    return read_state_and_digest(tenant)[0]


@gc_paused
def read_state_and_digest(tenant: TenantCore) -> tuple[TenantState, str]:
    """The tenant as it stands, and a digest of what it was read from (cheaper than
    serialising the state again)."""
    with tenant.reading() as db:
        row = tenant.tenant_row()
        roles: dict[str, list[str]] = defaultdict(list)
        for admin in tenant.query("SELECT member, role FROM admins"):
            roles[admin["member"]].append(admin["role"])
        info = TenantInfo(
            name=row["name"],
            founder=row["founder"],
            today=row["today"],
            admins={m: tuple(sorted(r, key=ROLE_ORDER.index)) for m, r in sorted(roles.items())},
            invitations=InvitationPolicy(
                require_approval=bool(row["require_approval"]), expire_after_days=row["expire_after_days"]
            ),
            notify_contact_changes=tuple(json.loads(row["notify_contact_changes"])),
        )
        # SQLite writes each member as JSON and pydantic validates them a batch at a
        # time: no Python-level work per member (100,000 members in under a second).
        batches = _batches(db.execute(MEMBERS_AS_JSON))
        members: tuple[LiveMember, ...] = tuple(
            member for batch in batches for member in NESTED_LIVE_MEMBERS.validate_json(f"[{batch}]")
        )
        group_members: dict[str, list[str]] = defaultdict(list)
        for r in tenant.query(
            "SELECT gm.group_id, m.id FROM group_members gm JOIN members m USING (uid) "
            "ORDER BY gm.group_id, gm.position"
        ):
            group_members[r["group_id"]].append(r["id"])
        state = TenantState(
            tenant=info,
            org=LiveOrg(plans=tuple(plan_from_row(r) for r in tenant.query("SELECT * FROM plans ORDER BY position"))),
            fields=tuple(field_from_row(r) for r in tenant.query("SELECT * FROM fields ORDER BY position")),
            departments=tuple(
                department_from_row(r) for r in tenant.query("SELECT * FROM departments ORDER BY position")
            ),
            user_groups=tuple(
                group_from_row(r, tuple(group_members[r["id"]]))
                for r in tenant.query("SELECT * FROM user_groups ORDER BY position")
            ),
            members=members,
        )
        return state, _digest(state.model_dump_json(exclude={"members"}), batches)


def _batches(rows: Iterable[sqlite3.Row]) -> list[str]:
    """The members' JSON texts, BATCH at a time, each batch joined by commas."""
    remaining = iter(rows)
    batches = []
    while batch := list(islice(remaining, BATCH)):
        batches.append(",".join(row[0] for row in batch))
    return batches


def _digest(rest: str, batches: list[str]) -> str:
    """The digest of `rest` followed by the members as one JSON array, hashed piece
    by piece rather than joined (the array is 50 MB at 100,000 members)."""
    hasher = hashlib.sha256(rest.encode())
    hasher.update(b"[")
    for index, batch in enumerate(batches):
        hasher.update(f"{',' if index else ''}{batch}".encode())
    hasher.update(b"]")
    return "sha256:" + hasher.hexdigest()

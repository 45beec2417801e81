"""Read a whole tenant into `TenantState`: the configuration's models plus live facts."""

from __future__ import annotations

import json
from collections import defaultdict

from orgstate.gcpause import gc_paused
from orgstate.model.config import InvitationPolicy
from orgstate.model.live import LiveOrg, TenantInfo, TenantState
from orgstate.tenant.core import TenantCore
from orgstate.tenant.rows import department_from_row, field_from_row, group_from_row, live_member, plan_from_row

ROLE_ORDER = ("primary", "billing", "member_and_department")


@gc_paused
def read_state(tenant: TenantCore) -> TenantState:
    """The tenant as it stands, in one read transaction (a consistent view)."""
    with tenant.reading():
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
        secondary: dict[int, list[str]] = defaultdict(list)
        for r in tenant.query("SELECT uid, department FROM member_departments ORDER BY uid, position"):
            secondary[r["uid"]].append(r["department"])
        seats = {r["uid"]: r["plan"] for r in tenant.query("SELECT uid, plan FROM seats")}
        resources: dict[int, dict[str, int]] = defaultdict(dict)
        for r in tenant.query("SELECT uid, kind, count FROM resources WHERE count > 0"):
            resources[r["uid"]][r["kind"]] = r["count"]
        members = tuple(
            live_member(r, tuple(secondary[r["uid"]]), seats.get(r["uid"]), resources[r["uid"]])
            for r in tenant.query("SELECT * FROM members ORDER BY uid")
        )
        group_members: dict[str, list[str]] = defaultdict(list)
        for r in tenant.query(
            "SELECT gm.group_id, m.id FROM group_members gm JOIN members m USING (uid) "
            "ORDER BY gm.group_id, gm.position"
        ):
            group_members[r["group_id"]].append(r["id"])
        return TenantState(
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

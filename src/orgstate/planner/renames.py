"""Members whose User ID changes (`renamed_from`): one update of the id, as Terraform's
`moved` block does for addresses, instead of a new account and an irreversible deletion.

The plan is made against a view of the tenant in which the renamed members already
have their new ids (and whatever names them follows), so every other step plans as
usual; the differences carry the rename as a changed `id` of the new address (and
drift, made against the same view, reports it so); the rename itself comes first, and
every change that names a new id waits for it. A create and a deletion that share an
email, phone or employee id without a `renamed_from` are warned about, and the
deletion waits for the create: a deletion never runs when the account meant to
replace it could not be made."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic, warning
from orgstate.model.config import OrgConfig
from orgstate.model.live import TenantState
from orgstate.planner.changes import Address
from orgstate.planner.context import PlanContext, PlanOptions
from orgstate.planner.drafts import Drafts, key
from orgstate.planner.holdings import held
from orgstate.rules.ids import UNIQUE_MEMBER_FIELDS


def member_renames(config: OrgConfig, snapshot: TenantState) -> dict[str, str]:
    """New id -> old id, for each declared member renamed from a live id."""
    if not any(m.renamed_from for m in config.members):
        return {}
    live = {m.id for m in snapshot.members if m.status != "deleted"}
    return {
        m.id: m.renamed_from
        for m in config.members
        if m.renamed_from is not None and m.renamed_from in live and m.id not in live
    }


def renamed_context(config: OrgConfig, snapshot: TenantState, options: PlanOptions) -> PlanContext:
    """What a plan and a drift report compare: the configuration with the renamed view,
    both as the backend can hold them (planner.holdings)."""
    compared, snapshot = held(config, snapshot, options)
    renames = member_renames(compared, snapshot)
    declared = None if compared is config else config
    return PlanContext(renamed_view(snapshot, renames), compared, options, renames, declared=declared)


def renamed_view(snapshot: TenantState, renames: dict[str, str]) -> TenantState:
    """The tenant as if the renames were done: new ids, and every reference to them."""
    if not renames:
        return snapshot
    new_id = {old: new for new, old in renames.items()}

    def rename(member_id: str | None) -> str | None:
        return None if member_id is None else new_id.get(member_id, member_id)

    members = []
    for member in snapshot.members:
        if member.status == "deleted":
            members.append(member)
            continue
        own = member.member
        job = own.job.model_copy(
            update={
                "manager": rename(own.job.manager),
                "dotted_line_managers": tuple(new_id.get(m, m) for m in own.job.dotted_line_managers),
            }
        )
        members.append(member.model_copy(update={"member": own.model_copy(update={"id": rename(own.id), "job": job})}))
    info = snapshot.tenant
    return snapshot.model_copy(
        update={
            "tenant": info.model_copy(
                update={
                    "founder": rename(info.founder),
                    "admins": {new_id.get(m, m): roles for m, roles in info.admins.items()},
                }
            ),
            "departments": tuple(d.model_copy(update={"leader": rename(d.leader)}) for d in snapshot.departments),
            "user_groups": tuple(
                g.model_copy(update={"members": tuple(new_id.get(m, m) for m in g.members)})
                for g in snapshot.user_groups
            ),
            "members": tuple(members),
        }
    )


def rename_key(old: str) -> str:
    return key("member", "update", str(Address.of("member", old)))


def wait_for_renames(drafts: Drafts, renames: dict[str, str]) -> None:
    """Every change that names a new id needs the rename before it."""
    for new, old in renames.items():
        rename = rename_key(old)
        quoted = json.dumps(new)
        for draft_key, draft in list(drafts.items.items()):
            if draft_key == rename:
                continue
            names_it = new in Address.parse(draft.address).ids or quoted in json.dumps([draft.before, draft.after])
            if names_it:
                drafts.items[draft_key] = dataclasses.replace(draft, needs=(*draft.needs, rename))


def replacements(drafts: Drafts) -> Iterator[Diagnostic]:
    """A member created with the email, phone or employee id of one the plan deletes looks
    like a renamed User ID; the deletion waits for the create."""
    deleted: dict[tuple[str, str], str] = {}
    for draft in drafts.items.values():
        if (draft.type, draft.action) == ("member", "delete") and draft.before:
            for name in UNIQUE_MEMBER_FIELDS:
                if draft.before.get(name):
                    deleted[(name, str(draft.before[name]).casefold())] = draft.before["id"]
    for draft_key, draft in list(drafts.items.items()):
        if (draft.type, draft.action) != ("member", "create") or not draft.after:
            continue
        created = draft.after["id"]
        for name in UNIQUE_MEMBER_FIELDS:
            old = deleted.get((name, str(draft.after.get(name)).casefold())) if draft.after.get(name) else None
            if old is None:
                continue
            delete = key("member", "delete", str(Address.of("member", old)))
            drafts.items[delete] = dataclasses.replace(
                drafts.items[delete], needs=(*drafts.items[delete].needs, draft_key)
            )
            yield warning(
                RuleId.ID_UNIQUE,
                f"'{created}' is created with the {name.replace('_', ' ')} of '{old}', whom the plan deletes: if "
                f"the User ID changed, declare renamed_from: {old}. As planned, the tenant refuses the create while "
                f"'{old}' holds it, and '{old}' is deleted only once '{created}' exists",
                address=f"member.{created}",
            )
            break

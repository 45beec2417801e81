"""The configuration a live tenant amounts to: it validates clean and plans to no changes.

Every live member (not deleted) is declared with the seat they hold pinned (`seat:`, or
null), suspended members as suspended; invited and inactive members are simply active
(what a configuration can say). Deleted members are left out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from orgstate.model.config import Member
from orgstate.model.live import LiveMember, TenantState


def plain(value: Any) -> Any:
    """Model dumps as YAML-friendly data: tuples become lists, dates stay dates."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def dump(model: BaseModel, **exclude: Any) -> dict[str, Any]:
    return plain(model.model_dump(mode="python", exclude_defaults=True, **exclude))


def member_document(member: LiveMember) -> dict[str, Any]:
    # The member's own fields; status and seat are written as a configuration says them.
    document = dump(member.member)
    if member.status == "suspended":
        document["status"] = "suspended"
    document["seat"] = member.seat
    return document


def as_member(document: dict[str, Any]) -> Member:
    return Member.model_validate(document)


def export_document(state: TenantState) -> dict[str, Any]:
    info = state.tenant
    policy: dict[str, Any] = {}
    invitations = dump(info.invitations)
    if sum(plan.is_paid for plan in state.org.plans) > 1:
        # "It's mandatory for organizations on multiple plans to require administrator
        # approvals upon invitation", whatever a backend could read of the setting.
        invitations["require_approval"] = True
    if invitations:
        policy["invitations"] = invitations
    if info.notify_contact_changes:
        policy["notify_contact_changes"] = list(info.notify_contact_changes)
    document: dict[str, Any] = {
        "version": 1,
        "org": {"name": info.name, "plans": [dump(p) for p in state.org.plans]},
    }
    if policy:
        document["policy"] = policy
    sections = {
        "fields": [dump(f) for f in state.fields],
        "departments": [dump(d) for d in state.departments],
        "members": [member_document(m) for m in state.members if m.status != "deleted"],
        "user_groups": [dump(g) for g in state.user_groups],
    }
    document.update({name: items for name, items in sections.items() if items})
    return document

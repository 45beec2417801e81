"""Members who leave: suspend, transfer (each resource type to its explicit recipient or
by the default table, with the counts the snapshot shows) and delete; or suspend only
when the policy says so."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic, error, info, warning
from orgstate.lark.transfers import TRANSFER_FIELD, TRANSFER_KINDS, Disposition, default_disposition
from orgstate.model.config import Offboarding
from orgstate.model.live import LiveMember
from orgstate.planner.context import PlanContext
from orgstate.planner.departments import member_arrival
from orgstate.planner.drafts import Draft, Drafts, Phase, key
from orgstate.planner.members import member_state

RETAINABLE = {"docs": "docs", "mail": "mail", "minutes": "minutes"}


class Recipients:
    """Who stays to receive resources by default: members of the tenant after the plan,
    in the tenant's order."""

    def __init__(self, ctx: PlanContext) -> None:
        self.ctx = ctx
        # The first two of each list are enough: one of them is not the leaver.
        self.firsts: list[str] = []
        self.peers: dict[str, list[str]] = {}
        for staying in ctx.live_members.values():
            if staying.id in ctx.leaving:
                continue
            if len(self.firsts) < 2:
                self.firsts.append(staying.id)
            peers = self.peers.setdefault(staying.member.department, [])
            if len(peers) < 2:
                peers.append(staying.id)

    def manager(self, member: LiveMember) -> str | None:
        manager = member.member.job.manager
        return manager if manager in self.ctx.live_members and manager not in self.ctx.leaving else None

    def first(self, member: LiveMember) -> str | None:
        return next((m for m in self.firsts if m != member.id), None)

    def peer(self, member: LiveMember) -> str | None:
        return next((m for m in self.peers.get(member.member.department, []) if m != member.id), None)


def dispositions(
    ctx: PlanContext, recipients: Recipients, member: LiveMember, entry: Offboarding | None
) -> list[Disposition]:
    counts = member.resources.counts()
    explicit: dict[str, Disposition] = {}
    if entry is not None:
        for field, recipient in entry.transfer.recipients().items():
            for kind in TRANSFER_KINDS[field]:
                explicit[kind] = Disposition(kind, counts.get(kind, 0), "transferred", recipient)
        mail = entry.transfer.mail
        if mail is not None and mail.action != "transfer":
            explicit["mail"] = Disposition(
                "mail", counts.get("mail", 0), "retained" if mail.action == "keep" else "deleted"
            )
    found = []
    for kind, count in counts.items():
        if kind in explicit:
            found.append(explicit[kind])
        else:
            found.append(
                default_disposition(
                    kind,
                    count,
                    recipients.manager(member),
                    recipients.first(member),
                    recipients.peer(member),
                    ctx.primary_admin,
                )
            )
    return found


def transfer_payload(items: list[Disposition], entry: Offboarding | None) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for item in items:
        record: dict[str, Any] = {"count": item.count, "default": item.is_default, "outcome": item.outcome}
        if item.recipient is not None:
            record["to"] = item.recipient
        if item.outcome == "retained" and item.kind in RETAINABLE:
            record["retain"] = getattr(entry.retain if entry else None, RETAINABLE[item.kind], True)
        payload[TRANSFER_FIELD[item.kind]] = record
    return dict(sorted(payload.items()))


def plan_offboarding(ctx: PlanContext, drafts: Drafts) -> Iterator[Diagnostic]:
    for member in ctx.offboard_candidates:
        address = f"member.{member.id}"
        if member.id in ctx.admins:
            yield error(
                RuleId.DELETE_ADMIN,
                f"'{member.id}' is not declared, but the founder and tenant admins cannot be "
                "suspended or deleted: declare them",
                address=address,
            )
        elif ctx.is_protected(member.id):
            yield warning(
                RuleId.PROTECTED_REMOVAL,
                f"'{member.id}' is not declared but protected (policy.protected): kept",
                address=address,
            )
    recipients = Recipients(ctx)
    deleting = ctx.config.policy.removal.action == "delete"
    for member in sorted(ctx.leaving.values(), key=lambda m: m.id):
        address = f"member.{member.id}"
        entry = ctx.offboarding_entries.get(member.id)
        reason = "offboarding entry" if entry else "live, not declared"
        steps: list[str] = []
        if member.status != "suspended":
            drafts.add(
                Draft(
                    Phase.OFFBOARDING,
                    "member",
                    "suspend",
                    address,
                    before={"status": member.status},
                    after={"status": "suspended"},
                    fields=("status",),
                    reason=reason,
                    rank=(0,),
                )
            )
            steps.append(key("member", "suspend", address))
        if not deleting:
            continue
        items = dispositions(ctx, recipients, member, entry)
        if items:
            arrivals = tuple(filter(None, (member_arrival(ctx, item.recipient) for item in items)))
            drafts.add(
                Draft(
                    Phase.OFFBOARDING,
                    "resources",
                    "transfer",
                    f"resources.{member.id}",
                    after=transfer_payload(items, entry),
                    reason=reason,
                    irreversible=True,
                    rank=(1,),
                    needs=(*steps, *arrivals),
                )
            )
            steps.append(key("resources", "transfer", f"resources.{member.id}"))
            yield from _transfer_notes(member, items, address)
        drafts.add(
            Draft(
                Phase.OFFBOARDING,
                "member",
                "delete",
                address,
                before=member_state(member.member),
                reason=reason,
                irreversible=True,
                rank=(2,),
                needs=tuple(steps),
            )
        )
        yield from _successors(ctx, member, address)


def _transfer_notes(member: LiveMember, items: list[Disposition], address: str) -> Iterator[Diagnostic]:
    defaults = [item for item in items if item.is_default]
    if defaults:
        where = ", ".join(f"{TRANSFER_FIELD[i.kind]} -> {i.recipient or i.outcome}" for i in defaults)
        yield info(RuleId.TRANSFER_DEFAULT, f"'{member.id}': by default {where}", address=address)
    if any(item.kind == "apps" and item.outcome == "retained" for item in items):
        yield warning(
            RuleId.TRANSFER_DEFAULT,
            f"'{member.id}' owns apps and has no direct manager: the apps stay with the "
            "deleted member until an admin transfers them; set offboarding transfer.apps",
            address=address,
        )


def _successors(ctx: PlanContext, member: LiveMember, address: str) -> Iterator[Diagnostic]:
    for department in ctx.snapshot.departments:
        if department.leader != member.id:
            continue
        declared = ctx.desired_departments.get(department.id)
        if declared is None or declared.leader is None:
            yield warning(
                RuleId.DELETE_SUCCESSOR,
                f"'{member.id}' leads '{department.id}', which will have no leader; declare a successor",
                address=address,
            )

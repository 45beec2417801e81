"""Offboarding entries: OFFBOARD-CONFLICT, TRANSFER-RECIPIENT and PROTECTED-REMOVAL."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic, error
from orgstate.model.config import Offboarding
from orgstate.rules.context import RuleContext, first_occurrences


def is_protected(member_id: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(member_id, pattern) for pattern in patterns)


def _recipient_problem(ctx: RuleContext, recipient: str) -> str | None:
    member = ctx.member(recipient)
    if member is None and ctx.is_unchecked("members", recipient):
        return None  # its schema errors are reported
    if member is None:
        return f"'{recipient}' is not a declared member{ctx.suggest(recipient, ctx.members)}"
    if recipient in ctx.offboarded:
        return f"'{recipient}' is being offboarded too"
    if member.status != "active":
        return f"'{recipient}' is {member.status}"
    return None


def _transfers(ctx: RuleContext, i: int, entry: Offboarding) -> Iterator[Diagnostic]:
    for resource, recipient in entry.transfer.recipients().items():
        if recipient == entry.id:
            problem: str | None = "a leaving member cannot receive their own resources"
        else:
            problem = _recipient_problem(ctx, recipient)
        if problem:
            at = (
                ("offboarding", i, "transfer", resource, "to")
                if resource == "mail"
                else ("offboarding", i, "transfer", resource)
            )
            yield error(
                RuleId.TRANSFER_RECIPIENT,
                f"{resource} recipient: {problem}; it must be an active member who stays",
                at=at,
            )


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    protected = ctx.config.policy.protected
    for i, entry in first_occurrences(ctx.config.offboarding, ctx.offboarded):
        if entry.id in ctx.members or ctx.is_unchecked("members", entry.id):
            yield error(
                RuleId.OFFBOARD_CONFLICT,
                f"'{entry.id}' is both declared as a member and offboarded",
                at=("offboarding", i, "id"),
            )
        elif entry.id in ctx.renamed:
            yield error(
                RuleId.OFFBOARD_CONFLICT,
                f"'{entry.id}' is renamed to '{ctx.renamed[entry.id]}' (renamed_from), not offboarded",
                at=("offboarding", i, "id"),
            )
        if is_protected(entry.id, protected):
            yield error(
                RuleId.PROTECTED_REMOVAL,
                f"'{entry.id}' is protected (policy.protected) and cannot be offboarded",
                at=("offboarding", i, "id"),
            )
        yield from _transfers(ctx, i, entry)

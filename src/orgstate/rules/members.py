"""Member fields: MEMBER-CONTACT, LOGIN-EMAIL and FIELD-VALUE (custom fields)."""

from __future__ import annotations

from collections.abc import Iterator

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic, error
from orgstate.model.config import FieldDef, Member
from orgstate.rules.context import RuleContext, first_occurrences

URL_PREFIXES = ("https://", "http://")
MAX_TEXT_LENGTH = 500


def _login(i: int, member: Member) -> Iterator[Diagnostic]:
    if member.login is not None and getattr(member, member.login) is None:
        # The console makes the chosen login's field mandatory.
        yield error(
            RuleId.LOGIN_EMAIL,
            f"login is {member.login}, but the member has no {member.login.replace('_', ' ')}",
            at=("members", i, "login"),
        )


def value_problem(definition: FieldDef, value: str) -> str | None:
    """Why a custom field cannot hold a value, or None when it can."""
    if definition.type == "enum" and value not in (definition.options or ()):
        return f"'{value}' is not an option of {definition.id} ({', '.join(definition.options or ())})"
    if definition.type == "url" and not value.startswith(URL_PREFIXES):
        return f"'{value}' is not a URL (http:// or https://) for {definition.id}"
    if definition.type == "text" and len(value) > MAX_TEXT_LENGTH:
        return f"{definition.id} is longer than {MAX_TEXT_LENGTH} characters"
    return None


def _custom_values(ctx: RuleContext, i: int, member: Member) -> Iterator[Diagnostic]:
    for field_id, value in member.custom.items():
        position = ctx.fields.get(field_id)
        if position is None:
            continue  # REF-UNKNOWN reports it
        problem = value_problem(ctx.config.fields[position], value)
        if problem is not None:
            yield error(RuleId.FIELD_VALUE, problem, at=("members", i, "custom", field_id))


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    for i, member in first_occurrences(ctx.config.members, ctx.members):
        if member.phone is None and member.work_email is None:
            # "One must have either a phone number or work email entered."
            yield error(RuleId.MEMBER_CONTACT, "a member needs a phone number or a work email", at=("members", i))
        yield from _login(i, member)
        if member.custom:
            yield from _custom_values(ctx, i, member)

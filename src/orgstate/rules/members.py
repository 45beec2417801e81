"""Member fields: MEMBER-CONTACT, LOGIN-EMAIL and FIELD-VALUE (custom fields)."""

from __future__ import annotations

from collections.abc import Iterator

from orgstate.diagnostics import Diagnostic, error
from orgstate.model.config import Member
from orgstate.rules.context import RuleContext

URL_PREFIXES = ("https://", "http://")
MAX_TEXT_LENGTH = 500


def _login(i: int, member: Member) -> Iterator[Diagnostic]:
    if member.login is not None and getattr(member, member.login) is None:
        # The console makes the chosen login's field mandatory.
        yield error(
            "LOGIN-EMAIL",
            f"login is {member.login}, but the member has no {member.login.replace('_', ' ')}",
            at=("members", i, "login"),
        )


def _custom_values(ctx: RuleContext, i: int, member: Member) -> Iterator[Diagnostic]:
    for field_id, value in member.custom.items():
        position = ctx.fields.get(field_id)
        if position is None:
            continue  # REF-UNKNOWN reports it
        definition = ctx.config.fields[position]
        at = ("members", i, "custom", field_id)
        if definition.type == "enum" and value not in (definition.options or ()):
            options = ", ".join(definition.options or ())
            yield error("FIELD-VALUE", f"'{value}' is not an option of {field_id} ({options})", at=at)
        elif definition.type == "url" and not value.startswith(URL_PREFIXES):
            yield error("FIELD-VALUE", f"'{value}' is not a URL (http:// or https://) for {field_id}", at=at)
        elif definition.type == "text" and len(value) > MAX_TEXT_LENGTH:
            yield error("FIELD-VALUE", f"{field_id} is longer than {MAX_TEXT_LENGTH} characters", at=at)


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    for i, member in enumerate(ctx.config.members):
        if member.phone is None and member.work_email is None:
            # "One must have either a phone number or work email entered."
            yield error("MEMBER-CONTACT", "a member needs a phone number or a work email", at=("members", i))
        yield from _login(i, member)
        if member.custom:
            yield from _custom_values(ctx, i, member)

"""Which member a person means by a User ID, an email or a phone (`orgstate reset-password`).

A User ID names its member whatever else matches; otherwise a work or business email
(in any case) or a phone, in E.164 (`+15550100002`) or as a configuration may write it
(`+1 555 010 0002`, `+1 (555) 010-0002`), or without its `+`. A deleted member is found
by its User ID only: its email or phone may belong to someone else by now. Several
members matching is refused, listing them; none matching suggests the nearest."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic_core import PydanticCustomError

from orgstate.errors import ErrorKind, TenantError, UsageError
from orgstate.model.live import LiveMember
from orgstate.model.types import ID_PATTERN, to_e164
from orgstate.suggest import closest

BY_ID = "User ID"


@dataclass(frozen=True)
class MemberMatch:
    member: LiveMember
    by: str  # BY_ID, "work email", "business email" or "phone"

    def describe(self) -> str:
        """`dana (Dana Lee)`."""
        return f"{self.member.id} ({self.member.member.name})"


def is_member_id(text: str) -> bool:
    return re.fullmatch(ID_PATTERN, text) is not None


def phone_forms(text: str) -> frozenset[str]:
    """The stored phone (E.164, as model.types normalises every phone) that `text` may
    name: written with spaces, dashes, dots or parentheses, or without its `+`."""
    typed = text.strip()
    try:
        return frozenset({to_e164(typed if typed.startswith("+") else f"+{typed}")})
    except PydanticCustomError:
        return frozenset()


def contacts(member: LiveMember) -> list[tuple[str, str]]:
    """(how, value) for the emails and phone a member may be named by, emails in lower case."""
    fields = member.member
    found = [("work email", fields.work_email), ("business email", fields.business_email)]
    pairs = [(how, value.lower()) for how, value in found if value]
    return pairs + ([("phone", fields.phone)] if fields.phone else [])


def match_member(members: Iterable[LiveMember], text: str) -> MemberMatch:
    """The one member `text` names, or an error: a TenantError (not found) suggesting the
    nearest User ID, email or phone, or a UsageError listing the members it could be."""
    listed = list(members)
    by_id = [member for member in listed if member.id == text]
    if by_id:  # a live member before a deleted one of the same User ID
        return MemberMatch(min(by_id, key=lambda member: member.status == "deleted"), BY_ID)
    wanted = {text.strip().lower(), *phone_forms(text)}
    found: dict[str, MemberMatch] = {}
    for member in listed:
        if member.status == "deleted":
            continue
        for how, value in contacts(member):
            if value in wanted:
                found.setdefault(member.id, MemberMatch(member, how))
    if len(found) > 1:
        candidates = ", ".join(f"{match.describe()} by {match.by}" for _, match in sorted(found.items()))
        raise UsageError(f"'{text}' names {len(found)} members: {candidates}; give the User ID of the one you mean")
    if found:
        return next(iter(found.values()))
    raise TenantError(ErrorKind.NOT_FOUND, f"no member '{text}'{_nearest(listed, text)}")


def _nearest(members: list[LiveMember], text: str) -> str:
    """`; did you mean 'dan' (Dan Smith)?`: the User ID of the member whose User ID, email,
    phone, name or part of it is closest to `text`, or '' when none is close."""
    keys: dict[str, LiveMember] = {}
    for member in members:
        if member.status != "deleted":
            name = member.member.name.lower()
            for key in (member.id, *(value for _, value in contacts(member)), name, *name.split()):
                keys.setdefault(key, member)
    near = closest(text.strip().lower(), keys)
    if near is None:
        return ""
    return f"; did you mean '{keys[near].id}' ({keys[near].member.name})?"

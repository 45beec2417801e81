"""Which member a User ID, an email or a phone names (reset-password's MEMBER)."""

from __future__ import annotations

import pytest

from orgstate.appliers.lookup import BY_ID, match_member, phone_forms
from orgstate.errors import TenantError, UsageError
from orgstate.model.live import LiveMember


def member(member_id: str, name: str, **fields: object) -> LiveMember:
    return LiveMember.model_validate({"id": member_id, "name": name, "department": "eng", **fields})


MEMBERS = [
    member("dan", "Dan Smith", work_email="dan@acme.example", business_email="dan@acme.larksuite.com",
           phone="+15550100002"),
    member("li-wei", "Li Wei", work_email="li.wei@acme.example", phone="+86 138 0013 8020"),
    member("ann", "Ann Lee", work_email="shared@acme.example", phone="+15550100009"),
    member("bo", "Bo Kim", business_email="shared@acme.example", phone="+15550100009"),
    member("gone", "Gone Away", work_email="gone@acme.example", status="deleted"),
    member("dan@acme.example", "An Id With An At", department="eng"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected", "by"),
    [
        ("dan", "dan", BY_ID),
        ("dan@acme.larksuite.com", "dan", "business email"),
        ("DAN@Acme.Larksuite.com", "dan", "business email"),
        ("+15550100002", "dan", "phone"),
        ("+1 (555) 010-0002", "dan", "phone"),
        ("+86 138 0013 8020", "li-wei", "phone"),  # as the configuration writes it
        ("+8613800138020", "li-wei", "phone"),  # the same phone in E.164
        ("8613800138020", "li-wei", "phone"),  # without its +
        ("gone", "gone", BY_ID),  # the tenant says why it cannot be reset
        ("dan@acme.example", "dan@acme.example", BY_ID),  # a User ID wins over an email
    ],
)
def test_a_member_is_found_by_id_email_or_phone(text: str, expected: str, by: str) -> None:
    match = match_member(MEMBERS, text)
    assert (match.member.id, match.by) == (expected, by)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dana", "no member 'dana'; did you mean 'dan' (Dan Smith)?"),
        ("smith", "no member 'smith'; did you mean 'dan' (Dan Smith)?"),
        ("li.wei@acme.exmaple", "no member 'li.wei@acme.exmaple'; did you mean 'li-wei' (Li Wei)?"),
        # A deleted member is found by User ID only, and never suggested.
        ("gone@acme.example", "no member 'gone@acme.example'; did you mean 'dan' (Dan Smith)?"),
        ("zzzzzzzz", "no member 'zzzzzzzz'"),
    ],
)
def test_a_miss_suggests_the_nearest_member(text: str, message: str) -> None:
    with pytest.raises(TenantError) as caught:
        match_member(MEMBERS, text)
    assert str(caught.value) == message


@pytest.mark.parametrize("text", ["shared@acme.example", "+15550100009"])
def test_an_ambiguous_match_is_refused_listing_the_candidates(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        match_member(MEMBERS, text)
    assert str(caught.value).startswith(f"'{text}' names 2 members: ann (Ann Lee) by ")
    assert "bo (Bo Kim) by " in str(caught.value) and str(caught.value).endswith("give the User ID of the one you mean")


@pytest.mark.parametrize(
    ("text", "forms"),
    [
        ("+1 555 010 0002", {"+15550100002"}),
        ("86 138-0013-8020", {"+8613800138020"}),
        ("+8613800138020", {"+8613800138020"}),
        ("dan", set()),
        ("12", set()),
    ],
)
def test_phone_forms(text: str, forms: set[str]) -> None:
    assert phone_forms(text) == forms

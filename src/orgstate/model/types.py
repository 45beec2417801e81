"""Constrained scalar types shared by the configuration and snapshot models.

Patterns are checked by pydantic-core (Rust regexes), which keeps validating
100,000 members fast; the patterns follow the Open API's documented formats.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import phonenumbers
from pydantic import BeforeValidator, Field, Strict, StringConstraints
from pydantic_core import PydanticCustomError

# A department_id on the Open API: `^[a-zA-Z0-9][a-zA-Z0-9_\-@.]{0,63}$`; we use the
# same shape for every id so that ids travel unchanged to the API.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-@.]{0,63}$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
# Glob patterns over ids (policy.ignore, policy.protected).
Glob = Annotated[str, StringConstraints(min_length=1, max_length=64)]
# The Open API takes at most 50 `department_ids` per user. A Lark limit, kept here
# rather than in orgstate.lark because the model validates by it and imports nothing of
# orgstate (orgstate.lark imports the model).
DEPARTMENTS_PER_MEMBER_MAX = 50
Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Email = Annotated[
    str,
    StringConstraints(
        max_length=254,
        pattern=r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
        r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$",
    ),
]
# A phone number, normalised to E.164 with its "+" (what the Open API expects, so that a
# declared "+8613800138000" and a live "+86 138 0013 8000" compare equal). phonenumbers
# knows every country's numbering plan; it checks that a number is possible (its length
# fits the country), not that it is assigned: documentation numbers like +1 555 0100 are
# possible but not valid, and examples and tests use them.
E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"
_E164 = re.compile(E164_PATTERN)
_WRITTEN_PHONE = re.compile(r"^\+[0-9 ().\-]+$")
# is_possible_number reads only the country code and the national number's length, both
# fixed by a number's first four digits and its length; its answer is kept per (first
# four digits, length). Parsing every number cost 26 us a call, 2.6 s on 100,000 members;
# this path costs under 1 us. A national number with a leading zero (Italy) is left to
# parse, which keeps the zero.
_POSSIBLE: dict[tuple[str, int], bool] = {}


def _possible_e164(text: str) -> bool:
    """Whether `text`, already E.164-shaped, is a possible number, without parsing it."""
    key = (text[1:5], len(text))
    known = _POSSIBLE.get(key)
    if known is None:
        known = _POSSIBLE[key] = _possible_as_written(text)
    return known


def _possible_as_written(text: str) -> bool:
    for length in (1, 2, 3):  # country codes are prefix-free
        country = int(text[1 : 1 + length])
        if country in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            national = text[1 + length :]
            if national.startswith("0"):
                return False
            number = phonenumbers.PhoneNumber(country_code=country, national_number=int(national))
            return bool(phonenumbers.is_possible_number(number))
    return False


def _parsed_e164(text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if (
        number.extension
        or phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def to_e164(value: Any) -> str:
    """A phone number as written (in a configuration, a fixture, a snapshot or a seat
    list) -> E.164; raises a pydantic error worded for the user otherwise."""
    if isinstance(value, str) and _E164.match(value) and _possible_e164(value):
        return value
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if text is None:
        raise PydanticCustomError("phone_type", 'expected a phone number in quotes, like "+15550100001"')
    if not text.startswith("+"):
        raise PydanticCustomError(
            "phone_country_code",
            'a phone number needs its country code, e.g. "+{digits}"',
            {"digits": re.sub(r"[^0-9]", "", text) or "15550100001"},
        )
    normalised = _parsed_e164(text) if _WRITTEN_PHONE.match(text) else None
    if normalised is None:
        raise PydanticCustomError(
            "phone_number", "'{text}' is not a possible phone number (country code and length)", {"text": text}
        )
    return normalised


Phone = Annotated[str, StringConstraints(pattern=E164_PATTERN), BeforeValidator(to_e164)]
# true and false only: YAML 1.1's yes/no/on/off and pydantic's "1"/"y" are not booleans.
Flag = Annotated[bool, Strict()]


def _boolean(value: Any) -> Any:
    if not isinstance(value, bool):
        raise PydanticCustomError("bool_type", "expected true or false")
    return value


# `true` where it is the only value a key takes (a literal compares 1 equal to true).
OnlyTrue = Annotated[Literal[True], BeforeValidator(_boolean)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]

# The bounds of every integer a configuration or a fixture holds, so that a number
# past them is a located error at validate, never an overflow at apply. The Open API
# sends a department's order as a string of a 32-bit integer; counts have the same
# range; no tenant buys more seats, or plans more removals, than it has members.
INT32_MAX = 2**31 - 1
MAX_MEMBERS = 1_000_000
Order = Annotated[int, Field(ge=0, le=INT32_MAX)]
Count = Annotated[int, Field(ge=0, le=INT32_MAX)]
MemberCount = Annotated[int, Field(ge=0, le=MAX_MEMBERS)]

Edition = Literal["starter", "basic", "pro", "enterprise"]
CollectionPolicy = Literal["authoritative", "additive"]
LoginType = Literal["business_email", "work_email", "phone"]
WorkforceType = Literal["regular", "intern", "outsourced", "labor", "consultant"]
Gender = Literal["unspecified", "male", "female", "other"]
DeclaredStatus = Literal["active", "suspended"]
FieldType = Literal["text", "enum", "url"]
ContactField = Literal["phone", "work_email"]
MailAction = Literal["transfer", "keep", "delete"]
# How a live seat was given: assigned to the member, through a user group, by a bulk
# rule, or by the console itself.
SeatSource = Literal["explicit", "group", "rule", "auto"]

"""Constrained scalar types shared by the configuration and snapshot models.

Patterns are checked by pydantic-core (Rust regexes), which keeps validating
100,000 members fast; the patterns follow the Open API's documented formats.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

# A department_id on the Open API: `^[a-zA-Z0-9][a-zA-Z0-9_\-@.]{0,63}$`; we use the
# same shape for every id so that ids travel unchanged to the API.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-@.]{0,63}$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
# Glob patterns over ids (policy.ignore, policy.protected).
Glob = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Email = Annotated[
    str,
    StringConstraints(
        max_length=254,
        pattern=r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
        r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$",
    ),
]
# E.164 with a leading "+", or an 11-digit mainland China mobile number (the API
# requires the "+" prefix everywhere else).
Phone = Annotated[str, StringConstraints(pattern=r"^(?:\+[1-9][0-9]{6,14}|1[0-9]{10})$")]
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

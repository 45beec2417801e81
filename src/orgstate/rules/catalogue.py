"""Every rule id of SPEC section 4, with when it is checked.

`validate` checks the static rules; `plan` checks all of them. The tenant engine
enforces the live ones itself, so a planner bug fails loudly at apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Rule:
    id: str
    stage: Literal["static", "live"]
    summary: str


CATALOGUE: tuple[Rule, ...] = (
    Rule("CFG-SCHEMA", "static", "the file is not valid YAML of the configuration language"),
    Rule("CFG-DUPLICATE-KEY", "static", "a mapping repeats a key"),
    Rule("REF-UNKNOWN", "static", "a reference names no declared member, department, group, plan, field or file"),
    Rule("ID-UNIQUE", "static", "an id, email, phone or employee id is declared twice"),
    Rule("MEMBER-CONTACT", "static", "a member has neither a phone nor a work email"),
    Rule("LOGIN-EMAIL", "static", "the chosen login needs its field"),
    Rule("DEPT-CYCLE", "static", "departments form a cycle or nest deeper than 25 levels"),
    Rule("MANAGER-CYCLE", "static", "direct managers form a cycle"),
    Rule("FIELD-VALUE", "static", "a custom field value does not fit its field"),
    Rule("OFFBOARD-CONFLICT", "static", "a member is both declared and offboarded"),
    Rule("TRANSFER-RECIPIENT", "static", "a transfer recipient is not a declared active member who stays"),
    Rule("SEAT-AMBIGUOUS", "static", "a member's groups give seats of different plans"),
    Rule("SEAT-CAPACITY", "static", "more seats resolve to a plan than it has"),
    Rule("STARTER-NO-SEATS", "static", "a Starter plan cannot assign seats"),
    Rule("STARTER-MEMBER-LIMIT", "static", "a Starter organization has at most 50 members"),
    Rule("INVITE-APPROVAL-MULTIPLAN", "static", "several paid plans require invitation approval"),
    Rule("PROTECTED-REMOVAL", "static", "a protected member is offboarded"),
    Rule("PLAN-MISMATCH", "live", "a declared plan differs from the live purchase"),
    Rule("SEAT-EXPIRED", "live", "a seat of an expired plan"),
    Rule("SEAT-AUTO", "live", "a seat the console would assign by itself"),
    Rule("LOGIN-NEEDS-SEAT", "live", "an active member without a seat on a paid tenant cannot log in"),
    Rule("DOWNGRADE-EDIT-LOCK", "live", "all paid plans expired with more than 20 members: member edits are refused"),
    Rule("RESTORE-WINDOW", "live", "a deleted member can be restored within 30 days on basic, pro and enterprise"),
    Rule("DELETE-ADMIN", "live", "the founder and tenant admins cannot be deleted or suspended"),
    Rule("DELETE-SUCCESSOR", "live", "a leaving department leader needs a successor"),
    Rule("TRANSFER-DEFAULT", "live", "where each resource type goes by default"),
    Rule("REMOVAL-LIMIT", "live", "a plan removes more than the policy allows"),
    Rule("DEPT-NOT-EMPTY", "live", "a department to delete still has members or sub-departments"),
    Rule("PERMISSION", "live", "the operation needs admin rights the caller lacks"),
    Rule("RESET-PASSWORD", "live", "a password reset breaks the rules of the reset page"),
)

STATIC_RULES = tuple(rule.id for rule in CATALOGUE if rule.stage == "static")

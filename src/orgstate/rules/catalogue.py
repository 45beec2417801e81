"""Every rule id of SPEC section 4, with when it is checked and its usual severity.

`validate` checks the static rules; `plan` checks all of them. The tenant engine
enforces the live ones itself, so a planner bug fails loudly at apply. `severity` is
the severity a diagnostic of the rule has by default; a few rules report a milder one
in some cases (docs/rules.md says which, and tests/docs/test_rules_doc.py keeps the
two in step).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from orgstate.diagnostics import Severity


@dataclass(frozen=True)
class Rule:
    id: str
    stage: Literal["static", "live"]
    summary: str
    severity: Severity


CATALOGUE: tuple[Rule, ...] = (
    Rule("CFG-SCHEMA", "static", "the file is not valid YAML of the configuration language", "error"),
    Rule("CFG-DUPLICATE-KEY", "static", "a mapping repeats a key", "error"),
    Rule(
        "REF-UNKNOWN", "static", "a reference names no declared member, department, group, plan, field or file", "error"
    ),
    Rule("ID-UNIQUE", "static", "an id, email, phone or employee id is declared twice", "error"),
    Rule("MEMBER-CONTACT", "static", "a member has neither a phone nor a work email", "error"),
    Rule("LOGIN-EMAIL", "static", "the chosen login needs its field", "error"),
    Rule("DEPT-CYCLE", "static", "departments form a cycle or nest deeper than 25 levels", "error"),
    Rule("MANAGER-CYCLE", "static", "direct managers form a cycle", "error"),
    Rule("FIELD-VALUE", "static", "a custom field value does not fit its field", "error"),
    Rule("OFFBOARD-CONFLICT", "static", "a member is both declared and offboarded", "error"),
    Rule("TRANSFER-RECIPIENT", "static", "a transfer recipient is not a declared active member who stays", "error"),
    Rule("SEAT-AMBIGUOUS", "static", "a member's groups give seats of different plans", "error"),
    Rule("SEAT-CAPACITY", "static", "more seats resolve to a plan than it has", "error"),
    Rule("STARTER-NO-SEATS", "static", "a Starter plan cannot assign seats", "error"),
    Rule("STARTER-MEMBER-LIMIT", "static", "a Starter organization has at most 50 members", "error"),
    Rule("INVITE-APPROVAL-MULTIPLAN", "static", "several paid plans require invitation approval", "error"),
    Rule("PROTECTED-REMOVAL", "static", "a protected member is offboarded", "error"),
    Rule("PLAN-MISMATCH", "live", "a declared plan differs from the live purchase", "warning"),
    Rule("SEAT-EXPIRED", "live", "a seat of an expired plan", "error"),
    Rule("SEAT-AUTO", "live", "a seat the console would assign by itself", "info"),
    Rule("LOGIN-NEEDS-SEAT", "live", "an active member without a seat on a paid tenant cannot log in", "warning"),
    Rule(
        "DOWNGRADE-EDIT-LOCK",
        "live",
        "all paid plans expired with more than 20 members: member edits are refused",
        "error",
    ),
    Rule(
        "RESTORE-WINDOW", "live", "a deleted member can be restored within 30 days on basic, pro and enterprise", "info"
    ),
    Rule("DELETE-ADMIN", "live", "the founder and tenant admins cannot be deleted or suspended", "error"),
    Rule("DELETE-SUCCESSOR", "live", "a leaving department leader needs a successor", "warning"),
    Rule("TRANSFER-DEFAULT", "live", "where each resource type goes by default", "info"),
    Rule("REMOVAL-LIMIT", "live", "a plan removes more than the policy allows", "error"),
    Rule("DEPT-NOT-EMPTY", "live", "a department to delete still has members or sub-departments", "error"),
    Rule("PERMISSION", "live", "the operation needs admin rights the caller lacks", "error"),
    Rule("RESET-PASSWORD", "live", "a password reset breaks the rules of the reset page", "error"),
    Rule("BACKEND-CAPABILITY", "live", "the backend cannot do or read something the configuration asks for", "warning"),
)

STATIC_RULES = tuple(rule.id for rule in CATALOGUE if rule.stage == "static")

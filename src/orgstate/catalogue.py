"""Every rule id of SPEC section 4, with when it is checked and its usual severity.

`RuleId` is the one place an id is spelled: whatever emits or matches a diagnostic
names its rule through it (tests/rules/test_catalogue_ids.py keeps it so).

`validate` checks the static rules; `plan` checks all of them. The tenant engine
enforces the live ones itself, so a planner bug fails loudly at apply. `severity` is
the severity a diagnostic of the rule has by default; a few rules report a milder one
in some cases (docs/rules.md says which, and tests/docs/test_rules_doc.py keeps the
two in step).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from orgstate.diagnostics import Severity


class RuleId(StrEnum):
    """The id a diagnostic carries: every emitter names its rule through this enum."""

    CFG_SCHEMA = "CFG-SCHEMA"
    CFG_DUPLICATE_KEY = "CFG-DUPLICATE-KEY"
    REF_UNKNOWN = "REF-UNKNOWN"
    ID_UNIQUE = "ID-UNIQUE"
    MEMBER_CONTACT = "MEMBER-CONTACT"
    LOGIN_EMAIL = "LOGIN-EMAIL"
    DEPT_CYCLE = "DEPT-CYCLE"
    MANAGER_CYCLE = "MANAGER-CYCLE"
    FIELD_VALUE = "FIELD-VALUE"
    OFFBOARD_CONFLICT = "OFFBOARD-CONFLICT"
    TRANSFER_RECIPIENT = "TRANSFER-RECIPIENT"
    SEAT_AMBIGUOUS = "SEAT-AMBIGUOUS"
    SEAT_CAPACITY = "SEAT-CAPACITY"
    STARTER_NO_SEATS = "STARTER-NO-SEATS"
    STARTER_MEMBER_LIMIT = "STARTER-MEMBER-LIMIT"
    INVITE_APPROVAL_MULTIPLAN = "INVITE-APPROVAL-MULTIPLAN"
    PROTECTED_REMOVAL = "PROTECTED-REMOVAL"
    PLAN_MISMATCH = "PLAN-MISMATCH"
    SEAT_EXPIRED = "SEAT-EXPIRED"
    SEAT_AUTO = "SEAT-AUTO"
    LOGIN_NEEDS_SEAT = "LOGIN-NEEDS-SEAT"
    DOWNGRADE_EDIT_LOCK = "DOWNGRADE-EDIT-LOCK"
    RESTORE_WINDOW = "RESTORE-WINDOW"
    DELETE_ADMIN = "DELETE-ADMIN"
    DELETE_SUCCESSOR = "DELETE-SUCCESSOR"
    TRANSFER_DEFAULT = "TRANSFER-DEFAULT"
    REMOVAL_LIMIT = "REMOVAL-LIMIT"
    DEPT_NOT_EMPTY = "DEPT-NOT-EMPTY"
    PERMISSION = "PERMISSION"
    RESET_PASSWORD = "RESET-PASSWORD"
    BACKEND_CAPABILITY = "BACKEND-CAPABILITY"


@dataclass(frozen=True)
class Rule:
    id: RuleId
    stage: Literal["static", "live"]
    summary: str
    severity: Severity


CATALOGUE: tuple[Rule, ...] = (
    Rule(RuleId.CFG_SCHEMA, "static", "the file is not valid YAML of the configuration language", "error"),
    Rule(RuleId.CFG_DUPLICATE_KEY, "static", "a mapping repeats a key", "error"),
    Rule(
        RuleId.REF_UNKNOWN,
        "static",
        "a reference names no declared member, department, group, plan, field or file",
        "error",
    ),
    Rule(RuleId.ID_UNIQUE, "static", "an id, email, phone or employee id is declared twice", "error"),
    Rule(RuleId.MEMBER_CONTACT, "static", "a member has neither a phone nor a work email", "error"),
    Rule(RuleId.LOGIN_EMAIL, "static", "the chosen login needs its field", "error"),
    Rule(RuleId.DEPT_CYCLE, "static", "departments form a cycle or nest deeper than 25 levels", "error"),
    Rule(RuleId.MANAGER_CYCLE, "static", "direct managers form a cycle", "error"),
    Rule(RuleId.FIELD_VALUE, "static", "a custom field value does not fit its field", "error"),
    Rule(RuleId.OFFBOARD_CONFLICT, "static", "a member is both declared and offboarded", "error"),
    Rule(
        RuleId.TRANSFER_RECIPIENT, "static", "a transfer recipient is not a declared active member who stays", "error"
    ),
    Rule(RuleId.SEAT_AMBIGUOUS, "static", "a member's groups give seats of different plans", "error"),
    Rule(RuleId.SEAT_CAPACITY, "static", "more seats resolve to a plan than it has", "error"),
    Rule(RuleId.STARTER_NO_SEATS, "static", "a Starter plan cannot assign seats", "error"),
    Rule(RuleId.STARTER_MEMBER_LIMIT, "static", "a Starter organization has at most 50 members", "error"),
    Rule(RuleId.INVITE_APPROVAL_MULTIPLAN, "static", "several paid plans require invitation approval", "error"),
    Rule(RuleId.PROTECTED_REMOVAL, "static", "a protected member is offboarded", "error"),
    Rule(RuleId.PLAN_MISMATCH, "live", "a declared plan differs from the live purchase", "warning"),
    Rule(RuleId.SEAT_EXPIRED, "live", "a seat of an expired plan", "error"),
    Rule(RuleId.SEAT_AUTO, "live", "a seat the console would assign by itself", "info"),
    Rule(RuleId.LOGIN_NEEDS_SEAT, "live", "an active member without a seat on a paid tenant cannot log in", "warning"),
    Rule(
        RuleId.DOWNGRADE_EDIT_LOCK,
        "live",
        "all paid plans expired with more than 20 members: member edits are refused",
        "error",
    ),
    Rule(
        RuleId.RESTORE_WINDOW,
        "live",
        "a deleted member can be restored within 30 days on basic, pro and enterprise",
        "info",
    ),
    Rule(RuleId.DELETE_ADMIN, "live", "the founder and tenant admins cannot be deleted or suspended", "error"),
    Rule(RuleId.DELETE_SUCCESSOR, "live", "a leaving department leader needs a successor", "warning"),
    Rule(RuleId.TRANSFER_DEFAULT, "live", "where each resource type goes by default", "info"),
    Rule(RuleId.REMOVAL_LIMIT, "live", "a plan removes more than the policy allows", "error"),
    Rule(RuleId.DEPT_NOT_EMPTY, "live", "a department to delete still has members or sub-departments", "error"),
    Rule(RuleId.PERMISSION, "live", "the operation needs admin rights the caller lacks", "error"),
    Rule(RuleId.RESET_PASSWORD, "live", "a password reset breaks the rules of the reset page", "error"),
    Rule(
        RuleId.BACKEND_CAPABILITY,
        "live",
        "the backend cannot do or read something the configuration asks for",
        "warning",
    ),
)

STATIC_RULES = tuple(rule.id for rule in CATALOGUE if rule.stage == "static")

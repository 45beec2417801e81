"""Where a leaving member's resources go: explicit recipients, else the default table of
lark-help-delete-members-and-reallocate-resources.txt ("Who will receive a member's
resources by default?"). The tenant engine applies it from its own rows; the planner
predicts it from the snapshot; apply checks that the two agree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# "The member's untransferred documents, minutes, surveys, emails and Wiki pages will be
# retained for 30 days after their account is deleted"; retention decides what then.
RETENTION_DAYS = 30

Outcome = Literal["transferred", "copied", "retained", "deleted", "dissolved", "process_admin"]
# Transfers' field -> the resource kinds it moves.
TRANSFER_KINDS: dict[str, tuple[str, ...]] = {
    "docs": ("docs",),
    "minutes": ("minutes",),
    "calendar": ("calendar_future",),
    "apps": ("apps",),
    "department_groups": ("department_groups",),
    "chat_groups": ("chat_groups",),
    "external_groups": ("external_groups",),
    "surveys": ("surveys",),
    "approvals": ("approvals",),
    "forms": ("forms",),
    "helpdesks": ("helpdesks",),
    "mail": ("mail",),
}


@dataclass(frozen=True)
class Disposition:
    """Where one resource type of a leaving member goes."""

    kind: str
    count: int
    outcome: Outcome
    recipient: str | None = None
    is_default: bool = False


def default_disposition(
    kind: str,
    count: int,
    manager: str | None,
    first_member: str | None,
    department_peer: str | None,
    admin: str | None,
) -> Disposition:
    """The page's table "Who will receive a member's resources by default?"."""

    def to(recipient: str | None, otherwise: Outcome) -> Disposition:
        if recipient is None:
            return Disposition(kind, count, otherwise, None, True)
        return Disposition(kind, count, "transferred", recipient, True)

    if kind in ("docs", "minutes", "apps", "surveys"):
        return to(manager, "retained")  # apps: "retained under the member's name" (cannot be deleted)
    if kind in ("calendar_future", "forms"):
        return to(manager, "deleted")
    if kind == "calendar_past":
        return Disposition(kind, count, "deleted", None, True)  # "Events which have already occurred will be deleted."
    if kind == "mail":
        if manager is None:
            return Disposition(kind, count, "retained", None, True)
        return Disposition(kind, count, "copied", manager, True)  # "A copy will be sent to the direct manager."
    if kind == "approvals":
        return to(manager, "process_admin")
    if kind == "helpdesks":
        return to(admin, "retained")  # "By default transfer to the organization administrator."
    if kind == "department_groups":
        return to(department_peer, "dissolved")
    if kind == "chat_groups":
        return to(first_member, "retained")
    if kind == "external_groups":
        return to(first_member, "dissolved")
    raise ValueError(f"unknown resource kind {kind}")


# The resource kind -> the `offboarding.transfer` key that names its recipient (and the
# key a plan's transfer change lists it under).
TRANSFER_FIELD = {kind: field for field, kinds in TRANSFER_KINDS.items() for kind in kinds}
TRANSFER_FIELD["calendar_past"] = "calendar_past"

"""The live tenant in the configuration's own terms (SPEC section 6).

`TenantState` is both the fixture that `orgstate local init --from` reads and the
snapshot a backend returns: the configuration language plus the facts only a live
tenant has (statuses, deletion dates, resources, the founder and the admins).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, model_validator

from orgstate.model.config import (
    Department,
    FieldDef,
    InvitationPolicy,
    Member,
    StrictModel,
    Subscription,
    UserGroup,
)
from orgstate.model.types import ContactField, Count, Id, Name, SeatSource

LiveStatus = Literal["invited", "inactive", "active", "suspended", "deleted"]
AdminRole = Literal["primary", "billing", "member_and_department"]


class Resources(StrictModel):
    """How many of each resource a member owns (what offboarding transfers)."""

    docs: Count = 0
    minutes: Count = 0
    calendar_future: Count = 0
    calendar_past: Count = 0
    apps: Count = 0
    chat_groups: Count = 0
    external_groups: Count = 0
    department_groups: Count = 0
    mail: Count = 0
    helpdesks: Count = 0
    approvals: Count = 0
    forms: Count = 0
    surveys: Count = 0

    def counts(self) -> dict[str, int]:
        return {kind: count for kind, count in self if count}


class LiveMember(Member):
    """A member as the tenant holds it; `seat` is the seat held now."""

    status: LiveStatus = "active"  # type: ignore[assignment]
    deleted_at: dt.date | None = None
    # How the seat was given; None when the backend cannot tell (a fixture derives it).
    seat_source: SeatSource | None = None
    resources: Resources = Resources()


# What only a live member has: no configuration declares these.
LIVE_ONLY_MEMBER_FIELDS = frozenset(LiveMember.model_fields) - frozenset(Member.model_fields)


class TenantInfo(StrictModel):
    name: Name
    # The organization's creator; None when a backend cannot tell (the Open API does not say).
    founder: Id | None = None
    # The tenant's date, when fixed (fixtures, tests); otherwise the system clock's.
    today: dt.date | None = None
    admins: dict[Id, tuple[AdminRole, ...]] = Field(default_factory=dict)
    invitations: InvitationPolicy = InvitationPolicy()
    notify_contact_changes: tuple[ContactField, ...] = ()


class LiveOrg(StrictModel):
    # A fixture may name the organization as the configuration language does; a
    # snapshot keeps the name in `tenant.name` only.
    name: Name | None = None
    plans: tuple[Subscription, ...] = ()


class TenantState(StrictModel):
    version: Literal[1] = 1
    tenant: TenantInfo
    org: LiveOrg = LiveOrg()
    fields: tuple[FieldDef, ...] = ()
    departments: tuple[Department, ...] = ()
    user_groups: tuple[UserGroup, ...] = ()
    members: tuple[LiveMember, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _name_from_org(cls, data: Any) -> Any:
        """`org.name` stands in for a missing `tenant.name`; when both are given and
        differ, `tenant.fixture.check_fixture` reports it at `org.name`."""
        if not isinstance(data, dict):
            return data
        tenant, org = data.get("tenant"), data.get("org")
        if isinstance(tenant, dict) and isinstance(org, dict) and "name" not in tenant and "name" in org:
            return {**data, "tenant": {**tenant, "name": org["name"]}}
        return data

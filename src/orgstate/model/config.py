"""The configuration language of SPEC section 2 (`version: 1`) as pydantic models.

Every model forbids unknown keys; the loader turns pydantic's errors into located
CFG-SCHEMA diagnostics with a did-you-mean. Cross-object rules (references,
uniqueness, seats) live in `orgstate.rules`, not here, so that one run reports
all of them together.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from orgstate.model.types import (
    DEPARTMENTS_PER_MEMBER_MAX,
    CollectionPolicy,
    ContactField,
    CountryCode,
    DeclaredStatus,
    Edition,
    Email,
    FieldType,
    Flag,
    Gender,
    Glob,
    Id,
    LoginType,
    MailAction,
    MemberCount,
    Name,
    OnlyTrue,
    Order,
    Phone,
    WorkforceType,
)


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Subscription(StrictModel):
    """A purchased (or trialled) subscription; `id` is the subscription id."""

    id: Id
    edition: Edition
    seats: MemberCount
    starts: dt.date
    expires: dt.date
    trial: Flag = False

    @property
    def is_paid(self) -> bool:
        return self.edition != "starter"

    @model_validator(mode="after")
    def _expires_after_start(self) -> Subscription:
        if self.expires <= self.starts:
            raise ValueError(f"expires ({self.expires}) must come after starts ({self.starts})")
        return self


class Org(StrictModel):
    name: Name
    plans: tuple[Subscription, ...] = ()


class IgnoreGlobs(StrictModel):
    members: tuple[Glob, ...] = ()
    user_groups: tuple[Glob, ...] = ()
    departments: tuple[Glob, ...] = ()


class RemovalPolicy(StrictModel):
    action: Literal["delete", "suspend"] = "delete"
    max_removals: MemberCount = 10
    max_removal_ratio: float = Field(default=0.25, ge=0, le=1)


class SeatPolicy(StrictModel):
    on_shortage: Literal["fail", "warn"] = "fail"


class InvitationPolicy(StrictModel):
    require_approval: Flag = False
    expire_after_days: int = Field(default=7, ge=1, le=365)


class Policy(StrictModel):
    members: CollectionPolicy = "authoritative"
    user_groups: CollectionPolicy = "authoritative"
    departments: CollectionPolicy = "authoritative"
    ignore: IgnoreGlobs = IgnoreGlobs()
    removal: RemovalPolicy = RemovalPolicy()
    seats: SeatPolicy = SeatPolicy()
    invitations: InvitationPolicy = InvitationPolicy()
    notify_contact_changes: tuple[ContactField, ...] = ()
    # Member ids or globs that a plan never suspends or deletes.
    protected: tuple[Glob, ...] = ()


class FieldDef(StrictModel):
    """A custom member field (Organization > Field Management)."""

    id: Id
    name: Name
    type: FieldType
    options: tuple[Annotated[str, StringConstraints(min_length=1, max_length=100)], ...] | None = None

    @model_validator(mode="after")
    def _options_match_type(self) -> FieldDef:
        if self.type == "enum" and not self.options:
            raise ValueError("an enum field needs a non-empty 'options' list")
        if self.type != "enum" and self.options is not None:
            raise ValueError(f"'options' applies to enum fields only, not to {self.type}")
        return self


DepartmentName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^/]+$")]


class Department(StrictModel):
    id: Id
    name: DepartmentName
    parent: Id | None = None
    leader: Id | None = None
    group_chat: Flag = False
    order: Order | None = None


class Job(StrictModel):
    title: Annotated[str, StringConstraints(max_length=100)] | None = None
    manager: Id | None = None
    dotted_line_managers: tuple[Id, ...] = ()
    employment_date: dt.date | None = None
    country: CountryCode | None = None
    city: Annotated[str, StringConstraints(max_length=100)] | None = None


class MemberFields(StrictModel):
    """A member's own fields: what a plan compares and sends (status and seat are
    changes of their own)."""

    id: Id
    name: Name
    department: Id
    departments: tuple[Id, ...] = Field(default=(), max_length=DEPARTMENTS_PER_MEMBER_MAX - 1)  # beside `department`
    work_email: Email | None = None
    business_email: Email | None = None
    phone: Phone | None = None
    login: LoginType | None = None
    employee_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    workforce_type: WorkforceType = "regular"
    gender: Gender = "unspecified"
    hide_phone: Flag = False
    job: Job = Job()
    custom: dict[Id, str] = Field(default_factory=dict)

    @property
    def login_type(self) -> LoginType:
        """The login in effect: the declared one, else what the console defaults to."""
        if self.login is not None:
            return self.login
        # "If the "Business email" field is empty and the "Work email" field is not, the login
        # email will default to the work email. If neither email is provided, the member can log
        # in through their mobile phone number."
        if self.work_email is not None:
            return "work_email"
        return "business_email" if self.business_email is not None else "phone"


class Member(MemberFields):
    status: DeclaredStatus = "active"
    # A plan id, or null for "explicitly none"; left out, the seat is derived (SPEC 3).
    seat: Id | None = None
    # The User ID the member has live, when it changes: planned as an update of the id,
    # not as a new account and a deletion (the console lets the User ID be edited).
    renamed_from: Id | None = None

    @property
    def has_explicit_seat(self) -> bool:
        return "seat" in self.__pydantic_fields_set__


class GroupFields(StrictModel):
    """A user group's own fields (its members are changes of their own)."""

    id: Id
    name: Name
    description: Annotated[str, StringConstraints(max_length=500)] = ""
    seat: Id | None = None


class UserGroup(GroupFields):
    members: tuple[Id, ...] = ()


class SeatAssignment(StrictModel):
    """One of the console's other assignment methods; exactly one source is set."""

    plan: Id
    departments: tuple[Id, ...] | None = None
    all_members: OnlyTrue | None = None
    from_plan: Id | None = None
    from_file: Annotated[str, StringConstraints(min_length=1)] | None = None

    @property
    def source(self) -> str:
        return next(name for name in SEAT_SOURCES if getattr(self, name) is not None)

    @model_validator(mode="after")
    def _exactly_one_source(self) -> SeatAssignment:
        given = [name for name in SEAT_SOURCES if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                f"set exactly one of {', '.join(SEAT_SOURCES)} (found {len(given)}: {', '.join(given) or 'none'})"
            )
        return self


SEAT_SOURCES = ("departments", "all_members", "from_plan", "from_file")


class MailTransfer(StrictModel):
    action: MailAction
    to: Id | None = None

    @model_validator(mode="after")
    def _recipient_for_transfer(self) -> MailTransfer:
        if self.action == "transfer" and self.to is None:
            raise ValueError("mail action 'transfer' needs 'to'")
        if self.action != "transfer" and self.to is not None:
            raise ValueError(f"mail action '{self.action}' takes no 'to'")
        return self


class Transfers(StrictModel):
    """Explicit recipients per resource type; anything left out follows the defaults."""

    docs: Id | None = None
    minutes: Id | None = None
    calendar: Id | None = None
    apps: Id | None = None
    department_groups: Id | None = None
    chat_groups: Id | None = None
    external_groups: Id | None = None
    surveys: Id | None = None
    approvals: Id | None = None
    forms: Id | None = None
    helpdesks: Id | None = None
    mail: MailTransfer | None = None

    def recipients(self) -> dict[str, str]:
        """Resource type -> recipient member id, for every explicit recipient."""
        found = {name: value for name, value in self if isinstance(value, str)}
        if self.mail is not None and self.mail.to is not None:
            found["mail"] = self.mail.to
        return found


class Retention(StrictModel):
    docs: Flag = True
    mail: Flag = True
    minutes: Flag = True


class Offboarding(StrictModel):
    id: Id
    transfer: Transfers = Transfers()
    retain: Retention = Retention()


class OrgConfig(StrictModel):
    """A whole desired organization: one file, or several merged."""

    version: Literal[1]
    org: Org
    policy: Policy = Policy()
    fields: tuple[FieldDef, ...] = ()
    departments: tuple[Department, ...] = ()
    members: tuple[Member, ...] = ()
    user_groups: tuple[UserGroup, ...] = ()
    seat_assignments: tuple[SeatAssignment, ...] = ()
    offboarding: tuple[Offboarding, ...] = ()


# Sections that hold one object per list item, keyed by `id` (seat_assignments has none).
KEYED_SECTIONS = ("fields", "departments", "members", "user_groups", "offboarding")
LIST_SECTIONS = (*KEYED_SECTIONS, "seat_assignments")
SINGLE_SECTIONS = ("org", "policy")

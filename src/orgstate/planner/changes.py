"""The operations a plan is made of: typed values that never import a backend.

A change is one (type, action) of the closed set of SPEC section 5: one class each,
with typed `before` and `after` payloads. The planner builds them, the renderers and
the plan file read them, and each backend dispatches on the class. Invariants: a
create has no `before`, a delete has no `after`, the address names the object the
payload is about; `reason` is for display and never branched on when applying.

Payloads, by type:
- department: the Department's fields (update: only those that change).
- member: the member's own fields (update: only those that change, `job` and `custom`
  key by key, a removed custom value as null); suspend and resume: {status};
  restore: {department, departments}; delete: the member as it was. A member's seat
  is a `seat` change of its own, also when the member arrives.
- user_group: {id, name, description, seat} (update: only those that change; `seat`
  only where the backend manages a group's seat).
- group_member: {group, member}.
- seat: {member, plan}; an assign that moves a seat has both sides.
- resources (transfer): {<transfer type>: {count, default, outcome, to, retain}}, the
  types of the configuration's `offboarding.transfer` plus `calendar_past`.

Addresses are `Address` values; their text is `<type>.<id>`, and a pair (a group
member) is `group_member.<group>/<member>`: ids may hold dots but never a slash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    NonNegativeInt,
    Tag,
    TypeAdapter,
    create_model,
    model_validator,
)

from orgstate.lark.transfers import TRANSFER_FIELD, Outcome
from orgstate.model.config import Department, GroupFields, Job, MailTransfer, MemberFields, Retention, Transfers
from orgstate.model.types import ID_PATTERN, Id, SeatSource

ChangeType = Literal["department", "member", "user_group", "group_member", "seat", "resources"]
Action = Literal[
    "create", "update", "delete", "suspend", "resume", "restore", "add", "remove", "assign", "release", "transfer"
]

# -- addresses ---------------------------------------------------------------------------

PAIR_SEPARATOR = "/"
_ID = re.compile(ID_PATTERN)
ARITY: dict[str, int] = {
    "department": 1,
    "member": 1,
    "user_group": 1,
    "group_member": 2,
    "seat": 1,
    "resources": 1,
}


@dataclass(frozen=True, order=True)
class Address:
    """What a change is about: a type and the id (or, for a group member, the two ids)."""

    type: str
    ids: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.type}.{PAIR_SEPARATOR.join(self.ids)}"

    @classmethod
    def of(cls, type_: str, *ids: str) -> Address:
        return cls(type_, ids)

    @classmethod
    def parse(cls, text: str) -> Address:
        """`member.carol.ng`, `group_member.team.eng/carol`; anything else is a ValueError."""
        type_, dot, rest = text.partition(".")
        if not dot or type_ not in ARITY:
            raise ValueError(f"'{text}' is not an address (<type>.<id>, type one of {', '.join(ARITY)})")
        ids = tuple(rest.split(PAIR_SEPARATOR))
        if len(ids) != ARITY[type_] or not all(_ID.fullmatch(part) for part in ids):
            shape = f"{type_}.<group>{PAIR_SEPARATOR}<member>" if ARITY[type_] == 2 else f"{type_}.<id>"
            raise ValueError(f"'{text}' is not an address of the form {shape}")
        return cls(type_, ids)

    @property
    def id(self) -> str:
        """The object's id (a pair's second, the member)."""
        return self.ids[-1]


# -- payloads ----------------------------------------------------------------------------


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def data(payload: BaseModel) -> dict[str, Any]:
    """A payload as the plan file holds it: only the keys it was given."""
    return payload.model_dump(mode="json", exclude_unset=True)


def _patch_of(model: type[BaseModel], name: str, exclude: frozenset[str] = frozenset()) -> type[Payload]:
    """A partial of `model`: every field optional, only the given ones set; nested
    models partial too, and a mapping's value may be null (removed)."""
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        if field_name in exclude:
            continue
        annotation: Any = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        if info.annotation is Job:
            annotation = JOB_PATCH
        elif field_name == "custom":
            annotation = dict[Id, str | None]
        fields[field_name] = (annotation | None, None)
    return create_model(name, __base__=Payload, **fields)


JOB_PATCH = _patch_of(Job, "JobPatch")
if TYPE_CHECKING:  # read through `data()`: a patch holds only what changes
    DepartmentPatch: TypeAlias = Payload
    MemberPatch: TypeAlias = Payload
    GroupPatch: TypeAlias = Payload
else:
    DepartmentPatch = _patch_of(Department, "DepartmentPatch", frozenset({"id"}))
    MemberPatch = _patch_of(MemberFields, "MemberPatch")  # with the id, when it changes
    GroupPatch = _patch_of(GroupFields, "GroupPatch", frozenset({"id"}))


class MemberStatus(Payload):
    status: Literal["invited", "inactive", "active", "suspended"]


class Placement(Payload):
    """Where a restored member goes: the department is given anew."""

    department: Id
    departments: tuple[Id, ...] = ()


class Membership(Payload):
    group: Id
    member: Id


class SeatHolding(Payload):
    member: Id
    plan: Id
    # How an assigned seat is given: explicit, rule, group or auto (the reason it resolves to).
    source: SeatSource | None = None


TransferKey = Literal[
    "docs",
    "minutes",
    "calendar",
    "calendar_past",
    "apps",
    "department_groups",
    "chat_groups",
    "external_groups",
    "surveys",
    "approvals",
    "forms",
    "helpdesks",
    "mail",
]
assert set(get_args(TransferKey)) == set(TRANSFER_FIELD.values()), "TransferKey follows lark.transfers"


class TransferItem(Payload):
    """Where one type of a leaver's resources goes: to a member, or an outcome in place."""

    count: NonNegativeInt
    default: bool
    outcome: Outcome
    to: Id | None = None
    # For retained docs, mail and minutes: kept after the 30 days, or not.
    retain: bool | None = None

    @model_validator(mode="after")
    def _recipient_when_moved(self) -> TransferItem:
        if (self.outcome in ("transferred", "copied")) != (self.to is not None):
            raise ValueError(f"an item {self.outcome} {'needs' if self.to is None else 'takes no'} 'to'")
        return self


# -- changes -----------------------------------------------------------------------------


# `c0012`: a change's place in its plan. The journal stores ids in a column this wide.
CHANGE_ID_LENGTH = 16
ChangeId = Annotated[str, Field(pattern=rf"^c[0-9]{{4,{CHANGE_ID_LENGTH - 1}}}$")]


class BaseChange(BaseModel):
    """What every change has; `type`, `action`, `before` and `after` come with its class."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ChangeId
    address: str
    fields: tuple[str, ...] = ()
    reason: str = ""
    depends_on: tuple[ChangeId, ...] = ()
    irreversible: bool = False

    type: str
    action: str
    before: Any = None
    after: Any = None

    @cached_property
    def target(self) -> Address:
        return Address.parse(self.address)

    @property
    def key(self) -> str:
        """The id of the object the change is about (a group member's member)."""
        return self.target.id

    @property
    def number(self) -> int:
        """The change's place in its plan (`c0012` -> 12), for ordering."""
        return int(self.id[1:])

    def before_data(self) -> dict[str, Any] | None:
        return None if self.before is None else data(self.before)

    def after_data(self) -> dict[str, Any] | None:
        return None if self.after is None else data(self.after)

    def payload_ids(self) -> tuple[str, ...] | None:
        """The ids the payload names, to check against the address (None: it names none)."""
        return None

    @model_validator(mode="after")
    def _address_matches(self) -> BaseChange:
        target = Address.parse(self.address)
        if target.type != self.type:
            raise ValueError(f"address '{self.address}' is not a {self.type}")
        ids = self.payload_ids()
        if ids is not None and ids != target.ids:
            raise ValueError(f"address '{self.address}' does not name the object of its payload")
        return self


class DepartmentCreate(BaseChange):
    type: Literal["department"] = "department"
    action: Literal["create"] = "create"
    before: None = None
    after: Department

    def payload_ids(self) -> tuple[str, ...]:
        return (self.after.id,)


class DepartmentUpdate(BaseChange):
    type: Literal["department"] = "department"
    action: Literal["update"] = "update"
    before: DepartmentPatch
    after: DepartmentPatch


class DepartmentDelete(BaseChange):
    type: Literal["department"] = "department"
    action: Literal["delete"] = "delete"
    before: Department
    after: None = None

    def payload_ids(self) -> tuple[str, ...]:
        return (self.before.id,)


class MemberCreate(BaseChange):
    type: Literal["member"] = "member"
    action: Literal["create"] = "create"
    before: None = None
    after: MemberFields

    def payload_ids(self) -> tuple[str, ...]:
        return (self.after.id,)


class MemberUpdate(BaseChange):
    """An update of the member's fields; with `id` in it, a renamed User ID (the address
    keeps the old one)."""

    type: Literal["member"] = "member"
    action: Literal["update"] = "update"
    before: MemberPatch
    after: MemberPatch

    def payload_ids(self) -> tuple[str, ...] | None:
        old = data(self.before).get("id")
        return None if old is None else (old,)

    @property
    def new_id(self) -> str:
        """The member's id once the change is done."""
        return str(data(self.after).get("id", self.key))


class MemberSuspend(BaseChange):
    type: Literal["member"] = "member"
    action: Literal["suspend"] = "suspend"
    before: MemberStatus
    after: MemberStatus


class MemberResume(BaseChange):
    type: Literal["member"] = "member"
    action: Literal["resume"] = "resume"
    before: MemberStatus
    after: MemberStatus


class MemberDelete(BaseChange):
    type: Literal["member"] = "member"
    action: Literal["delete"] = "delete"
    before: MemberFields
    after: None = None

    def payload_ids(self) -> tuple[str, ...]:
        return (self.before.id,)


class MemberRestore(BaseChange):
    type: Literal["member"] = "member"
    action: Literal["restore"] = "restore"
    before: None = None
    after: Placement


class UserGroupCreate(BaseChange):
    type: Literal["user_group"] = "user_group"
    action: Literal["create"] = "create"
    before: None = None
    after: GroupFields

    def payload_ids(self) -> tuple[str, ...]:
        return (self.after.id,)


class UserGroupUpdate(BaseChange):
    type: Literal["user_group"] = "user_group"
    action: Literal["update"] = "update"
    before: GroupPatch
    after: GroupPatch


class UserGroupDelete(BaseChange):
    type: Literal["user_group"] = "user_group"
    action: Literal["delete"] = "delete"
    before: GroupFields
    after: None = None

    def payload_ids(self) -> tuple[str, ...]:
        return (self.before.id,)


class GroupMemberAdd(BaseChange):
    type: Literal["group_member"] = "group_member"
    action: Literal["add"] = "add"
    before: None = None
    after: Membership

    def payload_ids(self) -> tuple[str, ...]:
        return (self.after.group, self.after.member)


class GroupMemberRemove(BaseChange):
    type: Literal["group_member"] = "group_member"
    action: Literal["remove"] = "remove"
    before: Membership
    after: None = None

    def payload_ids(self) -> tuple[str, ...]:
        return (self.before.group, self.before.member)


class SeatAssign(BaseChange):
    type: Literal["seat"] = "seat"
    action: Literal["assign"] = "assign"
    before: SeatHolding | None = None
    after: SeatHolding

    def payload_ids(self) -> tuple[str, ...]:
        if self.before is not None and self.before.member != self.after.member:
            return ()  # never an address: a seat moves within one member
        return (self.after.member,)


class SeatRelease(BaseChange):
    type: Literal["seat"] = "seat"
    action: Literal["release"] = "release"
    before: SeatHolding
    after: None = None

    def payload_ids(self) -> tuple[str, ...]:
        return (self.before.member,)


class ResourcesTransfer(BaseChange):
    type: Literal["resources"] = "resources"
    action: Literal["transfer"] = "transfer"
    before: None = None
    after: dict[TransferKey, TransferItem]

    def after_data(self) -> dict[str, Any]:
        return {kind: data(item) for kind, item in sorted(self.after.items())}

    def explicit(self) -> Transfers:
        """What the configuration asked for itself (recipients, the mail action); the
        rest follows the service's default rules, which the plan predicted."""
        recipients: dict[str, Any] = {}
        for kind, item in self.after.items():
            if item.default or kind not in Transfers.model_fields:
                continue
            if kind == "mail":
                action = "transfer" if item.to is not None else MAIL_ACTIONS[item.outcome]
                recipients["mail"] = MailTransfer(action=action, to=item.to)
            elif item.to is not None:
                recipients[kind] = item.to
        return Transfers(**recipients)

    def retention(self) -> Retention:
        """Whether retained docs, mail and minutes are kept after the 30 days."""
        return Retention(**{kind: item.retain for kind, item in self.after.items() if item.retain is not None})


# A mail item's outcome -> the configuration's mail action that asks for it.
MAIL_ACTIONS: dict[str, Literal["keep", "delete"]] = {"retained": "keep", "deleted": "delete"}


CHANGE_CLASSES: tuple[type[BaseChange], ...] = (
    DepartmentCreate,
    DepartmentUpdate,
    DepartmentDelete,
    MemberCreate,
    MemberUpdate,
    MemberSuspend,
    MemberResume,
    MemberDelete,
    MemberRestore,
    UserGroupCreate,
    UserGroupUpdate,
    UserGroupDelete,
    GroupMemberAdd,
    GroupMemberRemove,
    SeatAssign,
    SeatRelease,
    ResourcesTransfer,
)
# The closed set of SPEC section 5: type -> its actions.
ACTIONS: dict[str, tuple[str, ...]] = {}
for _class in CHANGE_CLASSES:
    _type, _action = _class.model_fields["type"].default, _class.model_fields["action"].default
    ACTIONS[_type] = (*ACTIONS.get(_type, ()), _action)


def _tag(value: Any) -> str | None:
    """A change's (type, action) tag; None (refused by pydantic) for what is no change."""
    if isinstance(value, dict):
        return f"{value.get('type')}.{value.get('action')}"
    if isinstance(value, BaseChange):
        return f"{value.type}.{value.action}"
    return None


Change: TypeAlias = (
    DepartmentCreate
    | DepartmentUpdate
    | DepartmentDelete
    | MemberCreate
    | MemberUpdate
    | MemberSuspend
    | MemberResume
    | MemberDelete
    | MemberRestore
    | UserGroupCreate
    | UserGroupUpdate
    | UserGroupDelete
    | GroupMemberAdd
    | GroupMemberRemove
    | SeatAssign
    | SeatRelease
    | ResourcesTransfer
)
AnyChange = Annotated[
    Annotated[DepartmentCreate, Tag("department.create")]
    | Annotated[DepartmentUpdate, Tag("department.update")]
    | Annotated[DepartmentDelete, Tag("department.delete")]
    | Annotated[MemberCreate, Tag("member.create")]
    | Annotated[MemberUpdate, Tag("member.update")]
    | Annotated[MemberSuspend, Tag("member.suspend")]
    | Annotated[MemberResume, Tag("member.resume")]
    | Annotated[MemberDelete, Tag("member.delete")]
    | Annotated[MemberRestore, Tag("member.restore")]
    | Annotated[UserGroupCreate, Tag("user_group.create")]
    | Annotated[UserGroupUpdate, Tag("user_group.update")]
    | Annotated[UserGroupDelete, Tag("user_group.delete")]
    | Annotated[GroupMemberAdd, Tag("group_member.add")]
    | Annotated[GroupMemberRemove, Tag("group_member.remove")]
    | Annotated[SeatAssign, Tag("seat.assign")]
    | Annotated[SeatRelease, Tag("seat.release")]
    | Annotated[ResourcesTransfer, Tag("resources.transfer")],
    Discriminator(_tag, custom_error_type="change_kind", custom_error_message="unknown (type, action) of a change"),
]
CHANGE_ADAPTER: TypeAdapter[Change] = TypeAdapter(AnyChange)


def change_from(data: dict[str, Any]) -> Change:
    """A change of the right class from its plain form (as a plan file holds it)."""
    return CHANGE_ADAPTER.validate_python(data)


def change_data(change: BaseChange) -> dict[str, Any]:
    """The plain form of a change (SPEC section 5)."""
    return {
        "id": change.id,
        "type": change.type,
        "action": change.action,
        "address": change.address,
        "before": change.before_data(),
        "after": change.after_data(),
        "fields": list(change.fields),
        "reason": change.reason,
        "depends_on": list(change.depends_on),
        "irreversible": change.irreversible,
    }

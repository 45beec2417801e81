"""The configuration's member and group fields on SCIM 2.0 resources (RFC 7643), written
once: each row says where a member field lives on a User, and both directions (a member
to a User to send, a User read back to a member) derive from the same row.

The member id is the User's `externalId`, and its `userName` too (USER_NAME_RULE): a
provider matches users on userName, and orgstate matches on the member id, so keeping
them equal lets either side find the other. A manager is the manager's SCIM id on the
wire and a member id in orgstate; `ids` translates. User groups are Groups: the group id
is the Group's `externalId`, its name the `displayName`, its members the members' SCIM
ids. What no row names a SCIM provider cannot hold (planner.context.UNHELD).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError
from scim2_models import EnterpriseUser, Group

from orgstate.diagnostics import clip
from orgstate.errors import ErrorKind, TenantError

USER_NAME_RULE = "userName is the member id, as externalId is"
ENTERPRISE = EnterpriseUser.__schema__
# The department of a user whose provider names none (a member must have one).
NO_DEPARTMENT = "unassigned"


def extension_class(model: type[Any], schema: str) -> tuple[str, type[Any]] | None:
    """The attribute of a User model that holds the extension `schema`, and the extension's
    class (a provider's model, built from its Schemas, has its own class for each)."""
    for name, info in model.model_fields.items():
        for arg in (info.annotation, *get_args(info.annotation)):
            if getattr(arg, "__schema__", None) == schema:
                return str(name), arg
    return None


def extension_field(model: type[Any], schema: str) -> str | None:
    found = extension_class(model, schema)
    return None if found is None else found[0]


def extension_of(user: Any, schema: str) -> Any | None:
    """The user's extension `schema`, if the provider serves it and the user has it."""
    name = extension_field(type(user), schema)
    return None if name is None else getattr(user, name)


def enterprise_of(user: Any) -> Any | None:
    return extension_of(user, ENTERPRISE)


@dataclass(frozen=True)
class Attribute:
    """A single-valued attribute of the User, or of one of its extensions (`schema`)."""

    name: str  # the scim2-models attribute
    wire: str  # as RFC 7643 (or the extension's schema) spells it
    schema: str | None = None  # the extension's id; None: the core User

    def read(self, user: Any) -> Any:
        owner = user if self.schema is None else extension_of(user, self.schema)
        return None if owner is None else getattr(owner, self.name)

    def write(self, user: Any, value: Any) -> None:
        owner = user
        if self.schema is not None:
            owner = extension_of(user, self.schema)
            if owner is None:
                name = extension_field(type(user), self.schema)
                if value is not None and name is not None:
                    setattr(user, name, {self.name: value})  # validated into the provider's class
                return
        setattr(owner, self.name, value)

    @property
    def documented(self) -> str:
        return f"enterprise `{self.wire}`" if self.schema == ENTERPRISE else f"`{self.wire}`"


@dataclass(frozen=True)
class Item:
    """One key of the item of a given type in a multi-valued attribute (emails, ...)."""

    name: str
    wire: str
    of_type: str
    key: str
    primary: bool = False

    def read(self, user: Any) -> Any:
        found = [item for item in getattr(user, self.name) or [] if item.type == self.of_type]
        return getattr(found[0], self.key) if found else None

    def write(self, user: Any, value: Any) -> None:
        """Sets the key of the first item of the type (other items and keys are kept)."""
        items = list(getattr(user, self.name) or [])
        same = [item for item in items if item.type == self.of_type]
        if same:
            setattr(same[0], self.key, value)
        elif value is not None:
            items.append({"type": self.of_type, self.key: value, **({"primary": True} if self.primary else {})})
        setattr(user, self.name, items or None)

    @property
    def documented(self) -> str:
        primary = ", primary" if self.primary else ""
        return f"`{self.wire}` (type {self.of_type}{primary}) `{self.key}`"


@dataclass(frozen=True)
class Row:
    path: str  # the member field (`job.title`, `custom.level`)
    slot: Attribute | Item
    note: str = ""
    # A member id here, another user's SCIM id on the wire ({value: id}).
    reference: bool = False

    @property
    def field(self) -> str:
        """The member field as planner.context.MEMBER_FIELD_PATHS names it (custom fields are one)."""
        head, _, _ = self.path.partition(".")
        return head if head == "custom" else self.path


# The member fields a SCIM provider holds, and where (docs/scim.md shows this table).
MEMBER_ROWS = (
    Row("name", Attribute("display_name", "displayName"), note="and `name.formatted`"),
    Row("work_email", Item("emails", "emails", "work", "value", primary=True)),
    Row("business_email", Item("emails", "emails", "other", "value")),
    Row("phone", Item("phone_numbers", "phoneNumbers", "work", "value")),
    Row("employee_id", Attribute("employee_number", "employeeNumber", ENTERPRISE)),
    Row("department", Attribute("department", "department", ENTERPRISE), note="the department's id"),
    Row("job.title", Attribute("title", "title")),
    Row(
        "job.manager",
        Attribute("manager", "manager.value", ENTERPRISE),
        note="the manager's SCIM id",
        reference=True,
    ),
    Row("job.country", Item("addresses", "addresses", "work", "country")),
    Row("job.city", Item("addresses", "addresses", "work", "locality")),
)
# Beside the rows: the id (externalId, userName) and the status (`active`: suspended is
# false); the tenant's name is the enterprise `organization` the users name most. Custom
# fields add rows of their own, from the provider's extensions (appliers/scim/custom.py).
WITHOUT_ENTERPRISE = tuple(
    row for row in MEMBER_ROWS if not (isinstance(row.slot, Attribute) and row.slot.schema == ENTERPRISE)
)


@dataclass(frozen=True)
class Naming:
    """What a resource is known as in orgstate: its externalId, or, having none, this
    attribute (a User's userName, a Group's displayName)."""

    name: str  # the scim2-models attribute
    wire: str

    def identity(self, resource: Any) -> str:
        """Empty for a resource with neither, which no id matches (reading it is an error)."""
        return str(resource.external_id or getattr(resource, self.name) or "")


USER_NAMING = Naming("user_name", "userName")
GROUP_NAMING = Naming("display_name", "displayName")


Model = TypeVar("Model", bound=BaseModel)


def read_as(model: type[Model], fields: dict[str, Any], what: str) -> Model:
    """What the provider holds read as one of orgstate's models (a member, a group, a
    field definition); what it cannot be (an externalId that is no id, an email that is
    none) is one located error."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        located = f"{where}: " if where else ""  # a model's own check names no field
        raise TenantError(ErrorKind.INVALID, f"{what}: {located}{clip(problem['msg'])}") from None


def _value(fields: Mapping[str, Any], path: str) -> Any:
    head, _, rest = path.partition(".")
    value = fields.get(head)
    return (value or {}).get(rest) if rest else value


def overlay(user: Any, fields: Mapping[str, Any], scim_ids: Mapping[str, str], rows: Sequence[Row]) -> Any:
    """A copy of `user` (as read, or a new one) holding a member's fields (all of them, in
    JSON terms as a plan carries them) in the `rows` the provider holds, everything else
    kept as it was; `scim_ids`: member id -> SCIM id, for the manager."""
    updated = user.model_copy(deep=True)
    updated.external_id = updated.user_name = fields["id"]
    if updated.name is None:
        updated.name = {"formatted": fields["name"]}  # validated into the provider's class
    else:
        updated.name.formatted = fields["name"]
    for row in rows:
        value = _value(fields, row.path)
        if row.reference:
            value = {"value": scim_ids[value]} if value is not None and value in scim_ids else None
        row.slot.write(updated, value)
    return updated


def new_user(model: type[Any], fields: Mapping[str, Any], scim_ids: Mapping[str, str], rows: Sequence[Row]) -> Any:
    """The User (of the provider's `model`) to create for a member."""
    return overlay(model(user_name=fields["id"], active=True), fields, scim_ids, rows)


def member_of(user: Any, member_ids: Mapping[str, str], rows: Sequence[Row]) -> dict[str, Any]:
    """A User read from the provider -> configuration member fields plus `status`, from
    the `rows` the provider holds; `member_ids`: SCIM id -> member id, for the manager."""
    fields: dict[str, Any] = {"id": USER_NAMING.identity(user), "job": {}, "custom": {}}
    for row in rows:
        value = row.slot.read(user)
        if row.reference:
            value = member_ids.get(value.value) if value is not None and value.value else None
        if value is None:
            continue
        head, _, rest = row.path.partition(".")
        if rest:
            fields[head][rest] = value
        else:
            fields[head] = value
    if "name" not in fields:
        fields["name"] = (user.name.formatted if user.name else None) or fields["id"]
    fields["status"] = "suspended" if user.active is False else "active"
    return fields


def user_group_of(group: Group, member_ids: Mapping[str, str]) -> dict[str, Any]:
    """A Group read from the provider -> a user group; members that are not users
    orgstate knows (nested groups, unknown ids) are left out."""
    members = sorted(member_ids[m.value] for m in group.members or [] if m.value is not None and m.value in member_ids)
    return {"id": GROUP_NAMING.identity(group), "name": group.display_name, "members": members}

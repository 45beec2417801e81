"""The live tenant in the configuration's own terms (SPEC section 6).

`TenantState` is both the fixture that `orgstate local init --from` reads and the
snapshot a backend returns: the configuration language plus the facts only a live
tenant has (statuses, deletion dates, resources, the founder and the admins).
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import (
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)
from pydantic_core import (
    CoreSchema,
    ErrorDetails,
    ErrorType,
    InitErrorDetails,
    PydanticCustomError,
    SchemaValidator,
    core_schema,
)

from orgstate.model.config import (
    Department,
    FieldDef,
    InvitationPolicy,
    MemberFields,
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


class LiveMember(StrictModel):
    """A member as the tenant holds it: the member's own fields, which a configuration
    declares and a plan compares, beside what only the tenant knows. The seat held now
    and the live status (broader than the `active | suspended` a configuration can
    declare) are the tenant's, so they sit here and not in a `Member`.

    Fixtures and snapshots write a live member flat, as a configuration writes a member:
    a flat mapping is nested on the way in (its errors located as written) and a dump
    is flat again, key for key as it always was."""

    member: MemberFields
    status: LiveStatus = "active"
    seat: Id | None = None
    deleted_at: dt.date | None = None
    # How the seat was given; None when the backend cannot tell (a fixture derives it).
    seat_source: SeatSource | None = None
    resources: Resources = Resources()

    @property
    def id(self) -> str:
        return self.member.id

    @model_validator(mode="wrap")
    @classmethod
    def _nest(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        if not isinstance(data, dict) or "member" in data:
            return handler(data)
        own = {key: value for key, value in data.items() if not (key == RENAMED and value is None)}
        live = {key: own.pop(key) for key in LIVE_KEYS if key in own}
        try:
            return handler({"member": own, **live})
        except ValidationError as exc:
            raise ValidationError.from_exception_data(exc.title, [_flat_error(e) for e in exc.errors()]) from None

    @model_serializer(mode="wrap")
    def _flatten(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> dict[str, Any]:
        nested = handler(self)
        flat: dict[str, Any] = nested.pop("member", {})
        for key, value in nested.items():
            flat[key] = value
            if key == "seat" and not (info.exclude_defaults or info.exclude_none):
                # Where `LiveMember` once inherited it from `Member` (it is never live):
                # snapshots, and the digests that bind saved plans to them, stay as they were.
                flat[RENAMED] = None
        return flat


# What a live member holds beside the member's own fields.
LIVE_KEYS = tuple(name for name in LiveMember.model_fields if name != "member")
# The configuration's rename directive: never live, so read only as null.
RENAMED = "renamed_from"


def _inside_nest(schema: CoreSchema) -> CoreSchema:
    """`LiveMember`'s own schema, without `_nest` wrapped around it."""
    if schema["type"] != "function-wrap":
        raise TypeError(f"LiveMember's schema is {schema['type']!r}, not `_nest` around the model")
    model: CoreSchema = schema["schema"]
    return model


# Live members already nested (as the tenant's snapshot query writes them), validated
# without `_nest`: a Python validator is handed each member's JSON built as Python
# objects first, where pydantic's cache of repeated strings does not reach (54 MB more
# at 100,000 members).
NESTED_LIVE_MEMBERS = SchemaValidator(
    core_schema.tuple_schema([_inside_nest(LiveMember.__pydantic_core_schema__)], variadic_item_index=0)
)


def _flat_error(error: ErrorDetails) -> InitErrorDetails:
    """A nested member's error, located where the flat mapping wrote the field."""
    loc = error["loc"][1:] if error["loc"][:1] == ("member",) else error["loc"]
    if error["type"] not in KNOWN_ERROR_TYPES:  # one of orgstate's own (PydanticCustomError)
        return InitErrorDetails(type=PydanticCustomError(error["type"], error["msg"]), loc=loc, input=error["input"])
    details = InitErrorDetails(type=error["type"], loc=loc, input=error["input"])
    if "ctx" in error:
        details["ctx"] = error["ctx"]
    return details


KNOWN_ERROR_TYPES = frozenset(typing.get_args(ErrorType))


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
    # Address -> the provider's version of that object (a SCIM `meta.version`, an ETag), where
    # it gives one: a fingerprint includes it, so a change to anything the object holds
    # makes a plan stale. Only a provider's read sets it; a fixture has none.
    _versions: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def versions(self) -> Mapping[str, str]:
        return self._versions

    def with_versions(self, versions: Mapping[str, str]) -> Self:
        state = self.model_copy()
        state._versions = dict(versions)
        return state

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

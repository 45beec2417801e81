"""What a SCIM service provider says it can do (RFC 7643 section 5: ServiceProviderConfig,
ResourceTypes, Schemas), read once, and what that means for orgstate: which parts of an
organization it cannot hold (planner.context.UNHELD) and how changes are written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orgstate.appliers.scim.client import ScimApi
from orgstate.appliers.scim.custom import custom_fields
from orgstate.appliers.scim.mapping import ENTERPRISE, MEMBER_ROWS, WITHOUT_ENTERPRISE, Row
from orgstate.errors import ErrorKind, TenantError
from orgstate.model.config import FieldDef
from orgstate.planner.context import MEMBER_FIELD_PATHS, member_field

# What no SCIM provider holds: departments as objects, subscriptions and seats, a group's
# description (RFC 7643's Group has none).
NEVER_HELD = frozenset({"departments", "seats", "group_description"})


@dataclass(frozen=True)
class Discovery:
    patch: bool  # PATCH (RFC 7644 3.5.2), else only PUT
    filter: bool  # filter=externalId eq "..." (3.4.2.2)
    etag: bool  # meta.version and If-Match (3.14)
    bulk: bool  # /Bulk (3.7); orgstate sends none: each change is its own, journaled request
    enterprise: bool  # the enterprise extension on User
    max_results: int | None  # most resources a list answers with
    user_model: type[Any]  # the provider's User, with the extensions it names (scim2-models)
    fields: tuple[FieldDef, ...]  # the custom fields its own User extensions hold
    rows: tuple[Row, ...]  # where each member field it holds lives (appliers/scim/mapping.py)

    @property
    def unheld(self) -> frozenset[str]:
        """What the provider cannot hold, as planner.context.UNHELD names it."""
        held = {row.field for row in self.rows}
        return NEVER_HELD | {member_field(path) for path in MEMBER_FIELD_PATHS if path not in held}


def discover(api: ScimApi) -> Discovery:
    """Read the provider's service description; a provider without Users or Groups is refused."""
    api.call("reading the service description", api.scim.discover)
    provider = api.scim.provider
    config = provider.config
    types = {resource.name: resource for resource in provider.resource_types}
    missing = [name for name in ("User", "Group") if name not in types]
    if missing:
        raise TenantError(
            ErrorKind.INVALID, f"the SCIM provider serves no {' and no '.join(missing)} resources (ResourceTypes)"
        )
    extensions = [str(e.schema_) for e in types["User"].schema_extensions or []]
    user_model = provider.model_for("User")
    if user_model is None:
        raise TenantError(ErrorKind.INVALID, "the SCIM provider describes no model for its User resource")
    enterprise = ENTERPRISE in extensions
    schemas = {str(schema.id): schema for schema in provider.schemas or [] if schema.id}
    fields, custom_rows = custom_fields(user_model, extensions, schemas)

    def supported(feature: object) -> bool:
        return bool(getattr(feature, "supported", False))

    return Discovery(
        patch=config is not None and supported(config.patch),
        filter=config is not None and supported(config.filter),
        etag=config is not None and supported(config.etag),
        bulk=config is not None and supported(config.bulk),
        enterprise=enterprise,
        max_results=config.filter.max_results if config is not None and config.filter is not None else None,
        user_model=user_model,
        fields=fields,
        rows=(MEMBER_ROWS if enterprise else WITHOUT_ENTERPRISE) + custom_rows,
    )

"""The `scim` backend: any SCIM 2.0 service provider (RFC 7643, 7644), its Users and
Groups read as the configuration's members and user groups (appliers/scim/mapping.py).

Discovery comes first: what the provider says it can do decides what it cannot hold
(departments as objects, seats, the fields no mapping row names), which plans and drift
leave out and say so once (planner.holdings). A SCIM provider lists no deleted users,
no admins, no resources and no login methods: the capabilities it lacks
(planner.context.CAPABILITIES) say what that means for a plan."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from scim2_models import EnterpriseUser, Group, PatchOp, PatchOperation

from orgstate.appliers.base import Outcome, each
from orgstate.appliers.environment import environment_number
from orgstate.appliers.scim.changes import HANDLERS, VERIFIERS
from orgstate.appliers.scim.client import ScimApi, read_token
from orgstate.appliers.scim.discovery import Discovery, discover
from orgstate.appliers.scim.estimate import estimate_apply
from orgstate.appliers.scim.mapping import (
    GROUP_NAMING,
    NO_DEPARTMENT,
    USER_NAMING,
    Naming,
    enterprise_of,
    member_of,
    read_as,
    user_group_of,
)
from orgstate.diagnostics import clip
from orgstate.errors import TenantError, UsageError
from orgstate.model.config import Department, UserGroup
from orgstate.model.live import LiveMember, TenantInfo, TenantState
from orgstate.planner.changes import Address, Change
from orgstate.planner.plan import Estimate, Plan
from orgstate.progress import SILENT, Progress

RATE_ENV = "SCIM_RATE"  # requests a second, at most (unset: as fast as the provider answers)
PAGE_SIZE_ENV = "SCIM_PAGE_SIZE"  # resources asked for per page (count)
TIMEOUT_ENV = "SCIM_TIMEOUT"  # seconds to wait for one answer
MAX_ATTEMPTS_ENV = "SCIM_MAX_ATTEMPTS"  # tries per request
PAGE_SIZE = 100


def _versions(kind: str, objects: Sequence[LiveMember | UserGroup], resources: Sequence[Any]) -> dict[str, str]:
    """Address -> the provider's version (meta.version), of the objects read with one."""
    return {
        str(Address.of(kind, read.id)): resource.meta.version
        for read, resource in zip(objects, resources, strict=True)
        if resource.meta is not None and resource.meta.version
    }


class ScimBackend:
    # A SCIM provider has none of the capabilities beyond the basics: no deleted users to
    # restore, no admins, no login method, no resources, no seats of groups, no renames.
    capabilities: frozenset[str] = frozenset()

    def __init__(self, base_url: str, progress: Progress = SILENT) -> None:
        self.base_url = base_url.rstrip("/")
        self.rate = environment_number(RATE_ENV, 0.0, float) or None
        self.page_size = environment_number(PAGE_SIZE_ENV, PAGE_SIZE, int)
        self.api = ScimApi(
            self.base_url,
            read_token(),
            rate=self.rate,
            attempts=environment_number(MAX_ATTEMPTS_ENV, 6, int),
            timeout=environment_number(TIMEOUT_ENV, 10.0, float),
            progress=progress,
        )
        self.progress = progress
        self.snapshot_digest: str | None = None
        self._discovery: Discovery | None = None

    @property
    def discovery(self) -> Discovery:
        if self._discovery is None:
            self._discovery = discover(self.api)
        return self._discovery

    def user_model(self) -> type[Any]:
        return self.discovery.user_model

    @property
    def unheld(self) -> frozenset[str]:
        return self.discovery.unheld

    @property
    def name(self) -> str:
        return f"scim:{self.base_url}"

    @property
    def tenant_id(self) -> str:
        return f"scim:{self.base_url.lower()}"

    def close(self) -> None:
        self.api.close()

    # -- reading ------------------------------------------------------------------------

    def read_snapshot(self) -> TenantState:
        user_model = self.user_model()
        with self.progress.phase("Reading the SCIM provider") as phase:
            users = self.api.list_all(user_model, "users", self.page_size)
            groups = self.api.list_all(Group, "groups", self.page_size)
            phase.result(f"{len(users)} users, {len(groups)} groups")
        member_ids = {u.id: USER_NAMING.identity(u) for u in users if u.id}
        members = [self._member(user, member_ids) for user in users]
        user_groups = [self._group(g, member_ids) for g in groups]
        departments = sorted({m.member.department for m in members})
        state = TenantState(
            tenant=TenantInfo(name=self._organization(users)),
            fields=self.discovery.fields,
            departments=tuple(Department(id=d, name=d) for d in departments),
            user_groups=tuple(user_groups),
            members=tuple(sorted(members, key=lambda m: m.id)),
        )
        return state.with_versions(
            {**_versions("member", members, users), **_versions("user_group", user_groups, groups)}
        )

    def _member(self, user: Any, member_ids: dict[str, str]) -> LiveMember:
        fields = {"department": NO_DEPARTMENT, **member_of(user, member_ids, self.discovery.rows)}
        return read_as(LiveMember, fields, f"SCIM user '{clip(str(user.user_name or user.id), 64)}'")

    @staticmethod
    def _group(group: Group, member_ids: dict[str, str]) -> UserGroup:
        what = f"SCIM group '{clip(str(group.display_name or group.id), 64)}'"
        return read_as(UserGroup, user_group_of(group, member_ids), what)

    def _organization(self, users: list[Any]) -> str:
        """The organization the users name most (enterprise `organization`), else the host."""
        names: dict[str, int] = {}
        for user in users:
            extension = enterprise_of(user)
            if extension is not None and extension.organization:
                names[extension.organization] = names.get(extension.organization, 0) + 1
        if names:
            return max(sorted(names), key=names.__getitem__)[:100]
        return urlsplit(self.base_url).hostname or self.base_url

    # -- applying -----------------------------------------------------------------------

    def estimate(self, plan: Plan, snapshot: TenantState) -> Estimate:
        return estimate_apply(plan, snapshot, self.discovery, self.page_size, self.rate)

    def prepare(self, plan: Plan) -> None:
        return None

    def apply(self, change: Change) -> Outcome:
        return HANDLERS.run(self, change)

    def apply_many(self, changes: list[Change]) -> list[Outcome | TenantError]:
        return each(self.apply, changes)

    def verify(self, change: Change) -> str | None:
        """Re-read the change's target: None when it holds all the change promised."""
        return VERIFIERS.run(self, change)

    # -- one object, re-read ------------------------------------------------------------

    def _find(self, model: type[Any], naming: Naming, object_id: str, what: str) -> Any | None:
        """The resource known as `object_id` (its externalId, or, having none, its name: as
        read_snapshot names it), by filter where the provider has one. Ids match
        model.types.ID_PATTERN: nothing to escape in the filter."""
        query = f'externalId eq "{object_id}" or {naming.wire} eq "{object_id}"' if self.discovery.filter else None
        found = self.api.list_all(model, what, self.page_size, query=query)
        # A name matched without regard to case, or one of a resource with another externalId, is not it.
        return next((resource for resource in found if naming.identity(resource) == object_id), None)

    def find_user(self, member_id: str) -> Any | None:
        return self._find(self.user_model(), USER_NAMING, member_id, f"the user '{member_id}'")

    def find_group(self, group_id: str) -> Group | None:
        found: Group | None = self._find(Group, GROUP_NAMING, group_id, f"the group '{group_id}'")
        return found

    def scim_ids(self, member_ids: list[str | None]) -> dict[str, str]:
        """Member id -> SCIM id, for those of `member_ids` the provider has."""
        found = {}
        for member_id in filter(None, member_ids):
            user = self.find_user(member_id)
            if user is not None and user.id:
                found[member_id] = user.id
        return found

    def member_fields(self, user: Any) -> dict[str, Any]:
        """A user's member fields in JSON terms, its manager looked up by SCIM id."""
        manager = (enterprise_of(user) or EnterpriseUser()).manager
        member_ids = {}
        if manager is not None and manager.value:
            boss: Any = self.api.call("reading a manager", self.api.scim.query, self.user_model(), manager.value)
            member_ids[manager.value] = USER_NAMING.identity(boss)
        fields: dict[str, Any] = self._member(user, member_ids).member.model_dump(mode="json")
        return fields

    def set_active(self, user: Any, active: bool, what: str) -> None:
        """PATCH `active` where the provider takes PATCH, else PUT the user with it (If-Match
        its version, where the provider gives ETags)."""
        if self.discovery.patch:
            model = self.user_model()
            operation: PatchOperation[Any] = PatchOperation(op="replace", path="active", value=active)
            self.api.call(what, self.api.scim.modify, user, PatchOp[model](operations=[operation]))  # type: ignore[valid-type]
        else:
            self.api.call(what, self.api.scim.replace, user.model_copy(update={"active": active}))

    def take_passwords(self) -> dict[str, str]:
        return {}

    def reset_password(self, member_id: str, send: str | None = None) -> str:
        raise UsageError("the scim backend cannot reset passwords: the identity provider owns them")

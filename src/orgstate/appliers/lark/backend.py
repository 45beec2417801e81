"""The `lark` backend: a snapshot read page by page (in parallel where the order
allows), and each change mapped to Open API calls.

What the Open API cannot do shapes it: seats go member by member through
`subscription_ids` (no call sets a user group's seat); a leaving member's resources
go with the delete call's acceptors, so a `resources.transfer` change is carried out
by the `member.delete` that follows it; deleted members and the founder and admins
are not listed, so restores and admin checks fall to the service itself."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from orgstate.appliers.base import Outcome, each
from orgstate.appliers.lark.client import LarkApi, kind_for
from orgstate.appliers.lark.mapping import (
    QUERY,
    ROOT,
    day,
    department_body,
    department_fields,
    field_definition,
    member_fields,
    user_body,
)
from orgstate.appliers.local.backend import client_token
from orgstate.errors import ErrorKind, TenantError, UsageError
from orgstate.model.config import Department, FieldDef, Plan, UserGroup
from orgstate.model.live import LiveMember, LiveOrg, TenantInfo, TenantState
from orgstate.planner.changes import (
    BaseChange,
    Change,
    DepartmentCreate,
    DepartmentDelete,
    DepartmentUpdate,
    GroupMemberAdd,
    GroupMemberRemove,
    MemberCreate,
    MemberDelete,
    MemberRestore,
    MemberResume,
    MemberSuspend,
    MemberUpdate,
    ResourcesTransfer,
    SeatAssign,
    SeatRelease,
    UserGroupCreate,
    UserGroupDelete,
    UserGroupUpdate,
    data,
)
from orgstate.planner.plan import Plan as ChangePlan
from orgstate.tenant.credentials import generate_password

PAGE = {"page_size": 50}
ACCEPTORS = {
    "docs": "docs_acceptor_user_id",
    "calendar": "calendar_acceptor_user_id",
    "apps": "application_acceptor_user_id",
    "minutes": "minutes_acceptor_user_id",
    "surveys": "survey_acceptor_user_id",
    "department_groups": "department_chat_acceptor_user_id",
    "external_groups": "external_chat_acceptor_user_id",
}
EDITIONS = ("enterprise", "pro", "basic", "starter")
READERS = 8
ALREADY_MEMBER = 42005


def edition_of(key: str) -> str:
    return next((edition for edition in EDITIONS if edition in key.lower()), "pro")


class LarkBackend:
    def __init__(
        self, domain: str, app_id: str | None = None, app_secret: str | None = None, api: LarkApi | None = None
    ) -> None:
        app_id = app_id or os.environ.get("LARK_APP_ID")
        app_secret = app_secret or os.environ.get("LARK_APP_SECRET")
        if api is None and (not app_id or not app_secret):
            raise UsageError("the lark backend needs LARK_APP_ID and LARK_APP_SECRET in the environment")
        self.domain = domain
        timeout = float(os.environ.get("LARK_TIMEOUT", "10"))
        self.api = api or LarkApi(domain, app_id or "", app_secret or "", timeout=timeout)
        self.snapshot_digest: str | None = None
        self.transfers: dict[str, ResourcesTransfer] = {}
        self.results: dict[str, Any] = {}
        self._attrs: list[dict[str, Any]] | None = None

    @property
    def attr_types(self) -> dict[str, str]:
        """Custom field id -> its Open API type (TEXT, HREF, ENUMERATION)."""
        return {attr["id"]: attr.get("type", "TEXT") for attr in self._custom_attrs()}

    def _custom_attrs(self) -> list[dict[str, Any]]:
        if self._attrs is None:
            self._attrs = self.api.pages("/open-apis/contact/v3/custom_attrs", {"page_size": 100})
        return self._attrs

    @property
    def name(self) -> str:
        return f"lark:{self.domain}"

    @property
    def tenant_id(self) -> str:
        return f"lark:{self.domain.rstrip('/')}#{self.api.app_id}"

    capabilities: frozenset[str] = frozenset()  # no group seats; no deleted members or admins listed

    def close(self) -> None:
        return None

    # -- reading -----------------------------------------------------------------------

    def read_snapshot(self) -> TenantState:
        departments = self.api.pages(
            f"/open-apis/contact/v3/departments/{ROOT}/children", {**QUERY, **PAGE, "fetch_child": "true"}
        )
        with ThreadPoolExecutor(READERS) as pool:
            # Every list but the departments' goes at once: each endpoint has limits of its own.
            user_pages = [pool.submit(self._users_in, d) for d in [ROOT, *(d["department_id"] for d in departments)]]
            groups_future = pool.submit(self._groups, pool)
            resources_future = pool.submit(self._resources)
            seats_future = pool.submit(self.api.call, "GET", "/open-apis/tenant/v2/tenant/assign_info_list/query")
            attrs_future = pool.submit(self._custom_attrs)
            users: dict[str, dict[str, Any]] = {}
            for page in user_pages:
                for user in page.result():
                    users.setdefault(user["user_id"], user)
            groups = groups_future.result()
            resources = resources_future.result()
            seat_rows = seats_future.result().get("assign_info_list") or []
            attrs = attrs_future.result()
        members = tuple(
            LiveMember.model_validate({**member_fields(user), "resources": resources.get(user_id, {})})
            for user_id, user in users.items()  # the service's order: "first member" defaults read it
        )
        state = TenantState(
            tenant=TenantInfo(name="Lark tenant"),
            org=LiveOrg(plans=tuple(self._plans(users.values(), seat_rows))),
            fields=tuple(FieldDef.model_validate(field_definition(attr)) for attr in attrs),
            departments=tuple(Department.model_validate(department_fields(d)) for d in departments),
            user_groups=tuple(groups),
            members=members,
        )
        self.snapshot_digest = "sha256:" + hashlib.sha256(state.model_dump_json().encode()).hexdigest()
        return state

    def _groups(self, pool: ThreadPoolExecutor) -> list[UserGroup]:
        groups = self.api.pages("/open-apis/contact/v3/group/simplelist", {"page_size": 100}, "grouplist")
        members = [pool.submit(self._group_members, g["id"]) for g in groups]
        return [
            UserGroup(id=g["id"], name=g["name"], description=g.get("description") or "", members=tuple(m.result()))
            for g, m in zip(groups, members, strict=True)
        ]

    def _users_in(self, department_id: str) -> list[dict[str, Any]]:
        return self.api.pages(
            "/open-apis/contact/v3/users/find_by_department", {**QUERY, **PAGE, "department_id": department_id}
        )

    def _group_members(self, group_id: str) -> list[str]:
        items = self.api.pages(
            f"/open-apis/contact/v3/group/{group_id}/member/simplelist",
            {"page_size": 100, "member_id_type": "user_id"},
            "memberlist",
        )
        return [item["member_id"] for item in items]

    def _resources(self) -> dict[str, dict[str, int]]:
        """What members own. Lark's API does not say; the emulator answers an extension
        call, and a real tenant gives no counts (transfers then follow the defaults)."""
        try:
            items = self.api.pages("/open-apis/orgstate-emulator/v1/resources", {"page_size": 500})
        except TenantError:
            return {}
        return {item["user_id"]: item["resources"] for item in items}

    @staticmethod
    def _plans(users: Any, rows: list[dict[str, Any]]) -> Iterator[Plan]:
        """Plans from each user's assign_info, sized by assign_info_list; a plan missing from
        that list has no free seats, so it holds exactly its assigned seats."""
        listed = {row["subscription_id"]: row for row in rows}
        held: dict[str, dict[str, Any]] = {}
        counts: dict[str, int] = {}
        for user in users:
            for info in user.get("assign_info") or []:
                held.setdefault(info["subscription_id"], info)
                counts[info["subscription_id"]] = counts.get(info["subscription_id"], 0) + 1
        for plan_id in sorted({*listed, *held}):
            row = listed.get(plan_id) or held[plan_id]
            seats = int(listed[plan_id]["total_seats"]) if plan_id in listed else counts.get(plan_id, 0)
            yield Plan.model_validate(
                {
                    "id": plan_id,
                    "edition": edition_of(str(row.get("license_plan_key") or row.get("product_name") or "")),
                    "seats": seats,
                    "starts": _date(row.get("start_time")),
                    "expires": _date(row.get("end_time")),
                }
            )

    # -- applying ------------------------------------------------------------------------

    def prepare(self, plan: ChangePlan) -> None:
        """Remember each leaver's transfer change: it travels with the delete call."""
        self.transfers = {c.key: c for c in plan.changes if isinstance(c, ResourcesTransfer)}

    def apply(self, change: Change) -> Outcome:
        return HANDLERS[type(change)](self, change)

    def verify(self, change: Change) -> str | None:
        """Checked against what the write call answered (no second read within the limits)."""
        answer = self.results.pop(change.id, None)
        if answer is None or not isinstance(change, MemberCreate | MemberUpdate):
            return None
        got = member_fields(answer)
        wanted = {k: v for k, v in data(change.after).items() if k in ("name", "department", "work_email", "phone")}
        differing = sorted(k for k, v in wanted.items() if got.get(k) != v)
        return f"{change.address} differs in {', '.join(differing)}" if differing else None

    def take_passwords(self) -> dict[str, str]:
        return {}

    def reset_password(self, member_id: str) -> str:
        password = generate_password()
        self.api.call(
            "POST",
            "/open-apis/admin/v1/password/reset",
            body={"user_id": member_id, "password": {"ent_email_password": password}},
        )
        return password

    def _user(self, member_id: str) -> dict[str, Any] | None:
        try:
            return self.api.call("GET", f"/open-apis/contact/v3/users/{member_id}", QUERY).get("user")
        except TenantError as exc:
            if exc.kind is ErrorKind.NOT_FOUND:
                return None
            raise

    def _delete(self, path: str, query: dict[str, Any] | None = None, body: dict[str, Any] | None = None) -> Outcome:
        """A DELETE that already happened (the object is gone) is unchanged, not an error."""
        try:
            self.api.call("DELETE", path, query, body)
        except TenantError as exc:
            if exc.kind is ErrorKind.NOT_FOUND:
                return Outcome.UNCHANGED
            raise
        return Outcome.DELETED

    def _freeze(self, member_id: str, frozen: bool) -> Outcome:
        user = self._user(member_id)
        if user is not None and bool((user.get("status") or {}).get("is_frozen")) == frozen:
            return Outcome.UNCHANGED
        self.api.call("PATCH", f"/open-apis/contact/v3/users/{member_id}", QUERY, {"status": {"is_frozen": frozen}})
        return Outcome.UPDATED

    def _members(self, changes: list[Change]) -> list[Outcome | TenantError]:
        """Group-member changes of one group and action as one batch_add / batch_remove call
        (1 to 100 members); each member's own result code decides its outcome."""
        first = changes[0]
        group = first.target.ids[0]
        members = [c.target.ids[1] for c in changes]
        adding = isinstance(first, GroupMemberAdd)
        verb = "batch_add" if adding else "batch_remove"
        data = self.api.call(
            "POST",
            f"/open-apis/contact/v3/group/{group}/member/{verb}",
            None,
            {"members": [{"member_id": m, "member_type": "user", "member_id_type": "user_id"} for m in members]},
        )
        codes = {r.get("member_id"): int(r.get("code") or 0) for r in data.get("results") or []}
        outcomes: list[Outcome | TenantError] = []
        for member in members:
            code = codes.get(member, 0)
            if code == 0:
                outcomes.append(Outcome.CREATED if adding else Outcome.DELETED)
            elif code == ALREADY_MEMBER:
                outcomes.append(Outcome.UNCHANGED)
            else:
                outcomes.append(TenantError(kind_for(code), f"{verb} of {member} to {group} was refused", code))
        return outcomes

    def apply_many(self, changes: list[Change]) -> list[Outcome | TenantError]:
        if isinstance(changes[0], GroupMemberAdd | GroupMemberRemove):
            try:
                return self._members(changes)
            except TenantError as exc:
                return [exc] * len(changes)
        return each(self.apply, changes)


Handler = Callable[[LarkBackend, Any], Outcome]
HANDLERS: dict[type[BaseChange], Handler] = {}


def handles(*classes: type[BaseChange]) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS.update(dict.fromkeys(classes, handler))
        return handler

    return register


@handles(DepartmentCreate)
def _department_create(backend: LarkBackend, change: DepartmentCreate) -> Outcome:
    answer = backend.api.call(
        "POST",
        "/open-apis/contact/v3/departments",
        {**QUERY, "client_token": client_token(change)},
        department_body(change.after.model_dump(mode="json")),
    )
    backend.results[change.id] = answer.get("department")
    return Outcome.CREATED


@handles(DepartmentUpdate)
def _department_update(backend: LarkBackend, change: DepartmentUpdate) -> Outcome:
    backend.api.call(
        "PATCH", f"/open-apis/contact/v3/departments/{change.key}", QUERY, department_body(data(change.after))
    )
    return Outcome.UPDATED


@handles(DepartmentDelete)
def _department_delete(backend: LarkBackend, change: DepartmentDelete) -> Outcome:
    return backend._delete(f"/open-apis/contact/v3/departments/{change.key}", QUERY)


@handles(MemberCreate)
def _member_create(backend: LarkBackend, change: MemberCreate) -> Outcome:
    body = {**user_body(change.after.model_dump(mode="json"), backend.attr_types), "subscription_ids": []}
    answer = backend.api.call(
        "POST", "/open-apis/contact/v3/users", {**QUERY, "client_token": client_token(change)}, body
    )
    backend.results[change.id] = answer.get("user")
    return Outcome.CREATED


@handles(MemberUpdate)
def _member_update(backend: LarkBackend, change: MemberUpdate) -> Outcome:
    after = data(change.after)
    if "departments" in after and "department" not in after:
        current = backend._user(change.key)
        after["department"] = member_fields(current or {"user_id": change.key, "name": ""}).get("department")
    if "department" in after and "departments" not in after:
        current = backend._user(change.key)
        after["departments"] = member_fields(current or {"user_id": change.key, "name": ""}).get("departments", [])
    answer = backend.api.call(
        "PATCH", f"/open-apis/contact/v3/users/{change.key}", QUERY, user_body(after, backend.attr_types)
    )
    backend.results[change.id] = answer.get("user")
    return Outcome.UPDATED


@handles(MemberSuspend, MemberResume)
def _member_status(backend: LarkBackend, change: MemberSuspend | MemberResume) -> Outcome:
    return backend._freeze(change.key, isinstance(change, MemberSuspend))


@handles(MemberDelete)
def _member_delete(backend: LarkBackend, change: MemberDelete) -> Outcome:
    body: dict[str, Any] = {}
    transfer = backend.transfers.get(change.key)
    for resource, item in (transfer.after if transfer else {}).items():
        if resource in ACCEPTORS and item.to:
            body[ACCEPTORS[resource]] = item.to
        if resource == "mail":
            action = {"transferred": "1", "copied": "1", "retained": "2", "deleted": "3"}.get(item.outcome, "2")
            body["email_acceptor"] = {"processing_type": action, **({"acceptor_user_id": item.to} if item.to else {})}
    return backend._delete(f"/open-apis/contact/v3/users/{change.key}", QUERY, body)


@handles(MemberRestore)
def _member_restore(backend: LarkBackend, change: MemberRestore) -> Outcome:
    place = change.after
    backend.api.call(
        "POST",
        f"/open-apis/contact/v3/users/{change.key}/resurrect",
        QUERY,
        {"departments": [{"department_id": d} for d in (place.department, *place.departments)], "subscription_ids": []},
    )
    return Outcome.CREATED


@handles(ResourcesTransfer)
def _resources_transfer(backend: LarkBackend, change: ResourcesTransfer) -> Outcome:
    return Outcome.UNCHANGED  # carried out by the member.delete that follows (acceptors)


@handles(UserGroupCreate)
def _user_group_create(backend: LarkBackend, change: UserGroupCreate) -> Outcome:
    group = change.after
    backend.api.call(
        "POST",
        "/open-apis/contact/v3/group",
        None,
        {"group_id": group.id, "name": group.name, "description": group.description, "type": 1},
    )
    return Outcome.CREATED


@handles(UserGroupUpdate)
def _user_group_update(backend: LarkBackend, change: UserGroupUpdate) -> Outcome:
    body = {k: v for k, v in data(change.after).items() if k in ("name", "description")}
    if not body:
        return Outcome.UNCHANGED
    backend.api.call("PATCH", f"/open-apis/contact/v3/group/{change.key}", None, body)
    return Outcome.UPDATED


@handles(UserGroupDelete)
def _user_group_delete(backend: LarkBackend, change: UserGroupDelete) -> Outcome:
    return backend._delete(f"/open-apis/contact/v3/group/{change.key}")


@handles(GroupMemberAdd, GroupMemberRemove)
def _group_member(backend: LarkBackend, change: GroupMemberAdd | GroupMemberRemove) -> Outcome:
    [outcome] = backend._members([change])
    if isinstance(outcome, TenantError):
        raise outcome
    return outcome


@handles(SeatAssign)
def _seat_assign(backend: LarkBackend, change: SeatAssign) -> Outcome:
    body = {"subscription_ids": [change.after.plan]}
    backend.api.call("PATCH", f"/open-apis/contact/v3/users/{change.key}", QUERY, body)
    return Outcome.CREATED


@handles(SeatRelease)
def _seat_release(backend: LarkBackend, change: SeatRelease) -> Outcome:
    backend.api.call("PATCH", f"/open-apis/contact/v3/users/{change.key}", QUERY, {"subscription_ids": []})
    return Outcome.DELETED


def _date(value: Any) -> str:
    return day(value) or "1970-01-01"

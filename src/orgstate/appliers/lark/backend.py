"""The `lark` backend: a snapshot read page by page (in parallel where the order
allows), and each change mapped to Open API calls, then checked by reading it back.

What the Open API cannot do shapes it (docs/lark.md section 6; plans say it in
BACKEND-CAPABILITY diagnostics): seats go member by member through `subscription_ids`
(no call sets a user group's seat); a leaving member's resources go with the delete
call's acceptors, so a `resources.transfer` change is carried out by the
`member.delete` that follows it; deleted members are not listed, so the backend looks
up the declared members it does not find (GET /users/:user_id answers for a deleted
user too, without a date); the founder and admins are not listed either.

Every handler re-reads what it must know first (user group creates carry no
idempotency key on Lark); every verifier re-reads its target through the API and
checks everything the change promised, never a write's answer."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from orgstate.appliers.base import Outcome, each
from orgstate.appliers.environment import environment_number
from orgstate.appliers.lark.client import LarkApi
from orgstate.appliers.lark.estimate import estimate_apply, gets_initial_password, reads_member_first
from orgstate.appliers.lark.mapping import (
    GROUP_PATCHED,
    QUERY,
    ROOT,
    day,
    department_body,
    department_fields,
    field_definition,
    member_fields,
    user_body,
)
from orgstate.appliers.local.backend import client_token, differing
from orgstate.appliers.registry import Registry
from orgstate.errors import ErrorKind, TenantError, UsageError
from orgstate.lark.codes import LarkCode, kind_for
from orgstate.lark.editions import EDITION_RANK
from orgstate.lark.endpoints import (
    CUSTOM_ATTRS_PAGE_MAX,
    DEPARTMENTS_PAGE_MAX,
    GROUP_MEMBERS_PAGE_MAX,
    GROUPS_PAGE_MAX,
    RESOURCES_PAGE_MAX,
    USERS_BATCH_MAX,
    USERS_PAGE_MAX,
    api_path,
)
from orgstate.lark.fields import ACCEPTORS, MAIL_PROCESSING_TYPES, mobile_of
from orgstate.lark.passwords import generate_password
from orgstate.lark.transfers import TRANSFER_KINDS
from orgstate.model.config import Department, FieldDef, Subscription, UserGroup
from orgstate.model.live import LiveMember, LiveOrg, TenantInfo, TenantState
from orgstate.model.types import MailAction
from orgstate.planner.changes import (
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
from orgstate.planner.context import recipient
from orgstate.planner.plan import Estimate, Plan
from orgstate.progress import SILENT, Phase, Progress, counted

# A mail outcome -> the mail action that carries it out.
MAIL_OUTCOMES: dict[str, MailAction] = {
    "transferred": "transfer",
    "copied": "transfer",
    "retained": "keep",
    "deleted": "delete",
}
# Defaults a plan cannot predict through this backend: help desks go to the organization
# administrator, whom the Open API does not name (the plan shows them retained).
UNPREDICTED_DEFAULTS = frozenset({"helpdesks"})
# What the backend can do beyond the basics: send a leaver's resources of the types the
# delete call takes an acceptor for (and mail) to a named recipient; when the emulator's
# extensions answer, also read what members own and set how they log in.
OWN = frozenset(recipient(kind) for kind in (*ACCEPTORS, "mail"))
WITH_EXTENSIONS = OWN | {"resource_counts", "login_method"}
# Best first: a plan key naming an edition names the best one it mentions.
EDITIONS = sorted(EDITION_RANK, key=EDITION_RANK.__getitem__, reverse=True)
READERS = 8


def edition_of(key: str) -> str:
    return next((edition for edition in EDITIONS if edition in key.lower()), "pro")


def is_resigned(user: dict[str, Any]) -> bool:
    return bool((user.get("status") or {}).get("is_resigned"))


def member_view(user: dict[str, Any]) -> LiveMember:
    """A user object as a live member (the configuration's fields, status and seat)."""
    return LiveMember.model_validate(member_fields(user))


TIMEOUT_ENV = "LARK_TIMEOUT"  # seconds to wait for one answer
MAX_ATTEMPTS_ENV = "LARK_MAX_ATTEMPTS"  # tries per call


class LarkBackend:
    # The lark backend's own (a real tenant). Against the emulator, whose extension calls
    # answer, an instance gains WITH_EXTENSIONS once it has read a snapshot.
    capabilities: frozenset[str] = OWN
    unheld: frozenset[str] = frozenset()

    def __init__(
        self,
        domain: str,
        app_id: str | None = None,
        app_secret: str | None = None,
        api: LarkApi | None = None,
        progress: Progress = SILENT,
    ) -> None:
        app_id = app_id or os.environ.get("LARK_APP_ID")
        app_secret = app_secret or os.environ.get("LARK_APP_SECRET")
        if api is None and (not app_id or not app_secret):
            raise UsageError("the lark backend needs LARK_APP_ID and LARK_APP_SECRET in the environment")
        self.domain = domain
        self.api = api or LarkApi(
            domain,
            app_id or "",
            app_secret or "",
            timeout=environment_number(TIMEOUT_ENV, 10.0, float),
            attempts=environment_number(MAX_ATTEMPTS_ENV, 8, int),
            progress=progress,
        )
        self.progress = progress
        self.reading = Phase()  # the snapshot read under way, told of each page
        self.snapshot_digest: str | None = None
        self.transfers: dict[str, ResourcesTransfer] = {}
        # Member ids to look up when not listed: the deleted ones among them go in snapshots.
        self.expected: set[str] = set()
        self._passwords: dict[str, str] = {}
        self._attrs: list[dict[str, Any]] | None = None
        self._extended: bool | None = None  # do the emulator's extension calls answer?
        # Group member lists read since the last write (verifying a batch reads each once).
        self._group_members: dict[str, frozenset[str] | None] = {}

    @property
    def attr_types(self) -> dict[str, str]:
        """Custom field id -> its Open API type (TEXT, HREF, ENUMERATION)."""
        return {attr["id"]: attr.get("type", "TEXT") for attr in self._custom_attrs()}

    def _custom_attrs(self) -> list[dict[str, Any]]:
        if self._attrs is None:
            self._attrs = self.api.pages(api_path("contact.v3.custom_attr.list"), {"page_size": CUSTOM_ATTRS_PAGE_MAX})
        return self._attrs

    @property
    def name(self) -> str:
        return f"lark:{self.domain}"

    @property
    def tenant_id(self) -> str:
        return f"lark:{self.domain.rstrip('/')}#{self.api.app_id}"

    def close(self) -> None:
        return None

    def look_up_members(self, member_ids: Iterable[str]) -> None:
        """The declared members: those not listed are looked up, so that a deleted one shows
        (and is restored rather than created anew)."""
        self.expected.update(member_ids)

    def find_members(self, member_id: str | None, emails: Collection[str], phones: Collection[str]) -> list[LiveMember]:
        """The user with this User ID (live or deleted), and the live users batch_get_id finds
        by these emails and mobiles; none of them needs the whole tenant read."""
        ids = [member_id] if member_id is not None else []
        mobiles = sorted(map(mobile_of, phones))
        wanted = {"emails": sorted(emails)[:USERS_BATCH_MAX], "mobiles": mobiles[:USERS_BATCH_MAX]}
        if any(wanted.values()):
            found = self.api.call("POST", api_path("contact.v3.user.batch_get_id"), QUERY, wanted)
            ids += sorted({entry["user_id"] for entry in found.get("user_list") or [] if entry.get("user_id")})
        users = (self._user(user_id) for user_id in dict.fromkeys(ids))
        return [member_view(user) for user in users if user is not None]

    # -- reading -----------------------------------------------------------------------

    def read_snapshot(self) -> TenantState:
        with self.progress.phase("Reading the tenant") as self.reading:
            state = self._read_snapshot()
            self.reading.result(counted(len(state.members), "member"))
        return state

    def _page_read(self, items: int) -> None:
        self.reading.count(pages=1)

    def _users_read(self, items: int) -> None:
        self.reading.count(pages=1, members=items)

    def _read_snapshot(self) -> TenantState:
        self._attrs = None  # the custom fields are read again with the rest, as apply's refresh needs
        departments = self.api.pages(
            api_path("contact.v3.department.children", department_id=ROOT),
            {**QUERY, "page_size": DEPARTMENTS_PAGE_MAX, "fetch_child": "true"},
            on_page=self._page_read,
        )
        with ThreadPoolExecutor(READERS) as pool:
            # Every list but the departments' goes at once: each endpoint has limits of its own.
            user_pages = [pool.submit(self._users_in, d) for d in [ROOT, *(d["department_id"] for d in departments)]]
            groups_future = pool.submit(self._groups, pool)
            resources_future = pool.submit(self._resources)
            seats_future = pool.submit(self.api.call, "GET", api_path("tenant.v2.tenant_product_assign_info.query"))
            attrs_future = pool.submit(self._custom_attrs)
            users: dict[str, dict[str, Any]] = {}
            for page in user_pages:
                for user in page.result():
                    users.setdefault(user["user_id"], user)
            lookups = [pool.submit(self._user, member_id) for member_id in sorted(self.expected - users.keys())]
            groups = groups_future.result()
            resources = resources_future.result()
            seat_rows = seats_future.result().get("assign_info_list") or []
            attrs = attrs_future.result()
            found = [lookup.result() for lookup in lookups]
        deleted = [user for user in found if user is not None and is_resigned(user)]
        self.capabilities = WITH_EXTENSIONS if self._extended else OWN
        members = tuple(
            LiveMember.model_validate({**member_fields(user), "resources": (resources or {}).get(user_id, {})})
            for user_id, user in users.items()  # the service's order: "first member" defaults read it
        )
        # The Open API gives no deletion date: the plan restores such a member and the
        # service's own 30-day window decides (44028).
        gone = tuple(LiveMember.model_validate(member_fields(user)) for user in deleted)
        state = TenantState(
            tenant=TenantInfo(name="Lark tenant"),
            org=LiveOrg(plans=tuple(self._plans(users.values(), seat_rows))),
            fields=tuple(FieldDef.model_validate(field_definition(attr)) for attr in attrs),
            departments=tuple(Department.model_validate(department_fields(d)) for d in departments),
            user_groups=tuple(groups),
            members=members + gone,
        )
        self.snapshot_digest = "sha256:" + hashlib.sha256(state.model_dump_json().encode()).hexdigest()
        return state

    def _groups(self, pool: ThreadPoolExecutor) -> list[UserGroup]:
        groups = self.api.pages(
            api_path("contact.v3.group.simplelist"), {"page_size": GROUPS_PAGE_MAX}, "grouplist", self._page_read
        )
        members = [pool.submit(self._group_member_list, g["id"]) for g in groups]
        return [
            UserGroup(id=g["id"], name=g["name"], description=g.get("description") or "", members=tuple(m.result()))
            for g, m in zip(groups, members, strict=True)
        ]

    def _users_in(self, department_id: str) -> list[dict[str, Any]]:
        return self.api.pages(
            api_path("contact.v3.user.find_by_department"),
            {**QUERY, "page_size": USERS_PAGE_MAX, "department_id": department_id},
            on_page=self._users_read,
        )

    def _group_member_list(self, group_id: str) -> list[str]:
        items = self.api.pages(
            api_path("contact.v3.group_member.simplelist", group_id=group_id),
            {"page_size": GROUP_MEMBERS_PAGE_MAX, "member_id_type": "user_id"},
            "memberlist",
            self._page_read,
        )
        return [item["member_id"] for item in items]

    def _resources(self) -> dict[str, dict[str, int]] | None:
        """What members own. Lark's API does not say; the emulator answers an extension
        call, and a real tenant gives no counts (None; transfers then follow the defaults)."""
        try:
            items = self.api.pages(
                api_path("orgstate_emulator.v1.resources"), {"page_size": RESOURCES_PAGE_MAX}, on_page=self._page_read
            )
        except TenantError:
            self._extended = False
            return None
        self._extended = True
        return {item["user_id"]: item["resources"] for item in items}

    @staticmethod
    def _plans(users: Any, rows: list[dict[str, Any]]) -> Iterator[Subscription]:
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
            yield Subscription.model_validate(
                {
                    "id": plan_id,
                    "edition": edition_of(str(row.get("license_plan_key") or row.get("product_name") or "")),
                    "seats": seats,
                    "starts": _date(row.get("start_time")),
                    "expires": _date(row.get("end_time")),
                }
            )

    # -- reading one object back ---------------------------------------------------------

    def _user(self, member_id: str) -> dict[str, Any] | None:
        """The user with this User ID: the live one, else the latest deleted one, else None."""
        return self._get(api_path("contact.v3.user.get", user_id=member_id), "user")

    def _member(self, member_id: str) -> LiveMember | None:
        """The live (not deleted) member with this User ID."""
        user = self._user(member_id)
        return None if user is None or is_resigned(user) else member_view(user)

    def _department(self, department_id: str) -> dict[str, Any] | None:
        found = self._get(api_path("contact.v3.department.get", department_id=department_id), "department")
        return None if found is None else department_fields(found)

    def _group(self, group_id: str) -> dict[str, Any] | None:
        found = self._get(api_path("contact.v3.group.get", group_id=group_id), "group", query={})
        if found is None:
            return None
        return {"id": group_id, "name": found["name"], "description": found.get("description") or ""}

    def _members_of(self, group_id: str) -> frozenset[str] | None:
        """A group's members (None: no such group), read once between two writes."""
        if group_id not in self._group_members:
            try:
                self._group_members[group_id] = frozenset(self._group_member_list(group_id))
            except TenantError as exc:
                if exc.kind is not ErrorKind.NOT_FOUND:
                    raise
                self._group_members[group_id] = None
        return self._group_members[group_id]

    def _get(self, path: str, key: str, query: dict[str, Any] | None = None) -> dict[str, Any] | None:
        try:
            return self.api.call("GET", path, QUERY if query is None else query).get(key)
        except TenantError as exc:
            if exc.kind is ErrorKind.NOT_FOUND:
                return None
            raise

    def _offboarding(self, member_id: str) -> dict[str, Any] | None:
        """What the deletion of a member did (the emulator's extension); None where no call
        says (a real tenant): the deletion's transfers cannot be checked there."""
        if self._extended is False:
            return None
        try:
            return self.api.call("GET", api_path("orgstate_emulator.v1.offboarding"), {"user_id": member_id})
        except TenantError as exc:
            if exc.kind is not ErrorKind.NOT_FOUND:
                raise
            self._extended = False  # no such call: not the emulator
            return None

    # -- applying ------------------------------------------------------------------------

    def estimate(self, plan: Plan, snapshot: TenantState) -> Estimate:
        """Counted call for call (estimate.py), paced by the endpoints' limits."""
        return estimate_apply(plan, snapshot, extended=self._extended is True)

    def prepare(self, plan: Plan) -> None:
        """Remember each leaver's transfer change (it travels with the delete call), and the
        members the plan creates or restores (looked up when snapshots are read again)."""
        self.transfers = {c.key: c for c in plan.changes if isinstance(c, ResourcesTransfer)}
        self.expected.update(c.key for c in plan.changes if isinstance(c, MemberCreate | MemberRestore))
        self._group_members.clear()

    def apply(self, change: Change) -> Outcome:
        self._group_members.clear()
        return HANDLERS.run(self, change)

    def apply_many(self, changes: list[Change]) -> list[Outcome | TenantError]:
        self._group_members.clear()
        if isinstance(changes[0], GroupMemberAdd | GroupMemberRemove):
            try:
                return self._batch_members(changes)
            except TenantError as exc:
                return [exc] * len(changes)
        return each(self.apply, changes)

    def verify(self, change: Change) -> str | None:
        """Re-read the change's target through the API: None when it holds all the change
        promised, else what differs."""
        return VERIFIERS.run(self, change)

    def take_passwords(self) -> dict[str, str]:
        passwords, self._passwords = self._passwords, {}
        return passwords

    def reset_password(self, member_id: str, send: str | None = None) -> str:
        assert send is None, "the Open API cannot deliver a password (no password_delivery capability)"
        password = generate_password()
        self._set_password(member_id, password)
        return password

    def _set_password(self, member_id: str, password: str) -> None:
        body = {"user_id": member_id, "password": {"ent_email_password": password}}
        self.api.call("POST", api_path("admin.v1.password.reset"), QUERY, body)

    def _initial_password(self, member_id: str) -> None:
        """The initial login password of a business-email login: the Open API's user has no
        password field, so it is set with the reset call (the emulator, like the console's
        member form, counts it as no reset; docs/lark.md, section 6)."""
        password = generate_password()
        try:
            self._set_password(member_id, password)
        except TenantError as exc:
            raise TenantError(
                exc.kind, f"'{member_id}' was saved, but its initial password could not be set: {exc.reason}", exc.code
            ) from None
        self._passwords[member_id] = password

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
        self.api.call(
            "PATCH", api_path("contact.v3.user.patch", user_id=member_id), QUERY, {"status": {"is_frozen": frozen}}
        )
        return Outcome.UPDATED

    def _patch_member(self, member_id: str, current: dict[str, Any], wanted: dict[str, Any]) -> Outcome:
        """Send what differs (both department fields when either does: the API replaces both)."""
        changes = differing(current, wanted)
        if not changes:
            return Outcome.UNCHANGED
        if "department" in changes or "departments" in changes:
            changes["department"] = wanted.get("department", current["department"])
            changes["departments"] = wanted.get("departments", current["departments"])
        self.api.call(
            "PATCH", api_path("contact.v3.user.patch", user_id=member_id), QUERY, user_body(changes, self.attr_types)
        )
        return Outcome.UPDATED

    def _batch_members(self, changes: list[Change]) -> list[Outcome | TenantError]:
        """Group-member changes of one group and action as one batch_add / batch_remove call
        (1 to 100 members); each member's own result code decides its outcome."""
        first = changes[0]
        group = first.target.ids[0]
        members = [c.target.ids[1] for c in changes]
        adding = isinstance(first, GroupMemberAdd)
        verb = "batch_add" if adding else "batch_remove"
        answer = self.api.call(
            "POST",
            api_path(f"contact.v3.group_member.{verb}", group_id=group),
            None,
            {"members": [{"member_id": m, "member_type": "user", "member_id_type": "user_id"} for m in members]},
        )
        codes = {r.get("member_id"): int(r.get("code") or 0) for r in answer.get("results") or []}
        outcomes: list[Outcome | TenantError] = []
        for member in members:
            code = codes.get(member, 0)
            if code == 0:
                outcomes.append(Outcome.CREATED if adding else Outcome.DELETED)
            elif code == LarkCode.GROUP_MEMBER_EXISTS:
                outcomes.append(Outcome.UNCHANGED)
            else:
                outcomes.append(TenantError(kind_for(code), f"{verb} of {member} to {group} was refused", code))
        return outcomes


HANDLERS: Registry[Outcome] = Registry()
VERIFIERS: Registry[str | None] = Registry()
handles, verifies = HANDLERS, VERIFIERS


# -- departments --------------------------------------------------------------------


@handles(DepartmentCreate)
def _department_create(backend: LarkBackend, change: DepartmentCreate) -> Outcome:
    backend.api.call(
        "POST",
        api_path("contact.v3.department.create"),
        {**QUERY, "client_token": client_token(change)},
        department_body(change.after.model_dump(mode="json")),
    )
    return Outcome.CREATED


@handles(DepartmentUpdate)
def _department_update(backend: LarkBackend, change: DepartmentUpdate) -> Outcome:
    backend.api.call(
        "PATCH",
        api_path("contact.v3.department.patch", department_id=change.key),
        QUERY,
        department_body(data(change.after)),
    )
    return Outcome.UPDATED


@handles(DepartmentDelete)
def _department_delete(backend: LarkBackend, change: DepartmentDelete) -> Outcome:
    return backend._delete(api_path("contact.v3.department.delete", department_id=change.key), QUERY)


# -- members ------------------------------------------------------------------------


@handles(MemberCreate)
def _member_create(backend: LarkBackend, change: MemberCreate) -> Outcome:
    """Created with its idempotency key, then (a business-email login) given its initial
    password, handed over once. A member that exists already (an earlier run made it) is
    brought to the change's fields; its password, if any, was handed over then."""
    wanted = change.after.model_dump(mode="json")
    current = backend._member(change.key)
    if current is not None:
        return backend._patch_member(change.key, current.model_dump(mode="json"), wanted)
    body = {**user_body(wanted, backend.attr_types), "subscription_ids": []}
    backend.api.call("POST", api_path("contact.v3.user.create"), {**QUERY, "client_token": client_token(change)}, body)
    if change.after.login_type == "business_email":
        backend._initial_password(change.key)
    return Outcome.CREATED


@handles(MemberUpdate)
def _member_update(backend: LarkBackend, change: MemberUpdate) -> Outcome:
    """A patch of what changes, and an initial password where the switch needs one."""
    after = data(change.after)
    current = backend._member(change.key) if reads_member_first(after) else None
    if current is not None and ("department" in after) != ("departments" in after):
        after.setdefault("department", current.member.department)
        after.setdefault("departments", list(current.member.departments))
    backend.api.call(
        "PATCH", api_path("contact.v3.user.patch", user_id=change.key), QUERY, user_body(after, backend.attr_types)
    )
    if gets_initial_password(after, current):
        backend._initial_password(change.new_id)
    return Outcome.UPDATED


@handles(MemberSuspend, MemberResume)
def _member_status(backend: LarkBackend, change: MemberSuspend | MemberResume) -> Outcome:
    return backend._freeze(change.key, isinstance(change, MemberSuspend))


@handles(MemberDelete)
def _member_delete(backend: LarkBackend, change: MemberDelete) -> Outcome:
    body: dict[str, Any] = {}
    transfer = backend.transfers.get(change.key)
    for resource, item in (transfer.after if transfer else {}).items():
        if item.default:
            continue  # the service's own default, as the plan predicted (an acceptor would move the mail, not copy it)
        if resource in ACCEPTORS and item.to:
            body[ACCEPTORS[resource]] = item.to
        if resource == "mail":
            action = MAIL_PROCESSING_TYPES[MAIL_OUTCOMES.get(item.outcome, "keep")]
            body["email_acceptor"] = {"processing_type": action, **({"acceptor_user_id": item.to} if item.to else {})}
    return backend._delete(api_path("contact.v3.user.delete", user_id=change.key), QUERY, body)


@handles(MemberRestore)
def _member_restore(backend: LarkBackend, change: MemberRestore) -> Outcome:
    if backend._member(change.key) is not None:
        return Outcome.UNCHANGED  # restored by an earlier run
    place = change.after
    body = {"departments": [{"department_id": d} for d in (place.department, *place.departments)]}
    try:
        backend.api.call(
            "POST", api_path("contact.v3.user.resurrect", user_id=change.key), QUERY, {**body, "subscription_ids": []}
        )
    except TenantError:
        if backend._member(change.key) is None:
            raise  # else a retried call whose first attempt went through (44033 not deleted)
    return Outcome.CREATED


@handles(ResourcesTransfer)
def _resources_transfer(backend: LarkBackend, change: ResourcesTransfer) -> Outcome:
    """Carried out by the member.delete that follows (its acceptors). A recipient that the
    delete call cannot name is refused here, before anything irreversible happens."""
    unsendable = sorted(
        kind for kind, item in change.after.items() if not item.default and item.to and kind not in (*ACCEPTORS, "mail")
    )
    if unsendable:
        raise TenantError(
            ErrorKind.RULE,
            f"the Open API's delete call names no recipient for {', '.join(unsendable)}: "
            "transfer them in the Admin Console, then plan again",
        )
    return Outcome.UNCHANGED


# -- user groups, their members, seats ------------------------------------------------


@handles(UserGroupCreate)
def _user_group_create(backend: LarkBackend, change: UserGroupCreate) -> Outcome:
    """Lark's group create takes no idempotency key: re-read first (a run killed after
    the create finds the group), and after a refusal (a retried create whose first
    attempt went through) read again."""
    group = change.after
    wanted = {"id": group.id, "name": group.name, "description": group.description}
    current = backend._group(change.key)
    if current is not None:
        return _patch_group(backend, change.key, current, wanted)
    try:
        body = {"group_id": group.id, "name": group.name, "description": group.description, "type": 1}
        backend.api.call("POST", api_path("contact.v3.group.create"), None, body)
    except TenantError:
        if backend._group(change.key) != wanted:
            raise
    return Outcome.CREATED


@handles(UserGroupUpdate)
def _user_group_update(backend: LarkBackend, change: UserGroupUpdate) -> Outcome:
    body = {k: v for k, v in data(change.after).items() if k in GROUP_PATCHED}
    if not body:
        return Outcome.UNCHANGED
    backend.api.call("PATCH", api_path("contact.v3.group.patch", group_id=change.key), None, body)
    return Outcome.UPDATED


def _patch_group(backend: LarkBackend, group_id: str, current: dict[str, Any], wanted: dict[str, Any]) -> Outcome:
    changes = differing(current, wanted)
    if not changes:
        return Outcome.UNCHANGED
    backend.api.call("PATCH", api_path("contact.v3.group.patch", group_id=group_id), None, changes)
    return Outcome.UPDATED


@handles(UserGroupDelete)
def _user_group_delete(backend: LarkBackend, change: UserGroupDelete) -> Outcome:
    return backend._delete(api_path("contact.v3.group.delete", group_id=change.key))


@handles(GroupMemberAdd, GroupMemberRemove)
def _group_member(backend: LarkBackend, change: GroupMemberAdd | GroupMemberRemove) -> Outcome:
    [outcome] = backend._batch_members([change])
    if isinstance(outcome, TenantError):
        raise outcome
    return outcome


@handles(SeatAssign)
def _seat_assign(backend: LarkBackend, change: SeatAssign) -> Outcome:
    body = {"subscription_ids": [change.after.plan]}
    backend.api.call("PATCH", api_path("contact.v3.user.patch", user_id=change.key), QUERY, body)
    return Outcome.CREATED


@handles(SeatRelease)
def _seat_release(backend: LarkBackend, change: SeatRelease) -> Outcome:
    backend.api.call("PATCH", api_path("contact.v3.user.patch", user_id=change.key), QUERY, {"subscription_ids": []})
    return Outcome.DELETED


# -- verification: does the tenant, read again, hold everything the change promised? ----


def _mismatch(current: dict[str, Any] | None, wanted: dict[str, Any], what: str) -> str | None:
    if current is None:
        return f"{what} does not exist"
    left = differing(current, wanted)
    return None if not left else f"{what} differs in {', '.join(sorted(left))}"


@verifies(DepartmentCreate, DepartmentUpdate)
def _verify_department(backend: LarkBackend, change: DepartmentCreate | DepartmentUpdate) -> str | None:
    return _mismatch(backend._department(change.key), data(change.after), change.address)


@verifies(DepartmentDelete)
def _verify_department_gone(backend: LarkBackend, change: DepartmentDelete) -> str | None:
    return None if backend._department(change.key) is None else f"{change.address} still exists"


@verifies(MemberCreate, MemberUpdate, MemberRestore)
def _verify_member(backend: LarkBackend, change: MemberCreate | MemberUpdate | MemberRestore) -> str | None:
    """Every field the change sends (a restore: the departments given anew)."""
    member_id = change.new_id if isinstance(change, MemberUpdate) else change.key
    member = backend._member(member_id)
    return _mismatch(None if member is None else member.model_dump(mode="json"), data(change.after), change.address)


@verifies(MemberSuspend, MemberResume)
def _verify_status(backend: LarkBackend, change: MemberSuspend | MemberResume) -> str | None:
    member = backend._member(change.key)
    wanted = change.after.status
    if member is None or (member.status == "suspended") != (wanted == "suspended"):
        return f"{change.address} is not {wanted}"
    return None


@verifies(MemberDelete)
def _verify_member_gone(backend: LarkBackend, change: MemberDelete) -> str | None:
    """Gone and, where the emulator says what the deletion did, every resource where the
    plan said (but defaults the plan could not predict) with the retention it kept."""
    if backend._member(change.key) is not None:
        return f"{change.address} still exists"
    transfer = backend.transfers.get(change.key)
    record = None if transfer is None else backend._offboarding(change.key)
    if transfer is None or record is None:
        return None
    done = record.get("transfers") or {}
    wrong = []
    for field, item in sorted(transfer.after.items()):
        for kind in TRANSFER_KINDS.get(field, (field,)):
            if item.default and kind in UNPREDICTED_DEFAULTS:
                continue
            got = done.get(kind)
            if got is None or (got["outcome"], got.get("to")) != (item.outcome, item.to):
                where = "nothing" if got is None else f"{got['outcome']} {got.get('to') or ''}".strip()
                wrong.append(f"{field} {item.outcome} {item.to or ''}".strip() + f" (done: {where})")
    retention = transfer.retention().model_dump()
    if record.get("retention") != retention:
        wrong.append(f"retention {retention} (done: {record.get('retention')})")
    return f"{change.address}: offboarding differs from the plan: {'; '.join(wrong)}" if wrong else None


@verifies(ResourcesTransfer)
def _verify_transfer(backend: LarkBackend, change: ResourcesTransfer) -> str | None:
    """Nothing moves before the deletion, whose verifier checks every resource type."""
    return None


@verifies(UserGroupCreate, UserGroupUpdate)
def _verify_group(backend: LarkBackend, change: UserGroupCreate | UserGroupUpdate) -> str | None:
    return _mismatch(backend._group(change.key), data(change.after), change.address)


@verifies(UserGroupDelete)
def _verify_group_gone(backend: LarkBackend, change: UserGroupDelete) -> str | None:
    return None if backend._group(change.key) is None else f"{change.address} still exists"


@verifies(GroupMemberAdd, GroupMemberRemove)
def _verify_membership(backend: LarkBackend, change: GroupMemberAdd | GroupMemberRemove) -> str | None:
    group_id, member_id = change.target.ids
    members = backend._members_of(group_id)
    inside = members is not None and member_id in members
    adding = isinstance(change, GroupMemberAdd)
    if inside != adding:
        return f"{member_id} is {'not ' if adding else ''}in {group_id}"
    return None


@verifies(SeatAssign, SeatRelease)
def _verify_seat(backend: LarkBackend, change: SeatAssign | SeatRelease) -> str | None:
    """The plan's seat held (how it was given, the Open API does not say)."""
    member = backend._member(change.key)
    held = None if member is None else member.seat
    wanted = change.after.plan if isinstance(change, SeatAssign) else None
    if held != wanted:
        return f"{change.key} holds {held or 'no seat'}, not {wanted or 'none'}"
    return None


def _date(value: Any) -> str:
    return day(value) or "1970-01-01"

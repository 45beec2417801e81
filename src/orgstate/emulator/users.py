"""Users: /open-apis/contact/v3/users (reference: "Users").

The emulator's tenant needs a user_id for every member: a create without one gets
an id derived from its client_token (random without). Members live in real
departments only (never in the root "0"). The user object has no password field:
the initial password the console generates for a business-email login is not part
of the Open API's answer and is dropped; a client sets the initial password with
/admin/v1/password/reset (see tenantinfo.py: an initial password is no reset).

GET /users/:user_id also answers for a deleted (resigned) user, with
`status.is_resigned` and no departments, as the service does; the answer carries no
deletion date (the Open API has none).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from orgstate.emulator.call import Call, atomically, handles, more, new_id
from orgstate.emulator.ids import ROOT_DEPARTMENT
from orgstate.emulator.shapes import (
    bad,
    boolean,
    member_changes,
    new_member_fields,
    seat_from,
    string_list,
    text,
    transfers_from,
    user_object,
)
from orgstate.errors import ApiError
from orgstate.lark.codes import LarkCode
from orgstate.lark.endpoints import RESOURCES_PAGE_MAX, USERS_BATCH_MAX, USERS_PAGE_MAX
from orgstate.lark.fields import phone_of
from orgstate.model.config import Member
from orgstate.model.live import LiveMember
from orgstate.tenant import AUTO
from orgstate.tenant.departments import invalid


def find_member(call: Call, value: str, with_deleted: bool = True) -> LiveMember:
    """The member a path or query id names: the one not deleted, else (when asked) the
    most recently deleted one; USER_NOT_FOUND when there is none."""
    member_id = call.codec.user_in(value)
    uid = call.tenant.scalar(
        "SELECT uid FROM members WHERE id = ? AND (status != 'deleted' OR ?) "
        "ORDER BY status = 'deleted', deleted_at DESC, uid DESC LIMIT 1",
        (member_id, int(with_deleted)),
    )
    if uid is None:
        raise ApiError(LarkCode.USER_NOT_FOUND, f"no user authority: no user '{value}'")
    return call.tenant.live_member(int(uid))


def answer(call: Call, member_id: str) -> dict[str, Any]:
    member = call.tenant.member(member_id)
    return {"user": user_object(member, call.codec, call.field_types(), call.plans())}


@handles("contact.v3.user.create")
def create_user(call: Call) -> dict[str, Any]:
    user_id = text(call.body, "user_id") or new_id("u", call.client_token)
    fields = new_member_fields(user_id, call.body, call.codec, call.field_types())
    try:
        member = Member.model_validate(fields)
    except ValidationError as exc:
        raise invalid(exc) from None
    seat = seat_from(call.body) if "subscription_ids" in call.body else AUTO
    call.tenant.create_member(member, seat=seat, client_token=call.client_token)
    return answer(call, member.id)


@handles("contact.v3.user.get")
def get_user(call: Call) -> dict[str, Any]:
    member = find_member(call, call.params["user_id"])
    return {"user": user_object(member, call.codec, call.field_types(), call.plans())}


@handles("contact.v3.user.patch")
def patch_user(call: Call) -> dict[str, Any]:
    """Only the fields sent change; `status.is_frozen` suspends or resumes and
    `subscription_ids` replaces the seat ([] releases it). All of it, or nothing."""
    member = find_member(call, call.params["user_id"], with_deleted=False)
    changes = member_changes(call.body, call.codec, call.field_types())
    frozen: bool | None = None
    status = call.body.get("status")
    if status is not None:
        if not isinstance(status, dict):
            raise bad("status", "must be an object")
        if "is_frozen" in status:
            frozen = boolean(status, "is_frozen")
    tenant = call.tenant
    with atomically(tenant):
        if changes:
            tenant.patch_member(member.id, changes)
        if frozen is True and member.status != "suspended":
            tenant.suspend_member(member.id)
        elif frozen is False and member.status == "suspended":
            tenant.resume_member(member.id)
        if "subscription_ids" in call.body:
            seat = seat_from(call.body)
            if seat is None and member.seat is not None:
                tenant.release_seats([member.id])
            elif seat is not None and seat != member.seat:
                tenant.assign_seats(seat, [member.id])
    return answer(call, member.id)


@handles("contact.v3.user.delete")
def delete_user(call: Call) -> dict[str, Any]:
    """The acceptors name who receives each resource type; the rest follow the defaults."""
    member = find_member(call, call.params["user_id"], with_deleted=False)
    call.tenant.delete_member(member.id, transfers_from(call.body, call.codec))
    return {}


@handles("contact.v3.user.resurrect")
def resurrect_user(call: Call) -> dict[str, Any]:
    """`departments` (at least one: the emulator keeps nobody in the root department) and
    `subscription_ids` (left out: the seat the console would give; []: none)."""
    departments = call.body.get("departments")
    if not isinstance(departments, list) or not departments:
        raise bad("departments", "give at least one {department_id}")
    ids = []
    for index, entry in enumerate(departments):
        department = text(entry, "department_id") if isinstance(entry, dict) else None
        if department is None or department == ROOT_DEPARTMENT:
            raise bad(f"departments[{index}].department_id", "must name a department other than the root")
        ids.append(call.codec.department_in(department))
    seat = seat_from(call.body) if "subscription_ids" in call.body else AUTO
    member_id = call.codec.user_in(call.params["user_id"])
    call.tenant.restore_member(member_id, department=ids[0], departments=tuple(ids[1:]), seat=seat)
    return {}


@handles("contact.v3.user.find_by_department")
def find_by_department(call: Call) -> dict[str, Any]:
    """The department's direct members (primary or further department), not deleted."""
    raw = call.query.get("department_id")
    if not raw:
        raise bad("department_id", "is required")
    department = call.codec.department_in(raw)
    size = call.page_size(default=10, maximum=USERS_PAGE_MAX)
    after = call.page_start("users")
    tenant = call.tenant
    with tenant.reading():
        if department != ROOT_DEPARTMENT and not tenant.scalar("SELECT 1 FROM departments WHERE id = ?", (department,)):
            raise ApiError(LarkCode.DEPARTMENT_NOT_FOUND, f"no dept authority: no department '{raw}'")
        uids = [
            row["uid"]
            for row in tenant.query(
                "SELECT uid FROM members m WHERE m.status != 'deleted' AND m.uid > ? AND (m.department = ? OR "
                "EXISTS (SELECT 1 FROM member_departments d WHERE d.uid = m.uid AND d.department = ?)) "
                "ORDER BY m.uid LIMIT ?",
                (after, department, department, size + 1),
            )
        ]
        fields, plans = call.field_types(), call.plans()
        items = [user_object(tenant.live_member(uid), call.codec, fields, plans) for uid in uids[:size]]
    return {"items": items, **more("users", uids[size - 1] if len(uids) > size else None)}


@handles("contact.v3.user.batch")
def batch_get_users(call: Call) -> dict[str, Any]:
    """Up to 50 users by id, in the order asked (unknown ids left out; no assign_info)."""
    wanted = call.query.getlist("user_ids")
    if not 1 <= len(wanted) <= USERS_BATCH_MAX:
        raise bad("user_ids", f"give 1 to {USERS_BATCH_MAX} user ids")
    fields = call.field_types()
    items = []
    with call.tenant.reading():
        for value in wanted:
            try:
                member = find_member(call, value)
            except ApiError:
                continue
            items.append(user_object(member, call.codec, fields))
    return {"items": items}


@handles("contact.v3.user.batch_get_id")
def batch_get_id(call: Call) -> dict[str, Any]:
    """Users by email (work or business email, any case) or mobile; an entry without
    `user_id` found nobody."""
    emails = string_list(call.body, "emails", maximum=USERS_BATCH_MAX)
    mobiles = string_list(call.body, "mobiles", maximum=USERS_BATCH_MAX)
    resigned = boolean(call.body, "include_resigned") if "include_resigned" in call.body else False
    if not emails and not mobiles:
        raise bad("emails", "give emails or mobiles")
    results = []
    with call.tenant.reading():
        for key, values, where in (
            ("email", emails, "(lower(work_email) = lower(?1) OR lower(business_email) = lower(?1))"),
            ("mobile", mobiles, "phone = ?1"),
        ):
            for value in values:
                row = call.tenant.one(
                    f"SELECT id, status FROM members WHERE {where} AND (status != 'deleted' OR ?2) "
                    "ORDER BY status = 'deleted', uid DESC LIMIT 1",
                    (phone_of(value) if key == "mobile" else value, int(resigned)),
                )
                entry: dict[str, Any] = {key: value}
                if row is not None:
                    entry["user_id"] = call.codec.user_out(row["id"])
                    entry["status"] = {
                        "is_frozen": row["status"] == "suspended",
                        "is_resigned": row["status"] == "deleted",
                    }
                results.append(entry)
    return {"user_list": results}


@handles("orgstate_emulator.v1.resources")
def member_resources(call: Call) -> dict[str, Any]:
    """EMULATOR EXTENSION, not part of Lark's Open API (real Lark has no such call): what a
    member owns (documents, calendars, chats, ...), the counts that offboarding transfers
    and that orgstate's snapshot records. `GET /open-apis/orgstate-emulator/v1/resources
    ?user_id=ID[&user_id_type=...]` -> {user_id, resources: {kind: count > 0}}. Being
    orgstate's own call, its ids are user_ids unless user_id_type says otherwise.
    Without user_id it lists every member who owns anything, paginated (page_size <= 500):
    {items: [{user_id, resources}], has_more, page_token}."""
    value = call.query.get("user_id")
    if not value:
        call.codec = call.codec.with_user_type(call.query.get("user_id_type") or "user_id")
        rows = call.tenant.query(
            "SELECT m.id, r.kind, r.count FROM resources r JOIN members m USING (uid) "
            "WHERE m.status != 'deleted' AND r.count > 0 ORDER BY m.uid, r.kind"
        )
        merged: dict[str, dict[str, Any]] = {}
        for row in rows:
            user_id = call.codec.user_out(row["id"])
            merged.setdefault(user_id, {"user_id": user_id, "resources": {}})["resources"][row["kind"]] = row["count"]
        page, extra = call.page(list(merged.values()), "resources", default=100, maximum=RESOURCES_PAGE_MAX)
        return {"items": page, **extra}
    call.codec = call.codec.with_user_type(call.query.get("user_id_type") or "user_id")
    member = find_member(call, value, with_deleted=False)
    return {"user_id": call.codec.user_out(member.id), "resources": member.resources.counts()}


@handles("orgstate_emulator.v1.offboarding")
def member_offboarding(call: Call) -> dict[str, Any]:
    """EMULATOR EXTENSION, not part of Lark's Open API (real Lark has no such call): what
    the latest deletion of a member did with their resources, so that a client can check
    a deletion against its plan. `GET /open-apis/orgstate-emulator/v1/offboarding
    ?user_id=ID[&user_id_type=...]` -> {user_id, transfers: {kind: {outcome, count,
    default, to?}}, retention: {docs, mail, minutes} | null}; ids are user_ids unless
    user_id_type says otherwise. A member never deleted has no transfers and no retention."""
    value = call.query.get("user_id")
    if not value:
        raise bad("user_id", "is required")
    call.codec = call.codec.with_user_type(call.query.get("user_id_type") or "user_id")
    member_id = call.codec.user_in(value)
    with call.tenant.reading():
        done, retention = call.tenant.offboarding_record(member_id)
    transfers = {
        kind: {
            "outcome": item.outcome,
            "count": item.count,
            "default": item.is_default,
            **({"to": call.codec.user_out(item.recipient)} if item.recipient is not None else {}),
        }
        for kind, item in sorted(done.items())
    }
    return {
        "user_id": call.codec.user_out(member_id),
        "transfers": transfers,
        "retention": None if retention is None else retention.model_dump(),
    }

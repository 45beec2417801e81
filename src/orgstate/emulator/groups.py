"""User groups and their members: /open-apis/contact/v3/group (reference: "User groups").

Only ordinary groups (type 1) exist in the emulator's tenant; listing dynamic
groups (type 2) finds none, and creating one is refused. Members are users only
(member_type "user"). A group's seat assignment has no Open API call: the
emulator neither shows nor changes it (the console does).
"""

from __future__ import annotations

from typing import Any

from orgstate.emulator.call import Call, handles, new_id
from orgstate.emulator.shapes import bad, group_object, integer, required_text, text
from orgstate.errors import ApiError
from orgstate.lark.codes import LarkCode
from orgstate.lark.endpoints import (
    GROUP_MEMBERS_BATCH_MAX,
    GROUP_MEMBERS_PAGE_MAX,
    GROUPS_OF_MEMBER_PAGE_MAX,
    GROUPS_PAGE_MAX,
)

ORDINARY = 1
DYNAMIC = 2


def group_ids(call: Call) -> list[str]:
    return [row["id"] for row in call.tenant.query("SELECT id FROM user_groups ORDER BY position")]


@handles("contact.v3.group.create")
def create_group(call: Call) -> dict[str, Any]:
    name = required_text(call.body, "name")
    kind = integer(call.body, "type", {ORDINARY: "ordinary", DYNAMIC: "dynamic"}) if "type" in call.body else 1
    if kind != ORDINARY:
        raise bad("type", "the emulator creates ordinary groups (type 1) only")
    group_id = text(call.body, "group_id") or new_id("g", None)
    call.tenant.create_group(group_id, name, text(call.body, "description") or "")
    return {"group_id": group_id}


@handles("contact.v3.group.get")
def get_group(call: Call) -> dict[str, Any]:
    return {"group": group_object(call.tenant.group(call.params["group_id"]))}


@handles("contact.v3.group.patch")
def patch_group(call: Call) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if "name" in call.body:
        changes["name"] = required_text(call.body, "name")
    if "description" in call.body:
        changes["description"] = text(call.body, "description") or ""
    if changes:
        call.tenant.patch_group(call.params["group_id"], changes)
    else:
        call.tenant.group(call.params["group_id"])
    return {}


@handles("contact.v3.group.delete")
def delete_group(call: Call) -> dict[str, Any]:
    call.tenant.delete_group(call.params["group_id"])
    return {}


@handles("contact.v3.group.simplelist")
def list_groups(call: Call) -> dict[str, Any]:
    kind = call.query.get("type") or str(ORDINARY)
    if kind not in (str(ORDINARY), str(DYNAMIC)):
        raise bad("type", "must be 1 (ordinary) or 2 (dynamic)")
    with call.tenant.reading():
        ids = group_ids(call) if kind == str(ORDINARY) else []
        page, extra = call.page(ids, "groups", default=50, maximum=GROUPS_PAGE_MAX)
        items = [group_object(call.tenant.group(group_id)) for group_id in page]
    return {"grouplist": items, **extra}


@handles("contact.v3.group.member_belong")
def member_belong(call: Call) -> dict[str, Any]:
    """The ordinary groups a user belongs to."""
    value = call.query.get("member_id")
    if not value:
        raise bad("member_id", "is required")
    codec = call.codec.with_user_type(call.query.get("member_id_type"))
    member_id = codec.user_in(value)
    call.tenant.uid_of(member_id)
    kind = call.query.get("group_type") or str(ORDINARY)
    rows = call.tenant.query(
        "SELECT g.id FROM user_groups g JOIN group_members gm ON gm.group_id = g.id JOIN members m USING (uid) "
        "WHERE m.id = ? AND m.status != 'deleted' ORDER BY g.position",
        (member_id,),
    )
    ids = [row["id"] for row in rows] if kind == str(ORDINARY) else []
    page, extra = call.page(ids, "belong", default=500, maximum=GROUPS_OF_MEMBER_PAGE_MAX)
    return {"group_list": page, **extra}


def member_of(call: Call, entry: object, where: str) -> tuple[str, str | None]:
    """A member entry {member_id, member_type "user", member_id_type}: the id as given,
    and the member it names (None: an open_id or union_id that names nobody)."""
    if not isinstance(entry, dict):
        raise bad(where, "must be an object")
    given = required_text(entry, "member_id")
    if (text(entry, "member_type") or "user") != "user":
        raise bad(f"{where}.member_type", "the emulator's groups hold users only")
    codec = call.codec.with_user_type(text(entry, "member_id_type") or "open_id")
    try:
        return given, codec.user_in(given)
    except ApiError:
        return given, None


def batch_members(call: Call) -> list[tuple[str, str | None]]:
    """(id as given, member id) for each entry of the body's `members` (1 to 100)."""
    members = call.body.get("members")
    if not isinstance(members, list) or not 1 <= len(members) <= GROUP_MEMBERS_BATCH_MAX:
        raise bad("members", f"give 1 to {GROUP_MEMBERS_BATCH_MAX} members")
    return [member_of(call, entry, f"members[{index}]") for index, entry in enumerate(members)]


def known(pairs: list[tuple[str, str | None]]) -> list[str]:
    """The member ids named, each once, or 41050 for the first that names nobody."""
    for given, member_id in pairs:
        if member_id is None:
            raise ApiError(LarkCode.USER_NOT_FOUND, f"no user authority: no user '{given}'")
    return list(dict.fromkeys(member_id for _, member_id in pairs if member_id is not None))


def existing_members(call: Call, member_ids: list[str]) -> set[str]:
    if not member_ids:
        return set()
    marks = ", ".join("?" * len(member_ids))
    rows = call.tenant.query(f"SELECT id FROM members WHERE status != 'deleted' AND id IN ({marks})", member_ids)
    return {row["id"] for row in rows}


@handles("contact.v3.group_member.batch_add")
def batch_add(call: Call) -> dict[str, Any]:
    """Each member gets a code: 0 added, 42005 already a member, 41050 no such user."""
    pairs = batch_members(call)
    group_id = call.params["group_id"]
    call.tenant.group(group_id)
    found = existing_members(call, [m for _, m in pairs if m is not None])
    added = call.tenant.add_group_members(group_id, list(dict.fromkeys(m for _, m in pairs if m in found)))
    results = [
        {"member_id": given, "code": added[m] if m is not None and m in found else LarkCode.USER_NOT_FOUND}
        for given, m in pairs
    ]
    return {"results": results}


@handles("contact.v3.group_member.batch_remove")
def batch_remove(call: Call) -> dict[str, Any]:
    call.tenant.remove_group_members(call.params["group_id"], known(batch_members(call)))
    return {}


@handles("contact.v3.group_member.add")
def add_member(call: Call) -> dict[str, Any]:
    [member_id] = known([member_of(call, call.body, "body")])
    if call.tenant.add_group_members(call.params["group_id"], [member_id])[member_id]:
        raise ApiError(int(LarkCode.GROUP_MEMBER_EXISTS), f"'{member_id}' is already a member")
    return {}


@handles("contact.v3.group_member.remove")
def remove_member(call: Call) -> dict[str, Any]:
    call.tenant.remove_group_members(call.params["group_id"], known([member_of(call, call.body, "body")]))
    return {}


@handles("contact.v3.group_member.simplelist")
def list_members(call: Call) -> dict[str, Any]:
    kind = call.query.get("member_id_type") or "open_id"
    codec = call.codec.with_user_type(kind)
    member_type = call.query.get("member_type") or "user"
    with call.tenant.reading():
        members = list(call.tenant.group(call.params["group_id"]).members) if member_type == "user" else []
        page, extra = call.page(members, "members", default=50, maximum=GROUP_MEMBERS_PAGE_MAX)
    items = [{"member_id": codec.user_out(m), "member_type": "user", "member_id_type": kind} for m in page]
    return {"memberlist": items, **extra}

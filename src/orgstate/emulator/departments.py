"""Departments: /open-apis/contact/v3/departments (reference: "Departments").

The root department is "0" (the tenant itself: it can be read and listed, not
changed). A create without `department_id` gets one derived from its client_token
(random without). Listings are in creation order.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from orgstate.emulator.call import Call, handles, new_id
from orgstate.emulator.ids import ROOT_DEPARTMENT
from orgstate.emulator.shapes import (
    bad,
    department_changes,
    department_object,
    required_text,
    root_department_object,
    text,
)
from orgstate.errors import ApiError
from orgstate.lark.codes import LarkCode
from orgstate.lark.endpoints import DEPARTMENTS_PAGE_MAX
from orgstate.model.config import Department
from orgstate.tenant.departments import invalid


def find_department(call: Call, value: str) -> Department:
    department_id = call.codec.department_in(value)
    row = call.tenant.scalar("SELECT 1 FROM departments WHERE id = ?", (department_id,))
    if department_id == ROOT_DEPARTMENT or row is None:
        raise ApiError(LarkCode.DEPARTMENT_NOT_FOUND, f"no dept authority: no department '{value}'")
    return call.tenant.department(department_id)


@handles("contact.v3.department.create")
def create_department(call: Call) -> dict[str, Any]:
    required_text(call.body, "name")
    required_text(call.body, "parent_department_id")
    department_id = text(call.body, "department_id") or new_id("d", call.client_token)
    try:
        department = Department.model_validate({"id": department_id, **department_changes(call.body, call.codec)})
    except ValidationError as exc:
        raise invalid(exc) from None
    call.tenant.create_department(department, client_token=call.client_token)
    return {"department": department_object(call.tenant.department(department.id), call.codec)}


@handles("contact.v3.department.get")
def get_department(call: Call) -> dict[str, Any]:
    if call.params["department_id"] == ROOT_DEPARTMENT:
        return {"department": root_department_object(call.tenant.tenant_row()["name"])}
    return {"department": department_object(find_department(call, call.params["department_id"]), call.codec)}


@handles("contact.v3.department.patch")
def patch_department(call: Call) -> dict[str, Any]:
    department = find_department(call, call.params["department_id"])
    if "department_id" in call.body and call.codec.department_in(str(call.body["department_id"])) != department.id:
        raise bad("department_id", "a department's id cannot change")
    changes = department_changes(call.body, call.codec)
    if changes:
        call.tenant.patch_department(department.id, changes)
    return {"department": department_object(call.tenant.department(department.id), call.codec)}


@handles("contact.v3.department.delete")
def delete_department(call: Call) -> dict[str, Any]:
    department = find_department(call, call.params["department_id"])
    call.tenant.delete_department(department.id)
    return {}


@handles("contact.v3.department.children")
def department_children(call: Call) -> dict[str, Any]:
    """Direct sub-departments, or with fetch_child=true every department below (for "0":
    all of them)."""
    raw = call.params["department_id"]
    parent = None if raw == ROOT_DEPARTMENT else find_department(call, raw).id
    recursive = call.flag("fetch_child")
    departments = call.tenant.departments()
    below = {parent}
    if recursive:
        children: dict[str | None, list[str]] = {}
        for department in departments:
            children.setdefault(department.parent, []).append(department.id)
        pending = [parent]
        while pending:
            for child in children.get(pending.pop(), []):
                if child not in below:
                    below.add(child)
                    pending.append(child)
        chosen = [d for d in departments if d.id in below and d.id != parent]
    else:
        chosen = [d for d in departments if d.parent == parent]
    page, extra = call.page(chosen, "departments", default=10, maximum=DEPARTMENTS_PAGE_MAX)
    return {"items": [department_object(d, call.codec) for d in page], **extra}

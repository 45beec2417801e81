"""Seats, custom user fields and password resets.

Seats: the live service's `assign_info_list` lists only the subscriptions in use
that still have free seats, and omits seats bought but not yet active (and plans
expired): a client counts usage from each user's `assign_info`. The emulator does
the same.

Custom fields: `GET /open-apis/contact/v3/custom_attrs` (a Lark API outside the
reference's list) tells a client each field's type (TEXT, HREF, ENUMERATION) and
options, which it needs to write `custom_attrs` of the right type.

Passwords: the Open API's only password call is `/admin/v1/password/reset` (the user
object has no password field), so it is also how a client sets the initial password
of a member who logs in with the business email. The console asks for that password
when the member is added, or switched to business-email login before their first
sign-in; it is part of adding the member, not a reset. So a member awaits an initial
password from the create or patch (through this API) that made their login the
business email until they first sign in (status active) or an admin resets the
password: while they do, the call sets the initial password, which counts toward no
daily reset limit (and may be set again, so a retried call does no harm); otherwise
the call is a reset, with all of the RESET-PASSWORD rules.
"""

from __future__ import annotations

import json
from typing import Any

from orgstate.emulator.call import Call, handles
from orgstate.emulator.shapes import bad, required_text, subscription_object, text
from orgstate.emulator.users import find_member
from orgstate.errors import ApiError
from orgstate.lark.codes import LarkCode
from orgstate.lark.endpoints import CUSTOM_ATTRS_PAGE_MAX
from orgstate.lark.fields import ATTR_TYPES
from orgstate.lark.passwords import PASSWORD_RULE, VALID_PASSWORD
from orgstate.model.live import LiveMember


@handles("tenant.v2.tenant_product_assign_info.query")
def seat_subscriptions(call: Call) -> dict[str, Any]:
    tenant = call.tenant
    with tenant.reading():
        rows = [
            subscription_object(plan, tenant.seats_used(plan.id))
            for plan in tenant.plans_in_use()
            if tenant.seats_left(plan) > 0
        ]
    return {"assign_info_list": rows, "has_more": False}


@handles("contact.v3.custom_attr.list")
def custom_attrs(call: Call) -> dict[str, Any]:
    rows = call.tenant.query("SELECT id, name, type, options FROM fields ORDER BY position")
    items = []
    for row in rows:
        item: dict[str, Any] = {
            "id": row["id"],
            "type": ATTR_TYPES[row["type"]],
            "i18n_name": [{"locale": "en_us", "value": row["name"]}],
        }
        if row["options"] is not None:
            options = json.loads(row["options"])
            item["options"] = {
                "default_option_id": options[0] if options else "",
                "option_type": "TEXT",
                "options": [{"id": option, "value": option, "name": option} for option in options],
            }
        items.append(item)
    page, extra = call.page(items, "custom_attrs", default=20, maximum=CUSTOM_ATTRS_PAGE_MAX)
    return {"items": page, **extra}


@handles("admin.v1.password.reset")
def reset_password(call: Call) -> dict[str, Any]:
    """Set a member's login password (business-email logins only: 1050024 otherwise):
    the initial one of a member who awaits it, else a reset. The password is never
    echoed, stored or audited."""
    user = required_text(call.body, "user_id")
    password = call.body.get("password")
    if not isinstance(password, dict) or text(password, "ent_email_password") is None:
        raise bad("password.ent_email_password", "is required")
    member = find_member(call, user, with_deleted=False)
    if awaits_initial_password(call, member):
        if not VALID_PASSWORD.fullmatch(password["ent_email_password"]):
            raise ApiError(LarkCode.PASSWORD_FORMAT, PASSWORD_RULE)
        with call.tenant.write(INITIAL_PASSWORD, f"member.{member.id}"):
            call.tenant.require("members")
        return {}
    call.tenant.reset_password(member.id, password["ent_email_password"])
    return {}


INITIAL_PASSWORD = "member.initial_password"  # the audit entry (no password in it)


def awaits_initial_password(call: Call, member: LiveMember) -> bool:
    """A business-email login since this API's create (or the patch that switched it),
    not signed in since (invited or inactive), and not reset since (module docstring)."""
    if member.member.login_type != "business_email" or member.member.business_email is None:
        return False
    if member.status not in ("invited", "inactive"):
        return False
    target = f"member.{member.id}"
    with call.tenant.reading():
        since = call.tenant.scalar(
            "SELECT max(seq) FROM audit WHERE target = ? AND (operation = 'member.create' "
            "OR operation = 'member.patch' AND json_extract(detail, '$.login') = 'business_email')",
            (target,),
        )
        reset = since is not None and call.tenant.scalar(
            "SELECT 1 FROM audit WHERE target = ? AND operation = 'member.reset_password' AND seq > ?",
            (target, since),
        )
    return since is not None and not reset

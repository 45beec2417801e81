"""Seats, custom user fields and password resets.

Seats: the live service's `assign_info_list` lists only the subscriptions in use
that still have free seats, and omits seats bought but not yet active (and plans
expired): a client counts usage from each user's `assign_info`. The emulator does
the same.

Custom fields: `GET /open-apis/contact/v3/custom_attrs` (a Lark API outside the
reference's list) tells a client each field's type (TEXT, HREF, ENUMERATION) and
options, which it needs to write `custom_attrs` of the right type.
"""

from __future__ import annotations

import json
from typing import Any

from orgstate.emulator.call import Call, handles
from orgstate.emulator.shapes import ATTR_TYPES, bad, required_text, subscription_object, text
from orgstate.emulator.users import find_member


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
    page, extra = call.page(items, "custom_attrs", default=20, maximum=100)
    return {"items": page, **extra}


@handles("admin.v1.password.reset")
def reset_password(call: Call) -> dict[str, Any]:
    """Set a member's login password (business-email logins only: 1050024 otherwise).
    The password is never echoed."""
    user = required_text(call.body, "user_id")
    password = call.body.get("password")
    if not isinstance(password, dict) or text(password, "ent_email_password") is None:
        raise bad("password.ent_email_password", "is required")
    member = find_member(call, user, with_deleted=False)
    call.tenant.reset_password(member.id, password["ent_email_password"])
    return {}

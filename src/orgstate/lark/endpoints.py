"""The Open API's endpoints, their rate limits and their page and batch sizes
(reference/lark-open-api.md), as data: the `lark` backend paces and pages by them, the
emulator serves and enforces them, so the two cannot disagree.

Lark limits each API separately, per app and tenant, over a per-minute and a
per-second window; either cap triggers HTTP 429 with
`{"code": 99991400, "msg": "request trigger frequency limit"}` (LarkCode.RATE_LIMITED,
RATE_LIMITED_MSG) and the headers `x-ogw-ratelimit-limit` and `x-ogw-ratelimit-reset`
(seconds to wait).

`ENDPOINTS` lists every path the emulator serves, most specific first (the order
in which paths are matched). `TIERS` maps each endpoint's name to its limits and
`tier_for(method, path)` names the endpoint a request goes to, so that a client
can pace itself by the same table. `api_path(name, **params)` is the path a client
calls, so that no path is written out twice:

    >>> TIERS[tier_for("GET", "/open-apis/contact/v3/users/find_by_department")]
    Tier(per_minute=1000, per_second=50)
    >>> api_path("contact.v3.user.get", user_id="ann")
    '/open-apis/contact/v3/users/ann'

The `orgstate_emulator.*` endpoints are the emulator's extensions, not Lark's: the
emulator serves them and the `lark` backend calls them where they answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

API_PREFIX = "/open-apis"
RATE_LIMITED_MSG = "request trigger frequency limit"
RATE_LIMIT_HEADER = "x-ogw-ratelimit-limit"
RATE_LIMIT_RESET_HEADER = "x-ogw-ratelimit-reset"

# The largest `page_size` each list call accepts ("page_size<=N"); a larger one is 40011.
USERS_PAGE_MAX = 50  # users/find_by_department
DEPARTMENTS_PAGE_MAX = 50  # departments/:id/children
GROUPS_PAGE_MAX = 100  # group/simplelist
GROUP_MEMBERS_PAGE_MAX = 100  # group/:id/member/simplelist
GROUPS_OF_MEMBER_PAGE_MAX = 1000  # group/member_belong
CUSTOM_ATTRS_PAGE_MAX = 100  # custom_attrs (not in the reference)
RESOURCES_PAGE_MAX = 500  # the emulator's own orgstate-emulator/v1/resources
# How many objects one call takes.
USERS_BATCH_MAX = 50  # users/batch user_ids; users/batch_get_id emails and mobiles
GROUP_MEMBERS_BATCH_MAX = 100  # group/:id/member/batch_add|batch_remove ("1-100 members")


@dataclass(frozen=True)
class Tier:
    """Requests allowed per minute and per second (None: no cap on that window)."""

    per_minute: int | None = None
    per_second: int | None = None

    def windows(self) -> tuple[tuple[int, int], ...]:
        """(window length in seconds, limit) for each capped window, shortest first."""
        return tuple((length, limit) for length, limit in ((1, self.per_second), (60, self.per_minute)) if limit)


@dataclass(frozen=True)
class Endpoint:
    name: str  # the API's name: the key of TIERS
    method: str
    path: str  # below /open-apis, with {name} path parameters


UNLIMITED = Tier()
CONTACT = Tier(per_minute=1000, per_second=50)  # users, departments; the reads of groups (not documented)
GROUP_WRITE = Tier(per_minute=100)  # group create / patch / delete
GROUP_BATCH = Tier(per_minute=100)  # group member batch_add / batch_remove
RESURRECT = Tier(per_minute=10)
SEAT_QUERY = Tier(per_minute=100)
PASSWORD_RESET = Tier(per_second=10)

# A user patch that sends `department_ids` or `status.is_frozen` also counts against
# this (in addition to contact.v3.user.patch): "limited to 1/s".
RESTRICTED_PATCH = "contact.v3.user.patch.department_or_frozen"

ENDPOINTS: tuple[tuple[Endpoint, Tier], ...] = (
    (Endpoint("auth.v3.tenant_access_token.internal", "POST", "/auth/v3/tenant_access_token/internal"), UNLIMITED),
    # users
    (Endpoint("contact.v3.user.find_by_department", "GET", "/contact/v3/users/find_by_department"), CONTACT),
    (Endpoint("contact.v3.user.batch", "GET", "/contact/v3/users/batch"), CONTACT),
    (Endpoint("contact.v3.user.batch_get_id", "POST", "/contact/v3/users/batch_get_id"), CONTACT),
    (Endpoint("contact.v3.user.create", "POST", "/contact/v3/users"), CONTACT),
    (Endpoint("contact.v3.user.resurrect", "POST", "/contact/v3/users/{user_id}/resurrect"), RESURRECT),
    (Endpoint("contact.v3.user.get", "GET", "/contact/v3/users/{user_id}"), CONTACT),
    (Endpoint("contact.v3.user.patch", "PATCH", "/contact/v3/users/{user_id}"), CONTACT),
    (Endpoint("contact.v3.user.delete", "DELETE", "/contact/v3/users/{user_id}"), CONTACT),
    # departments (the reference gives no limits: the users' tier)
    (Endpoint("contact.v3.department.create", "POST", "/contact/v3/departments"), CONTACT),
    (Endpoint("contact.v3.department.children", "GET", "/contact/v3/departments/{department_id}/children"), CONTACT),
    (Endpoint("contact.v3.department.get", "GET", "/contact/v3/departments/{department_id}"), CONTACT),
    (Endpoint("contact.v3.department.patch", "PATCH", "/contact/v3/departments/{department_id}"), CONTACT),
    (Endpoint("contact.v3.department.delete", "DELETE", "/contact/v3/departments/{department_id}"), CONTACT),
    (Endpoint("contact.v3.custom_attr.list", "GET", "/contact/v3/custom_attrs"), CONTACT),
    # user groups and their members
    (Endpoint("contact.v3.group.simplelist", "GET", "/contact/v3/group/simplelist"), CONTACT),
    (Endpoint("contact.v3.group.member_belong", "GET", "/contact/v3/group/member_belong"), CONTACT),
    (Endpoint("contact.v3.group.create", "POST", "/contact/v3/group"), GROUP_WRITE),
    (Endpoint("contact.v3.group.get", "GET", "/contact/v3/group/{group_id}"), CONTACT),
    (Endpoint("contact.v3.group.patch", "PATCH", "/contact/v3/group/{group_id}"), GROUP_WRITE),
    (Endpoint("contact.v3.group.delete", "DELETE", "/contact/v3/group/{group_id}"), GROUP_WRITE),
    (Endpoint("contact.v3.group_member.add", "POST", "/contact/v3/group/{group_id}/member/add"), CONTACT),
    (Endpoint("contact.v3.group_member.remove", "POST", "/contact/v3/group/{group_id}/member/remove"), CONTACT),
    (
        Endpoint("contact.v3.group_member.batch_add", "POST", "/contact/v3/group/{group_id}/member/batch_add"),
        GROUP_BATCH,
    ),
    (
        Endpoint("contact.v3.group_member.batch_remove", "POST", "/contact/v3/group/{group_id}/member/batch_remove"),
        GROUP_BATCH,
    ),
    (Endpoint("contact.v3.group_member.simplelist", "GET", "/contact/v3/group/{group_id}/member/simplelist"), CONTACT),
    # seats and passwords
    (
        Endpoint("tenant.v2.tenant_product_assign_info.query", "GET", "/tenant/v2/tenant/assign_info_list/query"),
        SEAT_QUERY,
    ),
    (Endpoint("admin.v1.password.reset", "POST", "/admin/v1/password/reset"), PASSWORD_RESET),
    # the emulator's own extensions: no Lark counterpart, so no Lark limit
    (Endpoint("orgstate_emulator.v1.resources", "GET", "/orgstate-emulator/v1/resources"), UNLIMITED),
    (Endpoint("orgstate_emulator.v1.offboarding", "GET", "/orgstate-emulator/v1/offboarding"), UNLIMITED),
)

TIERS: dict[str, Tier] = {endpoint.name: tier for endpoint, tier in ENDPOINTS}
TIERS[RESTRICTED_PATCH] = Tier(per_second=1)
_BY_NAME = {endpoint.name: endpoint for endpoint, _ in ENDPOINTS}

_PATTERNS = tuple(
    (endpoint, re.compile("^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(API_PREFIX + endpoint.path)) + "$"))
    for endpoint, _ in ENDPOINTS
)


def api_path(name: str, **params: str) -> str:
    """The full path of the endpoint `name` (the key of TIERS), its {name} parameters
    filled in; KeyError for an unknown endpoint or a missing parameter."""
    return API_PREFIX + _BY_NAME[name].path.format(**params)


def tier_for(method: str, path: str) -> str:
    """The name of the endpoint (the key of TIERS) that serves this request; KeyError if none.
    `path` may carry a query string and may leave out the /open-apis prefix."""
    path = path.split("?", 1)[0].rstrip("/") or "/"
    if not path.startswith(API_PREFIX + "/"):
        path = API_PREFIX + path
    method = method.upper()
    for endpoint, pattern in _PATTERNS:
        if endpoint.method == method and pattern.match(path):
            return endpoint.name
    raise KeyError(f"{method} {path} is not an emulated endpoint")


def is_restricted_patch(body: object) -> bool:
    """A user patch that changes departments or freezes/unfreezes (the 1/s tier)."""
    if not isinstance(body, dict):
        return False
    status = body.get("status")
    return "department_ids" in body or (isinstance(status, dict) and "is_frozen" in status)

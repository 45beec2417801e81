"""The Open API's rate limits per endpoint tier (reference/lark-open-api.md), and a
client-side limiter that paces requests to stay just inside them.

Limits are per API, per app and per tenant; either the per-minute or the per-second
cap triggers a 429. Pacing to both keeps 429s rare, so a run takes close to the
minimum the limits allow."""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Tier:
    per_minute: int | None
    per_second: int | None


TIERS: dict[str, Tier] = {
    "users": Tier(1000, 50),
    "users.resurrect": Tier(10, None),
    "departments": Tier(1000, 50),
    "groups": Tier(100, None),
    "group_members": Tier(1000, 50),
    "group_members.batch": Tier(100, None),
    "seats": Tier(100, None),
    "passwords": Tier(None, 10),
    "auth": Tier(None, None),
    "extension": Tier(None, None),
}

# (method, path pattern) -> tier; the first that matches wins.
ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, re.compile(pattern), tier)
    for method, pattern, tier in (
        ("POST", r"^/open-apis/auth/", "auth"),
        ("POST", r"^/open-apis/contact/v3/users/[^/]+/resurrect$", "users.resurrect"),
        ("*", r"^/open-apis/contact/v3/users", "users"),
        ("*", r"^/open-apis/contact/v3/departments", "departments"),
        ("POST", r"^/open-apis/contact/v3/group/[^/]+/member/batch_(add|remove)$", "group_members.batch"),
        ("*", r"^/open-apis/contact/v3/group/[^/]+/member", "group_members"),
        ("*", r"^/open-apis/contact/v3/group/member_belong", "group_members"),
        ("*", r"^/open-apis/contact/v3/group", "groups"),
        ("*", r"^/open-apis/tenant/v2/tenant/assign_info_list", "seats"),
        ("*", r"^/open-apis/admin/v1/password", "passwords"),
        ("*", r"^/open-apis/orgstate-emulator/", "extension"),
    )
)


def tier_for(method: str, path: str) -> str:
    for route_method, pattern, tier in ROUTES:
        if route_method in ("*", method) and pattern.search(path):
            return tier
    return "users"


class Pacer:
    """Waits before each request of a tier until it fits both of the tier's windows."""

    def __init__(self, tiers: dict[str, Tier] | None = None, margin: float = 0.0) -> None:
        self.tiers = tiers or TIERS
        self.margin = margin
        self.sent: dict[str, deque[float]] = {}
        self.lock = threading.Lock()
        self.requests = 0

    def wait(self, tier: str) -> None:
        limit = self.tiers[tier]
        while True:
            with self.lock:
                now = time.monotonic()
                sent = self.sent.setdefault(tier, deque())
                while sent and now - sent[0] >= 60:
                    sent.popleft()
                delay = 0.0
                if limit.per_minute is not None and len(sent) >= limit.per_minute:
                    delay = sent[len(sent) - limit.per_minute] + 60 - now
                if limit.per_second is not None:
                    recent = [t for t in sent if now - t < 1]
                    if len(recent) >= limit.per_second:
                        delay = max(delay, recent[len(recent) - limit.per_second] + 1 - now)
                if delay <= 0:
                    sent.append(now)
                    self.requests += 1
                    return
            time.sleep(delay + self.margin)

"""A client-side limiter that paces requests to stay just inside the Open API's limits.

Limits are per API, per app and per tenant; either the per-minute or the per-second
cap triggers a 429. The endpoint catalogue and its tiers are the emulator's table
(orgstate.emulator.ratelimit, plain data with no server dependency), so client and
emulator cannot disagree. Pacing to both windows keeps 429s rare, so a run takes
close to the minimum the limits allow."""

from __future__ import annotations

import threading
import time
from collections import deque

from orgstate.emulator.ratelimit import RESTRICTED_PATCH, TIERS, Tier, is_restricted_patch, tier_for

__all__ = ["RESTRICTED_PATCH", "Pacer", "is_restricted_patch", "tier_for"]


class Pacer:
    """Waits before each request of a tier until it fits both of the tier's windows."""

    def __init__(self, tiers: dict[str, Tier] | None = None, margin: float = 0.0) -> None:
        self.tiers = TIERS if tiers is None else tiers
        self.margin = margin
        self.sent: dict[str, deque[float]] = {}
        self.lock = threading.Lock()
        self.requests = 0

    def wait(self, tier: str) -> None:
        limit = self.tiers.get(tier, Tier())
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

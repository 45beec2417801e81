"""A client-side limiter that paces requests to stay just inside the Open API's limits,
and the least time those limits allow a run (the plan's estimate, the benchmark's yardstick).

Limits are per API, per app and per tenant; either the per-minute or the per-second
cap triggers a 429. The endpoint catalogue and its tiers are orgstate.lark.endpoints,
the table the emulator enforces too, so client and emulator cannot disagree. Pacing to
both windows keeps 429s rare, so a run takes close to the minimum the limits allow.

Request counts here are per pacing tier, the keys of TIERS: a user patch that moves
departments or freezes counts under its endpoint and under RESTRICTED_PATCH too."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping

from orgstate.lark.endpoints import TIERS, Tier

# A request sent this close to the end of a window may reach the service in the next one,
# so it is counted in both (loopback and a nearby region deliver well within it).
GUARD = 0.005
# A snapshot reads the department tree before anything else (the members' lists need it).
FIRST_READ = "contact.v3.department.children"


class Pacer:
    """Waits before each request of a tier until it fits both of the tier's windows.

    The service counts fixed windows (whole seconds and minutes); so does the pacer, by
    the wall clock, which lets each window fill up exactly: a sliding window would wait
    longer than the service asks, and would not stop a request that leaves at a window's
    end from counting in the next."""

    def __init__(
        self,
        tiers: dict[str, Tier] | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.tiers = TIERS if tiers is None else tiers
        self.clock = clock
        self.sleep = sleep
        self.counts: dict[tuple[str, int, int], int] = {}  # (tier, window length, window number) -> requests
        self.lock = threading.Lock()
        self.requests = 0

    def wait(self, tier: str) -> None:
        windows = self.tiers.get(tier, Tier()).windows()
        while True:
            with self.lock:
                now = self.clock()
                slots = [
                    ((tier, length, number), limit)
                    for length, limit in windows
                    for number in {math.floor(now / length), math.floor((now + GUARD) / length)}
                ]
                delay = max(
                    ((key[2] + 1) * key[1] - now for key, limit in slots if self.counts.get(key, 0) >= limit),
                    default=0.0,
                )
                if delay <= 0:
                    for key, _ in slots:
                        self.counts[key] = self.counts.get(key, 0) + 1
                    self.requests += 1
                    self._forget(now)
                    return
            self.sleep(delay)

    def _forget(self, now: float) -> None:
        """Drop counts of windows long past (keeps the table small on long runs)."""
        if len(self.counts) > 1024:
            self.counts = {k: v for k, v in self.counts.items() if (k[2] + 2) * k[1] > now}


def minimum_seconds(tier: str, requests: int) -> float:
    """The earliest the last of `requests` calls to one tier can go, counted from the
    first (fixed windows: each full window waits for the next one to open)."""
    windows = TIERS.get(tier, Tier()).windows() if requests else ()
    return float(max(((math.ceil(requests / limit) - 1) * length for length, limit in windows), default=0))


def refresh_seconds(requests: Mapping[str, int]) -> float:
    """A snapshot: the department tree first, then every other list at once (each tier
    paced alone, so the busiest bounds them)."""
    rest = (minimum_seconds(tier, n) for tier, n in requests.items() if tier != FIRST_READ)
    return minimum_seconds(FIRST_READ, requests.get(FIRST_READ, 0)) + max(rest, default=0.0)


def apply_seconds(refresh: Mapping[str, int], changes: Mapping[str, int]) -> float:
    """Apply: a refresh under the lock (the stale check), then the changes one after
    another, each written and read back. Every tier paces itself alone, so the busiest
    bounds the changes; a tier that both phases use cannot beat its windows for all of
    their requests either. The larger of the two bounds."""
    phases = refresh_seconds(refresh) + max((minimum_seconds(t, n) for t, n in changes.items()), default=0.0)
    together = {tier: refresh.get(tier, 0) + changes.get(tier, 0) for tier in {*refresh, *changes}}
    return max(phases, refresh_seconds(together))

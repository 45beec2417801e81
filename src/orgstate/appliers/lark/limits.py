"""A client-side limiter that paces requests to stay just inside the Open API's limits.

Limits are per API, per app and per tenant; either the per-minute or the per-second
cap triggers a 429. The endpoint catalogue and its tiers are orgstate.lark.endpoints,
the table the emulator enforces too, so client and emulator cannot disagree. Pacing to
both windows keeps 429s rare, so a run takes close to the minimum the limits allow."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from orgstate.lark.endpoints import TIERS, Tier

# A request sent this close to the end of a window may reach the service in the next one,
# so it is counted in both (loopback and a nearby region deliver well within it).
GUARD = 0.005


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

"""The emulator's rate limiter: it counts requests against the tiers of
orgstate.lark.endpoints and refuses one that would pass a limit, as the Open API does
(HTTP 429, LarkCode.RATE_LIMITED, the x-ogw-ratelimit-* headers).

Windows are fixed (aligned to whole seconds and minutes of the limiter's clock);
only admitted requests count.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from orgstate.lark.endpoints import RATE_LIMIT_HEADER, RATE_LIMIT_RESET_HEADER, TIERS, Tier


@dataclass(frozen=True)
class Refusal:
    """Why a request was refused: the limit that triggered and seconds until it resets."""

    limit: int
    reset: int

    def headers(self) -> dict[str, str]:
        return {RATE_LIMIT_HEADER: str(self.limit), RATE_LIMIT_RESET_HEADER: str(self.reset)}


class RateLimiter:
    """Fixed-window counters per (app, endpoint, window)."""

    def __init__(self, tiers: dict[str, Tier] | None = None, clock: Callable[[], float] = time.time) -> None:
        self.tiers = TIERS if tiers is None else tiers
        self.clock = clock
        self._windows: dict[tuple[str, str, int], tuple[int, int]] = {}  # -> (window number, count)

    def admit(self, app_id: str, names: list[str]) -> Refusal | None:
        """Count the request against every named endpoint, or refuse it (counting nothing)."""
        now = self.clock()
        slots: list[tuple[tuple[str, str, int], int, int]] = []
        for name in names:
            for length, limit in self.tiers[name].windows():
                key = (app_id, name, length)
                number = math.floor(now / length)
                current, count = self._windows.get(key, (number, 0))
                count = count if current == number else 0
                if count >= limit:
                    return Refusal(limit=limit, reset=max(1, math.ceil((number + 1) * length - now)))
                slots.append((key, number, count))
        for key, number, count in slots:
            self._windows[key] = (number, count + 1)
        return None

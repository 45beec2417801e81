"""An injectable clock, so that restore windows, plan expiry and password-reset
limits can be tested on any date."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FixedClock:
    """A clock that stands still until moved (tests, and fixtures that set `today`)."""

    def __init__(self, at: dt.datetime | dt.date) -> None:
        self.at = at if isinstance(at, dt.datetime) else dt.datetime.combine(at, dt.time(9), dt.UTC)

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)

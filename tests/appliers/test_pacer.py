"""The client's pacer against the emulator's limiter, on one clock: every request the
pacer lets go is admitted, and each window fills up (so a run takes the minimum)."""

from __future__ import annotations

import pytest

from orgstate.appliers.lark.limits import Pacer
from orgstate.emulator.ratelimit import RateLimiter
from orgstate.lark.endpoints import Tier

TIERS = {"reads": Tier(per_minute=1000, per_second=50), "writes": Tier(per_minute=100)}


class Clock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize(
    ("tier", "requests", "start", "last"),
    [
        ("reads", 120, 10.3, 12.0),  # 50 in what is left of the first second, then 50, then 20
        ("reads", 50, 7.0, 7.0),
        ("reads", 1001, 0.0, 60.0),  # the per-minute cap: the 1001st waits for the next minute
        ("writes", 150, 30.0, 60.0),
    ],
)
def test_the_pacer_fills_each_window_and_never_exceeds_one(tier: str, requests: int, start: float, last: float) -> None:
    clock = Clock(start)
    pacer = Pacer(TIERS, clock=clock, sleep=clock.sleep)
    limiter = RateLimiter(TIERS, clock=clock)
    for _ in range(requests):
        pacer.wait(tier)
        assert limiter.admit("app", [tier]) is None, f"refused at {clock.now}"
    assert clock.now == pytest.approx(last)


def test_a_request_leaving_at_a_windows_end_counts_in_the_next_too() -> None:
    clock = Clock(5.999)
    pacer = Pacer({"one": Tier(per_second=1)}, clock=clock, sleep=clock.sleep)
    pacer.wait("one")  # may arrive at 6.0 or later
    pacer.wait("one")
    assert clock.now == pytest.approx(7.0)

"""How every backend's client waits before it retries a request the service failed (a
429 without a reset time, a 5xx answer, no answer), and how it says so: one rule, so that
the lark and scim backends back off alike."""

from __future__ import annotations

import random

FIRST_WAIT = 0.2  # seconds before the second attempt, doubling after each failure
LONGEST_WAIT = 8.0


def backoff(attempt: int, rng: random.Random) -> float:
    """The wait after failed attempt `attempt` (0: the first): exponential, capped, and
    jittered to between half and one and a half times that, so that clients that failed
    together do not retry together."""
    return min(LONGEST_WAIT, FIRST_WAIT * 2.0**attempt) * (0.5 + rng.random())


def retry_notice(request: str, pause: float, problem: str, attempt: int, attempts: int) -> str:
    """What progress says of a retry: `retrying GET /v2/Users in 0.3 s: HTTP 503 (attempt 2 of 6)`."""
    return f"retrying {request} in {pause:.1f} s: {problem} (attempt {attempt + 2} of {attempts})"

"""Fault injection: `FaultSpec.parse("5xx=0.05,429=0.05,timeout=0.01,html502=0.01,seed=7")`.

Each authenticated API request (not the token endpoint) draws one number from a
seeded `random.Random`, so that a run with a fixed seed and the same request
sequence meets the same faults. The probabilities are per request and add up to at
most 1:

    5xx      HTTP 500, JSON envelope {"code": 40003, "msg": "internal error"}; nothing applied
    429      HTTP 429 exactly as the rate limiter answers (limit header: the endpoint's
             tightest cap, reset 1 s); nothing applied
    html502  HTTP 502 with an HTML body (Content-Type text/html), as a gateway in
             front of the service answers; nothing applied
    timeout  the request IS applied, then the answer is held back for `stall` seconds
             (default 15, longer than the SDK's usual 10 s timeout): the client times
             out although the server did the work, which only idempotency (client
             tokens, re-reading before writing) survives

Other keys: `seed` (an integer; default: unseeded) and `stall` (seconds).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import Enum

from orgstate.errors import UsageError

DEFAULT_STALL_SECONDS = 15.0


class Fault(Enum):
    SERVER_ERROR = "5xx"
    RATE_LIMITED = "429"
    TIMEOUT = "timeout"
    HTML_502 = "html502"


@dataclass(frozen=True)
class FaultSpec:
    probabilities: tuple[tuple[Fault, float], ...] = ()
    seed: int | None = None
    stall: float = DEFAULT_STALL_SECONDS

    @classmethod
    def parse(cls, spec: str) -> FaultSpec:
        """Read `KEY=VALUE,...`; a UsageError names what is wrong."""
        chances: dict[Fault, float] = {}
        seed: int | None = None
        stall = DEFAULT_STALL_SECONDS
        keys = ", ".join([*(fault.value for fault in Fault), "seed", "stall"])
        for item in filter(None, (part.strip() for part in spec.split(","))):
            key, sep, value = item.partition("=")
            key, value = key.strip(), value.strip()
            if not sep or not value:
                raise UsageError(f"--faults: '{item}' is not KEY=VALUE (keys: {keys})")
            try:
                if key == "seed":
                    seed = int(value)
                elif key == "stall":
                    stall = float(value)
                    if stall < 0:
                        raise ValueError
                else:
                    fault = Fault(key)
                    chance = float(value)
                    if not 0 <= chance <= 1:
                        raise ValueError
                    chances[fault] = chance
            except ValueError:
                raise UsageError(f"--faults: bad value in '{item}' (keys: {keys})") from None
        if sum(chances.values()) > 1:
            raise UsageError("--faults: the probabilities add up to more than 1")
        ordered = tuple((fault, chances[fault]) for fault in Fault if chances.get(fault))
        return cls(probabilities=ordered, seed=seed, stall=stall)

    def injector(self) -> FaultInjector:
        return FaultInjector(self)


class FaultInjector:
    """Draws the fault (or none) for each request, in request order."""

    def __init__(self, spec: FaultSpec) -> None:
        self.spec = spec
        self._random = random.Random(spec.seed)

    def draw(self) -> Fault | None:
        point = self._random.random()
        for fault, chance in self.spec.probabilities:
            if point < chance:
                return fault
            point -= chance
        return None

"""Static seats: the seat assignments' coverage and steps 1 to 3 of seat resolution,
computed once per configuration for `validate` and reused by `plan` and `drift`."""

from __future__ import annotations

from dataclasses import dataclass

from orgstate.config.sources import Sources
from orgstate.model.config import OrgConfig
from orgstate.seating.coverage import SeatListProblem, assignment_coverage
from orgstate.seating.resolution import SeatResolution, resolve_seats


@dataclass(frozen=True)
class StaticSeats:
    coverage: list[set[str]]  # who each seat assignment covers (from_plan: nobody yet)
    problems: list[SeatListProblem]
    resolution: SeatResolution


def resolve_static(config: OrgConfig, sources: Sources | None = None) -> StaticSeats:
    coverage, problems = assignment_coverage(config, sources)
    return StaticSeats(coverage, problems, resolve_seats(config, coverage))

"""What every rule family reads: the configuration and its indexes, built once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from orgstate.config.sources import Sources
from orgstate.diagnostics import DocPath, format_path
from orgstate.model.config import Member, OrgConfig
from orgstate.seating.static import StaticSeats, resolve_static
from orgstate.suggest import did_you_mean

# Suggestions compare against every id; past this many per run they are skipped.
SUGGESTION_BUDGET = 50


def first_index(ids: Iterator[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    for position, item_id in enumerate(ids):
        index.setdefault(item_id, position)
    return index


@dataclass
class RuleContext:
    config: OrgConfig
    sources: Sources | None = None
    _suggestions_left: int = field(default=SUGGESTION_BUDGET, repr=False)

    @cached_property
    def static_seats(self) -> StaticSeats:
        """Seat resolution without live data: `validate` computes it, `plan` reuses it."""
        return resolve_static(self.config, self.sources)

    @cached_property
    def members(self) -> dict[str, int]:
        return first_index(member.id for member in self.config.members)

    @cached_property
    def departments(self) -> dict[str, int]:
        return first_index(department.id for department in self.config.departments)

    @cached_property
    def groups(self) -> dict[str, int]:
        return first_index(group.id for group in self.config.user_groups)

    @cached_property
    def plans(self) -> dict[str, int]:
        return first_index(plan.id for plan in self.config.org.plans)

    @cached_property
    def fields(self) -> dict[str, int]:
        return first_index(custom.id for custom in self.config.fields)

    @cached_property
    def renamed(self) -> dict[str, str]:
        """Old User ID -> the declared member renamed from it."""
        return {m.renamed_from: m.id for m in self.config.members if m.renamed_from is not None}

    @cached_property
    def offboarded(self) -> dict[str, int]:
        return first_index(entry.id for entry in self.config.offboarding)

    def member(self, member_id: str) -> Member | None:
        position = self.members.get(member_id)
        return None if position is None else self.config.members[position]

    def suggest(self, word: str, candidates: dict[str, int]) -> str:
        if self._suggestions_left <= 0:
            return ""
        self._suggestions_left -= 1
        return did_you_mean(word, candidates.keys())

    def field_path(self, at: DocPath) -> str:
        """`at` as the user sees it: relative to its own file."""
        local = self.sources.to_local(at)[1] if self.sources is not None else at
        return format_path(local)

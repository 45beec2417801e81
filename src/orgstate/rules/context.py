"""What every rule family reads: the configuration and its indexes, built once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol, TypeVar

from orgstate.config.sources import Sources
from orgstate.diagnostics import DocPath, format_path
from orgstate.model.config import Member, OrgConfig
from orgstate.seating.static import StaticSeats, resolve_static
from orgstate.suggest import did_you_mean

# Suggestions compare against every id; past this many per run they are skipped.
SUGGESTION_BUDGET = 50


def first_index(ids: Iterable[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    for position, item_id in enumerate(ids):
        index.setdefault(item_id, position)
    return index


class HasId(Protocol):
    @property
    def id(self) -> str: ...


Item = TypeVar("Item", bound=HasId)


def first_occurrences(items: Sequence[Item], index: Mapping[str, int] | None = None) -> list[tuple[int, Item]]:
    """(position, item) for each item whose id no earlier item has. A repeated id is
    ID-UNIQUE's to report; every other rule reads the first item with that id only, so
    that a repeat never shows up again as a cycle, a duplicate name or a second seat."""
    index = first_index(item.id for item in items) if index is None else index
    if len(index) == len(items):
        return list(enumerate(items))
    return [(position, item) for position, item in enumerate(items) if index[item.id] == position]


@dataclass
class RuleContext:
    config: OrgConfig
    sources: Sources | None = None
    # section -> ids of items that failed the schema (config/partial.py): references to
    # them are neither unknown nor checked.
    unchecked: Mapping[str, frozenset[str]] = field(default_factory=dict)
    _suggestions_left: int = field(default=SUGGESTION_BUDGET, repr=False)

    @cached_property
    def static_seats(self) -> StaticSeats:
        """Seat resolution without live data: `validate` computes it, `plan` reuses it."""
        config = self.config
        if len(self.members) < len(config.members) or len(self.groups) < len(config.user_groups):
            members = tuple(member for _, member in first_occurrences(config.members, self.members))
            groups = tuple(group for _, group in first_occurrences(config.user_groups, self.groups))
            config = config.model_copy(update={"members": members, "user_groups": groups})
        return resolve_static(config, self.sources)

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
        renamed: dict[str, str] = {}
        for _, member in first_occurrences(self.config.members, self.members):
            if member.renamed_from is not None:
                renamed.setdefault(member.renamed_from, member.id)
        return renamed

    @cached_property
    def offboarded(self) -> dict[str, int]:
        return first_index(entry.id for entry in self.config.offboarding)

    def is_unchecked(self, section: str, item_id: str) -> bool:
        """Whether `item_id` names an item of `section` that failed the schema."""
        return item_id in self.unchecked.get(section, ())

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

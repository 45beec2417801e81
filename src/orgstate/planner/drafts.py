"""Changes before they are ordered: each names the phase it belongs to and what must
come before it; `planner.capacity.schedule` orders them and `number_drafts` numbers
them and resolves their dependencies."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from orgstate.planner.changes import Change, change_from


class Phase(IntEnum):
    """SPEC section 5: departments (parents first), seat releases, members (managers
    before reports, restores before updates), department leaders, groups and their
    members, seat assignments, offboarding (suspend, transfer, delete), then group and
    department deletions (children first)."""

    DEPARTMENTS = 1
    SEAT_RELEASES = 2
    MEMBERS = 3
    LEADERS = 4
    GROUPS = 5
    SEAT_ASSIGNMENTS = 6
    OFFBOARDING = 7
    REMOVALS = 8


def key(change_type: str, action: str, address: str) -> str:
    return f"{change_type}.{action} {address}"


@dataclass(frozen=True)
class Draft:
    phase: Phase
    type: str
    action: str
    address: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    fields: tuple[str, ...] = ()
    reason: str = ""
    irreversible: bool = False
    # Order within the phase, before the address (depth in a tree, step of an offboarding).
    rank: tuple[Any, ...] = ()
    # Keys of drafts that must come first, when the plan has them.
    needs: tuple[str, ...] = ()
    # The key of a draft this one goes right after (a new member's seat rides with the
    # create, as the Open API takes both in one call).
    follows: str | None = None

    @property
    def key(self) -> str:
        return key(self.type, self.action, self.address)


@dataclass
class Drafts:
    items: dict[str, Draft] = field(default_factory=dict)

    def add(self, draft: Draft) -> None:
        assert draft.key not in self.items, f"planned twice: {draft.key}"
        self.items[draft.key] = draft

    def __contains__(self, draft_key: str) -> bool:
        return draft_key in self.items


def change_id(number: int) -> str:
    return f"c{number:04d}"


def number_drafts(ordered: list[Draft], also_needs: dict[str, list[str]]) -> tuple[Change, ...]:
    """Changes from drafts in apply order: numbered, each depending on what it needs that
    the plan has (and on what `also_needs` adds, such as the change that frees its seat)."""
    numbers = {draft.key: number for number, draft in enumerate(ordered, start=1)}
    changes = []
    for draft in ordered:
        needs = (*draft.needs, *also_needs.get(draft.key, ()))
        depends_on = sorted({numbers[need] for need in needs if need in numbers})
        assert all(dep < numbers[draft.key] for dep in depends_on), f"{draft.key} would run before what it needs"
        changes.append(
            change_from(
                {
                    "id": change_id(numbers[draft.key]),
                    "type": draft.type,
                    "action": draft.action,
                    "address": draft.address,
                    "before": draft.before,
                    "after": draft.after,
                    "fields": draft.fields,
                    "reason": draft.reason,
                    "depends_on": [change_id(number) for number in depends_on],
                    "irreversible": draft.irreversible,
                }
            )
        )
    return tuple(changes)

"""Which changes may go to a backend as one call."""

from __future__ import annotations

from orgstate.appliers.base import batches
from orgstate.lark.endpoints import GROUP_MEMBERS_BATCH_MAX
from orgstate.planner.changes import Change
from tests.samples import change


def add(number: int, group: str = "g", depends_on: tuple[str, ...] = ()) -> Change:
    pair = {"group": group, "member": f"m{number}"}
    return change("group_member", "add", f"group_member.{group}/m{number}", number, after=pair, depends_on=depends_on)


def update(number: int) -> Change:
    return change("member", "update", f"member.m{number}", number, before={}, after={})


def shape(changes: list[Change]) -> list[list[str]]:
    return [[c.id for c in batch] for batch in batches(changes)]


def test_consecutive_member_changes_of_one_group_go_together() -> None:
    changes = [update(1), add(2), add(3), add(4, "h"), add(5, "h"), update(6), add(7)]
    assert shape(changes) == [["c0001"], ["c0002", "c0003"], ["c0004", "c0005"], ["c0006"], ["c0007"]]


def test_a_change_that_depends_on_one_in_the_batch_starts_a_new_one() -> None:
    assert shape([add(1), add(2, depends_on=("c0001",)), add(3)]) == [["c0001"], ["c0002", "c0003"]]


def test_batches_hold_at_most_the_api_limit() -> None:
    sizes = [len(batch) for batch in batches([add(n) for n in range(1, 251)])]
    assert sizes == [GROUP_MEMBERS_BATCH_MAX, GROUP_MEMBERS_BATCH_MAX, 50]

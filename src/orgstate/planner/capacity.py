"""The seat walk: an order of the plan's changes in which no step exceeds a plan's seats.

Capacity is checked after the plan's own releases and deletions (SPEC section 3), so
apply must run the seat-freeing changes before the seat-taking changes that need
them. `schedule` orders the drafts by phase, rank and address (in natural order, `u2`
before `u10`) as SPEC section 5 says, but holds a change that would take a seat of a
full plan until a change frees one; the taker then depends on the change that freed
its seat (if that one fails, the taker is skipped instead of failing). When no order
fits, the walk says which change would overfill which plan, and the plan cannot be
applied.

`SeatModel` follows each change with the tenant's seat rules as the admin help pages
give them (a seated user group seats a new member only while seats remain; a member
leaving the group that seated them loses the seat; a deleted member's seat is
released). It is a second reading of those rules, apart from the tenant engine's.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic, error
from orgstate.model.config import UserGroup
from orgstate.model.live import LiveMember
from orgstate.natural import natural_key
from orgstate.planner.context import PlanContext
from orgstate.planner.drafts import Draft, Drafts

# member -> (plan, source, the group that gave it)
Holding = tuple[str, str, str | None]


@dataclass
class SeatModel:
    capacity: dict[str, int]
    live: dict[str, LiveMember]
    groups: tuple[UserGroup, ...]
    group_seat: dict[str, str | None]
    # group -> its members, in order (a dict as an ordered set)
    group_members: dict[str, dict[str, None]]
    used: Counter[str]
    # The seats the changes followed so far gave or took (_NO_SEAT: none); others are live.
    held: dict[str, Any] = field(default_factory=dict)
    # While trying changes: how to undo each mutation, and the net change per plan.
    undo: list[Callable[[], None]] = field(default_factory=list)
    delta: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, ctx: PlanContext) -> SeatModel:
        groups = ctx.snapshot.user_groups
        return cls(
            capacity={plan.id: plan.seats for plan in ctx.snapshot.org.plans},
            live=ctx.live_members,
            groups=groups,
            group_seat={g.id: g.seat for g in groups},
            group_members={g.id: dict.fromkeys(g.members) for g in groups},
            used=Counter(m.seat for m in ctx.live_members.values() if m.seat is not None),
        )

    def holding(self, member_id: str) -> Holding | None:
        """The seat a member holds at this point of the walk."""
        if member_id in self.held:
            value = self.held[member_id]
            return None if value is _NO_SEAT else value
        member = self.live.get(member_id)
        if member is None or member.seat is None:
            return None
        via = None
        if member.seat_source == "group":
            via = next((g.id for g in self.groups if g.seat == member.seat and member_id in g.members), None)
        return (member.seat, member.seat_source or "explicit", via)

    def attempt(self, drafts: list[Draft]) -> Counter[str]:
        """Follow the drafts and return each plan's net change; `keep` or `rollback` next."""
        self.undo, self.delta = [], Counter()
        for draft in drafts:
            self.step(draft)
        return self.delta

    def keep(self) -> None:
        self.undo = []

    def rollback(self) -> None:
        for undo in reversed(self.undo):
            undo()
        self.undo = []

    def fits(self, plan: str, extra: int) -> bool:
        return self.used[plan] + extra <= self.capacity.get(plan, 0)

    def _replace(self, mapping: dict[str, Any], key: str, value: Any) -> None:
        """mapping[key] = value (or del, for _GONE), remembering how to undo it."""
        old = mapping.get(key, _GONE)
        if value is _GONE:
            mapping.pop(key, None)
        else:
            mapping[key] = value

        def undo() -> None:
            if old is _GONE:
                mapping.pop(key, None)
            else:
                mapping[key] = old

        self.undo.append(undo)

    def _set(self, member: str, holding: Holding | None) -> None:
        old = self.holding(member)
        if old is not None:
            self._count(old[0], -1)
        if holding is not None:
            self._count(holding[0], 1)
        self._replace(self.held, member, _NO_SEAT if holding is None else holding)

    def _count(self, plan: str, change: int) -> None:
        self.used[plan] += change
        self.delta[plan] += change

        def undo() -> None:
            self.used[plan] -= change

        self.undo.append(undo)

    def step(self, draft: Draft) -> None:
        """Follow one change with the tenant's seat rules."""
        before, after = draft.before or {}, draft.after or {}
        match (draft.type, draft.action):
            case ("seat", "assign"):
                held = self.holding(after["member"])
                source = after.get("source") or "explicit"
                source = "explicit" if source == "group" else source  # only a membership gives a group's seat
                moves = held is None or held[0] != after["plan"]
                if moves or (source in ("explicit", "rule") and held is not None and held[1] != source):
                    self._set(after["member"], (after["plan"], source, None))
            case ("seat", "release"):
                if self.holding(before["member"]) is not None:
                    self._set(before["member"], None)
            case ("member", "delete"):
                member = before["id"]
                if self.holding(member) is not None:
                    self._set(member, None)
                for group, members in self.group_members.items():
                    if member in members:
                        self._replace(self.group_members, group, {m: None for m in members if m != member})
            case ("group_member", "add"):
                group, member = after["group"], after["member"]
                self._replace(self.group_members, group, {**self.group_members.get(group, {}), member: None})
                self._from_group(group, member)
            case ("group_member", "remove"):
                group, member = before["group"], before["member"]
                members = self.group_members.get(group, {})
                self._replace(self.group_members, group, {m: None for m in members if m != member})
                self._leave_group(group, member)
            case ("user_group", "create"):
                self._replace(self.group_seat, after["id"], after.get("seat"))
                self._replace(self.group_members, after["id"], {})
            case ("user_group", "update") if "seat" in after:
                group = draft.address.split(".", 1)[1]
                self._replace(self.group_seat, group, after["seat"])
                for member in self.group_members.get(group, {}):
                    self._leave_group(group, member)
                for member in self.group_members.get(group, {}):
                    self._from_group(group, member)
            case ("user_group", "delete"):
                group = before["id"]
                self._replace(self.group_seat, group, _GONE)
                self._replace(self.group_members, group, _GONE)

    def _from_group(self, group: str, member: str) -> None:
        """ "New members added to the user group will automatically receive seats" while
        seats remain; a member who holds a seat keeps it."""
        plan = self.group_seat.get(group)
        if plan is not None and self.holding(member) is None and self.fits(plan, 1):
            self._set(member, (plan, "group", group))

    def _leave_group(self, group: str, member: str) -> None:
        """ "Removed members will lose their seats" when the group gave them, unless another
        group of that plan holds them."""
        held = self.holding(member)
        if held is None or held[1] != "group" or held[2] != group:
            return
        others = (g for g, members in self.group_members.items() if g != group and member in members)
        other = next((g for g in others if self.group_seat.get(g) == held[0]), None)
        self._set(member, None if other is None else (held[0], "group", other))


_GONE: Any = object()  # `_replace`: remove the key
_NO_SEAT: Any = object()


@dataclass
class Schedule:
    order: list[Draft]
    # key -> the keys of changes that freed the seats it takes
    freed_by: dict[str, list[str]]
    diagnostics: list[Diagnostic]


def schedule(ctx: PlanContext, drafts: Drafts) -> Schedule:
    """The apply order: phase, rank, address; each draft after what it needs, and a
    seat-taking change after the changes that free its seat."""
    items = drafts.items
    riders: dict[str, list[Draft]] = defaultdict(list)
    for draft in items.values():
        if draft.follows is not None:
            riders[draft.follows].append(draft)
    units = {key: [draft, *sorted(riders[key], key=_sort_key)] for key, draft in items.items() if draft.follows is None}
    unit_of = {d.key: key for key, unit in units.items() for d in unit}
    waiting: dict[str, set[str]] = {}
    dependents: dict[str, list[str]] = defaultdict(list)
    for key, unit in units.items():
        waiting[key] = {unit_of[n] for d in unit for n in d.needs if n in unit_of and unit_of[n] != key}
        for need in waiting[key]:
            dependents[need].append(key)
    ready = [(_sort_key(units[key][0]), key) for key, needs in waiting.items() if not needs]
    heapq.heapify(ready)
    model = SeatModel.of(ctx)
    slack = Counter({plan: max(seats - model.used[plan], 0) for plan, seats in model.capacity.items()})
    freed: dict[str, deque[str]] = defaultdict(deque)
    blocked: dict[str, list[str]] = defaultdict(list)
    result = Schedule([], {}, [])
    while ready or any(blocked.values()):
        forced = not ready  # nothing fits: take the first held-back change, and say so
        if forced:
            key = min((k for keys in blocked.values() for k in keys), key=lambda k: _sort_key(units[k][0]))
            for keys in blocked.values():
                if key in keys:
                    keys.remove(key)
        else:
            _, key = heapq.heappop(ready)
        delta = model.attempt(units[key])
        full = sorted(
            plan for plan, change in delta.items() if change > 0 and model.used[plan] > model.capacity.get(plan, 0)
        )
        if full and not forced:
            model.rollback()
            blocked[full[0]].append(key)
            continue
        model.keep()
        result.diagnostics.extend(_overfilled(model, units[key][0], full))
        leader = units[key][0].key
        for plan, change in delta.items():
            if change < 0:
                freed[plan].extend([key] * -change)
                for held_back in blocked.pop(plan, []):
                    heapq.heappush(ready, (_sort_key(units[held_back][0]), held_back))
            for _ in range(max(change, 0)):
                if slack[plan] > 0:
                    slack[plan] -= 1
                elif freed[plan]:
                    result.freed_by.setdefault(leader, []).append(freed[plan].popleft())
        result.order.extend(units[key])
        for dependent in dependents[key]:
            waiting[dependent].discard(key)
            if not waiting[dependent]:
                heapq.heappush(ready, (_sort_key(units[dependent][0]), dependent))
    return result


def _sort_key(draft: Draft) -> tuple[Any, ...]:
    """Phase, rank, then the address in natural order (`member.u2` before `member.u10`)."""
    return (draft.phase, draft.rank, natural_key(draft.address), draft.action)


def _overfilled(model: SeatModel, draft: Draft, plans: list[str]) -> list[Diagnostic]:
    return [
        error(
            RuleId.SEAT_CAPACITY,
            f"no order of the plan's changes keeps plan '{plan}' within its {model.capacity.get(plan, 0)} seats: "
            f"{draft.key} would take one while all are held; free seats first, or buy more",
            address=f"plan.{plan}",
        )
        for plan in plans
    ]

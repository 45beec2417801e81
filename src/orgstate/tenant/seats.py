"""Seats, as lark-help-assign-seats.txt describes them.

A member holds at most one seat, recorded with its source: `explicit` (assigned to
the member), `group` (through a user group's assignment, `via` the group), `rule`
(a bulk assignment: departments, everyone, another product's list, a file) or
`auto` (assigned by the console itself).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from orgstate.errors import ErrorKind, TenantError
from orgstate.lark.codes import LarkCode
from orgstate.model.config import Subscription
from orgstate.model.types import SeatSource
from orgstate.tenant.core import TenantCore


class AutoSeat(Enum):
    """Ask for the seat the console would give by itself (a plan id could be "auto")."""

    AUTO = "auto"


AUTO = AutoSeat.AUTO
SeatRequest = str | None | AutoSeat


class SeatOps(TenantCore):
    def seat_of(self, member_id: str) -> str | None:
        return self.scalar("SELECT plan FROM seats WHERE uid = ?", (self.uid_of(member_id),))

    def seats_used(self, plan_id: str) -> int:
        return int(self.scalar("SELECT count(*) FROM seats WHERE plan = ?", (plan_id,)))

    def seats_left(self, plan: Subscription) -> int:
        return plan.seats - self.seats_used(plan.id)

    def assign_seats(self, plan_id: str, member_ids: Iterable[str], source: SeatSource = "explicit") -> list[str]:
        """Assign a plan's seats to members; returns those whose seat changed."""
        member_ids = list(member_ids)
        with self.write("seat.assign", f"seat.{plan_id}", members=member_ids, source=source):
            self.require("seats")
            plan = self.plan(plan_id)
            return [m for m in member_ids if self.give_seat(self.uid_of(m), plan, source)]

    def release_seats(self, member_ids: Iterable[str]) -> list[str]:
        """Release members' seats, whatever gave them; returns those who held one."""
        member_ids = list(member_ids)
        with self.write("seat.release", "seat", members=member_ids):
            self.require("seats")
            return [m for m in member_ids if self.drop_seat(self.uid_of(m))]

    def add_plan(self, plan: Subscription) -> None:
        """A purchase or trial takes effect (billing is outside orgstate; fixtures and tests use this).

        With a single plan in use, the console then assigns seats by itself: to the creator
        in all cases; to every member when the seats exceed the members; to the active
        members when active <= seats < members.
        """
        with self.write("plan.add", f"plan.{plan.id}", **plan.model_dump(mode="json")):
            if self.one("SELECT 1 FROM plans WHERE id = ?", (plan.id,)):
                raise TenantError(ErrorKind.CONFLICT, f"plan '{plan.id}' already exists")
            position = int(self.scalar("SELECT coalesce(max(position), 0) + 1 FROM plans"))
            self.db.execute(
                "INSERT INTO plans (id, edition, seats, starts, expires, trial, position) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    plan.id,
                    plan.edition,
                    plan.seats,
                    plan.starts.isoformat(),
                    plan.expires.isoformat(),
                    int(plan.trial),
                    position,
                ),
            )
            if self.is_in_use(plan) and [p.id for p in self.plans_in_use()] == [plan.id]:
                self._assign_on_activation(plan)

    def _assign_on_activation(self, plan: Subscription) -> None:
        founder = self.scalar("SELECT uid FROM members WHERE id = ? AND status != 'deleted'", (self.founder,))
        if founder is not None and self.scalar("SELECT 1 FROM seats WHERE uid = ?", (founder,)) is None:
            self.give_seat(int(founder), plan, "auto")
        everyone = int(self.scalar("SELECT count(*) FROM members WHERE status != 'deleted'"))
        active = int(self.scalar("SELECT count(*) FROM members WHERE status = 'active'"))
        if plan.seats > everyone:
            eligible = "status != 'deleted'"
        elif active <= plan.seats:
            eligible = "status = 'active'"
        else:
            return  # fewer seats than active members: admins assign them by hand
        for row in self.query(
            f"SELECT uid FROM members WHERE {eligible} AND uid NOT IN (SELECT uid FROM seats) ORDER BY uid"
        ):
            if self.seats_left(plan) <= 0:
                break
            self.give_seat(row["uid"], plan, "auto")

    # -- the mechanics, inside an operation's transaction ---------------------------

    def give_seat(self, uid: int, plan: Subscription, source: SeatSource, via: str | None = None) -> bool:
        """Seat a member on a plan, replacing any seat they hold; False when nothing changed."""
        held = self.one("SELECT plan, source, via FROM seats WHERE uid = ?", (uid,))
        if held is not None and held["plan"] == plan.id:
            if held["source"] != source and source in ("explicit", "rule"):
                # An admin's assignment replaces the seat's group or automatic origin.
                self.db.execute("UPDATE seats SET source = ?, via = NULL WHERE uid = ?", (source, uid))
                return True
            return False
        self.check_assignable(plan)
        if self.seats_left(plan) <= 0:
            raise TenantError(
                ErrorKind.RULE,
                f"Unable to add members due to insufficient seats: all {plan.seats} seats of '{plan.id}' are assigned",
                LarkCode.INSUFFICIENT_SEATS,
            )
        self.db.execute(
            "INSERT INTO seats (uid, plan, source, via) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (uid) DO UPDATE SET plan = excluded.plan, source = excluded.source, via = excluded.via",
            (uid, plan.id, source, via),
        )
        return True

    def check_assignable(self, plan: Subscription) -> None:
        if not plan.is_paid:
            raise TenantError(
                ErrorKind.RULE, f"'{plan.id}' is a Starter plan, which cannot assign seats", LarkCode.INVALID_SEAT
            )
        if plan.expires <= self.today():
            raise TenantError(
                ErrorKind.RULE, f"plan '{plan.id}' expired on {plan.expires} (SEAT-EXPIRED)", LarkCode.INVALID_SEAT
            )

    def drop_seat(self, uid: int) -> bool:
        return self.db.execute("DELETE FROM seats WHERE uid = ?", (uid,)).rowcount > 0

    def auto_seat(self, uid: int) -> str | None:
        """A new member left without a seat gets one if a plan in use has seats left; with
        several, the one that expires last."""
        candidates = sorted(
            (plan for plan in self.plans_in_use() if self.seats_left(plan) > 0),
            key=lambda plan: (plan.expires, plan.id),
            reverse=True,
        )
        if not candidates:
            return None
        self.give_seat(uid, candidates[0], "auto")
        return candidates[0].id

    def group_seat_holder(self, uid: int, plan_id: str, excluding: str | None = None) -> str | None:
        """Another seated group of this plan that the member belongs to, if any."""
        return self.scalar(
            "SELECT g.id FROM user_groups g JOIN group_members gm ON gm.group_id = g.id "
            "WHERE gm.uid = ? AND g.seat = ? AND g.id IS NOT ? ORDER BY g.position LIMIT 1",
            (uid, plan_id, excluding),
        )

    def leave_group_seat(self, uid: int, group_id: str) -> None:
        """A member stops getting a seat through a group: keep it through another group of
        the same plan, otherwise release it. A seat held through another source stays."""
        held = self.one("SELECT plan, source, via FROM seats WHERE uid = ?", (uid,))
        if held is None or held["source"] != "group" or held["via"] != group_id:
            return
        other = self.group_seat_holder(uid, held["plan"], excluding=group_id)
        if other is not None:
            self.db.execute("UPDATE seats SET via = ? WHERE uid = ?", (other, uid))
        else:
            self.drop_seat(uid)

    def seat_from_group(self, uid: int, group_id: str, plan: Subscription) -> bool:
        """A member of a seated group gets its seat while seats remain (one seat however many
        groups); False when left without one."""
        if self.one("SELECT 1 FROM seats WHERE uid = ?", (uid,)):
            return True
        if self.seats_left(plan) <= 0 or plan.expires <= self.today():
            return False
        self.give_seat(uid, plan, "group", via=group_id)
        return True

"""What every part of the planner reads: the desired configuration, the live snapshot,
the options, and indexes over both, built once."""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from orgstate.lark.editions import EDITIONS_WITH_RESTORE, RESTORE_WINDOW_DAYS, best_edition
from orgstate.lark.transfers import TRANSFER_KINDS
from orgstate.model.config import Department, Job, Member, MemberFields, Offboarding, OrgConfig, Subscription, UserGroup
from orgstate.model.live import LiveMember, TenantState
from orgstate.model.types import CollectionPolicy
from orgstate.rules.offboarding import is_protected


def recipient(kind: str) -> str:
    """The capability of sending one resource type of a leaver to a named recipient."""
    return f"recipient:{kind}"


# What a backend can do beyond the basics. A backend lists the ones it has; a plan made
# for one that lacks some says what that means for the objects concerned.
CAPABILITIES = {
    "group_seats": "read and set a user group's seat assignment",
    "seat_sources": "tell how each seat was given",
    "restore": "list deleted members and restore them",
    "retention": "keep or drop a leaver's untransferred data after 30 days",
    "resource_counts": "read what each member owns",
    "admins": "name the founder and the admins",
    "rename": "change a member's User ID",
    "login_method": "set and read how a member logs in",
    "password_delivery": "send a reset password to the member's email or phone, or to the admin",
    # One per resource type a leaver's transfer names (offboarding[].transfer).
    **{recipient(kind): f"send a leaver's {kind} to a recipient the configuration names" for kind in TRANSFER_KINDS},
}
ALL_CAPABILITIES = frozenset(CAPABILITIES)


def member_field(path: str) -> str:
    """The part of a tenant that is one member field (`job.title`), as UNHELD names it."""
    return f"member.{path}"


# A member's fields a backend may be unable to hold (its id and name every backend holds).
MEMBER_FIELD_PATHS = (
    *(name for name in MemberFields.model_fields if name not in ("id", "name", "job")),
    *(f"job.{name}" for name in Job.model_fields),
)
# What some backends cannot hold at all (a SCIM provider: no departments as objects, no
# seats, fewer member fields). A plan and a drift report leave those parts out, on both
# sides, and say so once (BACKEND-CAPABILITY), rather than plan changes that fail at apply
# or report drift that never goes away. Every backend but scim holds all of them.
UNHELD = {
    "departments": "hold departments as objects (names, parents, leaders): a member's department is a name on it",
    "seats": "hold subscriptions and seats",
    "group_description": "hold a user group's description",
    **{member_field(path): f"hold a member's {path}" for path in MEMBER_FIELD_PATHS},
}


@dataclass(frozen=True)
class PlanOptions:
    backend: str = "local:.orgstate/tenant.db"
    # Destructive changes allowed beyond the policy's limits (--allow-removals N).
    allow_removals: int | None = None
    # The admin the backend acts as (default: the founder); seat changes need rights.
    actor: str | None = None
    created_at: str | None = None
    # Fixed for reproducible output (golden files); otherwise a new random id.
    plan_id: str | None = None
    # What the backend can do (CAPABILITIES); the embedded tenant can do everything.
    capabilities: frozenset[str] = ALL_CAPABILITIES
    # What the backend cannot hold at all (UNHELD); none for the embedded tenant and Lark.
    unheld: frozenset[str] = frozenset()

    @property
    def scheme(self) -> str:
        """The kind of backend (`local`, `lark`, `scim`), which decides how it refuses a change."""
        return self.backend.partition(":")[0]

    def can(self, capability: str) -> bool:
        assert capability in CAPABILITIES, capability
        return capability in self.capabilities

    def holds(self, part: str) -> bool:
        assert part in UNHELD, part
        return part not in self.unheld


@dataclass
class LiveIndex:
    """Indexes over a live snapshot alone (what fingerprints and stale checks read)."""

    snapshot: TenantState

    @cached_property
    def live_members(self) -> dict[str, LiveMember]:
        return {m.id: m for m in self.snapshot.members if m.status != "deleted"}

    @cached_property
    def deleted_members(self) -> dict[str, LiveMember]:
        """The latest deletion of each User ID no live member holds."""
        found: dict[str, LiveMember] = {}
        for member in self.snapshot.members:
            if member.status == "deleted" and member.id not in self.live_members:
                latest = found.get(member.id)
                if latest is None or (member.deleted_at or dt.date.min) >= (latest.deleted_at or dt.date.min):
                    found[member.id] = member
        return found

    @cached_property
    def live_departments(self) -> dict[str, Department]:
        return {d.id: d for d in self.snapshot.departments}

    @cached_property
    def live_groups(self) -> dict[str, UserGroup]:
        return {g.id: g for g in self.snapshot.user_groups}

    @cached_property
    def live_plans(self) -> dict[str, Subscription]:
        return {p.id: p for p in self.snapshot.org.plans}

    @cached_property
    def _contents(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = defaultdict(list)
        for member in self.live_members.values():
            for department_id in dict.fromkeys((member.member.department, *member.member.departments)):
                found[department_id].append(f"member.{member.id}")
        for department in self.snapshot.departments:
            if department.parent is not None:
                found[department.parent].append(f"department.{department.id}")
        return found

    def department_contents(self, department_id: str) -> list[str]:
        """The members and sub-departments a department holds (what its deletion needs gone)."""
        return sorted(self._contents.get(department_id, ()))


@dataclass
class PlanContext(LiveIndex):
    config: OrgConfig
    options: PlanOptions = field(default_factory=PlanOptions)
    # New id -> old id of renamed members; the snapshot is the view with the new ids.
    renames: dict[str, str] = field(default_factory=dict)
    # The configuration as written, where `config` leaves out what the backend cannot hold.
    declared: OrgConfig | None = None
    _depths: dict[str, int] = field(default_factory=dict, repr=False)
    _indexes: dict[str, dict[str, int]] = field(default_factory=dict, repr=False)
    _ignore_matchers: dict[str, Callable[[str], re.Match[str] | None]] = field(default_factory=dict, repr=False)

    @cached_property
    def today(self) -> dt.date:
        return self.snapshot.tenant.today or dt.datetime.now(dt.UTC).date()

    # -- desired ----------------------------------------------------------------------

    @cached_property
    def desired_members(self) -> dict[str, Member]:
        return {m.id: m for m in self.config.members}

    @cached_property
    def desired_departments(self) -> dict[str, Department]:
        return {d.id: d for d in self.config.departments}

    @cached_property
    def desired_groups(self) -> dict[str, UserGroup]:
        return {g.id: g for g in self.config.user_groups}

    @cached_property
    def _department_parents(self) -> dict[str, str | None]:
        return {
            **{d.id: d.parent for d in self.snapshot.departments},
            **{d.id: d.parent for d in self.config.departments},
        }

    def department_depth(self, department_id: str) -> int:
        """Levels from the root to a department after the plan (a top-level one is 1)."""
        depths = self._depths
        chain: list[str] = []
        current: str | None = department_id
        while current is not None and current not in depths and current not in chain:
            chain.append(current)
            current = self._department_parents.get(current)
        base = depths.get(current, 0) if current is not None else 0
        for offset, item in enumerate(reversed(chain), start=1):
            depths[item] = base + offset
        return int(depths[department_id])

    def declared_index(self, section: str) -> dict[str, int]:
        """Id -> position in a configuration section (`plans` for org.plans)."""
        if section not in self._indexes:
            items = self.config.org.plans if section == "plans" else getattr(self.config, section)
            self._indexes[section] = {item.id: i for i, item in enumerate(items)}
        return self._indexes[section]

    def is_in_use(self, plan: Subscription) -> bool:
        return plan.is_paid and plan.starts <= self.today < plan.expires

    @cached_property
    def plans_in_use(self) -> list[Subscription]:
        return [plan for plan in self.snapshot.org.plans if self.is_in_use(plan)]

    @cached_property
    def edition(self) -> str:
        return best_edition(p.edition for p in self.plans_in_use)

    @cached_property
    def is_downgraded(self) -> bool:
        paid = [plan for plan in self.snapshot.org.plans if plan.is_paid]
        return bool(paid) and all(plan.expires <= self.today for plan in paid)

    @cached_property
    def admins(self) -> set[str]:
        founder = self.snapshot.tenant.founder
        return {*self.snapshot.tenant.admins, *([founder] if founder else [])}

    @cached_property
    def primary_admin(self) -> str | None:
        primaries = sorted(m for m, roles in self.snapshot.tenant.admins.items() if "primary" in roles)
        return primaries[0] if primaries else self.snapshot.tenant.founder

    # -- policy -----------------------------------------------------------------------

    def is_ignored(self, kind: str, object_id: str) -> bool:
        matcher = self._ignore_matchers.get(kind)
        if matcher is None:
            patterns = getattr(self.config.policy.ignore, kind)
            # One regex for all of a kind's globs; it matches nothing when there are none.
            regex = "|".join(fnmatch.translate(pattern) for pattern in patterns) or r"(?!)"
            matcher = self._ignore_matchers[kind] = re.compile(regex).match
        return matcher(object_id) is not None

    def is_authoritative(self, kind: str) -> bool:
        policy: CollectionPolicy = getattr(self.config.policy, kind)
        return policy == "authoritative"

    def is_protected(self, member_id: str) -> bool:
        return is_protected(member_id, self.config.policy.protected)

    def can_restore(self, member: LiveMember) -> bool:
        """Basic, Pro and Enterprise tenants restore members deleted within 30 days (when the
        backend cannot tell the date, the service decides)."""
        if self.edition not in EDITIONS_WITH_RESTORE:
            return False
        return member.deleted_at is None or (self.today - member.deleted_at).days <= RESTORE_WINDOW_DAYS

    # -- who comes, who goes -------------------------------------------------------------

    @cached_property
    def offboarding_entries(self) -> dict[str, Offboarding]:
        return {entry.id: entry for entry in self.config.offboarding}

    @cached_property
    def undeclared_live(self) -> list[LiveMember]:
        """Live members the configuration neither declares nor ignores, in snapshot order."""
        return [
            m
            for m in self.live_members.values()
            if m.id not in self.desired_members and not self.is_ignored("members", m.id)
        ]

    @cached_property
    def offboard_candidates(self) -> list[LiveMember]:
        """Undeclared live members a plan would offboard (authoritative members policy,
        or an explicit offboarding entry)."""
        return [m for m in self.undeclared_live if self.is_authoritative("members") or m.id in self.offboarding_entries]

    @cached_property
    def leaving(self) -> dict[str, LiveMember]:
        """Those who will be offboarded: candidates less the protected, founder and admins."""
        return {m.id: m for m in self.offboard_candidates if not self.is_protected(m.id) and m.id not in self.admins}

    @cached_property
    def arriving(self) -> dict[str, Literal["create", "restore"]]:
        """Declared members with no live account: restored when the window allows, else created."""
        found: dict[str, Literal["create", "restore"]] = {}
        for member in self.config.members:
            if member.id in self.live_members or self.is_ignored("members", member.id):
                continue
            deleted = self.deleted_members.get(member.id)
            found[member.id] = "restore" if deleted is not None and self.can_restore(deleted) else "create"
        return found

    @cached_property
    def new_departments(self) -> set[str]:
        return set(self.desired_departments) - set(self.live_departments)

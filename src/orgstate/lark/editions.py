"""Lark's editions and what each allows (lark-help-assign-seats.txt,
lark-help-delete-members-and-reallocate-resources.txt)."""

from __future__ import annotations

from collections.abc import Iterable

from orgstate.model.types import Edition

# Better editions rank higher: a tenant's edition is the best paid plan it has in use.
EDITION_RANK: dict[Edition, int] = {"starter": 0, "basic": 1, "pro": 2, "enterprise": 3}


def best_edition(editions: Iterable[Edition]) -> Edition:
    """A tenant's edition from the editions of its plans in use: the best, else Starter."""
    return max(editions, key=EDITION_RANK.__getitem__, default="starter")


# "Organizations on Lark Basic, Pro, and Enterprise plans can restore the deleted
# members within 30 days."
EDITIONS_WITH_RESTORE: tuple[Edition, ...] = ("basic", "pro", "enterprise")
RESTORE_WINDOW_DAYS = 30
# "The Lark Starter plan can have at most 50 seats."
STARTER_MEMBER_LIMIT = 50
# Once every paid plan has expired: "The maximum number of members under the Starter
# plan is 20. For organizations with more than 20 members, ... administrators will not
# be able to edit members' basic information".
DOWNGRADED_MEMBER_LIMIT = 20

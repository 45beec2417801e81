"""Which member field is what, written once, and the one way a member patch applies.

The planner's diff, the tenant engine, the local backend and export ask this table
which fields to compare, send, merge or leave out. The roles are read from the
models, so that a field added to a model lands in its role without a second list:

- compared: a member's own fields (`MemberFields`), which a plan compares and sends
  in an update; the dict-like ones (`job`, `custom`) are patched key by key;
- own change: `status` and `seat`, each planned as a change of its own;
- directive: the rest of `Member` (`renamed_from`), an instruction, never live;
- live only: what only the tenant knows of a member (`LiveMember`: the deletion
  date, how the seat was given, what they own; its status is broader, too).
"""

from __future__ import annotations

import typing
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from orgstate.model.config import Member, MemberFields
from orgstate.model.live import LIVE_KEYS


class Role(StrEnum):
    COMPARED = "compared"
    PATCHED_BY_KEY = "compared, patched key by key"
    OWN_CHANGE = "own change"
    DIRECTIVE = "directive"
    LIVE_ONLY = "live only"


OWN_CHANGES = ("status", "seat")


def _is_keyed(name: str) -> bool:
    """A field that holds keys of its own (a model or a dict)."""
    annotation = MemberFields.model_fields[name].annotation
    origin = typing.get_origin(annotation)
    return origin is dict or (origin is None and isinstance(annotation, type) and issubclass(annotation, BaseModel))


def _role(name: str) -> Role:
    if name in MemberFields.model_fields:
        return Role.PATCHED_BY_KEY if _is_keyed(name) else Role.COMPARED
    if name in OWN_CHANGES:
        return Role.OWN_CHANGE
    return Role.DIRECTIVE if name in Member.model_fields else Role.LIVE_ONLY


# Every field of a declared or a live member, in the order a flat member writes them.
MEMBER_FIELDS: dict[str, Role] = {name: _role(name) for name in (*Member.model_fields, *LIVE_KEYS)}

COMPARED_FIELDS = frozenset(
    name for name, role in MEMBER_FIELDS.items() if role in (Role.COMPARED, Role.PATCHED_BY_KEY)
)
PATCHED_BY_KEY = tuple(name for name, role in MEMBER_FIELDS.items() if role is Role.PATCHED_BY_KEY)
DIRECTIVES = tuple(name for name, role in MEMBER_FIELDS.items() if role is Role.DIRECTIVE)


def apply_patch(current: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """`current` (a member's fields, in JSON terms) with a partial patch applied: a field
    is replaced, one patched key by key merges, and there None removes the key."""
    merged = {**current}
    for name, value in patch.items():
        if name in PATCHED_BY_KEY and isinstance(value, dict):
            keys = {**(current.get(name) or {}), **value}
            merged[name] = {key: item for key, item in keys.items() if item is not None}
        else:
            merged[name] = value
    return merged

"""The backends' settings from the environment (timeouts, attempts, request rates)."""

from __future__ import annotations

import os
from typing import TypeVar

from orgstate.errors import UsageError

Number = TypeVar("Number", int, float)


def environment_number(name: str, default: Number, kind: type[Number]) -> Number:
    """A positive number from the environment, or `default` when the variable is unset."""
    text = os.environ.get(name)
    if text is None:
        return default
    try:
        value = kind(text)
    except ValueError:
        value = kind(0)
    if not value > 0:
        raise UsageError(f"{name} must be a positive {'whole ' if kind is int else ''}number, not {text[:20]!r}")
    return value

"""Did-you-mean suggestions for unknown keys and references."""

from __future__ import annotations

import difflib
from collections.abc import Collection


def did_you_mean(word: str, candidates: Collection[str]) -> str:
    """' (did you mean 'x'?)' for the closest candidate, or '' when none is close."""
    match = closest(word, candidates)
    return f" (did you mean '{match}'?)" if match is not None else ""


def closest(word: str, candidates: Collection[str]) -> str | None:
    """The candidate closest to `word`, or None when none is close."""
    if len(candidates) > 20_000:
        # A close match differs by a few characters, so compare same-length-ish ids only.
        candidates = [c for c in candidates if abs(len(c) - len(word)) <= 2]
    matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None

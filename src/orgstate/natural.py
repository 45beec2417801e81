"""Natural order: the numbers in a name compared as numbers, so `u2` comes before `u10`.

`natural_key(text)` is the sort key: the text split into its runs of digits (as ints)
and the text between them (as it is), then the text itself, which breaks ties between
spellings of the same number (`u7`, `u07`) so that the order stays total and plans stay
deterministic. About a microsecond a key: sorting computes it once per item."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"(\d+)")
# Text and numbers alternate, text first: (("member.u", 10, ""), "member.u10").
NaturalKey = tuple[tuple[str | int, ...], str]


def natural_key(text: str) -> NaturalKey:
    """`text`'s place in natural order: `member.u2` < `member.u10` < `member.v1`."""
    runs = _DIGITS.split(text)
    if len(runs) == 1:  # no digits: nothing to convert
        return (text,), text
    return tuple(int(run) if index % 2 else run for index, run in enumerate(runs)), text

"""Diagnostics: what rules and the loader report, collected rather than raised.

A rule reports against a path in the merged document (`at`); the loader's
`Sources.place` turns that into the file, line, column and file-local field path
that users see (SPEC section 5 gives the JSON shape).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # the catalogue imports Severity from here
    from orgstate.catalogue import RuleId

Severity = Literal["error", "warning", "info"]
DocPath = tuple[str | int, ...]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
# A file of a million repeated mistakes gets a short report: the first this many of
# each rule in each file, then one line counting the rest.
SHOWN_PER_RULE = 50


@dataclass(frozen=True)
class Diagnostic:
    # A `RuleId` when made here; any string when read back from a saved plan.
    rule: str
    severity: Severity
    message: str
    address: str | None = None
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    # Where the problem is in the merged document; resolved into file/line/path.
    at: DocPath | None = field(default=None, compare=False, repr=False)
    # A second place the message refers to ("also declared at ..."), for ID-UNIQUE.
    also_at: DocPath | None = field(default=None, compare=False, repr=False)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def location(self) -> str:
        parts = [part for part in (self.file, self.line, self.column) if part is not None]
        return ":".join(str(part) for part in parts)

    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.file or "",
            self.line or 0,
            self.column or 0,
            SEVERITY_ORDER[self.severity],
            self.rule,
            self.message,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "rule": self.rule,
            "address": self.address,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
        }


def error(
    rule: RuleId, message: str, at: DocPath | None = None, address: str | None = None, **extra: Any
) -> Diagnostic:
    return Diagnostic(rule=rule, severity="error", message=message, at=at, address=address, **extra)


def warning(
    rule: RuleId, message: str, at: DocPath | None = None, address: str | None = None, **extra: Any
) -> Diagnostic:
    return Diagnostic(rule=rule, severity="warning", message=message, at=at, address=address, **extra)


def info(rule: RuleId, message: str, at: DocPath | None = None, address: str | None = None, **extra: Any) -> Diagnostic:
    return Diagnostic(rule=rule, severity="info", message=message, at=at, address=address, **extra)


CLIPPED = 64  # characters of a value a message quotes
LISTED = 10  # ids a message names before "and N more"


def clip(value: str, limit: int = CLIPPED) -> str:
    """A value from a user's file as a message quotes it: one line, at most `limit`
    characters (a message must not carry a file's contents)."""
    text = " ".join(value.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def listed(ids: Sequence[str]) -> str:
    """The first LISTED ids, and how many more there are."""
    more = len(ids) - LISTED
    return ", ".join(ids[:LISTED]) + (f" and {more} more" if more > 0 else "")


def format_path(path: DocPath) -> str:
    """('members', 3, 'job', 'manager') -> 'members[3].job.manager'."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(diagnostic.is_error for diagnostic in diagnostics)


def capped(
    diagnostics: Iterable[Diagnostic],
    file_of: Callable[[Diagnostic], Hashable],
    name_of: Callable[[Hashable], str | None],
) -> list[Diagnostic]:
    """The first SHOWN_PER_RULE diagnostics of each rule in each file (`file_of` tells
    which, `name_of` names it), and for each rule and file with more, one diagnostic
    of the severest of those left out, where the first of them is, counting them.
    Cheap: nothing is located yet, and only what is kept will be."""
    kept: list[Diagnostic] = []
    seen: Counter[tuple[str, Hashable]] = Counter()
    severest: dict[tuple[str, Hashable], Severity] = {}
    first_left_out: dict[tuple[str, Hashable], Diagnostic] = {}
    for diagnostic in diagnostics:
        key = (diagnostic.rule, file_of(diagnostic))
        seen[key] += 1
        if seen[key] <= SHOWN_PER_RULE:
            kept.append(diagnostic)
            continue
        first_left_out.setdefault(key, diagnostic)
        severest[key] = min(severest.get(key, "info"), diagnostic.severity, key=SEVERITY_ORDER.__getitem__)
    for (rule, where), first in first_left_out.items():
        more = seen[(rule, where)] - SHOWN_PER_RULE
        message = (
            f"{more:,} more {rule} problem{'s' if more > 1 else ''} in this file, not shown "
            f"(the first {SHOWN_PER_RULE} of each rule in a file are)"
        )
        severity = severest[(rule, where)]
        if first.file is None and first.at is None:
            kept.append(Diagnostic(rule, severity, message, file=name_of(where)))
        else:  # where the first left out is, or will be once located
            kept.append(
                Diagnostic(rule, severity, message, file=first.file, line=first.line, column=first.column, at=first.at)
            )
    return kept

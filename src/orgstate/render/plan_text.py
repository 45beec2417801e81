"""The plan as terminal text, in the manner of `terraform plan` (SPEC section 5).

Layout: a header naming the backend; one block per change in plan order (symbol,
address, action, reason, then detail lines); the seats table; the diagnostics, errors
first; the summary line and, when the backend counts requests, how long apply will
take; and, when the plan has errors, why it cannot be applied.

The helpers that read a change's payload (`field_changes`, `created_fields`,
`transfers`), count it (`SYMBOLS`, `kind_counts`) and say how long apply will take
(`estimate_sentence`, `duration_text`) are shared with the markdown renderer, so both
forms say the same thing. They return values as they are; this
renderer writes each through `for_terminal` (render/escape.py), so no name or message
can send a control sequence to the terminal."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import click

from orgstate.diagnostics import SEVERITY_ORDER, Diagnostic
from orgstate.planner.changes import Change, ResourcesTransfer
from orgstate.planner.plan import Plan, SeatUse
from orgstate.render.diagnostics import diagnostic_line
from orgstate.render.escape import for_terminal
from orgstate.statestore.store import format_duration

# Every action of SPEC section 5 and its symbol: `+` brings something in, `~` changes
# something that stays, `-` takes something away. The summary line counts by symbol.
SYMBOLS: dict[str, str] = {
    "create": "+",
    "add": "+",
    "assign": "+",
    "restore": "+",
    "update": "~",
    "transfer": "~",
    "resume": "~",
    "suspend": "~",
    "delete": "-",
    "remove": "-",
    "release": "-",
}
SYMBOL_KINDS: dict[str, str] = {"+": "add", "~": "change", "-": "remove"}
SYMBOL_COLOURS: dict[str, str] = {"+": "green", "~": "yellow", "-": "red"}
IRREVERSIBLE = "! irreversible"
NO_CHANGES = "No changes. The tenant matches the configuration."
# Actions whose `after` is a whole object worth listing (add and assign payloads only
# repeat the address).
LISTED_ACTIONS = frozenset({"create", "restore", "assign"})
# Said by every form of a targeted plan, after Terraform's warning about -target.
TARGETED_WARNING = (
    "Warning: this plan is targeted. It holds only the changes of its targets and what they depend on, so "
    "the tenant may still differ from the configuration elsewhere. Targeting is for exceptional cases "
    "(recovering from a mistake, working around a failure), not for routine use: run a full plan afterwards. "
    "Seat capacity is checked for the targeted changes alone, against the live tenant."
)
SEATS_HEADINGS = ("plan", "purchased", "before", "after", "free after")
INDENT = "    "


@dataclass(frozen=True)
class Transfer:
    """One resource type of a `resources.transfer` change."""

    resource: str
    count: int | None
    to: str | None
    outcome: str
    default: bool


_MISSING = object()


def symbol(change: Change) -> str:
    return SYMBOLS[change.action]


def kind_counts(changes: Iterable[Change]) -> dict[str, int]:
    """{"add": n, "change": n, "remove": n}, by the action's symbol."""
    counts = dict.fromkeys(SYMBOL_KINDS.values(), 0)
    for change in changes:
        counts[SYMBOL_KINDS[symbol(change)]] += 1
    return counts


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def summary_sentence(plan: Plan) -> str:
    if not plan.has_changes:
        return NO_CHANGES
    counts = kind_counts(plan.changes)
    return f"Plan: {counts['add']} to add, {counts['change']} to change, {counts['remove']} to remove."


def duration_text(seconds: float) -> str:
    """A duration for a reader: `less than a second`, `40s`, `3m 20s`, `2h 5m`."""
    return "less than a second" if seconds < 1 else format_duration(dt.timedelta(seconds=seconds))


def estimate_sentence(plan: Plan) -> str | None:
    """How long apply will take, for an applyable plan whose backend counts its requests."""
    if plan.estimate is None or not plan.applyable:
        return None
    requests = sum(endpoint.requests for endpoint in plan.estimate.endpoints.values())
    if not requests:
        return None
    about = "" if plan.estimate.seconds < 1 else "about "
    return f"Apply will take {about}{duration_text(plan.estimate.seconds)} ({requests:,} requests to the API)."


def error_count(plan: Plan) -> int:
    return sum(1 for diagnostic in plan.diagnostics if diagnostic.is_error)


def blocked_sentence(plan: Plan) -> str | None:
    """Why the plan cannot be applied, or None when it can."""
    if plan.applyable:
        return None
    return f"This plan cannot be applied because of {plural(error_count(plan), 'error')}."


def ordered_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Errors, then warnings, then infos; the plan's own order within each."""
    return sorted(diagnostics, key=lambda diagnostic: SEVERITY_ORDER[diagnostic.severity])


def value_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def lookup(payload: Mapping[str, Any] | None, path: str) -> Any:
    """`job.title` in {"job": {"title": ...}}; a key that itself holds a dot wins."""
    if payload is None:
        return _MISSING
    if path in payload:
        return payload[path]
    head, _, rest = path.partition(".")
    inner = payload.get(head)
    if rest and isinstance(inner, Mapping):
        return lookup(inner, rest)
    return _MISSING


def flatten(payload: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested dicts as dotted paths: {"job": {"title": "x"}} -> [("job.title", "x")]."""
    items: list[tuple[str, Any]] = []
    for key, value in payload.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            items.extend(flatten(value, f"{path}."))
        else:
            items.append((path, value))
    return items


def shown(change: Change, payload: dict[str, Any] | None) -> dict[str, Any] | None:
    """A payload less what the change's head already says (a seat's source is its reason)."""
    if payload is None or change.type != "seat":
        return payload
    return {key: value for key, value in payload.items() if key != "source"}


def field_changes(change: Change) -> list[tuple[str, Any, Any]]:
    """(path, before, after) for each changed field; a field absent on one side is None.

    Uses the change's `fields`; a change that has both sides but names no fields (a
    seat moving from one plan to another) lists the paths whose values differ."""
    before_data, after_data = shown(change, change.before_data()), shown(change, change.after_data())
    if change.fields:
        paths = list(change.fields)
    elif before_data is not None and after_data is not None:
        before, after = dict(flatten(before_data)), dict(flatten(after_data))
        paths = [path for path in sorted(before.keys() | after.keys()) if before.get(path) != after.get(path)]
    else:
        return []
    rows = []
    for path in paths:
        old, new = lookup(before_data, path), lookup(after_data, path)
        rows.append((path, None if old is _MISSING else old, None if new is _MISSING else new))
    return rows


def created_fields(change: Change) -> list[tuple[str, Any]]:
    """The non-empty fields a create, restore or first seat sets; the ids the address
    holds are left out."""
    after = shown(change, change.after_data())
    if change.action not in LISTED_ACTIONS or change.before is not None or after is None:
        return []
    return [
        (path, value)
        for path, value in flatten(after)
        if value not in (None, "", [], {}) and not (path in ("id", "member") and value in change.target.ids)
    ]


def transfers(change: Change) -> list[Transfer]:
    """A `resources.transfer` change's resource types, sorted by name."""
    if not isinstance(change, ResourcesTransfer):
        return []
    return [
        Transfer(resource, item.count, item.to, item.outcome, item.default)
        for resource, item in sorted(change.after.items())
    ]


def transfer_text(transfer: Transfer) -> str:
    """`docs (23) -> bob [default]` or `calendar_past (9): deleted [default]`, for a terminal."""
    resource = for_terminal(transfer.resource)
    text = resource if transfer.count is None else f"{resource} ({transfer.count})"
    text += f" -> {for_terminal(transfer.to)}" if transfer.to else f": {for_terminal(transfer.outcome)}"
    return f"{text} [default]" if transfer.default else text


def free_after(seat: SeatUse) -> int:
    return seat.purchased - seat.assigned_after


class _Style:
    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, text: str, **style: Any) -> str:
        return click.style(text, **style) if self.colour else text


def _change_block(change: Change, style: _Style) -> list[str]:
    mark = symbol(change)
    address, action = for_terminal(change.address), for_terminal(change.action)
    head = f"  {style(mark, fg=SYMBOL_COLOURS[mark], bold=True)} {style(address, bold=True)} {action}"
    if change.reason:
        head += f" ({for_terminal(change.reason)})"
    if change.irreversible:
        head += f" {style(IRREVERSIBLE, fg='red')}"
    lines = [head]
    for path, old, new in field_changes(change):
        lines.append(
            f"{INDENT}{for_terminal(path)}: {for_terminal(value_text(old))} -> {for_terminal(value_text(new))}"
        )
    for path, value in created_fields(change):
        lines.append(f"{INDENT}{for_terminal(path)}: {for_terminal(value_text(value))}")
    for transfer in transfers(change):
        lines.append(f"{INDENT}{transfer_text(transfer)}")
    return lines


def _seats_table(seats: tuple[SeatUse, ...], style: _Style) -> list[str]:
    rows = [
        (
            for_terminal(seat.plan),
            str(seat.purchased),
            str(seat.assigned_before),
            str(seat.assigned_after),
            str(free_after(seat)),
        )
        for seat in seats
    ]
    widths = [max(len(row[i]) for row in [SEATS_HEADINGS, *rows]) for i in range(len(SEATS_HEADINGS))]

    def line(row: tuple[str, ...]) -> str:
        cells = [row[0].ljust(widths[0]), *(cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))]
        return f"  {'  '.join(cells)}".rstrip()

    lines = [style("Seats:", bold=True), line(SEATS_HEADINGS)]
    for seat, row in zip(seats, rows, strict=True):
        text = line(row)
        lines.append(style(text, fg="red") if free_after(seat) < 0 else text)
    for seat, row in zip(seats, rows, strict=True):
        if seat.without_seat:
            lines.append(f"  {row[0]}: no seat for {', '.join(for_terminal(name) for name in seat.without_seat)}")
    return lines


def targeted_sentence(plan: Plan) -> str | None:
    """What a targeted plan is limited to, or None for a full plan."""
    if not plan.targets:
        return None
    return f"Targeted plan: only {', '.join(plan.targets)} and what they depend on."


def ignored_sentence(plan: Plan, shown: int = 20) -> str | None:
    """The live objects policy.ignore keeps out of the plan, if any."""
    if not plan.ignored:
        return None
    more = len(plan.ignored) - shown
    names = ", ".join(plan.ignored[:shown]) + (f" and {more} more" if more > 0 else "")
    return f"Ignored (policy.ignore): {names}"


def render_plan_text(plan: Plan, colour: bool = False) -> str:
    """The plan for a terminal; ANSI colour only when `colour` (the CLI decides)."""
    style = _Style(colour)
    lines = [
        style(f"orgstate plan for {for_terminal(plan.backend)}", bold=True)
        + f" (created {for_terminal(plan.created_at)})"
    ]
    targeted = targeted_sentence(plan)
    if targeted:
        lines += ["", style(for_terminal(targeted), bold=True), style(TARGETED_WARNING, fg="yellow")]
    if plan.has_changes:
        legend = ", ".join(f"{style(mark, fg=SYMBOL_COLOURS[mark])} {kind}" for mark, kind in SYMBOL_KINDS.items())
        lines += ["", f"Symbols: {legend}; {style(IRREVERSIBLE, fg='red')} cannot be undone.", ""]
        for change in plan.changes:
            lines += _change_block(change, style)
    if plan.seats:
        lines += ["", *_seats_table(plan.seats, style)]
    ignored = ignored_sentence(plan)
    if ignored:
        lines += ["", for_terminal(ignored)]
    if plan.diagnostics:
        lines += ["", style("Diagnostics:", bold=True)]
        lines += [diagnostic_line(diagnostic, colour) for diagnostic in ordered_diagnostics(plan.diagnostics)]
    lines += ["", style(summary_sentence(plan), bold=True)]
    estimate = estimate_sentence(plan)
    if estimate:
        lines.append(estimate)
    blocked = blocked_sentence(plan)
    if blocked:
        lines.append(style(blocked, fg="red", bold=True))
    return "\n".join(lines)

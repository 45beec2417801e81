"""The plan as markdown for a pull-request comment (SPEC section 5).

Layout: a title line; the summary table (`type.action` | count); the seats table; the
diagnostics (errors and warnings listed, infos folded); then the change details, folded
in one `<details>` block per change type.

Size: the comment never exceeds `limit` characters (GitHub refuses comments over
65,536). When it would, change details are dropped from the end and a note states how
many were left out. If the head alone is still too long, infos and then warnings are
reduced to a count, then the seats table is dropped, then errors are left out from the
end with a note; the summary table is always kept.

Escaping (render/escape.py): every value that came from input (names, ids, reasons,
messages, file names) is either text, through `for_markdown` (control characters shown
as escapes, a backslash before each character markdown acts on, no `@` mentions), or a
code span, through `for_markdown_code`; so it cannot break a table, a code span or a
`<details>` block, open HTML or a link, or notify anyone."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from orgstate.diagnostics import Diagnostic
from orgstate.planner.changes import ACTIONS, Change
from orgstate.planner.plan import Plan, SeatUse
from orgstate.render.escape import for_markdown, for_markdown_code
from orgstate.render.plan_text import (
    NO_CHANGES,
    SYMBOLS,
    TARGETED_WARNING,
    Transfer,
    error_count,
    field_changes,
    free_after,
    ignored_sentence,
    kind_counts,
    ordered_diagnostics,
    plural,
    transfers,
    value_text,
)

LIMIT = 65_000
TYPE_ORDER = tuple(ACTIONS)
WITHOUT_SEAT_SHOWN = 20


def _title(plan: Plan) -> str:
    if plan.has_changes:
        counts = kind_counts(plan.changes)
        title = f"## orgstate plan: {counts['add']} to add, {counts['change']} to change, {counts['remove']} to remove"
    else:
        title = "## orgstate plan: no changes"
    if not plan.applyable:
        title += f" (cannot be applied: {plural(error_count(plan), 'error')})"
    return title


def _summary(plan: Plan) -> list[str]:
    if not plan.has_changes:
        return [NO_CHANGES]
    lines = ["| Change | Count |", "| --- | ---: |"]
    for kind, count in plan.summary.items():
        action = kind.split(".", 1)[1]
        lines.append(f"| `{SYMBOLS[action]}` `{kind}` | {count} |")
    lines.append(f"| **Total** | **{len(plan.changes)}** |")
    return lines


def _targeted(plan: Plan) -> list[str]:
    """A targeted plan's targets and warning, as a quote above the summary."""
    if not plan.targets:
        return []
    targets = ", ".join(for_markdown_code(target) for target in plan.targets)
    return [f"> **Targeted plan**: only {targets} and what they depend on.", ">", f"> {TARGETED_WARNING}", ""]


def _meta(plan: Plan) -> str:
    meta = f"Backend {for_markdown_code(plan.backend)}, created {for_markdown(plan.created_at)}."
    ignored = ignored_sentence(plan)
    return f"{meta} {for_markdown(ignored)}." if ignored else meta


def _without_seat(seat: SeatUse) -> str:
    names = ", ".join(for_markdown_code(name, in_table=True) for name in seat.without_seat[:WITHOUT_SEAT_SHOWN])
    more = len(seat.without_seat) - WITHOUT_SEAT_SHOWN
    return f"{names} and {more} more" if more > 0 else names


def _seats(plan: Plan) -> list[str]:
    if not plan.seats:
        return []
    lines = [
        "### Seats",
        "",
        "| Plan | Purchased | Before | After | Free after | Without a seat |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for seat in plan.seats:
        free = free_after(seat)
        lines.append(
            f"| {for_markdown_code(seat.plan, in_table=True)} | {seat.purchased} | {seat.assigned_before} "
            f"| {seat.assigned_after} | {f'**{free}**' if free < 0 else free} | {_without_seat(seat)} |"
        )
    return lines


def diagnostic_item(diagnostic: Diagnostic) -> str:
    parts = [f"**{diagnostic.severity}**", for_markdown_code(diagnostic.rule)]
    if diagnostic.location:
        parts.append(for_markdown_code(diagnostic.location))
    if diagnostic.path:
        parts.append(for_markdown_code(diagnostic.path))
    if diagnostic.address:
        parts.append(for_markdown_code(diagnostic.address))
    return f"- {' '.join(parts)}: {for_markdown(diagnostic.message)}"


def _diagnostics(diagnostics: list[Diagnostic], listed: frozenset[str], errors_shown: int | None = None) -> list[str]:
    """Errors (the first `errors_shown`, all when None), then warnings and infos: listed
    when their severity is in `listed`, else a count; infos always folded."""
    if not diagnostics:
        return []
    lines = ["### Diagnostics", ""]
    errors = [d for d in diagnostics if d.severity == "error"]
    shown = errors if errors_shown is None else errors[:errors_shown]
    lines += [diagnostic_item(d) for d in shown]
    if len(shown) < len(errors):
        lines.append(f"- {len(errors) - len(shown)} more error(s) not shown (the full plan is in the JSON file).")
    warnings = [d for d in diagnostics if d.severity == "warning"]
    if warnings and "warning" in listed:
        lines += [diagnostic_item(d) for d in warnings]
    elif warnings:
        lines.append(f"- {plural(len(warnings), 'warning')} not shown (the full plan is in the JSON file).")
    infos = [d for d in diagnostics if d.severity == "info"]
    if infos:
        lines.append("")
        if "info" in listed:
            lines += [f"<details><summary>{plural(len(infos), 'info')}</summary>", ""]
            lines += [diagnostic_item(d) for d in infos]
            lines += ["", "</details>"]
        else:
            lines.append(f"{plural(len(infos), 'info')} not shown (the full plan is in the JSON file).")
    return lines


def _transfer_item(transfer: Transfer) -> str:
    text = (
        for_markdown(transfer.resource)
        if transfer.count is None
        else f"{for_markdown(transfer.resource)} ({transfer.count})"
    )
    text += f" -> {for_markdown_code(transfer.to)}" if transfer.to else f": {for_markdown(transfer.outcome)}"
    return f"{text} [default]" if transfer.default else text


def change_item(change: Change) -> str:
    """One change as a bullet, with its field changes or transfers as sub-bullets."""
    head = f"- `{SYMBOLS[change.action]}` {for_markdown_code(change.address)} {change.action}"
    if change.reason:
        head += f" ({for_markdown(change.reason)})"
    if change.irreversible:
        head += " **irreversible**"
    lines = [head]
    for path, old, new in field_changes(change):
        old_text, new_text = for_markdown_code(value_text(old)), for_markdown_code(value_text(new))
        lines.append(f"  - {for_markdown_code(path)}: {old_text} -> {new_text}")
    for transfer in transfers(change):
        lines.append(f"  - {_transfer_item(transfer)}")
    return "\n".join(lines)


def _grouped(changes: Iterable[Change]) -> list[tuple[str, list[Change]]]:
    groups: dict[str, list[Change]] = {kind: [] for kind in TYPE_ORDER}
    for change in changes:
        groups[change.type].append(change)
    return [(kind, members) for kind, members in groups.items() if members]


def _details(groups: list[tuple[str, list[str]]], shown: int) -> list[str]:
    """The first `shown` change items, folded per change type."""
    lines: list[str] = []
    left = shown
    for kind, items in groups:
        if left <= 0:
            break
        part, left = items[:left], left - len(items)
        counts = f"{plural(len(items), 'change')}" + (f", {len(part)} shown" if len(part) < len(items) else "")
        lines += [f"<details><summary>{kind} ({counts})</summary>", "", *part, "", "</details>", ""]
    return lines


def _truncated(left_out: int) -> str:
    return f"> Truncated: {plural(left_out, 'change')} not shown (the full plan is in the JSON file)."


def _fit(build: Callable[[int], str], total: int, limit: int) -> int | None:
    """The largest n in 0..total with len(build(n)) <= limit, or None.

    build(total) is tried first: it has no truncation note, so it can be shorter than
    build(total - 1); below total the length grows with n."""
    if len(build(total)) <= limit:
        return total
    if len(build(0)) > limit:
        return None
    low, high = 0, total
    while low < high:
        middle = (low + high + 1) // 2
        if len(build(middle)) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def render_plan_markdown(plan: Plan, limit: int = LIMIT) -> str:
    """The plan for a pull-request comment, never longer than `limit` characters."""
    diagnostics = ordered_diagnostics(plan.diagnostics)
    groups = [(kind, [change_item(change) for change in changes]) for kind, changes in _grouped(plan.changes)]
    total = len(plan.changes)
    summary = [_title(plan), "", *_targeted(plan), *_summary(plan), "", _meta(plan), ""]

    def document(head: list[str], shown: int) -> str:
        lines = [*summary, *head]
        if shown:
            lines += ["### Changes", "", *_details(groups, shown)]
        if shown < total:
            lines += [_truncated(total - shown), ""]
        return "\n".join(lines).rstrip() + "\n"

    def head(listed: frozenset[str], seats: bool, errors_shown: int | None = None) -> list[str]:
        parts = _seats(plan) if seats else []
        if parts:
            parts.append("")
        block = _diagnostics(diagnostics, listed, errors_shown)
        return [*parts, *block, ""] if block else parts

    # From the fullest head down; the summary table and the errors go last.
    heads = [
        head(frozenset({"warning", "info"}), seats=True),
        head(frozenset({"warning"}), seats=True),
        head(frozenset(), seats=True),
        head(frozenset(), seats=False),
    ]
    for candidate in heads:
        shown = _fit(partial(document, candidate), total, limit)
        if shown is not None:
            return document(candidate, shown)
    errors = sum(1 for d in diagnostics if d.is_error)
    shown_errors = _fit(lambda n: document(head(frozenset(), seats=False, errors_shown=n), 0), errors, limit)
    if shown_errors is not None:
        return document(head(frozenset(), seats=False, errors_shown=shown_errors), 0)
    # Not even the summary fits: a limit this small cannot hold a plan.
    return document([], 0)[:limit]

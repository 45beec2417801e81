"""The plan as markdown for a pull-request comment (SPEC section 5).

Layout: a title line; the summary table (`type.action` | count); the meta line, the
changes digest and apply's estimate; the destructive changes, in full, unfolded; the
seats table; the diagnostics (errors and warnings listed, infos folded); the other
changes, folded in one `<details>` block per change type; a note when anything was cut.

Destructive changes (`is_destructive`: the removals of `planner.safety.DESTRUCTIVE` and
whatever is irreversible, such as a leaver's transfers) are never the ones cut. Past
`DESTRUCTIVE_IN_FULL` of them they are listed by address only, every one of them.

Size: the document never exceeds `limit` characters (GitHub refuses comments over
65,536). What is cut, in this order, until it fits: the details of the other changes
(field changes, what a create sets), from the end; the other changes themselves, from
the end; the infos, then the warnings (counted, not listed); the details of the
destructive changes (listed by address only); the seats table; the errors, from the
end; and only when not even that fits, the destructive addresses, from the end, with a
count of those not named. The note then says what was left out and where the rest is
(`rest`). Every part is built once with its length known, so fitting is a sum: a plan
of 100,000 changes renders in a fraction of a second.

Escaping (render/escape.py): every value that came from input (names, ids, reasons,
messages, file names) is either text, through `for_markdown` (control characters shown
as escapes, a backslash before each character markdown acts on, no `@` mentions), or a
code span, through `for_markdown_code`; so it cannot break a table, a code span or a
`<details>` block, open HTML or a link, or notify anyone. `rest` is the caller's own
markdown."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from functools import cached_property

from orgstate.diagnostics import Diagnostic
from orgstate.natural import natural_key
from orgstate.planner.changes import ACTIONS, Change
from orgstate.planner.plan import Plan, SeatUse
from orgstate.planner.safety import DESTRUCTIVE
from orgstate.progress import counted
from orgstate.render.escape import for_markdown, for_markdown_code
from orgstate.render.plan_text import (
    NO_CHANGES,
    SYMBOLS,
    TARGETED_WARNING,
    Transfer,
    created_fields,
    error_count,
    estimate_sentence,
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
# Past this many destructive changes, each is named by its address alone (all of them).
DESTRUCTIVE_IN_FULL = 300
# Where the whole plan is, for the truncation note (the CLI's markdown: a saved plan).
REST = "`orgstate show PLAN.json` on the plan saved with `orgstate plan --out PLAN.json`"
DESTRUCTIVE_INTRO = (
    "Deletions, suspensions, seat releases, removals from groups and transfers of a leaver's resources; "
    "**irreversible** ones cannot be undone. Never left out: read them first."
)


def is_destructive(change: Change) -> bool:
    """A change that takes something away (a removal the removal limits count) or cannot be undone."""
    return change.irreversible or (change.type, change.action) in DESTRUCTIVE


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


def _digest(plan: Plan) -> str:
    return (
        f"Changes digest: {for_markdown_code(plan.changes_digest)} (apply after merge, "
        "`--reviewed-changes`, refuses a plan whose changes differ)."
    )


def _head(plan: Plan) -> list[str]:
    lines = [_title(plan), "", *_targeted(plan), *_summary(plan), "", _meta(plan), "", _digest(plan), ""]
    estimate = estimate_sentence(plan)
    return [*lines, estimate, ""] if estimate else lines


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
    return [*lines, ""]


def diagnostic_item(diagnostic: Diagnostic) -> str:
    parts = [f"**{diagnostic.severity}**", for_markdown_code(diagnostic.rule)]
    if diagnostic.location:
        parts.append(for_markdown_code(diagnostic.location))
    if diagnostic.path:
        parts.append(for_markdown_code(diagnostic.path))
    if diagnostic.address:
        parts.append(for_markdown_code(diagnostic.address))
    return f"- {' '.join(parts)}: {for_markdown(diagnostic.message)}"


def _transfer_item(transfer: Transfer) -> str:
    text = (
        for_markdown(transfer.resource)
        if transfer.count is None
        else f"{for_markdown(transfer.resource)} ({transfer.count})"
    )
    text += f" -> {for_markdown_code(transfer.to)}" if transfer.to else f": {for_markdown(transfer.outcome)}"
    return f"{text} [default]" if transfer.default else text


def change_head(change: Change) -> str:
    """One change as a bullet on one line: symbol, address, action, reason."""
    head = f"- `{SYMBOLS[change.action]}` {for_markdown_code(change.address)} {change.action}"
    if change.reason:
        head += f" ({for_markdown(change.reason)})"
    return f"{head} **irreversible**" if change.irreversible else head


def change_item(change: Change) -> str:
    """One change as a bullet, with what it changes or sets, or its transfers, as sub-bullets."""
    lines = [change_head(change)]
    for path, old, new in field_changes(change):
        old_text, new_text = for_markdown_code(value_text(old)), for_markdown_code(value_text(new))
        lines.append(f"  - {for_markdown_code(path)}: {old_text} -> {new_text}")
    for path, value in created_fields(change):
        lines.append(f"  - {for_markdown_code(path)}: {for_markdown_code(value_text(value))}")
    for transfer in transfers(change):
        lines.append(f"  - {_transfer_item(transfer)}")
    return "\n".join(lines)


def _size(lines: Iterable[str]) -> int:
    """Characters `lines` take in the document, each with its newline."""
    return sum(len(line) + 1 for line in lines)


def _by(changes: Iterable[Change], key: str) -> list[tuple[str, list[Change]]]:
    """The changes grouped by `type` or by `type.action`, in order of first appearance."""
    groups: dict[str, list[Change]] = {}
    for change in changes:
        groups.setdefault(change.type if key == "type" else f"{change.type}.{change.action}", []).append(change)
    if key == "type":
        return [(kind, groups[kind]) for kind in TYPE_ORDER if kind in groups]
    return list(groups.items())


@dataclass
class _Cut:
    """What a shortened document leaves out."""

    left_out: int = 0  # other changes not shown
    brief: int = 0  # other changes shown without their details
    by_address: int = 0  # destructive changes named by address only
    unnamed: int = 0  # destructive changes not even named
    seats: bool = False
    infos: int = 0
    warnings: int = 0
    errors: int = 0

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class _Layout:
    """How much of the destructive changes, seats and diagnostics a document shows."""

    destructive_in_full: bool
    seats: bool
    infos: bool
    warnings: bool
    errors: int | None = None  # how many errors are listed; None: all
    named: int | None = None  # how many destructive addresses are named; None: all


class _Document:
    """The parts of one plan's markdown, each built once, with their lengths."""

    def __init__(self, plan: Plan, limit: int, rest: str) -> None:
        self.plan, self.limit, self.rest = plan, limit, rest
        self.head = _head(plan)
        self.destructive = [change for change in plan.changes if is_destructive(change)]
        self.other_groups = _by((change for change in plan.changes if not is_destructive(change)), "type")
        # The other changes as shown: by type, in plan order within each.
        self.others = [change for _, changes in self.other_groups for change in changes]
        self.items: list[str] = []  # the first of them with their details, as far as built
        self.destructive_groups = _by(self.destructive, "kind")
        self.diagnostics = ordered_diagnostics(plan.diagnostics)
        self.counts = {
            severity: sum(1 for d in self.diagnostics if d.severity == severity)
            for severity in ("error", "warning", "info")
        }

    # -- the fixed parts -------------------------------------------------------------------

    def destructive_section(self, layout: _Layout, cut: _Cut) -> list[str]:
        if not self.destructive:
            return []
        lines = [f"### Destructive changes ({len(self.destructive):,})", "", DESTRUCTIVE_INTRO, ""]
        if layout.destructive_in_full:
            return lines + self.destructive_in_full
        cut.by_address = len(self.destructive)
        left = len(self.destructive) if layout.named is None else layout.named
        for kind, addresses in self.destructive_addresses:
            shown, left = addresses[:left], max(left - len(addresses), 0)
            more = len(addresses) - len(shown)
            cut.by_address, cut.unnamed = cut.by_address - more, cut.unnamed + more
            text = ", ".join(shown) + (f" and {more:,} more" if shown and more else "") or f"{more:,} not named here"
            lines += [f"**`{kind}`** ({len(addresses):,}): {text}", ""]
        return lines

    @cached_property
    def destructive_in_full(self) -> list[str]:
        """Each kind of destructive change, its changes with their details."""
        lines = []
        for kind, changes in self.destructive_groups:
            lines += [f"**`{kind}`** ({len(changes):,})", "", *(change_item(change) for change in changes), ""]
        return lines

    @cached_property
    def destructive_addresses(self) -> list[tuple[str, list[str]]]:
        """Each kind of destructive change and its addresses (as code spans, in natural order)."""
        return [
            (kind, [for_markdown_code(address) for address in sorted((c.address for c in changes), key=natural_key)])
            for kind, changes in self.destructive_groups
        ]

    def diagnostics_section(self, layout: _Layout, cut: _Cut) -> list[str]:
        if not self.diagnostics:
            return []
        lines = ["### Diagnostics", ""]
        errors = [d for d in self.diagnostics if d.severity == "error"]
        shown = errors if layout.errors is None else errors[: layout.errors]
        lines += [diagnostic_item(d) for d in shown]
        cut.errors = len(errors) - len(shown)
        if cut.errors:
            lines.append(f"- {counted(cut.errors, 'error')} not listed")
        warnings = [d for d in self.diagnostics if d.severity == "warning"]
        if warnings and layout.warnings:
            lines += [diagnostic_item(d) for d in warnings]
        elif warnings:
            cut.warnings = len(warnings)
            lines.append(f"- {counted(len(warnings), 'warning')} not listed")
        infos = [d for d in self.diagnostics if d.severity == "info"]
        if infos and layout.infos:
            lines += ["", f"<details><summary>{plural(len(infos), 'info')}</summary>", ""]
            lines += [diagnostic_item(d) for d in infos]
            lines += ["", "</details>"]
        elif infos:
            cut.infos = len(infos)
            lines += ["", f"{counted(len(infos), 'info')} not listed"]
        return [*lines, ""]

    def fixed(self, layout: _Layout, cut: _Cut) -> list[str]:
        """Everything but the other changes and the note."""
        seats = _seats(self.plan) if layout.seats else []
        cut.seats = bool(self.plan.seats) and not layout.seats
        return [
            *self.head,
            *self.destructive_section(layout, cut),
            *seats,
            *self.diagnostics_section(layout, cut),
        ]

    # -- the other changes -----------------------------------------------------------------

    def frame(self, kind: str, total: int, shown: int) -> tuple[str, list[str]]:
        """The `<details>` block of one change type: its first line and its closing lines."""
        counts = counted(total, "change") + (f", {shown:,} shown" if shown < total else "")
        return f"<details><summary>{kind} ({counts})</summary>", ["", "</details>", ""]

    def frames_size(self) -> int:
        """The most the section's heading and folds can take (counts at their widest)."""
        size = _size(self.others_heading())
        for kind, changes in self.other_groups:
            first, closing = self.frame(kind, len(changes) + 1, len(changes))
            size += _size([first, "", *closing])
        return size

    def others_heading(self) -> list[str]:
        return ["### Other changes" if self.destructive else "### Changes", ""]

    @cached_property
    def heads(self) -> list[str]:
        """Each other change on one line, without its details."""
        return [change_head(change) for change in self.others]

    def item(self, index: int) -> str:
        """The other change at `index`, with its details (built once, when first asked for)."""
        while len(self.items) <= index:
            self.items.append(change_item(self.others[len(self.items)]))
        return self.items[index]

    def fit_others(self, budget: int, cut: _Cut) -> list[str]:
        """The other changes within `budget` characters: in full, then the last ones
        without their details, then the last ones left out."""
        budget -= self.frames_size()
        cost, in_full = _size(self.heads), 0
        while in_full < len(self.others):
            grows = len(self.item(in_full)) - len(self.heads[in_full])
            if cost + grows > budget:
                break
            cost += grows
            in_full += 1
        if cost <= budget:
            shown = [*self.items[:in_full], *self.heads[in_full:]]
        else:
            in_full, shown = 0, self.heads[: _most(budget, (len(head) + 1 for head in self.heads))]
        cut.left_out, cut.brief = len(self.others) - len(shown), len(shown) - in_full
        return self.others_section(shown) if shown else []

    def others_section(self, items: list[str]) -> list[str]:
        """`items` (the first other changes, as shown) folded per change type."""
        lines, start = self.others_heading(), 0
        for kind, changes in self.other_groups:
            part = items[start : start + len(changes)]
            start += len(changes)
            if not part:
                break
            first, closing = self.frame(kind, len(changes), len(part))
            lines += [first, "", *part, *closing]
        return lines

    # -- the note --------------------------------------------------------------------------

    def note(self, cut: _Cut) -> list[str]:
        if not cut:
            return []
        parts = []
        if cut.left_out:
            parts.append(f"{cut.left_out:,} of {counted(len(self.plan.changes), 'change')} not shown")
        if cut.brief:
            parts.append(f"the last {cut.brief:,} shown on one line each, without their details")
        if cut.by_address:
            parts.append(f"{cut.by_address:,} destructive changes named by address only, without their details")
        if cut.unnamed:
            parts.append(f"{cut.unnamed:,} destructive changes not named (only counted)")
        if cut.seats:
            parts.append("the seats table left out")
        unlisted = [(cut.infos, "info"), (cut.warnings, "warning"), (cut.errors, "error")]
        if any(count for count, _ in unlisted):
            parts.append(", ".join(counted(count, noun) for count, noun in unlisted if count) + " not listed")
        return [self.note_line(parts)]

    def note_line(self, parts: list[str]) -> str:
        return f"> **Truncated** to fit {self.limit:,} characters: {'; '.join(parts)}. The whole plan: {self.rest}."

    def note_size(self) -> int:
        """The most the note can take: every part, each count at its largest."""
        most = _Cut(
            len(self.others), len(self.others), len(self.destructive), len(self.destructive), bool(self.plan.seats)
        )
        most.infos, most.warnings, most.errors = self.counts["info"], self.counts["warning"], self.counts["error"]
        return _size(self.note(most))

    # -- fitting ---------------------------------------------------------------------------

    def whole(self) -> str | None:
        """Everything, when it fits (and no destructive change is past DESTRUCTIVE_IN_FULL)."""
        if len(self.destructive) > DESTRUCTIVE_IN_FULL:
            return None
        lines = self.fixed(_Layout(destructive_in_full=True, seats=True, infos=True, warnings=True), _Cut())
        size = _size(lines) + (self.frames_size() if self.others else 0)
        for index in range(len(self.others)):  # built only as far as they fit
            if size > self.limit:
                return None
            size += len(self.item(index)) + 1
        if size > self.limit:
            return None
        return _text([*lines, *(self.others_section(self.items) if self.others else [])])

    def layouts(self) -> list[_Layout]:
        """From the fullest to the leanest, without the errors' and addresses' cuts."""
        full = len(self.destructive) <= DESTRUCTIVE_IN_FULL
        return [
            _Layout(full, seats=True, infos=True, warnings=True),
            _Layout(full, seats=True, infos=False, warnings=True),
            _Layout(full, seats=True, infos=False, warnings=False),
            _Layout(False, seats=True, infos=False, warnings=False),
            _Layout(False, seats=False, infos=False, warnings=False),
        ]

    def shortened(self) -> str:
        room = self.limit - self.note_size()
        for layout in self.layouts():
            cut = _Cut()
            lines = self.fixed(layout, cut)
            if _size(lines) <= room:
                return _text([*lines, *self.fit_others(room - _size(lines), cut), *self.note(cut)])
        # No other change fits: the errors go, from the end; then, at absurd sizes, the
        # destructive addresses, from the end, counted.
        lean = _Layout(False, seats=False, infos=False, warnings=False, errors=0)
        errors = [len(diagnostic_item(d)) + 1 for d in self.diagnostics if d.is_error]
        addresses = [len(a) + 2 for _, spans in self.destructive_addresses for a in spans]
        steps: list[tuple[list[int], Callable[[int], _Layout]]] = [
            (errors, lambda count: replace(lean, errors=count)),
            (addresses, lambda count: replace(lean, named=count)),
        ]
        for sizes, showing in steps:
            lines = self.fixed(showing(0), _Cut())
            if _size(lines) <= room:
                cut = _Cut(left_out=len(self.others))
                return _text([*self.fixed(showing(_most(room - _size(lines), sizes)), cut), *self.note(cut)])
        # Not even the summary and the destructive counts fit: a limit this small cannot hold a plan.
        return _text([*self.head, self.note_line(["only the summary shown"])])[: self.limit]


def _most(room: int, sizes: Iterable[int]) -> int:
    """How many of `sizes`, from the first, add up to at most `room`."""
    count = 0
    for size in sizes:
        room -= size
        if room < 0:
            break
        count += 1
    return count


def _text(lines: list[str]) -> str:
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def render_plan_markdown(plan: Plan, limit: int = LIMIT, rest: str = REST) -> str:
    """The plan for a pull-request comment, never longer than `limit` characters; when it
    is shortened, its note says what was left out and that the whole plan is at `rest`
    (markdown, such as "the job summary of this run and the plan artifact")."""
    document = _Document(plan, limit, rest)
    return document.whole() or document.shortened()

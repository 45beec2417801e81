"""The drift report as one self-contained HTML page, for a scheduled job to publish.

The page loads nothing: the style is inline, there is no script, no font, no image; the
only URL in it is the SVG namespace. Every user value (the organization, backend,
addresses, names, fields, values, plan ids, ignored objects, notes) goes through
`for_html` (render/escape.py): markup is escaped, and control characters and bidi
overrides are shown as escapes.

What a script or a test can rely on:

- `title` and `h1`: `Drift report: <organization>` (`orgstate drift report` when the
  report has no organization's name); `#organization`, `#backend`, `#created-at`:
  whose tenant, where it was read and when.
- `#summary` holds `#count-changed`, `#count-unmanaged`, `#count-missing`,
  `#count-offboarding` (the numbers, with thousands separators; `data-count` holds the
  bare number); `#no-drift` appears only when there are no items.
- `#seats` holds the chart `svg#seat-chart`: one `g.seat-plan[data-plan=<id>]` per plan,
  in report order, with a `<title>` and a `text.seat-label` reading
  `pro-2026: 38 of 40 seats (configuration: 30)`, and the bars `rect.seat-purchased`,
  `rect.seat-assigned` (plus `.over` when more seats are held than bought) and
  `rect.seat-configured`, all scaled to the largest count in the chart. Members without
  a seat are listed in `ul.without-seat[data-plan=<id>]`. With no plans, `#no-seats`
  replaces the chart.
- `#details` (only when there are items): one `section.kind#kind-<kind>` per kind
  present, in report order (changed, unmanaged, missing, offboarding), headed with its
  symbol (that of what a plan would do) and count; in it one
  `details.group[data-group=<object type> <field>]` per object type and field (per
  object type for whole objects), its `summary` giving the count, open unless the
  group has more than `FOLD_AT` items; in each a `table.drift` (columns Kind, Object,
  Field, Live, Declared) with one `tbody.department[data-department=<id>]` per
  department (`data-department=""` for what is in none: user groups), headed by a
  `tr.department` with the department's name, id and count, then one `tr.drift-<kind>`
  per item, by address. The Object cell holds the address (`code.address`) and the
  member's, department's or group's name (`span.name`).
- `ul#ignored`: the objects policy.ignore kept out of the comparison, when any.
- `ul#notes`: what the backend could not read or compare (one `li` per diagnostic), when any.

Values are shown compactly: None as an em dash, lists and sets comma-joined (items only
on one side are marked), mappings as `key: value` pairs, an empty string or list as
"(empty)", anything else as its text."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from orgstate.diagnostics import Diagnostic
from orgstate.drift.detect import DriftItem, DriftReport
from orgstate.planner.plan import SeatUse
from orgstate.progress import counted
from orgstate.render.drift import KIND_HINTS, KIND_LABELS, KIND_SYMBOLS, NO_DRIFT, NOTES, Group, groups, number
from orgstate.render.escape import for_html

TITLE = "orgstate drift report"
SVG_NS = "http://www.w3.org/2000/svg"
DASH = "\u2014"
# A group of more items than this is folded.
FOLD_AT = 25
NO_DEPARTMENT = "In no department"

# chart geometry, in SVG user units
CHART_WIDTH = 760
ROW_HEIGHT = 62
BAR_Y = 24
BAR_HEIGHT = 18
CONFIG_Y = 46
CONFIG_HEIGHT = 7

STYLE = """
:root {
  color-scheme: light dark;
  --fg: #1f2328; --muted: #59636e; --bg: #ffffff; --panel: #f6f8fa; --line: #d1d9e0;
  --changed: #9a6700; --changed-bg: #fff8c5;
  --unmanaged: #0969da; --unmanaged-bg: #ddf4ff;
  --missing: #cf222e; --missing-bg: #ffebe9;
  --offboarding: #8250df; --offboarding-bg: #fbefff;
  --track: #e6eaef; --assigned: #0969da; --over: #cf222e; --configured: #bf8700;
  --ok: #1a7f37; --ok-bg: #dafbe1;
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --panel: #151b23; --line: #3d444d;
    --changed: #d29922; --changed-bg: #3b2e0a;
    --unmanaged: #4493f8; --unmanaged-bg: #0c2d4f;
    --missing: #f85149; --missing-bg: #4b1113;
    --offboarding: #ab7df8; --offboarding-bg: #2e1a4f;
    --track: #262c36; --assigned: #4493f8; --over: #f85149; --configured: #d29922;
    --ok: #3fb950; --ok-bg: #0f2d1a;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0; padding: 2rem 1.5rem 3rem; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 1100px; margin: 0 auto; }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; letter-spacing: -.01em; }
h2 { font-size: 1.15rem; margin: 2.25rem 0 .75rem; padding-bottom: .3rem; border-bottom: 1px solid var(--line); }
code, .mono, td.object, td.field {
  font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
  font-size: .88em;
}
.meta { color: var(--muted); margin: 0; }
.meta code { color: var(--fg); background: var(--panel); padding: .1em .35em; border-radius: 4px; }
.cards { display: flex; flex-wrap: wrap; gap: .75rem; margin: 0; padding: 0; list-style: none; }
.card {
  flex: 1 1 12rem; padding: .8rem 1rem; border-radius: 8px; background: var(--panel);
  border: 1px solid var(--line); border-left-width: 5px;
}
.card .count {
  display: block; font-size: 2rem; font-weight: 650; line-height: 1.1; font-variant-numeric: tabular-nums;
}
.card .label { font-weight: 600; }
.card .hint { display: block; color: var(--muted); font-size: .85rem; }
.card.kind-changed { border-left-color: var(--changed); }
.card.kind-unmanaged { border-left-color: var(--unmanaged); }
.card.kind-missing { border-left-color: var(--missing); }
.card.kind-offboarding { border-left-color: var(--offboarding); }
.card.kind-changed .count { color: var(--changed); }
.card.kind-unmanaged .count { color: var(--unmanaged); }
.card.kind-missing .count { color: var(--missing); }
.card.kind-offboarding .count { color: var(--offboarding); }
.card.zero .count { color: var(--muted); }
.ok {
  margin: 1rem 0 0; padding: .7rem 1rem; border-radius: 8px; font-weight: 600;
  color: var(--ok); background: var(--ok-bg); border: 1px solid var(--ok);
}
#seat-chart { display: block; width: 100%; max-width: 760px; height: auto; }
#seat-chart text { fill: var(--fg); font: 14px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
#seat-chart .seat-plan-id { font-weight: 650; }
.seat-purchased { fill: var(--track); }
.seat-assigned { fill: var(--assigned); }
.seat-assigned.over { fill: var(--over); }
.seat-configured { fill: var(--configured); }
.legend { display: flex; flex-wrap: wrap; gap: 1.25rem; margin: .5rem 0 0; padding: 0; list-style: none;
  color: var(--muted); font-size: .85rem; }
.legend li::before { content: ""; display: inline-block; width: .9em; height: .9em; margin-right: .4em;
  vertical-align: -.1em; border-radius: 2px; background: var(--swatch); }
.legend .purchased { --swatch: var(--track); }
.legend .assigned { --swatch: var(--assigned); }
.legend .configured { --swatch: var(--configured); }
.without-seat { color: var(--muted); font-size: .9rem; }
table { width: 100%; border-collapse: collapse; font-size: .92rem; }
thead th {
  position: sticky; top: 0; background: var(--panel); text-align: left; font-weight: 600;
  padding: .5rem .75rem; border-bottom: 2px solid var(--line);
}
tbody td { padding: .45rem .75rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
tbody tr:hover td { background: var(--panel); }
td.object { white-space: nowrap; }
td.live, td.declared { overflow-wrap: anywhere; }
.badge {
  display: inline-block; min-width: 6.5em; text-align: center; padding: .05rem .5rem; border-radius: 999px;
  font-size: .8rem; font-weight: 600; border: 1px solid currentColor;
}
.badge.kind-changed { color: var(--changed); background: var(--changed-bg); }
.badge.kind-unmanaged { color: var(--unmanaged); background: var(--unmanaged-bg); }
.badge.kind-missing { color: var(--missing); background: var(--missing-bg); }
.badge.kind-offboarding { color: var(--offboarding); background: var(--offboarding-bg); }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
h3 .symbol { font-family: ui-monospace, Menlo, Consolas, monospace; }
h3 .hint, summary .hint { color: var(--muted); font-weight: 400; }
details.group { margin: 0 0 .75rem; border: 1px solid var(--line); border-radius: 8px; }
details.group > summary { cursor: pointer; padding: .5rem .75rem; background: var(--panel); border-radius: 8px; }
details.group[open] > summary { border-bottom: 1px solid var(--line); border-radius: 8px 8px 0 0; }
tr.department th {
  text-align: left; font-weight: 600; padding: .5rem .75rem .3rem; border-bottom: 1px solid var(--line);
}
td.object .name { display: block; color: var(--muted); font-family: system-ui, sans-serif; font-size: .85rem; }
tr.drift-changed td.live { color: var(--muted); }
.none, .empty { color: var(--muted); }
td.field .none { font-family: inherit; font-size: 1rem; }
.only { font-weight: 650; text-decoration: underline; text-decoration-thickness: 2px; text-underline-offset: 2px; }
td.live .only { text-decoration-color: var(--missing); }
td.declared .only { text-decoration-color: var(--ok); }
#ignored { columns: 3 14rem; padding-left: 1.2rem; }
footer { margin-top: 2.5rem; color: var(--muted); font-size: .8rem; }
"""


def title(report: DriftReport) -> str:
    return f"Drift report: {report.organization}" if report.organization else TITLE


def render_drift_html(report: DriftReport) -> str:
    """The report as one HTML5 page that needs nothing from the network."""
    heading = _e(title(report))
    organization = f'<span id="organization">{_e(report.organization)}</span> \u00b7 ' if report.organization else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{heading}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        "<header>",
        f"<h1>{heading}</h1>",
        (
            f'<p class="meta">{organization}Backend <code id="backend">{_e(report.backend)}</code> \u00b7 taken at '
            f'<time id="created-at" datetime="{_e(report.created_at)}">{_e(report.created_at)}</time></p>'
        ),
        "</header>",
        *_summary(report),
        *_seats(report.seats),
        *_details(report),
        *_ignored(report.ignored),
        *_notes(report.diagnostics),
        "<footer>Generated by orgstate.</footer>",
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


_e = for_html  # short: it is on every line


def _summary(report: DriftReport) -> list[str]:
    lines = ['<section id="summary" aria-labelledby="summary-title">', '<h2 id="summary-title">Summary</h2>']
    lines.append('<ul class="cards">')
    for kind, count in report.summary.items():
        zero = " zero" if count == 0 else ""
        lines.append(
            f'<li class="card kind-{kind}{zero}">'
            f'<span class="count" id="count-{kind}" data-count="{count}">{number(count)}</span>'
            f'<span class="label">{KIND_LABELS[kind]}</span><span class="hint">{KIND_HINTS[kind]}</span></li>'
        )
    lines.append("</ul>")
    if not report.has_drift:
        lines.append(f'<p id="no-drift" class="ok">{NO_DRIFT}</p>')
    lines.append("</section>")
    return lines


def seat_label(seat: SeatUse) -> str:
    """`pro-2026: 38 of 40 seats (configuration: 30)`."""
    noun = "seat" if seat.purchased == 1 else "seats"
    return (
        f"{seat.plan}: {number(seat.assigned_before)} of {number(seat.purchased)} {noun} "
        f"(configuration: {number(seat.assigned_after)})"
    )


def _seats(seats: Iterable[SeatUse]) -> list[str]:
    seats = list(seats)
    lines = ['<section id="seats" aria-labelledby="seats-title">', '<h2 id="seats-title">Seat use per plan</h2>']
    if not seats:
        lines += ['<p id="no-seats" class="none">The tenant has no seat plans.</p>', "</section>"]
        return lines
    scale = max((max(s.purchased, s.assigned_before, s.assigned_after, 0) for s in seats), default=0)

    def width(value: int) -> str:
        share = max(value, 0) / scale if scale else 0.0
        return f"{CHART_WIDTH * share:.1f}"

    height = ROW_HEIGHT * len(seats)
    lines.append(
        f'<svg id="seat-chart" role="img" aria-labelledby="seat-chart-title" xmlns="{SVG_NS}" '
        f'viewBox="0 0 {CHART_WIDTH} {height}" width="{CHART_WIDTH}" height="{height}">'
    )
    lines.append('<title id="seat-chart-title">Seats held now and wanted by the configuration, per plan</title>')
    for row, seat in enumerate(seats):
        label = seat_label(seat)
        over = " over" if seat.assigned_before > seat.purchased else ""
        lines += [
            f'<g class="seat-plan" data-plan="{_e(seat.plan)}" transform="translate(0 {row * ROW_HEIGHT})">',
            f"<title>{_e(label)}</title>",
            f'<text class="seat-label" x="0" y="16"><tspan class="seat-plan-id">{_e(seat.plan)}</tspan>'
            f"{_e(label[len(seat.plan) :])}</text>",
            f'<rect class="seat-purchased" x="0" y="{BAR_Y}" width="{width(seat.purchased)}" '
            f'height="{BAR_HEIGHT}" rx="3"></rect>',
            f'<rect class="seat-assigned{over}" x="0" y="{BAR_Y}" width="{width(seat.assigned_before)}" '
            f'height="{BAR_HEIGHT}" rx="3"></rect>',
            f'<rect class="seat-configured" x="0" y="{CONFIG_Y}" width="{width(seat.assigned_after)}" '
            f'height="{CONFIG_HEIGHT}" rx="2"></rect>',
            "</g>",
        ]
    lines.append("</svg>")
    lines.append(
        '<ul class="legend"><li class="purchased">purchased</li><li class="assigned">assigned now</li>'
        '<li class="configured">wanted by the configuration</li></ul>'
    )
    for seat in seats:
        if seat.without_seat:
            names = ", ".join(_e(name) for name in seat.without_seat)
            lines.append(
                f'<p class="without-seat" data-plan="{_e(seat.plan)}">Without a seat in <code>{_e(seat.plan)}</code>: '
                f"{names}</p>"
            )
    lines.append("</section>")
    return lines


def _items(value: Any) -> list[Any] | None:
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return None


def _scalar(value: Any) -> str:
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return ", ".join(f"{key}: {_scalar(value[key])}" for key in sorted(value, key=str))
    items = _items(value)
    if items is not None:
        return ", ".join(_scalar(item) for item in items)
    return str(value)


def value_html(value: Any, other: Any = None) -> str:
    """A value as compact escaped HTML; in a list, items not in `other` (a list) are marked."""
    if value is None:
        return f'<span class="none">{DASH}</span>'
    if isinstance(value, str | list | tuple | set | frozenset | Mapping) and not value:
        return '<span class="empty">(empty)</span>'
    items = _items(value)
    if items is None:
        return _e(_scalar(value))
    others = _items(other)
    known = {_scalar(item) for item in others} if others is not None else None
    shown = []
    for item in items:
        text = _e(_scalar(item))
        shown.append(f'<span class="only">{text}</span>' if known is not None and _scalar(item) not in known else text)
    return ", ".join(shown)


def _row(item: DriftItem) -> str:
    label = KIND_LABELS.get(item.kind, item.kind)
    name = f'<span class="name">{_e(item.name)}</span>' if item.name else ""
    return (
        f'<tr class="drift-{_e(item.kind)}">'
        f'<td class="kind"><span class="badge kind-{_e(item.kind)}">{_e(label)}</span></td>'
        f'<td class="object"><code class="address">{_e(item.address)}</code>{name}</td>'
        f'<td class="field">{_e(item.field) if item.field is not None else value_html(None)}</td>'
        f'<td class="live">{value_html(item.live, item.declared)}</td>'
        f'<td class="declared">{value_html(item.declared, item.live)}</td>'
        "</tr>"
    )


def _by_department(report: DriftReport, items: Iterable[DriftItem]) -> list[tuple[str | None, list[DriftItem]]]:
    """The items per department, by the department's name (what is in none last)."""
    found: dict[str | None, list[DriftItem]] = {}
    for item in items:
        found.setdefault(item.department, []).append(item)

    def order(department: str | None) -> tuple[bool, str, str]:
        return department is None, report.departments.get(department or "", ""), department or ""

    return [(department, found[department]) for department in sorted(found, key=order)]


def _department_row(report: DriftReport, department: str | None, count: int) -> str:
    if department is None:
        label = NO_DEPARTMENT
    else:
        name = report.departments.get(department)
        label = f"{_e(name)} <code>{_e(department)}</code>" if name else f"<code>{_e(department)}</code>"
    return f'<tr class="department"><th colspan="5" scope="rowgroup">{label} \u00b7 {number(count)}</th></tr>'


def _group(report: DriftReport, group: Group) -> list[str]:
    is_open = " open" if len(group.items) <= FOLD_AT else ""
    lines = [
        f'<details class="group" data-group="{_e(group.label)}"{is_open}>',
        f"<summary><code>{_e(group.label)}</code> \u00b7 {number(len(group.items))}</summary>",
        '<table class="drift">',
        "<thead><tr>"
        '<th scope="col">Kind</th><th scope="col">Object</th><th scope="col">Field</th>'
        '<th scope="col">Live</th><th scope="col">Declared</th>'
        "</tr></thead>",
    ]
    for department, items in _by_department(report, group.items):
        lines += [
            f'<tbody class="department" data-department="{_e(department or "")}">',
            _department_row(report, department, len(items)),
            *(_row(item) for item in items),
            "</tbody>",
        ]
    return [*lines, "</table>", "</details>"]


def _details(report: DriftReport) -> list[str]:
    if not report.items:
        return []
    lines = ['<section id="details" aria-labelledby="details-title">', '<h2 id="details-title">Drift</h2>']
    kind = None
    for group in groups(report.items):
        if group.kind != kind:
            if kind is not None:
                lines.append("</section>")
            kind = group.kind
            lines += [
                f'<section class="kind" id="kind-{kind}">',
                f'<h3><span class="symbol">{_e(KIND_SYMBOLS[kind])}</span> {KIND_LABELS[kind]} '
                f'\u00b7 {number(report.summary[kind])} <span class="hint">{KIND_HINTS[kind]}</span></h3>',
            ]
        lines += _group(report, group)
    return [*lines, "</section>", "</section>"]


def _ignored(ignored: Iterable[str]) -> list[str]:
    ignored = list(ignored)
    if not ignored:
        return []
    return [
        '<section id="ignored-objects" aria-labelledby="ignored-title">',
        '<h2 id="ignored-title">Ignored by policy</h2>',
        f'<p class="meta">{counted(len(ignored), "live object")} left out of the comparison.</p>',
        '<ul id="ignored">',
        *(f"<li><code>{_e(address)}</code></li>" for address in ignored),
        "</ul>",
        "</section>",
    ]


def _notes(diagnostics: Iterable[Diagnostic]) -> list[str]:
    diagnostics = list(diagnostics)
    if not diagnostics:
        return []
    return [
        '<section id="backend-notes" aria-labelledby="notes-title">',
        f'<h2 id="notes-title">{NOTES}</h2>',
        '<ul id="notes">',
        *(f"<li><code>{_e(d.rule)}</code> {_e(d.severity)}: {_e(d.message)}</li>" for d in diagnostics),
        "</ul>",
        "</section>",
    ]


__all__ = ["NO_DRIFT", "render_drift_html", "seat_label", "value_html"]

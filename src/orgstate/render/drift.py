"""Drift reports as text, markdown (an issue or a chat message) and JSON.

Every form groups the items by kind (changed, unmanaged, missing, pending offboarding),
then by what they are about (`member job.title` for a changed field, `member` for a
whole object), with counts, and marks each kind with the symbol of what a plan would do
about it (render/plan_text.py). Text and markdown list at most `SHOWN_PER_GROUP` items
of a group and say how many more there are; markdown folds groups of more than
`FOLD_AT` items in `<details>` blocks and stays under GitHub's comment limit (`LIMIT`).
JSON holds every item.

Live values are whatever someone typed in the Lark console: every value from the
report goes through the escaper of its format (render/escape.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from orgstate.drift.detect import KINDS, DriftItem, DriftKind, DriftReport
from orgstate.natural import natural_key
from orgstate.progress import counted
from orgstate.render.diagnostics import diagnostic_line
from orgstate.render.escape import for_html, for_markdown, for_markdown_code, for_terminal, json_text
from orgstate.render.plan_markdown import LIMIT, diagnostic_item
from orgstate.render.plan_text import SYMBOLS

NO_DRIFT = "No drift: the tenant matches the configuration."
# What a plan does about each kind, whose symbol drift shows: a changed field is
# updated, an unmanaged object removed (under an authoritative policy), a missing one
# created, an offboarded member deleted (with their transfers).
PLAN_ACTIONS: dict[DriftKind, str] = {
    "changed": "update",
    "unmanaged": "delete",
    "missing": "create",
    "offboarding": "delete",
}
KIND_SYMBOLS: dict[DriftKind, str] = {kind: SYMBOLS[action] for kind, action in PLAN_ACTIONS.items()}
KIND_LABELS: dict[DriftKind, str] = {
    "changed": "Changed",
    "unmanaged": "Unmanaged",
    "missing": "Missing",
    "offboarding": "Pending offboarding",
}
KIND_HINTS: dict[DriftKind, str] = {
    "changed": "declared and live, values differ",
    "unmanaged": "live, not declared",
    "missing": "declared, not live",
    "offboarding": "live, offboarded by the configuration",
}
# 1.1: `diagnostics`, what the backend could not read or compare (BACKEND-CAPABILITY).
# 1.2: `organization`; the kind `offboarding`; each item's `name` and `department`.
FORMAT_VERSION = "1.2"
NOTES = "What this backend cannot read or compare"
SHOWN_PER_GROUP = 100
FOLD_AT = 10
SEE_ALL = "all of them: `orgstate drift --format json`, or `--out FILE`"


@dataclass(frozen=True)
class Group:
    """The items of one kind about one thing: a field of one object type, or whole objects."""

    kind: DriftKind
    object_type: str
    field: str | None
    items: tuple[DriftItem, ...]

    @property
    def label(self) -> str:
        return f"{self.object_type} {self.field}" if self.field else self.object_type


def groups(items: Iterable[DriftItem]) -> list[Group]:
    """The items grouped by kind (in `KINDS` order), then by object type and field."""
    found: dict[tuple[DriftKind, str, str | None], list[DriftItem]] = {}
    for item in items:
        found.setdefault((item.kind, item.address.partition(".")[0], item.field), []).append(item)
    keys = sorted(found, key=lambda key: (KINDS.index(key[0]), key[1], natural_key(key[2] or "")))
    return [Group(*key, tuple(found[key])) for key in keys]


def number(count: int) -> str:
    """A count with thousands separators: 10,000."""
    return f"{count:,}"


def heading(kind: DriftKind) -> str:
    return f"{KIND_LABELS[kind]} ({KIND_HINTS[kind]})"


def counts_text(report: DriftReport) -> str:
    """`21 changed, 3 unmanaged, 1 pending offboarding`: the kinds present."""
    return ", ".join(f"{number(count)} {KIND_LABELS[kind].lower()}" for kind, count in report.summary.items() if count)


def summary_line(report: DriftReport) -> str:
    return f"Drift: {counts_text(report)}" if report.has_drift else NO_DRIFT


def show_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value) if isinstance(value, str) else json.dumps(value)


def shown_name(item: DriftItem) -> str | None:
    """The object's name, where the item's values do not already show it."""
    return None if item.name in (None, item.live, item.declared) else item.name


def more_line(left_out: int) -> str:
    return f"... {number(left_out)} more ({SEE_ALL})"


# -- text ------------------------------------------------------------------------------


def _text_line(item: DriftItem) -> str:
    address, live, declared = (
        for_terminal(v) for v in (item.address, show_value(item.live), show_value(item.declared))
    )
    name = shown_name(item)
    head = f"{KIND_SYMBOLS[item.kind]} {address}" + (f" ({for_terminal(name)})" if name else "")
    if item.kind == "changed":
        return f"{head} {for_terminal(item.field)}: live {live}, declared {declared}"
    if item.kind == "missing":
        return f"{head} (declared: {declared})"
    return f"{head} (live: {live})"


def render_drift_text(report: DriftReport) -> str:
    where = f"{for_terminal(report.backend)} ({for_terminal(report.created_at)})"
    if report.organization:
        where = f"{for_terminal(report.organization)}, {where}"
    lines = [f"orgstate drift for {where}"]
    kind = None
    for group in groups(report.items):
        if group.kind != kind:
            kind = group.kind
            lines += ["", f"{heading(kind)}: {number(report.summary[kind])}"]
        lines += [f"  {for_terminal(group.label)}: {number(len(group.items))}"]
        lines += [f"    {_text_line(item)}" for item in group.items[:SHOWN_PER_GROUP]]
        if len(group.items) > SHOWN_PER_GROUP:
            lines.append(f"    {more_line(len(group.items) - SHOWN_PER_GROUP)}")
    if report.ignored:
        lines += ["", f"Ignored (policy.ignore): {', '.join(for_terminal(name) for name in report.ignored)}"]
    if report.diagnostics:
        lines += ["", f"{NOTES}:", *(f"  {diagnostic_line(d)}" for d in report.diagnostics)]
    return "\n".join([*lines, "", summary_line(report)])


# -- markdown --------------------------------------------------------------------------

TABLE_HEAD = ["| Object | Name | Field | Live | Declared |", "| --- | --- | --- | --- | --- |"]


def _markdown_title(report: DriftReport) -> str:
    organization = f" in {for_markdown(report.organization)}" if report.organization else ""
    if not report.has_drift:
        return f"## No drift{organization}"
    return f"## Drift{organization}: {counts_text(report)}"


def _markdown_row(item: DriftItem) -> str:
    return (
        f"| {for_markdown_code(item.address, in_table=True)} | {for_markdown(item.name or '')} | "
        f"{for_markdown(item.field or '')} | {for_markdown(show_value(item.live))} | "
        f"{for_markdown(show_value(item.declared))} |"
    )


def _overview(all_groups: list[Group]) -> list[str]:
    """One row per group with its count: every group, however many items are shown."""
    lines = ["| Drift | About | Count |", "| --- | --- | ---: |"]
    lines += [
        f"| `{KIND_SYMBOLS[g.kind]}` {KIND_LABELS[g.kind].lower()} | {for_markdown_code(g.label, in_table=True)} "
        f"| {number(len(g.items))} |"
        for g in all_groups
    ]
    return lines


def _markdown_group(group: Group, rows: list[str]) -> list[str]:
    """A group's table of `rows` (its first items), folded when the group is long."""
    if len(group.items) <= FOLD_AT:
        return [f"**{for_markdown(group.label)}** ({number(len(group.items))})", "", *TABLE_HEAD, *rows, ""]
    counts = counted(len(group.items), "item") + (
        f", {number(len(rows))} shown" if len(rows) < len(group.items) else ""
    )
    return [
        f"<details><summary>{for_html(group.label)} ({counts})</summary>",
        "",
        *TABLE_HEAD,
        *rows,
        "",
        "</details>",
        "",
    ]


def _markdown_head(report: DriftReport, all_groups: list[Group]) -> list[str]:
    lines = [
        _markdown_title(report),
        "",
        f"Backend {for_markdown_code(report.backend)}, {for_markdown(report.created_at)}.",
        "",
    ]
    if not report.has_drift:
        lines += [NO_DRIFT, ""]
    else:
        lines += [*_overview(all_groups), ""]
    if report.diagnostics:
        lines += [f"**{NOTES}:**", "", *(diagnostic_item(d) for d in report.diagnostics), ""]
    return lines


def _truncated(left_out: int, total: int) -> str:
    return (
        f"> {number(left_out)} of {number(total)} items not shown, to keep this under GitHub's comment size; {SEE_ALL}."
    )


def render_drift_markdown(report: DriftReport, limit: int = LIMIT) -> str:
    """The report as markdown of at most `limit` characters: each group's first items,
    as many as fit, and a note of how many were left out."""
    all_groups = groups(report.items)
    lines = _markdown_head(report, all_groups)
    total = len(report.items)
    # Room for the note, with the largest counts it can hold.
    budget = limit - len("\n".join(lines)) - len(_truncated(total, total)) - 2
    shown, kind = 0, None
    for group in all_groups:
        title = [f"### `{KIND_SYMBOLS[group.kind]}` {heading(group.kind)}: {number(report.summary[group.kind])}", ""]
        title = title if group.kind != kind else []
        frame = len("\n".join([*title, *_markdown_group(group, [])])) + 1
        rows: list[str] = []
        used = frame
        for item in group.items[:SHOWN_PER_GROUP]:
            row = _markdown_row(item)
            if used + len(row) + 1 > budget:
                break
            rows.append(row)
            used += len(row) + 1
        if not rows:
            break
        lines += [*title, *_markdown_group(group, rows)]
        budget -= used
        shown += len(rows)
        kind = group.kind
    if shown < total:
        lines.append(_truncated(total - shown, total))
    return "\n".join(lines).rstrip() + "\n"


# -- JSON ------------------------------------------------------------------------------


def drift_document(report: DriftReport) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "backend": report.backend,
        "organization": report.organization,
        "created_at": report.created_at,
        "drift": report.has_drift,
        "summary": report.summary,
        "items": [
            {
                "kind": i.kind,
                "address": i.address,
                "field": i.field,
                "live": i.live,
                "declared": i.declared,
                "name": i.name,
                "department": i.department,
            }
            for i in report.items
        ],
        "seats": [
            {"plan": s.plan, "purchased": s.purchased, "assigned": s.assigned_before, "declared": s.assigned_after}
            for s in report.seats
        ],
        "ignored": list(report.ignored),
        "diagnostics": [diagnostic.to_json() for diagnostic in report.diagnostics],
    }


def render_drift_json(report: DriftReport) -> str:
    return json_text(drift_document(report), default=str)

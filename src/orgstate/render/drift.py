"""Drift reports as text, markdown (an issue or a chat message) and JSON.

Live values are whatever someone typed in the Lark console: every value from the
report goes through the escaper of its format (render/escape.py)."""

from __future__ import annotations

import json
from typing import Any

from orgstate.drift.detect import KINDS, DriftItem, DriftReport
from orgstate.render.diagnostics import diagnostic_line
from orgstate.render.escape import for_markdown, for_markdown_code, for_terminal, json_text
from orgstate.render.plan_markdown import diagnostic_item

NO_DRIFT = "No drift: the tenant matches the configuration."
HEADINGS = {
    "changed": "Changed outside orgstate",
    "unmanaged": "Unmanaged (live, not declared)",
    "missing": "Missing (declared, not live)",
}
# 1.1: `diagnostics`, what the backend could not read or compare (BACKEND-CAPABILITY).
FORMAT_VERSION = "1.1"
NOTES = "What this backend cannot read or compare"


def show_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value) if isinstance(value, str) else json.dumps(value)


def summary_line(report: DriftReport) -> str:
    if not report.has_drift:
        return NO_DRIFT
    return "Drift: " + ", ".join(f"{count} {kind}" for kind, count in report.summary.items())


def _text_line(item: DriftItem) -> str:
    address, live, declared = (
        for_terminal(v) for v in (item.address, show_value(item.live), show_value(item.declared))
    )
    if item.kind == "changed":
        return f"  ~ {address} {for_terminal(item.field)}: live {live}, declared {declared}"
    if item.kind == "unmanaged":
        return f"  + {address} (live: {live})"
    return f"  - {address} (declared: {declared})"


def render_drift_text(report: DriftReport) -> str:
    lines = [f"orgstate drift for {for_terminal(report.backend)} ({for_terminal(report.created_at)})"]
    for kind in KINDS:
        items = [item for item in report.items if item.kind == kind]
        if items:
            lines += ["", f"{HEADINGS[kind]}:", *(_text_line(item) for item in items)]
    if report.ignored:
        lines += ["", f"Ignored (policy.ignore): {', '.join(for_terminal(name) for name in report.ignored)}"]
    if report.diagnostics:
        lines += ["", f"{NOTES}:", *(f"  {diagnostic_line(d)}" for d in report.diagnostics)]
    return "\n".join([*lines, "", summary_line(report)])


def render_drift_markdown(report: DriftReport) -> str:
    lines = [
        f"## orgstate drift: {for_markdown(summary_line(report))}",
        "",
        f"Backend {for_markdown_code(report.backend)}, {for_markdown(report.created_at)}.",
        "",
    ]
    if report.has_drift:
        lines += ["| Kind | Object | Field | Live | Declared |", "| --- | --- | --- | --- | --- |"]
        lines += [
            f"| {item.kind} | {for_markdown_code(item.address, in_table=True)} | {for_markdown(item.field or '')} | "
            f"{for_markdown(show_value(item.live))} | {for_markdown(show_value(item.declared))} |"
            for item in report.items
        ]
    if report.diagnostics:
        lines += ["", f"**{NOTES}:**", "", *(diagnostic_item(d) for d in report.diagnostics)]
    return "\n".join(lines) + "\n"


def drift_document(report: DriftReport) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "backend": report.backend,
        "created_at": report.created_at,
        "drift": report.has_drift,
        "summary": report.summary,
        "items": [
            {"kind": i.kind, "address": i.address, "field": i.field, "live": i.live, "declared": i.declared}
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

"""`orgstate explain` as text (a terminal) and JSON (scripts): the object's fields,
declared beside live, its seat and why, its planned changes and its diagnostics.
Every value goes through its format's escaper (render/escape.py)."""

from __future__ import annotations

from typing import Any

from orgstate.planner.changes import change_data
from orgstate.planner.explain import Explanation
from orgstate.render.diagnostics import diagnostic_line
from orgstate.render.escape import for_terminal, json_text
from orgstate.render.plan_text import ordered_diagnostics, value_text
from orgstate.render.plan_text import symbol as change_symbol

NOT_THERE = "—"
NOT_HELD = "(not held by the backend)"
FIELD_HEADINGS = ("field", "declared", "live")
DIFFERS = "*"


def _cell(value: Any, present: bool) -> str:
    return for_terminal(value_text(value)) if present else NOT_THERE


def _text_rows(explanation: Explanation) -> list[tuple[str, str, str, str]]:
    """(field, declared, live, mark) per field; a field that holds keys (job, custom)
    one row per key, so that the difference stands out."""
    rows = []
    for row in explanation.fields:
        keyed = [value for value in (row.declared, row.live) if isinstance(value, dict)]
        keys = list(dict.fromkeys(key for value in keyed for key in value)) if keyed else None
        if not keys:
            parts = [(row.name, row.declared, row.live, row.holds())]
        else:
            declared, live = row.declared or {}, row.live or {}
            parts = [(f"{row.name}.{key}", declared.get(key), live.get(key), row.holds(key)) for key in keys]
        for name, declared_value, live_value, held in parts:
            both = held and row.in_declared and row.in_live
            mark = DIFFERS if both and declared_value != live_value else ""
            live_cell = _cell(live_value, row.in_live) if held else NOT_HELD
            rows.append((for_terminal(name), _cell(declared_value, row.in_declared), live_cell, mark))
    return rows


def _presence(explanation: Explanation) -> str:
    sides = {
        (True, True): "declared and live",
        (True, False): "declared, not live",
        (False, True): "live, not declared",
        (False, False): "neither declared nor live",
    }
    return sides[explanation.declared, explanation.live]


def render_explain_text(explanation: Explanation, colour: bool = False) -> str:
    rows = _text_rows(explanation)
    widths = [max(len(cells[i]) for cells in [(*FIELD_HEADINGS, ""), *rows]) for i in range(2)]
    lines = [f"{for_terminal(explanation.address)} ({_presence(explanation)})", ""]
    lines.append(f"  {FIELD_HEADINGS[0].ljust(widths[0])}  {FIELD_HEADINGS[1].ljust(widths[1])}  {FIELD_HEADINGS[2]}")
    for name, declared, live, mark in rows:
        lines.append(f"{mark or ' '} {name.ljust(widths[0])}  {declared.ljust(widths[1])}  {live}".rstrip())
    if explanation.declared and explanation.live:
        lines.append(f"({DIFFERS}: the declared and the live value differ)")
    seat = explanation.seat
    if seat is not None:
        held = for_terminal(seat.live_plan) if seat.live_plan else "none"
        source = f", given {for_terminal(seat.live_source)}" if seat.live_source else ""
        after = for_terminal(seat.plan) if seat.plan else "none"
        lines += [
            "",
            "Seat:",
            f"  live: {held}{source}",
            f"  after the plan: {after} ({for_terminal(seat.reason)}: {for_terminal(seat.why)})",
        ]
    lines += ["", "Planned changes:" if explanation.changes else "Planned changes: none."]
    for change in explanation.changes:
        head = f"  {change_symbol(change)} {change.id} {for_terminal(change.address)} {for_terminal(change.action)}"
        lines.append(head + (f" ({for_terminal(change.reason)})" if change.reason else ""))
    lines += ["", "Diagnostics:" if explanation.diagnostics else "Diagnostics: none."]
    lines += [f"  {diagnostic_line(d, colour)}" for d in ordered_diagnostics(explanation.diagnostics)]
    return "\n".join(lines)


def render_explain_json(explanation: Explanation) -> str:
    seat = explanation.seat
    return json_text(
        {
            "address": explanation.address,
            "declared": explanation.declared,
            "live": explanation.live,
            "fields": [
                {
                    "name": row.name,
                    **({"declared": row.declared} if row.in_declared else {}),
                    **({"live": row.live} if row.in_live and row.held else {}),
                    **({} if row.held else {"held": False}),
                    **({"unheld_keys": sorted(row.unheld_keys)} if row.unheld_keys else {}),
                    "differs": row.differs,
                }
                for row in explanation.fields
            ],
            "seat": None
            if seat is None
            else {
                "plan": seat.plan,
                "reason": seat.reason,
                "why": seat.why,
                "live_plan": seat.live_plan,
                "live_source": seat.live_source,
            },
            "changes": [change_data(change) for change in explanation.changes],
            "diagnostics": [d.to_json() for d in explanation.diagnostics],
        }
    )

"""Diagnostics as text (one line each, editor-clickable) or as JSON (SPEC section 5).

Messages quote configuration values and file names: each part of a line goes through
`for_terminal`, and the JSON through `json_text` (render/escape.py)."""

from __future__ import annotations

from collections import Counter

import click

from orgstate.diagnostics import Diagnostic
from orgstate.render.escape import for_terminal, json_text

SEVERITY_COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}


def diagnostic_line(diagnostic: Diagnostic, colour: bool = False) -> str:
    severity = diagnostic.severity
    label = click.style(severity, fg=SEVERITY_COLOURS[severity], bold=True) if colour else severity
    where = f"{for_terminal(diagnostic.location)}: " if diagnostic.location else ""
    field = f"{for_terminal(diagnostic.path)}: " if diagnostic.path else ""
    return f"{where}{label} {for_terminal(diagnostic.rule)} {field}{for_terminal(diagnostic.message)}"


def described(diagnostic: Diagnostic) -> str:
    """The message with what it is about in front, `member.bob (members[1].job.manager): ...`,
    for the formats that show the file and line apart from it (annotations, SARIF).
    Unescaped: each format escapes it for its place."""
    subject = diagnostic.address or diagnostic.path
    if diagnostic.address and diagnostic.path:
        subject = f"{diagnostic.address} ({diagnostic.path})"
    return f"{subject}: {diagnostic.message}" if subject else diagnostic.message


def summary_line(diagnostics: list[Diagnostic]) -> str:
    counts = Counter(diagnostic.severity for diagnostic in diagnostics)
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info") if counts[s]]
    return ", ".join(parts) if parts else "no problems"


def render_text(diagnostics: list[Diagnostic], colour: bool = False) -> str:
    lines = [diagnostic_line(diagnostic, colour) for diagnostic in diagnostics]
    return "\n".join([*lines, summary_line(diagnostics)])


def render_json(diagnostics: list[Diagnostic]) -> str:
    return json_text({"diagnostics": [diagnostic.to_json() for diagnostic in diagnostics]})

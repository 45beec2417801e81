"""Diagnostics and plans as GitHub Actions workflow commands (`--format github`).

The output, in this order:

1. (plan) A notice titled with the plan's counts, `orgstate plan: 3 to add, 1 to
   change, 0 to remove`.
2. One annotation per diagnostic, errors, then warnings, then infos:
   `::error file=F,line=L,col=C,title=RULE-ID::address (path): message` (`::warning`,
   `::notice` for an info), leaving out what the diagnostic lacks; the file as an
   absolute path, which the runner makes relative to the repository. GitHub shows at most
   10 annotations of each kind per step and drops the rest, so of a kind with more,
   the first 9 are written and a tenth counts the others.
3. The whole report, as the text format writes it (every diagnostic; the plan), in a
   folded group of the log, with workflow commands stopped: no text from a
   configuration or a tenant can be taken for a command there. The stop token is a
   digest of the text, which the text cannot hold.

Each value in a command goes through `for_workflow_command` (render/escape.py).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from orgstate.diagnostics import Diagnostic, Severity
from orgstate.planner.plan import Plan
from orgstate.render.diagnostics import described, render_text, summary_line
from orgstate.render.escape import for_workflow_command
from orgstate.render.plan_text import (
    blocked_sentence,
    estimate_sentence,
    kind_counts,
    render_plan_text,
    summary_sentence,
    targeted_sentence,
)

# GitHub's limit: annotations of each kind one step shows.
ANNOTATIONS_PER_KIND = 10
KINDS: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "notice"}


def annotation(
    kind: str,
    message: str,
    *,
    title: str | None = None,
    file: str | None = None,
    line: int | None = None,
    column: int | None = None,
) -> str:
    """One workflow command; the properties that are None or empty are left out (and
    the column without a line, which GitHub ignores)."""
    properties = {"file": file, "line": line, "col": column if line else None, "title": title}
    written = ",".join(
        f"{name}={for_workflow_command(value, as_property=True)}"
        for name, value in properties.items()
        if value not in (None, "")
    )
    return f"::{kind}{' ' if written else ''}{written}::{for_workflow_command(message)}"


def diagnostic_annotation(diagnostic: Diagnostic) -> str:
    # An absolute path, which the runner makes relative to the repository; a relative one
    # it reads from the checkout's root, whatever the working directory was.
    return annotation(
        KINDS[diagnostic.severity],
        described(diagnostic),
        title=diagnostic.rule,
        file=str(Path(diagnostic.file).absolute()) if diagnostic.file else None,
        line=diagnostic.line,
        column=diagnostic.column,
    )


def diagnostic_annotations(diagnostics: Sequence[Diagnostic], reserved: Counter[str] | None = None) -> list[str]:
    """The annotations of `diagnostics`, by kind, at most ANNOTATIONS_PER_KIND of each
    less those `reserved` for other annotations of the step."""
    taken = reserved or Counter()
    lines: list[str] = []
    for severity, kind in KINDS.items():
        found = [diagnostic for diagnostic in diagnostics if diagnostic.severity == severity]
        room = ANNOTATIONS_PER_KIND - taken[kind]
        shown = found if len(found) <= room else found[: room - 1]
        lines += [diagnostic_annotation(diagnostic) for diagnostic in shown]
        more = len(found) - len(shown)
        if more:
            counted = f"{more:,} more {severity}{'' if more == 1 else 's'}"
            lines.append(
                annotation(
                    kind,
                    f"and {counted}, not shown as annotations (GitHub shows {ANNOTATIONS_PER_KIND} of each kind "
                    "per step): this step's log lists every diagnostic",
                    title=f"orgstate: {counted}",
                )
            )
    return lines


def folded_log(title: str, text: str) -> list[str]:
    """`text` in a folded group of the log, with workflow commands stopped around it."""
    token = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return [
        f"::group::{for_workflow_command(title)}",
        f"::stop-commands::{token}",
        text,
        f"::{token}::",
        "::endgroup::",
    ]


def render_diagnostics_github(diagnostics: list[Diagnostic]) -> str:
    lines = diagnostic_annotations(diagnostics)
    lines += folded_log(f"orgstate: {summary_line(diagnostics)}", render_text(diagnostics))
    return "\n".join(lines)


def plan_notice(plan: Plan) -> str:
    counts = kind_counts(plan.changes)
    title = f"orgstate plan: {counts['add']} to add, {counts['change']} to change, {counts['remove']} to remove"
    sentences = [summary_sentence(plan), estimate_sentence(plan), blocked_sentence(plan), targeted_sentence(plan)]
    return annotation("notice", " ".join(sentence for sentence in sentences if sentence), title=title)


def render_plan_github(plan: Plan) -> str:
    lines = [plan_notice(plan), *diagnostic_annotations(plan.diagnostics, reserved=Counter(notice=1))]
    lines += folded_log("orgstate plan: the whole plan", render_plan_text(plan))
    return "\n".join(lines)

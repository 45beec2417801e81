"""Every renderer, keyed by (report, format): the CLI looks renderers up here, and its
`--format` choices are the formats listed here, in this order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from orgstate.render.annotations import render_diagnostics_github, render_plan_github
from orgstate.render.diagnostics import render_json, render_text
from orgstate.render.drift import render_drift_json, render_drift_markdown, render_drift_text
from orgstate.render.drift_html import render_drift_html
from orgstate.render.explain import render_explain_json, render_explain_text
from orgstate.render.plan_json import render_plan_json
from orgstate.render.plan_markdown import render_plan_markdown
from orgstate.render.plan_text import render_plan_text
from orgstate.render.sarif import render_diagnostics_sarif, render_plan_sarif
from orgstate.render.tenant import render_tenant_json, render_tenant_text

Report = Literal["plan", "drift", "diagnostics", "tenant", "explain"]
Renderer = Callable[[Any, bool], str]  # (what to render, whether to colour it) -> text


def _uncoloured(render: Callable[[Any], str]) -> Renderer:
    return lambda value, _colour: render(value)


RENDERERS: dict[tuple[Report, str], Renderer] = {
    ("plan", "text"): render_plan_text,
    ("plan", "markdown"): _uncoloured(render_plan_markdown),
    ("plan", "json"): _uncoloured(render_plan_json),
    ("plan", "github"): _uncoloured(render_plan_github),
    ("plan", "sarif"): _uncoloured(render_plan_sarif),
    ("drift", "text"): _uncoloured(render_drift_text),
    ("drift", "markdown"): _uncoloured(render_drift_markdown),
    ("drift", "json"): _uncoloured(render_drift_json),
    ("drift", "html"): _uncoloured(render_drift_html),
    ("diagnostics", "text"): render_text,
    ("diagnostics", "json"): _uncoloured(render_json),
    ("diagnostics", "github"): _uncoloured(render_diagnostics_github),
    ("diagnostics", "sarif"): _uncoloured(render_diagnostics_sarif),
    ("tenant", "text"): _uncoloured(render_tenant_text),
    ("tenant", "json"): _uncoloured(render_tenant_json),
    ("explain", "text"): render_explain_text,
    ("explain", "json"): _uncoloured(render_explain_json),
}


def formats(report: Report) -> list[str]:
    """The formats `report` renders to, the first being the default."""
    return [output_format for name, output_format in RENDERERS if name == report]


def render(report: Report, output_format: str, value: Any, colour: bool = False) -> str:
    return RENDERERS[report, output_format](value, colour)

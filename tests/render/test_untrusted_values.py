"""Every renderer, built directly, with a hostile string in every value that came from
input: plan parts the CLI test cannot reach (reasons, seat plans, diagnostics with
hostile files and messages, a saved plan's backend), apply's progress, the audit log.
The end-to-end run is tests/security/test_output_injection.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import click
import pytest

from orgstate.diagnostics import Diagnostic
from orgstate.drift.detect import DriftItem, DriftReport
from orgstate.planner.plan import Plan, SeatUse
from orgstate.render.audit import render_audit_log
from orgstate.render.diagnostics import render_json, render_text
from orgstate.render.drift import render_drift_markdown, render_drift_text
from orgstate.render.drift_html import render_drift_html
from orgstate.render.plan_json import plan_document
from orgstate.render.plan_markdown import render_plan_markdown
from orgstate.render.plan_text import render_plan_text
from orgstate.render.progress import LineReporter, ProgressReporter
from orgstate.statestore.store import AuditEntry
from tests.render.plans import make_plan
from tests.render.test_drift_html import parse
from tests.samples import change
from tests.security.test_output_injection import CATALOGUE, IDS, Hostile, markdown_dom, texts_outside_code, unsafe


def hostile_plan(value: str) -> Plan:
    seat_plan = f"pro {value}"
    return dataclasses.replace(
        make_plan(
            (
                change(
                    "member",
                    "update",
                    "member.ann",
                    before={"name": f"Ann {value}"},
                    after={"name": "Ann"},
                    fields=("name",),
                    reason=f"why {value}",
                ),
                change("user_group", "create", "user_group.ops", 2, after={"id": "ops", "name": f"Ops {value}"}),
            ),
            (SeatUse(seat_plan, 1, 2, 2, (f"bob {value}",)),),
            tuple(
                Diagnostic(rule="R", severity=severity, message=f"msg {value}", file=f"f {value}.yaml", path=value)
                for severity in ("error", "warning", "info")
            ),
        ),
        backend=f"local:{value}.db",
        created_at=f"2026 {value}",
        ignored=(f"member.{value}",),
    )


def hostile_report(value: str) -> DriftReport:
    return DriftReport(
        backend=f"local:{value}.db",
        created_at=f"2026 {value}",
        items=(
            DriftItem("changed", "member.ann", f"field {value}", f"live {value}", [f"declared {value}", "x"]),
            DriftItem("unmanaged", "user_group.u", live=f"U {value}"),
        ),
        seats=(SeatUse(f"pro {value}", 1, 1, 1, (f"bob {value}",)),),
        ignored=(f"member.{value}",),
        diagnostics=(Diagnostic(rule="BACKEND-CAPABILITY", severity="info", message=f"note {value}"),),
    )


@pytest.mark.parametrize("hostile", CATALOGUE, ids=IDS)
def test_plan_text(hostile: Hostile) -> None:
    text = render_plan_text(hostile_plan(hostile.value))
    assert unsafe(text) == []
    assert click.unstyle(render_plan_text(hostile_plan(hostile.value), colour=True)) == text  # colour adds only style
    lines = text.split("\n")
    assert lines[0] == f"orgstate plan for local:{hostile.shown}.db (created 2026 {hostile.shown})"
    assert any(line.endswith(f"(why {hostile.shown})") for line in lines)
    assert any(line.endswith(f"pro {hostile.shown}: no seat for bob {hostile.shown}") for line in lines)
    assert f"Ignored (policy.ignore): member.{hostile.shown}" in lines
    assert sum(f"f {hostile.shown}.yaml: " in line and line.endswith(f"msg {hostile.shown}") for line in lines) == 3


@pytest.mark.parametrize("hostile", CATALOGUE, ids=IDS)
def test_plan_markdown(hostile: Hostile) -> None:
    text = render_plan_markdown(hostile_plan(hostile.value))
    assert unsafe(text) == []
    dom = markdown_dom(text)
    for tag in ("script", "a", "img", "svg"):
        assert dom.find_all(tag) == []
    assert [s.text for s in dom.find_all("summary")] == ["1 info", "member (1 change)", "user_group (1 change)"]
    [seats] = dom.find_all("table")[1:]
    [row] = seats.find_all("tbody")[0].find_all("tr")
    assert [cell.text for cell in row.find_all("td")] == [
        f"pro {hostile.shown}",
        "1",
        "2",
        "2",
        "-1",
        f"bob {hostile.shown}",
    ]
    shown = hostile.shown.replace("@", "@\u200b")
    items = [li.text for li in dom.find_all("li")]
    assert sum(item.endswith(f"f {hostile.shown}.yaml {hostile.shown}: msg {shown}") for item in items) == 3
    assert f"Backend local:{hostile.shown}.db, created 2026 {shown}. Ignored (policy.ignore): member.{shown}." in [
        p.text for p in dom.find_all("p")
    ]
    assert [t for t in texts_outside_code(dom) if "@" in t and "@\u200b" not in t] == []


@pytest.mark.parametrize("hostile", CATALOGUE, ids=IDS)
def test_drift_text_markdown_html(hostile: Hostile) -> None:
    report = hostile_report(hostile.value)
    text = render_drift_text(report)
    assert unsafe(text) == []
    lines = text.split("\n")
    assert lines[0] == f"orgstate drift for local:{hostile.shown}.db (2026 {hostile.shown})"
    assert (
        f"    ~ member.ann field {hostile.shown}: live live {hostile.shown}, declared declared {hostile.shown}, x"
        in lines
    )
    assert f"  info BACKEND-CAPABILITY note {hostile.shown}" in lines

    markdown = render_drift_markdown(report)
    assert unsafe(markdown) == []
    dom = markdown_dom(markdown)
    assert dom.find_all("script") == [] and dom.find_all("a") == [] and dom.find_all("details") == []
    tables = dom.find_all("table")[1:]  # the first is the overview of counts
    assert sum(len(table.find_all("tbody")[0].find_all("tr")) for table in tables) == 2
    shown = hostile.shown.replace("@", "@\u200b")
    assert [li.text for li in dom.find_all("li")] == [f"info BACKEND-CAPABILITY: note {shown}"]

    page = render_drift_html(report)
    assert unsafe(page) == []
    html = parse(page)
    assert html.find_all("script") == []
    assert [li.text for li in html.need("notes").find_all("li")] == [f"BACKEND-CAPABILITY info: note {hostile.shown}"]
    assert [p.text for p in html.find_all("p", "without-seat")] == [
        f"Without a seat in pro {hostile.shown}: bob {hostile.shown}"
    ]


@pytest.mark.parametrize("hostile", CATALOGUE, ids=IDS)
def test_diagnostics_text_and_json(hostile: Hostile) -> None:
    diagnostics = [Diagnostic(rule="R", severity="error", message=hostile.value, file=hostile.value, line=1)]
    text = render_text(diagnostics, colour=False)
    assert unsafe(text) == []
    assert text.split("\n") == [f"{hostile.shown}:1: error R {hostile.shown}", "1 error"]
    document = render_json(diagnostics)
    assert unsafe(document) == []
    assert json.loads(document)["diagnostics"][0]["message"] == hostile.value


def test_saved_plan_document_keeps_values_as_they_are() -> None:
    # The escaping is the renderer's: the document itself holds the names unchanged.
    hostile = CATALOGUE[0]
    assert plan_document(hostile_plan(hostile.value))["backend"] == f"local:{hostile.value}.db"


@pytest.mark.parametrize("hostile", CATALOGUE, ids=IDS)
def test_apply_progress_lines(hostile: Hostile, capsys: pytest.CaptureFixture[str]) -> None:
    plan = hostile_plan(hostile.value)
    first, second = plan.changes
    reporter = LineReporter()
    reporter.starting(2, 2)
    reporter.change_done(first, "done", f"renamed {hostile.value}")
    reporter.change_done(second, "failed", f"the API said {hostile.value}")
    lines = capsys.readouterr().out.split("\n")
    assert lines[:2] == [
        f"{first.id} ~ member.ann update: done (renamed {hostile.shown})",
        f"{second.id} + user_group.ops create: failed (the API said {hostile.shown})",
    ]


@pytest.mark.parametrize("hostile", CATALOGUE, ids=IDS)
def test_progress_bar_prints_text_not_markup(
    hostile: Hostile, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    reporter = ProgressReporter()  # on stderr, captured: no live bar, the messages as plain text
    plan = hostile_plan(f"[link=https://evil.example]x[/link] {hostile.value}")
    reporter.starting(1, 1)
    reporter.change_done(plan.changes[1], "failed", f"[bold]the API said[/bold] {hostile.value}")
    reporter.finished()
    out = capsys.readouterr().err
    assert unsafe(out) == []
    assert f"failed c0002 user_group.ops: [bold]the API said[/bold] {hostile.shown}" in out.split("\n")


@pytest.mark.parametrize("hostile", CATALOGUE, ids=IDS)
def test_audit_log(hostile: Hostile) -> None:
    at = dt.datetime(2026, 11, 21, 22, 0, 1)
    entries = [
        AuditEntry(1, at, f"ann {hostile.value}", "plan-x", "c1", "member.bob", "update", "failed", hostile.value),
        AuditEntry(2, at, "ann", None, None, "lock", "unlock", "done", ""),
    ]
    text = render_audit_log(entries)
    assert unsafe(text) == []
    assert text.split("\n") == [
        f"2026-11-21 22:00:01 ann {hostile.shown} plan-x c1 member.bob update: failed ({hostile.shown})",
        "2026-11-21 22:00:01 ann lock unlock: done",
    ]
    assert render_audit_log([]) == "The audit log is empty."

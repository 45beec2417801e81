"""How the drift report reads: one heading naming the organization, the plan's symbols,
members pending offboarding as a kind of their own, and a report of 10,000 items that
stays readable (grouped with counts, folded, markdown under GitHub's comment limit)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from orgstate.config.loader import load_config
from orgstate.drift.detect import DriftItem, DriftReport, detect_drift
from orgstate.planner.build import build_plan
from orgstate.render.drift import KIND_SYMBOLS, render_drift_markdown, render_drift_text
from orgstate.render.drift_html import render_drift_html
from orgstate.render.plan_text import symbol
from orgstate.tenant.fixture import load_fixture
from tests.conftest import EXAMPLES, run_orgstate
from tests.render.test_drift_html import parse, rows
from tests.security.test_output_injection import markdown_dom

GITHUB_COMMENT_LIMIT = 65_536


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example configuration and its (drifted) tenant, in a directory of their own."""
    directory = tmp_path_factory.mktemp("example")
    shutil.copytree(EXAMPLES, directory, dirs_exist_ok=True)
    assert run_orgstate("local", "init", "--from", "tenant.yaml", cwd=directory).returncode == 0
    return directory


def drift(example: Path, *args: str) -> str:
    result = run_orgstate("drift", "-f", "org.yaml", *args, cwd=example)
    assert result.returncode == 2, result.stderr
    return result.stdout


def test_markdown_has_one_heading_naming_the_organization(example: Path) -> None:
    markdown = drift(example, "--format", "markdown")
    assert (
        markdown.splitlines()[0]
        == "## Drift in Acme Robotics: 21 changed, 3 unmanaged, 6 missing, 1 pending offboarding"
    )
    assert "Drift: Drift" not in markdown and "orgstate drift:" not in markdown


def test_drift_marks_each_item_with_the_symbol_of_what_the_plan_does() -> None:
    config = load_config([EXAMPLES / "org.yaml"]).config
    assert config is not None
    snapshot = load_fixture(EXAMPLES / "tenant.yaml")
    report = detect_drift(config, snapshot, "local:x")
    planned = {
        change.address: symbol(change)
        for change in build_plan(config, snapshot).changes
        if change.type in ("member", "department", "user_group")
    }
    whole = [item for item in report.items if item.kind != "changed"]
    assert {item.address: KIND_SYMBOLS[item.kind] for item in whole} == {
        item.address: planned[item.address] for item in whole
    }
    assert KIND_SYMBOLS == {"changed": "~", "unmanaged": "-", "missing": "+", "offboarding": "-"}
    text = render_drift_text(report)
    assert "    + member.henry (declared: Henry Clarke)" in text
    assert "    - member.victor (Victor Hale) (live: active)" in text
    assert "### `+` Missing (declared, not live): 6" in render_drift_markdown(report)


def test_an_offboarded_member_is_pending_offboarding_in_every_format(example: Path) -> None:
    text = drift(example)
    assert "Pending offboarding (live, offboarded by the configuration): 1" in text
    assert "    - member.frank (Frank Miller) (live: active)" in text
    assert "member.frank" not in text[text.index("Unmanaged") : text.index("Missing")]
    document = json.loads(drift(example, "--format", "json"))
    assert document["summary"] == {"changed": 21, "unmanaged": 3, "missing": 6, "offboarding": 1}
    [frank] = [item for item in document["items"] if item["address"] == "member.frank"]
    assert frank["kind"] == "offboarding" and frank["name"] == "Frank Miller"
    markdown = drift(example, "--format", "markdown")
    assert "| `-` pending offboarding | `member` | 1 |" in markdown
    assert "### `-` Pending offboarding (live, offboarded by the configuration): 1" in markdown
    page = parse(drift(example, "--format", "html"))
    assert [cells[1] for cls, cells in rows(page) if cls == "drift-offboarding"] == ["member.frank"]
    assert page.need("count-offboarding").text == "1"


# -- at size -----------------------------------------------------------------------------------------------------------

DEPARTMENTS = {f"d{n:02}": f"Department {n}" for n in range(20)}


def big_report() -> DriftReport:
    """10,000 items: 6,000 titles and 2,000 phones changed across 20 departments, 1,000
    unmanaged members, 1,000 missing."""
    items = [
        DriftItem(
            "changed",
            f"member.m{n:05}",
            "job.title" if n < 6000 else "phone",
            f"Old title {n}",
            f"New title {n}",
            f"Person {n}",
            f"d{n % 20:02}",
        )
        for n in range(8000)
    ]
    items += [DriftItem("unmanaged", f"member.u{n:04}", live="active", name=f"Stray {n}") for n in range(1000)]
    items += [DriftItem("missing", f"member.n{n:04}", declared=f"New {n}", name=f"New {n}") for n in range(1000)]
    return DriftReport("lark:https://open.larksuite.com", "2026-11-21T22:00:00Z", tuple(items), "Big Corp", DEPARTMENTS)


def test_ten_thousand_items_make_a_markdown_comment_github_accepts() -> None:
    markdown = render_drift_markdown(big_report())
    assert len(markdown) < GITHUB_COMMENT_LIMIT
    dom = markdown_dom(markdown)
    assert [s.text for s in dom.find_all("summary")] == [
        "member job.title (6,000 items, 100 shown)",
        "member phone (2,000 items, 100 shown)",
        "member (1,000 items, 100 shown)",
        "member (1,000 items, 100 shown)",
    ]
    tables = dom.find_all("table")
    overview = [[cell.text for cell in row.find_all("td")] for row in tables[0].find_all("tbody")[0].find_all("tr")]
    assert overview == [
        ["~ changed", "member job.title", "6,000"],
        ["~ changed", "member phone", "2,000"],
        ["- unmanaged", "member", "1,000"],
        ["+ missing", "member", "1,000"],
    ]
    shown = sum(len(table.find_all("tbody")[0].find_all("tr")) for table in tables[1:])
    assert shown == 400
    assert markdown.rstrip().splitlines()[-1] == (
        "> 9,600 of 10,000 items not shown, to keep this under GitHub's comment size; "
        "all of them: `orgstate drift --format json`, or `--out FILE`."
    )


@pytest.mark.parametrize("limit", [4_000, 20_000])
def test_markdown_stays_under_any_limit_and_counts_what_it_left_out(limit: int) -> None:
    markdown = render_drift_markdown(big_report(), limit=limit)
    assert len(markdown) <= limit
    dom = markdown_dom(markdown)
    shown = sum(len(table.find_all("tbody")[0].find_all("tr")) for table in dom.find_all("table")[1:])
    [left_out] = re.findall(r"> ([\d,]+) of 10,000 items not shown", markdown)
    assert shown + int(left_out.replace(",", "")) == 10_000


def test_text_lists_the_first_items_of_each_group_and_counts_the_rest() -> None:
    text = render_drift_text(big_report())
    lines = text.splitlines()
    assert len(lines) < 500
    assert "Changed (declared and live, values differ): 8,000" in lines
    assert "  member job.title: 6,000" in lines
    assert "    ... 5,900 more (all of them: `orgstate drift --format json`, or `--out FILE`)" in lines
    assert lines[-1] == "Drift: 8,000 changed, 1,000 unmanaged, 1,000 missing"


def test_html_names_the_organization_and_people_and_groups_the_table() -> None:
    report = big_report()
    dom = parse(render_drift_html(report))
    assert dom.find_all("title")[0].text == "Drift report: Big Corp"
    assert dom.need("organization").text == "Big Corp"
    assert dom.need("count-changed").text == "8,000"
    kinds = dom.need("details").find_all("section", "kind")
    assert [section.attrs["id"] for section in kinds] == ["kind-changed", "kind-unmanaged", "kind-missing"]
    assert "8,000" in kinds[0].find_all("h3")[0].text
    folded = dom.find_all("details", "group")
    assert [(d.attrs["data-group"], "open" in d.attrs) for d in folded] == [
        ("member job.title", False),
        ("member phone", False),
        ("member", False),
        ("member", False),
    ]
    assert folded[0].find_all("summary")[0].text == "member job.title \u00b7 6,000"
    departments = folded[0].find_all("tr", "department")
    assert len(departments) == 20
    assert departments[0].text == "Department 0 d00 \u00b7 300"
    first = folded[0].find_all("tbody", "department")[0].find_all("tr", "drift-changed")[0]
    assert first.find_all("span", "name")[0].text == "Person 0"
    assert len(rows(dom)) == 10_000


def test_html_keeps_short_groups_open() -> None:
    report = DriftReport("local:x", "2026", (DriftItem("missing", "member.a", declared="A", name="A"),), "Tiny")
    [group] = parse(render_drift_html(report)).find_all("details", "group")
    assert "open" in group.attrs

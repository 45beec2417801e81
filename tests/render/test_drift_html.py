"""The HTML drift report, on reports built directly; then the page as Chromium shows it."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from orgstate.drift.detect import DriftItem, DriftReport
from orgstate.planner.plan import SeatUse
from orgstate.render.drift import groups
from orgstate.render.drift_html import NO_DRIFT, render_drift_html, seat_label

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
SVG_NS = "http://www.w3.org/2000/svg"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

ITEMS = (
    DriftItem("changed", "department.sales-emea", "name", "EMEA Sales", "Sales EMEA"),
    DriftItem("changed", "member.luca", "seat", None, "pro-2026"),
    DriftItem("changed", "member.klara", "job.title", SCRIPT, "Account Executive"),
    DriftItem("changed", "user_group.field-sales", "members", ["erin", "frank"], ["erin", "luca"]),
    DriftItem("unmanaged", "member.victor", live="active"),
    DriftItem("unmanaged", "user_group.old-project", live="Old Project"),
    DriftItem("missing", "member.henry", declared="Henry Clarke"),
)
SEATS = (
    SeatUse("pro-2026", purchased=40, assigned_before=38, assigned_after=30),
    SeatUse("basic-2026", purchased=30, assigned_before=4, assigned_after=15, without_seat=("nina",)),
)


def make_report(
    items: tuple[DriftItem, ...] = ITEMS,
    seats: tuple[SeatUse, ...] = SEATS,
    ignored: tuple[str, ...] = ("member.svc-backup",),
    backend: str = "local:.orgstate/tenant.db",
) -> DriftReport:
    return DriftReport(backend=backend, created_at="2026-11-21T22:00:00Z", items=items, seats=seats, ignored=ignored)


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text for child in self.children)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def iter(self) -> list[Node]:
        found = [self]
        for child in self.children:
            if isinstance(child, Node):
                found += child.iter()
        return found

    def find_all(self, tag: str, cls: str | None = None) -> list[Node]:
        return [node for node in self.iter() if node.tag == tag and (cls is None or cls in node.classes)]

    def by_id(self, ident: str) -> Node | None:
        return next((node for node in self.iter() if node.attrs.get("id") == ident), None)

    def need(self, ident: str) -> Node:
        node = self.by_id(ident)
        assert node is not None, f"no element with id={ident!r}"
        return node

    def child(self, tag: str) -> Node:
        return next(c for c in self.children if isinstance(c, Node) and c.tag == tag)


class TreeBuilder(HTMLParser):
    """A small DOM from the stdlib parser (enough for the page and for Chromium's dump)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(page: str) -> Node:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    return builder.root


def count(dom: Node, kind: str) -> int:
    node = dom.by_id(f"count-{kind}")
    assert node is not None, kind
    assert node.text.strip() == f"{int(node.attrs['data-count']):,}"
    return int(node.attrs["data-count"])


def cell_text(cell: Node) -> str:
    """A cell's text; of the Object cell, the address alone (the name is beside it)."""
    if "object" in cell.classes:
        return cell.find_all("code", "address")[0].text
    return cell.text.strip()


def rows(dom: Node) -> list[tuple[str, list[str]]]:
    """(class, cells) of every item row, in page order, across the group tables."""
    return [
        (row.attrs["class"], [cell_text(cell) for cell in row.find_all("td")])
        for table in dom.find_all("table", "drift")
        for row in table.find_all("tr")
        if row.attrs.get("class", "").startswith("drift-")
    ]


def page_order(report: DriftReport) -> list[DriftItem]:
    """The items as the page groups them: by kind, object type and field, then department."""
    return [
        item
        for group in groups(report.items)
        for item in sorted(
            group.items, key=lambda i: (i.department is None, report.departments.get(i.department or "", ""))
        )
    ]


def check_report_dom(dom: Node, report: DriftReport) -> None:
    """What a reader sees, whether from our string or from the browser's DOM."""
    title = dom.find_all("title")[0]
    assert title.text == "orgstate drift report"
    assert dom.find_all("h1")[0].text == "orgstate drift report"
    for kind, number in report.summary.items():
        assert count(dom, kind) == number
    assert [(cls, cells[1]) for cls, cells in rows(dom)] == [(f"drift-{i.kind}", i.address) for i in page_order(report)]
    chart = dom.by_id("seat-chart")
    assert chart is not None and chart.attrs["role"] == "img"
    groups = chart.find_all("g", "seat-plan")
    assert [g.attrs["data-plan"] for g in groups] == [s.plan for s in report.seats]
    for group, seat in zip(groups, report.seats, strict=True):
        assert group.child("title").text == seat_label(seat)
        assert group.find_all("text", "seat-label")[0].text == seat_label(seat)


# -- the page as a string ------------------------------------------------------------------------------------------


def test_page_shows_the_report() -> None:
    report = make_report()
    page = render_drift_html(report)
    assert page.startswith("<!DOCTYPE html>")
    dom = parse(page)
    check_report_dom(dom, report)
    assert dom.by_id("no-drift") is None
    assert dom.need("backend").text == "local:.orgstate/tenant.db"
    assert dom.need("created-at").text == "2026-11-21T22:00:00Z"
    assert [li.text for li in dom.need("ignored").find_all("li")] == ["member.svc-backup"]


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ((), {"changed": 0, "unmanaged": 0, "missing": 0, "offboarding": 0}),
        (ITEMS, {"changed": 4, "unmanaged": 2, "missing": 1, "offboarding": 0}),
        (
            (DriftItem("missing", "member.a"), DriftItem("missing", "member.b")),
            {"changed": 0, "unmanaged": 0, "missing": 2, "offboarding": 0},
        ),
    ],
)
def test_counts(items: tuple[DriftItem, ...], expected: dict[str, int]) -> None:
    dom = parse(render_drift_html(make_report(items=items)))
    assert {kind: count(dom, kind) for kind in expected} == expected


def test_no_drift_message_and_no_table() -> None:
    page = render_drift_html(make_report(items=(), ignored=()))
    dom = parse(page)
    assert dom.need("no-drift").text == NO_DRIFT
    assert NO_DRIFT == "No drift: the tenant matches the configuration."
    assert dom.by_id("drift") is None
    assert dom.by_id("ignored") is None


ATTACK = '"><svg onload=alert(1)>'
ATTACK_ESCAPED = "&quot;&gt;&lt;svg onload=alert(1)&gt;"


@pytest.mark.parametrize(
    ("report", "escaped"),
    [
        (make_report(items=(DriftItem("changed", "member.klara", "job.title", SCRIPT, "x"),)), ESCAPED),
        (make_report(items=(DriftItem("changed", "member.klara", "job.title", "x", SCRIPT),)), ESCAPED),
        (make_report(items=(DriftItem("changed", "member.klara", "custom", {"level": SCRIPT}, None),)), ESCAPED),
        (make_report(items=(DriftItem("changed", "user_group.g", "members", [SCRIPT, "b"], ["b"]),)), ESCAPED),
        (make_report(items=(DriftItem("changed", "member.klara", SCRIPT, "x", "y"),)), ESCAPED),
        (make_report(items=(DriftItem("unmanaged", f"member.{SCRIPT}", live="active"),)), ESCAPED),
        (make_report(backend=f"local:{SCRIPT}.db"), ESCAPED),
        (make_report(ignored=(f"member.{SCRIPT}",)), ESCAPED),
        (make_report(seats=(SeatUse(SCRIPT, 1, 1, 1, without_seat=(SCRIPT,)),)), ESCAPED),
        (make_report(seats=(SeatUse(ATTACK, 1, 1, 1),)), ATTACK_ESCAPED),
    ],
    ids=["live", "declared", "mapping", "list", "field", "address", "backend", "ignored", "plan", "attribute"],
)
def test_user_values_are_escaped(report: DriftReport, escaped: str) -> None:
    page = render_drift_html(report)
    assert "<script" not in page
    assert "<svg onload" not in page
    assert escaped in page


def test_escaped_value_reads_as_text() -> None:
    dom = parse(render_drift_html(make_report()))
    cells = {cells[1]: cells for _, cells in rows(dom)}
    assert cells["member.klara"][3] == SCRIPT
    assert not dom.find_all("script")


@pytest.mark.parametrize(
    ("live", "declared", "shown_live", "shown_declared"),
    [
        (None, "pro-2026", "\u2014", "pro-2026"),
        ("Legacy QA", None, "Legacy QA", "\u2014"),
        (["erin", "frank"], ["erin", "luca"], "erin, frank", "erin, luca"),
        (("a",), (), "a", "(empty)"),
        ("", "x", "(empty)", "x"),
        ({"level": "L1", "band": None}, {"level": "L2"}, "band: \u2014, level: L1", "level: L2"),
        (True, False, "true", "false"),
        (3, 4.5, "3", "4.5"),
        ({"b", "a"}, frozenset(), "a, b", "(empty)"),
    ],
)
def test_values_are_compact(live: Any, declared: Any, shown_live: str, shown_declared: str) -> None:
    item = DriftItem("changed", "member.a", "x", live, declared)
    [(_, cells)] = rows(parse(render_drift_html(make_report(items=(item,)))))
    assert cells == ["Changed", "member.a", "x", shown_live, shown_declared]


def test_list_items_on_one_side_are_marked() -> None:
    item = DriftItem("changed", "user_group.g", "members", ["erin", "frank"], ["erin", "luca"])
    dom = parse(render_drift_html(make_report(items=(item,))))
    assert [n.text for n in dom.find_all("td", "live")[0].find_all("span", "only")] == ["frank"]
    assert [n.text for n in dom.find_all("td", "declared")[0].find_all("span", "only")] == ["luca"]


def bars(dom: Node) -> dict[str, dict[str, float]]:
    chart = dom.by_id("seat-chart")
    assert chart is not None
    shown: dict[str, dict[str, float]] = {}
    for group in chart.find_all("g", "seat-plan"):
        shown[group.attrs["data-plan"]] = {
            kind: float(group.find_all("rect", f"seat-{kind}")[0].attrs["width"])
            for kind in ("purchased", "assigned", "configured")
        }
    return shown


def test_bars_scale_to_the_largest_plan() -> None:
    dom = parse(render_drift_html(make_report()))
    width = float(dom.need("seat-chart").attrs["width"])
    assert bars(dom) == {
        "pro-2026": {"purchased": width, "assigned": width * 38 / 40, "configured": width * 30 / 40},
        "basic-2026": {"purchased": width * 30 / 40, "assigned": width * 4 / 40, "configured": width * 15 / 40},
    }
    assert seat_label(SEATS[0]) == "pro-2026: 38 of 40 seats (configuration: 30)"
    assert [p.text for p in dom.find_all("p", "without-seat")] == ["Without a seat in basic-2026: nina"]


@pytest.mark.parametrize(
    "seats",
    [
        (SeatUse("trial", 0, 0, 0),),
        (SeatUse("pro", 10, 5, 5), SeatUse("trial", 0, 0, 0)),
        (SeatUse("trial", 0, 0, 2),),
    ],
)
def test_zero_seat_plan(seats: tuple[SeatUse, ...]) -> None:
    dom = parse(render_drift_html(make_report(seats=seats)))
    trial = bars(dom)["trial"]
    assert trial["purchased"] == 0
    assert trial["assigned"] == 0
    group = next(g for g in dom.find_all("g", "seat-plan") if g.attrs["data-plan"] == "trial")
    assert group.child("title").text.startswith("trial: 0 of 0 seats (configuration: ")


def test_more_seats_held_than_bought_is_marked() -> None:
    dom = parse(render_drift_html(make_report(seats=(SeatUse("pro", 10, 12, 10),))))
    assert "over" in dom.find_all("rect", "seat-assigned")[0].classes
    assert bars(dom)["pro"]["assigned"] > bars(dom)["pro"]["purchased"]


def test_no_seat_plans() -> None:
    dom = parse(render_drift_html(make_report(seats=())))
    assert dom.by_id("seat-chart") is None
    assert dom.by_id("no-seats") is not None


@pytest.mark.parametrize("report", [make_report(), make_report(items=(), seats=(), ignored=())], ids=["drift", "empty"])
def test_page_needs_no_network(report: DriftReport) -> None:
    page = render_drift_html(report)
    assert set(re.findall(r"https?://[^\s\"'<>)]*", page)) <= {SVG_NS}
    for needle in ("<script", "<link", "@import", "url(", "<img", "<iframe", "src="):
        assert needle not in page.lower(), needle


def test_rendering_is_deterministic() -> None:
    assert render_drift_html(make_report()) == render_drift_html(make_report())


# -- the page in a real browser ------------------------------------------------------------------------------------


def chromium_command(tmp_path: Path, *args: str) -> list[str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        *args,
    ]


def test_browser_shows_the_report(tmp_path: Path) -> None:
    report = make_report()
    page = tmp_path / "drift.html"
    page.write_text(render_drift_html(report), encoding="utf-8")

    dumped = subprocess.run(
        chromium_command(tmp_path, "--dump-dom", page.as_uri()),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    dom = parse(dumped.stdout)
    check_report_dom(dom, report)
    assert {kind: count(dom, kind) for kind in ("changed", "unmanaged", "missing", "offboarding")} == {
        "changed": 4,
        "unmanaged": 2,
        "missing": 1,
        "offboarding": 0,
    }
    assert rows(dom) == [
        ("drift-changed", ["Changed", "department.sales-emea", "name", "EMEA Sales", "Sales EMEA"]),
        ("drift-changed", ["Changed", "member.klara", "job.title", SCRIPT, "Account Executive"]),
        ("drift-changed", ["Changed", "member.luca", "seat", "\u2014", "pro-2026"]),
        ("drift-changed", ["Changed", "user_group.field-sales", "members", "erin, frank", "erin, luca"]),
        ("drift-unmanaged", ["Unmanaged", "member.victor", "\u2014", "active", "\u2014"]),
        ("drift-unmanaged", ["Unmanaged", "user_group.old-project", "\u2014", "Old Project", "\u2014"]),
        ("drift-missing", ["Missing", "member.henry", "\u2014", "\u2014", "Henry Clarke"]),
    ]
    assert not dom.find_all("script")  # the escaped value stayed text
    assert [g.child("title").text for g in dom.need("seat-chart").find_all("g", "seat-plan")] == [
        "pro-2026: 38 of 40 seats (configuration: 30)",
        "basic-2026: 4 of 30 seats (configuration: 15)",
    ]

    shot = tmp_path / "report.png"
    subprocess.run(
        chromium_command(tmp_path, f"--screenshot={shot}", "--window-size=1200,900", page.as_uri()),
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 8_000

"""The HTML drift report: one self-contained page, rendered in headless Chromium to check
what a reader sees (the counts, the seat chart, the drift table), escaping included."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from orgstate.drift.detect import DriftItem, DriftReport
from orgstate.planner.plan import SeatUse
from orgstate.render.drift_html import render_drift_html

REPORT = DriftReport(
    backend="local:.orgstate/tenant.db",
    created_at="2026-11-21T22:00:00Z",
    items=(
        DriftItem("changed", "member.bob", "job.title", "Site Reliability Engineer", "<script>alert(1)</script>"),
        DriftItem("changed", "user_group.sales", "members", ["ann", "bob"], ["ann"]),
        DriftItem("unmanaged", "member.frank", None, "active", None),
        DriftItem("missing", "member.henry", None, None, "Henry Clarke"),
    ),
    seats=(SeatUse("pro-2026", 40, 38, 30), SeatUse("basic-2026", 30, 4, 15, ("rita",)), SeatUse("free", 0, 0, 0)),
    ignored=("member.svc-backup",),
)


class Page(HTMLParser):
    """What the rendered DOM shows: text by element id, table rows, chart labels."""

    def __init__(self) -> None:
        super().__init__()
        self.text_by_id: dict[str, str] = {}
        self.rows: list[tuple[str, list[str]]] = []
        self.labels: list[str] = []
        self.plans: list[str] = []
        self.tags: list[str] = []
        self._open: list[tuple[str, str | None, str]] = []  # tag, id, class

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append(tag)
        if tag == "g" and "seat-plan" in (found.get("class") or ""):
            self.plans.append(found.get("data-plan") or "")
        if "seat-label" in (found.get("class") or ""):
            self.labels.append("")
        if tag == "tr" and (found.get("class") or "").startswith("drift-"):
            self.rows.append(((found.get("class") or "").removeprefix("drift-"), []))
        self._open.append((tag, found.get("id"), found.get("class") or ""))

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        for _, element_id, _ in self._open:
            if element_id:
                self.text_by_id[element_id] = self.text_by_id.get(element_id, "") + data
        if any(tag == "td" for tag, _, _ in self._open) and self.rows and data.strip():
            self.rows[-1][1].append(data.strip())
        if any("seat-label" in classes for _, _, classes in self._open):
            self.labels[-1] += data


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def test_the_page_is_self_contained_and_escapes_every_value() -> None:
    html = render_drift_html(REPORT)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls <= {"http://www.w3.org/2000/svg"}
    for loader in ("<script", "<link", "@import", "url("):
        assert loader not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_no_drift_says_so() -> None:
    page = parse(render_drift_html(DriftReport("local:x", "2026-11-21T22:00:00Z", ())))
    assert page.text_by_id["no-drift"] == "No drift: the tenant matches the configuration."
    assert [page.text_by_id[f"count-{kind}"] for kind in ("changed", "unmanaged", "missing")] == ["0", "0", "0"]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return found


def browser(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    return subprocess.run([chromium(), *flags, *args], capture_output=True, text=True, timeout=90, check=False)


def test_chromium_shows_the_counts_the_chart_and_the_table(tmp_path: Path) -> None:
    page_file = tmp_path / "drift.html"
    page_file.write_text(render_drift_html(REPORT), encoding="utf-8")
    dumped = browser(tmp_path, "--dump-dom", page_file.as_uri())
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    page = parse(dumped.stdout)
    assert [page.text_by_id[f"count-{kind}"] for kind in ("changed", "unmanaged", "missing")] == ["2", "1", "1"]
    assert "no-drift" not in page.text_by_id
    assert page.plans == ["pro-2026", "basic-2026", "free"]
    assert "pro-2026: 38 of 40 seats (configuration: 30)" in page.labels
    assert [kind for kind, _ in page.rows] == ["changed", "changed", "unmanaged", "missing"]
    bob = page.rows[0][1]
    assert bob[:3] == ["Changed", "member.bob", "job.title"] or bob[1:3] == ["member.bob", "job.title"]
    assert "<script>alert(1)</script>" in " ".join(bob)  # shown as text, not run
    assert "script" not in page.tags
    assert "member.svc-backup" in page.text_by_id["ignored"]
    shot = tmp_path / "report.png"
    captured = browser(tmp_path, f"--screenshot={shot}", "--window-size=1200,900", page_file.as_uri())
    assert captured.returncode == 0, captured.stderr[-2000:]
    assert shot.stat().st_size > 10_000

"""docs/commands.md's section on the markdown plan says the sizes the renderer uses."""

from __future__ import annotations

from orgstate.render.plan_markdown import DESTRUCTIVE_IN_FULL, LIMIT
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "commands.md").read_text()
# The section, its lines joined: what it says, however it is wrapped.
SECTION = " ".join(DOC[DOC.index("### The markdown plan") :].split("\n## ", 1)[0].split())


def test_the_section_says_the_limit_and_when_destructive_changes_are_named_by_address() -> None:
    assert f"It never exceeds {LIMIT:,} characters" in SECTION
    assert f"Past {DESTRUCTIVE_IN_FULL} of them, each is named by its address alone" in SECTION


def test_the_plan_options_link_to_the_section() -> None:
    assert "[The markdown plan](#the-markdown-plan)" in DOC

"""Ids sort naturally (`u2` before `u10`): in the plan's order within a phase, in drift,
and so in every rendering of them."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from orgstate.drift.detect import detect_drift
from orgstate.model.config import OrgConfig
from orgstate.model.live import TenantState
from orgstate.natural import natural_key
from orgstate.render.drift import render_drift_markdown, render_drift_text
from orgstate.render.plan_markdown import render_plan_markdown
from orgstate.render.plan_text import render_plan_text
from tests.planner.conftest import declaring, live_state, member, plan_of

IDS = ["u10", "u2", "u1", "u100", "u9", "v1", "u02"]
NATURAL = ["u1", "u02", "u2", "u9", "u10", "u100", "v1"]


def test_numbers_in_ids_compare_as_numbers() -> None:
    assert sorted(IDS, key=natural_key) == NATURAL
    assert sorted(
        ["member.u1x2", "member.u1x", "member.u1", "group_member.g/u10", "group_member.g/u9"], key=natural_key
    ) == [
        "group_member.g/u9",
        "group_member.g/u10",
        "member.u1",
        "member.u1x",
        "member.u1x2",
    ]


@given(st.lists(st.from_regex(r"[a-z0-9._-]{0,12}", fullmatch=True), max_size=30))
def test_the_order_is_total_and_keeps_text_without_numbers_as_it_was(texts: list[str]) -> None:
    ordered = sorted(texts, key=natural_key)
    assert ordered == sorted(reversed(texts), key=natural_key)  # ties broken by the text: one order
    digitless = [text for text in texts if not re.search(r"\d", text)]
    assert sorted(digitless, key=natural_key) == sorted(digitless)


def order(text: str, addresses: list[str]) -> list[str]:
    """`addresses` in the order `text` first names them."""
    return sorted(addresses, key=text.index)


def test_the_plan_orders_ids_naturally_and_every_form_shows_that_order() -> None:
    live = live_state()
    config = declaring(live)
    config["members"] += [member(member_id) for member_id in IDS]
    plan = plan_of(config, live)
    creates = [c.address for c in plan.changes if c.action == "create"]
    assert creates == [f"member.{member_id}" for member_id in NATURAL]
    assert order(render_plan_text(plan), creates) == creates
    markdown = render_plan_markdown(plan)
    changes = markdown[markdown.index("### Changes") :]  # diagnostics above may name members too
    assert order(changes, [f"`{address}`" for address in creates]) == [f"`{address}`" for address in creates]


def test_drift_orders_ids_naturally_in_every_form() -> None:
    live = live_state()
    config = declaring(live)
    live["members"] += [member(member_id) for member_id in IDS]  # unmanaged
    report = detect_drift(OrgConfig.model_validate(config), TenantState.model_validate(live), "local:x")
    expected = [f"member.{member_id}" for member_id in NATURAL]
    assert [item.address for item in report.items] == expected
    assert order(render_drift_text(report), expected) == expected
    assert order(render_drift_markdown(report), [f"`{a}`" for a in expected]) == [f"`{a}`" for a in expected]

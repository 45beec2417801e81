"""What a backend cannot do, the plan says, naming the objects (BACKEND-CAPABILITY)."""

from __future__ import annotations

from typing import Any

import pytest

from orgstate.appliers.lark.backend import OWN
from orgstate.planner.context import ALL_CAPABILITIES
from tests.planner.conftest import declaring, live_state, plan_of


def renamed(config: dict[str, Any]) -> None:
    config["members"][3] |= {"id": "lead.ng", "renamed_from": "lead"}


def logs_in_by_email(config: dict[str, Any]) -> None:
    config["members"][3]["login"] = "work_email"


def hands_chats_to_boss(config: dict[str, Any]) -> None:
    config["members"] = [m for m in config["members"] if m["id"] != "dev"]
    config["offboarding"] = [{"id": "dev", "transfer": {"chat_groups": "boss", "docs": "boss"}}]


@pytest.mark.parametrize(
    ("edit", "lacking", "words"),
    [
        (renamed, "rename", "cannot change a User ID: 'lead' cannot become 'lead.ng'"),
        (logs_in_by_email, "login_method", "'lead': the backend can neither set nor read"),
        (hands_chats_to_boss, "recipient:chat_groups", "'dev': the backend cannot send chat_groups to"),
    ],
    ids=["rename", "login", "recipient"],
)
def test_what_the_backend_cannot_do_makes_the_plan_say_so(edit: Any, lacking: str, words: str) -> None:
    live = live_state()
    config = declaring(live)
    edit(config)
    assert plan_of(config, live).applyable  # a backend that can
    plan = plan_of(config, live, capabilities=ALL_CAPABILITIES - {lacking})
    [found] = [d for d in plan.diagnostics if d.rule == "BACKEND-CAPABILITY" and words in d.message]
    assert found.severity == "error"
    assert not plan.applyable


def test_the_open_api_sends_documents_but_not_chat_groups_to_a_named_recipient() -> None:
    assert "recipient:docs" in OWN and "recipient:mail" in OWN
    assert not {"recipient:chat_groups", "recipient:approvals", "recipient:forms", "recipient:helpdesks"} & OWN

"""Every backend carries out and verifies every operation of the closed set: an
operation without a handler or a check fails here, not at someone's apply."""

from __future__ import annotations

from types import ModuleType

import pytest

from orgstate.appliers.lark import backend as lark
from orgstate.appliers.local import backend as local
from orgstate.appliers.registry import Registry
from orgstate.appliers.scim import changes as scim
from orgstate.planner.changes import CHANGE_CLASSES, BaseChange

BACKENDS = {"local": local, "lark": lark, "scim": scim}


def missing(registry: Registry[object] | dict[type[BaseChange], object]) -> list[str]:
    return [
        f"{c.model_fields['type'].default}.{c.model_fields['action'].default}"
        for c in CHANGE_CLASSES
        if c not in registry
    ]


@pytest.mark.parametrize("name", sorted(BACKENDS))
@pytest.mark.parametrize("registry", ["HANDLERS", "VERIFIERS"])
def test_every_operation_has_a_handler_and_a_check(name: str, registry: str) -> None:
    module: ModuleType = BACKENDS[name]
    assert missing(getattr(module, registry)) == [], f"the {name} backend's {registry} lack these"


def test_the_check_reports_a_missing_operation() -> None:
    assert missing({}) == [
        f"{c.model_fields['type'].default}.{c.model_fields['action'].default}" for c in CHANGE_CLASSES
    ]
    assert missing(dict.fromkeys(CHANGE_CLASSES)) == []

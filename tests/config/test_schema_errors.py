"""Every schema error is worded by orgstate: wrong values for every field of the
configuration and fixture models never show pydantic's own phrases."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from orgstate.config.schema_errors import schema_diagnostics
from orgstate.model.config import OrgConfig
from orgstate.model.live import TenantState

PYDANTIC_PHRASES = ("Input should", "Value error", "validation error", "type=", "For further information")
WRONG_VALUES: tuple[Any, ...] = (
    None,
    True,
    "yes",
    "",
    "x" * 600,
    "a/b",
    -1,
    1.5,
    10**40,
    float("inf"),
    [],
    ["x", 3],
    {},
    {"x": 1},
    "2026-13-01",
)


def _models(root: type[BaseModel], seen: set[type[BaseModel]]) -> Iterator[type[BaseModel]]:
    if root in seen:
        return
    seen.add(root)
    yield root
    for field in root.model_fields.values():
        pending = [field.annotation]
        while pending:
            annotation = pending.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                yield from _models(annotation, seen)
            pending.extend(typing.get_args(annotation))


MODELS = list(dict.fromkeys([*_models(OrgConfig, set()), *_models(TenantState, set())]))


def test_the_walk_reaches_the_nested_models() -> None:
    names = {model.__name__ for model in MODELS}
    assert {"Member", "Job", "Subscription", "SeatAssignment", "LiveMember", "Retention"} <= names


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_no_message_has_pydantic_words(model: type[BaseModel]) -> None:
    for name in model.model_fields:
        for value in (*WRONG_VALUES, *([value] for value in WRONG_VALUES[:4]), {"k": WRONG_VALUES[2]}):
            try:
                model.model_validate({name: value})
            except ValidationError as exc:
                for diagnostic in schema_diagnostics(exc, model):
                    assert diagnostic.message, (model.__name__, name, value)
                    leaked = [phrase for phrase in PYDANTIC_PHRASES if phrase in diagnostic.message]
                    assert not leaked, (model.__name__, name, value, diagnostic.message)


def test_a_model_validator_speaks_orgstate() -> None:
    with pytest.raises(ValidationError) as caught:
        OrgConfig.model_validate(
            {
                "version": 1,
                "org": {
                    "name": "T",
                    "plans": [
                        {"id": "p", "edition": "pro", "seats": 1, "starts": "2026-02-01", "expires": "2026-01-01"}
                    ],
                },
            }
        )
    (diagnostic,) = schema_diagnostics(caught.value)
    assert diagnostic.message == "expires (2026-01-01) must come after starts (2026-02-01)"

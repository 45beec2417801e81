"""A backend's table of functions, one per change class: how it carries out each
operation, or checks it. `tests/appliers/test_registry.py` fails when a class has none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from orgstate.planner.changes import BaseChange

R = TypeVar("R")


class Registry(Generic[R]):
    def __init__(self) -> None:
        self.table: dict[type[BaseChange], Callable[[Any, Any], R]] = {}

    def __call__(self, *classes: type[BaseChange]) -> Callable[[Callable[[Any, Any], R]], Callable[[Any, Any], R]]:
        """Decorate the function for these classes."""

        def register(function: Callable[[Any, Any], R]) -> Callable[[Any, Any], R]:
            self.table.update(dict.fromkeys(classes, function))
            return function

        return register

    def __contains__(self, change_class: object) -> bool:
        return change_class in self.table

    def run(self, backend: Any, change: BaseChange) -> R:
        return self.table[type(change)](backend, change)

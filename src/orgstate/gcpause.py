"""Pause the cyclic garbage collector around bulk work.

Loading 100,000 members allocates millions of small acyclic objects; the cyclic
collector rescans them over and over and doubles the run time (measured in
bench/bench_validate.py). On the way out the survivors are frozen (moved to the
permanent generation), or the first collection after re-enabling would walk them
all at once. Reference counting still frees everything.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def gc_paused(function: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.freeze()
                gc.enable()

    return wrapper

"""Field-level differences between a live object and its declaration.

Only objects known to differ get here. A direct comparison of the known fields gives
exactly the partial patch a backend sends (the fields patched key by key, such as
`job` and `custom`, key by key; a removed key as None), which a generic diff would have to be translated into."""

from __future__ import annotations

from typing import Any

from orgstate.model.fields import PATCHED_BY_KEY


def changed_fields(
    current: dict[str, Any], wanted: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], tuple[str, ...]]:
    """(before, after, field paths) for the part of `wanted` that `current` lacks."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    paths: list[str] = []
    for name, new in wanted.items():
        old = current.get(name)
        if old == new:
            continue
        if name in PATCHED_BY_KEY and isinstance(old, dict) and isinstance(new, dict):
            inner = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            if not inner:  # a key left out is a key set to None
                continue
            before[name] = {k: old.get(k) for k in inner}
            after[name] = {k: new.get(k) for k in inner}
            paths.extend(f"{name}.{k}" for k in inner)
        else:
            before[name] = old
            after[name] = new
            paths.append(name)
    return before, after, tuple(paths)

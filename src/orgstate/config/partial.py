"""What the static rules can still check in a configuration that fails the schema.

The items (a member, a department, a plan ...) that fail are left out and the rest is
validated again, so that one run reports the schema errors and the rule errors together.
An item left out keeps its id when it has a readable one: a reference to it is not
unknown, only unchecked. An error outside any item drops its key, so that its default
applies; when that leaves a required key missing, nothing is salvaged.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from orgstate.config.sources import Sources
from orgstate.diagnostics import DocPath
from orgstate.model.config import LIST_SECTIONS, OrgConfig

# The lists whose items are left out one by one, and the section name each one's ids
# are known by in the rules.
ITEM_LISTS: dict[DocPath, str] = {**{(section,): section for section in LIST_SECTIONS}, ("org", "plans"): "plans"}


@dataclass(frozen=True)
class PartialConfig:
    config: OrgConfig  # the items that passed the schema
    sources: Sources  # locates `config`'s paths in the files as written
    unchecked: Mapping[str, frozenset[str]]  # section -> readable ids of the items left out


def _item_list(loc: DocPath) -> tuple[DocPath, int] | None:
    for prefix in ITEM_LISTS:
        size = len(prefix)
        index = loc[size] if loc[:size] == prefix and len(loc) > size else None
        if isinstance(index, int):
            return prefix, index
    return None


def _replaced(document: dict[str, Any], path: DocPath, value: Any) -> dict[str, Any] | None:
    """`document` with the value at `path` replaced (None: the key removed), copying
    only the mappings on the way; None when the path does not lead through mappings."""
    head, *rest = path
    if not isinstance(head, str) or head not in document:
        return None
    copy = dict(document)
    if rest:
        inner = document[head]
        if not isinstance(inner, dict):
            return None
        replaced = _replaced(inner, tuple(rest), value)
        if replaced is None:
            return None
        copy[head] = replaced
    elif value is None:
        del copy[head]
    else:
        copy[head] = value
    return copy


def _keys_to_drop(errors: Iterable[ErrorDetails]) -> tuple[dict[DocPath, set[int]], set[DocPath]] | None:
    dropped: dict[DocPath, set[int]] = defaultdict(set)
    keys: set[DocPath] = set()
    for error in errors:
        loc: DocPath = tuple(error["loc"])
        item = _item_list(loc)
        if item is not None:
            dropped[item[0]].add(item[1])
        elif error["type"] == "missing" or not loc:
            return None
        else:
            # up to the first list index: a bad list item drops the whole list
            size = next((i for i, part in enumerate(loc) if not isinstance(part, str)), len(loc))
            keys.add(loc[:size])
    return dropped, keys


def salvage(exc: ValidationError, sources: Sources) -> PartialConfig | None:
    """The configuration less what failed in `exc`, or None when too little is left."""
    found = _keys_to_drop(exc.errors(include_url=False))
    if found is None:
        return None
    dropped, keys = found
    document: dict[str, Any] | None = sources.merged
    renumbered: dict[DocPath, list[int]] = {}
    unchecked: dict[str, frozenset[str]] = {}
    for prefix, positions in dropped.items():
        items = sources.merged["org"]["plans"] if prefix == ("org", "plans") else sources.merged[str(prefix[0])]
        renumbered[prefix] = [i for i in range(len(items)) if i not in positions]
        unchecked[ITEM_LISTS[prefix]] = frozenset(
            items[i]["id"] for i in positions if isinstance(items[i], dict) and isinstance(items[i].get("id"), str)
        )
        if document is not None:
            document = _replaced(document, prefix, [items[i] for i in renumbered[prefix]])
    for key in keys:
        if document is not None:
            document = _replaced(document, key, None)
    if document is None:
        return None
    try:
        config = OrgConfig.model_validate(document)
    except ValidationError:
        return None
    return PartialConfig(config, dataclasses.replace(sources, renumbered=renumbered), unchecked)

"""`export --merge FILE`: bring a hand-written file up to the live tenant in place.

ruamel.yaml's round-trip keeps comments, key order and formatting. Objects are matched
by id; only values that differ (compared as the models read them) are rewritten, new
objects go at the end of their section, objects no longer live are removed, and every
edit is reported."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from orgstate.errors import ConfigError
from orgstate.export.writer import styled, write_new, yaml_writer
from orgstate.model.config import Department, FieldDef, Member, Subscription, UserGroup

SECTIONS: dict[str, tuple[str, type[BaseModel]]] = {
    "fields": ("field", FieldDef),
    "departments": ("department", Department),
    "members": ("member", Member),
    "user_groups": ("user_group", UserGroup),
}


def _normal(model: type[BaseModel], item: Any) -> dict[str, Any] | None:
    try:
        return model.model_validate(dict(item)).model_dump(mode="json")
    except (ValidationError, TypeError, ValueError):
        return None


def _update_item(
    target: CommentedMap, wanted: dict[str, Any], model: type[BaseModel], note: Callable[[str], None]
) -> None:
    """Rewrite the keys of `target` whose values differ from `wanted` (as models read them)."""
    current = _normal(model, target) or {}
    desired = _normal(model, wanted) or {}
    for key, value in wanted.items():
        if key not in target and current.get(key) == desired.get(key):
            continue
        if isinstance(value, dict) and isinstance(target.get(key), CommentedMap):
            for inner, inner_value in value.items():
                if target[key].get(inner) != inner_value:
                    target[key][inner] = styled(inner_value)
                    note(f"{key}.{inner}")
            for inner in [k for k in target[key] if k not in value]:
                del target[key][inner]
                note(f"{key}.{inner}")
        elif current.get(key) != desired.get(key):
            target[key] = styled(value)
            note(key)
    for key in [k for k in target if k not in wanted and current.get(k) != desired.get(k)]:
        del target[key]
        note(key)


def _merge_section(
    document: CommentedMap, section: str, wanted: list[dict[str, Any]], changes: list[str], keep_seats: bool
) -> None:
    kind, model = SECTIONS[section]
    items = document.get(section)
    if items is None:
        if wanted:
            document[section] = CommentedSeq(styled(wanted))
            changes.extend(f"added {kind}.{item['id']}" for item in wanted)
        return
    by_id = {item["id"]: item for item in wanted}
    for index in reversed(range(len(items))):
        item_id = items[index].get("id") if isinstance(items[index], dict) else None
        if item_id not in by_id:
            changes.append(f"removed {kind}.{item_id} (not live)")
            del items[index]
    present = {item["id"] for item in items}
    for item in items:
        desired = dict(by_id[item["id"]])
        if not keep_seats and "seat" not in item:
            desired.pop("seat", None)
        touched: list[str] = []
        _update_item(item, desired, model, touched.append)
        if touched:
            changes.append(f"updated {kind}.{item['id']}: {', '.join(touched)}")
    for item in wanted:
        if item["id"] not in present:
            items.append(styled(item))
            changes.append(f"added {kind}.{item['id']}")


def merge_into(path: Path, exported: dict[str, Any]) -> list[str]:
    """Update `path` in place to say what `exported` says; returns what changed."""
    yaml = yaml_writer()
    try:
        document = yaml.load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it: {exc.strerror}") from None
    # ruamel's round-trip reader raises YAMLError for bad syntax, but its constructors let
    # ValueError (a bad !!int or date; UnicodeDecodeError from read_text is one too) and
    # LookupError (an empty !!float or !!bool) through, and it recurses per nesting level.
    except (YAMLError, ValueError, LookupError, RecursionError) as exc:
        raise ConfigError(f"{path}: not YAML that can be merged: {exc}") from None
    if not isinstance(document, CommentedMap):
        raise ConfigError(f"{path}: expected a mapping with 'version: 1'")
    changes: list[str] = []
    org = document.setdefault("org", CommentedMap())
    if org.get("name") != exported["org"]["name"]:
        org["name"] = exported["org"]["name"]
        changes.append("updated org.name")
    plans = {p["id"]: p for p in exported["org"]["plans"]}
    live_plans = org.setdefault("plans", CommentedSeq())
    for plan in live_plans:
        wanted = plans.get(plan.get("id"))
        if wanted is not None:
            touched: list[str] = []
            _update_item(plan, wanted, Subscription, touched.append)
            if touched:
                changes.append(f"updated plan.{plan['id']}: {', '.join(touched)}")
    for plan_id, plan in plans.items():
        if plan_id not in {p.get("id") for p in live_plans}:
            live_plans.append(styled(plan))
            changes.append(f"added plan.{plan_id}")
    for section in SECTIONS:
        _merge_section(document, section, exported.get(section, []), changes, keep_seats=section != "members")
    buffer = io.StringIO()
    yaml.dump(document, buffer)  # the round-trip document itself: comments and layout kept
    write_new(path, buffer.getvalue())
    return changes

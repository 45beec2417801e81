"""`export --merge FILE`: bring a hand-written file up to the live tenant in place.

Objects are matched by id and compared as the models read them; only what differs is
rewritten, spliced into the file's own lines (export/splice.py), so comments, layout and
every untouched line stay byte for byte. Within an object that differs only the keys
that differ change (a flow mapping keeps its line breaks); new objects go at the end of
their section, in its style; objects no longer live are removed. Plans are updated and
added, never removed (billing stays outside orgstate). So that the result validates:
an `offboarding:` entry of a member who is still live is removed (the member is
declared again, as the tenant has them), and seat list rows naming members the merge
removes or whose email or phone it changes are removed or rewritten (seatlists.py).
Every edit is reported."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from orgstate.errors import ConfigError
from orgstate.export.seatlists import rewrite_seat_lists
from orgstate.export.splice import (
    Span,
    Text,
    flow_entry,
    is_flow,
    item_lines,
    key_lines,
    split_comment,
    with_comment,
)
from orgstate.export.writer import write_new, yaml_writer
from orgstate.model.config import Department, FieldDef, Member, Subscription, UserGroup

SECTIONS: dict[str, tuple[str, type[BaseModel]]] = {
    "fields": ("field", FieldDef),
    "departments": ("department", Department),
    "members": ("member", Member),
    "user_groups": ("user_group", UserGroup),
}

Note = Callable[[str], None]


def _normal(model: type[BaseModel], item: Any) -> dict[str, Any]:
    try:
        return model.model_validate(dict(item)).model_dump(mode="json")
    except (ValidationError, TypeError, ValueError):
        return {}


def _key_spans(text: Text, node: CommentedMap, end: int) -> dict[Any, Span]:
    keys = sorted(node, key=lambda key: node.lc.key(key))
    return dict(zip(keys, text.spans([node.lc.key(key)[0] for key in keys], end), strict=True))


def _kept_comments(text: Text, span: Span, column: int) -> list[str]:
    """The comments in `span` but the last line's: comment lines as they are, others'
    inline comments on lines of their own."""
    kept = []
    for index in range(*span)[:-1]:
        code, comment = split_comment(text.lines[index])
        if comment:
            kept.append(text.lines[index].rstrip("\r\n") if not code.strip() else " " * column + comment)
    return kept


def _replace_key(text: Text, node: CommentedMap, key: Any, span: Span, value: Any) -> None:
    line, column = node.lc.key(key)
    new = key_lines(key, value, flow=is_flow(node[key]))
    lines = [text.lines[line][:column] + new[0], *(" " * column + rest for rest in new[1:])]
    code, comment = split_comment(text.lines[span[1] - 1])
    lines[-1] = with_comment(lines[-1], comment, len(code))
    text.replace(span, [*_kept_comments(text, span, column), *lines])


def _delete_key(text: Text, node: CommentedMap, key: Any, span: Span) -> None:
    column = node.lc.key(key)[1]
    comment = split_comment(text.lines[span[1] - 1])[1]
    last = [" " * column + comment] if comment else []
    text.replace(span, [*_kept_comments(text, span, column), *last])


def _on_dash_line(text: Text, node: CommentedMap, key: Any) -> bool:
    line, column = node.lc.key(key)
    return bool(text.lines[line][:column].strip())


def _patch_mapping(
    text: Text,
    node: CommentedMap,
    end: int,
    wanted: dict[str, Any],
    normals: tuple[dict, dict],
    path: str,
    note: Note,
    required: Collection[str] = (),
) -> None:
    """Rewrite the keys of a block mapping whose values differ from `wanted`, and add
    those `required` although the model reads their absence the same."""
    current, desired = normals
    spans = _key_spans(text, node, end)
    for key in spans:
        if current.get(key) == desired.get(key):
            continue
        old = node[key]
        if key not in wanted:
            note(path + str(key))
            _delete_key(text, node, key, spans[key])
        elif isinstance(old, CommentedMap) and all(
            isinstance(value, dict) for value in (wanted[key], current.get(key), desired.get(key))
        ):
            inner = (current[key], desired[key])
            if is_flow(old):
                for changed in _patch_flow(text, old, node.lc.value(key), spans[key][1], wanted[key], inner):
                    note(f"{path}{key}.{changed}")
            else:
                _patch_mapping(text, old, spans[key][1], wanted[key], inner, f"{path}{key}.", note)
        else:
            note(path + str(key))
            _replace_key(text, node, key, spans[key], wanted[key])
    column = min(node.lc.key(key)[1] for key in spans)
    for key, value in wanted.items():
        if key not in node and (current.get(key) != desired.get(key) or key in required):
            note(path + key)
            text.insert(
                max(span[1] for span in spans.values()), [" " * column + line for line in key_lines(key, value, False)]
            )


def _patch_flow(
    text: Text, node: CommentedMap, start: tuple[int, int], end: int, wanted: dict[str, Any], normals: tuple[dict, dict]
) -> list[str]:
    """Rewrite a flow mapping's entries that differ, keeping its line breaks; returns
    the keys rewritten."""
    current, desired = normals
    changed = [str(key) for key in {**node, **wanted} if current.get(key) != desired.get(key)]
    if not changed:
        return []
    rows: list[tuple[str, list[str], str, str]] = []  # prefix, entries, code, comment
    for index in range(start[0], end):
        code, comment = split_comment(text.lines[index])
        columns = sorted(node.lc.key(key)[1] for key in node if node.lc.key(key)[0] == index)
        keys = {node.lc.key(key)[1]: key for key in node if node.lc.key(key)[0] == index}
        entries = []
        for column, following in zip(columns, [*columns[1:], None], strict=True):
            key = keys[column]
            original = code[column:following].rstrip()
            if following is None and index == end - 1 and original.endswith("}"):
                original = original[:-1]
            original = original.rstrip().rstrip(",").rstrip()
            if current.get(key) == desired.get(key):
                entries.append(original)
            elif key in wanted:
                entries.append(flow_entry(key, wanted[key]))
        rows.append((code[: columns[0]] if columns else "", entries, code, comment))
    added = [
        flow_entry(key, value)
        for key, value in wanted.items()
        if key not in node and current.get(key) != desired.get(key)
    ]
    if added:
        rows[-1][1].extend(added)
    if any(not entries for _, entries, _, _ in rows):
        # A line left empty (or one that had no entry): the mapping goes on one line.
        everything = [entry for _, entries, _, _ in rows for entry in entries]
        comments = " ".join(comment for _, _, _, comment in rows if comment)
        line = text.lines[start[0]][: start[1]] + "{" + ", ".join(everything) + "}"
        text.replace((start[0], end), [with_comment(line, comments, len(rows[-1][2]))])
        return changed
    new = []
    for number, (prefix, entries, code, comment) in enumerate(rows):
        closing = "}" if number == len(rows) - 1 else ","
        new.append(with_comment(prefix + ", ".join(entries) + closing, comment, len(code)))
    text.replace((start[0], end), new)
    return changed


def _update_item(
    text: Text,
    items: CommentedSeq,
    index: int,
    span: Span,
    wanted: dict[str, Any],
    model: type[BaseModel],
    required: Collection[str],
) -> list[str]:
    item = items[index]
    normals = (_normal(model, item), _normal(model, wanted))
    touched: list[str] = []
    if is_flow(item):
        return _patch_flow(text, item, items.lc.item(index), span[1], wanted, normals)
    first = min(item, key=lambda key: item.lc.key(key))
    if first not in wanted and normals[0].get(first) != normals[1].get(first) and _on_dash_line(text, item, first):
        # The key on the `- ` line goes: the item is written anew.
        touched = [key for key in {**item, **wanted} if normals[0].get(key) != normals[1].get(key)]
        column = text.indent_of(span[0])
        new = [" " * column + line for line in item_lines(wanted, flow=False)]
        text.replace(span, [*_kept_comments(text, (span[0], span[1] + 1), column), *new])
        return touched
    _patch_mapping(text, item, span[1], wanted, normals, "", touched.append, required)
    return touched


def _merge_items(
    text: Text,
    parent: CommentedMap,
    key: str,
    wanted: list[dict[str, Any]],
    end: int,
    changes: list[str],
    *,
    remove: bool = True,
    ignored: Callable[[str], bool] = lambda _: False,
    pinned: Collection[str] = (),
) -> None:
    """Merge a sequence of objects with ids (`parent[key]`, ending by line `end`):
    objects `ignored` (policy.ignore) are neither added, changed nor removed, and members
    `pinned` keep the seat they hold although the file leaves it to seat assignments."""
    kind, model = SECTIONS.get(key, ("plan", Subscription))
    items = parent[key]
    by_id = {item["id"]: item for item in wanted if not ignored(item["id"])}
    spans = text.spans([items.lc.item(i)[0] for i in range(len(items))], end)
    present = set()
    removed = 0
    for index, item in enumerate(items):
        item_id = item.get("id") if isinstance(item, dict) else None
        if item_id in by_id or (isinstance(item_id, str) and ignored(item_id)):
            present.add(item_id)
        elif remove:
            changes.append(f"removed {kind}.{item_id} (not live)")
            text.replace(text.removal(spans[index]), [])
            removed += 1
    updates = []
    for index, item in enumerate(items):
        item_id = item.get("id") if isinstance(item, dict) else None
        if item_id in by_id:
            desired = dict(by_id[item_id])
            pin = kind == "member" and item_id in pinned
            if kind == "member" and "seat" not in item and not pin:
                desired.pop("seat", None)  # the seat stays the seat assignments' to give
            touched = _update_item(text, items, index, spans[index], desired, model, ["seat"] if pin else [])
            if touched:
                updates.append(f"updated {kind}.{item_id}: {', '.join(touched)}")
    changes.extend(updates)
    new = [item for item in by_id.values() if item["id"] not in present]
    if removed == len(items) and not new:
        _empty(text, parent, key)
    dash = text.indent_of(spans[0][0])
    apart = len(items) > 1 and not text.lines[items.lc.item(1)[0] - 1].strip()
    flow_keys = {name for item in items if isinstance(item, dict) for name, value in item.items() if is_flow(value)}
    insertion: list[str] = []
    for item in new:
        changes.append(f"added {kind}.{item['id']}")
        lines = item_lines(item, flow=is_flow(items[0]), flow_keys=flow_keys)
        insertion += [""] * apart + [" " * dash + line for line in lines]
    if insertion:
        text.insert(spans[-1][1], insertion)


def _empty(text: Text, parent: CommentedMap, key: str) -> None:
    line = parent.lc.key(key)[0]
    code, comment = split_comment(text.lines[line])
    text.replace((line, line + 1), [with_comment(code.rstrip() + " []", comment, len(code))])


def _ignore_globs(document: CommentedMap, section: str) -> Callable[[str], bool]:
    """Whether an id is one the file's policy.ignore leaves alone."""
    policy = document.get("policy")
    ignore = policy.get("ignore") if isinstance(policy, dict) else None
    patterns = ignore.get(section) if isinstance(ignore, dict) else None
    globs = [str(pattern) for pattern in patterns or () if isinstance(pattern, str)]
    return lambda item_id: any(fnmatch.fnmatchcase(item_id, glob) for glob in globs)


def _merge_section(
    text: Text,
    document: CommentedMap,
    section: str,
    wanted: list[dict[str, Any]],
    end: int,
    changes: list[str],
    pinned: Collection[str],
) -> None:
    kind = SECTIONS[section][0]
    items = document.get(section)
    ignored = _ignore_globs(document, section)
    if isinstance(items, CommentedSeq) and items and not is_flow(items):
        _merge_items(text, document, section, wanted, end, changes, ignored=ignored, pinned=pinned)
        return
    wanted = [item for item in wanted if not ignored(item["id"])]
    old = {item.get("id") for item in items or () if isinstance(item, dict)}
    new = {item["id"] for item in wanted}
    if old == new == set():
        return
    changes.extend(f"removed {kind}.{item_id} (not live)" for item_id in old - new)
    changes.extend(f"added {kind}.{item['id']}" for item in wanted if item["id"] not in old)
    lines = key_lines(section, wanted, flow=False) if wanted else [f"{section}: []"]
    if section in document:
        line = document.lc.key(section)[0]
        text.replace(text.trimmed(line, end), lines)
    else:
        text.append(["", *lines])


def _merge_org(text: Text, document: CommentedMap, exported: dict[str, Any], end: int, changes: list[str]) -> None:
    org = document.get("org")
    if not isinstance(org, CommentedMap) or is_flow(org) or not org:
        raise ConfigError("expected 'org:' to be a mapping with the organization's name and plans")
    spans = _key_spans(text, org, end)
    name = exported["org"]["name"]
    if org.get("name") != name:
        changes.append("updated org.name")
        if "name" in org:
            _replace_key(text, org, "name", spans["name"], name)
        else:
            column = min(org.lc.key(key)[1] for key in org)
            text.insert(
                max(span[1] for span in spans.values()), [f"{' ' * column}name: {flow_entry('name', name)[6:]}"]
            )
    plans = org.get("plans")
    if isinstance(plans, CommentedSeq) and plans and not is_flow(plans):
        _merge_items(text, org, "plans", exported["org"]["plans"], spans["plans"][1], changes, remove=False)
    elif exported["org"]["plans"]:
        raise ConfigError("expected 'org.plans:' to be a list of plans, one per line")


def _drop_live_offboarding(text: Text, document: CommentedMap, live: set[str], end: int, changes: list[str]) -> None:
    """An offboarding entry of a member still live conflicts with declaring them: the
    merge declares the tenant as it is, so the entry goes (OFFBOARD-CONFLICT otherwise)."""
    entries = document.get("offboarding")
    if not isinstance(entries, CommentedSeq) or not entries or is_flow(entries):
        return
    spans = text.spans([entries.lc.item(i)[0] for i in range(len(entries))], end)
    gone = 0
    for index, entry in enumerate(entries):
        member = entry.get("id") if isinstance(entry, dict) else None
        if member in live:
            changes.append(f"removed offboarding.{member} ({member} is still live: declared in members instead)")
            text.replace(text.removal(spans[index]), [])
            gone += 1
    if gone == len(entries):
        _empty(text, document, "offboarding")


def _load(path: Path) -> tuple[str, CommentedMap]:
    try:
        source = path.read_text(encoding="utf-8")
        document = yaml_writer().load(source)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it: {exc.strerror}") from None
    # ruamel's round-trip reader raises YAMLError for bad syntax, but its constructors let
    # ValueError (a bad !!int or date; UnicodeDecodeError from read_text is one too) and
    # LookupError (an empty !!float or !!bool) through, and it recurses per nesting level.
    except (YAMLError, ValueError, LookupError, RecursionError) as exc:
        raise ConfigError(f"{path}: not YAML that can be merged: {exc}") from None
    if not isinstance(document, CommentedMap) or is_flow(document):
        raise ConfigError(f"{path}: expected a mapping with 'version: 1'")
    return source, document


def merge_into(path: Path, exported: dict[str, Any], pinned: Collection[str] = ()) -> list[str]:
    """Update `path` (and the seat lists it names) in place to say what `exported` says;
    returns what changed. Members `pinned` get the seat they hold written out."""
    source, document = _load(path)
    text = Text.of(source)
    tops = sorted(document, key=lambda key: document.lc.key(key))
    ends = {
        key: span[1]
        for key, span in zip(tops, text.spans([document.lc.key(k)[0] for k in tops], len(text.lines)), strict=True)
    }
    changes: list[str] = []
    try:
        _merge_org(text, document, exported, ends["org"], changes)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    lists = [rule.get("from_file") for rule in document.get("seat_assignments") or () if isinstance(rule, dict)]
    seat_lists = [name for name in lists if isinstance(name, str)]
    # The members as the file had them, to match seat list rows: only where there are lists.
    members = document.get("members") or () if seat_lists else ()
    members_before = [_normal(Member, item) for item in members if isinstance(item, dict)]
    for section in SECTIONS:
        _merge_section(text, document, section, exported.get(section, []), ends.get(section, 0), changes, pinned)
    live = {member["id"] for member in exported.get("members", [])}
    if "offboarding" in document:
        _drop_live_offboarding(text, document, live, ends["offboarding"], changes)
    seat_files, seat_changes = rewrite_seat_lists(path.parent, seat_lists, members_before, exported.get("members", []))
    changes.extend(seat_changes)
    if changes:
        write_new(path, text.result())
        for seat_file, content in seat_files.items():
            write_new(seat_file, content)
    return changes

"""docs/plan-format.md against the code: every field of schemas/plan.schema.json is
documented with its type and presence, and nothing else is; the (type, action) pairs
and phases are the code's closed set; the example is a plan orgstate reads; the
versioning and stale-plan messages are the ones orgstate prints."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, get_args

import jsonschema
import pytest

from orgstate.errors import UsageError
from orgstate.executor.stale import Stale
from orgstate.planner.changes import ACTIONS
from orgstate.planner.drafts import Phase
from orgstate.planner.fingerprints import ABSENT
from orgstate.render.plan_json import FORMAT_VERSION, read_plan
from orgstate.rules.transfers import Outcome
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "plan-format.md").read_text()
SCHEMA = json.loads((ROOT / "schemas" / "plan.schema.json").read_text())
GOLDEN = json.loads((ROOT / "tests" / "golden" / "example-plan.json").read_text())
PAIRS = {(change_type, action) for change_type, actions in ACTIONS.items() for action in actions}


def tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every markdown table outside code blocks: (header cells, body rows)."""
    found, block, fenced = [], [], False
    for line in [*text.splitlines(), ""]:
        fenced ^= line.startswith("```")
        if line.startswith("|") and not fenced:
            block.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif block:
            found.append((block[0], block[2:]))
            block = []
    return found


def rows(text: str, *header: str) -> list[list[str]]:
    return [row for head, body in tables(text) if head[: len(header)] == list(header) for row in body]


def code(cell: str) -> str:
    match = re.fullmatch(r"`([^`]+)`", cell)
    assert match, f"expected one `code` span, got {cell!r}"
    return match.group(1)


def schema_fields(schema: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    """JSON path (`changes[].id`) -> (type as the doc writes it, required), following $ref."""
    defs = schema["$defs"]

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        return defs[node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node

    def type_of(node: dict[str, Any]) -> str:
        node = resolve(node)
        if "anyOf" in node:
            return " or ".join(type_of(option) for option in node["anyOf"])
        if node["type"] == "array":
            return "array of " + type_of(node["items"])
        if node["type"] == "object" and isinstance(node.get("additionalProperties"), dict):
            return "object of " + type_of(node["additionalProperties"])
        return str(node["type"])

    found: dict[str, tuple[str, bool]] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        node = resolve(node)
        if node.get("type") == "array":
            walk(node["items"], prefix + "[]")
        for name, prop in node.get("properties", {}).items():
            path = f"{prefix}.{name}" if prefix else name
            found[path] = (type_of(prop), name in node.get("required", ()))
            walk(prop, path)

    walk(schema, "")
    return found


def documented_fields(text: str) -> dict[str, tuple[str, bool]]:
    """The field tables: | Field | Type | Presence | Meaning |."""
    return {code(row[0]): (row[1], row[2].startswith("required")) for row in rows(text, "Field", "Type", "Presence")}


def compare(documented: set[str], defined: set[str]) -> tuple[list[str], list[str]]:
    """(defined but not documented, documented but not defined)."""
    return sorted(defined - documented), sorted(documented - defined)


SCHEMA_FIELDS = schema_fields(SCHEMA)
DOCUMENTED = documented_fields(DOC)


def test_every_schema_field_is_documented_and_nothing_else() -> None:
    missing, extra = compare(set(DOCUMENTED), set(SCHEMA_FIELDS))
    assert (missing, extra) == ([], []), f"undocumented: {missing}; not in the schema: {extra}"


@pytest.mark.parametrize("path", sorted(SCHEMA_FIELDS))
def test_each_field_is_documented_with_its_type_and_presence(path: str) -> None:
    assert DOCUMENTED.get(path) == SCHEMA_FIELDS[path]


@pytest.mark.parametrize(
    ("pattern", "replacement", "missing", "extra"),
    [
        (r"`seats\[\]\.plan`", "`seats[].plan_id`", ["seats[].plan"], ["seats[].plan_id"]),
        (r"\n\| `ignored` \|[^\n]*", "", ["ignored"], []),
        (
            r"\n(?=\| `changes\[\]\.id` \|)",
            "\n| `changes[].colour` | string | required | x |\n",
            [],
            ["changes[].colour"],
        ),
    ],
)
def test_the_comparison_reports_missing_and_extra_fields(
    pattern: str, replacement: str, missing: list[str], extra: list[str]
) -> None:
    """The check above can fail: an edited copy of the doc is caught."""
    edited = re.sub(pattern, replacement, DOC)
    assert compare(set(documented_fields(edited)), set(SCHEMA_FIELDS)) == (missing, extra)


def test_the_documented_operations_are_the_closed_set() -> None:
    listed = [(code(row[0]), code(row[1])) for row in rows(DOC, "Type", "Action")]
    assert sorted(listed) == sorted(PAIRS)
    change = SCHEMA["$defs"]["Change"]["properties"]
    assert {t for t, _ in PAIRS} == set(change["type"]["enum"])
    assert {a for _, a in PAIRS} == set(change["action"]["enum"])


def test_the_phase_table_has_each_phase_and_places_every_operation() -> None:
    phases = rows(DOC, "Phase")
    assert [row[0].split(". ", 1)[0] for row in phases] == [str(phase.value) for phase in Phase]
    placed = {tuple(token.split(".")) for row in phases for token in re.findall(r"`([a-z_]+\.[a-z_]+)`", row[1])}
    assert placed == PAIRS


def test_the_irreversible_operations_are_those_the_planner_marks() -> None:
    (row,) = [row for row in rows(DOC, "Field", "Type") if row[0] == "`changes[].irreversible`"]
    marked = {(c["type"], c["action"]) for c in GOLDEN["changes"] if c["irreversible"]}
    assert {tuple(t.split(".")) for t in re.findall(r"`([a-z_]+\.[a-z_]+)`", row[3])} == marked


def test_the_transfer_keys_and_outcomes_are_the_planners() -> None:
    keys = {code(row[0]).rsplit(".", 1)[1]: row[2] for row in rows(DOC, "Key", "Type")}
    payloads = [item for c in GOLDEN["changes"] if c["type"] == "resources" for item in c["after"].values()]
    assert set(keys) == {key for item in payloads for key in item}
    assert set(re.findall(r"`([a-z_]+)`", keys["outcome"])) == set(get_args(Outcome))


@pytest.mark.parametrize("block", re.findall(r"```json\n(.*?)```", DOC, re.S))
def test_each_json_example_is_valid(block: str, tmp_path: Path) -> None:
    document = json.loads(block)
    if "format_version" not in document:  # a resources.transfer payload
        assert all(set(item) <= {"count", "default", "outcome", "to", "retain"} for item in document.values())
        return
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    path = tmp_path / "plan.json"
    path.write_text(block)
    plan = read_plan(path)  # the reader's own checks: pairs, before/after invariants
    assert (plan.summary, plan.applyable) == (document["summary"], document["applyable"])
    assert set(document["fingerprints"]) == {change.address for change in plan.changes}


def test_the_doc_describes_the_current_format_version() -> None:
    assert DOC.splitlines()[0].endswith(f"version {FORMAT_VERSION}")
    assert f'"format_version": "{FORMAT_VERSION}"' in DOC


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("format_version", "1.1", "format_version: Input should be '1.0'"),
        ("format_version", "2.0", "format_version: Input should be '1.0'"),
        ("format_version", "1", "format_version: Input should be '1.0'"),
        ("format_version", 1.0, "format_version: Input should be '1.0'"),
        ("extra", 1, "extra: Extra inputs are not permitted"),
    ],
)
def test_readers_refuse_other_versions_as_documented(field: str, value: Any, message: str, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({**GOLDEN, field: value}))
    with pytest.raises(UsageError) as refused:
        read_plan(path)
    line = f"not an orgstate plan (format {FORMAT_VERSION}): {message}"
    assert str(refused.value) == f"{path}: {line}"
    assert f"error: plan.json: {line}" in DOC


@pytest.mark.parametrize(("planned", "live"), [("sha256:1", "sha256:2"), (ABSENT, "sha256:2"), ("sha256:1", ABSENT)])
def test_the_stale_plan_messages_are_the_ones_apply_prints(planned: str, live: str) -> None:
    assert Stale("x", planned, live).describe().removeprefix("x: ") in DOC


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("link", sorted(set(re.findall(r"\]\(([^):]+)\)", DOC))))
def test_each_link_resolves(link: str) -> None:
    path, _, anchor = link.partition("#")
    target = (ROOT / "docs" / path).read_text() if path else DOC
    assert not anchor or anchor in {slug(h) for h in re.findall(r"^#+ (.+)$", target, re.M)}

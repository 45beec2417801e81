"""docs/plan-format.md against the code: every property of schemas/plan.schema.json
(through `$ref`, `anyOf` and the discriminated union of changes, with each payload
model under its own name) is documented with its type and presence, and nothing else
is; the (type, action) pairs, their payloads, addresses and phases are the code's; the
examples are plans orgstate reads; the digest and signature recipes hold; the messages
quoted are the ones orgstate prints."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

import jsonschema
import pytest

from orgstate.appliers.urls import same_backend
from orgstate.errors import UsageError
from orgstate.executor.stale import Stale
from orgstate.planner.changes import ACTIONS, Address, TransferKey, change_from
from orgstate.planner.drafts import Phase
from orgstate.planner.fingerprints import ABSENT, CONTENTS, reads
from orgstate.render.plan_json import (
    FORMAT_VERSION,
    PLAN_KEY_MIN_LENGTH,
    PLAN_KEY_VARIABLE,
    read_plan,
    seal,
)
from tests.conftest import EXAMPLES, ROOT, run_orgstate

DOC = (ROOT / "docs" / "plan-format.md").read_text()
SCHEMA = json.loads((ROOT / "schemas" / "plan.schema.json").read_text())
GOLDEN = json.loads((ROOT / "tests" / "golden" / "example-plan.json").read_text())
PAIRS = {(change_type, action) for change_type, actions in ACTIONS.items() for action in actions}


# -- reading the doc ---------------------------------------------------------------------


def tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every markdown table outside code blocks: (header cells, body rows)."""
    found, block, fenced = [], [], False
    for line in [*text.splitlines(), ""]:
        if line.lstrip().startswith("```"):
            fenced = not fenced
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


def spans(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def json_blocks(text: str) -> list[Any]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", text, re.S)]


def quoted_lines(text: str) -> list[list[str]]:
    """The lines of each plain ``` block (what orgstate prints), indentation removed."""
    found: list[list[str]] = []
    fence: tuple[str, str] | None = None  # (indentation, info string) of the open block
    for line in text.splitlines():
        stripped = line.lstrip()
        if fence is None and stripped.startswith("```"):
            fence = (line[: len(line) - len(stripped)], stripped[3:])
            found.append([])
        elif fence is not None and stripped == "```":
            if fence[1]:
                found.pop()
            fence = None
        elif fence is not None:
            found[-1].append(line.removeprefix(fence[0]))
    return found


# -- reading the schema ------------------------------------------------------------------


@dataclass
class SchemaFields:
    """Every property of a JSON Schema by path: `changes[].id`, `Department.parent`.

    Objects are followed through `$ref`, `anyOf`/`oneOf` and arrays (`[]`). The branches
    of a union of objects (the changes) are merged: a property's type lists what it is in
    any branch, and its presence is `required` in all branches, `optional` in none, else
    `varies`. A property that is a constant in every branch is the union's discriminator:
    the reader needs it, so it counts as `required`. A property whose schema differs
    between branches (a change's `before` and `after`) holds payloads: each model it can
    hold is walked under its own name (`MemberPatch.job.title`), once."""

    schema: dict[str, Any]
    found: dict[str, tuple[str, str]] = field(default_factory=dict)
    enums: dict[str, set[Any]] = field(default_factory=dict)
    payloads: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.defs = self.schema["$defs"]
        self.walk([self.schema], "")
        for name in self.payloads:  # grows while walked: payloads inside payloads
            self.walk([o for o in self.options(self.defs[name]) if "properties" in o], name)

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.defs[ref_name(node)]
        return node

    def options(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        """The alternatives of a node: $refs resolved, unions flattened."""
        node = self.resolve(node)
        for union in ("anyOf", "oneOf"):
            if union in node:
                return [option for branch in node[union] for option in self.options(branch)]
        return [node]

    def type_of(self, nodes: list[dict[str, Any]]) -> str:
        names = list(dict.fromkeys(self.simple(option) for node in nodes for option in self.options(node)))
        return " or ".join(sorted(names, key=lambda name: name == "null"))

    def simple(self, node: dict[str, Any]) -> str:
        if node.get("type") == "array":
            return "array of " + parenthesized(self.type_of([node["items"]]))
        if node.get("type") == "object":
            values = node.get("additionalProperties")
            if not isinstance(values, dict):
                values = next(iter(node.get("patternProperties", {}).values()), None)
            return "object" if values is None else "object of " + parenthesized(self.type_of([values]))
        return str(node["type"])

    def walk(self, branches: list[dict[str, Any]], prefix: str) -> None:
        names = dict.fromkeys(name for branch in branches for name in branch.get("properties", {}))
        for name in names:
            path = f"{prefix}.{name}" if prefix else name
            props = [branch["properties"][name] for branch in branches if name in branch.get("properties", {})]
            required = [name in branch.get("required", ()) for branch in branches]
            presence = "required" if all(required) else "varies" if any(required) else "optional"
            discriminator = len(branches) > 1 and len(props) == len(branches) and all("const" in p for p in props)
            differs = len({json.dumps(p, sort_keys=True) for p in props}) > 1
            if discriminator:
                presence = "required"
            options = [option for prop in props for option in self.options(prop)]
            values = {v for option in options for v in option.get("enum", ())}
            values |= {option["const"] for option in options if "const" in option}
            if values:
                self.enums[path] = values
            if differs and not discriminator:  # a payload slot: its models are walked apart
                kinds = sorted({option["type"] for option in options}, key=lambda kind: kind == "null")
                self.found[path] = (" or ".join(kinds), presence)
                for prop in props:
                    self.payloads.extend(m for m in self.models(prop) if m not in self.payloads)
                continue
            self.found[path] = (self.type_of(props), presence)
            for suffix, inner in (("", options), ("[]", self.items(options)), (".<key>", self.values(options))):
                objects = [o for o in inner if "properties" in o]
                if objects:
                    self.walk(objects, path + suffix)

    def items(self, options: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [i for o in options if o.get("type") == "array" for i in self.options(o["items"])]

    def values(self, options: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The values of mappings (`additionalProperties`, `patternProperties`)."""
        nested = [o["additionalProperties"] for o in options if isinstance(o.get("additionalProperties"), dict)]
        nested += [v for o in options for v in o.get("patternProperties", {}).values()]
        return [value for node in nested for value in self.options(node)]

    def models(self, node: dict[str, Any]) -> list[str]:
        """The named models a payload slot holds (through nullable unions and mappings)."""
        if "$ref" in node:
            return [ref_name(node)]
        assert "properties" not in node, f"a payload without a name in $defs: {node}"
        nested = [*node.get("anyOf", ()), *node.get("oneOf", ())]
        if isinstance(node.get("additionalProperties"), dict):
            nested.append(node["additionalProperties"])
        return [name for option in nested for name in self.models(option)]


def ref_name(node: dict[str, Any]) -> str:
    return str(node["$ref"].rsplit("/", 1)[1])


def parenthesized(text: str) -> str:
    return f"({text})" if " or " in text else text


def branches(schema: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(type, action) -> the schema of that branch of `changes`."""
    found = {}
    for option in schema["properties"]["changes"]["items"]["oneOf"]:
        branch = schema["$defs"][ref_name(option)]
        found[(branch["properties"]["type"]["const"], branch["properties"]["action"]["const"])] = branch
    return found


PRESENCE = {"required": "required", "optional": "optional", "per (type, action)": "varies"}


def presence(cell: str) -> str:
    return next((value for start, value in PRESENCE.items() if cell.startswith(start)), f"unknown: {cell}")


def documented_fields(text: str) -> dict[str, tuple[str, str]]:
    """The field tables: | Field | Type | Presence | Meaning |."""
    return {code(row[0]): (row[1], presence(row[2])) for row in rows(text, "Field", "Type", "Presence")}


def compare(documented: set[str], defined: set[str]) -> tuple[list[str], list[str]]:
    """(defined but not documented, documented but not defined)."""
    return sorted(defined - documented), sorted(documented - defined)


WALKED = SchemaFields(SCHEMA)
SCHEMA_FIELDS = WALKED.found
DOCUMENTED = documented_fields(DOC)
MEANINGS = {code(row[0]): row[3] for row in rows(DOC, "Field", "Type", "Presence")}
BRANCHES = branches(SCHEMA)
CHANGE_BRANCHES = SCHEMA["properties"]["changes"]["items"]["oneOf"]
PLANS = [block for block in json_blocks(DOC) if isinstance(block, dict)]
EXAMPLE = PLANS[-1]
KEY = "k" * PLAN_KEY_MIN_LENGTH
OTHER_KEY = "o" * PLAN_KEY_MIN_LENGTH


@pytest.fixture(autouse=True, scope="module")
def no_plan_key() -> Iterator[None]:
    """The doc's plans are unsigned: a key in the environment of whoever runs the tests
    must not sign or check them (tests that are about the key set it themselves)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(PLAN_KEY_VARIABLE, raising=False)
        yield


@pytest.fixture(autouse=True)
def example_untouched() -> Iterator[None]:
    """The tests edit copies of the doc's example, never the example itself."""
    before = json.dumps(EXAMPLE)
    yield
    assert json.dumps(EXAMPLE) == before, "a test changed the doc's example: edit a deep copy"


# -- fields ------------------------------------------------------------------------------


def test_the_walk_reaches_every_payload_model_of_the_changes() -> None:
    used = {
        name
        for branch in BRANCHES.values()
        for slot in ("before", "after")
        for name in WALKED.models(branch["properties"][slot])
    }
    assert set(WALKED.payloads) == used
    assert {"Department", "MemberPatch", "SeatHolding", "TransferItem"} <= used


def test_every_schema_field_is_documented_and_nothing_else() -> None:
    missing, extra = compare(set(DOCUMENTED), set(SCHEMA_FIELDS))
    assert (missing, extra) == ([], []), f"undocumented: {missing}; not in the schema: {extra}"


@pytest.mark.parametrize("path", sorted(SCHEMA_FIELDS))
def test_each_field_is_documented_with_its_type_and_presence(path: str) -> None:
    assert DOCUMENTED.get(path) == SCHEMA_FIELDS[path]


@pytest.mark.parametrize("path", sorted(WALKED.enums))
def test_each_field_with_fixed_values_lists_them(path: str) -> None:
    listed = {value.strip('"') for value in spans(MEANINGS[path])}
    assert {str(value) for value in WALKED.enums[path]} <= listed


def without_row(path: str) -> tuple[str, str]:
    return rf"\n\| `{re.escape(path)}` \|[^\n]*", ""


def with_row_before(path: str, new: str) -> tuple[str, str]:
    return rf"\n(?=\| `{re.escape(path)}` \|)", f"\n| `{new}` | string | required | x |\n"


@pytest.mark.parametrize(
    ("edit", "missing", "extra"),
    [
        ((r"`seats\[\]\.plan`", "`seats[].plan_id`"), ["seats[].plan"], ["seats[].plan_id"]),
        (without_row("ignored"), ["ignored"], []),
        (without_row("plan_id"), ["plan_id"], []),
        (with_row_before("changes[].id", "changes[].colour"), [], ["changes[].colour"]),
        (without_row("SeatHolding.source"), ["SeatHolding.source"], []),
        (without_row("MemberPatch.job.title"), ["MemberPatch.job.title"], []),
        (with_row_before("MemberFields.id", "MemberFields.seat"), [], ["MemberFields.seat"]),
        ((r"`TransferItem\.retain`", "`TransferItem.kept`"), ["TransferItem.retain"], ["TransferItem.kept"]),
    ],
)
def test_the_comparison_reports_missing_and_extra_fields_of_the_doc(
    edit: tuple[str, str], missing: list[str], extra: list[str]
) -> None:
    """The check above can fail: an edited copy of the doc is caught."""
    edited = re.sub(*edit, DOC, count=1)
    assert edited != DOC
    assert compare(set(documented_fields(edited)), set(SCHEMA_FIELDS)) == (missing, extra)


def schema_with_a_new_payload_field() -> dict[str, Any]:
    schema = copy.deepcopy(SCHEMA)
    schema["$defs"]["SeatHolding"]["properties"]["colour"] = {"type": "string"}
    return schema


def schema_with_a_new_branch() -> dict[str, Any]:
    schema = copy.deepcopy(SCHEMA)
    branch = copy.deepcopy(schema["$defs"]["SeatRelease"])
    branch["properties"]["action"] = {"const": "lend", "type": "string"}
    branch["properties"]["after"] = {"$ref": "#/$defs/Loan"}
    schema["$defs"]["SeatLend"] = branch
    schema["$defs"]["Loan"] = {"type": "object", "properties": {"to": {"type": "string"}}, "required": ["to"]}
    schema["properties"]["changes"]["items"]["oneOf"].append({"$ref": "#/$defs/SeatLend"})
    return schema


def schema_without_a_field() -> dict[str, Any]:
    schema = copy.deepcopy(SCHEMA)
    del schema["$defs"]["TransferItem"]["properties"]["retain"]
    return schema


@pytest.mark.parametrize(
    ("schema", "missing", "extra"),
    [
        (schema_with_a_new_payload_field, ["SeatHolding.colour"], []),
        (schema_with_a_new_branch, ["Loan.to"], []),
        (schema_without_a_field, [], ["TransferItem.retain"]),
    ],
)
def test_the_comparison_reports_missing_and_extra_fields_of_the_schema(
    schema: Callable[[], dict[str, Any]], missing: list[str], extra: list[str]
) -> None:
    """... and so is a schema that gained or lost a property, in a payload or a new branch."""
    assert compare(set(DOCUMENTED), set(SchemaFields(schema()).found)) == (missing, extra)


def schema_with_required(name: str, *definitions: str) -> dict[str, Any]:
    """The schema with `name` required in each of these definitions."""
    schema = copy.deepcopy(SCHEMA)
    for definition in definitions:
        schema["$defs"][definition]["required"] = [*schema["$defs"][definition].get("required", ()), name]
    return schema


def schema_with_a_retyped_field() -> dict[str, Any]:
    schema = copy.deepcopy(SCHEMA)
    schema["$defs"]["Department"]["properties"]["order"] = {"type": "string"}
    return schema


@pytest.mark.parametrize(
    ("schema", "path", "now"),
    [
        (lambda: schema_with_required("source", "SeatHolding"), "SeatHolding.source", ("string or null", "required")),
        (schema_with_a_retyped_field, "Department.order", ("string", "optional")),
        (
            lambda: schema_with_required("before", *(ref_name(o) for o in CHANGE_BRANCHES)),
            "changes[].before",
            ("object or null", "required"),
        ),
    ],
)
def test_the_type_and_presence_comparison_reports_a_change(
    schema: Callable[[], dict[str, Any]], path: str, now: tuple[str, str]
) -> None:
    """A field whose type or presence changes, in a payload or in every branch of the
    union, no longer matches the doc."""
    assert SchemaFields(schema()).found[path] == now != DOCUMENTED[path]


@pytest.mark.parametrize("slot", ["type", "action"])
def test_the_discriminator_is_required_by_the_reader(slot: str, tmp_path: Path) -> None:
    """The schema gives `type` and `action` a default; orgstate's reader needs them."""
    document = copy.deepcopy(EXAMPLE)
    del document["changes"][0][slot]
    assert DOCUMENTED[f"changes[].{slot}"][1] == "required"
    assert refusal(document, tmp_path) == "changes.0: unknown (type, action) of a change"


# -- operations --------------------------------------------------------------------------

OPERATIONS = {(code(row[0]), code(row[1])): row for row in rows(DOC, "Type", "Action", "Address")}


def test_the_documented_operations_are_the_closed_set() -> None:
    listed = [(code(row[0]), code(row[1])) for row in rows(DOC, "Type", "Action", "Address")]
    assert sorted(listed) == sorted(PAIRS) == sorted(BRANCHES)


def payload_names(node: dict[str, Any]) -> list[str]:
    """A branch's `before` or `after` as the closed-set table names it."""
    if "$ref" in node:
        return [ref_name(node)]
    if "anyOf" in node:
        return [name for option in node["anyOf"] for name in payload_names(option)]
    if isinstance(node.get("additionalProperties"), dict):
        return payload_names(node["additionalProperties"])
    assert node["type"] == "null", node
    return ["null"]


@pytest.mark.parametrize("pair", sorted(PAIRS))
@pytest.mark.parametrize(("slot", "column"), [("before", 3), ("after", 4)])
def test_each_operation_names_its_payloads(pair: tuple[str, str], slot: str, column: int) -> None:
    cell = OPERATIONS[pair][column]
    assert spans(cell) == payload_names(BRANCHES[pair]["properties"][slot])


def address_pattern(form: str) -> str:
    """`group_member.<group>/<member>` -> a regex of such addresses (ids without dots)."""
    return re.sub(r"<[a-z ]+>", "[A-Za-z0-9_@-]+", re.escape(form).replace(r"\<", "<").replace(r"\>", ">"))


def test_each_address_form_is_one_orgstate_parses() -> None:
    for (change_type, _), row in OPERATIONS.items():
        form = spans(row[2])[0]
        parsed = Address.parse(re.sub(r"<[a-z ]+>", "x", form))
        assert parsed.type == change_type, form


@pytest.mark.parametrize("change", GOLDEN["changes"], ids=lambda c: c["id"])
def test_a_real_plan_uses_the_documented_address_forms(change: dict[str, Any]) -> None:
    form = spans(OPERATIONS[(change["type"], change["action"])][2])[0]
    assert re.fullmatch(address_pattern(form), change["address"]), (form, change["address"])


def test_the_phase_table_has_each_phase_and_places_every_operation() -> None:
    phases = rows(DOC, "Phase")
    assert [row[0].split(". ", 1)[0] for row in phases] == [str(phase.value) for phase in Phase]
    placed = {tuple(token.split(".")) for row in phases for token in re.findall(r"`([a-z_]+\.[a-z_]+)`", row[1])}
    assert placed == PAIRS


def test_the_irreversible_operations_are_those_the_planner_marks() -> None:
    marked = {(c["type"], c["action"]) for c in GOLDEN["changes"] if c["irreversible"]}
    cell = MEANINGS["changes[].irreversible"]
    assert {tuple(t.split(".")) for t in re.findall(r"`([a-z_]+\.[a-z_]+)`", cell)} == marked


def test_the_transfer_kinds_are_the_planners() -> None:
    kinds = [code(row[0]) for row in rows(DOC, "Kind")]
    after = BRANCHES[("resources", "transfer")]["properties"]["after"]
    assert sorted(kinds) == sorted(get_args(TransferKey)) == sorted(after["propertyNames"]["enum"])


def test_the_fingerprint_key_forms_are_those_of_a_real_plan() -> None:
    forms = [code(row[0]) for row in rows(DOC, "Key", "What the digest covers")]
    assert {form.split(".", 1)[0] for form in forms} == set(ACTIONS)
    assert any(form.endswith(CONTENTS) for form in forms)
    for key in GOLDEN["fingerprints"]:
        assert any(re.fullmatch(address_pattern(form), key) for form in forms), key


# -- examples ----------------------------------------------------------------------------


def written(document: Any, tmp_path: Path, *, reseal: bool = True) -> Path:
    """The document saved as plan.json. Resealed by default, as a forger who computes the
    digest again would (but a document without a digest stays without one), so that
    what is refused is what the test is about, not the digest."""
    if reseal and isinstance(document, dict) and "digest" in document:
        document = seal(document)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document))
    return path


def printed(path: Path) -> str:
    """The line orgstate prints when it refuses to read this file, as if it were named
    plan.json in the working directory (as the doc's quotes are)."""
    with pytest.raises(UsageError) as refused:
        read_plan(path)
    return "error: " + re.sub(rf"^{re.escape(str(path))}: ", "plan.json: ", str(refused.value))


def refusal(document: Any, tmp_path: Path) -> str:
    """What orgstate says of a file that is not a plan, without the file's name."""
    line = printed(written(document, tmp_path))
    prefix = f"error: plan.json: not an orgstate plan (format {FORMAT_VERSION}): "
    assert line.startswith(prefix), line
    return line.removeprefix(prefix)


def check_order(changes: list[dict[str, Any]], numbered_from_one: bool) -> None:
    numbers = [int(change["id"][1:]) for change in changes]
    assert numbers == sorted(numbers)
    if numbered_from_one:
        assert numbers == list(range(1, len(changes) + 1))
    for change in changes:
        assert all(int(dep[1:]) < int(change["id"][1:]) for dep in change["depends_on"]), change["id"]


@pytest.mark.parametrize("document", PLANS, ids=lambda d: d["plan_id"])
def test_each_example_plan_is_valid_and_read_back(document: dict[str, Any], tmp_path: Path) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document))
    plan = read_plan(path)  # the reader's own checks: pairs, payloads, addresses
    assert (plan.summary, plan.applyable) == (document["summary"], document["applyable"])
    assert set(document["fingerprints"]) == {key for change in plan.changes for key in reads(change)}
    check_order(document["changes"], numbered_from_one=True)


CHANGE_SCHEMA = {"$defs": SCHEMA["$defs"], **SCHEMA["properties"]["changes"]["items"]}
FRAGMENTS = [block for block in json_blocks(DOC) if isinstance(block, list)]


@pytest.mark.parametrize("changes", FRAGMENTS, ids=lambda cs: cs[0]["id"])
def test_each_example_change_is_valid(changes: list[dict[str, Any]]) -> None:
    for change in changes:
        jsonschema.Draft202012Validator(CHANGE_SCHEMA).validate(change)
        change_from(change)
    check_order(changes, numbered_from_one=False)


def test_the_doc_describes_the_current_format_version() -> None:
    assert DOC.splitlines()[0].endswith(f"version {FORMAT_VERSION}")
    assert all(document["format_version"] == FORMAT_VERSION for document in PLANS)
    assert f'exactly\n  `"format_version": "{FORMAT_VERSION}"`' in DOC


# -- messages ----------------------------------------------------------------------------


def change_of(changes: list[dict[str, Any]], pair: str) -> dict[str, Any]:
    """The first change of a kind (`seat.assign`)."""
    return next(c for c in changes if f"{c['type']}.{c['action']}" == pair)


def set_key(*path: Any, value: Any = None, delete: bool = False) -> Callable[[dict[str, Any]], None]:
    """An edit of a plan: set or delete the key at `path`, where a step into `changes`
    names the first change of a kind."""

    def edit(document: dict[str, Any]) -> None:
        node: Any = document
        for step in path[:-1]:
            node = change_of(node, step) if isinstance(node, list) else node[step]
        if delete:
            del node[path[-1]]
        else:
            node[path[-1]] = value

    return edit


# Each edit of the doc's example and the refusal it gets; the doc quotes them all.
REFUSED = {
    "an older format": set_key("format_version", value="1.0"),
    "the previous minor": set_key("format_version", value="1.1"),
    "a later minor": set_key("format_version", value="1.5"),
    "a new major": set_key("format_version", value="2.0"),
    "a number": set_key("format_version", value=1.2),
    "no plan id": set_key("plan_id", delete=True),
    "a 1.1 plan, its version edited": set_key("digest", delete=True),
    "a field it does not define": set_key("extra", value=1),
    "an unknown pair": set_key("changes", "member.update", "action", value="rename"),
    "a create with a before": set_key("changes", "department.create", "before", value={}),
    "a 1.0 seat in a member": set_key("changes", "member.create", "after", "seat", value="pro-2026"),
    "a 1.0 group member address": set_key(
        "changes", "group_member.add", "address", value="group_member.field-sales.luca"
    ),
    "a 1.0 seat address": set_key("changes", "seat.assign", "address", value="seat.pro-2026.tom"),
    "a transfer without its recipient": set_key("changes", "resources.transfer", "after", "docs", "to", delete=True),
    "a fingerprint that is not a digest": set_key("fingerprints", "member.bob", value="sha256:1"),
    "a change id of 16 digits": set_key("changes", "department.create", "id", value="c" + "1" * 16),
}

# Edits of the doc's example as text, for what a JSON object cannot hold.
REFUSED_TEXT = {
    "a key twice": lambda text: text.replace('"plan_id": ', '"plan_id": "plan-x", "plan_id": ', 1),
    "NaN": lambda text: text.replace('"line": 687', '"line": NaN', 1),
}


def text_refusal(edit: Callable[[str], str], tmp_path: Path) -> str:
    text = json.dumps(EXAMPLE)
    assert edit(text) != text
    path = tmp_path / "plan.json"
    path.write_text(edit(text))
    prefix = f"error: plan.json: not an orgstate plan (format {FORMAT_VERSION}): "
    return printed(path).removeprefix(prefix)


@pytest.mark.parametrize("edit", REFUSED.values(), ids=REFUSED.keys())
def test_each_refusal_is_quoted_as_orgstate_prints_it(edit: Callable[[dict[str, Any]], None], tmp_path: Path) -> None:
    document = copy.deepcopy(EXAMPLE)
    edit(document)
    line = f"error: plan.json: not an orgstate plan (format {FORMAT_VERSION}): {refusal(document, tmp_path)}"
    assert line in DOC


@pytest.mark.parametrize("edit", REFUSED_TEXT.values(), ids=REFUSED_TEXT.keys())
def test_each_refusal_of_a_file_that_is_not_json_is_quoted_as_orgstate_prints_it(
    edit: Callable[[str], str], tmp_path: Path
) -> None:
    line = f"error: plan.json: not an orgstate plan (format {FORMAT_VERSION}): {text_refusal(edit, tmp_path)}"
    assert line in DOC


def test_infinity_is_refused_as_nan_is(tmp_path: Path) -> None:
    """The doc says: without `NaN` or `Infinity`."""
    refused = text_refusal(lambda text: text.replace('"line": 687', '"line": -Infinity', 1), tmp_path)
    assert refused == "not JSON: -Infinity is not a JSON number"
    assert "`NaN` or `Infinity`" in DOC


def test_every_refusal_quoted_is_one_orgstate_prints(tmp_path: Path) -> None:
    seen = set()
    for edit in REFUSED.values():
        document = copy.deepcopy(EXAMPLE)
        edit(document)
        seen.add(refusal(document, tmp_path))
    seen |= {text_refusal(edit, tmp_path) for edit in REFUSED_TEXT.values()}
    prefix = f"error: plan.json: not an orgstate plan (format {FORMAT_VERSION}): "
    quoted = {line.removeprefix(prefix) for block in quoted_lines(DOC) for line in block if line.startswith(prefix)}
    quoted |= {span for span in spans(MEANINGS["changes[].type"]) if span.startswith("changes.")}
    assert len(quoted) > 5
    assert quoted <= seen


@pytest.mark.parametrize(("planned", "live"), [("sha256:1", "sha256:2"), (ABSENT, "sha256:2"), ("sha256:1", ABSENT)])
def test_the_stale_object_messages_are_the_ones_apply_prints(planned: str, live: str) -> None:
    assert Stale("x", planned, live).describe().removeprefix("x: ") in DOC


def test_the_address_error_is_quoted_as_orgstate_gives_it() -> None:
    with pytest.raises(ValueError) as refused:
        Address.parse("dept.eng")
    assert f"`{refused.value}`" in DOC


@pytest.fixture(scope="module")
def example_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example organization planned against its example tenant, saved."""
    where = tmp_path_factory.mktemp("example")
    init = run_orgstate("local", "init", "--from", str(EXAMPLES / "tenant.yaml"), "--db", "tenant.db", cwd=where)
    assert init.returncode == 0, init.stderr
    plan = run_orgstate(
        "plan", "-f", str(EXAMPLES / "org.yaml"), "--backend", "local:tenant.db", "--out", "plan.json", cwd=where
    )
    assert plan.returncode == 0, plan.stderr
    return where / "plan.json"


def apply(plan: Path, *args: str) -> Any:
    where = plan.parent
    return run_orgstate(
        "apply", str(plan), "--state", "sqlite:state.db", "--passwords-dir", "passwords", *args, cwd=where
    )


def beside_tenant(plan: Path, name: str, fixture: str) -> Path:
    """A copy of the saved plan in a new directory whose tenant.db (the backend the plan
    names) is initialised from this fixture text."""
    where = plan.parent / name
    where.mkdir()
    (where / "tenant.yaml").write_text(fixture)
    assert run_orgstate("local", "init", "--from", "tenant.yaml", "--db", "tenant.db", cwd=where).returncode == 0
    copy = where / "plan.json"
    shutil.copy(plan, copy)
    return copy


def assert_quoted(printed: str) -> None:
    """The doc quotes these lines of what orgstate printed, in this order (maybe not all)."""
    lines = printed.strip().splitlines()
    quoting = [block for block in quoted_lines(DOC) if block and block[0] == lines[0]]
    assert quoting, f"not quoted: {lines[0]}"
    for block in quoting:
        positions = [lines.index(line) if line in lines else -1 for line in block]
        assert -1 not in positions and positions == sorted(positions), (block, lines)


def test_a_stale_plan_is_refused_as_documented(example_plan: Path) -> None:
    """The documented example: Bob's title edited in the console, legacy-qa deleted and
    the firmware department created since the plan was made."""
    fixture = (EXAMPLES / "tenant.yaml").read_text()
    edited = fixture.replace(
        "job: {title: Site Reliability Engineer, manager: grace,", "job: {title: SRE, manager: grace,"
    )
    edited = edited.replace(
        "  - {id: legacy-qa, name: Legacy QA, parent: eng, order: 24}",
        "  - {id: eng-robotics-firmware, name: Firmware, parent: eng-robotics, order: 23}",
    )
    assert edited.count("\n") == fixture.count("\n") and edited != fixture
    result = apply(beside_tenant(example_plan, "changed", edited), "--backend", "local:tenant.db")
    assert result.returncode == 1
    assert result.stderr.strip() in DOC
    assert_quoted(result.stderr)


def test_a_resumed_run_whose_work_was_undone_is_refused_as_documented(example_plan: Path) -> None:
    """The plan applied, then the tenant put back as it was (the same database file)."""
    fixture = (EXAMPLES / "tenant.yaml").read_text()
    plan = beside_tenant(example_plan, "resumed", fixture)
    assert apply(plan, "--backend", "local:tenant.db").returncode == 0
    (plan.parent / "tenant.db").unlink()
    assert run_orgstate("local", "init", "--from", "tenant.yaml", "--db", "tenant.db", cwd=plan.parent).returncode == 0
    again = apply(plan, "--backend", "local:tenant.db")
    assert again.returncode == 1
    assert_quoted(again.stderr)


def with_an_error(document: dict[str, Any]) -> None:
    document["diagnostics"].append({"severity": "error", "rule": "SEAT-CAPACITY", "message": "full"})
    document["applyable"] = False


@pytest.mark.parametrize(
    ("edit", "stream", "says"),
    [
        (with_an_error, "stderr", "error: the plan has errors and cannot be applied"),
        (
            lambda d: d.update(changes=[], summary={}, fingerprints={}, changes_digest=changes_digest([])),
            "stdout",
            "Nothing to apply.",
        ),
    ],
)
def test_apply_says_what_the_doc_says_of_plans_it_does_not_run(
    example_plan: Path, edit: Callable[[dict[str, Any]], None], stream: str, says: str
) -> None:
    """Plans saved like that (edited, and sealed again as orgstate would have)."""
    document = json.loads(example_plan.read_text())
    edit(document)
    edited = example_plan.parent / "edited.json"
    edited.write_text(json.dumps(seal(document)))
    result = apply(edited, "--backend", "local:tenant.db")
    assert getattr(result, stream).strip() == says
    assert f"`{says}`" in DOC


# -- the digest, the signature and consistency -------------------------------------------


def section(heading: str) -> str:
    """The doc's text under a heading, up to the next heading of the same or a higher level."""
    level = re.match(r"#+", heading)
    assert level
    start = DOC.index(f"\n{heading}\n")
    ends = [m.start() for m in re.finditer(rf"\n#{{1,{len(level.group())}}} ", DOC) if m.start() > start]
    return DOC[start : min(ends, default=len(DOC))]


def content_of(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key not in ("digest", "signature")}


def canonical(document: dict[str, Any]) -> bytes:
    """The bytes the doc says the digest and the signature are computed over, written
    out from its list, not with orgstate's code."""
    return json.dumps(content_of(document), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signed(document: dict[str, Any], key: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A copy of the document sealed as `orgstate plan` does with this key set."""
    with monkeypatch.context() as patch:
        patch.setenv(PLAN_KEY_VARIABLE, key)
        return seal(copy.deepcopy(document))


def test_the_examples_digest_is_the_documented_recipe() -> None:
    """Computed again with hashlib, from the doc's description, independently of `seal`."""
    assert EXAMPLE["digest"] == "sha256:" + hashlib.sha256(canonical(EXAMPLE)).hexdigest()
    assert "signature" not in EXAMPLE


def test_the_docs_python_recipe_gives_the_examples_digest() -> None:
    (recipe,) = re.findall(r"```python\n(.*?)```", section("### The digest and the signature"), re.S)
    names: dict[str, Any] = {"plan": copy.deepcopy(EXAMPLE)}
    exec(recipe, names)
    assert names["digest"] == EXAMPLE["digest"]


def test_the_examples_changes_digest_is_the_documented_recipe_and_orgstates(tmp_path: Path) -> None:
    assert EXAMPLE["changes_digest"] == changes_digest(EXAMPLE["changes"])
    (recipe,) = re.findall(r"```python\n(.*?)```", section("### The changes digest"), re.S)
    names: dict[str, Any] = {"plan": copy.deepcopy(EXAMPLE)}
    exec(recipe, names)
    assert names["changes_digest"] == EXAMPLE["changes_digest"]
    document = copy.deepcopy(EXAMPLE)  # beyond ASCII and U+FFFF: escaped, as the doc says
    change_of(document["changes"], "member.create")["after"]["name"] = "Tom Fischér \U0001f916"
    document["changes_digest"] = changes_digest(document["changes"])
    assert read_plan(written(document, tmp_path)).changes_digest == document["changes_digest"]
    assert "four lowercase hex digits; a character beyond U+FFFF as a\nsurrogate pair" in DOC


def test_only_the_changes_make_the_changes_digest(tmp_path: Path) -> None:
    """As the doc says: a new id, time and diagnostics keep it; any change to a change does not."""
    document = copy.deepcopy(EXAMPLE)
    document.update(plan_id="plan-0", created_at="2027-01-01T00:00:00Z", diagnostics=[], estimate=None)
    assert read_plan(written(document, tmp_path)).changes_digest == EXAMPLE["changes_digest"]
    document["changes"] = document["changes"][:-1]
    assert changes_digest(document["changes"]) != EXAMPLE["changes_digest"]


@pytest.mark.parametrize(
    ("version", "left_out", "said", "quoted"),
    [
        ("1.3", "estimate", "changes_digest: not part of format 1.3 (it came with 1.4)", True),
        ("1.2", "changes_digest", "estimate: not part of format 1.2 (it came with 1.4)", False),
        (FORMAT_VERSION, "changes_digest", "changes_digest: a plan of format 1.4 has one", True),
    ],
)
def test_the_fields_of_14_belong_to_it(version: str, left_out: str, said: str, quoted: bool, tmp_path: Path) -> None:
    document = {key: value for key, value in EXAMPLE.items() if key != left_out}
    assert refusal({**document, "format_version": version}, tmp_path) == f"the file: Value error, {said}"
    assert (f"`{said}`" in DOC) == quoted


def test_a_plan_of_an_earlier_minor_is_read_without_the_new_fields(tmp_path: Path) -> None:
    document = {key: value for key, value in EXAMPLE.items() if key not in ("changes_digest", "estimate")}
    for version in ("1.2", "1.3"):
        plan = read_plan(written({**document, "format_version": version}, tmp_path))
        assert plan.estimate is None and plan.changes_digest == EXAMPLE["changes_digest"]


def test_the_example_plan_keeps_its_estimate(tmp_path: Path) -> None:
    estimate = read_plan(written(EXAMPLE, tmp_path)).estimate
    assert estimate is not None and (estimate.seconds, estimate.endpoints) == (0.0, {})
    assert EXAMPLE["estimate"] == {"seconds": 0.0, "endpoints": {}}
    assert '`{"seconds": 0.0, "endpoints": {}}`' in DOC


def test_the_recipe_holds_for_characters_beyond_ascii_and_for_the_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    """Written as they are, in UTF-8; the signature is the HMAC-SHA256 of the same bytes,
    keyed with the key's UTF-8 bytes."""
    document = copy.deepcopy(EXAMPLE)
    change_of(document["changes"], "member.create")["after"]["name"] = "Tom Fischér \u2603"
    key = "ключ" * PLAN_KEY_MIN_LENGTH
    sealed = signed(document, key, monkeypatch)
    assert "Fischér \u2603".encode() in canonical(sealed)
    assert sealed["digest"] == "sha256:" + hashlib.sha256(canonical(sealed)).hexdigest()
    mac = hmac.new(key.encode("utf-8"), canonical(sealed), hashlib.sha256).hexdigest()
    assert sealed["signature"] == "hmac-sha256:" + mac
    assert list(sealed)[-2:] == ["digest", "signature"]


def test_a_plan_changed_after_it_was_made_is_refused_as_documented(tmp_path: Path) -> None:
    document = copy.deepcopy(EXAMPLE)
    change_of(document["changes"], "member.update")["after"]["job"]["title"] = "CTO"
    line = printed(written(document, tmp_path, reseal=False))
    assert line == "error: plan.json: the plan was changed after it was made (its digest does not match): plan again"
    assert line in DOC
    document["changes_digest"] = changes_digest(document["changes"])
    read_plan(written(document, tmp_path))  # the forger's copy, digests computed again, is read


def signed_with_this_key(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    return signed(EXAMPLE, KEY, monkeypatch)


def signed_with_another_key(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    return signed(EXAMPLE, OTHER_KEY, monkeypatch)


def changed_and_digested_again(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What someone without the key can do to a signed plan: change it, compute the
    digest again, keep the signature."""
    document = signed(EXAMPLE, KEY, monkeypatch)
    change_of(document["changes"], "member.update")["after"]["job"]["title"] = "CTO"
    forged = seal(content_of(document))
    return {**forged, "signature": document["signature"]}


# The rows of the doc's table of who reads what, by their first cell.
SIGNING_CASES: dict[str, Callable[[pytest.MonkeyPatch], dict[str, Any]]] = {
    "not signed": lambda _: copy.deepcopy(EXAMPLE),
    "signed with this key": signed_with_this_key,
    "signed with another key, or changed and its digest computed again": signed_with_another_key,
}


@pytest.mark.parametrize("row", rows(DOC, "Plan"), ids=lambda row: row[0])
@pytest.mark.parametrize(("column", "key"), [(1, None), (2, KEY)], ids=["no key", "key set"])
def test_the_signature_table_says_what_orgstate_reads(
    row: list[str], column: int, key: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = [SIGNING_CASES[row[0]]]
    if row[0].startswith("signed with another key"):
        cases.append(changed_and_digested_again)
    for case in cases:
        document = case(monkeypatch)
        if key is not None:
            monkeypatch.setenv(PLAN_KEY_VARIABLE, key)
        path = written(document, tmp_path, reseal=False)
        if row[column] == "read":
            read_plan(path)
        else:
            assert row[column] == "refused"
            assert printed(path) in DOC
        monkeypatch.delenv(PLAN_KEY_VARIABLE, raising=False)


def test_the_signature_table_has_every_case() -> None:
    assert [row[0] for row in rows(DOC, "Plan")] == list(SIGNING_CASES)


# Each signature refusal: the key set while reading (or not), and the document.
SIGNATURE_REFUSALS: dict[str, tuple[str | None, Callable[[pytest.MonkeyPatch], dict[str, Any]]]] = {
    "error: plan.json: the plan is signed, but ORGSTATE_PLAN_KEY is not set to check its signature": (
        None,
        signed_with_this_key,
    ),
    "error: plan.json: the plan is not signed, but ORGSTATE_PLAN_KEY is set: only signed plans are read": (
        KEY,
        lambda _: copy.deepcopy(EXAMPLE),
    ),
    "error: plan.json: the plan's signature does not match: it was not made with this key, or was changed": (
        KEY,
        signed_with_another_key,
    ),
    "error: ORGSTATE_PLAN_KEY is too short: use at least 32 random characters": (
        "s" * (PLAN_KEY_MIN_LENGTH - 1),
        lambda _: copy.deepcopy(EXAMPLE),
    ),
}


@pytest.mark.parametrize("line", SIGNATURE_REFUSALS, ids=["not set", "not signed", "no match", "short key"])
def test_each_signature_refusal_is_quoted_as_orgstate_prints_it(
    line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, make = SIGNATURE_REFUSALS[line]
    document = make(monkeypatch)
    if key is not None:
        monkeypatch.setenv(PLAN_KEY_VARIABLE, key)
    assert printed(written(document, tmp_path, reseal=False)) == line
    assert line in DOC


def test_a_short_key_is_refused_when_signing_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PLAN_KEY_VARIABLE, "s" * (PLAN_KEY_MIN_LENGTH - 1))
    with pytest.raises(UsageError) as refused:
        seal(EXAMPLE)
    assert f"error: {refused.value}" in SIGNATURE_REFUSALS
    assert f"at least {PLAN_KEY_MIN_LENGTH} characters" in DOC
    assert f"A key shorter than {PLAN_KEY_MIN_LENGTH}\ncharacters is refused" in DOC


def test_an_empty_key_counts_as_no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    document = signed_with_this_key(monkeypatch)
    monkeypatch.setenv(PLAN_KEY_VARIABLE, "")
    assert "signature" not in seal(EXAMPLE)
    assert "is signed, but ORGSTATE_PLAN_KEY is not set" in printed(written(document, tmp_path, reseal=False))
    assert "An empty value counts as\nno key" in DOC


def test_a_signature_of_null_counts_as_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As the `signature` row says."""
    document = {**EXAMPLE, "signature": None}
    read_plan(written(document, tmp_path, reseal=False))
    monkeypatch.setenv(PLAN_KEY_VARIABLE, KEY)
    assert "is not signed" in printed(written(document, tmp_path, reseal=False))


def with_an_error_kept_applyable(document: dict[str, Any]) -> None:
    document["diagnostics"].append({"severity": "error", "rule": "SEAT-CAPACITY", "message": "full"})


def changes_digest(changes: list[dict[str, Any]]) -> str:
    """The changes digest as the doc describes it, written out from its words."""
    canonical = json.dumps(changes, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


def and_changes_digest(edit: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """An edit of the changes after which the forger computes the changes digest again too."""

    def edited(document: dict[str, Any]) -> None:
        edit(document)
        document["changes_digest"] = changes_digest(document["changes"])

    return edited


# Each edit of the doc's example that makes it not hold together; the doc quotes them all.
INCONSISTENT = {
    "an id twice": and_changes_digest(set_key("changes", "department.delete", "id", value="c0011")),
    "a dependency on a later change": and_changes_digest(
        set_key("changes", "member.update", "depends_on", value=["c0009"])
    ),
    "a fingerprint missing": set_key("fingerprints", "member.bob", delete=True),
    "a key that is not an address": set_key("fingerprints", "dept.eng", value=ABSENT),
    "contents of a member": set_key("fingerprints", "member.bob#contents", value=ABSENT),
    "a fingerprint no change needs": set_key("fingerprints", "member.nobody", value=ABSENT),
    "applyable with an error": with_an_error_kept_applyable,
    "a summary that does not count": set_key("summary", "member.create", value=2),
    "changes edited, their digest not": set_key("changes", "member.update", "reason", value="edited"),
}
INCONSISTENT_PREFIX = "error: plan.json: the plan is not consistent: "


def inconsistency(edit: Callable[[dict[str, Any]], None], tmp_path: Path) -> str:
    document = copy.deepcopy(EXAMPLE)
    edit(document)
    return printed(written(document, tmp_path))


@pytest.mark.parametrize("edit", INCONSISTENT.values(), ids=INCONSISTENT.keys())
def test_each_inconsistency_is_quoted_as_orgstate_prints_it(
    edit: Callable[[dict[str, Any]], None], tmp_path: Path
) -> None:
    line = inconsistency(edit, tmp_path)
    assert line.startswith(INCONSISTENT_PREFIX) and ";" not in line
    assert line in DOC


def test_every_inconsistency_quoted_is_one_orgstate_prints(tmp_path: Path) -> None:
    seen = {inconsistency(edit, tmp_path) for edit in INCONSISTENT.values()}
    quoted = {line for block in quoted_lines(DOC) for line in block if line.startswith(INCONSISTENT_PREFIX)}
    assert quoted == seen


def test_every_refusal_of_reading_quoted_is_one_orgstate_prints(tmp_path: Path) -> None:
    """No line the doc quotes for a plan orgstate will not read is made up."""
    seen = {inconsistency(edit, tmp_path) for edit in INCONSISTENT.values()} | set(SIGNATURE_REFUSALS)
    seen.add("error: plan.json: the plan was changed after it was made (its digest does not match): plan again")
    prefix = f"error: plan.json: not an orgstate plan (format {FORMAT_VERSION}): "
    quoted = [
        line
        for block in quoted_lines(DOC)
        for line in block
        if re.match(r"error: (plan\.json|ORGSTATE_PLAN_KEY)", line) and not line.startswith(prefix)
    ]
    assert len(quoted) == len(seen)
    assert set(quoted) == seen


def test_more_than_five_problems_are_counted(tmp_path: Path) -> None:
    """Without fingerprints, each of the example's changes is one problem."""
    document = copy.deepcopy(EXAMPLE)
    document["fingerprints"] = {}
    line = printed(written(document, tmp_path))
    problems = line.removeprefix(INCONSISTENT_PREFIX).split("; ")
    assert line.startswith(INCONSISTENT_PREFIX)
    assert problems[5:] == [f"and {len(EXAMPLE['changes']) - 5} more"]
    assert all(problem.startswith("fingerprints: nothing for ") for problem in problems[:5])
    assert "up to five of its problems separated\nby `; `, then `and N more`" in DOC


def test_a_cycle_is_refused(tmp_path: Path) -> None:
    """The doc says no dependency goes round in a circle: two changes that wait for each
    other, the first for a later one."""
    document = copy.deepcopy(EXAMPLE)
    and_changes_digest(set_key("changes", "department.create", "depends_on", value=["c0002"]))(document)
    assert printed(written(document, tmp_path)) == (
        INCONSISTENT_PREFIX + "changes: c0001 depends on c0002, which is not an earlier change of the plan"
    )


def test_what_consistency_does_not_ask_for(tmp_path: Path) -> None:
    """Ids numbered otherwise are read."""
    document = copy.deepcopy(EXAMPLE)
    renumber = {change["id"]: f"c{2 * int(change['id'][1:]) + 10:05d}" for change in document["changes"]}
    for change in document["changes"]:
        change["id"] = renumber[change["id"]]
        change["depends_on"] = [renumber[needed] for needed in change["depends_on"]]
    document["changes_digest"] = changes_digest(document["changes"])
    plan = read_plan(written(document, tmp_path))
    assert plan.changes[0].id == "c00012"
    assert "they need not run from `c0001`\nwithout gaps" in DOC


def test_the_checks_come_in_the_documented_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan that fails two checks is refused by the one the doc lists first."""
    steps = re.findall(r"^\d\. \*\*([^*]+?)\.?\*\*", section("## Reading a saved plan"), re.M)
    assert steps == ["JSON and the format", "The digest", "The signature", "Consistency"]

    not_a_plan = {**EXAMPLE, "extra": 1}  # and its digest no longer matches
    assert "Extra inputs" in printed(written(not_a_plan, tmp_path, reseal=False))

    inconsistent = copy.deepcopy(EXAMPLE)
    INCONSISTENT["a summary that does not count"](inconsistent)
    assert "its digest does not match" in printed(written(inconsistent, tmp_path, reseal=False))

    monkeypatch.setenv(PLAN_KEY_VARIABLE, KEY)
    assert "its digest does not match" in printed(written(inconsistent, tmp_path, reseal=False))  # and unsigned
    with monkeypatch.context() as patch:
        patch.setenv(PLAN_KEY_VARIABLE, OTHER_KEY)
        sealed_elsewhere = seal(inconsistent)
    assert "signature does not match" in printed(written(sealed_elsewhere, tmp_path, reseal=False))


def test_apply_refuses_a_plan_made_for_another_backend_as_documented(
    example_plan: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan names a Lark tenant; apply, told nothing, is set to the default."""
    document = json.loads(example_plan.read_text())
    document["backend"] = "lark:https://open.larksuite.com"
    where = example_plan.parent / "elsewhere"
    where.mkdir()
    (where / "plan.json").write_text(json.dumps(seal(document)))
    monkeypatch.delenv("ORGSTATE_BACKEND", raising=False)
    result = apply(where / "plan.json")
    assert result.returncode == 1
    assert result.stderr.strip() in DOC
    assert_quoted(result.stderr)
    assert sorted(path.name for path in where.iterdir()) == ["plan.json"]  # nothing opened


def test_two_spellings_of_one_tenant_are_the_same_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert same_backend("local:tenant.db", f"local:{tmp_path / 'tenant.db'}")
    assert same_backend("local:./x/../tenant.db", "local:tenant.db")
    assert same_backend("lark:https://open.larksuite.com", "lark:HTTPS://Open.LarkSuite.com/")
    assert not same_backend("lark:https://open.larksuite.com", "lark:https://open.feishu.cn")
    assert "resolved from the directory apply runs in, a `lark:` URL without regard to case or a\ntrailing slash" in DOC


def verified(document: dict[str, Any], key: str) -> bool:
    mac = hmac.new(key.encode(), canonical(document), hashlib.sha256).hexdigest()
    return document.get("signature") == f"hmac-sha256:{mac}"


def test_plan_signs_and_show_checks_with_the_key(
    example_plan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`plan --out` and `--format json` sign, `show --format json` seals again; without
    the key a signed plan is refused, and a short key refused when signing."""
    make = ("plan", "-f", str(EXAMPLES / "org.yaml"), "--backend", f"local:{example_plan.parent / 'tenant.db'}")
    monkeypatch.setenv(PLAN_KEY_VARIABLE, KEY)
    made = run_orgstate(*make, "--out", "plan.json", "--format", "json", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    shown = run_orgstate("show", "plan.json", "--format", "json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    for text in ((tmp_path / "plan.json").read_text(), made.stdout, shown.stdout):
        assert verified(json.loads(text), KEY)

    monkeypatch.delenv(PLAN_KEY_VARIABLE)
    refused = run_orgstate("show", "plan.json", cwd=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.strip() in SIGNATURE_REFUSALS

    monkeypatch.setenv(PLAN_KEY_VARIABLE, "s" * (PLAN_KEY_MIN_LENGTH - 1))
    short = run_orgstate(*make, "--out", "short.json", cwd=tmp_path)
    assert short.returncode == 1
    assert short.stderr.strip() in SIGNATURE_REFUSALS
    assert not (tmp_path / "short.json").exists()


# -- links -------------------------------------------------------------------------------


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("link", sorted(set(re.findall(r"\]\(([^)]+)\)", DOC))))
def test_each_link_resolves_within_the_repository(link: str) -> None:
    path, _, anchor = link.partition("#")
    target = (ROOT / "docs" / path).resolve() if path else ROOT / "docs" / "plan-format.md"
    assert target.is_relative_to(ROOT) and target.is_file(), link
    headings = re.findall(r"^#+ (.+)$", target.read_text(), re.M)
    assert not anchor or anchor in {slug(h) for h in headings}, link


def test_the_doc_names_no_path_outside_the_repository() -> None:
    assert not re.search(r"\.\./|SPEC\.md|STYLE\.md|\breference/", DOC)

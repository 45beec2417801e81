"""docs/configuration.md against the code: every key of the models is documented, every
documented key exists, and each documented default, enum and example agrees with the model.

The doc's key tables have the columns Key | Type | Default | Example | Description; the key
is the full path in backticks, `[]` for list items and `<...>` for keys the user chooses.
"""

from __future__ import annotations

import re
import tomllib
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pytest
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model

from orgstate.appliers.urls import DEFAULT_BACKEND
from orgstate.cli import DEFAULT_CONFIG_PATHS, SETTINGS
from orgstate.config.yamlsafe import parse_yaml
from orgstate.model.config import Member, MemberFields, OrgConfig
from orgstate.model.live import LiveMember, TenantState
from orgstate.statestore.store import DEFAULT_STATE
from orgstate.tenant.fixture import check_fixture
from tests.conftest import ROOT

DOC = ROOT / "docs" / "configuration.md"
CONFIG, FIXTURE, TOML = "The configuration language", "The tenant fixture", "Settings: orgstate.toml"
COLUMNS = ["Key", "Type", "Default", "Example", "Description"]
NO_DEFAULT: Any = object()
# The snapshot model allows no founder (the Open API cannot name one); a fixture must.
REQUIRED_IN_FIXTURE = {"tenant.founder"}


@dataclass(frozen=True)
class Key:
    """One key path of a model: the type of its value and its default (NO_DEFAULT: required)."""

    annotation: Any
    default: Any = NO_DEFAULT
    chosen: bool = False  # a mapping key the user chooses (`<...>` in the doc)


@dataclass(frozen=True)
class Row:
    key: str  # as the doc spells it
    type: str
    default: str
    example: str


def model_keys(model: type[BaseModel], prefix: str = "") -> dict[str, Key]:
    """Every key path of a model, walking nested models through Optional, tuple and dict."""
    keys: dict[str, Key] = {}
    for name, field in model.model_fields.items():
        if model is LiveMember and name == "member":  # a live member is written flat
            keys.update(model_keys(MemberFields, prefix))
            continue
        path = prefix + name
        annotation = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
        default = NO_DEFAULT if field.is_required() else field.get_default(call_default_factory=True)
        keys[path] = Key(annotation, default)
        keys.update(_nested(field.annotation, path))
    return keys


def _nested(annotation: Any, path: str) -> dict[str, Key]:
    origin, args = get_origin(annotation), get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_keys(annotation, path + ".")
    if origin is tuple:
        return _nested(args[0], path + "[]")
    if origin is dict:
        return {f"{path}.<>": Key(args[1], chosen=True), **_nested(args[1], f"{path}.<>")}
    if origin is Annotated:
        return _nested(args[0], path)
    if origin in (Union, types.UnionType):
        return {found: key for arg in args for found, key in _nested(arg, path).items()}
    return {}


def literals(annotation: Any) -> list[Any]:
    """The enum values a key takes (Literal members), through Optional and tuple; a mapping's
    values are listed on its `<...>` row."""
    if get_origin(annotation) is Literal:
        return list(get_args(annotation))
    if get_origin(annotation) is dict or (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return []
    return [value for arg in get_args(annotation) for value in literals(arg)]


def normalized(key: str) -> str:
    return re.sub(r"<[^>]*>", "<>", key)


def code_spans(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def doc_tables(text: str) -> dict[str, dict[str, Row]]:
    """Level-2 heading -> normalized key path -> row, from every table whose first header is Key."""
    tables: dict[str, dict[str, Row]] = {}
    heading, columns, fenced = "", None, False
    for line in text.splitlines():
        fenced ^= line.startswith("```")
        if fenced:
            continue
        if line.startswith("## "):
            heading = line[3:].strip()
        if not line.startswith("|"):
            columns = None
            continue
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip()[1:-1])]
        if columns is None:
            columns = cells
            assert cells[0] != "Key" or cells == COLUMNS, f"a key table under '{heading}' has columns {cells}"
        elif columns == COLUMNS and not set(cells[0]) <= set("-: "):
            assert len(cells) == len(COLUMNS), f"a row under '{heading}' has {len(cells)} cells: {line}"
            (key,) = code_spans(cells[0]) or [cells[0]]
            section = tables.setdefault(heading, {})
            assert normalized(key) not in section, f"'{key}' is documented twice under '{heading}'"
            section[normalized(key)] = Row(key, *cells[1:4])
    return tables


def compare(documented: Iterable[str], keys: Mapping[str, Key], optional: Iterable[str] = ()) -> tuple[list, list]:
    """(model keys the doc leaves out, documented keys the model lacks); `optional` keys may be left out."""
    documented = set(documented)
    return sorted(set(keys) - documented - set(optional)), sorted(documented - set(keys))


def default_problem(path: str, cell: str, key: Key, required: bool = False) -> str | None:
    """What is wrong with a Default cell, or None (conventions: see "How to read the key tables")."""
    if key.chosen:
        return None if cell == "—" else f"{path}: a chosen key has no default; write —, not {cell!r}"
    if key.default is NO_DEFAULT or required:
        return None if cell.startswith("required") else f"{path}: required, but the doc says {cell!r}"
    if cell.startswith("required"):
        return f"{path}: the doc says required, but the default is {key.default!r}"
    if key.default is None and cell.startswith("omitted"):
        return None
    spans = code_spans(cell)
    if not spans:
        return f"{path}: the default {key.default!r} is not written as a YAML value in {cell!r}"
    try:
        value = TypeAdapter(key.annotation).validate_python(parse_yaml(spans[0].encode()))
    except ValidationError:
        return f"{path}: the documented default `{spans[0]}` is not a valid value"
    return None if value == key.default else f"{path}: the doc says `{spans[0]}`, the model {key.default!r}"


def example_problem(path: str, cell: str, key: Key) -> str | None:
    spans = code_spans(cell)
    if not spans:
        return f"{path}: no example"
    document = parse_yaml(spans[0].encode())
    if not isinstance(document, dict) or len(document) != 1:
        return f"{path}: the example `{spans[0]}` is not one `key: value`"
    ((name, value),) = document.items()
    if not key.chosen and name != path.rsplit(".", 1)[-1]:
        return f"{path}: the example `{spans[0]}` sets '{name}'"
    try:
        TypeAdapter(key.annotation).validate_python(value)
    except ValidationError as exc:
        return f"{path}: the example `{spans[0]}` is invalid: {exc.errors()[0]['msg']}"
    return None


TEXT = DOC.read_text(encoding="utf-8")
TABLES = doc_tables(TEXT)
CONFIG_KEYS = model_keys(OrgConfig)
FIXTURE_KEYS = model_keys(TenantState)
# Fixture keys identical to configuration keys may be left to the configuration's tables.
SHARED = {path for path, key in FIXTURE_KEYS.items() if CONFIG_KEYS.get(path) == key}
MODELS = {CONFIG: (CONFIG_KEYS, set()), FIXTURE: (FIXTURE_KEYS, SHARED)}


def test_key_tables_are_where_the_test_looks() -> None:
    assert set(TABLES) == {CONFIG, FIXTURE, TOML}


@pytest.mark.parametrize("section", [CONFIG, FIXTURE])
def test_every_key_is_documented_and_every_documented_key_exists(section: str) -> None:
    keys, optional = MODELS[section]
    missing, extra = compare(TABLES[section], keys, optional)
    assert not missing, f"not documented under '{section}' in {DOC.name}: {', '.join(missing)}"
    assert not extra, f"documented under '{section}' but not in the model: {', '.join(extra)}"


@pytest.mark.parametrize("section", [CONFIG, FIXTURE])
def test_documented_defaults_match_the_model(section: str) -> None:
    keys, _ = MODELS[section]
    required = REQUIRED_IN_FIXTURE if section == FIXTURE else set()
    problems = [
        default_problem(path, row.default, keys[path], path in required)
        for path, row in TABLES[section].items()
        if path in keys
    ]
    assert not list(filter(None, problems)), "\n".join(filter(None, problems))


@pytest.mark.parametrize("section", [CONFIG, FIXTURE])
def test_documented_examples_are_valid_values(section: str) -> None:
    keys, _ = MODELS[section]
    problems = [example_problem(path, row.example, keys[path]) for path, row in TABLES[section].items() if path in keys]
    assert not list(filter(None, problems)), "\n".join(filter(None, problems))


@pytest.mark.parametrize("section", [CONFIG, FIXTURE])
def test_every_enum_value_is_listed(section: str) -> None:
    keys, _ = MODELS[section]
    unlisted = [
        f"{path}: `{value}`"
        for path, row in TABLES[section].items()
        if path in keys
        for value in literals(keys[path].annotation)
        if (str(value).lower() if isinstance(value, bool) else str(value)) not in code_spans(row.type)
    ]
    assert not unlisted, f"enum values missing from the Type column: {', '.join(unlisted)}"


def int_bounds(annotation: Any) -> tuple[int | None, int | None] | None:
    """(minimum, maximum) of an int key, through Optional and Annotated; None for another key."""
    schema = TypeAdapter(annotation).json_schema()
    ints = [option for option in schema.get("anyOf", [schema]) if option.get("type") == "integer"]
    if not ints or "const" in ints[0]:
        return None
    return ints[0].get("minimum"), ints[0].get("maximum")


DOCUMENTED_BOUNDS = re.compile(r"int(?:,| from) (-?[\d,]+) to (-?[\d,]+)")


def bounds_problem(path: str, cell: str, key: Key) -> str | None:
    """What is wrong with the Type cell of an int key: every int has both bounds in the
    model (a number past them is a located error, never an overflow), and the doc says them."""
    bounds = int_bounds(key.annotation)
    if bounds is None:
        return None
    if None in bounds:
        return f"{path}: the model leaves the int unbounded: {bounds}"
    found = DOCUMENTED_BOUNDS.search(cell)
    documented = found and tuple(int(number.replace(",", "")) for number in found.groups())
    return None if documented == bounds else f"{path}: the doc says {cell!r}, the model {bounds[0]:,} to {bounds[1]:,}"


@pytest.mark.parametrize("section", [CONFIG, FIXTURE])
def test_every_int_is_bounded_and_documented_with_its_bounds(section: str) -> None:
    keys, _ = MODELS[section]
    ints = [path for path, key in keys.items() if int_bounds(key.annotation) is not None]
    assert ints, "no int keys found: the walk is broken"
    problems = [
        bounds_problem(path, TABLES[section][path].type, keys[path]) for path in ints if path in TABLES[section]
    ]
    assert not list(filter(None, problems)), "\n".join(filter(None, problems))


def test_settings_match_what_the_cli_reads() -> None:
    rows = TABLES[TOML]
    assert set(rows) == set(SETTINGS)
    for name, row in rows.items():
        assert set(tomllib.loads(code_spans(row.example)[0])) == {name}, row.example
    defaults = {"backend": DEFAULT_BACKEND, "state": DEFAULT_STATE, "config": DEFAULT_CONFIG_PATHS[0]}
    assert {name: code_spans(row.default)[0] for name, row in rows.items()} == defaults


def yaml_blocks(text: str) -> list[str]:
    return re.findall(r"^```yaml\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


@pytest.mark.parametrize("block", yaml_blocks(TEXT), ids=lambda block: block.splitlines()[0][:40])
def test_yaml_examples_parse_and_whole_documents_validate(block: str) -> None:
    document = parse_yaml(block.encode())
    if isinstance(document, dict) and "tenant" in document:
        state = TenantState.model_validate(document)
        assert not [d.message for d in check_fixture(state)]
    elif isinstance(document, dict) and {"version", "org"} <= document.keys():  # a whole configuration
        OrgConfig.model_validate(document)


def test_the_doc_stands_on_its_own() -> None:
    for outside in ("SPEC", "../", "reference/"):
        assert outside not in TEXT, f"{DOC.name} points outside the repository: {outside}"


# -- the checks themselves catch what they are for ------------------------------------------


class _MemberPlus(Member):
    nickname: str | None = None


class _ConfigPlus(OrgConfig):
    members: tuple[_MemberPlus, ...] = ()


_ConfigLess = create_model(  # OrgConfig without its offboarding section
    "_ConfigLess", **{n: (f.annotation, f) for n, f in OrgConfig.model_fields.items() if n != "offboarding"}
)


@pytest.mark.parametrize(
    ("model", "missing", "extra"),
    [
        (OrgConfig, [], []),
        (_ConfigPlus, ["members[].nickname"], []),
        (_ConfigLess, [], sorted(k for k in CONFIG_KEYS if k.startswith("offboarding"))),
    ],
    ids=["as is", "field added", "section removed"],
)
def test_the_comparison_reports_model_changes(model: type[BaseModel], missing: list, extra: list) -> None:
    assert compare(TABLES[CONFIG], model_keys(model)) == (missing, extra)


class _Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")

    flag: bool = False


class _Demo(BaseModel):
    name: str
    size: int = Field(default=3, ge=0)
    inner: _Inner = _Inner()
    items: tuple[_Inner, ...] | None = None
    tags: dict[str, int] = Field(default_factory=dict)


def test_the_walk_finds_nested_keys() -> None:
    expected = ["name", "size", "inner", "inner.flag", "items", "items[].flag", "tags", "tags.<>"]
    assert list(model_keys(_Demo)) == expected


@pytest.mark.parametrize(
    ("path", "cell", "wrong"),
    [
        ("size", "`3`", False),
        ("size", "`4`", True),
        ("size", "`-1`", True),
        ("size", "required", True),
        ("name", "required", False),
        ("name", "`x`", True),
        ("inner", "`{}`", False),
        ("inner", "`{flag: true}`", True),
        ("inner.flag", "`false`", False),
        ("items", "`null`", False),
        ("items", "omitted: none", False),
        ("items", "`[]`", True),
        ("tags", "`{}`", False),
        ("tags.<>", "—", False),
        ("tags.<>", "`0`", True),
    ],
)
def test_default_problem(path: str, cell: str, wrong: bool) -> None:
    assert (default_problem(path, cell, model_keys(_Demo)[path]) is not None) == wrong


class _Numbers(BaseModel):
    open_ended: int = Field(default=0, ge=0)
    bounded: Annotated[int, Field(ge=1, le=365)] = 7
    maybe: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    ratio: float = Field(default=0.5, ge=0, le=1)


@pytest.mark.parametrize(
    ("path", "cell", "wrong"),
    [
        ("open_ended", "int, 0 or more", True),
        ("bounded", "int from 1 to 365", False),
        ("bounded", "int from 1 to 366", True),
        ("bounded", "int, 0 or more", True),
        ("maybe", "int, 0 to 2,147,483,647", False),
        ("maybe", "int, 0 to 2,147,483,648", True),
        ("ratio", "float from 0 to 1", False),
    ],
)
def test_bounds_problem(path: str, cell: str, wrong: bool) -> None:
    assert (bounds_problem(path, cell, model_keys(_Numbers)[path]) is not None) == wrong


@pytest.mark.parametrize(
    ("path", "cell", "wrong"),
    [
        ("size", "`size: 4`", False),
        ("size", "`size: -4`", True),
        ("size", "`count: 4`", True),
        ("inner", "`inner: {flag: true}`", False),
        ("inner", "`inner: {colour: red}`", True),
        ("tags.<>", "`anything: 2`", False),
        ("tags.<>", "`anything: two`", True),
        ("name", "", True),
    ],
)
def test_example_problem(path: str, cell: str, wrong: bool) -> None:
    assert (example_problem(path, cell, model_keys(_Demo)[path]) is not None) == wrong

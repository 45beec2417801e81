"""The YAML reader: both paths agree, the safety limits hold, locations are exact."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from orgstate.config.loader import load_config
from orgstate.config.yamlsafe import (
    MAX_DEPTH,
    SYNTAX_ERROR,
    YamlProblem,
    _EventConstructor,
    _parse_fast,
    locate,
    needs_reference_reader,
    parse_yaml,
    resolve_plain,
)


def reference(data: bytes) -> object:
    return _EventConstructor(data).construct()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("null", None),
        ("", None),
        ("true", True),
        ("false", False),
        ("40", 40),
        ("-3", -3),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        # YAML 1.1 would turn these into booleans, dates, octals or null.
        ("no", "no"),
        ("NO", "NO"),
        ("yes", "yes"),
        ("True", "True"),
        ("~", "~"),
        ("007", "007"),
        ("0x1F", "0x1F"),
        ("2026-01-01", "2026-01-01"),
        ("+15550100001", "+15550100001"),
        (".inf", ".inf"),
    ],
)
def test_plain_scalars_follow_the_json_schema(text: str, expected: object) -> None:
    assert resolve_plain(text) == expected
    document = f"value: {text}\n".encode()
    assert reference(document) == {"value": expected}
    assert parse_yaml(document) == {"value": expected}


@pytest.mark.parametrize(
    ("document", "special"),
    [
        (b"a: 1\n", False),
        (b"ignore: [svc-*]\nname: R&D\ntitle: Wow!\n", False),
        (b'glob: "*"\n', False),
        (b"a: &x 1\nb: *x\n", True),
        (b"a: [*x]\n", True),
        (b"a: !tag 1\n", True),
        (b"---\na: 1\n", True),
        (b"a: 1\n---\nb: 2\n", True),
        (b"%YAML 1.2\n---\na: 1\n", True),
    ],
)
def test_the_byte_scan_sends_special_documents_to_the_reference_reader(document: bytes, special: bool) -> None:
    assert needs_reference_reader(document) is special


def test_duplicate_keys_are_located_on_both_paths() -> None:
    document = b"members:\n  - id: a\n    name: A\n    name: B\n"
    with pytest.raises(ValueError):
        _parse_fast(document)  # the fast path notices and defers
    with pytest.raises(YamlProblem) as caught:
        parse_yaml(document)
    assert caught.value.duplicate_key
    assert (caught.value.line, caught.value.column) == (4, 5)
    assert caught.value.path == ("members", 0, "name")


def billion_laughs(levels: int = 9) -> bytes:
    lines = [b'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        name, previous = chr(ord("a") + level).encode(), chr(ord("a") + level - 1).encode()
        lines.append(name + b": &" + name + b" [" + b", ".join([b"*" + previous] * 9) + b"]")
    return b"\n".join(lines) + b"\n"


def nested(levels: int) -> bytes:
    return b"a: " + b"[" * levels + b"]" * levels + b"\n"


# Each unsafe or broken document, the rule it is reported under, the line, and
# orgstate's own words for what was refused (never only a parser's wording).
REFUSED = [
    (b"a: !!python/object:os.system 1\n", "CFG-SCHEMA", 1, "tags are not allowed"),
    (b"a: 1\nb: !custom x\n", "CFG-SCHEMA", 2, "tags are not allowed"),
    (b"a: 1\n---\nb: 2\n", "CFG-SCHEMA", 2, "a file holds one YAML document"),
    (b"a: *nowhere\n", "CFG-SCHEMA", 1, "unknown alias '*nowhere'"),
    (b"a: [1, 2\n", "CFG-SCHEMA", 2, f"{SYNTAX_ERROR}: "),
    (b"a: b: c\n", "CFG-SCHEMA", 1, f"{SYNTAX_ERROR}: "),
    (b"? [a, b]\n: 1\n", "CFG-SCHEMA", 1, "a mapping key must be a plain string"),
    (b"a: 1\na: 2\n", "CFG-DUPLICATE-KEY", 2, "duplicate key 'a'"),
    # Deeper than libyaml (1,000 levels) and the JSON decoder accept: orgstate's limit speaks first.
    (nested(20_000), "CFG-SCHEMA", 1, f"nesting deeper than {MAX_DEPTH} levels"),
    (nested(MAX_DEPTH + 1), "CFG-SCHEMA", 1, f"nesting deeper than {MAX_DEPTH} levels"),
    (b"a:\n" + b"- " * (MAX_DEPTH + 1) + b"x\n", "CFG-SCHEMA", 2, f"nesting deeper than {MAX_DEPTH} levels"),
    # Brackets in quotes and comments are text, not nesting.
    (b'a: "' + b"[" * 2000 + b'" # ' + b"{" * 2000 + b"\nb: c: d\n", "CFG-SCHEMA", 2, f"{SYNTAX_ERROR}: "),
    (billion_laughs(), "CFG-SCHEMA", 6, "(a 'billion laughs' document?)"),
]


@pytest.mark.parametrize(("document", "rule", "line", "words"), REFUSED)
def test_unsafe_or_broken_documents_fail_with_orgstates_own_located_message(
    tmp_path: Path, document: bytes, rule: str, line: int, words: str
) -> None:
    with pytest.raises(YamlProblem) as caught:
        parse_yaml(document)
    assert words in caught.value.message
    assert caught.value.line == line
    path = tmp_path / "org.yaml"
    path.write_bytes(document)
    [diagnostic] = load_config([path]).diagnostics
    assert (diagnostic.rule, diagnostic.file, diagnostic.line) == (rule, str(path), line)
    assert words in diagnostic.message


def test_nesting_up_to_the_limit_reads_the_same_on_both_paths() -> None:
    document = nested(MAX_DEPTH - 1)  # the mapping holding `a` is one level more
    assert parse_yaml(document) == reference(document)
    assert not needs_reference_reader(document)


def test_modest_aliases_are_allowed() -> None:
    document = b"defaults: &d {country: US, city: Seattle}\na: *d\nb: *d\n"
    assert parse_yaml(document) == {"defaults": {"country": "US", "city": "Seattle"}} | {
        "a": {"country": "US", "city": "Seattle"},
        "b": {"country": "US", "city": "Seattle"},
    }


LOCATE_DOC = b"""\
version: 1
members:
  - id: alice
    job:
      manager: bob
  - {id: bob, name: Bob}
"""


@pytest.mark.parametrize(
    ("path", "position"),
    [
        ((), (1, 1)),
        (("version",), (1, 1)),
        (("members",), (2, 1)),
        (("members", 0), (3, 5)),
        (("members", 0, "job", "manager"), (5, 7)),
        (("members", 1, "name"), (6, 15)),
        # A missing key is located at its nearest ancestor.
        (("members", 1, "department"), (6, 5)),
        (("members", 7, "id"), (2, 1)),
    ],
)
def test_locate_finds_keys_and_items(path: tuple[str | int, ...], position: tuple[int, int]) -> None:
    assert locate(LOCATE_DOC, [path]) == {path: position}


scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=False, allow_infinity=False, width=32).filter(lambda f: math.isfinite(f))
    | st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
)
keys = st.text(
    st.characters(whitelist_categories=("Ll", "Lu", "Nd"), whitelist_characters="_-"), min_size=1, max_size=8
)
documents = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4), max_leaves=20
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(keys, documents, min_size=1, max_size=5))
def test_json_documents_read_back_exactly(data: dict[str, object]) -> None:
    text = json.dumps(data, ensure_ascii=False).encode()  # JSON is YAML 1.2
    assert reference(text) == data
    assert parse_yaml(text) == data


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(keys, documents, min_size=1, max_size=5), st.booleans())
def test_fast_and_reference_readers_agree(data: dict[str, object], flow: bool) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True, sort_keys=False).encode()
    assert parse_yaml(text) == reference(text)


def test_dates_stay_strings_for_the_models_to_parse() -> None:
    assert parse_yaml(b"starts: 2026-01-01\n") == {"starts": "2026-01-01"}
    assert dt.date.fromisoformat("2026-01-01")  # what pydantic does with it

"""The YAML reader: both paths agree, the safety limits hold, locations are exact."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from orgstate.config.loader import load_config
from orgstate.config.yamlsafe import (
    MAX_DEPTH,
    MAX_INT,
    SYNTAX_ERROR,
    TOO_DEEP,
    FastPathDeclined,
    YamlProblem,
    _parse_fast,
    locate,
    parse_yaml,
    read_fast,
    read_reference,
    resolve_plain,
)

reference = read_reference


def takes_fast_path(document: bytes) -> bool:
    try:
        read_fast(document)
    except FastPathDeclined:
        return False
    return True


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
    ("document", "fast"),
    [
        (b"a: 1\n", True),
        (b"ignore: [svc-*]\nname: R&D\ntitle: Wow!\n", True),
        (b'glob: "*"\n', True),
        (b'{"id": "alice", "tags": ["*-bot"]}\n', True),
        (b"a: 1\r\nb: [x, y]\r\n", True),
        (b"\xef\xbb\xbfa: 1\n", True),
        (b"a: &x 1\nb: *x\n", False),
        (b"a: [*x]\n", False),
        (b'{"title": *ceo}\n', False),
        (b'{"title":*ceo}\n', False),
        (b"a: !tag 1\n", False),
        (b"\xef\xbb\xbf!!python/object/apply:os.system [x]\n", False),
        (b"---\na: 1\n", False),
        (b"a: 1\n---\nb: 2\n", False),
        (b"%YAML 1.2\n---\na: 1\n", False),
        (b"a:\tb\n", False),
        (b"a: 1\rb: 2\r", False),
        ("a: x\u2028b: y\n".encode(), False),
        (b"a: 0e5\n", False),
        (b"a: nan\n", False),
        (b"a: @x\n", False),
        (b"a: ]x\n", False),
        (b"- 'x' - y\n", False),
        (b"{a\n : 1}\n", False),
        (b"a: 99999999999999999999\n", False),
    ],
)
def test_the_fast_path_takes_plain_documents_only(document: bytes, fast: bool) -> None:
    """The fast path reads plain documents; it leaves to the reference reader what only
    that reader handles and what rapidyaml reads its own way. Either way the two agree."""
    assert takes_fast_path(document) is fast
    try:
        expected: object = ("value", reference(document))
    except YamlProblem as problem:
        expected = ("problem", problem)
    try:
        assert ("value", parse_yaml(document)) == expected
    except YamlProblem as problem:
        assert ("problem", problem) == expected


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


@pytest.mark.parametrize(
    "document",
    [
        nested(MAX_DEPTH - 1),  # the mapping holding `a` is one level more
        b"a:\n" + b"".join(b"  " * i + b"- " + b"x:\n" for i in range(1, MAX_DEPTH // 2 - 1)),
        b"a:\n" + b"- " * (MAX_DEPTH - 2) + b"x\n",
        b"a: " + b"[\n" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1) + b"\n",
    ],
    ids=["flow", "block", "compact", "flow over lines"],
)
def test_nesting_up_to_the_limit_reads_the_same_on_both_paths(document: bytes) -> None:
    assert parse_yaml(document) == reference(document)


@pytest.mark.parametrize("levels", [MAX_DEPTH, MAX_DEPTH + 1])
@pytest.mark.parametrize(
    "shape",
    [
        lambda n: b"a: " + b"[" * n + b"]" * n + b"\n",
        lambda n: b"".join(b" " * i + b"k:\n" for i in range(n)) + b" " * n + b"v: 1\n",
        lambda n: b"- " * n + b"x\n",
        lambda n: (
            b"".join(b" " * i + b"k:\n" for i in range(n // 2))
            + b" " * (n // 2)
            + b"v: "
            + b"[" * (n - n // 2)
            + b"]" * (n - n // 2)
            + b"\n"
        ),
    ],
    ids=["flow", "block", "compact", "block then flow"],
)
def test_the_depth_limit_is_the_same_on_both_paths(levels: int, shape: Callable[[int], bytes]) -> None:
    """Just past MAX_DEPTH both readers refuse, where it happens; just within both read."""
    document = shape(levels)
    try:
        expected = reference(document)
    except YamlProblem as problem:
        assert TOO_DEEP in problem.message
        with pytest.raises(YamlProblem) as caught:
            parse_yaml(document)
        assert caught.value == problem
        with pytest.raises(FastPathDeclined):
            read_fast(document)
    else:
        assert parse_yaml(document) == expected


@pytest.mark.parametrize(
    ("digits", "value"),
    [(str(MAX_INT), MAX_INT), (f"-{MAX_INT}", -MAX_INT), (str(MAX_INT + 1), None), ("9" * 5000, None)],
    ids=["max", "min", "one more", "5,000 digits"],
)
def test_integers_past_64_bits_are_refused_where_they_stand(digits: str, value: int | None) -> None:
    document = f"a: 1\nbig: {digits}\n".encode()
    if value is not None:
        assert parse_yaml(document) == reference(document) == {"a": 1, "big": value}
        return
    for read in (parse_yaml, reference):
        with pytest.raises(YamlProblem) as caught:
            read(document)  # never the ValueError of int() on 5,000 digits
        assert (caught.value.line, caught.value.column, caught.value.path) == (2, 6, ("big",))
        assert "is out of range" in caught.value.message and len(caught.value.message) < 200
    with pytest.raises(FastPathDeclined):
        read_fast(document)
    assert parse_yaml(f'big: "{digits}"\n'.encode()) == {"big": digits}  # quoted, it is text


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
    # U+FFFE and U+FFFF are not characters YAML can carry (both readers refuse them).
    | st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"), max_size=12)
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


@pytest.mark.parametrize("character", ["\ufffe", "\uffff"])
def test_a_non_character_is_refused_by_both_readers_with_a_location(character: str) -> None:
    """Found by the property above: JSON carries them, YAML does not."""
    text = json.dumps({"a": character}, ensure_ascii=False).encode()
    for read in (reference, parse_yaml):
        with pytest.raises(YamlProblem) as refused:
            read(text)
        refused.value.__traceback__ = None  # an exception's traceback can be set (it once was frozen)
        assert (refused.value.line, refused.value.column) == (1, 1)

"""A pull request's YAML is untrusted: the fast reader and the reference reader must read
every document alike (the same value, or the same located problem), or a document could
mean one thing to a reviewer's tools and another to orgstate. Hypothesis writes hostile
documents (byte-order marks, tags, anchors and aliases, quoted keys, flow collections,
several documents, huge numbers, deep nesting, odd characters) and compares the readers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgstate.config.yamlsafe import (
    MAX_DEPTH,
    FastPathDeclined,
    YamlProblem,
    parse_yaml,
    read_fast,
    read_reference,
)
from tests.conftest import MINIMAL, run_orgstate


def typed(value: Any) -> Any:
    """A value with its types spelled out: 1, 1.0 and True differ, and so do -0.0 and 0.0."""
    if isinstance(value, dict):
        return ("map", [(key, typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("seq", [typed(item) for item in value])
    return (type(value).__name__, repr(value))


def reading(read: Any, data: bytes) -> tuple[Any, ...]:
    """What a reader makes of a document; anything but a value or a YamlProblem fails the test."""
    try:
        return ("value", typed(read(data)))
    except YamlProblem as problem:
        return ("problem", problem.message, problem.line, problem.column, problem.path)


def assert_read_alike(data: bytes) -> None:
    expected = reading(read_reference, data)
    assert reading(parse_yaml, data) == expected
    try:
        fast = read_fast(data)
    except FastPathDeclined:
        return
    assert ("value", typed(fast)) == expected


# -- documents -------------------------------------------------------------------------

PLAIN = ["a", "x y", "Alice Liu", "alice@acme.example", "+15550100001", "2026-01-01", "svc-*", "R&D", "O'Brien"]
NUMBERS = ["0", "-0", "7", "007", "1.5", "1.", ".5", "-.5", "1e3", "0e5", "0E1", "-0e5", "0x1F", "1_000", "+1"]
HUGE = [str(2**63 - 1), str(-(2**63) + 1), str(2**63), "9" * 20, "9" * 5000, "-" + "9" * 400]
SPECIAL = ["nan", "NaN", ".nan", ".NaN", "inf", "-inf", ".Inf", "-.INF", "infinity", "null", "Null", "~", "true", "no"]
INDICATORS = ["*a", "&a x", "&a", "!t x", "!!str x", "!!python/object/apply:os.system [x]", "! x", "@x", "`x", "%x"]
INDICATORS += ["|", ">", "? x", ": x", "-", "- x", "]x", "}x", ",x", "x]", "x #c", "#c", "a:b", "a: b", "x - y"]
QUOTED = ['""', "''", '"a"', "'a'", '"a\\"b"', '"\\e"', '"\\q"', '"\\x41"', '"\\u00e9"', '"\\N"', '"\\/"', "'it''s'"]
QUOTED += ['"a\nb"', "'a\n b'", '"a\\\nb"', '"*"', "'@x'", '"]x"', '"0e5"', '"nan"']
ODD = ["é", "李伟", "😀", "\u00a0x", "\u0085", "\u2028", "\u2029", "\ufeff", "\ufffe", "\u200b", "\x7f", "\x01", "\t"]
ODD += ["x\ty", "\r", "x\r\ny"]
SCALARS = PLAIN + NUMBERS + HUGE + SPECIAL + INDICATORS + QUOTED + ODD
KEYS = ["a", "b", "id", '"a"', "'a'", '""', "1", "null", "nan", "0e1", "a b", "é", "&k a", "*k", "!t a", "@k", "? a"]
KEYS += ["[a]", "{a: 1}", "\ufeffk", "x]", "}x", "-a", '"x: y"', "k" * 1030]

scalars = st.sampled_from(SCALARS) | st.text(st.sampled_from(list("ab09 .-_:,'\"#[]{}&*!@|é\t")), max_size=6)
keys = st.sampled_from(KEYS) | scalars
nodes = st.recursive(
    scalars.map(lambda text: ("scalar", text)),
    lambda inner: (
        st.lists(inner, max_size=3).map(lambda items: ("seq", items))
        | st.lists(st.tuples(keys, inner), max_size=3).map(lambda items: ("map", items))
    ),
    max_leaves=10,
)


def render(node: tuple[str, Any], indent: int, flow: bool) -> str:
    kind, payload = node
    if kind == "scalar":
        return str(payload)
    pad = " " * indent
    if kind == "seq":
        if flow or not payload:
            return "[" + ", ".join(render(item, 0, True) for item in payload) + "]"
        return "".join(f"\n{pad}- {render(item, indent + 2, False).lstrip(' ')}" for item in payload)
    if flow or not payload:
        return "{" + ", ".join(f"{key}: {render(value, 0, True)}" for key, value in payload) + "}"
    entries = []
    for key, value in payload:
        text = render(value, indent + 2, False)
        entries.append(f"\n{pad}{key}:{'' if text.startswith(chr(10)) else ' '}{text}")
    return "".join(entries)


def nesting(levels: int, shape: str) -> str:
    if shape == "flow":
        return "k: " + "[" * levels + "]" * levels + "\n"
    if shape == "flow over lines":
        return "k: " + "[\n" * levels + "]" * levels + "\n"
    if shape == "block":
        return "".join(" " * i + f"k{i}:\n" for i in range(levels)) + " " * levels + "v: 1\n"
    return "- " * levels + "x\n"


INSERTED = [*"&*!@`%|>?:-#'\"[]{}, \n\t\r\\", "---\n", "...\n"]


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    text = render(draw(nodes), 0, draw(st.booleans())).lstrip("\n")
    if draw(st.integers(0, 4)) == 0:
        levels = draw(st.sampled_from([MAX_DEPTH // 2 - 1, MAX_DEPTH // 2, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1]))
        text = nesting(levels, draw(st.sampled_from(["flow", "flow over lines", "block", "compact"]))) + text
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(INSERTED)) + text[at:]
    prefix = draw(st.sampled_from(["", "\ufeff", "---\n", "%YAML 1.2\n---\n", "# c\n", "\ufeff!!python/object:x\n"]))
    suffix = draw(st.sampled_from(["", "\n", "\n...\n", "\n---\nb: 2\n", " # c\n"]))
    text = prefix + text + suffix
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text.encode("utf-8", "surrogatepass")


PIECES = ["- ", "a: ", "b:", "? ", ": ", "x", "y z", "'q'", '"d"', '"e\\"f"', "'g''h'", "#c", " #c", "[", "]", "{", "}"]
PIECES += [", ", ",", "1", "0e1", "-1", "é", " ", "'", '"', "k: v", "- - ", "- a: ", "null", "\\", "O'Brien", "x]"]
PIECES += ["}y", "..", "--", "-x", ":x", "a:b", "&a ", "*a", "!t ", "@", "|", ">-"]


@st.composite
def line_documents(draw: st.DrawFn) -> bytes:
    lines = [
        " " * draw(st.integers(0, 5)) + "".join(draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=5)))
        for _ in range(draw(st.integers(1, 6)))
    ]
    return ("\n".join(lines) + draw(st.sampled_from(["", "\n", " \n"]))).encode()


HOSTILE = settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))


@HOSTILE
@given(documents())
def test_both_readers_read_hostile_documents_alike(data: bytes) -> None:
    assert_read_alike(data)


@HOSTILE
@given(line_documents())
def test_both_readers_read_hostile_lines_alike(data: bytes) -> None:
    assert_read_alike(data)


# Documents the two readers once read differently, each found by the tests above.
FOUND = [
    b"\xef\xbb\xbf!!python/object/apply:os.system ['echo hi']\n",
    b'{"title": *ceo}\n',
    b'{"a":*x}\n',
    b'{"a":!t 1}\n',
    b"\xef\xbb\xbf---\na: 1\n",
    b"a: 1\n--- \nb: 2\n",
    b"...\n- a\n",
    "a: x\u2029y\n".encode(),
    'a: "\u0085"\n'.encode(),
    "a: b\n\ufeffc: d\n".encode(),
    b"a:\tb\n",
    b": 1\n",
    b"a: @x\n",
    b"a: `x\n",
    b"a: ]x\n",
    b"- }x\n",
    b"a: 0e5\n",
    b"a: nan\n",
    b"a: .NaN\n",
    b"a: -.Inf\n",
    b"a: 99999999999999999999\n",
    b"a: " + b"9" * 5000 + b"\n",
    b"k: " + b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1) + b"\n",
    b"k" * 1100 + b": 1\n",
    b"{'a\n b': []}\n",
    b"{a\n : 1}\n",
    b"{a #b: []}\n",
    b"- 'g''h' - a: -1\n",
    b"- [a] - b: 1\n",
    b"{a:, b: 1}\n",
    b"['a\r\n :b':]\r\n",
    b"b:\r\n  'a\r\n b': b\r\n",
    b'# c\r\n"a"! # c\r\n',
    b"}}@{}",
    b"[[---\n---\na]]",
]


@pytest.mark.parametrize("data", FOUND, ids=lambda data: repr(data)[:40])
def test_documents_once_read_differently_are_read_alike(data: bytes) -> None:
    assert_read_alike(data)


@pytest.mark.parametrize(
    ("document", "line", "words"),
    [
        ("\ufeff!!python/object/apply:os.system ['echo pwned']\nversion: 1\n", 1, "tags are not allowed"),
        ("\ufeffversion: !!python/object/apply:os.system ['echo pwned']\n", 1, "tags are not allowed"),
        (MINIMAL.replace("Alice Liu", "{'title': *ceo}"), 6, "unknown alias '*ceo'"),
        (MINIMAL.replace("Alice Liu", '{"title": *ceo}'), 6, "unknown alias '*ceo'"),
        (MINIMAL.replace("Alice Liu", "9" * 5000), 6, "is out of range"),
    ],
    ids=["bom then tag", "bom and a tag inside", "alias in a flow mapping", "alias after a quoted key", "huge number"],
)
def test_validate_refuses_them_with_a_located_error(tmp_path: Path, document: str, line: int, words: str) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(document, encoding="utf-8")
    result = run_orgstate("validate", "-f", str(path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "pwned" not in result.stdout + result.stderr
    [first] = [row for row in result.stdout.splitlines() if row.startswith(f"{path}:{line}:")]
    assert "CFG-SCHEMA" in first and words in first and len(first) < 400

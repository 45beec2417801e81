"""The one escaper (render/escape.py): each format's function on the strings that would
act on a terminal, a markdown renderer or a browser, then properties over any text."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from orgstate.render.escape import (
    for_html,
    for_markdown,
    for_markdown_code,
    for_terminal,
    json_text,
)
from tests.render.test_drift_html import Node, parse

GFM = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
# What a reader could be fooled by, named independently of the implementation.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain name", "plain name"),
        ("\x1b]0;title\x07", "\\u001b]0;title\\u0007"),
        ("\x1b[2J", "\\u001b[2J"),
        ("\x9b2J", "\\u009b2J"),
        ("a\rb\bc\td\ne\f", "a\\rb\\bc\\td\\ne\\f"),
        ("\x00\x7f\x85", "\\u0000\\u007f\\u0085"),
        ("\u202eevil\u202c \u2067x\u2069", "\\u202eevil\\u202c \\u2067x\\u2069"),
        ("a\u2028b\u2029", "a\\u2028b\\u2029"),
        ("lone \ud800", "lone \\ud800"),
        (
            "Zoë 李雷 👩\u200d💻 \u0645\u06cc\u200c",
            "Zoë 李雷 👩\u200d💻 \u0645\u06cc\u200c",
        ),  # joiners are letters' business
        ("C:\\path <b>", "C:\\path <b>"),
    ],
)
def test_for_terminal(text: str, shown: str) -> None:
    assert for_terminal(text) == shown


def test_for_terminal_takes_any_value() -> None:
    assert for_terminal(None) == "None"
    assert for_terminal(3) == "3"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a | b", "a \\| b"),
        ("<script>x</script>", "\\<script\\>x\\</script\\>"),
        ("</details>-->", "\\</details\\>--\\>"),
        ("[x](javascript:alert(1))", "\\[x\\](javascript:alert(1))"),
        ("@everyone", "@&#8203;everyone"),
        ("&#x202e;", "\\&#x202e;"),
        ("$x$ ~~y~~ *b* _i_", "\\$x\\$ \\~\\~y\\~\\~ \\*b\\* \\_i\\_"),
        ("one\ntwo", "one\\\\ntwo"),
        ("\x1b]0;t\x07", "\\\\u001b\\]0;t\\\\u0007"),
    ],
)
def test_for_markdown(text: str, escaped: str) -> None:
    assert for_markdown(text) == escaped


@pytest.mark.parametrize(
    ("text", "in_table", "span"),
    [
        ("plain", False, "`plain`"),
        ("a`b", False, "``a`b``"),
        ("``x`", False, "``` ``x` ```"),
        (" a ", False, "`  a  `"),
        ("a|b", True, "`a\\|b`"),
        ("</details>\n", False, "`</details>\\n`"),
    ],
)
def test_for_markdown_code(text: str, in_table: bool, span: str) -> None:
    assert for_markdown_code(text, in_table) == span


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ('"><svg onload=x>', "&quot;&gt;&lt;svg onload=x&gt;"),
        ("a & b\u202e", "a &amp; b\\u202e"),
    ],
)
def test_for_html(text: str, escaped: str) -> None:
    assert for_html(text) == escaped


def test_json_text_escapes_what_json_dumps_leaves_raw() -> None:
    data = {"name": "\x1b]0;t\x07 \x9b \u202e \u2028 \ud800 Zoë"}
    text = json_text(data)
    assert RAW.search(text.replace("\n", "")) is None
    assert "Zoë" in text  # letters stay letters
    assert json.loads(text) == data


# -- properties over any text --------------------------------------------------------------------------------------

# Any character, with the dangerous ones and lone surrogates (which `characters` leaves out) made common.
ANY_TEXT = st.text(
    st.one_of(
        st.characters(codec=None),
        st.integers(0xD800, 0xDFFF).map(chr),
        st.sampled_from("\x1b\x07\x9b\r\n\b\u202e\u2066\u2028`|<>&@[]()*_~$\\"),
    ),
    max_size=40,
)


@given(ANY_TEXT)
def test_terminal_text_holds_nothing_raw_and_escaping_twice_changes_nothing(text: str) -> None:
    shown = for_terminal(text)
    assert RAW.search(shown.replace("\n", "\x01")) is None
    assert "\n" not in shown
    assert for_terminal(shown) == shown


@given(ANY_TEXT)
def test_json_text_reads_back(text: str) -> None:
    data = {"v": text, "l": [text]}
    rendered = json_text(data)
    assert RAW.search(rendered.replace("\n", "")) is None
    # The same data as the standard library's ASCII-only JSON (a surrogate pair reads back as one character).
    assert json.loads(rendered) == json.loads(json.dumps(data))


def table_cell(markdown_cell: str) -> Node:
    """The one cell of a one-row table, as GitHub's flavour renders it."""
    dom = parse(GFM.render(f"| h |\n| --- |\n| {markdown_cell} |\n"))
    [table] = dom.find_all("table")
    [body] = table.find_all("tbody")
    [row] = body.find_all("tr")
    [cell] = row.find_all("td")
    return cell


@given(ANY_TEXT)
def test_markdown_text_shows_as_written_in_a_table_cell(text: str) -> None:
    cell = table_cell(for_markdown(text))
    assert [node.tag for node in cell.iter()] == ["td"]  # no emphasis, link, code or HTML
    assert cell.text.strip() == for_terminal(text).replace("@", "@\u200b").strip()  # a cell is trimmed


@given(ANY_TEXT.filter(lambda text: text.strip(" ")))
def test_markdown_code_shows_as_written_in_a_table_cell(text: str) -> None:
    cell = table_cell(for_markdown_code(text, in_table=True))
    assert [node.tag for node in cell.iter()] == ["td", "code"]
    assert cell.text == for_terminal(text)


@given(ANY_TEXT)
def test_html_shows_as_written(text: str) -> None:
    [paragraph] = parse(f'<p title="{for_html(text)}">{for_html(text)}</p>').find_all("p")
    assert paragraph.text == for_terminal(text)
    assert paragraph.attrs["title"] == for_terminal(text)

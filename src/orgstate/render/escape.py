"""Values from input, escaped for the place they are written to: the one escaper.

Every value a renderer did not write itself came from someone who may be hostile: the
configuration from any pull-request author, live names and titles from anyone who can
edit the Lark console, saved plan files, audit-log messages, file names. Such a value
may hold characters that a terminal, a markdown renderer or a browser acts on instead
of showing: ESC and C1 sequences (retitle the window, clear the screen, move the
cursor), carriage returns and backspaces that overwrite what was printed, newlines that
fake a line of output, bidi overrides that reorder what is read, lone surrogates that
cannot be encoded at all. So every renderer passes every such value through one of
these functions, and only the text it writes itself is left as it is.

- `for_terminal`: the unsafe characters (`UNSAFE`) as visible escapes in the style of a
  JSON string (`\\u001b`, `\\n`), everything else unchanged, so a name stays readable.
  The result holds no unsafe character, so escaping twice changes nothing.
- `for_markdown`: plain text in a comment or a table cell, on one line: the terminal
  escapes, then a backslash before each character markdown would act on, and `@`
  followed by a zero-width space, so a name never mentions anyone.
- `for_markdown_code`: a code span, fenced with more backticks than the value holds.
- `for_html`: text or an attribute value (quoted) in HTML.
- `json_text`: a JSON document whose strings hold no unsafe character raw (JSON escapes
  only C0 itself); it reads back to the same data.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

# C0 controls, DEL and C1 controls; the Arabic letter mark, the left-to-right and
# right-to-left marks, the bidi embeddings, overrides and isolates and the deprecated
# format controls after them; the line and paragraph separators; lone surrogates.
_BEYOND_C0 = "\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u206f\u2028\u2029\ud800-\udfff"
UNSAFE = re.compile(f"[\x00-\x1f{_BEYOND_C0}]")
# What json.dumps leaves raw: everything unsafe but C0, which it escapes itself.
_JSON_UNSAFE = re.compile(f"[{_BEYOND_C0}]")
_SHORT = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
# Characters markdown (GitHub's flavour, with its math) may act on in running text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_~\[\]|<>&$])")
_BACKTICKS = re.compile(r"`+")
# `@name` would notify a person or a team; the zero-width space after `@` stops it.
NO_MENTION = "@&#8203;"


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    return _SHORT.get(char) or f"\\u{ord(char):04x}"


def for_terminal(value: object) -> str:
    """`value` as text that shows as written on a terminal, on one line."""
    text = value if isinstance(value, str) else str(value)
    # Every unsafe character is non-printable (Cc, Cf, Cs, Zl, Zp): most names take this path.
    return text if text.isprintable() else UNSAFE.sub(_visible, text)


def for_markdown(value: object) -> str:
    """`value` as markdown text that shows as written, on one line (also in a table cell)."""
    text = _MARKDOWN_SPECIAL.sub(_backslashed, for_terminal(value))
    return text.replace("@", NO_MENTION) if "@" in text else text


def _backslashed(match: re.Match[str]) -> str:
    return "\\" + match.group()


def for_markdown_code(value: object, in_table: bool = False) -> str:
    """`value` as a code span, in which markdown is literal; in a table, `|` is written
    `\\|` (GFM splits cells before it reads code spans)."""
    text = for_terminal(value)
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1) if "`" in text else "`"
    # A span's content loses one space at each end when it has one at both (CommonMark).
    if text[:1] == "`" or text[-1:] == "`" or (text[:1] == text[-1:] == " " and text.strip(" ")):
        text = f" {text} "
    if in_table:
        text = text.replace("|", "\\|")
    return f"{fence}{text}{fence}"


def for_html(value: object) -> str:
    """`value` as HTML text or as a quoted attribute's value."""
    return html.escape(for_terminal(value), quote=True)


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_text(data: Any, indent: int | None = 2, default: Callable[[Any], Any] | None = None) -> str:
    """`data` as JSON text: non-ASCII letters as themselves, unsafe characters escaped."""
    return _JSON_UNSAFE.sub(_json_escape, json.dumps(data, indent=indent, ensure_ascii=False, default=default))

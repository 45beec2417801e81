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
  JSON string (`\\u001b`, `\\n`), and the starts of GitHub Actions workflow commands
  (`##[` anywhere, `::` at the start) likewise, everything else unchanged, so a name
  stays readable and a CI log obeys none of it.
  The result holds no unsafe character, so escaping twice changes nothing.
- `for_markdown`: plain text in a comment or a table cell, on one line: the terminal
  escapes, then a backslash before each character markdown would act on, and `@`
  followed by a zero-width space, so a name never mentions anyone.
- `for_markdown_code`: a code span, fenced with more backticks than the value holds.
- `for_html`: text or an attribute value (quoted) in HTML.
- `json_text`: a JSON document whose strings hold no unsafe character raw (JSON escapes
  only C0 itself); it reads back to the same data.
- `for_html_comment`: a value inside an HTML comment (a hidden marker), percent-encoded
  but for letters, digits and `._/~+,=:`, so that it holds no `-`, `>`, quote, space or
  control character: it cannot close the comment, end its attribute or split it.
- `for_workflow_command`: a GitHub Actions workflow command's message or property value,
  on one line, so it cannot end the command or start one of its own.
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
_UNSAFE_CHARS = f"\x00-\x1f{_BEYOND_C0}"
UNSAFE = re.compile(f"[{_UNSAFE_CHARS}]")
# What json.dumps leaves raw: everything unsafe but C0, which it escapes itself.
_JSON_UNSAFE = re.compile(f"[{_BEYOND_C0}]")
_SHORT = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
# Characters markdown (GitHub's flavour, with its math) may act on in running text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_~\[\]|<>&$])")
_BACKTICKS = re.compile(r"`+")
# `@name` would notify a person or a team; the zero-width space after `@` stops it.
NO_MENTION = "@&#8203;"
# The runner's older form of a workflow command, obeyed anywhere in a line of a log, and
# how every output shows it (in JSON, the escape reads back as `#`).
WORKFLOW_V1 = "##["
WORKFLOW_V1_SHOWN = "#\\u0023["
# What an HTML comment's attribute may hold as it is (for_html_comment).
_COMMENT_UNSAFE = re.compile(r"[^A-Za-z0-9._/~+,=:]")
# What the Actions runner decodes in a workflow command (as @actions/core's escapeData
# and escapeProperty encode it): in its message, and in a property's value, where `:`
# and `,` would end the value.
_WORKFLOW_DATA = {"%": "%25", "\r": "%0D", "\n": "%0A"}
_WORKFLOW_PROPERTY = {**_WORKFLOW_DATA, ":": "%3A", ",": "%2C"}
_WORKFLOW_DATA_SPECIAL = re.compile(f"[%{_UNSAFE_CHARS}]")
_WORKFLOW_PROPERTY_SPECIAL = re.compile(f"[%:,{_UNSAFE_CHARS}]")


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    return _SHORT.get(char) or f"\\u{ord(char):04x}"


def for_terminal(value: object) -> str:
    """`value` as text that shows as written on a terminal, on one line, and that the
    GitHub Actions runner does not take for a workflow command when it is in a log."""
    text = value if isinstance(value, str) else str(value)
    # Every unsafe character is non-printable (Cc, Cf, Cs, Zl, Zp): most names take this path.
    if not text.isprintable():
        text = UNSAFE.sub(_visible, text)
    return _inert(text) if ":" in text or "#" in text else text


def _inert(text: str) -> str:
    """`text` with what starts a workflow command written as a visible escape: the
    runner obeys `##[name]` anywhere in a line of a step's log, and `::name::` at the start
    of one (after spaces), where a value may stand (a file name before its `:line`)."""
    text = text.replace(WORKFLOW_V1, WORKFLOW_V1_SHOWN)
    stripped = text.lstrip()
    if stripped.startswith("::"):
        return text[: len(text) - len(stripped)] + ":\\u003a" + stripped[2:]
    return text


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
    """`data` as JSON text: non-ASCII letters as themselves, unsafe characters escaped, and
    no string that the Actions runner would obey in a log (a JSON line never starts
    inside a string, so only `##[` needs it)."""
    text = _JSON_UNSAFE.sub(_json_escape, json.dumps(data, indent=indent, ensure_ascii=False, default=default))
    return text.replace(WORKFLOW_V1, WORKFLOW_V1_SHOWN) if WORKFLOW_V1 in text else text


def _percent(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode("utf-8", "surrogatepass"))


def for_html_comment(value: object) -> str:
    """`value` percent-encoded for an attribute of an HTML comment: one token, no `--`,
    `>`, quote or space; distinct values stay distinct."""
    return _COMMENT_UNSAFE.sub(_percent, value if isinstance(value, str) else str(value))


def for_workflow_command(value: object, as_property: bool = False) -> str:
    """`value` as the message of a GitHub Actions workflow command (`::error ...::message`),
    or as a property's value (`file=`, `title=`) with `as_property`: `%`, CR and LF (and
    in a property `:` and `,`) encoded as the runner decodes them, so a multi-line value
    stays on the command's line and reads back whole; every other unsafe character as
    `for_terminal` shows it."""
    text = value if isinstance(value, str) else str(value)
    table, special = (
        (_WORKFLOW_PROPERTY, _WORKFLOW_PROPERTY_SPECIAL) if as_property else (_WORKFLOW_DATA, _WORKFLOW_DATA_SPECIAL)
    )
    return special.sub(lambda match: table.get(match.group()) or _visible(match), text)

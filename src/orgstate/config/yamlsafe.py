"""Safe, fast YAML reading with exact locations on demand.

Two readers give the same result for every document: the same value, or the same
located problem (tests/security/test_hostile_yaml.py holds them to it).

* the reference reader (`read_reference`): a small constructor over libyaml's event
  stream (PyYAML's C parser) that enforces every safety limit and reports
  file:line:column.
* the fast path (`read_fast`): rapidyaml (C++) parses the document and emits JSON,
  which the standard library decodes. About 25 times faster; it carries no line
  numbers, and it vouches only for plain documents: it declines the others.

`parse_yaml` takes the fast path and falls back to the reference reader whenever the
fast path declines, so the reference reader alone judges every document that is not
plainly fine. rapidyaml is more lenient than libyaml and types some plain scalars its
own way, so the fast path declines a document when

* a byte scan finds syntax that only the reference reader handles, or that the two
  parsers read differently: anchors, aliases, tags and directives; block scalars and
  explicit keys; the reserved indicators @ and ` where a token starts; a block node
  starting with a closer (`a: ]x`); a second sequence entry on one line (`- 'x' - y`);
  a ':' after white space or before ',' or a closer (`{a\n: 1}`, `{a:, b}`); a line
  of more than 1,024 bytes (libyaml's limit on a key); tabs, control characters and
  lone carriage returns (CRLF is read as LF); characters libyaml reads as line breaks
  or refuses (C1 controls such as NEL, the line and paragraph separators, a byte-order
  mark past the start, U+FFFE, U+FFFF);
* rapidyaml fails, finds no document or several, or its JSON holds what the
  reference reader reads otherwise: a duplicate key, an empty key or one over two
  lines, an integer out of range, a plain scalar typed rapidyaml's way (`0e5` stays
  text, `nan` becomes ".nan"), " #" in a string (a comment to libyaml), or a lone
  scalar. (rapidyaml refuses to emit more than 64 levels, below MAX_DEPTH.)

Every problem is worded by orgstate: its own limits are checked before the
parser's (libyaml 0.2.6 refuses 1,000 levels of nesting with its own words), and
a syntax error keeps the parser's description only after orgstate's
"invalid YAML syntax:". `locate` walks the event stream again to find the line and
column of given paths, and is only called when a diagnostic needs a location.

Plain scalars follow YAML 1.2's JSON schema: `null` or nothing is null,
`true`/`false` are booleans, JSON numbers are numbers, everything else is a
string (so `no`, `NO`, `~` and `007` stay strings: no "Norway problem"). An integer
is at most MAX_INT either way: a longer one is refused where it stands, before
Python's int() meets a 5,000-digit string.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import ryml
import yaml
from yaml._yaml import CParser

from orgstate.diagnostics import DocPath, clip
from orgstate.errors import FastPathDeclined, YamlProblem

# Far deeper than any key of the configuration or a fixture (about 5 levels), and
# below libyaml's own limit (1,000), so that a pathological document meets orgstate's
# limit first.
MAX_DEPTH = 100
TOO_DEEP = f"nesting deeper than {MAX_DEPTH} levels"
# Billion-laughs guard: the number of nodes a document may grow to once every
# alias is expanded (pydantic walks the expanded tree), relative to its size.
MAX_ALIAS_EXPANSION = 100_000
# The largest integer either reader returns, either way: SQLite's 64-bit range. Every
# integer key has a narrower bound of its own (orgstate.model.types).
MAX_INT = 2**63 - 1
MAX_INT_DIGITS = len(str(MAX_INT))


# orgstate's words before a parser's description of a syntax error.
SYNTAX_ERROR = "invalid YAML syntax"


BOM = b"\xef\xbb\xbf"
_CONTROLS = frozenset(range(0x20)) - {ord("\n")} | {0x7F}  # tabs and lone carriage returns among them
# Lead bytes of U+0080..U+00BF, U+2000..U+2FFF and U+F000..U+FFFF, where the odd
# characters are: C1 controls (NEL among them), the line and paragraph separators, a
# byte-order mark, and the non-characters U+FFFE and U+FFFF. libyaml reads them as
# line breaks or refuses them; rapidyaml takes them as text.
_LEADS = frozenset(b"\xc2\xe2\xef")
_C1_CONTROL = re.compile(rb"\xc2[\x80-\x9f]")
_ODD_CHARACTERS = tuple(char.encode() for char in "\u2028\u2029\ufeff\ufffe\uffff")
_UNREMARKABLE = bytes(sorted(set(range(256)) - _CONTROLS - _LEADS - {ord("\\")}))
# libyaml takes a mapping key only within 1,024 characters of where it starts.
_LONGEST_LINE = 1024
# Blank lines and comments before a document.
_LEADING_COMMENTS = re.compile(rb"(?:[ ]*(?:#[^\n]*)?\n)*")
# What only the reference reader handles, or what rapidyaml reads and libyaml refuses
# or reads otherwise, found by patterns that each start with one rare byte, in the
# document with quotes as \x01, closers and ',' as \x02, '@' and '`' as \x03, '-' as
# \x04, ':' as \x05 and the indicators of anchors, aliases, tags, directives, block
# scalars and explicit keys (& * ! % | > ?) as \x06:
_MARKS = bytes.maketrans(b"'\"]},@`-:&*!%|>?", b"\x01\x01\x02\x02\x02\x03\x03\x04\x05\x06\x06\x06\x06\x06\x06\x06")
_FIRST_TOKEN_REFUSED = b"]},@`&*!%|>?"
_REFUSED_BY_LIBYAML = (
    # an indicator where a token starts: after white space, a line break, a flow
    # indicator or the ':' of a JSON-like key (`{"a":*x}`); `svc-*` and `R&D` hold none;
    re.compile(rb"\x06(?<=[ \n\[{\x02\x05]\x06)"),
    # a second entry of a block sequence after a quoted scalar or a flow collection
    # on one line (`- 'x' - y`, `- [a] - b`); a block node starting with a closer
    # (`a: ]x`, `- }x`, `]x: 1`); a plain key's ':' right before a closer or ','
    # (`{a:, b}`);
    re.compile(rb"\x01 +\x04(?:[ \n]|\Z)"),
    re.compile(rb"\x02(?: +\x04(?:[ \n]|\Z)|(?<=[\x05?\x04\n ] \x02)|(?<=\n\x02)|(?<=[^\x01]\x05\x02))"),
    # the reserved indicators where a token starts (`a: @x`, `[`x]`);
    re.compile(rb"\x03(?<=[ \n\[{\x01\x02\x05]\x03)"),
    # a ':' after white space: a key over two lines in a flow collection (`{a\n: 1}`).
    re.compile(rb"\x05(?<=[ \n]\x05)"),
)


# A document marker after the first line: libyaml ends a document there even inside a
# flow collection, where rapidyaml reads it as text (`[a\n---\nb]`).
_LATER_MARKER = re.compile(rb"\n(?:---|\.\.\.)(?:[ \n]|\Z)")


def _scan_declines(body: bytes) -> bool:
    comments = _LEADING_COMMENTS.match(body)
    start = comments.end() if comments else 0
    if (
        body.startswith(b"...", start)  # rapidyaml skips a document end before any document
        or body[start : start + _LONGEST_LINE].lstrip(b" ")[:1] in _FIRST_TOKEN_REFUSED
        or _has_odd_byte(body)
        or _has_long_line(body)
        or _LATER_MARKER.search(body)
    ):
        return True
    marked = body.translate(_MARKS)
    return any(pattern.search(marked) for pattern in _REFUSED_BY_LIBYAML)


def _fast_body(data: bytes) -> bytes:
    """The document as the fast path reads it: without a byte-order mark, and with
    CRLF line breaks as LF (libyaml reads them alike; rapidyaml does not always)."""
    body = data.removeprefix(BOM)
    return body.replace(b"\r\n", b"\n") if b"\r" in body else body


def _has_odd_byte(body: bytes) -> bool:
    """True for a control character, an odd character (see _LEADS), or a backslash
    before a line break (a quoted key over two lines: `"a\\<newline>b"`)."""
    present = frozenset(body.translate(None, _UNREMARKABLE))  # usually empty
    return (
        not present.isdisjoint(_CONTROLS)
        or (ord("\\") in present and b"\\\n" in body)
        or (
            not present.isdisjoint(_LEADS)
            and (bool(_C1_CONTROL.search(body)) or any(c in body for c in _ODD_CHARACTERS))
        )
    )


def _has_long_line(body: bytes) -> bool:
    """True when a line holds more than _LONGEST_LINE bytes (so perhaps as many characters)."""
    start, window = 0, _LONGEST_LINE + 1
    while start + window <= len(body):
        newline = body.rfind(b"\n", start, start + window)
        if newline == -1:
            return True
        start = newline + 1
    return False


def parse_yaml(data: bytes) -> Any:
    """Parse one YAML document into plain Python data, or raise YamlProblem."""
    try:
        return read_fast(data)
    except FastPathDeclined:
        return read_reference(data)


def read_reference(data: bytes) -> Any:
    """The reference reader alone: the document's value, or a located YamlProblem."""
    return _EventConstructor(data).construct()


def read_fast(data: bytes) -> Any:
    """The fast path alone: the document's value, the same as the reference reader's,
    or FastPathDeclined."""
    body = _fast_body(data)
    if _scan_declines(body):
        raise FastPathDeclined("the byte scan found syntax for the reference reader")
    try:
        return _parse_fast(body)
    except (ValueError, RecursionError, ryml.ExceptionBasic) as exc:
        raise FastPathDeclined(str(exc)) from None


@contextmanager
def _stderr_silenced() -> Iterator[None]:
    """rapidyaml writes its own report of a syntax error to fd 2 before raising;
    the reference reader reports the same error properly, so hide it."""
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


# JSON strings rapidyaml makes of plain scalars that the reference reader reads
# otherwise: ".nan" and ".inf" of `nan` or `-.Inf`, "0e5" of the number 0e5, and " #"
# where libyaml starts a comment in a flow collection.
_READ_ITS_OWN_WAY = (re.compile(r'\.(?:nan|inf)"'), re.compile(r'"0[eE]'), re.compile(r"#(?<= #)"))


def _parse_fast(body: bytes) -> Any:
    """rapidyaml's reading of a document that the byte scan let through (as
    `_fast_body` gives it), or ValueError where the reference reader may read otherwise."""
    text = _json_of(body)
    if text is None:
        raise ValueError("no document, or several")
    if any(pattern.search(text) for pattern in _READ_ITS_OWN_WAY):
        raise ValueError("a plain scalar rapidyaml reads its own way")
    entries = 0
    keys: set[str] = set()

    def counted(mapping: dict[str, Any]) -> dict[str, Any]:
        nonlocal entries
        entries += len(mapping)
        if not keys.issuperset(mapping):  # rare: keys not seen before
            for key in mapping:
                # `: 1`, which libyaml refuses; a key over two lines of a flow collection
                if not key or " " in key or "\n" in key:
                    raise ValueError("an empty key, or one over two lines")
            keys.update(mapping)
        return mapping

    value = json.loads(text, object_hook=counted, parse_int=_fast_int, parse_constant=_no_constant)
    # Every key is followed by '":' (a string holding '\":' adds one): fewer entries
    # than that means a mapping repeated a key.
    if entries != text.count('":'):
        raise ValueError("a duplicate key")
    if not isinstance(value, dict | list):  # rapidyaml reads `"a"!` as an empty string
        raise ValueError("a lone scalar")
    return value


def _json_of(body: bytes) -> str | None:
    """rapidyaml's JSON of a document: None for no document or several (the tree, three
    times the document's size, is freed before the JSON is decoded)."""
    with _stderr_silenced():
        tree = ryml.parse_in_arena(body)
        return None if tree.is_stream(tree.root_id()) else ryml.emit_json(tree)


def _fast_int(text: str) -> int:
    if len(text.removeprefix("-")) > MAX_INT_DIGITS or abs(value := int(text)) > MAX_INT:
        raise ValueError("an integer out of range")
    return value


def _no_constant(text: str) -> Any:
    raise ValueError(f"the JSON constant {text}")


_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|-?\.[0-9]+(?:[eE][-+]?[0-9]+)?")


def resolve_plain(value: str) -> Any:
    """A plain scalar's value under YAML 1.2's JSON schema (strings otherwise).

    Raises ValueError for an integer beyond MAX_INT either way."""
    if value in ("", "null"):
        return None
    if value == "true":
        return True
    if value == "false":
        return False
    if _INT.fullmatch(value):
        digits = value.removeprefix("-")
        if len(digits) > MAX_INT_DIGITS or int(digits) > MAX_INT:
            raise ValueError(
                f"the number {clip(value, 24)} ({len(digits):,} digits) is out of range: no key takes a number "
                f"beyond {MAX_INT:,} either way (quote it if it is text)"
            )
        return int(value)
    if _FLOAT.fullmatch(value) and any(ch.isdigit() for ch in value):
        return float(value)
    return value


def _events(data: bytes) -> Iterable[Any]:
    parser = CParser(data)
    try:
        while True:
            event = parser.get_event()
            yield event
            if isinstance(event, yaml.StreamEndEvent):
                return
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        end = mark.index if mark is not None else len(data)
        too_deep = _flow_nesting_beyond_limit(data, end)
        if too_deep is not None:
            raise YamlProblem(TOO_DEEP, *_position(data, too_deep)) from None
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise YamlProblem(f"{SYNTAX_ERROR}: {error.problem or error.context or 'unreadable'}", line, column) from None
    except yaml.YAMLError as error:
        raise YamlProblem(f"{SYNTAX_ERROR}: {error}", 1, 1) from None


# Flow brackets, skipping quoted scalars and comments (where brackets are text).
_FLOW_TOKENS = re.compile(rb"""["](?:[^"\\]|\\.)*["]|'(?:[^']|'')*'|(?:^|(?<=[ \t]))#[^\n]*|[\[\]{}]""", re.M)


def _flow_nesting_beyond_limit(data: bytes, end: int) -> int | None:
    """The offset of the first flow collection opened deeper than MAX_DEPTH before `end`.

    libyaml's scanner reads nested flow collections ahead of its events and refuses
    deep ones in its own words before the constructor sees them, so a parser error
    is checked against orgstate's limit here."""
    depth = 0
    for token in _FLOW_TOKENS.finditer(data, 0, end + 1):
        opener = token.group()
        if opener in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                return token.start()
        elif opener in (b"]", b"}"):
            depth = max(depth - 1, 0)
    return None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """The 1-based line and column of a byte offset."""
    return data.count(b"\n", 0, offset) + 1, offset - data.rfind(b"\n", 0, offset)


class _Container:
    """A mapping or sequence under construction, with its expanded node count."""

    __slots__ = ("anchor", "pending_key", "size", "value")

    def __init__(self, value: dict[str, Any] | list[Any], anchor: str | None) -> None:
        self.value = value
        self.anchor = anchor
        self.size = 1
        self.pending_key: str | None = None

    @property
    def awaits_key(self) -> bool:
        return isinstance(self.value, dict) and self.pending_key is None

    @property
    def next_step(self) -> str | int | None:
        """The key or index that the next value added here will have (None: a key is due)."""
        return len(self.value) if isinstance(self.value, list) else self.pending_key


class _EventConstructor:
    """Builds plain data from libyaml events, enforcing the safety limits."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.stack: list[_Container] = []
        self.documents: list[Any] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.expanded = 0
        self.limit = MAX_ALIAS_EXPANSION + len(data) // 4

    def problem(self, event: Any, message: str, last: str | None = None, duplicate_key: bool = False) -> YamlProblem:
        """A located problem whose path is where the constructor stands."""
        steps = [container.next_step for container in self.stack]
        if last is not None and steps:
            steps[-1] = last
        path = tuple(step for step in steps if step is not None)
        if event is None:
            return YamlProblem(message, 0, 0, duplicate_key, path)
        mark = event.start_mark
        return YamlProblem(message, mark.line + 1, mark.column + 1, duplicate_key, path)

    def construct(self) -> Any:
        try:
            return self._construct()
        except YamlProblem as problem:
            if problem.path or not self.stack:
                raise
            raise dataclasses.replace(problem, path=self.problem(None, "").path) from None

    def _construct(self) -> Any:
        stack = self.stack
        for event in _events(self.data):
            kind = type(event)
            if kind is yaml.ScalarEvent:
                self._check_tag(event)
                if stack and stack[-1].awaits_key:
                    self._start_key(stack[-1], event)
                    continue
                try:
                    value = resolve_plain(event.value) if event.implicit[0] else event.value
                except ValueError as exc:
                    raise self.problem(event, str(exc)) from None
                self._add(value, 1, event.anchor)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                self._check_tag(event)
                if stack and stack[-1].awaits_key:
                    raise self.problem(event, "a mapping key must be a plain string")
                if len(stack) >= MAX_DEPTH:
                    raise self.problem(event, TOO_DEEP)
                stack.append(_Container({} if kind is yaml.MappingStartEvent else [], event.anchor))
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                done = stack.pop()
                self._add(done.value, done.size, done.anchor)
            elif kind is yaml.AliasEvent:
                self._alias(event)
            elif kind is yaml.DocumentStartEvent and self.documents:
                raise self.problem(event, "a file holds one YAML document; found a second one")
        return self.documents[0] if self.documents else None

    def _alias(self, event: Any) -> None:
        if event.anchor not in self.anchors:
            raise self.problem(event, f"unknown alias '*{event.anchor}'")
        if self.stack and self.stack[-1].awaits_key:
            raise self.problem(event, "an alias cannot be a mapping key")
        value, size = self.anchors[event.anchor]
        self.expanded += size
        if self.expanded > self.limit:
            message = f"aliases expand to more than {self.limit:,} nodes (a 'billion laughs' document?)"
            raise self.problem(event, message)
        self._add(value, size, None)

    def _check_tag(self, event: Any) -> None:
        if event.tag is not None and event.tag != "!":
            raise self.problem(event, f"tags are not allowed (found '{event.tag}'); quote the value instead")

    def _start_key(self, container: _Container, event: Any) -> None:
        key = event.value
        if key in container.value:
            raise self.problem(event, f"duplicate key '{key}'", last=key, duplicate_key=True)
        container.pending_key = key

    def _add(self, value: Any, size: int, anchor: str | None) -> None:
        if anchor is not None:
            self.anchors[anchor] = (value, size)
        if not self.stack:
            self.documents.append(value)
            return
        parent = self.stack[-1]
        parent.size += size
        if isinstance(parent.value, dict):
            # A mapping that awaits its key takes no value: _construct starts the key first.
            assert parent.pending_key is not None
            parent.value[parent.pending_key] = value
            parent.pending_key = None
        else:
            parent.value.append(value)


def locate(data: bytes, paths: Iterable[DocPath]) -> dict[DocPath, tuple[int, int]]:
    """The 1-based (line, column) of each path, or of its nearest existing ancestor.

    A mapping entry is located at its key, a sequence item at its first token.
    """
    wanted = {tuple(path) for path in paths}
    prefixes = {path[:depth] for path in wanted for depth in range(len(path) + 1)}
    found: dict[DocPath, tuple[int, int]] = {(): (1, 1)}
    # Each frame: [path, is_mapping, next index or pending key, key mark]
    stack: list[list[Any]] = []

    def child_path(event: Any) -> tuple[DocPath, Any]:
        frame = stack[-1]
        if frame[1]:
            return frame[0] + (frame[2],), frame[3]
        path = frame[0] + (frame[2],)
        frame[2] += 1
        return path, event.start_mark

    try:
        for event in _events(data):
            kind = type(event)
            if kind in (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent):
                if stack and stack[-1][1] and stack[-1][2] is None:
                    stack[-1][2], stack[-1][3] = getattr(event, "value", None), event.start_mark
                    continue
                path, mark = child_path(event) if stack else ((), event.start_mark)
                if path in prefixes:
                    found.setdefault(path, (mark.line + 1, mark.column + 1))
                if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                    stack.append(
                        [path, kind is yaml.MappingStartEvent, None if kind is yaml.MappingStartEvent else 0, None]
                    )
                elif stack and stack[-1][1]:
                    stack[-1][2] = None
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                stack.pop()
                if stack and stack[-1][1]:
                    stack[-1][2] = None
            if wanted <= found.keys():
                break
    except YamlProblem:
        pass  # locate what precedes the problem; the problem itself is reported elsewhere
    result = {}
    for path in wanted:
        depth = len(path)
        while path[:depth] not in found:
            depth -= 1
        result[path] = found[path[:depth]]
    return result

"""Safe, fast YAML reading with exact locations on demand.

Two readers give the same result for every document the fast one accepts:

* the fast path: rapidyaml (C++) parses the document and emits JSON, which the
  standard library decodes while checking for duplicate keys. About 25 times
  faster than a Python-level YAML constructor; it carries no line numbers.
* the reference reader: a small constructor over libyaml's event stream (PyYAML's
  C parser) that enforces every safety limit and reports file:line:column.

The fast path is taken only for documents without anchors, aliases, tags or
directives (a cheap byte scan decides); any failure on it (a syntax error, a
duplicate key, a number JSON cannot hold, nesting the JSON decoder cannot hold)
falls back to the reference reader, which then raises the located error.

Every problem is worded by orgstate: its own limits are checked before the
parser's (libyaml 0.2.6 refuses 1,000 levels of nesting with its own words), and
a syntax error keeps the parser's description only after orgstate's
"invalid YAML syntax:". Nesting between MAX_DEPTH and what the JSON decoder
holds is accepted by the fast path; no configuration or fixture key nests that
deep, so the schema refuses such a document instead. `locate` walks the event stream again to
find the line and column of given paths, and is only called when a diagnostic
needs a location.

Plain scalars follow YAML 1.2's JSON schema: `null` or nothing is null,
`true`/`false` are booleans, JSON numbers are numbers, everything else is a
string (so `no`, `NO`, `~` and `007` stay strings: no "Norway problem").
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import ryml
import yaml
from yaml._yaml import CParser

from orgstate.diagnostics import DocPath

# Far deeper than any key of the configuration or a fixture (about 5 levels), and
# below the parsers' own limits (libyaml stops at 1,000, the JSON decoder of the fast
# path near 1,000), so that a pathological document meets orgstate's limit first.
MAX_DEPTH = 100
TOO_DEEP = f"nesting deeper than {MAX_DEPTH} levels"
# Billion-laughs guard: the number of nodes a document may grow to once every
# alias is expanded (pydantic walks the expanded tree), relative to its size.
MAX_ALIAS_EXPANSION = 100_000


# orgstate's words before a parser's description of a syntax error.
SYNTAX_ERROR = "invalid YAML syntax"


@dataclass(frozen=True)
class YamlProblem(Exception):
    """A problem in one document, at a 1-based line and column."""

    message: str
    line: int
    column: int
    duplicate_key: bool = False
    path: DocPath = ()

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


# Anchors, aliases and tags start a token after white space or a flow indicator;
# `svc-*` or `R&D` do not. Directives and document markers start a line.
_TOKEN_MARKERS = (ord("&"), ord("*"), ord("!"))
_TOKEN_STARTS = frozenset(b" \t\n[{,")
_LINE_MARKERS = (b"\n---", b"\n...", b"\n%")


def needs_reference_reader(data: bytes) -> bool:
    """True when the document uses features that only the reference reader handles."""
    if data[:1] in (b"&", b"*", b"!", b"%") or data.startswith((b"---", b"...")):
        return True
    if any(marker in data for marker in _LINE_MARKERS):
        return True
    for marker in _TOKEN_MARKERS:
        position = data.find(marker)
        while position != -1:
            if data[position - 1] in _TOKEN_STARTS:
                return True
            position = data.find(marker, position + 1)
    return False


def parse_yaml(data: bytes) -> Any:
    """Parse one YAML document into plain Python data, or raise YamlProblem."""
    if not needs_reference_reader(data):
        try:
            return _parse_fast(data)
        except (ValueError, RecursionError, ryml.ExceptionBasic):
            pass  # the reference reader finds and locates the problem
    return _EventConstructor(data).construct()


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        raise ValueError("duplicate key")
    return mapping


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


def _parse_fast(data: bytes) -> Any:
    with _stderr_silenced():
        text = ryml.emit_json(ryml.parse_in_arena(data))
    if text is None:  # nothing but comments and white space
        return None
    return json.loads(text, object_pairs_hook=_reject_duplicates)


_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|-?\.[0-9]+(?:[eE][-+]?[0-9]+)?")


def resolve_plain(value: str) -> Any:
    """A plain scalar's value under YAML 1.2's JSON schema (strings otherwise)."""
    if value in ("", "null"):
        return None
    if value == "true":
        return True
    if value == "false":
        return False
    if _INT.fullmatch(value):
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
                value = resolve_plain(event.value) if event.implicit[0] else event.value
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
            parent.value[parent.pending_key] = value  # type: ignore[index]
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

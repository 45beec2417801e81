"""Line edits to a YAML file's text: `export --merge` splices what changed into the
original lines, so every other line (and every comment) stays byte for byte.

ruamel.yaml reads where each key and item starts (`lc`); where one ends is the line
before its next sibling, less the blank and comment lines in between, which belong to
what follows (a section comment above the next item stays put)."""

from __future__ import annotations

import io
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from orgstate.export.writer import styled, yaml_writer

# A fragment is written on one line however long: a wrapped scalar would change more
# lines than the value it replaces.
ONE_LINE = 1 << 16

Span = tuple[int, int]  # first line, one past the last (0-based)


def is_flow(node: Any) -> bool:
    return isinstance(node, (CommentedMap, CommentedSeq)) and bool(node.fa.flow_style())


def split_comment(line: str) -> tuple[str, str]:
    """A line's code (with the spaces before its comment) and its comment ('' if none);
    the line ending is dropped."""
    body = line.rstrip("\r\n")
    quote = ""
    i = 0
    while i < len(body):
        char = body[i]
        if quote == '"' and char == "\\":
            i += 2
            continue
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'" and (i == 0 or body[i - 1] in " \t[{,:-"):
            quote = char
        elif char == "#" and (i == 0 or body[i - 1] in " \t"):
            return body[:i], body[i:]
        i += 1
    return body, ""


def with_comment(code: str, comment: str, column: int) -> str:
    """`code` followed by `comment`, at its old column where the code leaves room."""
    code = code.rstrip()
    if not comment:
        return code
    return (code.ljust(column) if len(code) < column else code + "  ") + comment


def _null(representer: RoundTripRepresenter, _: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def _dump(value: Any, width: int = ONE_LINE) -> list[str]:
    """`value` as YAML lines; `null` spelled out and strings quoted with double quotes
    where they need quotes, as hand-written files (and orgstate's examples) do."""
    yaml = yaml_writer()
    yaml.width = width
    yaml.representer.add_representer(type(None), _null)
    buffer = io.StringIO()
    yaml.dump(_quoted(value), buffer)
    return buffer.getvalue().splitlines()


def _quoted(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, DoubleQuotedScalarString):
        buffer = io.StringIO()
        yaml_writer().dump([value], buffer)
        return DoubleQuotedScalarString(value) if buffer.getvalue().startswith(("- '", '- "')) else value
    if isinstance(value, dict):
        mapping = CommentedMap((key, _quoted(item)) for key, item in value.items())
        if is_flow(value):
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list):
        sequence = CommentedSeq(_quoted(item) for item in value)
        if is_flow(value):
            sequence.fa.set_flow_style()
        return sequence
    return value


def _flow(value: Any) -> Any:
    node = CommentedMap(value) if isinstance(value, dict) else CommentedSeq(value)
    node.fa.set_flow_style()
    return node


def flow_entry(key: str, value: Any) -> str:
    """`key: value` as an entry of a flow mapping."""
    return _dump(_flow({key: styled(value)}))[0][1:-1]


def key_lines(key: str, value: Any, flow: bool) -> list[str]:
    """`key: value` at column 0, the value in flow style on one line if `flow`."""
    if flow and isinstance(value, (dict, list)):
        return _dump({key: _flow(styled(value))})
    return _dump({key: styled(value)})


def item_lines(item: dict[str, Any], flow: bool, flow_keys: Collection[str] = ()) -> list[str]:
    """A sequence item (`- ...`) at column 0: a mapping in flow style on one line if
    `flow`, else in block style with the mappings under `flow_keys` in flow style."""
    if flow:
        return ["- " + _dump(_flow(styled(item)))[0]]
    styled_item = {
        key: _flow(styled(value)) if key in flow_keys and isinstance(value, dict) else styled(value)
        for key, value in item.items()
    }
    lines = _dump([styled_item])
    indent = len(lines[0]) - len(lines[0].lstrip())
    return [line[indent:] for line in lines]


@dataclass
class Text:
    """A file's lines and the edits to make to them, applied at once by `result`."""

    lines: list[str]
    newline: str = "\n"
    _edits: list[tuple[int, int, int, list[str]]] = field(default_factory=list)
    _tail: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, text: str) -> Text:
        lines = text.splitlines(keepends=True)
        newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
        return cls(lines, newline)

    def replace(self, span: Span, new: list[str]) -> None:
        """Replace lines (each of `new` without its line ending)."""
        self._edits.append((span[0], span[1], len(self._edits), [line + self.newline for line in new]))

    def insert(self, at: int, new: list[str]) -> None:
        self.replace((at, at), new)

    def append(self, new: list[str]) -> None:
        """Add lines at the end of the file, after everything inserted there."""
        self._tail.extend(line + self.newline for line in new)

    def result(self) -> str:
        lines = list(self.lines)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += self.newline
        # Later edits first, so earlier line numbers stay valid; insertions at one line
        # keep the order they were made in.
        for start, end, _, new in sorted(self._edits, key=lambda edit: (edit[0], edit[2]), reverse=True):
            lines[start:end] = new
        return "".join(lines + self._tail)

    def is_filler(self, index: int) -> bool:
        return not split_comment(self.lines[index])[0].strip()

    def trimmed(self, start: int, end: int) -> Span:
        """Lines start..end less the blank and comment lines at the end."""
        while end > start + 1 and self.is_filler(end - 1):
            end -= 1
        return start, end

    def spans(self, starts: list[int], end: int) -> list[Span]:
        """The span of each sibling starting at `starts` (in order), the last ending by `end`."""
        return [self.trimmed(start, following) for start, following in zip(starts, [*starts[1:], end], strict=True)]

    def removal(self, span: Span) -> Span:
        """The span to delete to remove an item: with the blank line after it when a blank
        line also precedes it, so items set apart by blank lines stay so."""
        start, end = span
        blank_before = start > 0 and not self.lines[start - 1].strip()
        if blank_before and end < len(self.lines) and not self.lines[end].strip():
            return start, end + 1
        return span

    def indent_of(self, index: int) -> int:
        line = self.lines[index]
        return len(line) - len(line.lstrip(" "))

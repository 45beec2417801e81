"""The body of a comment or an issue: the marker line and the markdown the CLI
rendered; never longer than GitHub accepts."""

from __future__ import annotations

# GitHub refuses a comment or an issue body longer than this (in characters).
BODY_LIMIT = 65_536


def compose(marker_line: str, markdown: str) -> str:
    """A body: the marker line, then the markdown."""
    return f"{marker_line}\n{markdown.rstrip(chr(10))}\n"


def room(marker_line: str) -> int:
    """How long the markdown of a body with this marker may be."""
    return BODY_LIMIT - len(compose(marker_line, ""))

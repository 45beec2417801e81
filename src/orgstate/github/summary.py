"""The job summary: markdown appended to the file $GITHUB_STEP_SUMMARY names, which
GitHub caps at 1 MiB per step. What is appended is rendered for the room left (the file
may hold earlier steps' text): a renderer is asked for at most that many characters,
and again for fewer when its UTF-8 is longer; when there is no room for a report, a
one-line note is appended instead, if it fits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

LIMIT = 2**20  # bytes: GitHub's limit for one step's summary
FULL = "> orgstate: the job summary is full (GitHub keeps at most 1 MiB per step); this report is left out.\n"
MIN_ROOM = 2_000  # characters: below this no report is worth rendering
ATTEMPTS = 3


def append_summary(path: Path, render: Callable[[int], str]) -> None:
    """Append `render(limit)` (markdown of at most `limit` characters) to the summary
    file, keeping it within LIMIT bytes. Raises OSError when the file cannot be written."""
    used = path.stat().st_size if path.exists() else 0
    room = LIMIT - used - 1  # the blank line before the report
    limit = room
    text = None
    for _ in range(ATTEMPTS):
        if limit < MIN_ROOM:
            break
        candidate = render(limit).rstrip("\n") + "\n"
        size = len(candidate.encode())
        if size <= room:
            text = candidate
            break
        limit = limit * room // size - 1  # non-ASCII text: scale down to fit in bytes
    if text is None:
        text = FULL if len(FULL) <= room else ""
    if text:
        with path.open("a", encoding="utf-8") as file:
            file.write(("\n" if used else "") + text)

"""Step outputs, appended to the file $GITHUB_OUTPUT names, as @actions/core writes them:
`name<<DELIMITER`, the value, `DELIMITER`, with a random delimiter that neither the
name nor the value holds, so a value may span lines and cannot set another output."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path

from orgstate.errors import GitHubError


def output_lines(values: Mapping[str, str]) -> str:
    lines = []
    for name, value in values.items():
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        if delimiter in name or delimiter in value:  # 128 random bits: never, but never silently
            raise GitHubError(f"step output {name}: its value holds the delimiter")
        lines += [f"{name}<<{delimiter}", value, delimiter]
    return "\n".join(lines) + "\n"


def append_outputs(path: Path, values: Mapping[str, str]) -> None:
    try:
        with path.open("a", encoding="utf-8") as file:
            file.write(output_lines(values))
    except OSError as exc:
        raise GitHubError(f"GITHUB_OUTPUT ({path}): cannot append to it: {exc.strerror}") from None

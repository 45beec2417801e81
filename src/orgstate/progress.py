"""How long work tells what it does: reading a tenant, planning, exporting, writing, a
call being retried. The core calls a Progress; the CLI plugs in a live display on a
terminal or one line per phase in CI logs (render/progress.py). The defaults say nothing.

The core reports coarsely (a page of a list, a phase, a file), never per
item, so that a silent run costs nothing measurable."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class Phase:
    """One phase under way. Its methods may be called from any thread."""

    def count(self, **amounts: int) -> None:
        """More done so far, by unit: `count(pages=1, members=50)`."""

    def result(self, summary: str) -> None:
        """What the phase came to ("10,000 members"), for the line that closes it."""


class Progress:
    @contextmanager
    def phase(self, title: str) -> Iterator[Phase]:
        """A phase of the work ("Reading the tenant"), from its start to its end."""
        yield Phase()

    def notice(self, message: str) -> None:
        """Something to show at once on a line of its own (a call being retried)."""


SILENT = Progress()


def counted(number: int, unit: str) -> str:
    """`10,000 members`, `1 member`: a count as a closing line says it (`unit` singular)."""
    return f"{number:,} {unit}{'' if number == 1 else 's'}"

"""Progress, for the CLI, always on stderr (stdout may carry JSON, markdown or a plan).

Long work (orgstate.progress): on a terminal, a live line for each phase that runs over
a second and a closing line when it ends; in CI logs (stderr not a terminal, or
TERM=dumb), only the closing line. Apply: a rich progress bar on a terminal, one line
per change in CI logs. ORGSTATE_PROGRESS=all reports every phase however short, off none.

Details are the backend's own messages, which quote live names: every value is written
through `for_terminal` (render/escape.py), and rich is given text, never markup."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.spinner import Spinner
from rich.text import Text

from orgstate import progress as work
from orgstate.errors import UsageError
from orgstate.executor.reporter import Reporter
from orgstate.planner.changes import Change
from orgstate.render.escape import for_terminal
from orgstate.render.plan_text import symbol

PROGRESS_ENV = "ORGSTATE_PROGRESS"
PROGRESS_SETTINGS = ("auto", "all", "off")
SHOW_AFTER = 1.0  # seconds: a phase that ends sooner says nothing (unless ORGSTATE_PROGRESS=all)
REFRESHES_PER_SECOND = 10


def live_terminal() -> bool:
    """Whether stderr is a terminal that can redraw a line (not TERM=dumb)."""
    return sys.stderr.isatty() and os.environ.get("TERM") != "dumb"


class PhaseState(work.Phase):
    """What a phase has done so far; counted from any thread, read by the display."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.started = time.monotonic()
        self.counts: dict[str, int] = {}
        self.summary = ""
        self.lock = threading.Lock()

    def count(self, **amounts: int) -> None:
        with self.lock:
            for unit, amount in amounts.items():
                self.counts[unit] = self.counts.get(unit, 0) + amount

    def result(self, summary: str) -> None:
        self.summary = summary

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def so_far(self) -> str:
        with self.lock:
            counts = ", ".join(f"{amount:,} {unit}" for unit, amount in self.counts.items())
        return for_terminal(f"{self.title}: {counts}" if counts else self.title)

    def closing_line(self) -> str:
        return for_terminal(f"{self.title} ... {self.summary or 'done'} in {self.elapsed():.1f} s")


class LineProgress(work.Progress):
    """CI logs: a line when a phase ends, and each notice."""

    def __init__(self, every_phase: bool) -> None:
        self.every_phase = every_phase

    @contextmanager
    def phase(self, title: str) -> Iterator[work.Phase]:
        state = PhaseState(title)
        yield state
        if self.every_phase or state.elapsed() >= SHOW_AFTER:
            click.echo(state.closing_line(), err=True)

    def notice(self, message: str) -> None:
        click.echo(for_terminal(message), err=True)


class PhaseView:
    """The live line of a phase: a spinner, what it is doing, its counts and its time."""

    def __init__(self, state: PhaseState, every_phase: bool) -> None:
        self.state = state
        self.every_phase = every_phase
        self.spinner = Spinner("dots")

    def __rich__(self) -> RenderableType:
        elapsed = self.state.elapsed()
        if elapsed < SHOW_AFTER and not self.every_phase:
            return Group()
        self.spinner.update(text=Text(f"{self.state.so_far()} ({elapsed:.0f} s)"))
        return self.spinner


class LiveProgress(work.Progress):
    """A terminal: the phase under way redrawn in place, its closing line kept."""

    def __init__(self, every_phase: bool) -> None:
        self.every_phase = every_phase
        self.console = Console(file=sys.stderr)

    @contextmanager
    def phase(self, title: str) -> Iterator[work.Phase]:
        state = PhaseState(title)
        view = PhaseView(state, self.every_phase)
        live = Live(
            view,
            console=self.console,
            transient=True,
            refresh_per_second=REFRESHES_PER_SECOND,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        with live:
            yield state
        if self.every_phase or state.elapsed() >= SHOW_AFTER:
            self.console.print(Text(state.closing_line()), highlight=False)

    def notice(self, message: str) -> None:
        self.console.print(Text(for_terminal(message)), highlight=False)


def progress_for_terminal() -> work.Progress:
    """Long work's progress as ORGSTATE_PROGRESS (auto, all, off) and stderr ask."""
    setting = os.environ.get(PROGRESS_ENV, "auto")
    if setting not in PROGRESS_SETTINGS:
        raise UsageError(f"{PROGRESS_ENV} must be one of {', '.join(PROGRESS_SETTINGS)}, not {setting[:20]!r}")
    if setting == "off":
        return work.SILENT
    every_phase = setting == "all"
    return LiveProgress(every_phase) if live_terminal() else LineProgress(every_phase)


class LineReporter(Reporter):
    def starting(self, total: int, pending: int) -> None:
        if pending < total:
            click.echo(f"Resuming: {total - pending} of {total} changes were done by an earlier run.")

    def change_done(self, change: Change, status: str, detail: str) -> None:
        change_id, address, action = (for_terminal(part) for part in (change.id, change.address, change.action))
        click.echo(f"{change_id} {symbol(change)} {address} {action}: {for_terminal(status)} ({for_terminal(detail)})")


class ProgressReporter(Reporter):
    def __init__(self) -> None:
        self.console = Console(file=sys.stderr)
        self.progress = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self.task: TaskID | None = None

    def starting(self, total: int, pending: int) -> None:
        self.progress.start()
        self.task = self.progress.add_task("applying", total=total, completed=total - pending)

    def change_done(self, change: Change, status: str, detail: str) -> None:
        assert self.task is not None
        self.progress.update(self.task, advance=1, description=for_terminal(f"{change.address} {change.action}"))
        if status != "done":
            what = f" {for_terminal(change.id)} {for_terminal(change.address)}: {for_terminal(detail)}"
            self.progress.console.print(Text.assemble((for_terminal(status), "red"), what), highlight=False)

    def finished(self) -> None:
        self.progress.stop()


def reporter_for_terminal() -> Reporter:
    return ProgressReporter() if live_terminal() and sys.stdout.isatty() else LineReporter()

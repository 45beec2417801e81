"""Apply's progress, for the CLI: a rich progress bar on a terminal, one line per
change in CI logs.

Details are the backend's own messages, which quote live names: every value is written
through `for_terminal` (render/escape.py), and rich is given text, never markup."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from orgstate.executor.reporter import Reporter
from orgstate.planner.changes import Change
from orgstate.render.escape import for_terminal
from orgstate.render.plan_text import symbol


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
    return ProgressReporter() if sys.stderr.isatty() and sys.stdout.isatty() else LineReporter()

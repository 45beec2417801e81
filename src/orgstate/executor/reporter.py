"""How apply tells what it does: the core calls a reporter; the CLI plugs in a progress
bar on a terminal or one line per change in CI logs. The default says nothing."""

from __future__ import annotations

from orgstate.planner.changes import Change


class Reporter:
    def starting(self, total: int, pending: int) -> None:
        """`pending` of the plan's `total` changes remain to run."""

    def change_done(self, change: Change, status: str, detail: str) -> None:
        """One change finished: status done, failed or skipped; or the run stopped while it
        was under way: status interrupted. detail says how."""

    def finished(self) -> None:
        """The run is over."""

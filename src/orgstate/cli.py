"""The command line: parse arguments, run the pipeline, map errors to exit codes.

This is the one place that prints and the one error boundary: an OrgstateError
becomes one clear line and exit 1; anything else is a bug and says so.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import click

from orgstate import __version__
from orgstate.appliers.base import Backend
from orgstate.appliers.lookup import BY_ID
from orgstate.appliers.urls import DEFAULT_BACKEND, open_backend
from orgstate.config.schema import org_schema_text
from orgstate.config.settings import (
    BACKEND_ENV,
    DEFAULT_CONFIG_PATHS,
    STATE_ENV,
    Settings,
    config_paths,
    read_settings,
)
from orgstate.diagnostics import Diagnostic
from orgstate.errors import ConfigError, OrgstateError, UsageError
from orgstate.executor.apply import ApplyResult, StopRequest, apply_plan
from orgstate.executor.passwords import PasswordFile
from orgstate.export.document import export_document
from orgstate.export.split import write_split
from orgstate.export.writer import HEADER, refuse_existing, to_yaml, write_new
from orgstate.github import environment
from orgstate.github.body import compose, room
from orgstate.github.marker import CHANGES_DIGEST, DRIFT, PLAN, Marker, config_label
from orgstate.github.outputs import append_outputs
from orgstate.github.summary import append_summary
from orgstate.model.live import TenantState
from orgstate.pipeline import (
    Checked,
    check,
    detect,
    explain_object,
    find_member,
    make_plan,
    merge_export,
    read_audit_log,
    read_saved_plan,
    read_snapshot,
    reset_password,
)
from orgstate.planner.plan import Plan
from orgstate.progress import Progress
from orgstate.render.apply import apply_counts, render_apply_markdown
from orgstate.render.audit import FORMATS as AUDIT_FORMATS
from orgstate.render.audit import NO_JOURNAL, render_audit
from orgstate.render.diagnostics import render_text
from orgstate.render.drift import render_drift_markdown, summary_line
from orgstate.render.escape import for_terminal
from orgstate.render.plan_json import plan_schema_text, read_plan, render_plan_json
from orgstate.render.plan_markdown import render_plan_markdown
from orgstate.render.plan_text import kind_counts, plural
from orgstate.render.progress import progress_for_terminal, reporter_for_terminal
from orgstate.render.registry import Report, formats, render
from orgstate.statestore import open_store
from orgstate.statestore.store import (
    DEFAULT_STATE,
    describe_lock,
    format_duration,
    open_existing_store,
    this_holder,
)
from orgstate.tenant import Tenant
from orgstate.tenant.fixture import init_tenant, load_fixture
from orgstate.tenant.snapshot import read_state

DEFAULT_TENANT_DB = Path(".orgstate/tenant.db")
DEFAULT_PASSWORDS_DIR = ".orgstate/passwords"
F = TypeVar("F", bound=Callable[..., Any])
# Large results stay referenced until the process ends (see main): freeing 100,000
# members object by object costs more than the rest of the teardown.
_RETAINED: list[object] = []


def use_colour() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def format_option(report: Report) -> Callable[[F], F]:
    """--format, choosing among the formats the renderer registry has for `report`."""
    choices = formats(report)
    return click.option("--format", "output_format", type=click.Choice(choices), default=choices[0], show_default=True)


config_option = click.option(
    "-f",
    "--file",
    "paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A YAML file or a directory of them (repeatable). "
    f"Default: {DEFAULT_CONFIG_PATHS[0]}, else {DEFAULT_CONFIG_PATHS[1]}/.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="orgstate")
def cli() -> None:
    """Manage a Lark organization as code."""


@cli.result_callback()
def exit_with(code: int | None) -> None:
    """The one place a command's exit code becomes the process's: every command returns
    its code (None for 0)."""
    raise click.exceptions.Exit(code or 0)


@cli.command()
@config_option
@format_option("diagnostics")
def validate(paths: tuple[Path, ...], output_format: str) -> int:
    """Check the configuration without a backend: exit 0 when clean, 1 on any error."""
    checked = check(config_paths(paths))
    _RETAINED.append(checked)
    _echo_diagnostics(checked.diagnostics, output_format)
    return 1 if checked.has_errors else 0


def _echo_diagnostics(diagnostics: Sequence[Diagnostic], output_format: str) -> None:
    """Diagnostics in `output_format` when they have it, else as text (a markdown plan's
    configuration errors)."""
    if output_format not in formats("diagnostics"):
        output_format = "text"
    click.echo(render("diagnostics", output_format, list(diagnostics), use_colour()), color=use_colour())


def _rejected(checked: Checked, output_format: str) -> bool:
    """Whether the configuration has errors, which are then printed: a command stops
    there, before any backend is touched."""
    if checked.has_errors:
        _echo_diagnostics(checked.diagnostics, output_format)
    return checked.has_errors


backend_option = click.option(
    "--backend",
    "backend_url",
    default=DEFAULT_BACKEND,
    show_default=True,
    envvar=BACKEND_ENV,
    help="local:PATH (the embedded tenant), lark:URL or scim:URL.",
)


# -target and -out: the single-dash spellings Terraform users type, as aliases.
target_option = click.option(
    "--target",
    "-target",
    "targets",
    multiple=True,
    metavar="ADDRESS",
    help="Plan only this object (member.ID, department.ID, user_group.ID) and what it depends on "
    "(repeatable); for exceptional cases, not routine use.",
)


@cli.command("plan")
@config_option
@backend_option
@click.option("--out", "-out", type=click.Path(path_type=Path, dir_okay=False), help="Save the plan (JSON) for apply.")
@format_option("plan")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when none, 1 on error.")
@click.option("--allow-removals", type=click.IntRange(min=0), help="Allow up to N destructive changes.")
@target_option
def plan_command(
    paths: tuple[Path, ...],
    backend_url: str,
    out: Path | None,
    output_format: str,
    detailed_exitcode: bool,
    allow_removals: int | None,
    targets: tuple[str, ...],
) -> int:
    """Diff the configuration against the live tenant and show the changes.

    A refresh-only view (what changed in the tenant, without planning) is `orgstate drift`.
    """
    with _read_tenant(paths, backend_url, output_format) as read:
        if read is None:
            return 1
        plan = make_plan(read.checked, read.backend, read.snapshot, backend_url, allow_removals, targets, read.progress)
    _RETAINED.append(plan)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_plan_json(plan) + "\n")
    click.echo(render("plan", output_format, plan, use_colour()), color=use_colour())
    if out is not None and output_format != "json":
        click.echo(f"Saved the plan to {out}.", err=True)
    _job_summary(lambda limit: render_plan_markdown(plan, limit))
    return _plan_exit_code(plan, detailed_exitcode)


@dataclass(frozen=True)
class _TenantRead:
    checked: Checked
    backend: Backend
    snapshot: TenantState
    progress: Progress


@contextmanager
def _read_tenant(paths: tuple[Path, ...], backend_url: str, output_format: str) -> Iterator[_TenantRead | None]:
    """The checked configuration and the tenant as plan, drift and explain read it (the
    same snapshot, declared members looked up), with the backend open; None, once the
    problems are shown, when the configuration cannot be used."""
    checked = check(config_paths(paths))
    _RETAINED.append(checked)
    if _rejected(checked, output_format):
        yield None
        return
    progress = progress_for_terminal()
    with closing(open_backend(backend_url, progress)) as backend:
        snapshot = read_snapshot(checked, backend)
        _RETAINED.append(snapshot)
        yield _TenantRead(checked, backend, snapshot, progress)


def _plan_exit_code(plan: Plan, detailed: bool) -> int:
    if not plan.applyable:
        return 1
    return 2 if detailed and plan.has_changes else 0


def _job_summary(markdown: Callable[[int], str]) -> None:
    """In GitHub Actions ($GITHUB_STEP_SUMMARY set), append `markdown(limit)` to the job
    summary; a summary that cannot be written is a warning, not the command's failure."""
    path = environment.summary_file()
    if path is None:
        return
    try:
        append_summary(path, markdown)
    except OSError as exc:
        click.echo(for_terminal(f"warning: could not write the job summary {path}: {exc.strerror}"), err=True)


state_option = click.option(
    "--state",
    "state_url",
    envvar=STATE_ENV,
    default=None,
    help="Where the journal, lock and audit log live: sqlite:PATH (default sqlite:.orgstate/state.db) or "
    "postgresql://...",
)


class ChangesDigest(click.ParamType):
    """A plan's changes digest, as the plan comment shows it: sha256: and 64 hex digits."""

    name = "digest"
    FORM = re.compile(CHANGES_DIGEST)

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        if not self.FORM.fullmatch(text):
            self.fail(f"{value!r} is not a changes digest (sha256: and 64 hexadecimal digits)", param, ctx)
        return text


class Duration(click.ParamType):
    """A duration as Terraform writes them: 30s, 5m, 1h30m, 500ms; a bare number is seconds."""

    name = "duration"
    UNITS: ClassVar[dict[str, float]] = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, int | float):
            return float(value)
        text = str(value).strip()
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            return float(text)
        if not text or self.PART.sub("", text):
            self.fail(f"{value!r} is not a duration like 30s, 5m or 1h30m", param, ctx)
        return sum(float(number) * self.UNITS[unit] for number, unit in self.PART.findall(text))


lock_timeout_option = click.option(
    "--lock-timeout",
    type=Duration(),
    default="0s",
    show_default=True,
    metavar="DURATION",
    help="While another apply holds the lock, wait up to this long for it (30s, 5m); 0 fails at once.",
)


@cli.command()
@click.argument("plan_file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@config_option
@backend_option
@state_option
@lock_timeout_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking (CI).")
@click.option("--allow-removals", type=click.IntRange(min=0), help="Allow up to N destructive changes.")
@click.option(
    "--passwords-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_PASSWORDS_DIR,
    show_default=True,
    help="Where files of generated passwords (mode 0600) go.",
)
@target_option
@click.option(
    "--reviewed-changes",
    "reviewed",
    type=ChangesDigest(),
    metavar="DIGEST",
    help="Apply only if the plan's changes are the reviewed ones (their digest, from the pull-request comment or "
    "orgstate github reviewed-digest); else refuse, applying nothing.",
)
def apply(
    plan_file: Path | None,
    paths: tuple[Path, ...],
    backend_url: str,
    state_url: str | None,
    lock_timeout: float,
    auto_approve: bool,
    allow_removals: int | None,
    passwords_dir: Path,
    targets: tuple[str, ...],
    reviewed: str | None,
) -> int:
    """Carry out a saved plan, or plan and ask before carrying it out."""
    if plan_file is not None and paths:
        raise UsageError("give a saved plan or -f, not both")
    if plan_file is not None and targets:
        raise UsageError("a saved plan is applied as it was made: give --target to plan --out instead")
    source = read_saved_plan(plan_file, backend_url) if plan_file is not None else check(config_paths(paths))
    _RETAINED.append(source)
    if isinstance(source, Checked) and _rejected(source, "text"):
        return 1
    progress = progress_for_terminal()
    with closing(open_backend(backend_url, progress)) as backend, closing(open_store(state_url)) as store:
        if isinstance(source, Plan):
            plan = source
        else:
            snapshot = read_snapshot(source, backend)
            plan = make_plan(source, backend, snapshot, backend_url, allow_removals, targets, progress)
            _RETAINED.extend((snapshot, plan))
            click.echo(render("plan", "text", plan, use_colour()), color=use_colour())
        _refuse_unreviewed(plan, reviewed)
        if not isinstance(source, Plan) and plan.applyable and plan.has_changes:
            _approve(auto_approve)
        if not plan.applyable:
            raise OrgstateError("the plan has errors and cannot be applied")
        if not plan.has_changes:
            click.echo("Nothing to apply.")
            return 0
        passwords = PasswordFile(passwords_dir, f"passwords-{plan.id}")
        held = store.current_lock() if lock_timeout > 0 else None
        if held is not None:
            click.echo(
                for_terminal(f"The apply lock is held by {held.holder} (lock {held.id}, plan {held.plan_id}); ")
                + f"waiting up to {format_duration(dt.timedelta(seconds=lock_timeout))} for it.",
                err=True,
            )
        result = ApplyResult(plan.id)
        try:
            with _stop_on_signals() as stop:
                apply_plan(
                    plan,
                    backend,
                    store,
                    passwords,
                    reporter_for_terminal(),
                    lock_timeout=lock_timeout,
                    stop=stop,
                    result=result,
                )
        finally:
            if result.started:  # however it ended: what was done, and what is left
                _report_apply(plan, result)
                _job_summary(lambda limit: render_apply_markdown(plan, result, limit))
    return 0 if result.ok else 1


def _refuse_unreviewed(plan: Plan, reviewed: str | None) -> None:
    """--reviewed-changes: a plan whose changes are not the reviewed ones applies nothing.
    A plan without changes applies nothing anyway, and passes."""
    if reviewed is None or not plan.has_changes or plan.changes_digest == reviewed:
        return
    raise OrgstateError(
        f"the plan's changes ({plan.changes_digest}) differ from the reviewed ones ({reviewed}): the configuration "
        "or the tenant changed since the review, and nothing was applied; plan again and have the new plan reviewed"
    )


@contextmanager
def _stop_on_signals() -> Iterator[StopRequest]:
    """While apply runs, a first SIGINT or SIGTERM asks it to stop after the change under
    way (Terraform's graceful stop); a second one stops it at once."""
    stop = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handle(number: int, _frame: object) -> None:
        name = signal.Signals(number).name
        if stop.reason is not None:
            raise KeyboardInterrupt(name)
        stop.request(f"interrupted by {name}")
        # os.write: no buffered stream may be re-entered from a signal handler.
        os.write(2, f"\n{name} received: stopping after the change under way ({name} again stops at once)\n".encode())

    previous = {number: signal.signal(number, handle) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _approve(auto_approve: bool) -> None:
    if auto_approve:
        return
    if not sys.stdin.isatty():
        raise UsageError(
            "refusing to apply without a terminal to confirm on: review the plan and pass "
            "--auto-approve, or apply a saved plan file"
        )
    answer = click.prompt(
        "Do you want to apply these changes? Only 'yes' will be accepted", default="", show_default=False
    )
    if answer != "yes":
        raise OrgstateError("apply cancelled")


NOT_STARTED_LISTED = 10  # a run stopped early may leave thousands: name the first few


def _report_apply(plan: Plan, result: ApplyResult) -> None:
    """What the run did, however it ended; addresses and reasons (the backend's messages
    quote live names) are written through for_terminal."""
    click.echo(
        f"Apply {'complete' if result.ok else 'incomplete'}: {', '.join(apply_counts(result))} "
        f"(plan {for_terminal(result.plan_id)})."
    )
    addresses = {change.id: for_terminal(f"{change.id} {change.address}") for change in plan.changes}
    for change_id, error in sorted(result.failed.items()):
        click.echo(f"  failed      {addresses[change_id]}: {for_terminal(error)}")
    for change_id, why in sorted(result.skipped.items()):
        click.echo(f"  skipped     {addresses[change_id]}: {for_terminal(why)}")
    for change_id in sorted(result.interrupted):
        click.echo(
            f"  interrupted {addresses[change_id]}: under way when the run stopped "
            "(the next run checks whether it took effect)"
        )
    for change_id in result.not_started[:NOT_STARTED_LISTED]:
        click.echo(f"  not started {addresses[change_id]}")
    if len(result.not_started) > NOT_STARTED_LISTED:
        click.echo(f"  ... and {len(result.not_started) - NOT_STARTED_LISTED} more not started")
    if result.stopped:
        click.echo(f"Stopped: {for_terminal(result.stopped)}")
    if result.password_file:
        click.echo(f"Initial passwords were written to {for_terminal(result.password_file)} (readable by you only).")
    if not result.ok:
        click.echo("Run apply again to retry what failed or did not run; completed changes are not repeated.")


class Since(click.ParamType):
    """A moment: a date (2026-12-01), a timestamp (2026-12-01T09:30, UTC unless it gives
    an offset) or a duration back from now (30m, 2h, 7d, 1w)."""

    name = "since"
    AGO = re.compile(r"(\d+)(m|h|d|w)")
    UNITS: ClassVar[dict[str, str]] = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        text = str(value).strip()
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            if not text or self.AGO.sub("", text):
                self.fail(f"{value!r} is not a date (2026-12-01), a timestamp or a duration like 2h or 7d", param, ctx)
            parts = self.AGO.findall(text)
            return dt.datetime.now(dt.UTC) - sum(
                (dt.timedelta(**{self.UNITS[unit]: int(count)}) for count, unit in parts), dt.timedelta()
            )
        return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


@cli.command("log")
@state_option
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="How many, the latest.")
@click.option(
    "--format", "output_format", type=click.Choice(AUDIT_FORMATS), default=AUDIT_FORMATS[0], show_default=True
)
@click.option(
    "--since", type=Since(), metavar="WHEN", help="Entries from then on: 2026-12-01, 2026-12-01T09:30 (UTC), 2h, 7d."
)
@click.option("--plan", "plan_id", metavar="PLAN_ID", help="Entries of this plan only.")
@click.option(
    "--address",
    "addresses",
    multiple=True,
    metavar="ADDRESS",
    help="Entries about this object only, e.g. member.alice or lock (repeatable).",
)
def log_command(
    state_url: str | None,
    limit: int,
    output_format: str,
    since: dt.datetime | None,
    plan_id: str | None,
    addresses: tuple[str, ...],
) -> None:
    """Show the audit log: applied changes, password resets, broken locks. Reads the state
    store without creating it: with none yet, says so and exits 0."""
    entries = read_audit_log(state_url, limit, since=since, plan_id=plan_id, addresses=addresses)
    if entries is None and output_format == "text":
        click.echo(NO_JOURNAL.format(where=DEFAULT_STATE))
        return
    filtered = since is not None or plan_id is not None or bool(addresses)
    click.echo(render_audit(entries or [], output_format, filtered))


@cli.command()
@click.argument("lock_id")
@state_option
@click.option(
    "--force",
    is_flag=True,
    help="Break the lock even while its holder looks alive, without asking (scripts).",
)
def unlock(lock_id: str, state_url: str | None, force: bool) -> None:
    """Break the apply lock of a run that died; a live holder needs --force."""
    existing = open_existing_store(state_url)  # where there is no state store, unlock creates none
    if existing is None:
        raise OrgstateError(f"no lock {lock_id}; no lock is held (there is no state store yet)")
    with closing(existing) as store:
        lock = store.current_lock()
        if lock is None or lock.id != lock_id:
            held = f"; the lock now is {lock.id}, held by {lock.holder}" if lock else "; no lock is held"
            raise OrgstateError(f"no lock {lock_id}{held}")
        status = store.status(lock)
        click.echo(for_terminal(f"Lock {lock.id} is held by {describe_lock(lock)}; {status.why}."))
        if status.alive and not force:
            _confirm_force_unlock(lock.id, status.why)
        # A holder judged dead is released only as it was judged: not if it renewed its heartbeat since.
        if not store.break_lock(lock.id, expected=None if status.alive else lock):
            raise OrgstateError(
                f"lock {lock.id} changed while it was being released (its holder renewed it, or its run ended); "
                "nothing was released"
            )
        forced = "forced, " if status.alive else ""
        store.record(
            this_holder(), "lock", "unlock", "done", f"broke lock {lock.id} of {lock.holder} ({forced}{status.why})"
        )
    click.echo(f"Released lock {for_terminal(lock_id)}.")


def _confirm_force_unlock(lock_id: str, why: str) -> None:
    """A holder that may still run: refused without a terminal, else asked, as Terraform's force-unlock asks."""
    danger = "breaking the lock of an apply that is still running lets a second apply run beside it"
    if not sys.stdin.isatty():
        raise OrgstateError(
            f"refusing to break lock {lock_id}: {why}, and {danger}. Wait for it to end or stop it; "
            f"if you are sure it no longer runs: orgstate unlock {lock_id} --force"
        )
    click.echo(f"Careful: {danger}. Its next change would be refused, but the one under way finishes.")
    answer = click.prompt(
        "Do you really want to force-unlock? Only 'yes' will be accepted", default="", show_default=False
    )
    if answer != "yes":
        raise OrgstateError("unlock cancelled: the lock is still held")


@cli.command("reset-password")
@click.argument("member")
@click.option(
    "--send",
    type=click.Choice(["email", "phone", "self"]),
    help="Have the tenant send the new password instead of writing a file: email, to the member's email on "
    "record; phone, by text message to the member's phone; self, to your own (the acting admin's) registered "
    "work email, for you to hand over. The lark backend cannot send (the Open API has no such call).",
)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="A new file for the password (0600).")
@backend_option
@state_option
def reset_password_command(
    member: str, send: str | None, out: Path | None, backend_url: str, state_url: str | None
) -> None:
    """Reset a member's login password (business-email logins only).

    MEMBER is a User ID, a work or business email, or a phone (+15550100002, or as the
    configuration writes it); one that names several members is refused, listing them."""
    progress = progress_for_terminal()
    with closing(open_backend(backend_url, progress)) as backend:
        match = find_member(backend, member)  # before the state store opens: a miss creates nothing
        if match.by != BY_ID:
            click.echo(for_terminal(f"'{member}' is member {match.describe()}, by {match.by}."))
        member_id = match.member.id
        with closing(open_store(state_url)) as store:
            delivery = reset_password(backend, store, backend_url, member_id, send, out, Path(DEFAULT_PASSWORDS_DIR))
    click.echo(for_terminal(f"The password of {member_id} was reset and {delivery}."))


@cli.command("explain")
@click.argument("address")
@config_option
@backend_option
@format_option("explain")
def explain_command(address: str, paths: tuple[Path, ...], backend_url: str, output_format: str) -> int:
    """Show one object (member.ID, department.ID, user_group.ID): its declared and live
    values side by side, where a member's seat comes from and why, its planned changes and
    the diagnostics about it."""
    with _read_tenant(paths, backend_url, output_format) as read:
        if read is None:
            return 1
        explanation = explain_object(read.checked, read.backend, read.snapshot, backend_url, address)
    click.echo(render("explain", output_format, explanation, use_colour()), color=use_colour())
    return 0


@cli.command()
@config_option
@backend_option
@format_option("drift")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write the report to a file.")
def drift(paths: tuple[Path, ...], backend_url: str, output_format: str, out: Path | None) -> int:
    """Report where the live tenant differs from the configuration: exit 2 on drift, 0 when clean.

    Items are grouped by kind (changed, unmanaged, missing, pending offboarding), then
    by object type and field, each marked with the symbol of what a plan would do.
    Text and markdown list the first items of a long group (markdown stays under
    GitHub's comment limit); --format json or --out holds them all. With --out, the
    summary line goes to standard output and the notice to standard error."""
    with _read_tenant(paths, backend_url, output_format) as read:
        if read is None:
            return 1
        report = detect(read.checked, read.backend, read.snapshot, backend_url, read.progress)
    text = render("drift", output_format, report)
    if out is None:
        click.echo(text)
    else:
        write_new(out, text if text.endswith("\n") else text + "\n")
        # The summary is the result (standard output); the notice, as plan's, goes to standard error.
        click.echo(summary_line(report))
        click.echo(f"Report written to {for_terminal(out)}.", err=True)
    _job_summary(lambda limit: render_drift_markdown(report, limit))
    return 2 if report.has_drift else 0


@cli.command("export")
@backend_option
@click.option(
    "-o", "--out", "out", type=click.Path(path_type=Path, dir_okay=False), help="Write a new file (see --force)."
)
@click.option(
    "--merge",
    "merge",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Update this hand-written file (and the seat lists it names) in place, rewriting only what"
    " differs from the tenant and keeping every comment and untouched line.",
)
@click.option(
    "--split",
    "split",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write one file per department into this directory; files it wrote before and no"
    " longer exports are removed, files it did not write are left alone.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace an existing -o file, or --split files that export did not write.",
)
def export_command(backend_url: str, out: Path | None, merge: Path | None, split: Path | None, force: bool) -> None:
    """Write the live tenant as configuration (YAML). See docs/adoption.md."""
    if sum(option is not None for option in (out, merge, split)) > 1:
        raise UsageError("choose one of -o, --merge and --split")
    if out is not None and not force:
        refuse_existing(out)
    progress = progress_for_terminal()
    with closing(open_backend(backend_url, progress)) as backend:
        snapshot = backend.read_snapshot()
    document = export_document(snapshot)
    header = HEADER.format(backend=backend_url)
    if merge is not None:
        with progress.phase(f"Merging into {merge}"):
            changes = merge_export(merge, snapshot, document)
        summary = f"{len(changes)} change(s)" if changes else "nothing to change"
        click.echo(f"Merged into {for_terminal(merge)}: {summary}")
        for change in changes:
            click.echo(f"  {for_terminal(change)}")
    elif split is not None:
        with progress.phase(f"Writing {split}"):
            written, removed = write_split(split, document, header, force)
        for path in written:
            click.echo(f"wrote {for_terminal(path)}")
        for path in removed:
            click.echo(f"removed {for_terminal(path)} (no longer exported)")
    elif out is not None:
        with progress.phase(f"Writing {out}"):
            write_new(out, to_yaml(document, header))
        click.echo(f"wrote {for_terminal(out)}")
    else:
        with progress.phase("Writing the configuration"):
            text = to_yaml(document, header)
        click.echo(text, nl=False)


@cli.command()
@click.argument("plan_file", type=click.Path(path_type=Path, dir_okay=False))
@format_option("plan")
def show(plan_file: Path, output_format: str) -> None:
    """Render a saved plan."""
    click.echo(render("plan", output_format, read_plan(plan_file), use_colour()), color=use_colour())


@cli.command()
@click.option("--plan", "of_plan", is_flag=True, help="The schema of saved plans instead.")
def schema(of_plan: bool) -> None:
    """Print the JSON Schema of the configuration language (or of saved plans)."""
    click.echo(plan_schema_text() if of_plan else org_schema_text(), nl=False)


db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    default=DEFAULT_TENANT_DB,
    show_default=True,
    help="The embedded tenant's SQLite file.",
)


@cli.group()
def local() -> None:
    """The embedded tenant: a Lark tenant in a local SQLite file (no account needed)."""


@cli.group()
def emulator() -> None:
    """The Lark Open API on loopback, served from the embedded tenant."""


@emulator.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="0 picks a free port.")
@db_option
@click.option(
    "--app-id",
    envvar="LARK_APP_ID",
    default="cli_orgstate_emulator",
    show_default=True,
    help="The app id clients present (env LARK_APP_ID).",
)
@click.option("--app-secret", default=None, help="The app secret; prefer the environment variable LARK_APP_SECRET.")
@click.option(
    "--rate-limits",
    type=click.Choice(["on", "off"]),
    default="on",
    show_default=True,
    help="Enforce the per-endpoint rate limits of the Open API.",
)
@click.option(
    "--faults",
    default=None,
    metavar="SPEC",
    help="Inject faults, e.g. '5xx=0.05,429=0.05,timeout=0.01,html502=0.01,seed=7'.",
)
@click.option(
    "--token-ttl",
    type=click.IntRange(1, 7200),
    default=7200,
    show_default=True,
    metavar="SECONDS",
    help="Lifetime of a tenant access token.",
)
@click.option(
    "--scopes",
    default=None,
    metavar="LIST",
    help="The scopes the app was granted, comma-separated (default: all it may need).",
)
def emulator_serve(
    port: int,
    db_path: Path,
    app_id: str,
    app_secret: str | None,
    rate_limits: str,
    faults: str | None,
    token_ttl: int,
    scopes: str | None,
) -> None:
    """Serve the Lark Open API subset that the lark backend calls (docs/lark.md) on 127.0.0.1 until interrupted."""
    try:
        from orgstate.emulator.server import serve
    except ImportError as exc:
        raise UsageError("the emulator needs its extra: pip install 'orgstate[emulator]'") from exc
    serve(db_path, port, app_id, app_secret, rate_limits == "on", faults, token_ttl, scopes)


@local.command("init")
@click.option(
    "--from",
    "fixture",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="A tenant fixture (YAML), like examples/tenant.yaml.",
)
@db_option
@click.option("--force", is_flag=True, help="Replace an existing tenant database.")
def local_init(fixture: Path, db_path: Path, force: bool) -> None:
    """Create the embedded tenant from a fixture."""
    state = load_fixture(fixture)
    init_tenant(db_path, state, replace=force)
    click.echo(
        f"created {db_path}: {for_terminal(state.tenant.name)}, {len(state.members)} members, "
        f"{len(state.departments)} departments, {len(state.user_groups)} user groups"
    )


@local.command("show")
@db_option
@format_option("tenant")
def local_show(db_path: Path, output_format: str) -> None:
    """Print the embedded tenant (JSON in the fixture's shape, so it round-trips)."""
    if not db_path.is_file():
        raise OrgstateError(f"{db_path}: no tenant database; run 'orgstate local init --from TENANT.yaml'")
    with Tenant(db_path) as tenant:
        state = read_state(tenant)
    click.echo(render("tenant", output_format, state))


@cli.group("github")
def github_group() -> None:
    """orgstate in GitHub Actions: the plan comment, the drift issue, step outputs (docs/gitops.md)."""


DEFAULT_AUTHOR = "github-actions[bot]"  # whom the workflow's GITHUB_TOKEN acts as
author_option = click.option(
    "--author",
    default=DEFAULT_AUTHOR,
    show_default=True,
    metavar="LOGIN",
    help="Whose comments and issues are orgstate's own: the login the token acts as.",
)
plan_file_option = click.option(
    "--plan",
    "plan_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="A plan saved by orgstate plan --out.",
)


def _marker(kind: str, paths: tuple[Path, ...]) -> Marker:
    return Marker(kind, config_label(config_paths(paths), environment.workspace()))


@github_group.command("comment")
@plan_file_option
@config_option
@author_option
def github_comment(plan_file: Path, paths: tuple[Path, ...], author: str) -> None:
    """Post the plan as the pull request's comment, updating orgstate's earlier one."""
    from orgstate.github.client import connect  # PyGithub: loaded by the commands that talk to GitHub only
    from orgstate.github.comments import upsert_comment

    connection = environment.connection()
    number = environment.pull_request_number()
    marker = _marker(PLAN, paths)
    plan = read_plan(plan_file)
    line = marker.line(plan.changes_digest)
    run = environment.run_url()
    rest = f"the job summary of [this workflow run]({run})" if run else "the job summary of this workflow run"
    body = compose(line, render_plan_markdown(plan, room(line), rest))
    with closing(connect(connection, progress_for_terminal())) as client:
        posted = upsert_comment(client, connection.repository, number, marker, author, body)
    click.echo(for_terminal(f"{posted.action.capitalize()} the plan comment on pull request #{number}: {posted.url}"))
    if posted.duplicates:
        click.echo(f"Deleted {plural(posted.duplicates, 'copy')} of it left by an earlier run.")


@github_group.command("reviewed-digest")
@config_option
@author_option
def github_reviewed_digest(paths: tuple[Path, ...], author: str) -> None:
    """Print the changes digest of the plan reviewed in the pull request merged as GITHUB_SHA."""
    from orgstate.github.client import connect
    from orgstate.github.reviewed import reviewed_digest

    connection = environment.connection()
    sha = environment.commit_sha()
    marker = _marker(PLAN, paths)
    with closing(connect(connection, progress_for_terminal())) as client:
        click.echo(reviewed_digest(client, connection.repository, sha, marker, author))


@github_group.command("outputs")
@plan_file_option
def github_outputs(plan_file: Path) -> None:
    """Set the step's outputs from a saved plan (appended to $GITHUB_OUTPUT)."""
    path = environment.output_file()
    plan = read_plan(plan_file)
    counts = kind_counts(plan.changes)
    values = {
        "has-changes": str(plan.has_changes).lower(),
        "applyable": str(plan.applyable).lower(),
        **{kind: str(count) for kind, count in counts.items()},
        "summary": json.dumps(plan.summary),
        "changes-digest": plan.changes_digest,
        "estimate-seconds": "" if plan.estimate is None else f"{plan.estimate.seconds:.1f}",
    }
    append_outputs(path, values)


@github_group.command("drift-issue")
@config_option
@backend_option
@author_option
def github_drift_issue(paths: tuple[Path, ...], backend_url: str, author: str) -> int:
    """Report drift, as orgstate drift does, and keep one open issue up to date with it:
    opened when drift appears, updated while it lasts, closed when it is gone. Exit 2 on
    drift, 0 when clean."""
    from orgstate.github.client import connect
    from orgstate.github.issues import sync_drift_issue

    connection = environment.connection()  # before the tenant is read: a missing token fails at once
    marker = _marker(DRIFT, paths)
    with _read_tenant(paths, backend_url, "text") as read:
        if read is None:
            return 1
        report = detect(read.checked, read.backend, read.snapshot, backend_url, read.progress)
    click.echo(summary_line(report))
    _job_summary(lambda limit: render_drift_markdown(report, limit))
    line = marker.line()
    body = compose(line, render_drift_markdown(report, room(line))) if report.has_drift else None
    title = for_terminal(f"orgstate: drift in {report.organization or report.backend}")
    closing_note = f"No drift as of {report.created_at}: the tenant matches the configuration again."
    with closing(connect(connection, progress_for_terminal())) as client:
        outcome = sync_drift_issue(client, connection.repository, marker, author, title, body, closing_note)
    if outcome.number is not None:
        click.echo(for_terminal(f"{outcome.action.capitalize()} issue #{outcome.number}: {outcome.url}"))
    return 2 if report.has_drift else 0


# orgstate.toml setting -> (the option it is the default of, the commands that take it)
SETTINGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "backend": ("backend_url", ("plan", "apply", "drift", "export", "reset-password", "explain", "github drift-issue")),
    "state": ("state_url", ("apply", "log", "unlock", "reset-password")),
    "config": (
        "paths",
        (
            "validate",
            "plan",
            "apply",
            "drift",
            "explain",
            "github comment",
            "github reviewed-digest",
            "github drift-issue",
        ),
    ),
}


def default_map(settings: Settings) -> dict[str, Any]:
    """orgstate.toml's values as click's default_map: below the command line and the
    environment, above the built-in defaults. A subcommand ("github comment") has its
    defaults nested under its group's."""
    defaults: dict[str, Any] = {}
    for key, value in vars(settings).items():
        if value is None:
            continue
        option, commands = SETTINGS[key]
        for command in commands:
            table = defaults
            for name in command.split():
                table = table.setdefault(name, {})
            table[option] = value
    return defaults


def run(args: Sequence[str] | None = None) -> int:
    """Run the command line (`args`, else the process's) and return its exit code; the
    one error boundary."""
    try:
        settings = default_map(read_settings())
        code = cli.main(args=args, prog_name="orgstate", standalone_mode=False, default_map=settings)
    except click.ClickException as exc:
        # One line, and exit 1: click's 2 would read as "changes present" or "drift".
        message = " ".join(exc.format_message().split())
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            message += f" (see: {exc.ctx.command_path} --help)"
        click.echo(for_terminal(f"error: {message}"), err=True)
        return 1
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except OrgstateError as exc:
        if isinstance(exc, ConfigError) and exc.diagnostics:
            click.echo(render_text(exc.diagnostics), err=True)
        # A message may quote input (a forged plan's address, a live name): escaped, line by line.
        click.echo("\n".join(for_terminal(line) for line in f"error: {exc}".split("\n")), err=True)
        return exc.exit_code
    except Exception:  # noqa: BLE001 - the one boundary: an unexpected exception is a bug
        click.echo("orgstate: internal error (this is a bug; please report it with the lines below)", err=True)
        click.echo(traceback.format_exc(), err=True)
        return 70
    return code if isinstance(code, int) else 0


def main() -> None:
    code = run()
    # Every file and database is closed by now; skip freeing millions of objects one by
    # one at interpreter teardown (0.4 s for 100,000 members), as the process ends anyway.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)

"""What an apply run did, however it ended, as markdown for the job summary: the counts
the text report prints (`apply_counts`, shared with the CLI's report), then the changes
that failed, were skipped, were interrupted or did not start, each with its reason.

Addresses and reasons quote input (a backend's message may quote a live name): each
goes through the markdown escaper. The report stays within `limit` characters by
listing fewer changes, with a count of the rest."""

from __future__ import annotations

from orgstate.executor.apply import ApplyResult
from orgstate.planner.plan import Plan
from orgstate.render.escape import for_markdown, for_markdown_code


def apply_counts(result: ApplyResult) -> list[str]:
    """`3 applied`, `0 done earlier`, ...: how many changes ended each way."""
    return [
        f"{len(result.done)} applied",
        f"{result.earlier} done earlier",
        f"{len(result.failed)} failed",
        f"{len(result.skipped)} skipped",
        *([f"{len(result.interrupted)} interrupted"] if result.interrupted else []),
        f"{len(result.not_started)} not started",
    ]


def _items(plan: Plan, result: ApplyResult) -> list[str]:
    addresses = {change.id: for_markdown_code(f"{change.id} {change.address}") for change in plan.changes}
    return [
        *(f"- failed {addresses[i]}: {for_markdown(why)}" for i, why in sorted(result.failed.items())),
        *(f"- skipped {addresses[i]}: {for_markdown(why)}" for i, why in sorted(result.skipped.items())),
        *(f"- interrupted {addresses[i]}: {for_markdown(why)}" for i, why in sorted(result.interrupted.items())),
        *(f"- not started {addresses[i]}" for i in result.not_started),
    ]


def render_apply_markdown(plan: Plan, result: ApplyResult, limit: int) -> str:
    ended = "complete" if result.ok else "incomplete"
    head = [
        f"## orgstate apply: {ended}",
        "",
        f"{', '.join(apply_counts(result))} (plan {for_markdown_code(plan.id)}).",
        "",
    ]
    if result.stopped:
        head += [f"Stopped: {for_markdown(result.stopped)}", ""]
    tail = (
        []
        if result.ok
        else ["Run apply again to retry what failed or did not run; completed changes are not repeated."]
    )
    items = _items(plan, result)
    shown: list[str] = []
    used = len("\n".join([*head, *tail])) + 200  # room for the note of what is left out
    for item in items:
        if used + len(item) + 1 > limit:
            break
        shown.append(item)
        used += len(item) + 1
    if len(shown) < len(items):
        shown.append(f"- ... and {len(items) - len(shown)} more, not listed here")
    return "\n".join([*head, *shown, *([""] if shown else []), *tail]).rstrip() + "\n"

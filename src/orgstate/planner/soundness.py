"""The shape a plan must have before apply trusts it, whoever wrote the file: each change
once, every dependency on an earlier change of the plan (so the graph is closed and
acyclic), and a fingerprint of every object a change touches or depends on (without
one, a change would run on an object nobody checked) and of nothing else. A targeted
plan holds only changes of its targets and what those depend on."""

from __future__ import annotations

from orgstate.planner.changes import Address
from orgstate.planner.fingerprints import CONTENTS, reads
from orgstate.planner.plan import Plan
from orgstate.planner.targets import TARGET_TYPES, concerns


def plan_problems(plan: Plan) -> list[str]:
    """What is wrong with the plan's shape; empty when nothing is."""
    problems: list[str] = []
    seen: set[str] = set()
    read: set[str] = set()
    for change in plan.changes:
        if change.id in seen:
            problems.append(f"changes: {change.id} appears twice")
        for needed in change.depends_on:
            if needed not in seen:
                problems.append(f"changes: {change.id} depends on {needed}, which is not an earlier change of the plan")
        keys = reads(change)
        missing = [key for key in keys if key not in plan.fingerprints]
        if missing:
            problems.append(f"fingerprints: nothing for {', '.join(missing)}, which {change.id} touches or depends on")
        seen.add(change.id)
        read.update(keys)
    malformed = {key: problem for key in plan.fingerprints if (problem := _key_problem(key))}
    problems += [f"fingerprints: {problem}" for problem in malformed.values()]
    unread = sorted(set(plan.fingerprints) - read - set(malformed))
    if unread:
        problems.append(f"fingerprints: {', '.join(unread[:5])}: no change touches or depends on it")
    if plan.targets:
        problems += _target_problems(plan)
    return problems


def _target_problems(plan: Plan) -> list[str]:
    """A targeted plan's targets are object addresses, and each change concerns one or is
    what such a change depends on (so no change rides along unreviewed)."""
    problems: list[str] = []
    targets: set[tuple[str, str]] = set()
    for text in plan.targets:
        try:
            address = Address.parse(text)
        except ValueError as exc:
            problems.append(f"targets: {exc}")
            continue
        if address.type not in TARGET_TYPES:
            problems.append(f"targets: '{text}' is not a {', '.join(TARGET_TYPES)}")
        targets.add((address.type, address.id))
    if len(set(plan.targets)) != len(plan.targets):
        problems.append("targets: an address appears twice")
    by_id = {change.id: change for change in plan.changes}
    reached: set[str] = set()
    pending = [change.id for change in plan.changes if concerns(change.address, targets)]
    while pending:
        change_id = pending.pop()
        if change_id in reached or change_id not in by_id:
            continue
        reached.add(change_id)
        pending.extend(by_id[change_id].depends_on)
    stray = [change.id for change in plan.changes if change.id not in reached]
    if stray:
        problems.append(
            f"changes: {', '.join(stray[:5])} neither concern a target nor are what a targeted change depends on"
        )
    return problems


def _key_problem(key: str) -> str | None:
    address = key.removesuffix(CONTENTS)
    try:
        parsed = Address.parse(address)
    except ValueError as exc:
        return str(exc)
    if address != key and parsed.type != "department":
        return f"'{key}': only a department has {CONTENTS}"
    return None

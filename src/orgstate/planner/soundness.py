"""The shape a plan must have before apply trusts it, whoever wrote the file: each change
once, every dependency on an earlier change of the plan (so the graph is closed and
acyclic), and a fingerprint of every object a change touches or depends on (without
one, a change would run on an object nobody checked) and of nothing else."""

from __future__ import annotations

from orgstate.planner.changes import Address
from orgstate.planner.fingerprints import CONTENTS, reads
from orgstate.planner.plan import Plan


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

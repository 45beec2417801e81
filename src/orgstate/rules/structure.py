"""The shape of the organization: DEPT-CYCLE (and depth) and MANAGER-CYCLE."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from orgstate.catalogue import RuleId
from orgstate.diagnostics import Diagnostic, DocPath, error
from orgstate.rules.context import RuleContext, first_occurrences

MAX_DEPARTMENT_DEPTH = 25  # the Open API's tenant limit


def _cycles(parent_of: Mapping[str, str | None]) -> list[list[str]]:
    """Every cycle in a graph where each node has at most one parent, each listed once."""
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = done
    cycles = []
    for start in parent_of:
        walk = []
        node: str | None = start
        while node is not None and node in parent_of and state.get(node) is None:
            state[node] = 1
            walk.append(node)
            node = parent_of[node]
        if node is not None and state.get(node) == 1:
            cycles.append(walk[walk.index(node) :])
        for visited in walk:
            state[visited] = 2
    return cycles


def _depths(parent_of: Mapping[str, str | None]) -> dict[str, int]:
    depth: dict[str, int] = {}
    for start in parent_of:
        chain: list[str] = []
        node: str | None = start
        while node is not None and node not in depth and node in parent_of and len(chain) <= len(parent_of):
            chain.append(node)
            node = parent_of[node]
        base = depth.get(node, 0) if node is not None else 0
        for offset, visited in enumerate(reversed(chain), start=1):
            depth[visited] = base + offset
    return depth


def _report(cycle: list[str], index: dict[str, int], at_of: Callable[[int], DocPath], rule: RuleId) -> Diagnostic:
    first = min(cycle, key=lambda item: index[item])
    loop = " -> ".join([*cycle[cycle.index(first) :], *cycle[: cycle.index(first)], first])
    return error(rule, f"cycle: {loop}", at=at_of(index[first]))


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    departments = [department for _, department in first_occurrences(ctx.config.departments, ctx.departments)]
    parent_of = {d.id: d.parent for d in departments if d.parent in ctx.departments}
    department_cycles = _cycles(parent_of)
    for cycle in department_cycles:
        yield _report(cycle, ctx.departments, lambda i: ("departments", i, "parent"), RuleId.DEPT_CYCLE)
    in_cycle = {node for cycle in department_cycles for node in cycle}
    tree = {d.id: (d.parent if d.parent in ctx.departments else None) for d in departments if d.id not in in_cycle}
    for department_id, depth in sorted(_depths(tree).items(), key=lambda item: ctx.departments[item[0]]):
        if depth > MAX_DEPARTMENT_DEPTH:
            at: DocPath = ("departments", ctx.departments[department_id], "parent")
            yield error(
                RuleId.DEPT_CYCLE, f"department is {depth} levels deep; Lark allows {MAX_DEPARTMENT_DEPTH}", at=at
            )
    members = first_occurrences(ctx.config.members, ctx.members)
    manager_of = {m.id: m.job.manager for _, m in members if m.job.manager in ctx.members}
    for cycle in _cycles(manager_of):
        yield _report(cycle, ctx.members, lambda i: ("members", i, "job", "manager"), RuleId.MANAGER_CYCLE)

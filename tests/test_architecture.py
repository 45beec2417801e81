"""The import graph of src/orgstate keeps its layers.

- Production code never imports the emulator (`orgstate.emulator`): it is a test double
  of the Open API, and what it knows about Lark lives in `orgstate.lark`, which both
  sides import. One edge is allowed, stated here: the CLI's `emulator serve` command
  starts the emulator, with an import inside the command (lazy, so that the rest of the
  CLI runs without the `emulator` extra).
- `orgstate.lark` is the bottom layer of facts: it imports nothing of orgstate but the
  model's types and the errors.

The graph is read with `ast` from the source files: every `import` and `from ... import`
statement anywhere in a module (inside functions too), relative ones resolved.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import orgstate

SRC = Path(orgstate.__file__).parent
EMULATOR = "orgstate.emulator"
# (importing module, function holding the import, imported module): the only way in.
ALLOWED_EMULATOR_IMPORTS = {("orgstate.cli", "emulator_serve", "orgstate.emulator.server")}
LARK_FACTS = "orgstate.lark"
LARK_FACTS_MAY_IMPORT = ("orgstate.errors", "orgstate.model")


@dataclass(frozen=True)
class Edge:
    importer: str
    function: str | None  # the innermost function the import sits in; None: module level
    imported: str
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def is_module(name: str) -> bool:
    path = SRC.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported_names(node: ast.Import | ast.ImportFrom, module: str, package: bool) -> list[str]:
    """The modules a statement loads: `from a import b` names `a`, and `a.b` when b is a
    submodule; a relative import is resolved against the importing module's package."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        anchor = module.split(".") if package else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, *([node.module] if node.module else [])])
    else:
        base = node.module or ""
    return [base, *(f"{base}.{alias.name}" for alias in node.names if is_module(f"{base}.{alias.name}"))]


def edges_of(source: str, module: str, package: bool = False) -> list[Edge]:
    found: list[Edge] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.extend(
                    Edge(module, function, name, child.lineno) for name in imported_names(child, module, package)
                )
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            visit(child, inner)

    visit(ast.parse(source), None)
    return found


@cache
def import_graph() -> tuple[Edge, ...]:
    return tuple(
        edge
        for path in sorted(SRC.rglob("*.py"))
        for edge in edges_of(path.read_text(encoding="utf-8"), module_name(path), is_package(path))
    )


def inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def emulator_violations(edges: tuple[Edge, ...] | list[Edge]) -> list[Edge]:
    return [
        edge
        for edge in edges
        if inside(edge.imported, EMULATOR)
        and not inside(edge.importer, EMULATOR)
        and (edge.importer, edge.function, edge.imported) not in ALLOWED_EMULATOR_IMPORTS
    ]


def test_production_code_never_imports_the_emulator() -> None:
    wrong = [f"{e.importer}:{e.line} imports {e.imported}" for e in emulator_violations(import_graph())]
    assert wrong == []


def test_the_cli_starts_the_emulator_through_a_lazy_import_only() -> None:
    """The one allowed edge exists (else the allowance is stale) and sits in a function."""
    into_emulator = {
        (e.importer, e.function, e.imported)
        for e in import_graph()
        if inside(e.imported, EMULATOR) and not inside(e.importer, EMULATOR)
    }
    assert into_emulator == ALLOWED_EMULATOR_IMPORTS


def test_lark_facts_import_only_the_model_and_the_errors() -> None:
    wrong = [
        f"{e.importer}:{e.line} imports {e.imported}"
        for e in import_graph()
        if inside(e.importer, LARK_FACTS)
        and inside(e.imported, "orgstate")
        and not any(inside(e.imported, allowed) for allowed in LARK_FACTS_MAY_IMPORT)
    ]
    assert wrong == []


def test_the_graph_holds_the_known_edges() -> None:
    """Not vacuous: the walk finds the imports we know are there, of both layers."""
    pairs = {(e.importer, e.imported) for e in import_graph()}
    assert ("orgstate.appliers.lark.client", "orgstate.lark.endpoints") in pairs
    assert ("orgstate.appliers.lark.limits", "orgstate.lark.endpoints") in pairs
    assert ("orgstate.emulator.ratelimit", "orgstate.lark.endpoints") in pairs
    assert ("orgstate.tenant.offboarding", "orgstate.lark.transfers") in pairs
    assert ("orgstate.emulator.app", "orgstate.emulator.ratelimit") in pairs


def test_imports_inside_functions_and_relative_ones_are_followed() -> None:
    source = (
        "import json\n"
        "from . import lark\n"
        "from ..emulator import app\n"
        "def serve():\n"
        "    from orgstate.emulator.server import serve\n"
    )
    edges = edges_of(source, "orgstate.appliers.thing")
    assert {(e.function, e.imported) for e in edges} == {
        (None, "json"),
        (None, "orgstate.appliers"),
        (None, "orgstate.appliers.lark"),
        (None, "orgstate.emulator"),
        (None, "orgstate.emulator.app"),
        ("serve", "orgstate.emulator.server"),
    }
    assert [e.imported for e in emulator_violations(edges)] == [
        "orgstate.emulator",
        "orgstate.emulator.app",
        "orgstate.emulator.server",
    ]

"""The import graph of src/orgstate keeps its layers.

- Production code never imports the emulator (`orgstate.emulator`): it is a test double
  of the Open API, and what it knows about Lark lives in `orgstate.lark`, which both
  sides import. One edge is allowed, stated here: the CLI's `emulator serve` command
  starts the emulator, with an import inside the command (lazy, so that the rest of the
  CLI runs without the `emulator` extra).
- `orgstate.lark` is the bottom layer of facts: it imports nothing of orgstate but the
  model's types and the errors.
- Every package imports only what its row of the table in docs/architecture.md allows,
  and the table's layers have no cycle (imports under `if TYPE_CHECKING:` are for
  annotations and are not counted).

The graph is read with `ast` from the source files: every `import` and `from ... import`
statement anywhere in a module (inside functions too), relative ones resolved.
"""

from __future__ import annotations

import ast
import re
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
    type_only: bool = False  # under `if TYPE_CHECKING:`: for annotations, never run


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

    def visit(node: ast.AST, function: str | None, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.extend(
                    Edge(module, function, name, child.lineno, type_only)
                    for name in imported_names(child, module, package)
                )
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            visit(child, inner, type_only or is_type_checking_block(child))

    visit(ast.parse(source), None, False)
    return found


def is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")


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


# -- the layers of docs/architecture.md ------------------------------------------------

ARCHITECTURE = SRC.parents[1] / "docs" / "architecture.md"
TABLE_MARK = "<!-- imports: the table below is read by tests/test_architecture.py -->"
FOUNDATIONS = "foundations"
# Top-level modules every package may import, and the one that runs the CLI.
FOUNDATION_MODULES = ("orgstate.errors", "orgstate.diagnostics", "orgstate.catalogue", "orgstate.suggest")
FOUNDATION_MODULES += ("orgstate.gcpause", "orgstate.progress", "orgstate.natural")
ROW = re.compile(r"^\| `(?P<package>[a-z_]+)` \| (?P<job>[^|]+) \| (?P<imports>[^|]+) \|$")


def package_of(module: str) -> str:
    """The row of the table a module belongs to: `orgstate.planner.build` -> planner."""
    if module == "orgstate" or any(inside(module, f) for f in FOUNDATION_MODULES):
        return FOUNDATIONS
    if module == "orgstate.__main__":
        return "cli"
    return module.split(".")[1]


def documented_layers(text: str) -> dict[str, frozenset[str]]:
    """Package -> the packages it may import, from the table after TABLE_MARK. A row whose
    cell begins "every package but" allows all the table's packages except those named."""
    rows = {}
    for line in text.split(TABLE_MARK, 1)[1].splitlines():
        found = ROW.match(line.strip())
        if found:
            rows[found["package"]] = found["imports"]
    packages = frozenset(rows)
    return {
        package: (packages - {package} - named if cell.startswith("every package but") else named)
        for package, cell in rows.items()
        for named in [frozenset(re.findall(r"`([a-z_]+)`", cell))]
    }


def layer_violations(edges: tuple[Edge, ...] | list[Edge], layers: dict[str, frozenset[str]]) -> list[str]:
    wrong = []
    for edge in edges:
        if edge.type_only or not inside(edge.imported, "orgstate"):
            continue
        source, target = package_of(edge.importer), package_of(edge.imported)
        allowed = target in (source, FOUNDATIONS) or target in layers.get(source, frozenset())
        if not allowed and (edge.importer, edge.function, edge.imported) not in ALLOWED_EMULATOR_IMPORTS:
            wrong.append(f"{edge.importer}:{edge.line} ({source}) imports {edge.imported} ({target})")
    return wrong


def test_every_package_imports_only_what_docs_architecture_allows() -> None:
    assert layer_violations(import_graph(), documented_layers(ARCHITECTURE.read_text(encoding="utf-8"))) == []


def test_the_table_names_every_package_and_only_packages() -> None:
    layers = documented_layers(ARCHITECTURE.read_text(encoding="utf-8"))
    in_code = {package_of(module_name(path)) for path in SRC.rglob("*.py")}
    assert set(layers) == in_code
    assert all(allowed <= set(layers) for allowed in layers.values())


def test_the_documented_layers_have_no_cycle() -> None:
    """Foundations at the bottom; every other package only above what it imports."""
    layers = documented_layers(ARCHITECTURE.read_text(encoding="utf-8"))
    assert layers[FOUNDATIONS] == frozenset()
    placed: list[str] = []
    while len(placed) < len(layers):
        ready = sorted(p for p, allowed in layers.items() if p not in placed and allowed <= set(placed))
        assert ready, f"a cycle among {sorted(set(layers) - set(placed))}"
        placed.extend(ready)


def test_the_layer_check_finds_an_import_against_the_table() -> None:
    layers = {FOUNDATIONS: frozenset(), "model": frozenset(), "planner": frozenset({"model"})}
    source = "from orgstate.planner.plan import Plan\nfrom orgstate.errors import OrgstateError\n"
    assert layer_violations(edges_of(source, "orgstate.model.config"), layers) == [
        "orgstate.model.config:1 (model) imports orgstate.planner.plan (planner)"
    ]
    typed = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from orgstate.planner.plan import Plan\n"
    assert layer_violations(edges_of(typed, "orgstate.model.config"), layers) == []
    assert layer_violations(edges_of("import orgstate.model.live\n", "orgstate.planner.build"), layers) == []

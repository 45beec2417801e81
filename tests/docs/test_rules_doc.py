"""docs/rules.md, the rule catalogue and the code agree.

The page has one `## RULE-ID` section per rule of `orgstate.catalogue`, in
catalogue order, each with the fields of `FIELDS` as `- **Name:** value` bullets. The
rule ids the code emits are found by reading every module of src/orgstate with `ast`:
the first argument of the diagnostic constructors `error`, `warning` and `info` imported
from `orgstate.diagnostics` (a `RuleId` member or a string literal, followed through a
local variable or a helper's parameter; one that cannot be followed fails the test), and
every `rule=` keyword argument that is a rule id (`TenantError(..., rule=RuleId.PERMISSION)`).
Page, catalogue and code must name the same ids, with the same severities and stages:
a severity is the constructor's (a `...Error(rule=...)` is an error), a stage is where
the call is (config/ and rules/ run in `validate`, planner/ only in `plan`).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from orgstate.catalogue import CATALOGUE, Rule, RuleId
from orgstate.diagnostics import SHOWN_PER_RULE

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "rules.md"
SRC = ROOT / "src" / "orgstate"

FIELDS = ("Severity", "Checked by", "Triggered when", "Fix", "Lark")
RULE_ID = re.compile(r"[A-Z]+(?:-[A-Z]+)*")
SEVERITY_WORD = re.compile(r"\b(error|warning|info)\b")
STAGE_MARK = re.compile(r"\((static|live)\)")
HEADING = re.compile(r"^## (?P<title>.*)$")
FIELD_LINE = re.compile(r"^- \*\*(?P<name>[^*]+):\*\*(?P<value>.*)$")
LINK = re.compile(r"\]\(#(?P<anchor>[^)]+)\)")
# Whatever a user of the repository cannot open: the product's working files.
OUTSIDE_PATHS = re.compile(r"\.\./|\bSPEC\b|reference/|/work/|shared/|lark-help-|lark-open-api")

DIAGNOSTICS_MODULE = "orgstate.diagnostics"
CONSTRUCTORS = ("error", "warning", "info")
# Who checks a diagnostic depends on where it is made: `validate` runs the loader
# (config/) and the rule families (rules/); `plan` runs those and the planner.
STAGE_OF_PACKAGE = {"config": "static", "rules": "static", "planner": "live"}


# -- the page ---------------------------------------------------------------------------


@dataclass
class Section:
    title: str
    line: int
    fields: dict[str, str]
    repeated: tuple[str, ...] = ()  # fields given twice


def parse_sections(text: str) -> list[Section]:
    """Every `## ` section with its `- **Name:** value` fields; a field goes on over
    indented and blank lines, and ends at the next field or unindented line."""
    sections: list[Section] = []
    current: Section | None = None
    open_field: str | None = None
    in_code = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("```"):
            in_code = not in_code
        if in_code or line.startswith("```"):
            continue
        heading = HEADING.match(line)
        if heading:
            current = Section(heading["title"].strip(), number, {})
            sections.append(current)
            open_field = None
            continue
        if current is None:
            continue
        field = FIELD_LINE.match(line)
        if field:
            open_field = field["name"].strip()
            if open_field in current.fields:
                current.repeated = (*current.repeated, open_field)
            current.fields[open_field] = field["value"].strip()
        elif open_field is not None and (line.startswith(" ") or not line.strip()):
            current.fields[open_field] += f"\n{line.strip()}"
        else:
            open_field = None
    for section in sections:
        section.fields = {name: value.strip() for name, value in section.fields.items()}
    return sections


def severities_in(text: str) -> list[str]:
    """The severities a Severity field names, the default first."""
    return SEVERITY_WORD.findall(text)


def stages_in(text: str) -> set[str]:
    """The stages a Checked-by field marks: `(static)`, `(live)`."""
    return set(STAGE_MARK.findall(text))


def anchor(title: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^a-z0-9 _-]", "", title.strip().lower()).replace(" ", "-")


@cache
def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


@cache
def doc_sections() -> dict[str, Section]:
    return {section.title: section for section in parse_sections(doc_text())}


# -- the code ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Emission:
    rule: str
    severity: str | None  # None where the call does not say (an unknown constructor)
    path: str  # relative to src/orgstate
    line: int

    @property
    def stage(self) -> str | None:
        return STAGE_OF_PACKAGE.get(Path(self.path).parts[0])


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


class ModuleScan:
    """The rule ids one module emits, and the emitting calls it cannot resolve."""

    def __init__(self, source: str, path: str) -> None:
        self.path = path
        self.tree = ast.parse(source, filename=path)
        self.parents = {child: node for node in ast.walk(self.tree) for child in ast.iter_child_nodes(node)}
        self.constructors: dict[str, str] = {}  # local name -> severity, from the imports
        self.modules: set[str] = set()  # local (dotted) names of orgstate.diagnostics
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == DIAGNOSTICS_MODULE:
                for alias in node.names:
                    if alias.name in CONSTRUCTORS:
                        self.constructors[alias.asname or alias.name] = alias.name
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == "orgstate":
                self.modules.update(alias.asname or alias.name for alias in node.names if alias.name == "diagnostics")
            elif isinstance(node, ast.Import):
                self.modules.update(
                    alias.asname or alias.name for alias in node.names if alias.name == DIAGNOSTICS_MODULE
                )
        # Functions of this module: a rule passed to one is followed through its parameter.
        self.functions = {
            node.name for node in ast.walk(self.tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        self.problems: list[str] = []

    def where(self, node: ast.AST) -> str:
        return f"{self.path}:{getattr(node, 'lineno', 0)}"

    def constructor(self, call: ast.Call) -> str | None:
        """The severity of a call to a diagnostic constructor, None for any other call
        (logging.error, a local function called info, ...)."""
        func = call.func
        if isinstance(func, ast.Name):
            return self.constructors.get(func.id)
        if isinstance(func, ast.Attribute) and func.attr in CONSTRUCTORS and ast.unparse(func.value) in self.modules:
            return func.attr
        return None

    def emissions(self) -> Iterator[Emission]:
        for call in (node for node in ast.walk(self.tree) if isinstance(node, ast.Call)):
            severity = self.constructor(call)
            if severity is not None:
                argument = (
                    call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "rule"), None)
                )
                yield from self._emitted(call, argument, severity, required=True)
                continue
            if _callee(call) in self.functions:
                continue
            for keyword in call.keywords:
                if keyword.arg == "rule":
                    yield from self._emitted(call, keyword.value, self._keyword_severity(call), required=False)

    def _keyword_severity(self, call: ast.Call) -> str | None:
        callee = _callee(call) or ""
        if callee == "Diagnostic":
            given = next((k.value for k in call.keywords if k.arg == "severity"), None)
            return given.value if isinstance(given, ast.Constant) and isinstance(given.value, str) else None
        return "error" if callee.endswith("Error") else None  # a refusal: the command fails

    def _emitted(
        self, call: ast.Call, argument: ast.expr | None, severity: str | None, required: bool
    ) -> Iterator[Emission]:
        """`required`: a diagnostic constructor, whose rule must be known. A `rule=`
        keyword elsewhere counts only when it resolves to rule ids."""
        values = self.resolve(argument) if argument is not None else None
        if values is None:
            if required:
                self.problems.append(f"{self.where(call)}: cannot tell which rule this diagnostic carries")
            return
        for value in sorted(values):
            if RULE_ID.fullmatch(value):
                yield Emission(value, severity, self.path, call.lineno)
            elif required or (_callee(call) or "").endswith(("Error", "Diagnostic")):
                self.problems.append(f"{self.where(call)}: {value!r} is not a rule id")

    # -- following a value back to its string literals ---------------------------------

    def resolve(self, node: ast.expr, seen: frozenset[tuple[int, str]] = frozenset()) -> set[str] | None:
        """The strings an expression can be, or None when that cannot be told."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.Attribute) and ast.unparse(node.value) == RuleId.__name__:
            return {RuleId[node.attr].value} if node.attr in RuleId.__members__ else None
        if isinstance(node, ast.IfExp):
            body, orelse = self.resolve(node.body, seen), self.resolve(node.orelse, seen)
            return None if body is None or orelse is None else body | orelse
        if isinstance(node, ast.Name):
            return self._resolve_name(node, seen)
        return None

    def _enclosing_function(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        current = self.parents.get(node)
        while current is not None and not isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
            current = self.parents.get(current)
        return current

    @staticmethod
    def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
        """The nodes of a scope, not those of the functions and classes nested in it."""
        pending = list(ast.iter_child_nodes(scope))
        while pending:
            node = pending.pop()
            yield node
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                pending.extend(ast.iter_child_nodes(node))

    def _resolve_name(self, name: ast.Name, seen: frozenset[tuple[int, str]]) -> set[str] | None:
        function = self._enclosing_function(name)
        scopes: list[ast.AST] = [function, self.tree] if function is not None else [self.tree]
        for scope in scopes:
            key = (id(scope), name.id)
            if key in seen:
                return set()  # a loop adds nothing new
            values = [
                node.value
                for node in self._own_nodes(scope)
                if isinstance(node, (ast.Assign, ast.AnnAssign))
                and node.value is not None
                and any(isinstance(t, ast.Name) and t.id == name.id for t in _targets(node))
            ]
            if values:
                return _union(self.resolve(value, seen | {key}) for value in values)
            if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and name.id in _parameters(scope):
                return self._resolve_parameter(scope, name.id, seen | {key})
        return None

    def _resolve_parameter(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, parameter: str, seen: frozenset[tuple[int, str]]
    ) -> set[str] | None:
        """What the module's calls of `function` pass for `parameter`."""
        positional = [arg.arg for arg in (*function.args.posonlyargs, *function.args.args)]
        shift = 1 if isinstance(self.parents.get(function), ast.ClassDef) else 0  # self or cls
        calls = [n for n in ast.walk(self.tree) if isinstance(n, ast.Call) and _callee(n) == function.name]
        if not calls:
            return None
        found: list[set[str] | None] = []
        for call in calls:
            passed = next((k.value for k in call.keywords if k.arg == parameter), None)
            if passed is None and parameter in positional:
                index = positional.index(parameter) - (shift if isinstance(call.func, ast.Attribute) else 0)
                if 0 <= index < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
                    passed = call.args[index]
            found.append(self.resolve(passed, seen) if passed is not None else None)
        return _union(found)


def _targets(node: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return list(node.targets) if isinstance(node, ast.Assign) else [node.target]


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    arguments = function.args
    return {arg.arg for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}


def _union(parts: Iterable[set[str] | None]) -> set[str] | None:
    result: set[str] = set()
    for part in parts:
        if part is None:
            return None
        result |= part
    return result


def scan_source(source: str, path: str) -> tuple[list[Emission], list[str]]:
    module = ModuleScan(source, path)
    return list(module.emissions()), module.problems


@cache
def scan_code() -> tuple[dict[str, tuple[Emission, ...]], tuple[str, ...]]:
    """Rule id -> where the code emits it, and the emitting calls that could not be read."""
    emitted: dict[str, list[Emission]] = defaultdict(list)
    problems: list[str] = []
    for file in sorted(SRC.rglob("*.py")):
        found, unclear = scan_source(file.read_text(encoding="utf-8"), file.relative_to(SRC).as_posix())
        for emission in found:
            emitted[emission.rule].append(emission)
        problems.extend(unclear)
    return {rule: tuple(items) for rule, items in emitted.items()}, tuple(problems)


# -- comparing --------------------------------------------------------------------------


def id_differences(expected: Iterable[str], found: Iterable[str], expected_name: str, found_name: str) -> list[str]:
    """What `found` lacks of `expected` and has beyond it, and its repeats."""
    expected_list, found_list = list(expected), list(found)
    problems = [
        f"missing from {found_name}: {rule} (in {expected_name})"
        for rule in sorted(set(expected_list) - set(found_list))
    ]
    problems += [
        f"extra in {found_name}: {rule} (not in {expected_name})"
        for rule in sorted(set(found_list) - set(expected_list))
    ]
    problems += [
        f"repeated in {found_name}: {rule}" for rule in sorted({r for r in found_list if found_list.count(r) > 1})
    ]
    return problems


def catalogue_rule(rule_id: str) -> Rule:
    return next(rule for rule in CATALOGUE if rule.id == rule_id)


CATALOGUE_IDS = [rule.id for rule in CATALOGUE]


# -- the page against the catalogue and the code -----------------------------------------


def test_the_page_has_a_section_per_catalogue_rule_in_order() -> None:
    titles = [section.title for section in parse_sections(doc_text())]
    problems = id_differences(CATALOGUE_IDS, titles, "the catalogue", "docs/rules.md")
    assert not problems, "\n".join(problems)
    assert titles == CATALOGUE_IDS, "docs/rules.md lists the rules in another order than the catalogue"


def test_every_emitting_call_is_understood() -> None:
    _, problems = scan_code()
    assert not problems, "rewrite these calls so that their rule id can be read:\n" + "\n".join(problems)


def test_the_code_emits_exactly_the_catalogue() -> None:
    emitted, _ = scan_code()
    problems = id_differences(CATALOGUE_IDS, emitted, "the catalogue", "the code")
    assert not problems, "\n".join(problems)


def test_the_code_emits_exactly_the_rules_of_the_page() -> None:
    emitted, _ = scan_code()
    problems = id_differences(doc_sections(), emitted, "docs/rules.md", "the code")
    problems += id_differences(emitted, doc_sections(), "the code", "docs/rules.md")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("rule_id", CATALOGUE_IDS)
def test_each_section_fills_every_field(rule_id: str) -> None:
    section = doc_sections().get(rule_id)
    assert section is not None, f"docs/rules.md has no section for {rule_id}"
    assert tuple(section.fields) == FIELDS, f"{rule_id} (line {section.line}): fields {list(section.fields)}"
    assert not section.repeated, f"{rule_id} gives {section.repeated} twice"
    empty = [name for name, value in section.fields.items() if not value.strip()]
    assert not empty, f"{rule_id} (line {section.line}) leaves {empty} empty"


@pytest.mark.parametrize("rule", CATALOGUE, ids=CATALOGUE_IDS)
def test_severity_agrees_with_catalogue_and_code(rule: Rule) -> None:
    section = doc_sections().get(rule.id)
    assert section is not None, f"docs/rules.md has no section for {rule.id}"
    named = severities_in(section.fields.get("Severity", ""))
    assert named, f"{rule.id}: the Severity field names no severity"
    assert named[0] == rule.severity, f"{rule.id}: the page's default is {named[0]}, the catalogue's {rule.severity}"
    emitted, _ = scan_code()
    made = {e.severity for e in emitted.get(rule.id, ()) if e.severity is not None}
    assert rule.severity in made, f"{rule.id}: the code never reports it as {rule.severity} (only {sorted(made)})"
    assert set(named) == made, f"{rule.id}: the page names {sorted(set(named))}, the code reports {sorted(made)}"


@pytest.mark.parametrize("rule", CATALOGUE, ids=CATALOGUE_IDS)
def test_stage_agrees_with_catalogue_and_code(rule: Rule) -> None:
    section = doc_sections().get(rule.id)
    assert section is not None, f"docs/rules.md has no section for {rule.id}"
    emitted, _ = scan_code()
    checked_by = {e.stage for e in emitted.get(rule.id, ()) if e.stage is not None}
    # A static rule is one `validate` checks; a live one only `plan` (or the tenant).
    assert (rule.stage == "static") == ("static" in checked_by), (
        f"{rule.id}: the catalogue says {rule.stage}, but the code emits it from {sorted(checked_by) or 'neither'}"
    )
    marked = stages_in(section.fields.get("Checked by", ""))
    assert marked == {rule.stage} | checked_by, (
        f"{rule.id}: the page marks {sorted(marked)}, expected {sorted({rule.stage} | checked_by)}"
    )


def test_the_page_names_no_file_outside_the_repository() -> None:
    found = [
        f"line {number}: {line.strip()}"
        for number, line in enumerate(doc_text().splitlines(), start=1)
        if OUTSIDE_PATHS.search(line)
    ]
    assert found == []


def test_links_point_at_sections_of_the_page() -> None:
    anchors = {anchor(section.title) for section in parse_sections(doc_text())}
    broken = sorted({match["anchor"] for match in LINK.finditer(doc_text())} - anchors)
    assert broken == []


# -- the checks themselves can fail ------------------------------------------------------


@pytest.mark.parametrize(
    ("expected", "found", "problems"),
    [
        pytest.param(["A-B", "C"], ["A-B", "C"], [], id="same"),
        pytest.param(["A-B", "C"], ["C", "A-B"], [], id="order-does-not-matter"),
        pytest.param(["A-B", "C"], ["A-B"], ["missing from page: C (in code)"], id="page-misses-an-emitted-id"),
        pytest.param(
            ["A-B"], ["A-B", "X-Y"], ["extra in page: X-Y (not in code)"], id="page-lists-an-id-nothing-emits"
        ),
        pytest.param(
            ["A-B"],
            ["X-Y"],
            ["missing from page: A-B (in code)", "extra in page: X-Y (not in code)"],
            id="both",
        ),
        pytest.param(["A-B"], ["A-B", "A-B"], ["repeated in page: A-B"], id="repeated"),
    ],
)
def test_id_differences_reports_missing_extra_and_repeated(
    expected: list[str], found: list[str], problems: list[str]
) -> None:
    assert id_differences(expected, found, "code", "page") == problems


SAMPLE_PAGE = """# Rules

- **Severity**: not a rule's field, before the first section.

## A-B

The summary.

- **Severity:** error. It is a warning when it is not.
- **Checked by:** `validate` and `plan` (static); `plan` again (live)
- **Triggered when:** one thing:
  - first;

  - second.
- **Fix:**
- **Lark:** a quote:
  > The quoted sentence.

A table after the fields.

## C
- **Severity:** info
- **Severity:** warning
"""


def test_parse_sections_reads_fields_over_indented_lines() -> None:
    first, second = parse_sections(SAMPLE_PAGE)
    assert (first.title, second.title) == ("A-B", "C")
    assert tuple(first.fields) == FIELDS
    assert first.fields["Triggered when"] == "one thing:\n- first;\n\n- second."
    assert first.fields["Fix"] == ""
    assert first.fields["Lark"] == "a quote:\n> The quoted sentence."
    assert severities_in(first.fields["Severity"]) == ["error", "warning"]
    assert stages_in(first.fields["Checked by"]) == {"static", "live"}
    assert second.repeated == ("Severity",)


@pytest.mark.parametrize(
    ("source", "emitted", "problems"),
    [
        pytest.param(
            'from orgstate.diagnostics import error\nerror("A-B", "m")\n', {("A-B", "error")}, 0, id="literal"
        ),
        pytest.param(
            'from orgstate.diagnostics import warning as warn\nwarn("A-B", "m")\n', {("A-B", "warning")}, 0, id="alias"
        ),
        pytest.param(
            'from orgstate import diagnostics\ndiagnostics.info("A-B", "m")\n', {("A-B", "info")}, 0, id="module"
        ),
        pytest.param(
            'import orgstate.diagnostics\norgstate.diagnostics.info("A-B", "m")\n',
            {("A-B", "info")},
            0,
            id="dotted-module",
        ),
        pytest.param(
            'import logging\nlogging.error("A-B")\nlogging.info("C-D")\n', set(), 0, id="logging-is-not-a-diagnostic"
        ),
        pytest.param('def info(x):\n    pass\ninfo("A-B")\n', set(), 0, id="local-function-named-info"),
        pytest.param(
            'from orgstate.diagnostics import error\ndef report(thing, rule):\n    return error(rule, "m")\n'
            'report(1, "A-B")\nreport(2, rule="C-D")\n',
            {("A-B", "error"), ("C-D", "error")},
            0,
            id="through-a-parameter",
        ),
        pytest.param(
            "from orgstate.diagnostics import error\nclass Checker:\n    def report(self, rule):\n"
            '        return error(rule, "m")\n    def run(self):\n        self.report("A-B")\n',
            {("A-B", "error")},
            0,
            id="through-a-method",
        ),
        pytest.param(
            'from orgstate.diagnostics import error\ndef f(flag):\n    rule = "A-B" if flag else "C-D"\n'
            '    return error(rule, "m")\n',
            {("A-B", "error"), ("C-D", "error")},
            0,
            id="through-a-variable",
        ),
        pytest.param(
            'raise TenantError(kind, "m", 7, rule="PERMISSION")\n', {("PERMISSION", "error")}, 0, id="rule-keyword"
        ),
        pytest.param(
            'Diagnostic(rule="A-B", severity="warning", message="m")\n', {("A-B", "warning")}, 0, id="diagnostic"
        ),
        pytest.param('schedule(rule="auto")\n', set(), 0, id="other-rule-keyword"),
        pytest.param(
            'from orgstate.diagnostics import error\ndef f(rule):\n    return error(rule, "m")\n',
            set(),
            1,
            id="unresolved",
        ),
        pytest.param('from orgstate.diagnostics import error\nerror(make_rule(), "m")\n', set(), 1, id="computed"),
        pytest.param('from orgstate.diagnostics import error\nerror("oops", "m")\n', set(), 1, id="not-a-rule-id"),
    ],
)
def test_scan_source_finds_exactly_the_emitted_ids(source: str, emitted: set[tuple[str, str]], problems: int) -> None:
    found, unclear = scan_source(source, "rules/sample.py")
    assert {(e.rule, e.severity) for e in found} == emitted
    assert len(unclear) == problems, unclear


@pytest.mark.parametrize(
    ("path", "stage"),
    [
        ("rules/seats.py", "static"),
        ("config/loader.py", "static"),
        ("planner/live_seats.py", "live"),
        ("tenant/core.py", None),
    ],
)
def test_the_stage_of_an_emission_follows_its_package(path: str, stage: str | None) -> None:
    assert Emission("A-B", "error", path, 1).stage == stage


def test_the_cap_on_diagnostics_is_the_one_the_code_applies() -> None:
    text = " ".join(doc_text().split())
    assert f"the first {SHOWN_PER_RULE} diagnostics of each rule in each file" in text

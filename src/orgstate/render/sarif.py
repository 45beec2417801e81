"""Diagnostics as SARIF 2.1.0 (`--format sarif`), for GitHub code scanning and the other
readers of static-analysis results.

One run of the tool `orgstate`: its rules are the whole catalogue, one reporting
descriptor per rule id, with the rule's help from docs/rules.md (shipped as
`rules_help.json`, generated from the page by tests/docs/test_rules_help.py); its
results are the diagnostics. A result's location is the file (a URI relative to the
source root, `%SRCROOT%`), line and column when the diagnostic has them, and its address
and field path as logical locations. A diagnostic without a file (a plan-wide problem of
`plan`) has no physical location: SARIF allows it, GitHub code scanning does not
(docs/commands.md says so). The text is JSON written by `json_text` (render/escape.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from orgstate import __version__
from orgstate.catalogue import CATALOGUE, Rule
from orgstate.diagnostics import Diagnostic, Severity
from orgstate.planner.plan import Plan
from orgstate.render.diagnostics import described
from orgstate.render.escape import json_text

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://orgstate.dev"
RULES_PAGE = f"{INFORMATION_URI}/docs/rules.md"
SOURCE_ROOT = "%SRCROOT%"
LEVELS: dict[Severity, str] = {"error": "error", "warning": "warning", "info": "note"}
HELP_FILE = "rules_help.json"
# The fields of docs/rules.md the help carries, each {"text": ..., "markdown": ...}.
HELP_FIELDS = ("triggered_when", "fix")
RULE_INDEX: dict[str, int] = {rule.id: index for index, rule in enumerate(CATALOGUE)}


@cache
def rules_help() -> dict[str, dict[str, Any]]:
    """Rule id -> {"anchor": ..., "triggered_when": {...}, "fix": {...}}."""
    data: dict[str, dict[str, Any]] = json.loads(
        files("orgstate.render").joinpath(HELP_FILE).read_text(encoding="utf-8")
    )
    return data


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def reporting_descriptor(rule: Rule) -> dict[str, Any]:
    help_ = rules_help()[rule.id]
    triggered, fix = (help_[field] for field in HELP_FIELDS)
    page = f"{RULES_PAGE}#{help_['anchor']}"
    return {
        "id": rule.id,
        "name": rule.id.title().replace("-", ""),
        "shortDescription": {"text": _sentence(rule.summary)},
        "fullDescription": {
            "text": f"Triggered when: {triggered['text']}",
            "markdown": f"**Triggered when:** {triggered['markdown']}",
        },
        "help": {
            "text": f"Triggered when: {triggered['text']}\n\nFix: {fix['text']}\n\nSee {page}",
            "markdown": f"**Triggered when:** {triggered['markdown']}\n\n**Fix:** {fix['markdown']}\n\n"
            f"See [{rule.id} in docs/rules.md]({page}).",
        },
        "helpUri": page,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["orgstate", rule.stage]},
    }


def artifact_uri(file: str) -> dict[str, str]:
    """A file as SARIF names it: relative to the source root, or a file: URI."""
    path = PurePath(file)
    uri = quote(path.as_posix(), safe="/", errors="surrogatepass")
    return {"uri": f"file://{uri}"} if path.is_absolute() else {"uri": uri, "uriBaseId": SOURCE_ROOT}


def location(diagnostic: Diagnostic) -> dict[str, Any] | None:
    found: dict[str, Any] = {}
    if diagnostic.file:
        physical: dict[str, Any] = {"artifactLocation": artifact_uri(diagnostic.file)}
        if diagnostic.line is not None and diagnostic.line >= 1:
            physical["region"] = {"startLine": diagnostic.line}
            if diagnostic.column is not None and diagnostic.column >= 1:
                physical["region"]["startColumn"] = diagnostic.column
        found["physicalLocation"] = physical
    logical = []
    if diagnostic.address:
        logical.append({"fullyQualifiedName": diagnostic.address, "kind": "resource"})
    if diagnostic.path:
        logical.append({"fullyQualifiedName": diagnostic.path})
    if logical:
        found["logicalLocations"] = logical
    return found or None


def result(diagnostic: Diagnostic) -> dict[str, Any]:
    found: dict[str, Any] = {"ruleId": diagnostic.rule}
    if diagnostic.rule in RULE_INDEX:  # a saved plan may name a rule this version lacks
        found["ruleIndex"] = RULE_INDEX[diagnostic.rule]
    found |= {"level": LEVELS[diagnostic.severity], "message": {"text": described(diagnostic)}}
    where = location(diagnostic)
    if where is not None:
        found["locations"] = [where]
    return found


def sarif_log(diagnostics: Sequence[Diagnostic]) -> dict[str, Any]:
    driver = {
        "name": "orgstate",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": INFORMATION_URI,
        "rules": [reporting_descriptor(rule) for rule in CATALOGUE],
    }
    run = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": [result(diagnostic) for diagnostic in diagnostics],
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_diagnostics_sarif(diagnostics: list[Diagnostic]) -> str:
    return json_text(sarif_log(diagnostics))


def render_plan_sarif(plan: Plan) -> str:
    return json_text(sarif_log(plan.diagnostics))

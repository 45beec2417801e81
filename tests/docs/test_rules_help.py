"""The rules' help that SARIF carries (src/orgstate/render/rules_help.json) is generated
from docs/rules.md, which the wheel does not ship: the committed file must be what the
page gives today.

For each rule of the catalogue: its section's anchor, and its "Triggered when" and
"Fix" fields as markdown (the field's text with its nested lists, unindented) and as
plain text (the same without markdown's marks). To write the file again after editing
the page:

    python -m tests.docs.test_rules_help --write
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
import tomllib
from importlib.resources import files
from typing import Any

from orgstate.catalogue import CATALOGUE
from orgstate.render.sarif import HELP_FIELDS, HELP_FILE, rules_help
from tests.conftest import ROOT
from tests.docs.test_rules_doc import HEADING, anchor

DOC = ROOT / "docs" / "rules.md"
COMMITTED = ROOT / "src" / "orgstate" / "render" / HELP_FILE
REGENERATE = "python -m tests.docs.test_rules_help --write"
FIELD_NAMES = {"triggered_when": "Triggered when", "fix": "Fix"}
FIELD = re.compile(r"^- \*\*(?P<name>[^*]+):\*\*(?P<value>.*)$")
# Markdown's inline marks, in the order CommonMark reads them where they overlap: a code
# span keeps its content as it is; a link keeps its text; emphasis its content; a
# backslash escape its character.
INLINE = re.compile(
    r"(?P<fence>`+)(?P<code>.+?)(?P=fence)"
    r"|\[(?P<link>[^\]]+)\]\([^)]*\)"
    r"|\*\*(?P<strong>.+?)\*\*"
    r"|\*(?P<em>[^*\s](?:[^*]*[^*\s])?)\*"
    r"|\\(?P<escaped>[!-/:-@\[-`{-~])",
    re.S,
)


def sections(text: str) -> dict[str, list[str]]:
    """The lines under each `## ` heading, outside code blocks."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    in_code = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        heading = None if in_code else HEADING.match(line)
        if heading:
            current = found.setdefault(heading["title"].strip(), [])
        elif current is not None:
            current.append(line)
    return found


def field_markdown(lines: list[str], name: str) -> str:
    """A `- **Name:** value` field as markdown: its first line, then the lines indented
    under it (its nested lists and paragraphs), unindented."""
    for start, line in enumerate(lines):
        match = FIELD.match(line)
        if match and match["name"].strip() == name:
            body = [match["value"].strip()]
            for following in lines[start + 1 :]:
                if following.strip() and not following.startswith(" "):
                    break
                body.append(following)
            first, rest = body[0], textwrap.dedent("\n".join(body[1:]))
            return f"{first}\n{rest}".strip() if rest.strip() else first
    raise AssertionError(f"no '{name}' field")


def plain(markdown: str) -> str:
    """Markdown as text: the marks of code spans, links, emphasis and escapes left out."""

    def unmarked(match: re.Match[str]) -> str:
        if match["code"] is not None:
            code = match["code"]
            return code[1:-1] if code.startswith(" ") and code.endswith(" ") and code.strip() else code
        if match["escaped"] is not None:
            return match["escaped"]
        return plain(match["link"] or match["strong"] or match["em"])

    return INLINE.sub(unmarked, markdown)


def generate(doc_text: str) -> dict[str, Any]:
    """Each catalogue rule's help, from the page's text."""
    by_title = sections(doc_text)
    generated: dict[str, Any] = {}
    for rule in CATALOGUE:
        lines = by_title.get(rule.id)
        assert lines is not None, f"docs/rules.md has no section for {rule.id}"
        entry: dict[str, Any] = {"anchor": anchor(rule.id)}
        for key, name in FIELD_NAMES.items():
            markdown = field_markdown(lines, name)
            entry[key] = {"text": plain(markdown), "markdown": markdown}
        generated[rule.id] = entry
    return generated


def generated_text() -> str:
    return json.dumps(generate(DOC.read_text(encoding="utf-8")), indent=2, ensure_ascii=False) + "\n"


def test_the_committed_help_is_generated_from_the_page() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == generated_text(), (
        f"{COMMITTED.relative_to(ROOT)} differs from docs/rules.md: run `{REGENERATE}`"
    )


def test_the_package_reads_the_help_as_package_data() -> None:
    """importlib.resources finds the file in the installed package, and pyproject ships it."""
    assert files("orgstate.render").joinpath(HELP_FILE).is_file()
    assert set(rules_help()) == {rule.id for rule in CATALOGUE}
    assert all(set(help) >= {"anchor", *HELP_FIELDS} for help in rules_help().values())
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert HELP_FILE in pyproject["tool"]["setuptools"]["package-data"]["orgstate.render"]


def test_a_field_keeps_its_nested_lists() -> None:
    lines = [
        "The summary.",
        "",
        "- **Triggered when:** one of:",
        "  - first, `code *star*`;",
        "    - nested under it;",
        "",
        "  - second [a link](#x) with **bold** and \\| a pipe.",
        "- **Fix:** do it.",
        "Not a field.",
    ]
    markdown = field_markdown(lines, "Triggered when")
    assert markdown == (
        "one of:\n- first, `code *star*`;\n  - nested under it;\n\n- second [a link](#x) with **bold** and \\| a pipe."
    )
    assert (
        plain(markdown)
        == "one of:\n- first, code *star*;\n  - nested under it;\n\n- second a link with bold and | a pipe."
    )
    assert field_markdown(lines, "Fix") == "do it."


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(f"usage: {REGENERATE}")
    COMMITTED.write_text(generated_text(), encoding="utf-8")
    print(f"wrote {COMMITTED.relative_to(ROOT)}")  # noqa: T201

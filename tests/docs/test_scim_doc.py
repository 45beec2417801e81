"""docs/scim.md against the code: the mapping table (README's too) is appliers/scim/mapping.py's, the
member fields it says SCIM cannot hold are the ones no row names, the custom-field
example is the extension the tests serve, the environment
variables are ones the code reads, every `orgstate ...` option named exists, and every
link resolves."""

from __future__ import annotations

import json
import re

import pytest

from orgstate.appliers.scim.client import TOKEN_ENV, TOKEN_FILE_ENV
from orgstate.appliers.scim.discovery import NEVER_HELD, Discovery
from orgstate.appliers.scim.mapping import MEMBER_ROWS, USER_NAME_RULE
from orgstate.config.loader import load_config
from orgstate.planner.context import UNHELD, member_field
from tests.conftest import EXAMPLES, ROOT
from tests.docs.test_lark_doc import ENV, READS, SOURCES, code, command_for, commands, options, rows, slug
from tests.scim.conftest import ACME, ACME_SCHEMA

DOC = (ROOT / "docs" / "scim.md").read_text()
README = (ROOT / "README.md").read_text()
# A provider with the enterprise extension and no extension of its own (no custom fields).
ENTERPRISE_PROVIDER = Discovery(
    patch=True,
    filter=True,
    etag=True,
    bulk=False,
    enterprise=True,
    max_results=None,
    user_model=object,
    fields=(),
    rows=MEMBER_ROWS,
)


@pytest.mark.parametrize("text", [DOC, README], ids=["docs/scim.md", "README.md"])
def test_the_mapping_table_is_the_mapping(text: str) -> None:
    documented = [(code(path), attribute, note) for path, attribute, note in rows(text, "member field")]
    expected = [
        ("id", "`externalId` and `userName`", USER_NAME_RULE),
        *((row.path, row.slot.documented, row.note) for row in MEMBER_ROWS),
        ("status", "`active`", "suspended is `false`"),
    ]
    assert documented == expected


def test_the_member_fields_scim_cannot_hold_are_the_ones_no_row_names() -> None:
    [cell] = [part for part, _ in rows(DOC, "part") if part.startswith("a member's")]
    named = set(re.findall(r"`([a-z_.]+)`", cell)) - {"fields"}
    unheld = {part.removeprefix("member.") for part in ENTERPRISE_PROVIDER.unheld if part.startswith("member.")}
    assert named == unheld
    assert all(member_field(path) in UNHELD for path in named)
    assert set(UNHELD) >= NEVER_HELD


def test_the_environment_variables_are_ones_the_code_reads() -> None:
    read = {name for text in SOURCES.values() for match in READS.finditer(text) for name in match.groups() if name}
    named = set(ENV.findall(DOC))
    assert {TOKEN_ENV, TOKEN_FILE_ENV} <= named
    assert named <= read, named - read


@pytest.mark.parametrize("words", commands(DOC), ids=" ".join)
def test_each_orgstate_command_line_uses_options_that_exist(words: list[str]) -> None:
    command, rest = command_for(words)
    assert {w.split("=")[0] for w in rest if w.startswith("-")} <= options(command)


@pytest.mark.parametrize("link", sorted(set(re.findall(r"\]\(([^):]+)\)", DOC))))
def test_each_link_resolves(link: str) -> None:
    path, _, anchor = link.partition("#")
    target = (ROOT / "docs" / path).read_text() if path else DOC
    assert not anchor or anchor in {slug(h) for h in re.findall(r"^#+ (.+)$", target, re.M)}


def test_the_custom_field_example_is_the_extension_the_tests_serve() -> None:
    """The example extension holds examples/org.yaml's fields, as tests/scim serve them."""
    [block] = re.findall(r"```json\n(.*?)```", DOC, re.S)
    example = json.loads(block)
    assert example["id"] == ACME
    served = {attribute["name"]: attribute for attribute in ACME_SCHEMA["attributes"]}
    for attribute in example["attributes"]:
        assert {key: served[attribute["name"]][key] for key in attribute} == attribute
    config = load_config([EXAMPLES / "org.yaml"]).config
    assert config is not None
    assert [attribute["name"] for attribute in example["attributes"]] == [field.id for field in config.fields]

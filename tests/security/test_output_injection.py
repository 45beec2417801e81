"""Names from the tenant (anyone who can edit the Lark console) and text from the
configuration (any pull-request author) are shown, never obeyed.

One local tenant and one configuration carry a catalogue of hostile strings, each in a
user group that drifted (`g<i>`: hostile live name), one the configuration renames
(`c<i>`: hostile declared name), one nobody declared (`u<i>`) and one not created yet
(`n<i>`). The real command line runs on a pseudo-terminal, as a person would run it:

- text (plan, drift, local show, validate, log, show, apply): no control character but
  the newline, no bidi control, no line or paragraph separator reaches the terminal,
  and each name is there, escaped, on one line;
- markdown (plan, drift, show): rendered as GitHub would, the table has one row per
  item, the only `<details>` are the renderer's, no script, link, image or mention;
- HTML (drift): no script or event handler, one row per item, each name as text;
- JSON (plan, drift, local show, validate): reads back to exactly the hostile names;
- every output, printed to a GitHub Actions log, makes the runner carry out no workflow
  command (its parser is modelled in tests/render/test_annotations.py).
"""

from __future__ import annotations

import copy
import json
import os
import pty
import re
import subprocess
import sys
import tty
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from markdown_it import MarkdownIt

from orgstate.statestore import open_store
from tests.planner.conftest import declaring
from tests.render.test_annotations import Runner
from tests.render.test_drift_html import Node, chromium_command, parse, rows
from tests.tenant.conftest import BASE
from tests.terminal import read_to_end


@dataclass(frozen=True)
class Hostile:
    id: str
    value: str
    shown: str  # how a terminal shows it: each unsafe character as a visible escape


CATALOGUE = (
    Hostile("osc-title", "\x1b]0;pwned\x07", "\\u001b]0;pwned\\u0007"),
    Hostile(
        "osc-hyperlink",
        "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
        "\\u001b]8;;https://evil.example\\u001b\\click\\u001b]8;;\\u001b\\",
    ),
    Hostile("csi-clear", "\x1b[2J\x1b[3J\x1b[H", "\\u001b[2J\\u001b[3J\\u001b[H"),
    Hostile("csi-colour", "\x1b[31mred\x1b[0m", "\\u001b[31mred\\u001b[0m"),
    Hostile("c1-csi", "\x9b2J\x9b31m", "\\u009b2J\\u009b31m"),
    Hostile("c1-osc", "\x9d0;t\x9c", "\\u009d0;t\\u009c"),
    Hostile("carriage-return", "fake\rNo drift", "fake\\rNo drift"),
    Hostile("backspace", "evil\b\b\b\bgood", "evil\\b\\b\\b\\bgood"),
    Hostile(
        "newline",
        "one\nNo drift: the tenant matches the configuration.",
        "one\\nNo drift: the tenant matches the configuration.",
    ),
    Hostile("nul-del-tab", "a\x00b\x7fc\td", "a\\u0000b\\u007fc\\td"),
    Hostile("other-breaks", "a\x0bb\x0cc\x1cd\x85e", "a\\u000bb\\fc\\u001cd\\u0085e"),
    Hostile("bidi-override", "\u202eevil\u202c", "\\u202eevil\\u202c"),
    Hostile("bidi-isolate", "\u2066x\u2069\u200f\u061c", "\\u2066x\\u2069\\u200f\\u061c"),
    Hostile("line-separator", "a\u2028b\u2029c", "a\\u2028b\\u2029c"),
    Hostile("script", "<script>alert(1)</script>", "<script>alert(1)</script>"),
    Hostile("details", "</details><details open><summary>x", "</details><details open><summary>x"),
    Hostile("comment", "--><!-- x", "--><!-- x"),
    Hostile("backticks", "``` `x` ```", "``` `x` ```"),
    Hostile("pipe", "a | b | c", "a | b | c"),
    Hostile("link", "[x](javascript:alert(1))", "[x](javascript:alert(1))"),
    Hostile("image", "![x](https://evil.example/x.png)", "![x](https://evil.example/x.png)"),
    Hostile("mention", "@everyone @acme/admins", "@everyone @acme/admins"),
    Hostile("entity", "&#x202e;&lt;b&gt;", "&#x202e;&lt;b&gt;"),
    Hostile("math", "$\\color{red}{x}$", "$\\color{red}{x}$"),
    Hostile("attribute", '"><svg onload=alert(1)>', '"><svg onload=alert(1)>'),
    Hostile("emphasis", "**bold** _it_ ~~gone~~", "**bold** _it_ ~~gone~~"),
    # A GitHub Actions runner obeys `##[name]` anywhere in a line of a step's log (and
    # `::name::` at a line's start: test_a_file_named_like_a_workflow_command_is_shown_inert).
    Hostile("workflow-command", "##[set-output name=has-changes;]false", "#\\u0023[set-output name=has-changes;]false"),
    # Letters of every script stay as they are, joiners included.
    Hostile(
        "legit",
        "Zoë 李雷 👩\u200d💻 \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
        "Zoë 李雷 👩\u200d💻 \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
    ),
)
IDS = [hostile.id for hostile in CATALOGUE]
INDEXED = list(enumerate(CATALOGUE))
TENANT_NAME = Hostile("tenant", "Acme \x1b]0;t\x07\u202e", "Acme \\u001b]0;t\\u0007\\u202e")
FILE_NAME = Hostile("file", "m\x1b]0;f\x07\u202e.yaml", "m\\u001b]0;f\\u0007\\u202e.yaml")
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# A plan's change types and a drift report's groups (`user_group name (52 items)`).
ALLOWED_DETAILS = re.compile(
    r"<details><summary>[a-z_]+( [a-z_.]+)? \([\d,]+ (changes?|items?)(, [\d,]+ shown)?\)</summary>|</details>"
)


def unsafe(text: str) -> list[str]:
    """The characters in `text` a terminal or a reader could act on, but the newline."""
    return sorted(
        {
            f"U+{ord(char):04X}"
            for char in text
            if char != "\n" and (unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") or char in BIDI)
        }
    )


def group(prefix: str, number: int, value: str = "", members: tuple[str, ...] = ()) -> dict[str, Any]:
    name = f"{prefix.upper()}{number} {value}".rstrip()
    return {"id": f"{prefix}{number}", "name": name, "description": "", "members": list(members)}


def tenant_and_config() -> tuple[dict[str, Any], dict[str, Any]]:
    live = copy.deepcopy(BASE)
    live["tenant"]["name"] = TENANT_NAME.value
    live["user_groups"] = [
        *(group("g", i, h.value) for i, h in INDEXED),
        *(group("c", i) for i, _ in INDEXED),
        *(group("u", i, h.value) for i, h in INDEXED),
    ]
    config = declaring(live)
    config["policy"]["removal"] = {"max_removals": 100, "max_removal_ratio": 1}
    config["org"]["name"] = "Acme"
    config["user_groups"] = [
        *(group("g", i) for i, _ in INDEXED),
        *(group("c", i, h.value) for i, h in INDEXED),
        *(group("n", i, h.value) for i, h in INDEXED),
    ]
    return live, config


def run_in_terminal(*args: str, cwd: Path) -> tuple[int, str]:
    """Run the real command line with its stdout on a pseudo-terminal; what it wrote, as is.

    The terminal is raw (no newline translation), so every byte is the program's own;
    stderr is a pipe, so apply reports one line per change; NO_COLOR leaves no escape
    sequence of orgstate's own."""
    master, slave = pty.openpty()
    tty.setraw(slave)
    env = {**os.environ, "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "orgstate", *args], cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=subprocess.PIPE
    )
    os.close(slave)
    written = read_to_end(master)
    assert process.stderr is not None
    error = process.stderr.read()
    code = process.wait(timeout=120)
    return code, (written + error).decode("utf-8")


# -- the runs, once for the module -----------------------------------------------------------------------------------

COMMANDS: dict[str, tuple[str, ...]] = {
    "plan-text": ("plan", "-f", "org.yaml", "--backend", "local:t.db", "--out", "plan.json"),
    "plan-markdown": ("plan", "-f", "org.yaml", "--backend", "local:t.db", "--format", "markdown"),
    "plan-json": ("plan", "-f", "org.yaml", "--backend", "local:t.db", "--format", "json"),
    "show-text": ("show", "plan.json"),
    "show-markdown": ("show", "plan.json", "--format", "markdown"),
    "drift-text": ("drift", "-f", "org.yaml", "--backend", "local:t.db"),
    "drift-markdown": ("drift", "-f", "org.yaml", "--backend", "local:t.db", "--format", "markdown"),
    "drift-html": ("drift", "-f", "org.yaml", "--backend", "local:t.db", "--format", "html"),
    "drift-json": ("drift", "-f", "org.yaml", "--backend", "local:t.db", "--format", "json"),
    "local-show-text": ("local", "show", "--db", "t.db"),
    "local-show-json": ("local", "show", "--db", "t.db", "--format", "json"),
    "validate-text": ("validate", "-f", "bad"),
    "validate-json": ("validate", "-f", "bad", "--format", "json"),
    "apply": ("apply", "-f", "org.yaml", "--backend", "local:a.db", "--state", "sqlite:state.db", "--auto-approve"),
    "log": ("log", "--state", "sqlite:state.db", "--limit", "1000"),
}
TEXT = ("plan-text", "show-text", "drift-text", "local-show-text", "validate-text", "apply", "log")
MARKDOWN = ("plan-markdown", "show-markdown", "drift-markdown")
JSON = ("plan-json", "drift-json", "local-show-json", "validate-json")


def hostile_key(number: int, hostile: Hostile) -> str:
    return f"k{number}{hostile.value}"


def write_bad_config(directory: Path) -> None:
    """A configuration of a pull request: a file with a hostile name, keys with hostile names."""
    directory.mkdir()
    (directory / "main.yaml").write_text(
        "version: 1\norg: {name: Tiny}\ndepartments:\n  - {id: eng, name: Engineering}\n", encoding="utf-8"
    )
    alice = {"id": "alice", "name": "Alice", "department": "eng", "work_email": "alice@tiny.example"}
    alice.update({hostile_key(i, h): 1 for i, h in INDEXED})
    (directory / FILE_NAME.value).write_text(yaml.safe_dump({"version": 1, "members": [alice]}), encoding="utf-8")


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    work = tmp_path_factory.mktemp("hostile")
    live, config = tenant_and_config()
    (work / "tenant.yaml").write_text(yaml.safe_dump(live), encoding="utf-8")
    (work / "org.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    write_bad_config(work / "bad")
    for db in ("t.db", "a.db"):
        init = subprocess.run(
            [sys.executable, "-m", "orgstate", "local", "init", "--from", "tenant.yaml", "--db", db],
            cwd=work,
            capture_output=True,
            check=False,
        )
        assert init.returncode == 0, init.stderr
    store = open_store(f"sqlite:{work / 'state.db'}")
    try:
        for i, hostile in INDEXED:
            store.record(f"ci{i} {hostile.value}", f"user_group.g{i}", "update", "failed", f"L{i} {hostile.value}")
    finally:
        store.close()
    results = {}
    for name, args in COMMANDS.items():  # in order: plan writes plan.json for show; apply before log
        results[name] = run_in_terminal(*args, cwd=work)
    return results


def output(outputs: dict[str, tuple[int, str]], name: str, codes: tuple[int, ...] = (0, 2)) -> str:
    code, text = outputs[name]
    assert code in codes, f"{name} exited {code}:\n{text[-3000:]}"
    return text


# -- text --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TEXT)
def test_no_control_character_reaches_the_terminal(outputs: dict[str, tuple[int, str]], name: str) -> None:
    text = output(outputs, name, (0, 1, 2))
    assert unsafe(text) == []
    assert "Traceback" not in text and "internal error" not in text


def lines_with(text: str, needle: str) -> list[str]:
    return [line for line in text.split("\n") if needle in line]


@pytest.mark.parametrize(("number", "hostile"), INDEXED, ids=IDS)
def test_drift_text_shows_each_name_escaped_on_its_line(
    outputs: dict[str, tuple[int, str]], number: int, hostile: Hostile
) -> None:
    text = output(outputs, "drift-text", (2,))
    assert lines_with(text, f"~ user_group.g{number} name: live G{number} {hostile.shown}, declared G{number}")
    assert lines_with(text, f"~ user_group.c{number} name: live C{number}, declared C{number} {hostile.shown}")
    assert lines_with(text, f"- user_group.u{number} (live: U{number} {hostile.shown})")
    assert lines_with(text, f"+ user_group.n{number} (declared: N{number} {hostile.shown})")
    assert text.rstrip("\n").split("\n")[-1] == f"Drift: {2 * len(CATALOGUE)} changed, {len(CATALOGUE)} unmanaged, " + (
        f"{len(CATALOGUE)} missing"
    )


def quoted_values(line: str) -> list[str]:
    """The JSON string literals on a plan line, decoded."""
    return [json.loads(literal) for literal in re.findall(r'"(?:[^"\\]|\\.)*"', line)]


@pytest.mark.parametrize("name", ["plan-text", "show-text", "apply"])
@pytest.mark.parametrize(("number", "hostile"), INDEXED, ids=IDS)
def test_plan_text_values_read_back_to_the_names(
    outputs: dict[str, tuple[int, str]], name: str, number: int, hostile: Hostile
) -> None:
    text = output(outputs, name, (0,))
    values = [value for line in text.split("\n") for value in quoted_values(line)]
    for prefix in ("G", "C", "N"):
        assert f"{prefix}{number} {hostile.value}" in values


@pytest.mark.parametrize(("number", "hostile"), INDEXED, ids=IDS)
def test_validate_quotes_hostile_keys_escaped(
    outputs: dict[str, tuple[int, str]], number: int, hostile: Hostile
) -> None:
    text = output(outputs, "validate-text", (1,))
    [line] = lines_with(text, f"unknown key 'k{number}{hostile.shown}'")
    assert line.startswith(f"bad/{FILE_NAME.shown}:")
    assert text.rstrip("\n").split("\n")[-1] == f"{len(CATALOGUE)} errors"


@pytest.mark.parametrize(("number", "hostile"), INDEXED, ids=IDS)
def test_log_shows_one_line_per_entry(outputs: dict[str, tuple[int, str]], number: int, hostile: Hostile) -> None:
    text = output(outputs, "log", (0,))
    assert len(lines_with(text, f"ci{number} {hostile.shown} user_group.g{number} update: failed")) == 1
    assert len(lines_with(text, f"(L{number} {hostile.shown})")) == 1


def test_local_show_names_the_tenant_escaped(outputs: dict[str, tuple[int, str]]) -> None:
    text = output(outputs, "local-show-text", (0,))
    assert text.split("\n")[0] == f"{TENANT_NAME.shown} (founder boss)"


@pytest.mark.parametrize("name", [*TEXT, *MARKDOWN, *JSON])
def test_an_actions_log_obeys_nothing_of_the_output(outputs: dict[str, tuple[int, str]], name: str) -> None:
    assert Runner().read(output(outputs, name, (0, 1, 2))).carried_out == []


def test_a_file_named_like_a_workflow_command_is_shown_inert(tmp_path: Path) -> None:
    name = "::add-mask::Acme.yaml"
    (tmp_path / name).write_text("version: 1\norg: {name: Acme}\nmembers: [{id: a}]\n", encoding="utf-8")
    code, text = run_in_terminal("validate", "-f", name, cwd=tmp_path)
    assert code == 1 and text.startswith(":\\u003aadd-mask::Acme.yaml:"), text
    assert Runner().read(text).carried_out == []


# -- markdown ----------------------------------------------------------------------------------------------------------

GFM = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
MENTION = re.compile(r"@(?!\u200b)\w")


def markdown_dom(text: str) -> Node:
    """The markdown as GitHub would render it (raw HTML passed through), as a DOM."""
    return parse(GFM.render(text))


def texts_outside_code(node: Node) -> list[str]:
    if node.tag in ("code", "pre"):
        return []
    found = []
    for child in node.children:
        found += [child] if isinstance(child, str) else texts_outside_code(child)
    return found


@pytest.mark.parametrize("name", MARKDOWN)
def test_markdown_keeps_its_structure(outputs: dict[str, tuple[int, str]], name: str) -> None:
    text = output(outputs, name, (0, 2))
    assert unsafe(text) == []
    html_tokens = [token for token in GFM.parse(text) if token.type in ("html_block", "html_inline")]
    html_tokens += [
        child
        for token in GFM.parse(text)
        if token.type == "inline"
        for child in token.children or []
        if child.type == "html_inline"
    ]
    for token in html_tokens:
        for line in token.content.splitlines():
            assert ALLOWED_DETAILS.fullmatch(line.strip()), line
    dom = markdown_dom(text)
    for tag in ("script", "a", "img", "svg", "iframe"):
        assert dom.find_all(tag) == [], tag
    assert len(dom.find_all("details")) == len(dom.find_all("summary"))
    assert [t for t in texts_outside_code(dom) if MENTION.search(t)] == []


def test_plan_markdown_has_one_folded_block_per_change_type(outputs: dict[str, tuple[int, str]]) -> None:
    """The deletions (of the `u` groups) come first, unfolded; the other changes are folded."""
    dom = markdown_dom(output(outputs, "plan-markdown", (0,)))
    assert [summary.text for summary in dom.find_all("summary")] == [f"user_group ({3 * len(CATALOGUE)} changes)"]
    [details] = dom.find_all("details")
    assert len(details.find_all("li")) >= 3 * len(CATALOGUE)
    deleted = [li.text for li in dom.find_all("li") if li.text.startswith("- user_group.u")]
    assert deleted == [f"- user_group.u{number} delete (live, not declared) irreversible" for number, _ in INDEXED]


@pytest.mark.parametrize("name", ["plan-markdown", "show-markdown"])
@pytest.mark.parametrize(("number", "hostile"), INDEXED, ids=IDS)
def test_plan_markdown_code_spans_read_back_to_the_names(
    outputs: dict[str, tuple[int, str]], name: str, number: int, hostile: Hostile
) -> None:
    dom = markdown_dom(output(outputs, name, (0,)))
    values = [json.loads(code.text) for code in dom.find_all("code") if code.text.startswith('"')]
    for prefix in ("G", "C"):
        assert f"{prefix}{number} {hostile.value}" in values


def drift_table(dom: Node) -> dict[str, list[str]]:
    """The item rows of the group tables (the first table is the overview of counts)."""
    cells = [
        [cell.text for cell in row.find_all("td")]
        for table in dom.find_all("table")[1:]
        for row in table.find_all("tbody")[0].find_all("tr")
    ]
    assert all(len(row) == 5 for row in cells), cells
    assert len(cells) == 4 * len(CATALOGUE)
    return {row[0]: row for row in cells}


@pytest.mark.parametrize(("number", "hostile"), INDEXED, ids=IDS)
def test_drift_markdown_has_one_row_per_item_showing_the_name(
    outputs: dict[str, tuple[int, str]], number: int, hostile: Hostile
) -> None:
    table = drift_table(markdown_dom(output(outputs, "drift-markdown", (2,))))
    shown = hostile.shown.replace("@", "@\u200b")  # a zero-width space keeps GitHub from notifying anyone
    assert table[f"user_group.g{number}"] == [
        f"user_group.g{number}",
        f"G{number}",
        "name",
        f"G{number} {shown}",
        f"G{number}",
    ]
    assert table[f"user_group.c{number}"][3:] == [f"C{number}", f"C{number} {shown}"]
    assert table[f"user_group.u{number}"][3:] == [f"U{number} {shown}", "—"]
    assert table[f"user_group.n{number}"][3:] == ["—", f"N{number} {shown}"]


# -- HTML --------------------------------------------------------------------------------------------------------------


def test_drift_html_runs_nothing(outputs: dict[str, tuple[int, str]]) -> None:
    page = output(outputs, "drift-html", (2,))
    assert unsafe(page) == []
    dom = parse(page)
    assert dom.find_all("script") == []
    assert [node.tag for node in dom.iter() if any(name.startswith("on") for name in node.attrs)] == []
    assert [svg.attrs.get("id") for svg in dom.find_all("svg")] == ["seat-chart"]
    assert [d.attrs for d in dom.find_all("details")] == [
        {"class": "group", "data-group": group} for group in ("user_group name", "user_group", "user_group")
    ]
    assert len(rows(dom)) == 4 * len(CATALOGUE)


@pytest.mark.parametrize(("number", "hostile"), INDEXED, ids=IDS)
def test_drift_html_shows_each_name_as_text(outputs: dict[str, tuple[int, str]], number: int, hostile: Hostile) -> None:
    table = {cells[1]: cells for _, cells in rows(parse(output(outputs, "drift-html", (2,))))}
    assert table[f"user_group.g{number}"][3:] == [f"G{number} {hostile.shown}", f"G{number}"]
    assert table[f"user_group.c{number}"][3:] == [f"C{number}", f"C{number} {hostile.shown}"]
    assert table[f"user_group.u{number}"][3] == f"U{number} {hostile.shown}"
    assert table[f"user_group.n{number}"][4] == f"N{number} {hostile.shown}"


def test_the_browser_runs_no_script_of_the_report(outputs: dict[str, tuple[int, str]], tmp_path: Path) -> None:
    """A script that ran would leave a mark in the DOM Chromium dumps; none does."""
    page = tmp_path / "drift.html"
    page.write_text(output(outputs, "drift-html", (2,)), encoding="utf-8")
    command = chromium_command(tmp_path, "--dump-dom", page.as_uri())
    dom = parse(subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout)
    assert dom.find_all("script") == []
    assert [node.tag for node in dom.iter() if any(name.startswith("on") for name in node.attrs)] == []
    assert len(rows(dom)) == 4 * len(CATALOGUE)
    table = {cells[1]: cells for _, cells in rows(dom)}
    assert [table[f"user_group.g{i}"][3] for i, _ in INDEXED] == [f"G{i} {h.shown}".strip() for i, h in INDEXED]


# -- JSON --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", JSON)
def test_json_is_json_with_nothing_raw(outputs: dict[str, tuple[int, str]], name: str) -> None:
    text = output(outputs, name, (0, 1, 2))
    assert unsafe(text) == []
    json.loads(text)


@pytest.mark.parametrize(("number", "hostile"), INDEXED, ids=IDS)
def test_json_reads_back_to_the_names(outputs: dict[str, tuple[int, str]], number: int, hostile: Hostile) -> None:
    drift = {item["address"]: item for item in json.loads(output(outputs, "drift-json", (2,)))["items"]}
    assert drift[f"user_group.g{number}"]["live"] == f"G{number} {hostile.value}"
    assert drift[f"user_group.n{number}"]["declared"] == f"N{number} {hostile.value}"
    plan = {change["address"]: change for change in json.loads(output(outputs, "plan-json", (0,)))["changes"]}
    assert plan[f"user_group.g{number}"]["before"]["name"] == f"G{number} {hostile.value}"
    assert plan[f"user_group.c{number}"]["after"]["name"] == f"C{number} {hostile.value}"
    tenant = json.loads(output(outputs, "local-show-json", (0,)))
    assert tenant["tenant"]["name"] == TENANT_NAME.value
    assert {g["id"]: g["name"] for g in tenant["user_groups"]}[f"u{number}"] == f"U{number} {hostile.value}"
    diagnostics = json.loads(output(outputs, "validate-json", (1,)))["diagnostics"]
    assert f"unknown key '{hostile_key(number, hostile)}'" in [d["message"] for d in diagnostics]
    assert {d["file"] for d in diagnostics} == {f"bad/{FILE_NAME.value}"}

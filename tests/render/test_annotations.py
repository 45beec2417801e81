"""`--format github`: workflow commands for GitHub Actions (render/annotations.py).

The output is read here as the Actions runner reads a step's output, line by line
(`Runner`, a model of actions/runner's ActionCommandManager.TryProcessCommand and
ActionCommand.TryParseV2/TryParse): a line is a command when, after its leading
whitespace, it starts with `::name` of a registered command, or when it holds `##[name`
anywhere (the old syntax); `::stop-commands::TOKEN` makes every command inert until
`::TOKEN::`. Whatever a diagnostic holds, the commands the runner carries out are
exactly the ones the renderer wrote, and each message and property reads back as the
diagnostic had it (its other control characters as visible escapes). A line of the
folded log may start with `::` (a file named so), but it is inert there: the test runs
such names through the runner model rather than trusting the layout.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orgstate.diagnostics import Diagnostic, Severity
from orgstate.planner.plan import Plan
from orgstate.render.annotations import (
    ANNOTATIONS_PER_KIND,
    KINDS,
    annotation,
    render_diagnostics_github,
    render_plan_github,
)
from orgstate.render.diagnostics import render_text
from orgstate.render.escape import for_terminal, for_workflow_command
from orgstate.render.plan_text import render_plan_text
from tests.conftest import ROOT, run_orgstate

# The commands a runner registers (actions/runner src/Runner.Worker/ActionCommandManager.cs).
REGISTERED = frozenset(
    {
        "stop-commands",
        "set-env",
        "set-output",
        "save-state",
        "add-mask",
        "add-path",
        "add-matcher",
        "remove-matcher",
        "debug",
        "warning",
        "error",
        "notice",
        "group",
        "endgroup",
        "echo",
    }
)
# ActionCommand.cs: the runner decodes in this order.
DATA_DECODING = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
PROPERTY_DECODING = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))
# Characters nothing may write raw: C0 but LF, DEL, C1, bidi controls, separators, surrogates.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


def decoded(text: str, decoding: tuple[tuple[str, str], ...]) -> str:
    for encoded, char in decoding:
        text = text.replace(encoded, char)
    return text


@dataclass(frozen=True)
class Command:
    name: str
    properties: dict[str, str]
    data: str


def parse_v2(line: str, registered: set[str]) -> Command | None:
    """ActionCommand.TryParseV2: `::name key=value,key=value::data` after leading space."""
    message = line.lstrip()
    if not message.startswith("::"):
        return None
    end = message.find("::", 2)
    if end < 0:
        return None
    info = message[2:end]
    name, _, rest = info.partition(" ")
    if name.lower() not in registered:
        return None
    properties = {}
    for pair in (part for part in rest.strip().split(",") if part):
        key, sep, value = pair.partition("=")
        if sep and key and value:
            properties[key] = decoded(value, PROPERTY_DECODING)
    return Command(name.lower(), properties, decoded(message[end + 2 :], DATA_DECODING))


def parse_v1(line: str, registered: set[str]) -> Command | None:
    """ActionCommand.TryParse: `##[name key=value;...]data` anywhere in the line."""
    start = line.find("##[")
    end = line.find("]", start) if start >= 0 else -1
    if end < 0:
        return None
    name = line[start + 3 : end].partition(" ")[0]
    return Command(name.lower(), {}, line[end + 1 :]) if name.lower() in registered else None


@dataclass
class Runner:
    """What the runner carries out of a step's output, and the lines it shows as text."""

    carried_out: list[Command] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    stop_token: str | None = None

    def read(self, output: str) -> Runner:
        for line in output.split("\n"):
            registered = set(REGISTERED) | ({self.stop_token.lower()} if self.stop_token else set())
            command = parse_v2(line, registered) or parse_v1(line, registered)
            if command is None:
                self.shown.append(line)
            elif self.stop_token is not None:
                if command.name == self.stop_token.lower():
                    self.stop_token = None
                    self.carried_out.append(command)
                else:
                    self.shown.append(line)  # inert while commands are stopped
            elif command.name == "stop-commands":
                assert command.data and command.data.lower() not in REGISTERED
                self.stop_token = command.data
                self.carried_out.append(command)
            else:
                self.carried_out.append(command)
        return self

    def annotations(self) -> list[Command]:
        return [command for command in self.carried_out if command.name in KINDS.values()]


def as_read_back(value: str) -> str:
    """A value as an annotation shows it: CR and LF as themselves (the runner decodes
    them), every other unsafe character as for_terminal shows it."""
    return "".join(char if char in "\r\n" else for_terminal(char) for char in value)


def expected_annotation(diagnostic: Diagnostic) -> Command:
    properties = {"title": diagnostic.rule}
    if diagnostic.file:
        properties["file"] = str(Path(diagnostic.file).absolute())
    if diagnostic.line is not None:
        properties["line"] = str(diagnostic.line)
        if diagnostic.column is not None:
            properties["col"] = str(diagnostic.column)
    subject = diagnostic.address or diagnostic.path
    if diagnostic.address and diagnostic.path:
        subject = f"{diagnostic.address} ({diagnostic.path})"
    message = f"{subject}: {diagnostic.message}" if subject else diagnostic.message
    return Command(
        KINDS[diagnostic.severity],
        {key: as_read_back(value) for key, value in properties.items()},
        as_read_back(message),
    )


# -- the escaper ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "as_property", "escaped"),
    [
        ("plain, with: colons", False, "plain, with: colons"),
        ("plain, with: colons", True, "plain%2C with%3A colons"),
        ("100% done", False, "100%25 done"),
        ("%0A stays text", True, "%250A stays text"),
        ("two\nlines\r", False, "two%0Alines%0D"),
        ("x\n::set-output name=a::b", False, "x%0A::set-output name=a::b"),
        ("\x1b[2J\u202eevil\x00", False, "\\u001b[2J\\u202eevil\\u0000"),
        ("tab\there", True, "tab\\there"),
    ],
)
def test_for_workflow_command(value: str, as_property: bool, escaped: str) -> None:
    assert for_workflow_command(value, as_property=as_property) == escaped


def test_an_annotation_leaves_out_what_it_lacks() -> None:
    assert annotation("error", "m") == "::error::m"
    assert annotation("warning", "m", file="a.yaml") == "::warning file=a.yaml::m"
    assert annotation("notice", "m", file="a.yaml", column=3) == "::notice file=a.yaml::m"
    assert annotation("error", "m", title="R", file="a,b:c.yaml", line=2, column=3) == (
        "::error file=a%2Cb%3Ac.yaml,line=2,col=3,title=R::m"
    )


# -- whatever a diagnostic holds ---------------------------------------------------------

# Values a pull-request author or a tenant could write, the runner's syntax included.
HOSTILE = st.lists(
    st.one_of(
        st.characters(),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
        st.sampled_from(["::", "##[", "%", "%0A", "%25", ",", ":", "=", "\n", "\r", "\u2028", "\x1b", "]", " "]),
        st.sampled_from(["::add-mask::", "::set-output name=x::", "##[set-output name=x;]", "::endgroup::"]),
    ),
    max_size=12,
).map("".join)
# The runner trims the ends of the properties' text (the file comes first, the title
# last), so these two are drawn without surrounding space.
STRIPPED = HOSTILE.map(str.strip).filter(bool)


@st.composite
def diagnostics(draw: st.DrawFn) -> Diagnostic:
    severity: Severity = draw(st.sampled_from(["error", "warning", "info"]))
    line = draw(st.none() | st.integers(1, 10**6))
    return Diagnostic(
        rule=draw(STRIPPED),
        severity=severity,
        message=draw(HOSTILE),
        address=draw(st.none() | HOSTILE),
        file=draw(st.none() | STRIPPED),
        line=line,
        column=draw(st.none() | st.integers(1, 500)) if line is not None else None,
        path=draw(st.none() | HOSTILE),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(diagnostics(), max_size=14))
def test_the_runner_carries_out_exactly_the_annotations_written(found: list[Diagnostic]) -> None:
    output = render_diagnostics_github(found)
    assert not RAW.search(output)
    runner = Runner().read(output)
    names = [command.name for command in runner.carried_out]
    kinds = [name for name in names if name in KINDS.values()]
    assert names[len(kinds) :] == ["group", "stop-commands", runner.carried_out[len(kinds) + 1].data, "endgroup"]
    assert runner.stop_token is None  # commands run again after the log
    # Every diagnostic is an annotation, unless its kind has more than GitHub shows.
    by_kind = Counter(KINDS[diagnostic.severity] for diagnostic in found)
    for severity, kind in KINDS.items():
        written = [command for command in runner.annotations() if command.name == kind]
        expected = [expected_annotation(d) for d in found if d.severity == severity]
        if by_kind[kind] <= ANNOTATIONS_PER_KIND:
            assert written == expected
        else:
            assert written[:-1] == expected[: ANNOTATIONS_PER_KIND - 1]
    # The log, between the stop and the resumption, is the text format, line for line.
    assert "\n".join(runner.shown) == render_text(found)


# -- GitHub's 10 annotations of each kind --------------------------------------------------


def many(severity: Severity, count: int) -> list[Diagnostic]:
    return [Diagnostic("REF-UNKNOWN", severity, f"problem {i}", file="org.yaml", line=i + 1) for i in range(count)]


@pytest.mark.parametrize(
    ("errors", "warnings", "infos", "shown"),
    [
        pytest.param(0, 0, 0, {}, id="none"),
        pytest.param(10, 3, 0, {"error": 10, "warning": 3}, id="ten-fit"),
        pytest.param(11, 0, 0, {"error": 10}, id="eleven"),
        pytest.param(25, 10, 40, {"error": 10, "warning": 10, "notice": 10}, id="many"),
    ],
)
def test_at_most_ten_of_each_kind_the_last_counting_the_rest(
    errors: int, warnings: int, infos: int, shown: dict[str, int]
) -> None:
    found = many("error", errors) + many("warning", warnings) + many("info", infos)
    runner = Runner().read(render_diagnostics_github(found))
    assert Counter(command.name for command in runner.annotations()) == Counter(shown)
    for kind, count in (("error", errors), ("warning", warnings), ("notice", infos)):
        written = [command for command in runner.annotations() if command.name == kind]
        if count > ANNOTATIONS_PER_KIND:
            noun = {"error": "errors", "warning": "warnings", "notice": "infos"}[kind]
            more = count - (ANNOTATIONS_PER_KIND - 1)
            assert written[-1].properties == {"title": f"orgstate: {more} more {noun}"}
            assert written[-1].data.startswith(f"and {more} more {noun}, not shown as annotations")
            assert [c.data for c in written[:-1]] == [f"problem {i}" for i in range(ANNOTATIONS_PER_KIND - 1)]
    assert runner.shown[-1] == render_text(found).splitlines()[-1]  # the count, in the log
    assert len(runner.shown) == errors + warnings + infos + 1  # every diagnostic, in the log


def empty_plan(diagnostics: tuple[Diagnostic, ...] = ()) -> Plan:
    return Plan("p1", "local:t.db", "sha256:c", "sha256:s", "2026-01-01T00:00:00Z", diagnostics=diagnostics)


def test_a_plan_keeps_one_notice_for_its_summary() -> None:
    plan = empty_plan(tuple(many("info", 12)) + tuple(many("error", 2)))
    runner = Runner().read(render_plan_github(plan))
    notices = [command for command in runner.annotations() if command.name == "notice"]
    assert len(notices) == ANNOTATIONS_PER_KIND
    assert notices[0] == Command(
        "notice",
        {"title": "orgstate plan: 0 to add, 0 to change, 0 to remove"},
        "No changes. The tenant matches the configuration. This plan cannot be applied because of 2 errors.",
    )
    assert [c.data for c in notices[1:-1]] == [f"problem {i}" for i in range(ANNOTATIONS_PER_KIND - 2)]
    assert notices[-1].properties["title"] == "orgstate: 4 more infos"
    assert "\n".join(runner.shown) == render_plan_text(plan)


# -- the command line --------------------------------------------------------------------


def test_validate_annotates_an_invalid_example() -> None:
    result = run_orgstate("validate", "-f", "examples/invalid/ref-unknown.yaml", "--format", "github")
    assert result.returncode == 1, result.stderr
    runner = Runner().read(result.stdout.rstrip("\n"))
    assert runner.annotations() == [
        Command(
            "error",
            {"file": str(ROOT / "examples/invalid/ref-unknown.yaml"), "line": "14", "col": "7", "title": "REF-UNKNOWN"},
            "member.alice (members[1].job.manager): unknown member 'bbo' (did you mean 'bob'?)",
        )
    ]
    assert runner.shown[-1] == "1 error"


def test_validate_sums_up_past_ten_and_logs_them_all(tmp_path: Path) -> None:
    members = "\n".join(
        f"  - {{id: m{i}, name: M{i}, department: nowhere{i}, work_email: m{i}@x.example}}" for i in range(15)
    )
    (tmp_path / "org.yaml").write_text(f"version: 1\norg: {{name: X}}\nmembers:\n{members}\n", encoding="utf-8")
    result = run_orgstate("validate", "--format", "github", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    runner = Runner().read(result.stdout.rstrip("\n"))
    errors = runner.annotations()
    assert len(errors) == ANNOTATIONS_PER_KIND
    assert all(command.properties["file"] == str(tmp_path / "org.yaml") for command in errors[:-1])
    assert errors[-1].properties["title"] == "orgstate: 6 more errors"
    assert sum("error REF-UNKNOWN" in line for line in runner.shown) == 15
    assert runner.shown[-1] == "15 errors"


def test_a_hostile_file_name_cannot_run_a_command(tmp_path: Path) -> None:
    """A seat list with a row that matches no one: the diagnostic's file is its name,
    which a pull request chose."""
    name = "x\n::add-mask::secret,##[set-output name=a;]b.csv"
    (tmp_path / name).write_text("email\nnobody@x.example\n", encoding="utf-8")
    (tmp_path / "org.yaml").write_text(
        "version: 1\norg:\n  name: X\n  plans:\n"
        "    - {id: p, edition: pro, seats: 5, starts: 2026-01-01, expires: 2027-01-01}\n"
        "departments: [{id: d, name: D}]\nmembers: [{id: a, name: A, department: d, work_email: a@x.example}]\n"
        f"seat_assignments: [{{plan: p, from_file: {json.dumps(name)}}}]\n",
        encoding="utf-8",
    )
    result = run_orgstate("validate", "--format", "github", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    runner = Runner().read(result.stdout.rstrip("\n"))
    token = runner.carried_out[-2].name
    assert [command.name for command in runner.carried_out] == ["error", "group", "stop-commands", token, "endgroup"]
    assert runner.annotations()[0].properties == {
        "file": str(tmp_path / name),
        "line": "2",
        "col": "1",
        "title": "REF-UNKNOWN",
    }
    # In the log the name is shown as the terminal shows it, inert even without stop-commands.
    assert any(line.startswith("x\\n::add-mask::secret,#\\u0023[set-output") for line in runner.shown)


@pytest.fixture
def tenant(tmp_path: Path) -> Path:
    db = tmp_path / "tenant.db"
    assert run_orgstate("local", "init", "--from", "examples/tenant.yaml", "--db", str(db)).returncode == 0
    return db


def test_plan_annotates_and_still_saves_json(tenant: Path, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    result = run_orgstate(
        "plan", "-f", "examples/org.yaml", "--backend", f"local:{tenant}", "--format", "github",
        "--out", str(saved), "--detailed-exitcode",
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    runner = Runner().read(result.stdout.rstrip("\n"))
    notice = runner.annotations()[0]
    assert notice == Command(
        "notice",
        {"title": "orgstate plan: 21 to add, 14 to change, 6 to remove"},
        "Plan: 21 to add, 14 to change, 6 to remove.",
    )
    document = json.loads(saved.read_text())
    located = [d for d in document["diagnostics"] if d["file"]]
    assert [c.properties.get("file") for c in runner.annotations()[1:] if "file" in c.properties] == [
        str(ROOT / d["file"]) for d in sorted(located, key=lambda d: ["error", "warning", "info"].index(d["severity"]))
    ]
    shown = "\n".join(runner.shown)
    assert "+ member.henry create" in shown and shown.endswith("Plan: 21 to add, 14 to change, 6 to remove.")
    shown_json = run_orgstate("show", str(saved), "--format", "json")
    assert json.loads(shown_json.stdout)["changes"] == document["changes"]


def test_plan_with_configuration_errors_annotates_them() -> None:
    result = run_orgstate(
        "plan", "-f", "examples/invalid/ref-unknown.yaml", "--backend", "local:/nonexistent.db", "--format", "github"
    )
    assert result.returncode == 1, result.stderr
    assert [c.properties["title"] for c in Runner().read(result.stdout.rstrip("\n")).annotations()] == ["REF-UNKNOWN"]


@pytest.mark.parametrize("command", ["validate", "plan", "show"])
def test_help_lists_the_formats(command: str) -> None:
    text = run_orgstate(command, "--help").stdout
    assert "[text|" in text and "|github|sarif]" in text

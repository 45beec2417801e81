"""docs/gitops.md against what it describes: the files it names exist, the action's
inputs and outputs tables are action.yml's, the permissions table is the examples', and
its code blocks are the files they stand for."""

from __future__ import annotations

import re

import yaml

from tests.conftest import ROOT
from tests.gitops.runner import load_yaml

DOC = (ROOT / "docs" / "gitops.md").read_text()
ACTION = load_yaml(ROOT / "action.yml")


def table(heading: str) -> list[list[str]]:
    """The rows of the first table after `heading`, as cell texts (the header row left out)."""
    section = DOC[DOC.rindex("\n", 0, DOC.index(heading)) :]
    rows = re.search(r"\n(\|.*\|\n)+", section)
    assert rows is not None, heading
    lines = rows.group(0).strip().splitlines()[2:]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines]


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, re.S)


def unquote(cell: str) -> str:
    return cell.strip("`")


def test_every_file_the_doc_names_exists() -> None:
    named = set(re.findall(r"`((?:examples|action|tests)/[^`\s]+|action\.yml|\.pre-commit-hooks\.yaml)`", DOC))
    missing = sorted(name for name in named if not (ROOT / name.rstrip("/")).exists())
    assert named and not missing, missing


def test_the_doc_walks_through_every_example_workflow() -> None:
    files = {f"examples/github/{path.name}" for path in (ROOT / "examples" / "github").glob("*.yml")}
    listed = {unquote(row[1]) for row in table("| Workflow | File |")}
    assert listed == files


def test_the_inputs_table_is_the_actions_inputs() -> None:
    documented = {}
    for name, default, _ in table("### Inputs"):
        documented[unquote(name)] = default
    expected = {
        name: "*required*" if spec.get("required") else f"`{spec['default']}`" if spec["default"] else "*empty*"
        for name, spec in ACTION["inputs"].items()
    }
    assert documented == expected


def test_the_outputs_table_is_the_actions_outputs() -> None:
    assert [unquote(row[0]) for row in table("### Outputs")] == list(ACTION["outputs"])


def test_the_commands_table_is_what_the_action_runs() -> None:
    script = (ROOT / "action" / "run.sh").read_text()
    accepted = re.search(r"^\s+([a-z| ]+)\) \"\$INPUT_COMMAND\" ;;$", script, re.M)
    assert accepted is not None
    assert [unquote(row[0]) for row in table("| `command` | What runs |")] == accepted.group(1).split(" | ")


def test_the_permissions_table_is_what_the_examples_ask_for() -> None:
    files = {row[0]: ROOT / unquote(row[1]) for row in table("| Workflow | File |")}
    for workflow, permissions, _ in table("### Permissions"):
        asked = load_yaml(files[workflow]).get("permissions", {})
        documented = dict(unquote(item).split(": ") for item in permissions.split(", "))
        assert asked == documented, workflow


def test_the_code_quality_converter_shown_is_the_tested_file() -> None:
    [shown] = code_blocks("python")
    assert shown == (ROOT / "examples" / "gitlab" / "codequality.py").read_text()


def test_the_yaml_blocks_parse_and_the_pre_commit_block_names_the_hook() -> None:
    blocks = [yaml.safe_load(block) for block in code_blocks("yaml")]
    [pre_commit] = [block for block in blocks if "repos" in block]
    hooks = {hook["id"] for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert [hook["id"] for hook in pre_commit["repos"][0]["hooks"]] == sorted(hooks)
    [gitlab] = [block for block in blocks if "variables" in block]
    scripts = "\n".join(line for job in gitlab.values() if isinstance(job, dict) for line in job.get("script", []))
    assert "ci/codequality.py" in scripts and "ci/plan-note.sh" in scripts


def test_the_action_reference_in_the_doc_is_the_examples() -> None:
    references = {
        step["uses"]
        for path in sorted((ROOT / "examples" / "github").glob("*.yml"))
        for job in load_yaml(path)["jobs"].values()
        for step in job["steps"]
        if step.get("uses", "").startswith("orgstate/")
    }
    assert len(references) == 1
    [reference] = references
    assert f"`{reference}`" in DOC


def test_the_table_reader_reads_whole_rows() -> None:
    """The table reader itself: a row it misreads would make the checks above vacuous."""
    rows = table("### Outputs")
    assert len(rows) == len(ACTION["outputs"]) and all(len(row) == 2 for row in rows)

"""export --merge on the example: the result validates, plans to no changes, and its diff
against the hand-written file is only what differs from the tenant, every comment kept;
-o refuses to overwrite; --split owns what it wrote."""

from __future__ import annotations

import difflib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML

from orgstate.export.document import export_document
from orgstate.model.config import Department, FieldDef, Member, Offboarding, UserGroup
from orgstate.tenant.fixture import load_fixture
from tests.conftest import EXAMPLES, run_orgstate

SECTIONS: dict[str, type[BaseModel]] = {
    "fields": FieldDef,
    "departments": Department,
    "members": Member,
    "user_groups": UserGroup,
    "offboarding": Offboarding,
}
COMMENT = re.compile(r"(^|\s)(#.*)$")


@pytest.fixture()
def example(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLES, tmp_path, dirs_exist_ok=True)
    assert run_orgstate("local", "init", "--from", "tenant.yaml", cwd=tmp_path).returncode == 0
    return tmp_path


def _normal(model: type[BaseModel], item: Any) -> Any:
    try:
        return model.model_validate(dict(item)).model_dump(mode="json")
    except ValidationError:
        return None


def _planned(directory: Path) -> set[str]:
    """The members a plan of the hand-written file changes (a seat a rule would move, too)."""
    plan = run_orgstate("plan", "-f", "org.yaml", "--format", "json", cwd=directory)
    return {change["address"].split(".", 1)[1] for change in json.loads(plan.stdout)["changes"]}


def _differing_spans(text: str, planned: set[str]) -> tuple[list[range], list[int]]:
    """Line ranges of the file's objects that differ from the tenant (or that its plan
    changes), and where each section's items end (where new objects may go)."""
    document = YAML().load(text)
    exported = export_document(load_fixture(EXAMPLES / "tenant.yaml"))
    live_members = {member["id"] for member in exported["members"]}
    line_count = len(text.splitlines())
    tops = sorted(document.lc.key(key)[0] for key in document)
    spans, ends = [], []
    for section, model in SECTIONS.items():
        items = document[section]
        end = next((line for line in tops if line > document.lc.key(section)[0]), line_count)
        lines = text.splitlines()
        last = end
        while not lines[last - 1].strip() or lines[last - 1].lstrip().startswith("#"):
            last -= 1
        ends.append(last)  # after the section's last item, before the comments that follow
        starts = [items.lc.item(i)[0] for i in range(len(items))]
        wanted = {item["id"]: item for item in exported.get(section, [])}
        for item, start, stop in zip(items, starts, [*starts[1:], end], strict=True):
            if section == "offboarding":
                differs = item["id"] in live_members
            else:
                differs = _normal(model, item) != _normal(model, wanted.get(item["id"], {}))
                differs = differs or (section == "members" and item["id"] in planned)
            if differs:
                spans.append(range(start, stop))
    return spans, ends


def _comments(lines: list[str]) -> list[str]:
    return [match.group(2) for line in lines if (match := COMMENT.search(line))]


def test_merge_of_the_example_validates_plans_to_nothing_and_changes_only_what_differs(example: Path) -> None:
    before = (example / "org.yaml").read_text()
    planned = _planned(example)
    merged = run_orgstate("export", "--merge", "org.yaml", cwd=example)
    assert merged.returncode == 0, merged.stderr
    assert "removed offboarding.frank (frank is still live" in merged.stdout
    assert "removed seats-basic.csv:3: henry@acme.example (member.henry is not live)" in merged.stdout
    assert run_orgstate("validate", "-f", "org.yaml", cwd=example).returncode == 0
    plan = run_orgstate("plan", "-f", "org.yaml", "--detailed-exitcode", cwd=example)
    assert plan.returncode == 0 and "No changes" in plan.stdout, plan.stdout

    after = (example / "org.yaml").read_text()
    old, new = before.splitlines(), after.splitlines()
    spans, ends = _differing_spans(before, planned)
    removed_lines: set[int] = set()
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        changed = range(i1, i2) if i2 > i1 else range(i1 - 1, i1)  # an insertion: after line i1 - 1
        for line in changed:
            inside = any(line in span for span in spans)
            assert inside or (tag == "insert" and i1 in ends) or old[line].startswith("offboarding:"), (
                tag,
                line + 1,
                old[line],
            )
        if tag in ("delete", "replace"):
            removed_lines.update(range(i1, i2))
    # Every comment line is kept, and every inline comment but those of removed objects.
    assert [line for line in old if line.lstrip().startswith("#")] == [
        line for line in new if line.lstrip().startswith("#")
    ]
    gone = {"rita", "frank"}  # removed: their lines' comments go with them
    kept = _comments(new)
    for line in removed_lines:
        comment = _comments([old[line]])
        owner = next((span for span in spans if line in span), None)
        if comment and owner is not None and not any(f"id: {who}" in old[owner.start] for who in gone):
            assert comment[0] in kept, old[line]
    assert "    job: {title: Chief of Staff, manager: founder,\n          employment_date: 2020-02-17" in after
    assert (example / "seats-basic.csv").read_text() == "email\nmaria@acme.example\nivan@acme.example\n"
    again = run_orgstate("export", "--merge", "org.yaml", cwd=example)
    assert again.stdout.strip() == "Merged into org.yaml: nothing to change"


def test_merge_rewrites_a_seat_list_row_whose_phone_changed(example: Path) -> None:
    (example / "seats-basic.csv").write_text("phone\n+15550100007\n+420601234536\n")
    merged = run_orgstate("export", "--merge", "org.yaml", cwd=example)
    assert "updated seats-basic.csv:3: +420601234536 -> +420601234599 (member.klara)" in merged.stdout
    assert (example / "seats-basic.csv").read_text() == "phone\n+15550100007\n+420601234599\n"
    assert run_orgstate("validate", "-f", "org.yaml", cwd=example).returncode == 0


def test_export_out_refuses_to_overwrite_without_force(example: Path) -> None:
    before = (example / "org.yaml").read_text()
    refused = run_orgstate("export", "-o", "org.yaml", cwd=example)
    assert refused.returncode == 1
    assert refused.stderr.strip().endswith(
        "org.yaml: already exists; export -o writes a new file (--force to replace it, --merge to update it in place)"
    )
    assert "Traceback" not in refused.stderr and (example / "org.yaml").read_text() == before
    forced = run_orgstate("export", "-o", "org.yaml", "--force", cwd=example)
    assert forced.returncode == 0 and (example / "org.yaml").read_text().startswith("# Exported from")


def test_split_removes_the_files_it_wrote_that_are_no_longer_exported(example: Path) -> None:
    assert run_orgstate("export", "--split", "live", cwd=example).returncode == 0
    # A department that is gone from the tenant since the last split left its file behind.
    shutil.copy(example / "live" / "eng-platform.yaml", example / "live" / "eng-qa.yaml")
    (example / "live" / "README.md").write_text("not orgstate's\n")
    again = run_orgstate("export", "--split", "live", cwd=example)
    assert again.returncode == 0 and f"removed {Path('live') / 'eng-qa.yaml'} (no longer exported)" in again.stdout
    assert not (example / "live" / "eng-qa.yaml").exists()
    assert (example / "live" / "README.md").read_text() == "not orgstate's\n"
    assert run_orgstate("validate", "-f", "live", cwd=example).returncode == 0


def test_split_never_overwrites_a_file_it_did_not_write_without_force(example: Path) -> None:
    (example / "live").mkdir()
    (example / "live" / "org.yaml").write_text("# mine\nversion: 1\n")
    refused = run_orgstate("export", "--split", "live", cwd=example)
    assert refused.returncode == 1 and f"{Path('live') / 'org.yaml'}: not written by orgstate export" in refused.stderr
    assert (example / "live" / "org.yaml").read_text() == "# mine\nversion: 1\n"
    assert sorted(path.name for path in (example / "live").iterdir()) == ["org.yaml"]
    assert run_orgstate("export", "--split", "live", "--force", cwd=example).returncode == 0
    assert run_orgstate("validate", "-f", "live", cwd=example).returncode == 0

"""README.md starts with the two commands (install and run; test), CI runs the same test
command through the same lock, and every document is reachable from the README."""

from __future__ import annotations

import re

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()
CI = (ROOT / ".ci" / "run").read_text()


def first_block(text: str) -> list[str]:
    match = re.search(r"```sh\n(.*?)```", text, re.S)
    assert match is not None and text[: match.start()].strip() == "# orgstate", "README must start with the commands"
    return match.group(1).splitlines()


def test_the_readme_starts_with_two_commands_through_the_lock() -> None:
    install, tests = first_block(README)
    assert "pip install -c constraints.txt ." in install
    assert "orgstate local init --from examples/tenant.yaml" in install and "orgstate plan" in install
    assert tests.startswith("pip install -c constraints.txt ")


def test_ci_installs_through_the_lock_and_runs_the_readmes_test_command() -> None:
    _, tests = first_block(README)
    test_command = tests.split(" && ")[-1]
    commands = [line for line in CI.splitlines() if line and not line.startswith(("#", " "))]
    assert commands[-1] == test_command
    assert any(line.startswith("pip install") and "-c constraints.txt" in line for line in commands)


def test_every_document_is_linked_and_every_link_resolves() -> None:
    links = set(re.findall(r"\]\(([^)]+)\)", README))
    documents = {f"docs/{path.name}" for path in (ROOT / "docs").glob("*.md")}
    assert documents <= links, f"not reachable from README.md: {sorted(documents - links)}"
    assert all((ROOT / link).exists() for link in links), sorted(link for link in links if not (ROOT / link).exists())


def test_user_documents_name_no_path_outside_the_repository() -> None:
    for path in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        text = path.read_text()
        assert "../" not in text and "SPEC.md" not in text, f"{path.name} points outside the repository"

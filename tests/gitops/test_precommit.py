"""The orgstate-validate hook (.pre-commit-hooks.yaml) through the real pre-commit, on a
scratch git repository. pre-commit installs orgstate from a checkout of this repository
into an environment of its own, as it does for a user: each test pays for one install
(try-repo keeps nothing), which is why there are two tests, not more."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.gitops.conftest import GIT_ENV, git, package_index_problem

PRE_COMMIT = [sys.executable, "-m", "pre_commit"]


@pytest.fixture(scope="session")
def pre_commit_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    if problem := package_index_problem(home):
        pytest.skip(f"the package index is unreachable, so pre-commit cannot install the hook: {problem}")
    return {
        **os.environ,
        **GIT_ENV,
        "PRE_COMMIT_HOME": str(home),
        # The hook's environment gets the locked versions, as `pip install -c constraints.txt` would.
        "PIP_CONSTRAINT": str(ROOT / "constraints.txt"),
    }


def scratch_repository(path: Path, *examples: str) -> Path:
    path.mkdir()
    for name in examples:
        source = EXAMPLES / name
        if source.is_dir():
            shutil.copytree(source, path / name)
        else:
            shutil.copy(source, path / name)
    git("init", "-q", cwd=path)
    return path


def pre_commit(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PRE_COMMIT, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def break_reference(path: Path) -> None:
    """Give a member a manager nobody declares (REF-UNKNOWN)."""
    text = path.read_text()
    assert "manager: founder" in text
    path.write_text(text.replace("manager: founder", "manager: fonder", 1))


def test_try_repo_fails_a_broken_configuration_with_the_located_error(
    tmp_path: Path, project_copy: Path, pre_commit_env: dict[str, str]
) -> None:
    repo = scratch_repository(tmp_path / "repo", "org.yaml", "seats-basic.csv")
    break_reference(repo / "org.yaml")
    git("add", "-A", cwd=repo)
    result = pre_commit(
        "try-repo", str(project_copy), "orgstate-validate", "--files", "org.yaml", cwd=repo, env=pre_commit_env
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "orgstate validate" in output and "Failed" in output
    assert "org.yaml:" in output and "error REF-UNKNOWN" in output and "unknown member 'fonder'" in output


def test_the_hook_fails_a_commit_of_a_split_configuration_until_it_is_fixed(
    tmp_path: Path, project_copy: Path, pre_commit_env: dict[str, str]
) -> None:
    """A split directory: the hook validates all of it whichever file changed (files that
    reference each other), so `args` name the directory and pass_filenames is off."""
    repo = scratch_repository(tmp_path / "repo", "org-split")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {project_copy}\n    rev: {git('rev-parse', 'HEAD', cwd=project_copy).strip()}\n"
        "    hooks:\n      - id: orgstate-validate\n        args: [-f, org-split/]\n"
    )
    assert pre_commit("install", cwd=repo, env=pre_commit_env).returncode == 0
    git("add", "-A", cwd=repo)
    git(
        "commit", "-q", "-m", "the organization", cwd=repo, env=pre_commit_env
    )  # clean: the hook passes, the commit is made

    eng = repo / "org-split" / "eng.yaml"
    eng.write_text(eng.read_text().replace("Chief Technology Officer", "Chief Technical Officer"))  # a real change
    break_reference(eng)  # ... with a typo
    git("add", "-A", cwd=repo)
    refused = subprocess.run(
        ["git", "commit", "-m", "retitle"], cwd=repo, env=pre_commit_env, capture_output=True, text=True, check=False
    )
    output = refused.stdout + refused.stderr
    assert refused.returncode == 1, output
    assert "org-split/eng.yaml:" in output and "error REF-UNKNOWN" in output, output
    assert git("rev-list", "--count", "HEAD", cwd=repo).strip() == "1"

    eng.write_text(eng.read_text().replace("manager: fonder", "manager: founder"))
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "retitle", cwd=repo, env=pre_commit_env)
    assert git("rev-list", "--count", "HEAD", cwd=repo).strip() == "2"

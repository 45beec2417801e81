"""A pull request's configuration is untrusted: it must not make orgstate read files
outside its own directory, nor carry a file's contents into a message (which would land
in a public PR comment)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import run_orgstate
from tests.planner.test_seats import ORG

SECRET = "TOPSECRET-VALUE@outside.example"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A runner: a secret file beside the checkout, the configuration inside it."""
    (tmp_path / "shadow").write_text(f"email\n{SECRET}\n")
    checkout = tmp_path / "checkout" / "org"
    checkout.mkdir(parents=True)
    (checkout / "sub").mkdir()
    (checkout / "link.csv").symlink_to(tmp_path / "shadow")
    (checkout / "sub" / "ok.csv").write_text("email\nfay@s.example\n")
    return checkout


@pytest.mark.parametrize(
    "name",
    ["../../shadow", "sub/../../../shadow", "link.csv", "ABSOLUTE", "sub/../../org/../../shadow"],
)
def test_from_file_stays_inside_the_configurations_directory(repo: Path, name: str) -> None:
    name = str(repo.parent.parent / "shadow") if name == "ABSOLUTE" else name
    (repo / "org.yaml").write_text(
        ORG.replace("PRO_SEATS", "10").replace("SHORTAGE", "fail").replace("seats.csv", name)
    )
    result = run_orgstate("validate", "-f", str(repo / "org.yaml"), "--format", "json")
    assert result.returncode == 1
    assert "leaves the configuration's directory" in result.stdout
    assert SECRET not in result.stdout + result.stderr


def test_a_seat_list_inside_the_directory_is_read(repo: Path) -> None:
    (repo / "org.yaml").write_text(
        ORG.replace("PRO_SEATS", "10").replace("SHORTAGE", "fail").replace("seats.csv", "sub/ok.csv")
    )
    assert run_orgstate("validate", "-f", str(repo / "org.yaml")).returncode == 0


def test_a_message_quotes_one_cell_at_most_and_clipped(repo: Path) -> None:
    cell = "x" * 5000 + "@s.example"
    (repo / "seats.csv").write_text(f"email\n{cell}\n")
    (repo / "org.yaml").write_text(ORG.replace("PRO_SEATS", "10").replace("SHORTAGE", "fail"))
    result = run_orgstate("validate", "-f", str(repo / "org.yaml"))
    [line] = [line for line in result.stdout.splitlines() if "no declared member" in line]
    assert len(line) < 400 and cell not in line


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_special_file_is_not_opened(repo: Path) -> None:
    os.mkfifo(repo / "pipe.csv")  # opening it would block for ever
    (repo / "org.yaml").write_text(
        ORG.replace("PRO_SEATS", "10").replace("SHORTAGE", "fail").replace("seats.csv", "pipe.csv")
    )
    result = run_orgstate("validate", "-f", str(repo / "org.yaml"), timeout=20)
    assert result.returncode == 1 and "unknown file 'pipe.csv'" in result.stdout

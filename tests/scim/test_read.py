"""The scim backend against scim2-server over real HTTP: discovery, export -> validate ->
an empty plan, drift of a change made in the provider, what SCIM cannot hold said once,
retries on 429 and 503, pagination, and the token in no output."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from scim2_models import EnterpriseUser, PatchOp, PatchOperation, User

from orgstate.appliers.scim import ScimBackend
from orgstate.appliers.scim.client import TOKEN_ENV, TOKEN_FILE_ENV
from tests.conftest import run_orgstate
from tests.scim.conftest import TOKEN, FaultProxy, Person, ScimServer, plain_provider, seed, start_server


def orgstate(*args: str) -> tuple[int, str]:
    """Run the command line; its output, which must never hold the token."""
    done = run_orgstate(*args)
    output = done.stdout + done.stderr
    assert TOKEN not in output
    assert "Traceback" not in output
    return done.returncode, output


def exported(server: ScimServer, tmp_path: Path) -> Path:
    path = tmp_path / "org.yaml"
    code, output = orgstate("export", "--backend", f"scim:{server.url}", "-o", str(path))
    assert code == 0, output
    return path


def test_discovery_gives_what_the_provider_announces(scim_server: ScimServer) -> None:
    backend = ScimBackend(scim_server.url)
    found = backend.discovery
    assert (found.patch, found.filter, found.etag, found.bulk, found.enterprise) == (True, True, True, True, True)
    assert {"departments", "seats", "group_description", "member.gender", "member.custom"} <= backend.unheld
    assert not {"member.job.title", "member.job.manager", "member.employee_id", "member.department"} & backend.unheld
    backend.close()


def test_discovery_reads_a_provider_that_only_replaces(tmp_path: Path) -> None:
    server = start_server(*plain_provider(tmp_path, filtering=True))
    try:
        found = ScimBackend(server.url).discovery
        assert (found.patch, found.etag, found.bulk, found.filter, found.max_results) == (False, False, False, True, 50)
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)


def test_export_of_a_seeded_provider_validates_and_plans_to_nothing(scim_server: ScimServer, tmp_path: Path) -> None:
    seed(scim_server.client())
    path = exported(scim_server, tmp_path)
    text = path.read_text()
    assert "manager: alice" in text and "status: suspended" in text and "sales-team" in text
    code, output = orgstate("validate", "-f", str(path))
    assert code == 0, output
    code, output = orgstate("plan", "-f", str(path), "--backend", f"scim:{scim_server.url}", "--detailed-exitcode")
    assert code == 0, output
    assert "No changes" in output or "no changes" in output.lower(), output


def test_drift_finds_a_change_made_in_the_provider(scim_server: ScimServer, tmp_path: Path) -> None:
    client = scim_server.client()
    ids = seed(client)
    path = exported(scim_server, tmp_path)
    operation = PatchOperation(op="replace", path="title", value="Principal Engineer")
    client.modify(User[EnterpriseUser], ids["bob"], PatchOp[User[EnterpriseUser]](operations=[operation]))
    code, output = orgstate("drift", "-f", str(path), "--backend", f"scim:{scim_server.url}", "--format", "json")
    assert code == 2, output
    items = json.loads(output)["items"]
    assert [(i["address"], i["field"]) for i in items] == [("member.bob", "job.title")], items


UNHELD_ORG = """\
version: 1
org:
  name: Acme Robotics
  plans:
    - {id: pro-2026, edition: pro, seats: 10, starts: 2026-01-01, expires: 2027-01-01}
departments:
  - {id: eng, name: Engineering, leader: alice}
  - {id: sales, name: Sales, parent: eng}
members:
  - {id: alice, name: Alice Liu, department: eng, work_email: alice@acme.example, phone: "+14155550101",
     gender: female, seat: pro-2026, job: {title: CTO, employment_date: 2024-01-01}}
  - {id: bob, name: Bob Stone, department: eng, work_email: bob@acme.example, gender: male,
     job: {title: Engineer, manager: alice}}
  - {id: carol, name: Carol King, department: sales, work_email: carol@acme.example,
     job: {title: Account Executive, manager: alice}}
  - {id: dave, name: Dave Ng, department: sales, work_email: dave@acme.example, status: suspended}
user_groups:
  - {id: sales-team, name: Sales team, description: Field sales, members: [carol, dave], seat: pro-2026}
  - {id: leads, name: Leads, members: [alice]}
"""


def test_what_scim_cannot_hold_is_said_once_and_left_out(scim_server: ScimServer, tmp_path: Path) -> None:
    seed(scim_server.client())
    path = tmp_path / "org.yaml"
    path.write_text(UNHELD_ORG)
    code, output = orgstate(
        "plan", "-f", str(path), "--backend", f"scim:{scim_server.url}", "--format", "json", "--detailed-exitcode"
    )
    assert code == 0, output  # departments, seats, gender, dates, descriptions: nothing to change
    plan = json.loads(output)
    assert plan["changes"] == []
    messages = [d["message"] for d in plan["diagnostics"] if d["rule"] == "BACKEND-CAPABILITY"]
    for part in (
        "no departments as objects",
        "no subscriptions or seats",
        "description",
        "gender, job.employment_date",
    ):
        assert sum(part in m for m in messages) == 1, (part, messages)
    code, output = orgstate("drift", "-f", str(path), "--backend", f"scim:{scim_server.url}", "--format", "json")
    assert code == 0, output
    assert json.loads(output)["items"] == []


def test_a_wrong_token_is_a_clear_error_that_does_not_show_it(
    scim_server: ScimServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "wrong-" + TOKEN)
    code, output = orgstate("export", "--backend", f"scim:{scim_server.url}", "-o", str(tmp_path / "org.yaml"))
    assert code == 1
    assert "reading the service description" in output and "HTTP 401" in output, output
    assert "wrong-" not in output
    monkeypatch.delenv(TOKEN_ENV)
    code, output = orgstate("export", "--backend", f"scim:{scim_server.url}", "-o", str(tmp_path / "org.yaml"))
    assert code == 1 and "SCIM_TOKEN" in output, output
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    monkeypatch.setenv(TOKEN_FILE_ENV, str(token_file))
    code, output = orgstate("export", "--backend", f"scim:{scim_server.url}", "-o", str(tmp_path / "org.yaml"))
    assert code == 0, output


@pytest.mark.parametrize(
    "url",
    ["http://scim.example.com/v2", "https://user:pw@scim.example.com/v2", "https://scim.example.com/v2?x=1"],
)
def test_the_token_goes_only_to_https_or_loopback(url: str, tmp_path: Path) -> None:
    code, output = orgstate("export", "--backend", f"scim:{url}", "-o", str(tmp_path / "org.yaml"))
    assert code == 1 and "expected scim:https://HOST" in output, output
    assert "pw" not in output


def test_429_and_503_are_retried(
    scim_server: ScimServer, fault_proxy: FaultProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(scim_server.client())
    fault_proxy.inject(2, 429, retry_after="0.2")
    path = tmp_path / "org.yaml"
    code, output = orgstate("export", "--backend", f"scim:{fault_proxy.url}", "-o", str(path))
    assert code == 0, output
    fault_proxy.inject(2, 503)
    code, output = orgstate("plan", "-f", str(path), "--backend", f"scim:{fault_proxy.url}", "--detailed-exitcode")
    assert code == 0, output
    assert fault_proxy.answered == [429, 429, 503, 503]
    fault_proxy.inject(100, 503)
    monkeypatch.setenv("SCIM_MAX_ATTEMPTS", "3")
    code, output = orgstate("plan", "-f", str(path), "--backend", f"scim:{fault_proxy.url}")
    assert code == 1 and "kept failing (HTTP 503) after" in output, output


def test_lists_are_read_page_by_page(
    scim_server: ScimServer, fault_proxy: FaultProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = tuple(Person(f"u{n}", f"User {n}", f"u{n}@acme.example", "eng") for n in range(1, 8))
    seed(scim_server.client(), people, groups={})
    monkeypatch.setenv("SCIM_PAGE_SIZE", "3")
    path = tmp_path / "org.yaml"
    code, output = orgstate("export", "--backend", f"scim:{fault_proxy.url}", "-o", str(path))
    assert code == 0, output
    assert all(f"id: u{n}\n" in path.read_text() for n in range(1, 8))
    pages = sorted(line for line in fault_proxy.forwarded if line.startswith("GET /v2/Users?"))
    starts = sorted(next(q for q in p.split("?")[1].split("&") if q.startswith("startIndex=")) for p in pages)
    assert starts == ["startIndex=1", "startIndex=4", "startIndex=7"], pages
    assert all("count=3" in p for p in pages), pages


def test_the_request_rate_paces_reads_and_sets_the_estimate(
    scim_server: ScimServer, fault_proxy: FaultProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(scim_server.client())
    path = exported(scim_server, tmp_path)
    (tmp_path / "more.yaml").write_text(
        path.read_text().replace("    title: CTO", "    title: Chief Technology Officer")
    )
    monkeypatch.setenv("SCIM_RATE", "4")
    started = time.monotonic()
    code, output = orgstate(
        "plan", "-f", str(tmp_path / "more.yaml"), "--backend", f"scim:{fault_proxy.url}", "--format", "json"
    )
    assert code == 0, output
    sent = len(fault_proxy.forwarded)
    assert sent >= 5 and time.monotonic() - started >= (sent - 1) / 4
    estimate = json.loads(output)["estimate"]
    # The description, the whole provider again, then the user's look-up, its PUT and its check.
    requests = {f"GET /{name}": 1 for name in ("ResourceTypes", "Schemas", "ServiceProviderConfig", "Groups")}
    requests |= {"GET /Users": 3, "PUT /Users": 1}
    assert estimate == {
        "seconds": 2.0,
        "endpoints": {name: {"requests": n, "seconds": round(n / 4, 1)} for name, n in sorted(requests.items())},
    }, estimate


def test_explain_shows_the_declared_side_as_written_and_what_scim_cannot_hold(
    scim_server: ScimServer, tmp_path: Path
) -> None:
    seed(scim_server.client())
    path = tmp_path / "org.yaml"
    path.write_text(UNHELD_ORG)
    backend = ["--backend", f"scim:{scim_server.url}"]
    code, output = orgstate("explain", "member.alice", "-f", str(path), *backend, "--format", "json")
    assert code == 0, output
    explained = json.loads(output)
    fields = {row["name"]: row for row in explained["fields"]}
    assert fields["gender"] == {"name": "gender", "declared": "female", "held": False, "differs": False}
    assert fields["seat"]["declared"] == "pro-2026" and fields["seat"]["held"] is False
    assert fields["job"]["unheld_keys"] == ["dotted_line_managers", "employment_date"]
    assert fields["job"]["declared"]["employment_date"] == "2024-01-01" and not fields["job"]["differs"]
    assert fields["job"]["live"]["title"] == "CTO" and "held" not in fields["job"]
    assert explained["seat"] is None  # no seat story where the backend holds no seats
    code, output = orgstate("explain", "department.sales", "-f", str(path), *backend)
    assert code == 0, output
    assert re.search(r'name +"Sales" +\(not held by the backend\)', output), output
    assert re.search(r'parent +"eng" +\(not held by the backend\)', output), output

"""Custom fields in a SCIM provider's own User extension (appliers/scim/custom.py), against
scim2-server serving one: discovery finds the fields, examples/org.yaml's custom values
converge into the extension, drift sees a change made there, an export holds them and
plans to nothing, and a value the provider's field cannot hold fails the plan, located."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import httpx2

from orgstate.appliers.scim import ScimBackend
from orgstate.config.loader import load_config
from orgstate.model.config import FieldDef
from tests.conftest import EXAMPLES
from tests.scim.conftest import ACME, TOKEN, ScimServer, attribute, extended_options, start_server
from tests.scim.test_apply import orgstate

ORG = str(EXAMPLES / "org.yaml")


def users(server: ScimServer) -> dict[str, dict[str, Any]]:
    """externalId -> the user as the provider answers it (JSON)."""
    answer = httpx2.get(f"{server.url}/Users", params={"count": 1000}, headers={"Authorization": f"Bearer {TOKEN}"})
    return {user["externalId"]: user for user in answer.json()["Resources"]}


def test_the_fields_are_the_string_and_reference_attributes_of_the_providers_extension(
    extended_server: ScimServer,
) -> None:
    backend = ScimBackend(extended_server.url)
    config = load_config([Path(ORG)]).config
    assert config is not None
    # level, desk and profile as examples/org.yaml defines them; costCenter too (the
    # enterprise extension's costCenter is another attribute). Not badge (an integer),
    # aliases (multi-valued), hrKey (read-only) nor secretNote (returned on request).
    assert backend.discovery.fields == (*config.fields, FieldDef(id="costCenter", name="Cost centre", type="text"))
    assert "member.custom" not in backend.unheld
    assert backend.read_snapshot().fields == backend.discovery.fields
    backend.close()


def test_custom_values_converge_in_the_extension_drift_sees_them_and_export_holds_them(
    extended_server: ScimServer, tmp_path: Path
) -> None:
    backend = f"scim:{extended_server.url}"
    code, output = orgstate(tmp_path, "plan", "-f", ORG, "--backend", backend, "--out", "plan.json")
    assert code == 0 and "member.founder create" in output, output
    plan = json.loads((tmp_path / "plan.json").read_text())
    notes = [d["message"] for d in plan["diagnostics"] if d["rule"] in ("BACKEND-CAPABILITY", "FIELD-VALUE")]
    assert not [note for note in notes if "custom" in note or "field '" in note], notes
    code, output = orgstate(tmp_path, "apply", "plan.json", "--backend", backend)
    assert code == 0, output
    code, output = orgstate(tmp_path, "plan", "-f", ORG, "--backend", backend, "--detailed-exitcode")
    assert code == 0 and "No changes" in output, output

    founder = users(extended_server)["founder"]
    assert founder[ACME] == {"level": "L5", "desk": "B1-001", "profile": "https://wiki.acme.example/people/dana"}

    # A change made in the provider: drift names the field, and a plan puts it back.
    headers = {"Authorization": f"Bearer {TOKEN}"}
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": f"{ACME}:level", "value": "L3"}],
    }
    answer = httpx2.patch(f"{extended_server.url}/Users/{founder['id']}", json=patch, headers=headers)
    assert answer.status_code in (200, 204), answer.text
    code, output = orgstate(tmp_path, "drift", "-f", ORG, "--backend", backend, "--format", "json")
    assert code == 2, output
    assert [(i["address"], i["field"]) for i in json.loads(output)["items"]] == [("member.founder", "custom.level")]
    code, output = orgstate(tmp_path, "plan", "-f", ORG, "--backend", backend, "--out", "fix.json")
    assert code == 0 and "member.founder update" in output, output
    code, output = orgstate(tmp_path, "apply", "fix.json", "--backend", backend)
    assert code == 0, output
    assert users(extended_server)["founder"][ACME]["level"] == "L5"

    # An export holds the fields (costCenter too) and the values, and plans to nothing.
    code, output = orgstate(tmp_path, "export", "--backend", backend, "-o", "exported.yaml")
    assert code == 0, output
    exported = (tmp_path / "exported.yaml").read_text()
    assert "costCenter" in exported and "https://wiki.acme.example/people/dana" in exported, exported
    code, output = orgstate(tmp_path, "plan", "-f", "exported.yaml", "--backend", backend, "--detailed-exitcode")
    assert code == 0 and "No changes" in output, output


def test_a_value_the_providers_field_cannot_hold_fails_the_plan_located(
    extended_server: ScimServer, tmp_path: Path
) -> None:
    text = Path(ORG).read_text()
    declared = "  - {id: level, name: Job level, type: enum, options: [L1, L2, L3, L4, L5]}\n"
    assert declared in text
    # The configuration allows L6; the provider's attribute lists L1 to L5 only.
    shutil.copy(EXAMPLES / "seats-basic.csv", tmp_path)
    (tmp_path / "org.yaml").write_text(
        text.replace(declared, declared.replace("L5]", "L5, L6]")).replace("custom: {level: L5,", "custom: {level: L6,")
    )
    code, output = orgstate(tmp_path, "plan", "-f", "org.yaml", "--backend", f"scim:{extended_server.url}")
    assert code == 1, output
    assert "org.yaml:" in output and "FIELD-VALUE" in output and "'L6' is not an option of level" in output, output


def test_where_two_extensions_name_one_attribute_the_first_listed_holds_the_field(tmp_path: Path) -> None:
    other = "urn:example:params:scim:schemas:extension:other:2.0:User"
    schema = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": other,
        "name": "OtherUser",
        "attributes": [attribute("desk", "Desk in the other directory"), attribute("floor", "Floor")],
        "meta": {"resourceType": "Schema", "location": f"/v2/Schemas/{other}"},
    }
    server = start_server(*extended_options(tmp_path, schema))
    try:
        backend = ScimBackend(server.url)
        fields = {field.id: field.name for field in backend.discovery.fields}
        assert fields["desk"] == "Desk" and fields["floor"] == "Floor", fields
        desk = [row for row in backend.discovery.rows if row.path == "custom.desk"]
        assert [row.slot.schema for row in desk] == [ACME]
        backend.close()
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)

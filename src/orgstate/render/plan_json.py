"""The plan's JSON contract (SPEC section 5), versioned apart from the in-memory types.

`PlanDocument` is the document itself: `schemas/plan.schema.json` is generated from it,
saved plans are read back through it, and `format_version` says which contract a file
follows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orgstate import __version__
from orgstate.diagnostics import Diagnostic
from orgstate.errors import UsageError
from orgstate.planner.changes import AnyChange, change_data
from orgstate.planner.plan import Plan, SeatUse

# 1.1: `plan_id`; addresses of group members are `group_member.<group>/<member>` and of
# seats `seat.<member>`; a new or restored member's seat is a seat.assign of its own;
# changes' payloads are typed (see schemas/plan.schema.json).
FORMAT_VERSION = "1.1"


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SeatUseDocument(Document):
    plan: str
    purchased: int
    assigned_before: int
    assigned_after: int
    without_seat: list[str] = []


class DiagnosticDocument(Document):
    severity: Literal["error", "warning", "info"]
    rule: str
    address: str | None = None
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    message: str


class PlanDocument(Document):
    format_version: Literal["1.1"]
    orgstate_version: str
    plan_id: Annotated[str, Field(pattern=r"^plan-[0-9a-z-]{1,64}$")]
    backend: str
    config_digest: str
    state_digest: str
    created_at: str
    applyable: bool
    summary: dict[str, int]
    changes: list[AnyChange]
    seats: list[SeatUseDocument]
    diagnostics: list[DiagnosticDocument]
    fingerprints: dict[str, str]
    ignored: list[str] = []


def plan_document(plan: Plan) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "orgstate_version": __version__,
        "plan_id": plan.id,
        "backend": plan.backend,
        "config_digest": plan.config_digest,
        "state_digest": plan.state_digest,
        "created_at": plan.created_at,
        "applyable": plan.applyable,
        "summary": plan.summary,
        "changes": [change_data(change) for change in plan.changes],
        "seats": [
            {
                "plan": s.plan,
                "purchased": s.purchased,
                "assigned_before": s.assigned_before,
                "assigned_after": s.assigned_after,
                "without_seat": list(s.without_seat),
            }
            for s in plan.seats
        ],
        "diagnostics": [diagnostic.to_json() for diagnostic in plan.diagnostics],
        "fingerprints": plan.fingerprints,
        "ignored": list(plan.ignored),
    }


def render_plan_json(plan: Plan) -> str:
    return json.dumps(plan_document(plan), indent=2, ensure_ascii=False)


def read_plan(path: Path) -> Plan:
    """A saved plan file back into a Plan; a file that is not one is a clear error."""
    try:
        document = PlanDocument.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the plan: {exc.strerror}") from None
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        raise UsageError(f"{path}: not an orgstate plan (format {FORMAT_VERSION}): {where}: {first['msg']}") from None
    return Plan(
        id=document.plan_id,
        backend=document.backend,
        config_digest=document.config_digest,
        state_digest=document.state_digest,
        created_at=document.created_at,
        changes=tuple(document.changes),
        seats=tuple(
            SeatUse(s.plan, s.purchased, s.assigned_before, s.assigned_after, tuple(s.without_seat))
            for s in document.seats
        ),
        diagnostics=tuple(Diagnostic(**d.model_dump()) for d in document.diagnostics),
        fingerprints=document.fingerprints,
        ignored=tuple(document.ignored),
    )


def plan_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://orgstate.dev/schemas/plan.schema.json",
        "title": f"orgstate plan (format {FORMAT_VERSION})",
        **PlanDocument.model_json_schema(),
    }


def plan_schema_text() -> str:
    return json.dumps(plan_schema(), indent=2, ensure_ascii=False) + "\n"

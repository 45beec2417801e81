"""The plan's JSON contract (SPEC section 5), versioned apart from the in-memory types.

`PlanDocument` is the document itself: `schemas/plan.schema.json` is generated from it,
saved plans are read back through it, and `format_version` says which contract a file
follows."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from orgstate import __version__
from orgstate.diagnostics import Diagnostic
from orgstate.errors import UsageError
from orgstate.gcpause import gc_paused
from orgstate.planner.changes import AnyChange
from orgstate.planner.plan import EndpointEstimate, Estimate, Plan, SeatUse
from orgstate.planner.soundness import plan_problems
from orgstate.render.escape import json_text

# 1.1: `plan_id`; addresses of group members are `group_member.<group>/<member>` and of
# seats `seat.<member>`; a new or restored member's seat is a seat.assign of its own;
# changes' payloads are typed (see schemas/plan.schema.json).
# 1.2: `digest` (over the content) and, with a key, `signature`.
# 1.3: `targets`, on a targeted plan (plan --target).
# 1.4: `changes_digest` (always) and `estimate` (an object, or null). Every plan carries
# the digest now, so none is written as 1.2 any more; orgstate reads all three.
FORMAT_VERSION = "1.4"
DIGEST_PATTERN = r"^sha256:[0-9a-f]{64}$"
# The environment variable that holds the key saved plans are signed and checked with.
PLAN_KEY_VARIABLE = "ORGSTATE_PLAN_KEY"
PLAN_KEY_MIN_LENGTH = 32
SEAL_FIELDS = ("digest", "signature")
# A plan of 100,000 new members is about 100 MiB; a file far beyond that is no plan.
MAX_PLAN_BYTES = 512 * 2**20


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


class EndpointEstimateDocument(Document):
    requests: Annotated[int, Field(ge=0)]
    seconds: Annotated[float, Field(ge=0)]


class EstimateDocument(Document):
    seconds: Annotated[float, Field(ge=0)]
    endpoints: dict[str, EndpointEstimateDocument]


class PlanDocument(Document):
    format_version: Literal["1.2", "1.3", "1.4"]
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
    fingerprints: dict[str, Annotated[str, Field(pattern=r"^(absent|sha256:[0-9a-f]{64})$")]]
    ignored: list[str] = []
    # Format 1.3: the addresses a targeted plan was limited to.
    targets: list[str] = []
    # Format 1.4: the digest of the changes alone, and how long apply will take.
    changes_digest: Annotated[str | None, Field(pattern=DIGEST_PATTERN)] = None
    estimate: EstimateDocument | None = None
    digest: Annotated[str, Field(pattern=DIGEST_PATTERN)]
    signature: Annotated[str | None, Field(pattern=r"^hmac-sha256:[0-9a-f]{64}$")] = None

    @model_validator(mode="after")
    def _fields_need_their_version(self) -> PlanDocument:
        if self.targets and self.format_version == "1.2":
            raise ValueError("targets: a targeted plan is of format 1.3 or later")
        if self.format_version == FORMAT_VERSION and self.changes_digest is None:
            raise ValueError(f"changes_digest: a plan of format {FORMAT_VERSION} has one")
        for name in ("changes_digest", "estimate"):
            if self.format_version != FORMAT_VERSION and name in self.model_fields_set:
                raise ValueError(f"{name}: not part of format {self.format_version} (it came with {FORMAT_VERSION})")
        return self


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
        "changes": plan.change_records,
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
        **({"targets": list(plan.targets)} if plan.targets else {}),
        "changes_digest": plan.changes_digest,
        "estimate": None if plan.estimate is None else _estimate_document(plan.estimate),
    }


def _estimate_document(estimate: Estimate) -> dict[str, Any]:
    return {
        "seconds": estimate.seconds,
        "endpoints": {
            name: {"requests": endpoint.requests, "seconds": endpoint.seconds}
            for name, endpoint in sorted(estimate.endpoints.items())
        },
    }


def render_plan_json(plan: Plan) -> str:
    """The sealed document; its strings hold no raw control character (render/escape.py)."""
    return json_text(seal(plan_document(plan)))


def seal(document: dict[str, Any]) -> dict[str, Any]:
    """The document with its digest, and its signature when a key is set (replacing any)."""
    content = {key: value for key, value in document.items() if key not in SEAL_FIELDS}
    canonical = _canonical(content)
    sealed = {**content, "digest": _digest(canonical)}
    key = plan_key()
    if key is not None:
        sealed["signature"] = _signature(canonical, key)
    return sealed


def plan_key() -> bytes | None:
    """The signing key from the environment; a key too short to resist guessing is refused."""
    value = os.environ.get(PLAN_KEY_VARIABLE)
    if not value:
        return None
    if len(value) < PLAN_KEY_MIN_LENGTH:
        raise UsageError(f"{PLAN_KEY_VARIABLE} is too short: use at least {PLAN_KEY_MIN_LENGTH} random characters")
    return value.encode()


def _canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8", "surrogatepass"
    )


def _digest(canonical: bytes) -> str:
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


def _signature(canonical: bytes, key: bytes) -> str:
    return "hmac-sha256:" + hmac.new(key, canonical, hashlib.sha256).hexdigest()


@gc_paused
def read_plan(path: Path) -> Plan:
    """A saved plan file back into a Plan, checked whole before anything uses it: the
    format, the digest over its content (and the signature, when a key is set), and the
    plan's own consistency. A file that fails any check is a clear error."""
    refused = f"{path}: not an orgstate plan (format {FORMAT_VERSION})"
    try:
        if path.stat().st_size > MAX_PLAN_BYTES:
            raise UsageError(f"{refused}: the file is over the limit of {MAX_PLAN_BYTES // 2**20} MiB")
        text = path.read_bytes()
        raw = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the plan: {exc.strerror}") from None
    except RecursionError:
        raise UsageError(f"{refused}: not JSON: nested too deeply") from None
    except ValueError as exc:  # malformed JSON or UTF-8, a key twice, NaN, a number too long
        raise UsageError(f"{refused}: not JSON: {exc}") from None
    try:
        document = PlanDocument.model_validate_json(text)  # in JSON's words: `null`, not `None`
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        raise UsageError(f"{refused}: {where}: {first['msg']}") from None
    _check_seal(path, raw)
    plan = Plan(
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
        targets=tuple(document.targets),
        estimate=None
        if document.estimate is None
        else Estimate(
            document.estimate.seconds,
            {name: EndpointEstimate(e.requests, e.seconds) for name, e in document.estimate.endpoints.items()},
        ),
    )
    problems = plan_problems(plan)
    if document.applyable != plan.applyable:
        problems.append(f"applyable: {str(document.applyable).lower()}, but the plan's diagnostics say otherwise")
    if document.summary != plan.summary:
        problems.append("summary: does not count the plan's changes")
    if document.changes_digest is not None and document.changes_digest != plan.changes_digest:
        problems.append("changes_digest: is not the digest of the plan's changes")
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise UsageError(f"{path}: the plan is not consistent: {shown}")
    return plan


def _check_seal(path: Path, raw: dict[str, Any]) -> None:
    canonical = _canonical({key: value for key, value in raw.items() if key not in SEAL_FIELDS})
    if not hmac.compare_digest(raw["digest"], _digest(canonical)):
        raise UsageError(f"{path}: the plan was changed after it was made (its digest does not match): plan again")
    key = plan_key()
    signature = raw.get("signature")
    if key is None and signature is not None:
        raise UsageError(f"{path}: the plan is signed, but {PLAN_KEY_VARIABLE} is not set to check its signature")
    if key is not None and signature is None:
        raise UsageError(f"{path}: the plan is not signed, but {PLAN_KEY_VARIABLE} is set: only signed plans are read")
    if key is not None and not hmac.compare_digest(str(signature), _signature(canonical, key)):
        raise UsageError(f"{path}: the plan's signature does not match: it was not made with this key, or was changed")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are unique: with a key twice, readers disagree on its value."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {json.dumps(key)} appears twice in one object")
        result[key] = value
    return result


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def plan_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://orgstate.dev/schemas/plan.schema.json",
        "title": f"orgstate plan (format {FORMAT_VERSION})",
        **PlanDocument.model_json_schema(),
    }


def plan_schema_text() -> str:
    return json.dumps(plan_schema(), indent=2, ensure_ascii=False) + "\n"

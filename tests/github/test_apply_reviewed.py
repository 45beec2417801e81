"""apply --reviewed-changes: after the merge, apply only the changes that were reviewed,
whether it plans itself (-f) or applies a saved plan; anything else applies nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgstate.render.plan_json import read_plan
from tests.github.conftest import Actions, Orgstate, Ran

OTHER = "sha256:" + "0" * 64


@pytest.fixture
def tenant(actions: Actions) -> Path:
    return actions.tenant()


def apply(orgstate: Orgstate, db: Path, *args: str) -> Ran:
    return orgstate("apply", "--backend", f"local:{db}", "--auto-approve", *args)


def pending(actions: Actions, db: Path) -> str:
    """The digest of what a plan of the tenant would change now."""
    return read_plan(actions.plan(db, "now.json")).changes_digest


def test_a_plan_other_than_the_reviewed_one_applies_nothing(actions: Actions, orgstate: Orgstate, tenant: Path) -> None:
    before = pending(actions, tenant)
    result = apply(orgstate, tenant, "-f", "org.yaml", "--reviewed-changes", OTHER)
    assert result.code == 1
    assert result.err == (
        f"error: the plan's changes ({before}) differ from the reviewed ones ({OTHER}): the configuration or the "
        "tenant changed since the review, and nothing was applied; plan again and have the new plan reviewed\n"
    )
    assert "Plan: 21 to add, 14 to change, 6 to remove." in result.out  # shown, so the difference can be seen
    assert pending(actions, tenant) == before  # nothing was applied


def test_the_reviewed_changes_are_applied(actions: Actions, orgstate: Orgstate, tenant: Path) -> None:
    reviewed = pending(actions, tenant)
    result = apply(orgstate, tenant, "-f", "org.yaml", "--reviewed-changes", reviewed)
    assert result.code == 0, result.err
    assert "Apply complete" in result.out
    assert read_plan(actions.plan(tenant, "after.json")).changes == ()


def test_a_saved_plan_is_checked_too(actions: Actions, orgstate: Orgstate, tenant: Path) -> None:
    saved = actions.plan(tenant, "saved.json")
    refused = apply(orgstate, tenant, str(saved), "--reviewed-changes", OTHER)
    assert refused.code == 1 and "differ from the reviewed ones" in refused.err
    assert pending(actions, tenant) == read_plan(saved).changes_digest
    applied = apply(orgstate, tenant, str(saved), "--reviewed-changes", read_plan(saved).changes_digest)
    assert applied.code == 0, applied.err


def test_with_nothing_to_apply_any_review_passes(actions: Actions, orgstate: Orgstate) -> None:
    result = apply(orgstate, actions.converged_tenant(), "-f", "org.yaml", "--reviewed-changes", OTHER)
    assert result.code == 0 and result.out.endswith("Nothing to apply.\n")


@pytest.mark.parametrize("digest", ["sha256:abc", "ABCDEF", "sha256:" + "G" * 64, "sha1:" + "0" * 40])
def test_a_malformed_digest_is_refused(actions: Actions, orgstate: Orgstate, tenant: Path, digest: str) -> None:
    result = apply(orgstate, tenant, "-f", "org.yaml", "--reviewed-changes", digest)
    assert (result.code, result.out) == (1, "")
    assert (
        result.err.startswith("error: Invalid value for '--reviewed-changes': ")
        and "not a changes digest" in result.err
    )

"""The markdown plan renderer (pull-request comments), on plans built directly."""

from __future__ import annotations

import dataclasses
import re
import time
from collections import Counter
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orgstate.diagnostics import Diagnostic
from orgstate.planner.changes import Change
from orgstate.planner.plan import EndpointEstimate, Estimate, Plan, SeatUse
from orgstate.planner.safety import DESTRUCTIVE
from orgstate.render.plan_markdown import DESTRUCTIVE_IN_FULL, REST, is_destructive, render_plan_markdown
from orgstate.render.plan_text import estimate_sentence
from tests.render.plans import make_plan
from tests.samples import ONE_OF_EACH, change

CAPACITY = Diagnostic(
    rule="SEAT-CAPACITY",
    severity="error",
    message="pro needs 42 seats, 40 bought",
    file="org.yaml",
    line=12,
    column=5,
    address="plan.pro",
)
DEFAULT = Diagnostic(
    rule="TRANSFER-DEFAULT", severity="warning", message="apps stay with 'victor'", address="member.victor"
)
WINDOW = Diagnostic(rule="RESTORE-WINDOW", severity="info", message="'julia' is restored", file="org.yaml", line=3)
CHANGE_ITEM = re.compile(r"^- `[+~-]` `", re.MULTILINE)


def update(
    name: str, before: dict[str, Any], after: dict[str, Any], fields: tuple[str, ...], number: int = 1
) -> Change:
    return change(
        "member", "update", f"member.{name}", number, before=before, after=after, fields=fields, reason="changed"
    )


FRANK = {"id": "frank", "name": "Frank", "department": "eng"}
SMALL = make_plan(
    (
        change("department", "create", "department.eng", after={"id": "eng", "name": "Engineering"}),
        update("alice", {"job": {"title": "Engineer"}}, {"job": {"title": "Staff Engineer"}}, ("job.title",), 2),
        update("bob", {"custom": {"level": "L1"}}, {"custom": {"level": "L2"}}, ("custom.level",), 3),
        change(
            "resources",
            "transfer",
            "resources.frank",
            4,
            after={
                "docs": {"to": "bob", "count": 23, "default": True, "outcome": "transferred"},
                "calendar": {"count": 2, "outcome": "deleted", "default": False},
            },
            reason="offboarding entry",
            irreversible=True,
        ),
        change("member", "delete", "member.frank", 5, before=FRANK, irreversible=True),
    ),
    (SeatUse("pro-2026", 40, 38, 30), SeatUse("basic", 5, 4, 7, ("rita",))),
    (WINDOW, DEFAULT, CAPACITY),
)


def section(text: str, heading: str) -> str:
    """The text from `heading` to the next heading or the note ("" when it has no such heading)."""
    start = text.find(heading)
    if start < 0:
        return ""
    ends = [text.find(mark, start + len(heading)) for mark in ("\n### ", "\n> **Truncated**")]
    return text[start : min((end for end in ends if end >= 0), default=len(text))]


def items(text: str) -> list[str]:
    """The change bullets of `text`, each with its sub-bullets."""
    return re.findall(r"^- `[+~-]` .*(?:\n  - .*)*", text, re.MULTILINE)


def note(text: str) -> str:
    last = text.splitlines()[-1]
    assert last.startswith("> **Truncated** to fit "), last
    return last


def test_title_then_summary_table_first() -> None:
    lines = render_plan_markdown(SMALL).splitlines()
    assert lines[0] == "## orgstate plan: 1 to add, 3 to change, 1 to remove (cannot be applied: 1 error)"
    assert lines[2:9] == [
        "| Change | Count |",
        "| --- | ---: |",
        "| `+` `department.create` | 1 |",
        "| `-` `member.delete` | 1 |",
        "| `~` `member.update` | 2 |",
        "| `~` `resources.transfer` | 1 |",
        "| **Total** | **5** |",
    ]


def test_the_changes_digest_and_the_estimate_follow_the_meta_line() -> None:
    estimated = dataclasses.replace(
        SMALL,
        diagnostics=(DEFAULT,),  # applyable: only such a plan has an estimate to show
        estimate=Estimate(200.0, {"contact.v3.user.patch": EndpointEstimate(1234, 200.0)}),
    )
    lines = render_plan_markdown(estimated).splitlines()
    meta = lines.index("Backend `local:x.db`, created 2026-11-21T22:00:00Z.")
    assert lines[meta + 2].startswith(f"Changes digest: `{SMALL.changes_digest}` (apply after merge")
    sentence = estimate_sentence(estimated)
    assert sentence is not None and "1,234" in sentence
    assert lines[meta + 4] == sentence
    assert lines[meta + 6] == "### Destructive changes (2)"
    assert not any(line.startswith("Apply will take") for line in render_plan_markdown(SMALL).splitlines())


def test_destructive_changes_come_first_in_full_and_only_there() -> None:
    text = render_plan_markdown(SMALL)
    assert text.index("| **Total** | **5** |") < text.index("### Destructive changes (2)") < text.index("### Seats")
    destructive = section(text, "### Destructive changes")
    assert items(destructive) == [
        "- `~` `resources.frank` transfer (offboarding entry) **irreversible**\n"
        "  - calendar (2): deleted\n"
        "  - docs (23) -> `bob` [default]",
        "- `-` `member.frank` delete **irreversible**",
    ]
    assert "**`resources.transfer`** (1)" in destructive and "**`member.delete`** (1)" in destructive
    others = section(text, "### Other changes")
    assert "frank" not in others
    assert len(items(others)) == 3


def test_destructive_means_the_removal_limits_removals_and_whatever_is_irreversible() -> None:
    assert {(c.type, c.action) for c in ONE_OF_EACH if is_destructive(c)} == {
        *DESTRUCTIVE,
        ("resources", "transfer"),
    }


def test_seats_table() -> None:
    text = render_plan_markdown(SMALL)
    assert "| Plan | Purchased | Before | After | Free after | Without a seat |" in text
    assert "| `pro-2026` | 40 | 38 | 30 | 10 |  |" in text
    assert "| `basic` | 5 | 4 | 7 | **-2** | `rita` |" in text


def test_diagnostics_list_errors_and_warnings_and_fold_infos() -> None:
    text = render_plan_markdown(SMALL)
    error = "- **error** `SEAT-CAPACITY` `org.yaml:12:5` `plan.pro`: pro needs 42 seats, 40 bought"
    warning = "- **warning** `TRANSFER-DEFAULT` `member.victor`: apps stay with 'victor'"
    info = "- **info** `RESTORE-WINDOW` `org.yaml:3`: 'julia' is restored"
    assert text.index(error) < text.index(warning) < text.index("<details><summary>1 info</summary>") < text.index(info)
    assert text.index(info) < text.index("### Other changes")


def test_other_changes_are_folded_per_type() -> None:
    text = render_plan_markdown(SMALL)
    member = text.index("<details><summary>member (2 changes)</summary>")
    assert text.index("<details><summary>department (1 change)</summary>") < member
    assert member < text.index("- `~` `member.alice` update (changed)") < text.index("</details>", member)
    assert text.index("### Other changes") < text.index("<details><summary>department (1 change)</summary>")
    assert "<details><summary>resources" not in text


def test_update_field_changes_in_backticks() -> None:
    lines = render_plan_markdown(SMALL).splitlines()
    start = lines.index("- `~` `member.alice` update (changed)")
    assert lines[start + 1] == '  - `job.title`: `"Engineer"` -> `"Staff Engineer"`'
    assert '  - `custom.level`: `"L1"` -> `"L2"`' in lines


def test_a_create_shows_what_it_sets() -> None:
    ann = {
        "id": "ann",
        "name": "Ann Lee",
        "department": "eng",
        "departments": ["ops"],
        "work_email": "ann@acme.example",
        "phone": "+15550100001",
        "job": {"manager": "boss", "title": "Engineer"},
    }
    plan = make_plan(
        (
            change("member", "create", "member.ann", 1, after=ann, reason="declared, not live"),
            change(
                "seat", "assign", "seat.ann", 2, after={"member": "ann", "plan": "pro", "source": "rule"}, reason="rule"
            ),
        )
    )
    create, seat = items(render_plan_markdown(plan))
    assert create.splitlines()[0] == "- `+` `member.ann` create (declared, not live)"
    assert set(create.splitlines()[1:]) == {
        '  - `name`: `"Ann Lee"`',
        '  - `department`: `"eng"`',
        '  - `departments`: `["ops"]`',
        '  - `work_email`: `"ann@acme.example"`',
        '  - `phone`: `"+15550100001"`',
        '  - `job.manager`: `"boss"`',
        '  - `job.title`: `"Engineer"`',
    }
    assert seat == '- `+` `seat.ann` assign (rule)\n  - `plan`: `"pro"`'


def test_user_values_are_escaped() -> None:
    plan = make_plan(
        (
            change(
                "member",
                "update",
                "member.ann",
                before={"name": "Ann | `x`"},
                after={"name": "<b>Ann</b>"},
                fields=("name",),
                reason="a | b `c`",
            ),
        ),
        (SeatUse("pro|x", 1, 1, 1, ("a|b",)),),
        (Diagnostic(rule="R", severity="error", message="bad | `value` <here>"),),
    )
    text = render_plan_markdown(plan)
    assert "- `~` `member.ann` update (a \\| b \\`c\\`)" in text
    assert '  - `name`: ``"Ann | `x`"`` -> `"<b>Ann</b>"`' in text
    assert "| `pro\\|x` | 1 | 1 | 1 | 0 | `a\\|b` |" in text
    assert "- **error** `R`: bad \\| \\`value\\` \\<here\\>" in text
    assert "<b>" not in text.replace('`"<b>Ann</b>"`', "")


def test_no_changes() -> None:
    text = render_plan_markdown(make_plan())
    assert text.splitlines()[0] == "## orgstate plan: no changes"
    assert "No changes. The tenant matches the configuration." in text
    assert "<details>" not in text
    assert "Truncated" not in text


def test_a_small_plan_is_not_truncated() -> None:
    text = render_plan_markdown(SMALL)
    assert "Truncated" not in text
    assert len(items(text)) == len(SMALL.changes)


# -- shortening ----------------------------------------------------------------------------


def big_change(number: int) -> Change:
    name = f"person-{number:05d}"
    kind = number % 50
    if kind == 0:  # one in fifty: a leaver's transfer
        return change(
            "resources",
            "transfer",
            f"resources.{name}",
            number,
            after={
                "docs": {"to": "boss", "count": number, "default": True, "outcome": "transferred"},
                "mail": {"outcome": "deleted", "count": 1, "default": False},
            },
            irreversible=True,
        )
    if kind % 4 == 1:
        return update(
            name, {"job": {"title": "Engineer"}}, {"job": {"title": "Staff Engineer"}}, ("job.title",), number
        )
    if kind % 4 == 2:
        return change("seat", "assign", f"seat.{name}", number, after={"member": name, "plan": "pro"}, reason="rule")
    if kind % 4 == 3:
        return change("department", "create", f"department.{name}", number, after={"id": name, "name": name})
    return change("group_member", "add", f"group_member.g/{name}", number, after={"group": "g", "member": name})


BIG = make_plan(
    tuple(big_change(number) for number in range(5_000)),
    (SeatUse("pro", 4_000, 10, 1_000),),
    (CAPACITY, DEFAULT, WINDOW),
)
BIG_DESTRUCTIVE = [c.address for c in BIG.changes if is_destructive(c)]


@pytest.mark.parametrize("limit", [65_000, 10_000, 4_000])
def test_a_big_plan_is_cut_to_the_limit_naming_every_destructive_change(limit: int) -> None:
    text = render_plan_markdown(BIG, limit)
    assert len(text) <= limit
    assert all(f"`{address}`" in section(text, "### Destructive changes") for address in BIG_DESTRUCTIVE)
    shown = len(items(section(text, "### Other changes")))
    others = len(BIG.changes) - len(BIG_DESTRUCTIVE)
    assert shown < others
    assert note(text).startswith(f"> **Truncated** to fit {limit:,} characters: {others - shown:,} of 5,000 changes")
    assert note(text).endswith(
        "The whole plan: `orgstate show PLAN.json` on the plan saved with `orgstate plan --out PLAN.json`."
    )
    for kind, count in Counter(f"{c.type}.{c.action}" for c in BIG.changes).items():
        assert f"`{kind}` | {count} |" in text
    assert "| **Total** | **5000** |" in text
    assert "- **error** `SEAT-CAPACITY`" in text
    assert "JSON file" not in text


def test_details_are_cut_from_the_end_before_any_change_is() -> None:
    plan = organization(400, 0)
    text = render_plan_markdown(plan, 30_000)
    shown = items(section(text, "### Changes"))
    assert len(shown) == 400  # every change, the last ones without their details
    in_full = [item for item in shown if "\n" in item]
    assert 0 < len(in_full) < len(shown)
    assert shown[: len(in_full)] == in_full
    assert note(text) == (
        f"> **Truncated** to fit 30,000 characters: the last {400 - len(in_full)} shown on one line each, "
        "without their details. The whole plan: `orgstate show PLAN.json` on the plan saved with "
        "`orgstate plan --out PLAN.json`."
    )


def test_truncation_keeps_the_changes_in_order_from_the_start() -> None:
    text = render_plan_markdown(BIG)
    assert "<details><summary>department (1,200 changes)</summary>" in text
    assert re.search(r"<details><summary>member \(1,300 changes, [\d,]+ shown\)</summary>", text)
    assert text.index("`department.person-00003`") < text.index("`department.person-00007`")
    assert "`member.person-00001`" in text
    assert "`member.person-04951`" not in text
    assert "<details><summary>seat" not in text


def test_the_default_limit_is_65000_and_rest_is_where_the_note_points() -> None:
    assert render_plan_markdown(BIG) == render_plan_markdown(BIG, 65_000)
    text = render_plan_markdown(BIG, rest="the job summary of this run and the plan artifact")
    assert note(text).endswith("The whole plan: the job summary of this run and the plan artifact.")


def test_a_tight_limit_keeps_the_summary_and_errors_over_other_diagnostics() -> None:
    warnings = tuple(
        Diagnostic(rule="W", severity="warning", message=f"warning number {number} " + "x" * 80) for number in range(50)
    )
    plan = make_plan(BIG.changes[:1000], BIG.seats, (CAPACITY, *warnings, WINDOW))
    text = render_plan_markdown(plan, 3_000)
    assert len(text) <= 3_000
    assert "- **error** `SEAT-CAPACITY`" in text
    assert "- 50 warnings not listed" in text
    assert "| **Total** | **1000** |" in text
    assert all(f"`{c.address}`" in text for c in plan.changes if is_destructive(c))
    assert "1 info, 50 warnings not listed" in note(text)


def test_errors_are_cut_before_any_destructive_change() -> None:
    errors = tuple(
        Diagnostic(rule="E", severity="error", message=f"error {number} " + "y" * 80) for number in range(100)
    )
    plan = make_plan(BIG.changes[:1000], BIG.seats, errors)
    text = render_plan_markdown(plan, 3_000)
    assert len(text) <= 3_000
    listed = text.count("- **error** `E`")
    assert 0 < listed < 100
    assert f"- {100 - listed} errors not listed" in text
    assert "| **Total** | **1000** |" in text
    assert all(f"`{c.address}`" in text for c in plan.changes if is_destructive(c))
    assert "20 destructive changes named by address only" in note(text)
    assert f"{100 - listed} errors not listed" in note(text)
    assert "the seats table left out" in note(text)


def member_delete(number: int) -> Change:
    before = {"id": f"gone{number}", "name": f"Gone {number}", "department": "eng"}
    return change(
        "member",
        "delete",
        f"member.gone{number}",
        number,
        before=before,
        reason="live, not declared",
        irreversible=True,
    )


@cache
def organization(updates: int, deletes: int) -> Plan:
    """A plan of an organization of `updates` members retitled and `deletes` removed."""
    retitled = (
        update(f"u{n}", {"job": {"title": "Engineer"}}, {"job": {"title": f"Engineer {n}"}}, ("job.title",), n)
        for n in range(1, updates + 1)
    )
    return make_plan((*retitled, *(member_delete(updates + n) for n in range(1, deletes + 1))))


def test_the_issue_9000_members_50_removed_every_removal_is_named() -> None:
    """Issue 15: truncation kept the first 758 updates, dropped all 50 `member.delete`
    lines and pointed to "the JSON file" that nobody wrote."""
    plan = organization(9_000, 50)
    rest = "the job summary of this run and the plan artifact"
    text = render_plan_markdown(plan, rest=rest)
    assert len(text) <= 65_000
    destructive = section(text, "### Destructive changes (50)")
    assert [item.split("`")[3] for item in items(destructive)] == [f"member.gone{9_000 + n}" for n in range(1, 51)]
    assert "- `-` `member.gone9001` delete (live, not declared) **irreversible**" in destructive.splitlines()
    shown = items(section(text, "### Other changes"))
    assert 0 < len(shown) < 9_000
    assert note(text).startswith(
        f"> **Truncated** to fit 65,000 characters: {9_000 - len(shown):,} of 9,050 changes not shown; "
        f"the last {len(shown):,} shown on one line each, without their details."
    )
    assert note(text).endswith(f"The whole plan: {rest}.")
    assert "JSON" not in text


def test_thousands_of_deletes_in_ten_thousand_changes_are_all_named() -> None:
    plan = organization(9_000, 3_000)
    text = render_plan_markdown(plan)
    assert len(text) <= 65_000
    [line] = [line for line in text.splitlines() if line.startswith("**`member.delete`** (3,000): ")]
    assert line.split(": ", 1)[1].split(", ") == [f"`member.gone{9_000 + n}`" for n in range(1, 3_001)]
    assert "3,000 destructive changes named by address only, without their details" in note(text)
    assert len(items(section(text, "### Other changes"))) > 0


def test_past_the_limit_in_full_destructive_changes_are_named_by_address() -> None:
    plan = organization(10, DESTRUCTIVE_IN_FULL + 1)
    text = render_plan_markdown(plan)
    assert items(section(text, "### Destructive changes")) == []
    assert f"**`member.delete`** ({DESTRUCTIVE_IN_FULL + 1}): `member.gone11`, `member.gone12`, " in text
    assert len(items(section(text, "### Other changes"))) == 10
    assert f"{DESTRUCTIVE_IN_FULL + 1} destructive changes named by address only" in note(text)
    fewer = render_plan_markdown(organization(10, DESTRUCTIVE_IN_FULL))
    assert len(items(section(fewer, "### Destructive changes"))) == DESTRUCTIVE_IN_FULL
    assert "Truncated" not in fewer


def test_destructive_changes_that_cannot_all_fit_are_counted_not_dropped() -> None:
    plan = organization(100, 10_000)
    text = render_plan_markdown(plan)
    assert len(text) <= 65_000
    named = re.findall(r"`(member\.gone\d+)`", section(text, "### Destructive changes"))
    assert 0 < len(named) < 10_000
    assert named == [f"member.gone{100 + n}" for n in range(1, len(named) + 1)]
    assert f" and {10_000 - len(named):,} more" in text
    assert f"{10_000 - len(named):,} destructive changes not named (only counted)" in note(text)
    assert f"{len(named):,} destructive changes named by address only" in note(text)
    assert "| `-` `member.delete` | 10000 |" in text


def test_a_hundred_thousand_changes_render_in_well_under_two_seconds() -> None:
    plan = make_plan(tuple(BIG.changes[number % 5_000] for number in range(100_000)))
    assert plan.changes_digest  # the plan's own work, done once (saving the plan does it too)
    started = time.perf_counter()
    text = render_plan_markdown(plan)
    assert time.perf_counter() - started < 2.0
    assert len(text) <= 65_000


# -- the property --------------------------------------------------------------------------

POOL = BIG.changes[:600]
DELETES = tuple(member_delete(n) for n in range(1, 401))


@settings(max_examples=80, deadline=None)
@given(
    destructive=st.integers(0, 400),
    others=st.integers(0, 600),
    errors=st.integers(0, 40),
    warnings=st.integers(0, 40),
    limit=st.integers(0, 40_000),
    message=st.integers(0, 200),
)
def test_never_over_the_limit_and_every_destructive_change_named_whenever_it_fits(
    destructive: int, others: int, errors: int, warnings: int, limit: int, message: int
) -> None:
    diagnostics = tuple(
        Diagnostic(rule="R", severity=severity, message=f"{severity} {number} " + "m" * message)
        for severity, count in (("error", errors), ("warning", warnings))
        for number in range(count)
    )
    plan = make_plan((*POOL[:others], *DELETES[:destructive]), BIG.seats, diagnostics)
    text = render_plan_markdown(plan, limit)
    assert len(text) <= limit
    addresses = [c.address for c in plan.changes if is_destructive(c)]
    unnamed = [address for address in addresses if f"`{address}`" not in text]
    # The head (title, summary, digest, intro, counts) and the note take under 2,000 characters.
    if limit >= 2_000 + sum(len(address) + 4 for address in addresses):
        assert unnamed == []
    elif unnamed and "### Destructive changes" in text:
        assert f"{len(unnamed):,} destructive changes not named (only counted)" in note(text)
    noted = text.endswith(f"The whole plan: {REST}.\n") and "only the summary shown" not in text
    if noted or ("Truncated" not in text and len(text) < limit):  # the note (if any) counts what is not shown
        shown = len(items(section(text, "### Other changes") or section(text, "### Changes")))
        left_out = re.search(r"([\d,]+) of [\d,]+ changes not shown", text)
        other = sum(1 for c in plan.changes if not is_destructive(c))
        assert (int(left_out.group(1).replace(",", "")) if left_out else 0) == other - shown

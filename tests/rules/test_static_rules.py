"""Each static rule, table-driven: a configuration and the (rule, path) pairs it yields.

Every case starts from a small valid organization and adds or changes one thing.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

HEAD = """\
version: 1
org:
  name: Tiny
  plans:
    - {id: pro, edition: pro, seats: 3, starts: 2026-01-01, expires: 2027-01-01}
policy:
  protected: [ceo, "admin-*"]
fields:
  - {id: level, name: Level, type: enum, options: [L1, L2]}
  - {id: site, name: Site, type: url}
  - {id: bio, name: Bio, type: text}
departments:
  - {id: eng, name: Engineering}
  - {id: eng-web, name: Web, parent: eng}
members:
  - {id: ceo, name: Chief, department: eng, work_email: ceo@t.example}
  - {id: bob, name: Bob, department: eng, work_email: bob@t.example, job: {manager: ceo}}
"""


def org(members: str = "", rest: str = "") -> str:
    return HEAD + members + rest


CASES = [
    # id -> yaml -> expected (rule, path) pairs
    ("clean", org(), []),
    # REF-UNKNOWN
    (
        "unknown department",
        org("  - {id: x, name: X, department: ops, phone: '+15550100001'}\n"),
        [("REF-UNKNOWN", "members[2].department")],
    ),
    (
        "unknown secondary department",
        org("  - {id: x, name: X, department: eng, departments: [eng, qa], phone: '+15550100001'}\n"),
        [("REF-UNKNOWN", "members[2].departments[1]")],
    ),
    (
        "unknown dotted-line manager",
        org("  - {id: x, name: X, department: eng, phone: '+15550100001', job: {dotted_line_managers: [bob, zed]}}\n"),
        [("REF-UNKNOWN", "members[2].job.dotted_line_managers[1]")],
    ),
    (
        "unknown field",
        org("  - {id: x, name: X, department: eng, phone: '+15550100001', custom: {lvl: L1}}\n"),
        [("REF-UNKNOWN", "members[2].custom.lvl")],
    ),
    (
        "unknown seat plan",
        org("  - {id: x, name: X, department: eng, phone: '+15550100001', seat: enterprise}\n"),
        [("REF-UNKNOWN", "members[2].seat")],
    ),
    (
        "unknown leader and parent",
        org().replace("members:\n", "  - {id: ops, name: Ops, parent: opps, leader: bobb}\nmembers:\n"),
        [("REF-UNKNOWN", "departments[2].parent"), ("REF-UNKNOWN", "departments[2].leader")],
    ),
    ("a section twice in one file", org(rest="departments: []\n"), [("CFG-DUPLICATE-KEY", None)]),
    (
        "unknown group member and plan",
        org(rest="user_groups:\n  - {id: g, name: G, members: [bob, eve], seat: max}\n"),
        [("REF-UNKNOWN", "user_groups[0].members[1]"), ("REF-UNKNOWN", "user_groups[0].seat")],
    ),
    (
        "unknown assignment references",
        org(rest="seat_assignments:\n  - {plan: pr, departments: [eng, ops]}\n  - {plan: pro, from_plan: basic}\n"),
        [
            ("REF-UNKNOWN", "seat_assignments[0].plan"),
            ("REF-UNKNOWN", "seat_assignments[0].departments[1]"),
            ("REF-UNKNOWN", "seat_assignments[1].from_plan"),
        ],
    ),
    (
        "from_plan names itself",
        org(rest="seat_assignments:\n  - {plan: pro, from_plan: pro}\n"),
        [("REF-UNKNOWN", "seat_assignments[0].from_plan")],
    ),
    (
        "what the tenant keeps unique besides ids",
        org(
            "  - {id: x, name: X, department: eng, departments: [eng-web, eng-web], phone: '+15550100001'}\n",
            "user_groups:\n  - {id: g, name: G, members: [x, bob, x]}\n  - {id: h, name: G}\n",
        ).replace(
            "  - {id: eng-web, name: Web, parent: eng}\n",
            "  - {id: eng-web, name: Web, parent: eng, order: 2}\n"
            "  - {id: eng-api, name: Web, parent: eng, order: 2}\n",
        ),
        [
            ("ID-UNIQUE", "departments[2].name"),
            ("ID-UNIQUE", "departments[2].order"),
            ("ID-UNIQUE", "members[2].departments[1]"),
            ("ID-UNIQUE", "user_groups[0].members[2]"),
            ("ID-UNIQUE", "user_groups[1].name"),
        ],
    ),
    (
        "missing seat file",
        org(rest="seat_assignments:\n  - {plan: pro, from_file: nowhere.csv}\n"),
        [("REF-UNKNOWN", "seat_assignments[0].from_file")],
    ),
    # ID-UNIQUE
    (
        "duplicate member id",
        org("  - {id: bob, name: Bob Two, department: eng, phone: '+15550100001'}\n"),
        [("ID-UNIQUE", "members[2].id")],
    ),
    (
        "duplicate phone",
        org(
            "  - {id: x, name: X, department: eng, phone: '+15550100001'}\n"
            "  - {id: y, name: Y, department: eng, phone: '+15550100001'}\n"
        ),
        [("ID-UNIQUE", "members[3].phone")],
    ),
    (
        "duplicate employee id",
        org(
            "  - {id: x, name: X, department: eng, phone: '+15550100001', employee_id: E1}\n"
            "  - {id: y, name: Y, department: eng, phone: '+15550100002', employee_id: E1}\n"
        ),
        [("ID-UNIQUE", "members[3].employee_id")],
    ),
    (
        "business email differs only in case",
        org(
            "  - {id: x, name: X, department: eng, phone: '+15550100001', business_email: x@t.larksuite.com}\n"
            "  - {id: y, name: Y, department: eng, phone: '+15550100002', business_email: X@T.larksuite.com}\n"
        ),
        [("ID-UNIQUE", "members[3].business_email")],
    ),
    (
        "duplicate group id",
        org(rest="user_groups:\n  - {id: g, name: G}\n  - {id: g, name: G2}\n"),
        [("ID-UNIQUE", "user_groups[1].id")],
    ),
    # MEMBER-CONTACT and LOGIN-EMAIL
    ("no contact", org("  - {id: x, name: X, department: eng}\n"), [("MEMBER-CONTACT", "members[2]")]),
    (
        "phone login without phone",
        org("  - {id: x, name: X, department: eng, work_email: x@t.example, login: phone}\n"),
        [("LOGIN-EMAIL", "members[2].login")],
    ),
    (
        "work email login with work email",
        org("  - {id: x, name: X, department: eng, work_email: x@t.example, login: work_email}\n"),
        [],
    ),
    # FIELD-VALUE
    (
        "url field without scheme",
        org("  - {id: x, name: X, department: eng, phone: '+15550100001', custom: {site: example.com}}\n"),
        [("FIELD-VALUE", "members[2].custom.site")],
    ),
    (
        "text field too long",
        org(f"  - {{id: x, name: X, department: eng, phone: '+15550100001', custom: {{bio: {'a' * 501}}}}}\n"),
        [("FIELD-VALUE", "members[2].custom.bio")],
    ),
    (
        "good custom values",
        org(
            "  - {id: x, name: X, department: eng, phone: '+15550100001', "
            "custom: {level: L2, site: 'https://x.example', bio: hi}}\n"
        ),
        [],
    ),
    # MANAGER-CYCLE
    (
        "self manager",
        org("  - {id: x, name: X, department: eng, phone: '+15550100001', job: {manager: x}}\n"),
        [("MANAGER-CYCLE", "members[2].job.manager")],
    ),
    (
        "three-member cycle",
        org(
            "  - {id: x, name: X, department: eng, phone: '+15550100001', job: {manager: z}}\n"
            "  - {id: y, name: Y, department: eng, phone: '+15550100002', job: {manager: x}}\n"
            "  - {id: z, name: Z, department: eng, phone: '+15550100003', job: {manager: y}}\n"
        ),
        [("MANAGER-CYCLE", "members[2].job.manager")],
    ),
    # OFFBOARDING
    (
        "offboard declared member",
        org(rest="offboarding:\n  - {id: bob}\n"),
        [("OFFBOARD-CONFLICT", "offboarding[0].id")],
    ),
    (
        "offboard protected glob",
        org(rest="offboarding:\n  - {id: admin-7}\n"),
        [("PROTECTED-REMOVAL", "offboarding[0].id")],
    ),
    (
        "recipient unknown",
        org(rest="offboarding:\n  - {id: frank, transfer: {docs: bbo}}\n"),
        [("TRANSFER-RECIPIENT", "offboarding[0].transfer.docs")],
    ),
    (
        "recipient also leaving",
        org(rest="offboarding:\n  - {id: frank, transfer: {apps: gina}}\n  - {id: gina, transfer: {apps: bob}}\n"),
        [("TRANSFER-RECIPIENT", "offboarding[0].transfer.apps")],
    ),
    (
        "recipient is the leaver",
        org(rest="offboarding:\n  - {id: frank, transfer: {minutes: frank}}\n"),
        [("TRANSFER-RECIPIENT", "offboarding[0].transfer.minutes")],
    ),
    (
        "mail to unknown",
        org(rest="offboarding:\n  - {id: frank, transfer: {mail: {action: transfer, to: zed}}}\n"),
        [("TRANSFER-RECIPIENT", "offboarding[0].transfer.mail.to")],
    ),
    (
        "good offboarding",
        org(rest="offboarding:\n  - {id: frank, transfer: {docs: bob, mail: {action: keep}}, retain: {docs: false}}\n"),
        [],
    ),
    # DEPT-CYCLE
    (
        "department is its own parent",
        org(rest="").replace("{id: eng-web, name: Web, parent: eng}", "{id: eng-web, name: Web, parent: eng-web}"),
        [("DEPT-CYCLE", "departments[1].parent")],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_static_rule(check_yaml: Callable[[str], list], text: str, expected: list[tuple[str, str | None]]) -> None:
    found = [(d.rule, d.path) for d in check_yaml(text)]
    if expected and expected[0][1] is None:
        assert [rule for rule, _ in found] == [rule for rule, _ in expected]
    else:
        assert sorted(found) == sorted(expected)


def test_departments_deeper_than_25_levels(check_yaml: Callable[[str], list]) -> None:
    chain = "".join(f"  - {{id: d{i}, name: D{i}, parent: d{i - 1}}}\n" for i in range(1, 27))
    text = HEAD.replace("departments:\n", "departments:\n  - {id: d0, name: D0}\n" + chain)
    found = [(d.rule, d.path) for d in check_yaml(text)]
    # d0 (departments[0]) is level 1, so d25 is level 26 and d26 level 27.
    assert found == [("DEPT-CYCLE", "departments[25].parent"), ("DEPT-CYCLE", "departments[26].parent")]


def test_did_you_mean_suggests_the_closest_id(check_yaml: Callable[[str], list]) -> None:
    (found,) = check_yaml(org("  - {id: x, name: X, department: egn, phone: '+15550100001'}\n"))
    assert found.message == "unknown department 'egn' (did you mean 'eng'?)"
    assert found.address == "member.x"

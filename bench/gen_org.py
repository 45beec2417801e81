"""Generate a large, valid org.yaml for benchmarks.

    python bench/gen_org.py [--members N] [--departments N] [--groups N] [-o FILE]

Defaults: 100,000 members, 2,000 departments, 500 groups. The output is deterministic
for given arguments (seeded), validates clean, and uses block style like a
hand-written file. `--split DIR` writes one file per top-level department instead.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from pathlib import Path

HEADER = """\
version: 1
org:
  name: Generated Corp
  plans:
    - {{id: pro-main, edition: pro, seats: {pro_seats}, starts: 2026-01-01, expires: 2027-12-31}}
    - {{id: ent-eng, edition: enterprise, seats: {ent_seats}, starts: 2026-01-01, expires: 2028-06-30}}
policy:
  members: authoritative
  ignore: {{members: ["svc-*"]}}
  removal: {{action: delete, max_removals: 100, max_removal_ratio: 0.05}}
  seats: {{on_shortage: fail}}
  invitations: {{require_approval: true, expire_after_days: 7}}
  protected: [m000000]
fields:
  - {{id: level, name: Job level, type: enum, options: [L1, L2, L3, L4, L5]}}
  - {{id: site, name: Site, type: text}}
"""

TITLES = ["Engineer", "Senior Engineer", "Designer", "Analyst", "Manager", "Sales Rep", "Recruiter"]
CITIES = [("US", "Seattle"), ("US", "Austin"), ("SG", "Singapore"), ("JP", "Tokyo"), ("GB", "London")]


def department_ids(count: int) -> list[str]:
    return [f"d{index:05d}" for index in range(count)]


def department_parents(count: int, rng: random.Random) -> list[int | None]:
    """A tree at most five levels deep: 10 roots, every other department under an earlier one."""
    parents: list[int | None] = []
    depth: list[int] = []
    for index in range(count):
        if index < 10:
            parents.append(None)
            depth.append(1)
            continue
        parent = rng.randrange(index)
        while depth[parent] >= 5:
            parent = rng.randrange(index)
        parents.append(parent)
        depth.append(depth[parent] + 1)
    return parents


def member_lines(index: int, department: str, manager: str | None, rng: random.Random) -> Iterator[str]:
    member_id = f"m{index:06d}"
    country, city = CITIES[index % len(CITIES)]
    yield f"  - id: {member_id}"
    yield f"    name: Member {index}"
    yield f"    department: {department}"
    yield f"    work_email: {member_id}@gen.example"
    yield f'    phone: "+1555{index:07d}"'
    yield f"    employee_id: E{index:06d}"
    yield "    job:"
    yield f"      title: {TITLES[index % len(TITLES)]}"
    if manager is not None:
        yield f"      manager: {manager}"
    yield f"      employment_date: 20{10 + index % 16:02d}-0{1 + index % 9}-1{index % 9}"
    yield f"      country: {country}"
    yield f"      city: {city}"
    yield f"    custom: {{level: L{1 + rng.randrange(5)}, site: {city}}}"


def generate(members: int, departments: int, groups: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    dept_ids = department_ids(departments)
    parents = department_parents(departments, rng)
    # Each department's first member leads it and manages the others in it.
    first_member: dict[int, int] = {}
    member_dept = [index % departments for index in range(members)]
    for index, dept in enumerate(member_dept):
        first_member.setdefault(dept, index)

    lines = [HEADER.format(pro_seats=members, ent_seats=max(1, members // 4)).rstrip("\n")]
    lines.append("departments:")
    for index, dept_id in enumerate(dept_ids):
        parent = "null" if parents[index] is None else dept_ids[parents[index]]
        leader = f"m{first_member[index]:06d}" if index in first_member else "null"
        lines.append(f"  - {{id: {dept_id}, name: Department {index}, parent: {parent}, leader: {leader}}}")
    lines.append("members:")
    for index in range(members):
        lead = first_member[member_dept[index]]
        manager = None if lead == index else f"m{lead:06d}"
        lines.extend(member_lines(index, dept_ids[member_dept[index]], manager, rng))
    lines.append("user_groups:")
    for index in range(groups):
        picked = sorted(rng.sample(range(members), min(members, 50)))
        lines.append(f"  - id: g{index:04d}")
        lines.append(f"    name: Group {index}")
        lines.append(f"    members: [{', '.join(f'm{m:06d}' for m in picked)}]")
    lines.append("seat_assignments:")
    lines.append(f"  - {{plan: ent-eng, departments: [{dept_ids[0]}]}}")
    lines.append("  - {plan: pro-main, all_members: true}")
    lines.append("offboarding:")
    lines.append(f"  - {{id: gone-{seed}, transfer: {{docs: m000000}}}}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--departments", type=int, default=2_000)
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-o", "--out", type=Path, default=Path("bench/out/org.yaml"))
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(generate(args.members, args.departments, args.groups, args.seed))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()

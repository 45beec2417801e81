"""The lock: constraints.txt pins every package an install pulls in, each pin lies
within the range pyproject.toml gives users, and this environment runs the pins."""

from __future__ import annotations

import tomllib
from importlib import metadata

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from tests.conftest import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
EXTRAS = ("dev", "emulator", "bench")


def read_pins(text: str) -> dict[NormalizedName, tuple[Version, Marker | None]]:
    """`name==version [; marker]` lines; anything else in the file is an error."""
    pins: dict[NormalizedName, tuple[Version, Marker | None]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        [specifier] = requirement.specifier or [None]
        assert specifier is not None and specifier.operator == "==", f"constraints.txt:{number}: not pinned: {line}"
        name = canonicalize_name(requirement.name)
        assert name not in pins, f"constraints.txt:{number}: {name} pinned twice"
        pins[name] = (Version(specifier.version), requirement.marker)
    return pins


PINS = read_pins((ROOT / "constraints.txt").read_text())


def declared() -> list[tuple[str, Requirement]]:
    """(where, requirement) for every dependency pyproject.toml declares, but orgstate's own extras."""
    found = [("dependencies", Requirement(text)) for text in PROJECT["dependencies"]]
    for extra, texts in PROJECT["optional-dependencies"].items():
        found += [(f"[{extra}]", Requirement(text)) for text in texts]
    return [(where, r) for where, r in found if canonicalize_name(r.name) != "orgstate"]


@pytest.mark.parametrize(("where", "requirement"), declared(), ids=lambda value: str(value))
def test_every_declared_range_is_locked_within_its_range(where: str, requirement: Requirement) -> None:
    name = canonicalize_name(requirement.name)
    assert name in PINS, f"{requirement} ({where} in pyproject.toml) is not in constraints.txt"
    version, _ = PINS[name]
    assert requirement.specifier.contains(version, prereleases=True), (
        f"constraints.txt pins {name}=={version}, outside pyproject.toml's {requirement} ({where})"
    )


def closure() -> dict[NormalizedName, str]:
    """Every distribution installing orgstate with all its extras pulls in, from the
    installed packages' own metadata: name -> the requirement that first reached it."""
    reached: dict[NormalizedName, str] = {}
    pending = [(Requirement(text), frozenset(EXTRAS)) for text in metadata.requires("orgstate") or []]
    while pending:
        requirement, extras = pending.pop()
        environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
        if requirement.marker is not None and not any(requirement.marker.evaluate(e) for e in environments):
            continue
        name = canonicalize_name(requirement.name)
        if name == "orgstate" or name in reached:
            continue
        reached[name] = str(requirement)
        try:
            needs = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # reported as not installed
        pending += [(Requirement(text), frozenset(requirement.extras)) for text in needs]
    return reached


def test_the_lock_covers_every_package_an_install_pulls_in_and_this_environment_runs_it() -> None:
    problems = []
    for name, reason in sorted(closure().items()):
        if name not in PINS:
            problems.append(f"{name} (needed by {reason}) is not pinned")
            continue
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            problems.append(f"{name} (needed by {reason}) is not installed")
            continue
        if installed != PINS[name][0]:
            problems.append(f"{name} {installed} is installed but {PINS[name][0]} is pinned")
    assert not problems, "install through the lock: pip install -c constraints.txt -e '.[dev,emulator,bench]'\n" + (
        "\n".join(problems)
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("ruff>=0.6\n", "not pinned"),
        ("ruff\n", "not pinned"),
        ("ruff==0.6.0\nRuff==0.7.0\n", "pinned twice"),
    ],
)
def test_a_loose_or_doubled_pin_is_refused(text: str, problem: str) -> None:
    with pytest.raises(AssertionError, match=problem):
        read_pins(text)

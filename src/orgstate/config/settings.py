"""Where commands look (SPEC section 1): `orgstate.toml` in the working directory, the
environment variables that override it, and the default configuration paths.

A value on the command line wins, then the environment variable, then orgstate.toml,
then the built-in default; click applies that order, given these names and values."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from orgstate.errors import OrgstateError, UsageError

SETTINGS_FILE = Path("orgstate.toml")
BACKEND_ENV = "ORGSTATE_BACKEND"
STATE_ENV = "ORGSTATE_STATE"
DEFAULT_CONFIG_PATHS = ("org.yaml", "org")


@dataclass(frozen=True)
class Settings:
    """What orgstate.toml says; None where it says nothing."""

    backend: str | None = None
    state: str | None = None
    config: tuple[str, ...] | None = None  # a single path is written as a string


SETTING_NAMES = tuple(setting.name for setting in fields(Settings))


def read_settings(path: Path = SETTINGS_FILE) -> Settings:
    """orgstate.toml, checked: an unreadable file, an unknown key or a value of the wrong
    type is a UsageError; no file means no settings."""
    if not path.is_file():
        return Settings()
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: {exc}") from None
    unknown = sorted(set(values) - set(SETTING_NAMES))
    if unknown:
        raise UsageError(f"{path}: unknown setting {', '.join(unknown)} (known: {', '.join(SETTING_NAMES)})")
    config = values.get("config")
    if isinstance(config, str):
        config = [config]
    if config is not None and not (isinstance(config, list) and all(isinstance(item, str) for item in config)):
        raise UsageError(f"{path}: config must be a path or a list of paths")
    for key in ("backend", "state"):
        if key in values and not isinstance(values[key], str):
            raise UsageError(f"{path}: {key} must be a string")
    return Settings(
        backend=values.get("backend"), state=values.get("state"), config=None if config is None else tuple(config)
    )


def config_paths(paths: Sequence[Path]) -> list[Path]:
    """`-f` as given, else org.yaml, else org/ (SPEC section 1)."""
    if paths:
        return list(paths)
    for candidate in DEFAULT_CONFIG_PATHS:
        if Path(candidate).exists():
            return [Path(candidate)]
    raise OrgstateError("no configuration: pass -f PATH, or create org.yaml or org/")

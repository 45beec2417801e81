from __future__ import annotations

import re
from pathlib import Path

import pytest

from orgstate.cli import SETTINGS
from orgstate.config.settings import SETTING_NAMES, Settings, read_settings
from orgstate.errors import UsageError


def test_every_setting_is_the_default_of_an_option() -> None:
    assert set(SETTINGS) == set(SETTING_NAMES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Settings()),
        ('backend = "lark:https://open.larksuite.com"\n', Settings(backend="lark:https://open.larksuite.com")),
        ('state = "sqlite:s.db"\nconfig = "org/"\n', Settings(state="sqlite:s.db", config=("org/",))),
        ('config = ["org/", "extra.yaml"]\n', Settings(config=("org/", "extra.yaml"))),
    ],
)
def test_settings_are_read_typed(tmp_path: Path, text: str, expected: Settings) -> None:
    (tmp_path / "orgstate.toml").write_text(text)
    assert read_settings(tmp_path / "orgstate.toml") == expected


def test_no_file_is_no_settings(tmp_path: Path) -> None:
    assert read_settings(tmp_path / "orgstate.toml") == Settings()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("backend = \n", "orgstate.toml: "),
        ('colour = "blue"\n', "unknown setting colour (known: backend, state, config)"),
        ("backend = 7\n", "backend must be a string"),
        ("config = [1]\n", "config must be a path or a list of paths"),
    ],
)
def test_a_bad_file_is_a_usage_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "orgstate.toml").write_text(text)
    with pytest.raises(UsageError, match=re.escape(message)):
        read_settings(tmp_path / "orgstate.toml")

"""The command line's contract for mistakes, over every command: a misspelled option, a
bad value for each typed option, and a wrong backend or state URL each exit 1 with one
line on stderr that starts with "error: " and no traceback; nothing goes to stdout.

The commands are found by walking the click group, so a new command or option is
covered without a change here. They run in-process through `orgstate.cli.run`, the
CLI's one error boundary (the same function the console script calls), in a copy of
examples/ so that a configuration is there to read.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from orgstate.cli import Duration, cli, run
from tests.conftest import EXAMPLES

# A value of the right shape for each argument, so that the option is what is wrong.
ARGUMENTS = {"lock_id": "0123456789abcdef", "member": "alice", "plan_file": "plan.json", "address": "member.alice"}


def commands(group: click.Group = cli, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name), command


def arguments(command: click.Command) -> list[str]:
    return [ARGUMENTS[p.name or ""] for p in command.params if isinstance(p, click.Argument) and p.required]


def bad_value(option: click.Option) -> str | None:
    """A value the option's type refuses while parsing; None when any text is accepted."""
    kind = option.type
    if isinstance(kind, click.Choice):
        return "no-such-choice"
    if isinstance(kind, click.IntRange | click.FloatRange) or kind in (click.INT, click.FLOAT):
        return "not-a-number"
    if isinstance(kind, Duration):
        return "a-while"
    if isinstance(kind, click.Path) and kind.exists:
        return "no/such/file"
    return None


def cases() -> Iterator[tuple[str, list[str]]]:
    for path, command in commands():
        name = " ".join(path)
        yield f"{name} --no-such-optoin", [*path, *arguments(command), "--no-such-optoin"]
        for option in command.params:
            if not isinstance(option, click.Option) or option.is_flag:
                continue
            value = bad_value(option)
            if value is not None:
                yield f"{name} {option.opts[0]}", [*path, *arguments(command), option.opts[0], value]
        if any(option.name == "backend_url" for option in command.params):
            yield f"{name} --backend", [*path, *arguments(command), "--backend", "lark:127.0.0.1:1"]
        if any(option.name == "state_url" for option in command.params):
            yield f"{name} --state", [*path, *arguments(command), "--state", "mysql://x"]


CASES = dict(cases())


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for path in EXAMPLES.iterdir():
        if path.is_file():
            shutil.copy(path, tmp_path / path.name)
    monkeypatch.chdir(tmp_path)
    for variable in ("ORGSTATE_BACKEND", "ORGSTATE_STATE", "LARK_APP_ID", "LARK_APP_SECRET"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LARK_APP_ID", "cli_contract")
    monkeypatch.setenv("LARK_APP_SECRET", "contract-secret")
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


@pytest.mark.parametrize("case", CASES)
def test_a_mistake_exits_1_with_one_error_line(case: str, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(CASES[case])
    out, err = capsys.readouterr()
    assert code == 1, (out, err)
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert "Traceback" not in err


def test_every_command_and_typed_option_is_covered() -> None:
    """Not vacuous: each command has its misspelling case, and the typed options theirs."""
    names = {" ".join(path) for path, _ in commands()}
    assert {"validate", "plan", "apply", "drift", "export", "log", "local init", "emulator serve"} <= names
    ids = set(CASES)
    assert {f"{name} --no-such-optoin" for name in names} <= ids
    assert {"plan --format", "apply --lock-timeout", "log --limit", "drift --backend", "apply --state"} <= ids


def test_the_hint_names_the_command_as_the_user_typed_it(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["plan", "--formt", "json"]) == 1
    assert capsys.readouterr().err == (
        "error: No such option '--formt'. (Did you mean one of: '--format', '--out'?) (see: orgstate plan --help)\n"
    )

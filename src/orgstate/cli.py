"""The command line: parse arguments, run the pipeline, map errors to exit codes.

This is the one place that prints and the one error boundary: an OrgstateError
becomes one clear line and exit 1; anything else is a bug and says so.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

import click

from orgstate import __version__
from orgstate.config.loader import load_config
from orgstate.config.schema import org_schema_text
from orgstate.diagnostics import has_errors
from orgstate.errors import ConfigError, OrgstateError
from orgstate.render.diagnostics import render_json, render_text
from orgstate.render.tenant import render_tenant_json, render_tenant_text
from orgstate.rules import check_static
from orgstate.tenant import Tenant
from orgstate.tenant.fixture import init_tenant, load_fixture
from orgstate.tenant.snapshot import read_state

DEFAULT_CONFIG_PATHS = ("org.yaml", "org")
DEFAULT_TENANT_DB = Path(".orgstate/tenant.db")


def use_colour() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def default_config_paths(paths: Sequence[Path]) -> list[Path]:
    """`-f` as given, else org.yaml, else org/ (SPEC section 1)."""
    if paths:
        return list(paths)
    for candidate in DEFAULT_CONFIG_PATHS:
        if Path(candidate).exists():
            return [Path(candidate)]
    raise OrgstateError("no configuration: pass -f PATH, or create org.yaml or org/")


config_option = click.option(
    "-f",
    "--file",
    "paths",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A YAML file or a directory of them (repeatable). Default: org.yaml, else org/.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="orgstate")
def cli() -> None:
    """Manage a Lark organization as code."""


@cli.command()
@config_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def validate(paths: tuple[Path, ...], output_format: str) -> None:
    """Check the configuration without a backend: exit 0 when clean, 1 on any error."""
    loaded = load_config(default_config_paths(paths))
    diagnostics = loaded.diagnostics
    if loaded.config is not None:
        diagnostics = check_static(loaded.config, loaded.sources)
    if output_format == "json":
        click.echo(render_json(diagnostics))
    else:
        click.echo(render_text(diagnostics, colour=use_colour()), color=use_colour())
    sys.exit(1 if has_errors(diagnostics) else 0)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the configuration language."""
    click.echo(org_schema_text(), nl=False)


db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    default=DEFAULT_TENANT_DB,
    show_default=True,
    help="The embedded tenant's SQLite file.",
)


@cli.group()
def local() -> None:
    """The embedded tenant: a Lark tenant in a local SQLite file (no account needed)."""


@local.command("init")
@click.option(
    "--from",
    "fixture",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="A tenant fixture (YAML), like examples/tenant.yaml.",
)
@db_option
@click.option("--force", is_flag=True, help="Replace an existing tenant database.")
def local_init(fixture: Path, db_path: Path, force: bool) -> None:
    """Create the embedded tenant from a fixture."""
    state = load_fixture(fixture)
    init_tenant(db_path, state, replace=force)
    click.echo(
        f"created {db_path}: {state.tenant.name}, {len(state.members)} members, "
        f"{len(state.departments)} departments, {len(state.user_groups)} user groups"
    )


@local.command("show")
@db_option
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def local_show(db_path: Path, output_format: str) -> None:
    """Print the embedded tenant (JSON in the fixture's shape, so it round-trips)."""
    if not db_path.is_file():
        raise OrgstateError(f"{db_path}: no tenant database; run 'orgstate local init --from TENANT.yaml'")
    with Tenant(db_path) as tenant:
        state = read_state(tenant)
    click.echo(render_tenant_json(state) if output_format == "json" else render_tenant_text(state))


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except OrgstateError as exc:
        if isinstance(exc, ConfigError) and exc.diagnostics:
            click.echo(render_text(exc.diagnostics), err=True)
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except Exception:  # noqa: BLE001 - the one boundary: an unexpected exception is a bug
        click.echo("orgstate: internal error (this is a bug; please report it with the lines below)", err=True)
        click.echo(traceback.format_exc(), err=True)
        sys.exit(70)

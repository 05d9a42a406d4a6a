"""The ``loganalyzer`` command line: thin typer commands over the library.

Exit codes everywhere: 0 ok, 1 findings or mismatches (checking commands), 2 bad usage,
bad value or unreadable input. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

from typing import Annotated

import typer

from loganalyzer.cli.shell import Command, Group
from loganalyzer.errors import EXIT_OK
from loganalyzer.version import __version__

app = typer.Typer(
    name="loganalyzer",
    cls=Group,
    help="Analyse nova-compute live migrations: predict what a \\[libvirt] configuration does, "
    "check it, and compare it with what the logs show.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"loganalyzer {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Analyse nova-compute live migrations."""


# --- options shared by the commands that need a configuration --------------------------


def _register() -> None:
    """Every command, in the order --help lists them."""
    from loganalyzer.cli import cache, lint, migrations, predict, report, scan, simulate, watch

    for command in (predict.predict, lint.lint, scan.scan, migrations.migrations,
                    migrations.show, migrations.verify, simulate.simulate, report.report,
                    watch.watch):
        app.command(cls=getattr(command, "command_class", Command))(command)
    app.add_typer(cache.cache_app, name="cache")


_register()


def main() -> None:
    """Console-script entry point."""
    app()

"""The ``loganalyzer`` command line: thin typer commands over the library. Exit codes
everywhere: 0 ok, 1 findings or mismatches (checking commands), 2 bad usage, bad value or
unreadable input; errors are one line on stderr, never a traceback."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from loganalyzer.cli import planning, reading
from loganalyzer.cli.groups import uses
from loganalyzer.cli.shell import Command, Group
from loganalyzer.errors import EXIT_OK
from loganalyzer.version import __version__


def _group(name: str, **settings: Any) -> typer.Typer:
    return typer.Typer(name=name, cls=Group, no_args_is_help=True, add_completion=False,
                       help=name, rich_markup_mode="rich", **settings)  # help: shell.shown


def _version(value: bool) -> None:
    if value:
        typer.echo(f"loganalyzer {__version__}")
        raise typer.Exit(EXIT_OK)


app = _group("loganalyzer", context_settings={"help_option_names": ["-h", "--help"]})


@app.callback()
@uses()
def _root(version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, metavar="", help="Print the version.")
        ] = False) -> None:
    pass  # the app's help is typer.Typer's


for command in (planning.predict, planning.lint, reading.scan, reading.migrations, reading.show,
                reading.verify, planning.simulate, reading.report, reading.watch):  # --help's order
    app.command(cls=reading.WatchCommand if command is reading.watch else Command,
                help=command.__name__)(command)
cache_app = _group("cache")
cache_app.callback()(uses()(lambda: None))  # --color on the group too
for name, command in (("info", reading.cache_info), ("clear", reading.cache_clear)):
    cache_app.command(name, cls=Command, help=f"cache {name}")(command)
app.add_typer(cache_app)

main = app  # the console script's entry point

"""What the commands share besides option groups (:mod:`loganalyzer.cli.groups`): a few
single options, format checks, warnings to stderr, and reading + analysing logs."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from loganalyzer.cli.groups import Analysis, Configuration, Input, Model
from loganalyzer.errors import InputError

Paths = Annotated[list[str], typer.Argument(
    help="Log files, folders (searched recursively), sosreport tarballs, or - for stdin.",
    show_default=False, metavar="PATH...")]
CacheDir = Annotated[str, typer.Option("--cache", help="The cache folder.", metavar="DIR")]


def check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise InputError(f"--format {fmt}: not one of {' | '.join(allowed)}")
    return fmt


def say(line: str) -> None:
    """A warning or note of the library, on stderr."""
    typer.echo(f"loganalyzer: {line}", err=True)


def refuse_binary_on_terminal(fmt: str, output: str | None) -> None:
    from loganalyzer.atomic import is_stdout

    if fmt == "parquet" and is_stdout(output) and sys.stdout.isatty():
        raise InputError("--format parquet writes binary data: give --output FILE or redirect")


def analyse_paths(paths: list[str], configuration: Configuration, model: Model,
                  source: Input, analysis: Analysis, instance: list[str] | None = None
                  ) -> tuple[list[dict[str, Any]], Any]:
    """Read, analyse and select (warnings and notes to stderr): what migrations, show,
    verify and report share (:func:`loganalyzer.api.analyse_noting`)."""
    from loganalyzer.api import analyse_noting

    return analyse_noting(
        paths, say, reading=source.reading, hosts=source.hosts, config=configuration.files,
        config_dir=configuration.dirs, flags=configuration.flags, release=model.release,
        python=model.python, memory_mb=analysis.memory_mb, disk_gb=analysis.disk_gb,
        late_threshold_s=analysis.late_threshold_s,
        instance=instance if instance is not None else analysis.instance,
        host=source.host_filter, since=analysis.since, until=analysis.until)

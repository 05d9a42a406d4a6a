"""What the commands share besides option groups (:mod:`loganalyzer.cli.groups`): the error
hook, a few single options, format checks, output streams, and reading + analysing logs."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import wraps
from typing import Annotated, Any, TypeVar

import typer

from loganalyzer.cli.groups import Analysis, Configuration, Input, Model
from loganalyzer.errors import InputError

F = TypeVar("F", bound=Callable[..., Any])


def reports_input_errors(func: F) -> F:
    """Turn :class:`InputError` into ``loganalyzer: <message>`` and exit 2: the one place
    library errors become command-line messages."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from loganalyzer.cli.guard import guarded  # interrupts, failed writes to stdout

        try:
            with guarded():
                return func(*args, **kwargs)
        except InputError as exc:
            typer.echo(f"loganalyzer: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


Paths = Annotated[list[str], typer.Argument(
    help="Log files, folders (searched recursively), sosreport tarballs, or - for stdin.",
    show_default=False, metavar="PATH...")]
OutputOpt = Annotated[str | None, typer.Option(
    "--output", "-o", help="Write to this file instead of stdout (required for parquet on a "
    "terminal).", metavar="FILE")]
VariantOpt = Annotated[str | None, typer.Option(
    "--variant", help="Ramp arithmetic: linear-py3 | linear-py2 | exponential.",
    rich_help_panel="Model")]
DiskGb = Annotated[list[float] | None, typer.Option(
    "--disk-gb", help="Size of a block-migrated disk in GiB (repeatable).",
    rich_help_panel="Guest", metavar="GIB")]
CacheDir = Annotated[str, typer.Option("--cache", help="The cache folder.", metavar="DIR")]


def format_option(*choices: str, default: str = "table") -> Any:
    """``--format/-f`` with its choices in the help."""
    return Annotated[str, typer.Option("--format", "-f", help="Output: " + " | ".join(choices)
                                       + ".")]


def check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise InputError(f"--format {fmt}: not one of {' | '.join(allowed)}")
    return fmt


def parse_start(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"--start {text}: not a timestamp (use ISO 8601, e.g. 2024-05-01T12:00:00)"
        ) from None


def emit_warnings(warnings: Sequence[str], notes: Sequence[str] = ()) -> None:
    for warning in warnings:
        typer.echo(f"loganalyzer: warning: {warning}", err=True)
    for note in notes:
        typer.echo(f"loganalyzer: note: {note}", err=True)


def output_stream(path: str | None) -> Any:
    """A context manager yielding stdout or the ``--output`` file (replaced whole when the
    command succeeds: :func:`loganalyzer.output.common.output_file`)."""
    from loganalyzer.output.common import output_file

    return output_file(path)


def effective(configuration: Configuration, model: Model) -> Any:
    """The effective configuration (oslo.config, flags, release defaults) for predict, lint
    and simulate."""
    from loganalyzer.config.load import load_config
    from loganalyzer.config.prediction import resolve_model

    release = resolve_model(model.release, None, model.python).release
    return load_config(release, configuration.files, configuration.dirs, configuration.flags)


def analyse_paths(paths: list[str], configuration: Configuration, model: Model,
                  source: Input, analysis: Analysis, instance: list[str] | None = None
                  ) -> tuple[list[dict[str, Any]], Any]:
    """Read (warnings to stderr), analyse and select: what migrations, show, verify and
    report share. A bad configuration fails before any log is read."""
    from loganalyzer.analysis.migrations import Declared
    from loganalyzer.api import analyse
    from loganalyzer.config.prediction import resolve_model

    declared = Declared(configuration.files, configuration.dirs, configuration.flags)
    if declared.given:
        declared.for_release(resolve_model(model.release, None, model.python).release)
    events = source.reading.read(paths, source.hosts)
    emit_warnings(events.warnings, events.notes)
    if not events.read_anything:
        raise InputError("no input could be read: " + ", ".join(paths))
    if not configuration.files and not configuration.dirs:
        mention_configs(events.passed_over)
    rows, events = analyse(
        events, config=configuration.files, config_dir=configuration.dirs,
        flags=configuration.flags, release=model.release, python=model.python,
        memory_mb=analysis.memory_mb, disk_gb=analysis.disk_gb,
        late_threshold_s=analysis.late_threshold_s,
        instance=instance if instance is not None else analysis.instance,
        host=source.host_filter, since=analysis.since, until=analysis.until)
    emit_warnings(events.analysis_warnings)
    if not rows:
        selection = instance or analysis.instance or source.host_filter or analysis.since \
            or analysis.until
        what = "no live migration matches the selection" if selection else \
            "no live migration found"
        typer.echo(f"loganalyzer: {what} in {len(events.files)} file(s) read "
                   f"({sum(f.lines for f in events.files)} lines)", err=True)
    return rows, events


def mention_configs(passed_over: Sequence[Any]) -> None:
    """A nova.conf among the inputs is neither used nor ignored silently: say so."""
    found = [f.path for f in passed_over
             if os.path.basename(f.path.rsplit(":", 1)[-1]).startswith("nova")
             and f.path.endswith(".conf")]
    if found:
        shown = ", ".join(found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
        typer.echo(f"loganalyzer: note: {shown} found among the inputs and not used: "
                   "migrations are checked against each host's start-up dump or the release "
                   "defaults; give --config FILE to check against it", err=True)


def memory_sizes(values: list[str]) -> list[int]:
    """``--memory-mb`` values and MIN:MAX ranges as the sizes lint checks: each end and every
    power of two between."""
    sizes: list[int] = []
    for text in values:
        low, sep, high = text.partition(":")
        try:
            lo = int(low)
            hi = int(high) if sep else lo
        except ValueError:
            raise InputError(
                f"--memory-mb {text}: not a number of MB or a MIN:MAX range"
            ) from None
        if lo <= 0 or hi < lo:
            raise InputError(f"--memory-mb {text}: sizes must be positive and MIN <= MAX")
        sizes.append(lo)
        power = 1
        while power <= lo:
            power *= 2
        while power < hi:
            sizes.append(power)
            power *= 2
        if hi != lo:
            sizes.append(hi)
    return sorted(set(sizes))

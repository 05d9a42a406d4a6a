"""Options and helpers the commands share: typed option declarations, the error hook,
format checks, output streams and how logs are read."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import wraps
from typing import Annotated, Any, TypeVar

import typer

from loganalyzer.errors import InputError

F = TypeVar("F", bound=Callable[..., Any])


def reports_input_errors(func: F) -> F:
    """Turn :class:`InputError` into ``loganalyzer: <message>`` and exit 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            typer.echo(f"loganalyzer: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


ConfigFiles = Annotated[
    list[str] | None,
    typer.Option("--config", help="nova.conf to read (repeatable; later files win).",
                 rich_help_panel="Configuration"),
]


ConfigDirs = Annotated[
    list[str] | None,
    typer.Option("--config-dir", help="Directory whose *.conf files are read after --config, "
                 "sorted (repeatable).", rich_help_panel="Configuration"),
]


Downtime = Annotated[int | None, typer.Option(
    "--downtime", help="live_migration_downtime (ms).", rich_help_panel="Configuration")]


Steps = Annotated[int | None, typer.Option(
    "--steps", help="live_migration_downtime_steps.", rich_help_panel="Configuration")]


Delay = Annotated[int | None, typer.Option(
    "--delay", help="live_migration_downtime_delay (s per GiB).", rich_help_panel="Configuration")]


CompletionTimeout = Annotated[int | None, typer.Option(
    "--completion-timeout", help="live_migration_completion_timeout (s per GiB, 0 = off).",
    rich_help_panel="Configuration")]


TimeoutAction = Annotated[str | None, typer.Option(
    "--timeout-action", help="live_migration_timeout_action: abort | force_complete.",
    rich_help_panel="Configuration")]


PostCopy = Annotated[bool | None, typer.Option(
    "--post-copy/--no-post-copy", help="live_migration_permit_post_copy.",
    rich_help_panel="Configuration", show_default=False)]


AutoConverge = Annotated[bool | None, typer.Option(
    "--auto-converge/--no-auto-converge", help="live_migration_permit_auto_converge.",
    rich_help_panel="Configuration", show_default=False)]


ReleaseOpt = Annotated[str | None, typer.Option(
    "--release", help="nova release: name (train, antelope), number (20, 27.0.0) or series "
    "(2023.1). Default: the newest.", rich_help_panel="Model")]


VariantOpt = Annotated[str | None, typer.Option(
    "--variant", help="Ramp arithmetic: linear-py3 | linear-py2 | exponential.",
    rich_help_panel="Model")]


PythonOpt = Annotated[int | None, typer.Option(
    "--python", help="Python major nova ran on (Pike–Train ran on 2 or 3).",
    rich_help_panel="Model")]


DiskGb = Annotated[list[float] | None, typer.Option(
    "--disk-gb", help="Size of a block-migrated disk in GiB (repeatable).",
    rich_help_panel="Guest")]


FormatOpt = Annotated[str, typer.Option(
    "--format", "-f", help="Output: table | json | csv.")]


def config_flags(**given: Any) -> dict[str, Any]:
    """``[libvirt]`` option values of the configuration flags given (None left out)."""
    from loganalyzer.api import overrides

    return overrides(**given)


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


Paths = Annotated[list[str], typer.Argument(
    help="Log files, folders (searched recursively), sosreport tarballs, or - for stdin.",
    show_default=False)]


HostOpt = Annotated[list[str] | None, typer.Option(
    "--host", help="PATH=HOST: the host that wrote a file or every file under a folder "
    "(repeatable; '-=HOST' for stdin).", rich_help_panel="Input")]


SinceOpt = Annotated[str | None, typer.Option(
    "--since", help="Only events at or after this time (ISO 8601, log-local time).",
    rich_help_panel="Selection")]


UntilOpt = Annotated[str | None, typer.Option(
    "--until", help="Only events at or before this time.", rich_help_panel="Selection")]


InstanceOpt = Annotated[list[str] | None, typer.Option(
    "--instance", help="Only this instance (a UUID or its first characters; repeatable).",
    rich_help_panel="Selection")]


OutputOpt = Annotated[str | None, typer.Option(
    "--output", "-o", help="Write to this file instead of stdout (required for parquet on a "
    "terminal).")]


def emit_warnings(warnings: Sequence[str], notes: Sequence[str] = ()) -> None:
    for warning in warnings:
        typer.echo(f"loganalyzer: warning: {warning}", err=True)
    for note in notes:
        typer.echo(f"loganalyzer: note: {note}", err=True)


def output_stream(path: str | None) -> Any:
    """A context manager yielding stdout or the ``--output`` file."""
    from contextlib import nullcontext

    if path is None:
        return nullcontext(sys.stdout)
    try:
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--output {path}: cannot write: {exc.strerror}") from None


EngineOpt = Annotated[str, typer.Option(
    "--engine", help="Where files are scanned: auto | local | process (all cores) | dask.",
    rich_help_panel="Performance")]


SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", help="Address of a Dask scheduler (with --engine dask; else a local "
    "cluster is started).", rich_help_panel="Performance")]


CacheOpt = Annotated[str | None, typer.Option(
    "--cache", help="Keep each file's events here; re-runs read only new or grown files.",
    rich_help_panel="Performance")]


QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", help="No progress bar.", rich_help_panel="Performance")]


def reading(engine: str, scheduler: str | None, cache: str | None, quiet: bool) -> Any:
    """How the command reads logs (:class:`loganalyzer.api.Reading`)."""
    from loganalyzer.api import Reading

    return Reading(engine, scheduler, cache, progress=not quiet)


def analyse_paths(paths: list[str], host: list[str] | None, config: list[str] | None,
                  config_dir: list[str] | None, flags: dict[str, Any], memory_mb: int | None,
                  disk_gb: list[float] | None, release: str | None, python: int | None,
                  instance: list[str] | None, since: str | None, until: str | None,
                  late_threshold: float, how: Any) -> tuple[list[dict[str, Any]], Any]:
    """Read (warnings to stderr), analyse and select: what migrations, show, verify and
    report share. ``--host`` values with ``=`` name a path's host, plain ones select."""
    from loganalyzer.api import analyse
    from loganalyzer.logs.read import parse_host_options

    mappings = [h for h in host or [] if "=" in h]
    host_filter = [h for h in host or [] if "=" not in h]
    kwargs: dict[str, Any] = dict(
        config=config or [], config_dir=config_dir or [], release=release, python=python,
        memory_mb=memory_mb, disk_gb=disk_gb or [], late_threshold_s=late_threshold,
        instance=instance or [], host=host_filter, since=since, until=until, flags=flags)
    from loganalyzer.analysis.migrations import Declared
    from loganalyzer.config.prediction import resolve_model

    declared = Declared(config or [], config_dir or [], flags)
    if declared.given:  # bad files and values fail before any scan
        declared.for_release(resolve_model(release, None, python).release)
    events = how.read(paths, parse_host_options(mappings))
    emit_warnings(events.warnings, events.notes)
    if not events.read_anything:
        raise InputError("no input could be read: " + ", ".join(paths))
    if not config and not config_dir:
        mention_configs(events.passed_over)
    rows, events = analyse(events, **kwargs)
    if not rows:
        scanned = events.files
        what = ("no live migration matches the selection" if instance or host_filter or since
                or until else "no live migration found")
        typer.echo(f"loganalyzer: {what} in {len(scanned)} file(s) read "
                   f"({sum(f.lines for f in scanned)} lines)", err=True)
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


HostFilterOpt = Annotated[list[str] | None, typer.Option(
    "--host", help="PATH=HOST names the host of a file or folder (as for scan); a plain HOST "
    "keeps only migrations from or to that host (repeatable).", rich_help_panel="Input")]


MemoryOpt = Annotated[int | None, typer.Option(
    "--memory-mb", help="The guests' RAM in MB (else data_gb is inferred from the logs).",
    rich_help_panel="Guest")]


LateOpt = Annotated[float, typer.Option(
    "--late-threshold", help="Seconds after which an applied step counts as late.",
    rich_help_panel="Selection")]


def memory_sizes(values: list[str]) -> list[int]:
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


CacheDir = Annotated[str, typer.Option("--cache", help="The cache folder.")]

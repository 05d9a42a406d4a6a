"""The ``loganalyzer`` command line: thin typer commands over the library.

Exit codes everywhere: 0 ok, 1 findings or mismatches (checking commands), 2 bad usage,
bad value or unreadable input. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Annotated, Any, TypeVar

import typer

from loganalyzer import __version__
from loganalyzer.errors import EXIT_FINDINGS, EXIT_OK, InputError

app = typer.Typer(
    name="loganalyzer",
    help="Analyse nova-compute live migrations: predict what a [libvirt] configuration does, "
    "check it, and compare it with what the logs show.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

F = TypeVar("F", bound=Callable[..., Any])


def _reports_input_errors(func: F) -> F:
    """Turn :class:`InputError` into ``loganalyzer: <message>`` and exit 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            typer.echo(f"loganalyzer: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


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


def _flags(**given: Any) -> dict[str, Any]:
    names = {
        "downtime": "live_migration_downtime",
        "steps": "live_migration_downtime_steps",
        "delay": "live_migration_downtime_delay",
        "completion_timeout": "live_migration_completion_timeout",
        "timeout_action": "live_migration_timeout_action",
        "post_copy": "live_migration_permit_post_copy",
        "auto_converge": "live_migration_permit_auto_converge",
    }
    return {names[k]: v for k, v in given.items() if v is not None}


def _check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise InputError(f"--format {fmt}: not one of {' | '.join(allowed)}")
    return fmt


def _parse_start(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"--start {text}: not a timestamp (use ISO 8601, e.g. 2024-05-01T12:00:00)"
        ) from None


@app.command()
@_reports_input_errors
def predict(
    memory_mb: Annotated[int | None, typer.Option(
        "--memory-mb", help="Guest RAM in MB (the flavor's memory_mb).",
        rich_help_panel="Guest")] = None,
    data_gb: Annotated[float | None, typer.Option(
        "--data-gb", help="nova's data_gb directly (RAM + block-migrated disks, GiB).",
        rich_help_panel="Guest")] = None,
    disk_gb: DiskGb = None,
    config: ConfigFiles = None,
    config_dir: ConfigDirs = None,
    downtime: Downtime = None,
    steps: Steps = None,
    delay: Delay = None,
    completion_timeout: CompletionTimeout = None,
    timeout_action: TimeoutAction = None,
    post_copy: PostCopy = None,
    auto_converge: AutoConverge = None,
    release: ReleaseOpt = None,
    variant: VariantOpt = None,
    python: PythonOpt = None,
    start: Annotated[str | None, typer.Option(
        "--start", help="Migration start (ISO 8601): adds wall-clock times.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Predict the downtime ramp and timeout nova computes for a guest.

    [b]Examples[/b]

      loganalyzer predict --downtime 5000 --steps 7 --delay 75 --memory-mb 4096 --release train

      loganalyzer predict --config /etc/nova/nova.conf --memory-mb 16384 --format json

      loganalyzer predict --data-gb 3 --variant exponential --start 2024-05-01T12:00:00
    """
    from loganalyzer.config import load_config
    from loganalyzer.prediction import guest_size, resolve_model
    from loganalyzer.prediction import predict as run_predict
    from loganalyzer.render import predict_out

    _check_format(fmt, ("table", "json", "csv"))
    when = _parse_start(start)
    model = resolve_model(release, variant, python)
    flags = _flags(downtime=downtime, steps=steps, delay=delay,
                   completion_timeout=completion_timeout, timeout_action=timeout_action,
                   post_copy=post_copy, auto_converge=auto_converge)
    conf = load_config(model.release, config or [], config_dir or [], flags)
    py = model.variant.python if model.variant else model.release.default_python
    guest = guest_size(memory_mb, data_gb, disk_gb or [], py)
    result = run_predict(model, conf, guest)
    predict_out.write(result, fmt, when, sys.stdout)


@app.command()
@_reports_input_errors
def lint(
    memory_mb: Annotated[list[str] | None, typer.Option(
        "--memory-mb", help="Guest RAM in MB, or a range MIN:MAX checked at MIN, each power "
        "of two between, and MAX (repeatable). Default: 2048:65536.",
        rich_help_panel="Guest")] = None,
    data_gb: Annotated[list[float] | None, typer.Option(
        "--data-gb", help="nova's data_gb directly (repeatable).",
        rich_help_panel="Guest")] = None,
    disk_gb: DiskGb = None,
    config: ConfigFiles = None,
    config_dir: ConfigDirs = None,
    downtime: Downtime = None,
    steps: Steps = None,
    delay: Delay = None,
    completion_timeout: CompletionTimeout = None,
    timeout_action: TimeoutAction = None,
    post_copy: PostCopy = None,
    auto_converge: AutoConverge = None,
    release: ReleaseOpt = None,
    variant: VariantOpt = None,
    python: PythonOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Check a configuration for guests of given sizes; exit 1 when anything is a warning.

    [b]Examples[/b]

      loganalyzer lint --config /etc/nova/nova.conf --release 2023.1

      loganalyzer lint --steps 30 --completion-timeout 400 --memory-mb 4096:65536
    """
    from loganalyzer.config import load_config
    from loganalyzer.findings import has_warnings
    from loganalyzer.lint import lint as run_lint
    from loganalyzer.prediction import guest_size, resolve_model
    from loganalyzer.render import lint_out

    _check_format(fmt, ("table", "json", "csv"))
    model = resolve_model(release, variant, python)
    flags = _flags(downtime=downtime, steps=steps, delay=delay,
                   completion_timeout=completion_timeout, timeout_action=timeout_action,
                   post_copy=post_copy, auto_converge=auto_converge)
    conf = load_config(model.release, config or [], config_dir or [], flags)
    py = model.variant.python if model.variant else model.release.default_python
    guests = [guest_size(None, gb, [], py) for gb in data_gb or []]
    if not data_gb or memory_mb:
        for mb in _memory_sizes(memory_mb or ["2048:65536"]):
            guests.append(guest_size(mb, None, disk_gb or [], py))
    findings = run_lint(model, conf, guests)
    lint_out.write(model, conf, guests, findings, fmt, sys.stdout)
    raise typer.Exit(EXIT_FINDINGS if has_warnings(findings) else EXIT_OK)


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


def _emit_warnings(warnings: list[str]) -> None:
    for warning in warnings:
        typer.echo(f"loganalyzer: warning: {warning}", err=True)


@app.command()
@_reports_input_errors
def scan(
    paths: Paths,
    kind: Annotated[list[str] | None, typer.Option(
        "--kind", help="Only events of this kind (repeatable).",
        rich_help_panel="Selection")] = None,
    instance: InstanceOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    unrecognized: Annotated[bool, typer.Option(
        "--unrecognized", help="List the lines a catalogue key matched but the grammar did "
        "not (table; with csv, write them instead of events).")] = False,
    host: HostOpt = None,
    engine: EngineOpt = "auto",
    scheduler: SchedulerOpt = None,
    cache: CacheOpt = None,
    quiet: QuietOpt = False,
    limit: Annotated[int, typer.Option(
        "--limit", help="Rows in the table view (0: all).")] = 500,
    fmt: Annotated[str, typer.Option(
        "--format", "-f", help="Output: table | json | csv | parquet.")] = "table",
    output: OutputOpt = None,
) -> None:
    """Read nova-compute logs and list their live-migration events.

    Reads plain, rotated and compressed files (gzip, bzip2, xz, zstd), folders, sosreports
    (folders or tarballs, read in place), syslog/journald exports and oslo JSON logs.
    Warnings go to stderr. Exit 0, or 2 when no input could be read at all.

    [b]Examples[/b]

      loganalyzer scan /var/log/nova/

      loganalyzer scan sosreport-compute-1.tar.xz --kind downtime_step -f csv

      journalctl -u nova-compute -o json | loganalyzer scan - --host -=compute-1 -f json
    """
    from loganalyzer.collect import parse_host_options
    from loganalyzer.filters import check_kinds, parse_time, select_events
    from loganalyzer.render import scan_out

    _check_format(fmt, ("table", "json", "csv", "parquet"))
    check_kinds(kind or [])
    window = parse_time("--since", since), parse_time("--until", until)
    if fmt == "parquet" and output is None and sys.stdout.isatty():
        raise InputError("--format parquet writes binary data: give --output FILE or redirect")
    events = Reading(engine, scheduler, cache, quiet).collect(paths,
                                                              parse_host_options(host or []))
    _emit_warnings(events.warnings)
    if not events.read_anything:
        raise InputError("no input could be read")
    frame = select_events(events.events, kind or [], instance or [], (), *window)
    if fmt == "parquet":
        scan_out.write_parquet(frame, output or sys.stdout.buffer)
        return
    with _output(output) as stream:
        scan_out.write(events, frame, fmt, stream, unrecognized, limit)


def _output(path: str | None) -> Any:
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


@dataclass(frozen=True)
class Reading:
    """How logs are read: engine, scheduler, cache, progress."""

    engine: str = "auto"
    scheduler: str | None = None
    cache: str | None = None
    quiet: bool = False

    def collect(self, paths: list[str], hosts: dict[str, str]) -> Any:
        from loganalyzer.collect import collect

        if self.scheduler and self.engine != "dask":
            raise InputError("--scheduler goes with --engine dask")
        return collect(paths, hosts, self.engine, self.scheduler, not self.quiet, self.cache)


HostFilterOpt = Annotated[list[str] | None, typer.Option(
    "--host", help="PATH=HOST names the host of a file or folder (as for scan); a plain HOST "
    "keeps only migrations from or to that host (repeatable).", rich_help_panel="Input")]
MemoryOpt = Annotated[int | None, typer.Option(
    "--memory-mb", help="The guests' RAM in MB (else data_gb is inferred from the logs).",
    rich_help_panel="Guest")]
LateOpt = Annotated[float, typer.Option(
    "--late-threshold", help="Seconds after which an applied step counts as late.",
    rich_help_panel="Selection")]


def _analyse(paths: list[str], host: list[str] | None, config: list[str] | None,
             config_dir: list[str] | None, flags: dict[str, Any], memory_mb: int | None,
             disk_gb: list[float] | None, release: str | None, python: int | None,
             instance: list[str] | None, since: str | None, until: str | None,
             late_threshold: float, reading: Reading) -> tuple[list[dict[str, Any]], Any]:
    """Scan, analyse and select migrations: what migrations, show and verify share."""
    from loganalyzer.collect import parse_host_options
    from loganalyzer.filters import parse_time
    from loganalyzer.migrations import Declared, Options, analyse
    from loganalyzer.prediction import resolve_model

    mappings = [h for h in host or [] if "=" in h]
    host_filter = [h for h in host or [] if "=" not in h]
    window = parse_time("--since", since), parse_time("--until", until)
    model = resolve_model(release, None, python)
    declared = Declared(config or [], config_dir or [], flags)
    if declared.given:
        declared.for_release(model.release)  # bad files and values fail before any scan
    if memory_mb is not None and memory_mb <= 0:
        raise InputError(f"--memory-mb {memory_mb}: must be positive")
    events = reading.collect(paths, parse_host_options(mappings))
    _emit_warnings(events.warnings)
    if not events.read_anything:
        raise InputError("no input could be read")
    options = Options(declared=declared, release=release, python=python, memory_mb=memory_mb,
                      disk_gb=disk_gb or [], late_threshold_s=late_threshold)
    rows = analyse(events.records(), options)
    rows = [r for r in rows if _selected(r, instance or [], host_filter, *window)]
    return rows, events


def _selected(row: dict[str, Any], instances: list[str], hosts: list[str],
              since: datetime | None, until: datetime | None) -> bool:
    if instances and not any((row.get("instance") or "").startswith(i) for i in instances):
        return False
    if hosts and not ({row.get("source_host"), row.get("dest_host")} & set(hosts)):
        return False
    start = row.get("start")
    if (since or until) and start is None:
        return False
    moment = datetime.fromisoformat(start) if start else None
    if since and moment and moment < since:
        return False
    return not (until and moment and moment > until)


@app.command()
@_reports_input_errors
def migrations(
    paths: Paths,
    config: ConfigFiles = None,
    config_dir: ConfigDirs = None,
    downtime: Downtime = None,
    steps: Steps = None,
    delay: Delay = None,
    completion_timeout: CompletionTimeout = None,
    timeout_action: TimeoutAction = None,
    post_copy: PostCopy = None,
    auto_converge: AutoConverge = None,
    memory_mb: MemoryOpt = None,
    disk_gb: DiskGb = None,
    release: ReleaseOpt = None,
    python: PythonOpt = None,
    instance: InstanceOpt = None,
    host: HostFilterOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    late_threshold: LateOpt = 10.0,
    engine: EngineOpt = "auto",
    scheduler: SchedulerOpt = None,
    cache: CacheOpt = None,
    quiet: QuietOpt = False,
    fmt: Annotated[str, typer.Option(
        "--format", "-f", help="Output: table | json | csv | parquet.")] = "table",
    output: OutputOpt = None,
) -> None:
    """One row per live migration: hosts, outcome, flags, observed vs predicted ramp.

    The configuration each migration ran with is the declared one (--config, --config-dir,
    flags) when given, else the host's last start-up dump before it, else the release's
    defaults. data_gb comes from --memory-mb or is inferred from the logs.

    [b]Examples[/b]

      loganalyzer migrations /var/log/nova/ --format json

      loganalyzer migrations sosreports/ --config nova.conf --release 2023.1 --memory-mb 8192
    """
    from loganalyzer.render import migrations_out

    _check_format(fmt, ("table", "json", "csv", "parquet"))
    if fmt == "parquet" and output is None and sys.stdout.isatty():
        raise InputError("--format parquet writes binary data: give --output FILE or redirect")
    flags = _flags(downtime=downtime, steps=steps, delay=delay,
                   completion_timeout=completion_timeout, timeout_action=timeout_action,
                   post_copy=post_copy, auto_converge=auto_converge)
    rows, events = _analyse(paths, host, config, config_dir, flags, memory_mb, disk_gb, release,
                            python, instance, since, until, late_threshold,
                         Reading(engine, scheduler, cache, quiet))
    if fmt == "parquet":
        migrations_out.write_parquet(rows, output or sys.stdout.buffer)
        return
    with _output(output) as stream:
        migrations_out.write(rows, events.warnings, fmt, stream)


@app.command()
@_reports_input_errors
def show(
    paths: Paths,
    instance: Annotated[str, typer.Option(
        "--instance", help="The instance (UUID or its first characters).")],
    n: Annotated[int | None, typer.Option(
        "--n", help="Which of the instance's migrations, 1 = first (default: the last).")
    ] = None,
    config: ConfigFiles = None,
    config_dir: ConfigDirs = None,
    downtime: Downtime = None,
    steps: Steps = None,
    delay: Delay = None,
    completion_timeout: CompletionTimeout = None,
    timeout_action: TimeoutAction = None,
    post_copy: PostCopy = None,
    auto_converge: AutoConverge = None,
    memory_mb: MemoryOpt = None,
    disk_gb: DiskGb = None,
    release: ReleaseOpt = None,
    python: PythonOpt = None,
    host: HostFilterOpt = None,
    late_threshold: LateOpt = 10.0,
    engine: EngineOpt = "auto",
    scheduler: SchedulerOpt = None,
    cache: CacheOpt = None,
    quiet: QuietOpt = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output: table | json.")] = "table",
) -> None:
    """One migration in full: events of both hosts, steps observed vs predicted, findings.

    [b]Examples[/b]

      loganalyzer show /var/log/nova/ --instance 7b7edae6

      loganalyzer show logs/ --instance 7b7edae6 --n 2 --config nova.conf
    """
    from loganalyzer.render import migrations_out
    from loganalyzer.render.common import write_json

    _check_format(fmt, ("table", "json"))
    flags = _flags(downtime=downtime, steps=steps, delay=delay,
                   completion_timeout=completion_timeout, timeout_action=timeout_action,
                   post_copy=post_copy, auto_converge=auto_converge)
    rows, _ = _analyse(paths, host, config, config_dir, flags, memory_mb, disk_gb, release,
                       python, [instance], None, None, late_threshold,
                         Reading(engine, scheduler, cache, quiet))
    if not rows:
        raise InputError(f"--instance {instance}: no migration of that instance in the input")
    position = n if n is not None else len(rows)
    if not 1 <= position <= len(rows):
        raise InputError(f"--n {n}: the instance has {len(rows)} migration(s)")
    row = rows[position - 1]
    if fmt == "json":
        data = migrations_out.public(row)
        data["events_detail"] = [{k: v for k, v in e.items() if v is not None}
                                 for e in row.get("_events", [])]
        write_json(data, sys.stdout)
        return
    migrations_out.show(row, position, len(rows), sys.stdout)


@app.command()
@_reports_input_errors
def verify(
    paths: Paths,
    config: ConfigFiles = None,
    config_dir: ConfigDirs = None,
    downtime: Downtime = None,
    steps: Steps = None,
    delay: Delay = None,
    completion_timeout: CompletionTimeout = None,
    timeout_action: TimeoutAction = None,
    post_copy: PostCopy = None,
    auto_converge: AutoConverge = None,
    memory_mb: MemoryOpt = None,
    disk_gb: DiskGb = None,
    release: ReleaseOpt = None,
    python: PythonOpt = None,
    instance: InstanceOpt = None,
    host: HostFilterOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    late_threshold: LateOpt = 10.0,
    engine: EngineOpt = "auto",
    scheduler: SchedulerOpt = None,
    cache: CacheOpt = None,
    quiet: QuietOpt = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output: table | json.")] = "table",
) -> None:
    """After a config rollout: exit 0 when every migration with a ramp matches the declared
    configuration (and no host runs something else), 1 when any does not, 2 on bad input.

    [b]Examples[/b]

      loganalyzer verify /var/log/nova/ --config /etc/nova/nova.conf --since 2024-05-01

      loganalyzer verify sosreports/ --downtime 5000 --steps 7 --delay 75 --release train
    """
    from loganalyzer.render import migrations_out

    _check_format(fmt, ("table", "json"))
    flags = _flags(downtime=downtime, steps=steps, delay=delay,
                   completion_timeout=completion_timeout, timeout_action=timeout_action,
                   post_copy=post_copy, auto_converge=auto_converge)
    rows, _ = _analyse(paths, host, config, config_dir, flags, memory_mb, disk_gb, release,
                       python, instance, since, until, late_threshold,
                         Reading(engine, scheduler, cache, quiet))
    failing = [r for r in rows if r["ramp_verdict"] in ("mismatch", "unknown_config")
               or any(f["code"] in ("running-config-differs", "timeout-limit-mismatch")
                      for f in r["findings"])]
    migrations_out.verify(rows, failing, sys.stdout, fmt)
    raise typer.Exit(EXIT_FINDINGS if failing else EXIT_OK)


@app.command()
@_reports_input_errors
def simulate(
    memory_mb: Annotated[int, typer.Option("--memory-mb", help="Guest RAM in MB.",
                                           rich_help_panel="Guest")] = 4096,
    disk_gb: DiskGb = None,
    dirty_rate: Annotated[float, typer.Option(
        "--dirty-rate", help="MiB/s the guest writes to memory.", rich_help_panel="Guest")] = 50.0,
    working_set_mb: Annotated[int | None, typer.Option(
        "--working-set-mb", help="Memory the guest keeps rewriting (default: all of it).",
        rich_help_panel="Guest")] = None,
    bandwidth: Annotated[float, typer.Option(
        "--bandwidth", help="Usable link bandwidth, MiB/s.", rich_help_panel="Guest")] = 1000.0,
    config: ConfigFiles = None,
    config_dir: ConfigDirs = None,
    downtime: Downtime = None,
    steps: Steps = None,
    delay: Delay = None,
    completion_timeout: CompletionTimeout = None,
    timeout_action: TimeoutAction = None,
    post_copy: PostCopy = None,
    auto_converge: AutoConverge = None,
    migration_bandwidth: Annotated[int | None, typer.Option(
        "--migration-bandwidth", help="live_migration_bandwidth cap, MiB/s (0: none).",
        rich_help_panel="Configuration")] = None,
    release: ReleaseOpt = None,
    python: PythonOpt = None,
    start: Annotated[str, typer.Option("--start", help="Monitor start (ISO 8601).")
                     ] = "2026-11-02T08:00:00",
    seed: Annotated[int, typer.Option("--seed", help="Random seed (results are "
                                      "deterministic for a seed).")] = 0,
    stall: Annotated[list[str] | None, typer.Option(
        "--stall", help="AT:SECONDS: the monitor loop stalls at AT for SECONDS (repeatable).")
    ] = None,
    what_if: Annotated[bool, typer.Option(
        "--what-if", help="Also try a small grid around the configured values.")] = False,
    budget: Annotated[float | None, typer.Option(
        "--budget", help="Time budget (s) for --what-if.")] = None,
    out: Annotated[str | None, typer.Option(
        "--out", help="Write the logs of both hosts (or the fleet) under this folder.",
        rich_help_panel="Logs")] = None,
    layout: Annotated[str, typer.Option(
        "--layout", help="plain | syslog | journal-json | oslo-json.",
        rich_help_panel="Logs")] = "plain",
    debug: Annotated[bool, typer.Option("--debug/--info", help="Log level of the written "
                                        "logs.", rich_help_panel="Logs")] = False,
    rotate: Annotated[int, typer.Option("--rotate", help="Split each log into this many "
                                        "rotated files.", rich_help_panel="Logs")] = 1,
    fleet: Annotated[int | None, typer.Option(
        "--fleet", help="Write a fleet of N hosts instead (sosreport-like trees).",
        rich_help_panel="Fleet")] = None,
    fleet_migrations: Annotated[int, typer.Option(
        "--migrations", help="Migrations in the fleet.", rich_help_panel="Fleet")] = 20,
    drift: Annotated[float, typer.Option(
        "--drift", help="Share of fleet hosts running another configuration.",
        rich_help_panel="Fleet")] = 0.1,
    sample: Annotated[bool, typer.Option(
        "--sample", help="Write the project's sample_logs set (with --out).",
        rich_help_panel="Fleet")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output: table | json.")] = "table",
) -> None:
    """Simulate a live migration the way nova drives it, write its logs, or answer what-if.

    [b]Examples[/b]

      loganalyzer simulate --memory-mb 8192 --dirty-rate 300 --bandwidth 500 --what-if

      loganalyzer simulate --release stein --python 2 --out /tmp/logs --debug --layout syslog

      loganalyzer simulate --fleet 20 --migrations 200 --out /tmp/fleet

      loganalyzer simulate --sample --out sample_logs
    """

    from loganalyzer.config import load_config
    from loganalyzer.nova.settings import Settings
    from loganalyzer.prediction import resolve_model
    from loganalyzer.render import simulate_out
    from loganalyzer.simulate import fleet as fleet_mod
    from loganalyzer.simulate.logs import LAYOUTS
    from loganalyzer.simulate.model import Guest
    from loganalyzer.simulate.model import simulate as run

    _check_format(fmt, ("table", "json"))
    if layout not in LAYOUTS:
        raise InputError(f"--layout {layout}: not one of {' | '.join(LAYOUTS)}")
    if (fleet is not None or sample) and out is None:
        raise InputError("--fleet and --sample write files: give --out DIR")
    if sample:
        hosts, migs, deployed, extra = fleet_mod.sample_fleet()
        summaries = fleet_mod.write_fleet(out or "", hosts, migs, deployed, seed=1,
                                          extra_confs=extra)
        simulate_out.result({"migrations": len(summaries), "out": out,
                             "outcomes": [s["outcome"] for s in summaries]}, fmt, sys.stdout)
        return
    model = resolve_model(release, None, python)
    flags = _flags(downtime=downtime, steps=steps, delay=delay,
                   completion_timeout=completion_timeout, timeout_action=timeout_action,
                   post_copy=post_copy, auto_converge=auto_converge)
    if migration_bandwidth is not None:
        flags["live_migration_bandwidth"] = migration_bandwidth
    conf = load_config(model.release, config or [], config_dir or [], flags)
    settings = Settings(
        downtime=conf.value("live_migration_downtime") or 500,
        steps=conf.value("live_migration_downtime_steps") or 10,
        delay=conf.value("live_migration_downtime_delay") or 75,
        completion_timeout=conf.value("live_migration_completion_timeout") or 0,
        timeout_action=conf.value("live_migration_timeout_action") or "abort",
        post_copy=bool(conf.value("live_migration_permit_post_copy")),
        auto_converge=bool(conf.value("live_migration_permit_auto_converge")),
        bandwidth_mibs=conf.value("live_migration_bandwidth") or 0)
    if fleet is not None:
        if fleet < 2:
            raise InputError(f"--fleet {fleet}: a fleet needs at least 2 hosts")
        hosts, migs = fleet_mod.random_fleet(fleet, fleet_migrations, seed, drift, debug,
                                             settings)
        summaries = fleet_mod.write_fleet(out or "", hosts, migs, settings, seed)
        simulate_out.result({"hosts": fleet, "migrations": len(summaries), "out": out},
                            fmt, sys.stdout)
        return
    if memory_mb <= 0 or bandwidth <= 0 or dirty_rate < 0:
        raise InputError("--memory-mb and --bandwidth must be positive, --dirty-rate >= 0")
    guest = Guest(memory_mb, tuple(disk_gb or ()), dirty_rate, working_set_mb)
    stalls = _stalls(stall or [])
    when = _parse_start(start)
    assert when is not None
    py = model.variant.python if model.variant else model.release.default_python
    result = run(guest, bandwidth, settings, model.release, py, seed, stalls=stalls)
    summary: dict[str, Any] = {
        "release": model.release.label, "variant": str(model.variant), "data_gb": result.data_gb,
        "outcome": result.outcome, "finished_by": result.mechanism,
        "duration_s": result.end_s, "final_max_downtime_ms": result.final_max_downtime_ms,
        "guest_downtime_ms": result.actual_downtime_ms, "timeout_at_s": result.timeout_at,
        "auto_converge_throttle": result.throttles}
    if out is not None:
        summary["written"] = _write_single(out, result, guest, settings, model.release, py,
                                           when, layout, debug, rotate, seed)
    if what_if:
        from loganalyzer.simulate.whatif import what_if as grid

        rows = grid(guest, bandwidth, settings, model.release, py, seed, budget)
        if fmt == "json":
            summary["what_if"] = rows
        else:
            simulate_out.result(summary, fmt, sys.stdout)
            simulate_out.what_if(rows, budget, fmt, sys.stdout)
            return
    simulate_out.result(summary, fmt, sys.stdout)


def _stalls(values: list[str]) -> dict[float, float]:
    stalls = {}
    for value in values:
        at, sep, seconds = value.partition(":")
        try:
            stalls[float(at)] = float(seconds)
        except ValueError:
            raise InputError(f"--stall {value}: expected AT:SECONDS") from None
        if not sep or stalls[float(at)] < 0:
            raise InputError(f"--stall {value}: expected AT:SECONDS")
    return stalls


def _write_single(out: str, result: Any, guest: Any, settings: Any, release: Any, python: int,
                  when: datetime, layout: str, debug: bool, rotate: int, seed: int
                  ) -> list[str]:
    import os
    import random

    from loganalyzer.narrate import narrate
    from loganalyzer.simulate.logs import noise, render, script_for, write_rotated

    script = script_for(result, guest, settings, release, python, when)
    narration = narrate(script)
    rng = random.Random(seed)
    written = []
    for host, records in ((script.source_host, narration.source),
                          (script.dest_host, narration.dest)):
        if not records:
            continue
        start, end = records[0].when, records[-1].when
        lines = render(sorted(records + noise(host, start, end, debug, rng, release.major),
                              key=lambda r: r.when), layout, host, debug)
        name = "messages" if layout == "syslog" else "nova-compute.log"
        written += write_rotated(os.path.join(out, host), name, lines, max(rotate, 1))
    return written


@app.command()
@_reports_input_errors
def report(
    paths: Paths,
    config: ConfigFiles = None,
    config_dir: ConfigDirs = None,
    downtime: Downtime = None,
    steps: Steps = None,
    delay: Delay = None,
    completion_timeout: CompletionTimeout = None,
    timeout_action: TimeoutAction = None,
    post_copy: PostCopy = None,
    auto_converge: AutoConverge = None,
    memory_mb: MemoryOpt = None,
    disk_gb: DiskGb = None,
    release: ReleaseOpt = None,
    python: PythonOpt = None,
    instance: InstanceOpt = None,
    host: HostFilterOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    late_threshold: LateOpt = 10.0,
    engine: EngineOpt = "auto",
    scheduler: SchedulerOpt = None,
    cache: CacheOpt = None,
    quiet: QuietOpt = False,
    title: Annotated[str, typer.Option("--title", help="The report's title.")
                     ] = "nova live migrations",
    output: Annotated[str | None, typer.Option(
        "--output", "-o", help="The HTML file (default reports/loganalyzer-<date>.html).")
    ] = None,
    png: Annotated[str | None, typer.Option(
        "--png", help="Also write the fleet charts as PNG files into this folder (extra "
        "'images': kaleido and a Chromium on the machine).")] = None,
) -> None:
    """Write one self-contained HTML report for ops reviews (offline, no CDN).

    Header with inputs and what was not understood, fleet summary and charts, a
    configuration-drift table, a sortable/filterable migrations table, and a drill-down per
    migration (its ramp over the predicted one, memory remaining, events, findings).

    [b]Examples[/b]

      loganalyzer report sample_logs --config sample_logs/nova.conf -o reports/sample.html

      loganalyzer report /srv/sosreports/ --release 2023.1 --png reports/png/
    """
    from datetime import date

    from loganalyzer.report.charts import write_pngs
    from loganalyzer.report.render import build_page, write

    flags = _flags(downtime=downtime, steps=steps, delay=delay,
                   completion_timeout=completion_timeout, timeout_action=timeout_action,
                   post_copy=post_copy, auto_converge=auto_converge)
    rows, events = _analyse(paths, host, config, config_dir, flags, memory_mb, disk_gb, release,
                            python, instance, since, until, late_threshold,
                         Reading(engine, scheduler, cache, quiet))
    declared = None
    sources = "start-up dumps in the logs, else release defaults"
    if config or config_dir or flags:
        from loganalyzer.migrations import Declared
        from loganalyzer.prediction import resolve_model

        model = resolve_model(release, None, python)
        conf = Declared(config or [], config_dir or [], flags).for_release(model.release)
        declared = {name: setting.value for name, setting in conf.settings.items()}
        given = [*(config or []), *(config_dir or []), *(f"--{k}" for k in flags)]
        sources = "declared: " + ", ".join(given)
    target = output or os.path.join("reports", f"loganalyzer-{date.today().isoformat()}.html")
    html, figures = build_page(rows, events, title, declared, sources)
    try:
        write(target, html)
    except OSError as exc:
        raise InputError(f"--output {target}: cannot write: {exc.strerror}") from None
    outcomes = ", ".join(f"{k} {v}" for k, v in Counter(r["outcome"] for r in rows).items())
    mismatches = sum(1 for r in rows if r["ramp_verdict"] == "mismatch")
    typer.echo(f"{target}: {len(rows)} migrations ({outcomes or 'none'}), {mismatches} ramp "
               f"mismatches, {len(events.unrecognized)} unrecognized lines, "
               f"{len(events.warnings)} warnings")
    if png:
        for path in write_pngs(figures, png):
            typer.echo(path)


cache_app = typer.Typer(help="Inspect or empty a --cache folder.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")
CacheDir = Annotated[str, typer.Option("--cache", help="The cache folder.")]


@cache_app.command("info")
@_reports_input_errors
def cache_info(cache: CacheDir, fmt: Annotated[str, typer.Option(
        "--format", "-f", help="table | json")] = "table") -> None:
    """List the files a cache holds: path, bytes and lines scanned, events, cache size."""
    from loganalyzer import cache as cache_mod
    from loganalyzer.render.common import console, write_json

    _check_format(fmt, ("table", "json"))
    if not os.path.isdir(cache):
        raise InputError(f"--cache {cache}: no such folder")
    entries = cache_mod.info(cache)
    if fmt == "json":
        write_json(entries, sys.stdout)
        return
    out = console(sys.stdout)
    for entry in entries:
        out.print(f"{entry['path']}: {entry['bytes_scanned']} bytes, {entry['lines']} lines, "
                  f"{entry['events']} events ({entry['cache_bytes']} bytes cached)")
    out.print(f"{len(entries)} file(s) in {cache}")


@cache_app.command("clear")
@_reports_input_errors
def cache_clear(cache: CacheDir) -> None:
    """Remove every entry of a cache."""
    from loganalyzer import cache as cache_mod

    typer.echo(f"removed {cache_mod.clear(cache)} cached file(s) from {cache}")


def _memory_sizes(values: list[str]) -> list[int]:
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


def main() -> None:
    """Console-script entry point."""
    app()

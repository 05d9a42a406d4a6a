"""The ``migrations``, ``show`` and ``verify`` commands: one row per migration, one in
full, and the rollout check."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from loganalyzer.cli.options import (
    MAX_LINE_DEFAULT,
    AutoConverge,
    CacheOpt,
    CompletionTimeout,
    ConfigDirs,
    ConfigFiles,
    Delay,
    DiskGb,
    Downtime,
    EngineOpt,
    HostFilterOpt,
    InstanceOpt,
    LateOpt,
    MaxLineOpt,
    MemoryOpt,
    OutputOpt,
    Paths,
    PostCopy,
    PythonOpt,
    QuietOpt,
    ReleaseOpt,
    SchedulerOpt,
    SinceOpt,
    Steps,
    TimeoutAction,
    UntilOpt,
    analyse_paths,
    check_format,
    config_flags,
    output_stream,
    reading,
    reports_input_errors,
)
from loganalyzer.errors import EXIT_FINDINGS, EXIT_OK, InputError


@reports_input_errors
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
    max_line_bytes: MaxLineOpt = MAX_LINE_DEFAULT,
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
    from loganalyzer.output import migrations_out

    check_format(fmt, ("table", "json", "csv", "parquet"))
    if fmt == "parquet" and output is None and sys.stdout.isatty():
        raise InputError("--format parquet writes binary data: give --output FILE or redirect")
    flags = config_flags(downtime=downtime, steps=steps, delay=delay,
                   completion_timeout=completion_timeout, timeout_action=timeout_action,
                   post_copy=post_copy, auto_converge=auto_converge)
    rows, events = analyse_paths(
        paths, host, config, config_dir, flags, memory_mb, disk_gb, release, python,
        instance, since, until, late_threshold,
        reading(engine, scheduler, cache, quiet, max_line_bytes))
    if fmt == "parquet":
        migrations_out.write_parquet(rows, output or sys.stdout.buffer)
        return
    with output_stream(output) as stream:
        migrations_out.write(rows, events.warnings, fmt, stream)


@reports_input_errors
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
    max_line_bytes: MaxLineOpt = MAX_LINE_DEFAULT,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output: table | json.")] = "table",
) -> None:
    """One migration in full: events of both hosts, steps observed vs predicted, findings.

    [b]Examples[/b]

      loganalyzer show /var/log/nova/ --instance 7b7edae6

      loganalyzer show logs/ --instance 7b7edae6 --n 2 --config nova.conf
    """
    from loganalyzer.output import migrations_out
    from loganalyzer.output.common import write_json

    check_format(fmt, ("table", "json"))
    flags = config_flags(downtime=downtime, steps=steps, delay=delay,
                   completion_timeout=completion_timeout, timeout_action=timeout_action,
                   post_copy=post_copy, auto_converge=auto_converge)
    rows, _ = analyse_paths(
        paths, host, config, config_dir, flags, memory_mb, disk_gb, release, python,
        [instance], None, None, late_threshold,
        reading(engine, scheduler, cache, quiet, max_line_bytes))
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


@reports_input_errors
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
    max_line_bytes: MaxLineOpt = MAX_LINE_DEFAULT,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output: table | json.")] = "table",
) -> None:
    """After a config rollout: exit 0 when every migration with a ramp matches the declared
    configuration (and no host runs something else), 1 when any does not, 2 on bad input.

    [b]Examples[/b]

      loganalyzer verify /var/log/nova/ --config /etc/nova/nova.conf --since 2024-05-01

      loganalyzer verify sosreports/ --downtime 5000 --steps 7 --delay 75 --release train
    """
    from loganalyzer.output import migrations_out

    check_format(fmt, ("table", "json"))
    flags = config_flags(downtime=downtime, steps=steps, delay=delay,
                   completion_timeout=completion_timeout, timeout_action=timeout_action,
                   post_copy=post_copy, auto_converge=auto_converge)
    rows, _ = analyse_paths(
        paths, host, config, config_dir, flags, memory_mb, disk_gb, release, python,
        instance, since, until, late_threshold,
        reading(engine, scheduler, cache, quiet, max_line_bytes))
    from loganalyzer.api import failing as failing_rows

    failing = failing_rows(rows)
    migrations_out.verify(rows, failing, sys.stdout, fmt)
    raise typer.Exit(EXIT_FINDINGS if failing else EXIT_OK)

"""The ``scan`` command: live-migration events of nova-compute logs."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from loganalyzer.cli.options import (
    CacheOpt,
    EngineOpt,
    HostOpt,
    InstanceOpt,
    OutputOpt,
    Paths,
    QuietOpt,
    SchedulerOpt,
    SinceOpt,
    UntilOpt,
    check_format,
    emit_warnings,
    output_stream,
    reading,
    reports_input_errors,
)
from loganalyzer.errors import InputError


@reports_input_errors
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
    from loganalyzer.logs.read import parse_host_options
    from loganalyzer.logs.select import check_kinds, parse_time, select_events
    from loganalyzer.output import scan_out

    check_format(fmt, ("table", "json", "csv", "parquet"))
    check_kinds(kind or [])
    window = parse_time("--since", since), parse_time("--until", until)
    if fmt == "parquet" and output is None and sys.stdout.isatty():
        raise InputError("--format parquet writes binary data: give --output FILE or redirect")
    events = reading(engine, scheduler, cache, quiet).read(paths,
                                                              parse_host_options(host or []))
    emit_warnings(events.warnings, events.notes)
    if not events.read_anything:
        raise InputError("no input could be read: " + ", ".join(paths))
    frame = select_events(events.events, kind or [], instance or [], (), *window)
    if fmt == "parquet":
        scan_out.write_parquet(frame, output or sys.stdout.buffer)
        return
    with output_stream(output) as stream:
        scan_out.write(events, frame, fmt, stream, unrecognized, limit)

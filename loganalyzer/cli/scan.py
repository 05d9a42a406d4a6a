"""The ``scan`` command: live-migration events of nova-compute logs."""

from __future__ import annotations

from typing import Annotated

import typer

from loganalyzer.cli.groups import READING, SELECTION, Group, Input, uses
from loganalyzer.cli.options import (
    AnyFormat,
    OutputOpt,
    Paths,
    check_format,
    refuse_binary_on_terminal,
    say,
)

EVENT_SELECTION = Group("selection", SELECTION, dict)


@uses(READING, EVENT_SELECTION)
def scan(
    paths: Paths,
    source: Input,
    selection: dict,
    kind: Annotated[list[str] | None, typer.Option(
        "--kind", help="Only events of this kind (repeatable).",
        rich_help_panel="Selection")] = None,
    unrecognized: Annotated[bool, typer.Option(
        "--unrecognized", help="List the lines a catalogue key matched but the grammar did "
        "not (table; with csv, write them instead of events).")] = False,
    limit: Annotated[int, typer.Option(
        "--limit", help="Rows in the table view (0: all).")] = 500,
    fmt: AnyFormat = "table",
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
    from loganalyzer.api import read_noting
    from loganalyzer.logs.select import check_kinds, parse_time, select_events
    from loganalyzer.output import scan_out
    from loganalyzer.output.common import output_file

    check_format(fmt, ("table", "json", "csv", "parquet"))
    check_kinds(kind or [])
    window = (parse_time("--since", selection["since"]),
              parse_time("--until", selection["until"]))
    refuse_binary_on_terminal(fmt, output)
    events = read_noting(paths, say, reading=source.reading, hosts=source.hosts)
    frame = select_events(events.events, kind or [], selection["instance"] or [],
                          source.host_filter, *window)
    if fmt == "parquet":
        scan_out.write_parquet(frame, output)
        return
    with output_file(output) as stream:
        scan_out.write(events, frame, fmt, stream, unrecognized, limit)

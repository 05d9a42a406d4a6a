"""The ``scan`` command: live-migration events of nova-compute logs."""

from __future__ import annotations

from typing import Any

from loganalyzer.cli.groups import READING, SELECTION, Group, Input, flag_group, uses
from loganalyzer.cli.options import Paths, check_format, refuse_binary_on_terminal, say
from loganalyzer.logs.flags import SCAN

EVENT_SELECTION = Group("selection", SELECTION, dict)


@uses(flag_group("options", SCAN), READING, EVENT_SELECTION)
def scan(paths: Paths, options: dict[str, Any], source: Input, selection: dict[str, Any]
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

    fmt = check_format(options["fmt"], ("table", "json", "csv", "parquet"))
    kind, output = options["kind"], options["output"]
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
        scan_out.write(events, frame, fmt, stream, options["unrecognized"], options["limit"])

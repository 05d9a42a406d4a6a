"""The ``scan`` command: live-migration events of nova-compute logs."""

from __future__ import annotations

from typing import Any

from loganalyzer.cli.groups import READING, SELECTION, Paths, refuse_binary_on_terminal, say, uses
from loganalyzer.logs.flags import SCAN


@uses(SCAN, READING, SELECTION)
def scan(paths: Paths, *, fmt: str, output: str | None = None, unrecognized: bool, limit: int,
         **given: Any) -> None:
    """Read nova-compute logs and list their live-migration events.

    Reads plain, rotated and compressed files (gzip, bzip2, xz, zstd), folders, sosreports
    (folders or tarballs, read in place), syslog/journald exports and oslo JSON logs.
    Warnings go to stderr. Exit 0, or 2 when no input could be read at all.

    [b]Examples[/b]

      loganalyzer scan /var/log/nova/

      loganalyzer scan sosreport-compute-1.tar.xz --kind downtime_step -f csv

      journalctl -u nova-compute -o json | loganalyzer scan - --host -=compute-1 -f json
    """
    from loganalyzer.api import scan_noting
    from loganalyzer.output import scan_out
    from loganalyzer.output.common import output_file

    refuse_binary_on_terminal(fmt, output)
    events, frame = scan_noting(paths, say, **given)
    if fmt == "parquet":
        scan_out.write_parquet(frame, output)
        return
    with output_file(output) as stream:
        scan_out.write(events, frame, fmt, stream, unrecognized, limit)

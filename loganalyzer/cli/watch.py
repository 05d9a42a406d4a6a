"""The ``watch`` command: follow nova-compute logs, report each migration as it ends, export
Prometheus metrics."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from loganalyzer.cli.groups import CONFIG, GUEST, HOSTS, MODEL, SELECTION, uses
from loganalyzer.watch.settings import FLAGS

WatchPaths = Annotated[list[str] | None, typer.Argument(
    help="nova-compute log files and folders to follow (folders: new files are picked up; "
    "rotation by rename or copytruncate and compression of rotated files are followed).",
    show_default=False, metavar="PATH")]


@uses(FLAGS, CONFIG, MODEL, GUEST, SELECTION, HOSTS)
def watch(paths: WatchPaths = None, **given: Any) -> None:
    """Follow nova-compute logs and report each live migration when it ends, as
    `migrations` would report it, and each host finding (configuration changed at a restart,
    drift from --config); export Prometheus metrics.

    JSON: one line per finished migration (the `migrations --format json` object) and one
    per host finding ({"host_finding": {...}}). SIGTERM saves the state and exits 0.

    [b]Examples[/b]

      loganalyzer watch /var/log/nova/ --config /etc/nova/nova.conf --metrics-port 9787 \\
        --state /var/lib/loganalyzer/watch.json

      loganalyzer watch --journal --unit nova-compute --textfile /var/lib/node_exporter

      loganalyzer watch /var/log/remote/ --format table
    """
    from loganalyzer.watch.service import Watch
    from loganalyzer.watch.settings import watch_settings

    raise typer.Exit(Watch(watch_settings(paths=paths, **given)).run())

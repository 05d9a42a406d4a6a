"""The ``watch`` command: follow nova-compute logs, report each migration as it ends, export
Prometheus metrics."""

from __future__ import annotations

from typing import Annotated

import typer

from loganalyzer.cli import groups as g
from loganalyzer.cli.options import check_format

WatchPaths = Annotated[list[str] | None, typer.Argument(
    help="nova-compute log files and folders to follow (folders: new files are picked up; "
    "rotation by rename or copytruncate and compression of rotated files are followed).",
    show_default=False)]
FOLLOW = "Following"
METRICS = "Metrics"


@g.uses(g.CONFIG, g.MODEL, g.ANALYSIS, g.HOSTS)
def watch(
    configuration: g.Configuration,
    model: g.Model,
    analysis: g.Analysis,
    source: g.Input,
    paths: WatchPaths = None,
    journal: Annotated[bool, typer.Option(
        "--journal", help="Follow the systemd journal (journalctl -f -o json).",
        rich_help_panel=FOLLOW)] = False,
    unit: Annotated[list[str] | None, typer.Option(
        "--unit", help="With --journal: only this systemd unit (repeatable), e.g. "
        "nova-compute or devstack@n-cpu.", rich_help_panel=FOLLOW)] = None,
    journal_file: Annotated[list[str] | None, typer.Option(
        "--journal-file", help="Follow this journal file or the journals under this folder "
        "instead of the machine's (repeatable; e.g. what systemd-journal-remote writes).",
        rich_help_panel=FOLLOW)] = None,
    state: Annotated[str | None, typer.Option(
        "--state", help="State file: offsets, file identities and migrations in flight; a "
        "restart resumes from it (nothing counted twice, nothing missed).",
        rich_help_panel=FOLLOW)] = None,
    start_at: Annotated[str, typer.Option(
        "--start-at", help="Without a state: begin files present at start at their 'end' "
        "(only new lines) or 'beginning'.", rich_help_panel=FOLLOW)] = "end",
    once: Annotated[bool, typer.Option(
        "--once", help="Read what the inputs hold now, report every migration in them (those "
        "in flight as they stand) and exit.", rich_help_panel=FOLLOW)] = False,
    poll: Annotated[float, typer.Option(
        "--poll", help="Seconds between polls of the inputs.", rich_help_panel=FOLLOW)] = 1.0,
    settle: Annotated[float, typer.Option(
        "--settle", help="Seconds (log time, or quiet wall time) a migration's outcome waits "
        "for its last lines (the source's VM Stopped, the destination's) before it is "
        "reported.", rich_help_panel=FOLLOW)] = 90.0,
    idle_timeout: Annotated[float, typer.Option(
        "--idle-timeout", help="Seconds without a line after which a migration without an "
        "outcome is reported as it stands (outcome unknown).", rich_help_panel=FOLLOW)
    ] = 1800.0,
    max_events: Annotated[int, typer.Option(
        "--max-events", help="Events held for migrations in flight at most; past it the "
        "oldest are reported as they stand.", rich_help_panel=FOLLOW)] = 200_000,
    metrics_port: Annotated[int | None, typer.Option(
        "--metrics-port", help="Serve Prometheus metrics on this port (0: any free port, "
        "printed on stderr).", rich_help_panel=METRICS)] = None,
    metrics_address: Annotated[str, typer.Option(
        "--metrics-address", help="Address the metrics server listens on.",
        rich_help_panel=METRICS)] = "127.0.0.1",
    textfile: Annotated[str | None, typer.Option(
        "--textfile", help="Write the metrics into DIR/loganalyzer.prom for node_exporter's "
        "textfile collector (atomically).", rich_help_panel=METRICS)] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output: json | table.")
                   ] = "json",
) -> None:
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

    check_format(fmt, ("json", "table"))
    settings = watch_settings(
        paths=paths or [], journal=journal, units=unit or [], journal_files=journal_file or [],
        state=state, start_at=start_at, once=once, poll=poll, settle=settle,
        idle_timeout=idle_timeout, max_events=max_events, metrics_port=metrics_port,
        metrics_address=metrics_address, textfile=textfile, fmt=fmt,
        config=configuration.files, config_dir=configuration.dirs, flags=configuration.flags,
        release=model.release, python=model.python, memory_mb=analysis.memory_mb,
        disk_gb=analysis.disk_gb, late_threshold_s=analysis.late_threshold_s,
        hosts=source.hosts, instance=analysis.instance, host=source.host_filter,
        since=analysis.since, until=analysis.until)
    raise typer.Exit(Watch(settings).run())

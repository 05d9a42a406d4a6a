"""The ``watch`` command: follow nova-compute logs, report each migration as it ends, export
Prometheus metrics."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from loganalyzer.cli.groups import (
    ANALYSIS,
    CONFIG,
    HOSTS,
    MODEL,
    Analysis,
    Configuration,
    Input,
    Model,
    uses,
)
from loganalyzer.cli.options import check_format, reports_input_errors
from loganalyzer.errors import InputError

WatchPaths = Annotated[list[str] | None, typer.Argument(
    help="nova-compute log files and folders to follow (folders: new files are picked up; "
    "rotation by rename or copytruncate and compression of rotated files are followed).",
    show_default=False)]
FOLLOW = "Following"
METRICS = "Metrics"


@reports_input_errors
@uses(CONFIG, MODEL, ANALYSIS, HOSTS)
def watch(
    configuration: Configuration,
    model: Model,
    analysis: Analysis,
    source: Input,
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
    from loganalyzer.analysis.migrations import Declared, Options
    from loganalyzer.api import selected
    from loganalyzer.config.prediction import resolve_model
    from loganalyzer.logs.select import parse_time
    from loganalyzer.watch.service import Watch, WatchSettings

    check_format(fmt, ("json", "table"))
    if start_at not in ("end", "beginning"):
        raise InputError(f"--start-at {start_at}: not one of end | beginning")
    if not paths and not journal and not journal_file:
        raise InputError("nothing to follow: give log files or folders, or --journal")
    if unit and not journal:
        raise InputError("--unit goes with --journal")
    for name, value in (("--poll", poll), ("--settle", settle),
                        ("--idle-timeout", idle_timeout)):
        if value <= 0:
            raise InputError(f"{name} {value}: must be positive")
    if max_events < 1:
        raise InputError(f"--max-events {max_events}: must be at least 1")
    if metrics_port is not None and not 0 <= metrics_port <= 65535:
        raise InputError(f"--metrics-port {metrics_port}: not a TCP port")
    import os

    if textfile is not None and not os.path.isdir(textfile):
        raise InputError(f"--textfile {textfile}: no such folder")
    if state is not None:
        folder = os.path.dirname(os.path.abspath(state))
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
            raise InputError(f"--state {state}: its folder {folder} does not exist or is "
                             "not writable (the state is written beside it, then renamed)")
        if os.path.isdir(state):
            raise InputError(f"--state {state}: a folder; give a file name")
    if analysis.memory_mb is not None and analysis.memory_mb <= 0:
        raise InputError(f"--memory-mb {analysis.memory_mb}: must be positive")
    resolved = resolve_model(model.release, None, model.python)
    declared = Declared(configuration.files, configuration.dirs, configuration.flags)
    if declared.given:
        declared.for_release(resolved.release)  # bad files and values fail before any read
    window = parse_time("--since", analysis.since), parse_time("--until", analysis.until)
    instances = list(analysis.instance)

    def select(row: dict[str, Any]) -> bool:
        return selected(row, instances, source.host_filter, *window)

    settings = WatchSettings(
        paths=list(paths or []), hosts=source.hosts,
        options=Options(declared=declared, release=model.release, python=model.python,
                        memory_mb=analysis.memory_mb, disk_gb=analysis.disk_gb,
                        late_threshold_s=analysis.late_threshold_s),
        select=select, fmt=fmt, start_at=start_at, poll_s=poll, settle_s=settle,
        idle_timeout_s=idle_timeout, max_events=max_events, state=state, once=once,
        journal=journal, units=list(unit or []), journal_files=list(journal_file or []),
        metrics_port=metrics_port, metrics_address=metrics_address, textfile=textfile)
    raise typer.Exit(Watch(settings).run())

"""The ``watch`` command: follow nova-compute logs, report each migration as it ends, export
Prometheus metrics."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from loganalyzer.cli import groups as g
from loganalyzer.cli.shell import Command
from loganalyzer.watch.settings import FLAGS, journal_args

WatchPaths = Annotated[list[str] | None, typer.Argument(
    help="nova-compute log files and folders to follow (folders: new files are picked up; "
    "rotation by rename or copytruncate and compression of rotated files are followed).",
    show_default=False)]


@g.uses(g.flag_group("options", FLAGS), g.CONFIG, g.MODEL, g.ANALYSIS, g.HOSTS)
def watch(paths: WatchPaths = None, *, options: dict[str, Any],
          configuration: g.Configuration, model: g.Model, analysis: g.Analysis,
          source: g.Input) -> None:
    """Follow nova-compute logs and report each live migration when it ends, as
    `migrations` would report it, and each host finding (configuration changed at a restart,
    drift from --config); export Prometheus metrics.

    JSON: one line per finished migration (the `migrations --format json` object) and one
    per host finding ({"host_finding": {...}}). SIGTERM saves the state and exits 0.

    [b]Examples[/b]

      loganalyzer watch /var/log/nova/ --config /etc/nova/nova.conf --metrics-port 9787 \\
        --state /var/lib/loganalyzer/watch.json

      loganalyzer watch --journal nova-compute --textfile /var/lib/node_exporter

      loganalyzer watch /var/log/remote/ --format table
    """
    from loganalyzer.watch.service import Watch
    from loganalyzer.watch.settings import watch_settings

    settings = watch_settings(
        paths=paths, **options, config=configuration.files, config_dir=configuration.dirs,
        flags=configuration.flags, release=model.release, python=model.python,
        memory_mb=analysis.memory_mb, disk_gb=analysis.disk_gb,
        late_threshold_s=analysis.late_threshold_s, hosts=source.hosts,
        instance=analysis.instance, host=source.host_filter, since=analysis.since,
        until=analysis.until)
    raise typer.Exit(Watch(settings).run())


class WatchCommand(Command):
    """``watch``, whose ``--journal`` takes an optional unit (:func:`journal_args`)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        args, notes = journal_args(args)
        for note in notes:
            typer.echo(f"loganalyzer: note: {note}", err=True)
        return list(super().parse_args(ctx, args))


watch.command_class = WatchCommand  # type: ignore[attr-defined]

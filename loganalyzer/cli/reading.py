"""The commands that read nova-compute logs: ``scan``, ``migrations``, ``show``, ``verify``,
``report`` and ``watch``, and ``cache info`` / ``cache clear`` for their --cache folder."""

from __future__ import annotations

import sys
from typing import Any

import typer

from loganalyzer import api
from loganalyzer.analysis import flags
from loganalyzer.atomic import is_stdout
from loganalyzer.cli import groups as g
from loganalyzer.cli.shell import Command, Group
from loganalyzer.errors import EXIT_FINDINGS, EXIT_OK
from loganalyzer.logs.flags import CACHE, CACHE_INFO, SCAN
from loganalyzer.report.flags import REPORT
from loganalyzer.watch import settings as watch_settings


@g.uses(SCAN, g.READING, g.SELECTION)
def scan(*, paths: list[str], fmt: str, output: str | None = None, unrecognized: bool, limit: int,
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
    from loganalyzer.output import scan_out

    events, frame = api.scan_noting(paths, g.say, **given)
    scan_out.write_output(events, frame, fmt, output, unrecognized, limit)


@g.uses(flags.MIGRATIONS, g.CONFIG, g.MODEL, g.GUEST, g.SELECTION, g.READING)
def migrations(*, paths: list[str], fmt: str, output: str | None = None, **given: Any) -> None:
    """One row per live migration: hosts, outcome, flags, observed vs predicted ramp.

    The configuration each migration ran with is the declared one (--config, --config-dir,
    flags) when given, else the host's last start-up dump before it, else the release's
    defaults. data_gb comes from --memory-mb or is inferred from the logs. Hosts go by the
    name nova gives them (aliases listed), a line read twice counts once, and a migration
    whose start or end is not in the log shows a lower bound ("≥ 2400 s").

    [b]Examples[/b]

      loganalyzer migrations /var/log/nova/ --format json

      loganalyzer migrations sosreports/ --config nova.conf --release 2023.1 --memory-mb 8192
    """
    from loganalyzer.output import migrations_out

    rows, events = api.analyse_noting(paths, g.say, **given)
    migrations_out.write_output(rows, events, fmt, output)


@g.uses(flags.SHOW, g.CONFIG, g.MODEL, g.GUEST, g.READING)
def show(*, paths: list[str], fmt: str, **given: Any) -> None:
    """One migration in full: events of both hosts, steps observed vs predicted, findings.

    [b]Examples[/b]

      loganalyzer show /var/log/nova/ --instance 7b7edae6

      loganalyzer show logs/ --instance 7b7edae6 --n 2 --config nova.conf
    """
    from loganalyzer.output import migrations_out

    migrations_out.write_show(*api.show_noting(paths, g.say, **given), fmt, sys.stdout)


@g.uses(flags.VERIFY, g.CONFIG, g.MODEL, g.GUEST, g.SELECTION, g.READING)
def verify(*, paths: list[str], fmt: str, **given: Any) -> None:
    """After a config rollout: exit 0 when at least one migration was verified and every
    verified migration passed; 1 when any failed (its ramp does not match, the host runs
    another configuration, its behaviour or timeout limit contradicts the configuration, the
    configuration is unknown) or when nothing was verified (no migration selected, or none
    with a downtime ramp: 'nothing verified: …'), unless --allow-empty; 2 on bad input.

    [b]Examples[/b]

      loganalyzer verify /var/log/nova/ --config /etc/nova/nova.conf --since 2024-05-01

      loganalyzer verify sosreports/ --downtime 5000 --steps 7 --delay 75 --release train
    """
    from loganalyzer.output import migrations_out

    verdict = api.verify_noting(paths, g.say, **given)
    migrations_out.verify(verdict, sys.stdout, fmt)
    raise typer.Exit(EXIT_OK if verdict.ok else EXIT_FINDINGS)


@g.uses(REPORT, g.CONFIG, g.MODEL, g.GUEST, g.SELECTION, g.READING)
def report(*, paths: list[str], png: str | None = None, **given: Any) -> None:
    """Write one self-contained HTML report for ops reviews (offline, no CDN).

    Header with inputs and what was not understood, fleet summary and charts, a
    configuration-drift table, a sortable/filterable migrations table, and a drill-down per
    migration (its ramp over the predicted one, memory remaining, events, findings).

    [b]Examples[/b]

      loganalyzer report sample_logs --config sample_logs/nova.conf -o reports/sample.html

      loganalyzer report /srv/sosreports/ --release 2023.1 --png reports/png/
    """
    from loganalyzer.report.charts import write_pngs

    target, summary, figures = api.publish_report(paths, g.say, **given)
    typer.echo(summary, err=is_stdout(target))  # -o -: the page alone on stdout
    for path in write_pngs(figures, png) if png else ():
        typer.echo(path)


@g.uses(watch_settings.FLAGS, g.CONFIG, g.MODEL, g.GUEST, g.SELECTION, g.HOSTS)
def watch(**given: Any) -> None:
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

    raise typer.Exit(Watch(watch_settings.watch_settings(**given)).run())


class WatchCommand(Command):
    """``watch``, whose ``--journal`` takes an optional unit (typer gives no option an
    optional value: :func:`loganalyzer.watch.settings.journal_args` rewrites the words)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        args, notes = watch_settings.journal_args(args)
        for note in notes:
            g.say(f"note: {note}")
        return list(super().parse_args(ctx, args))


cache_app = typer.Typer(
    help="Inspect or empty a --cache folder.\n\n[b]Examples[/b]\n\n"
    "  loganalyzer cache info --cache ~/.cache/loganalyzer\n\n"
    "  loganalyzer cache clear --cache ~/.cache/loganalyzer",
    no_args_is_help=True, rich_markup_mode="rich", cls=Group)


cache_app.callback()(g.uses()(lambda: None))  # --color on the group too; help: cache_app's


@cache_app.command("info", cls=Command)
@g.uses(CACHE_INFO)
def cache_info(*, cache: str, fmt: str) -> None:
    """List the files a cache holds: path, bytes and lines scanned, events, cache size.

    Exit 0, or 2 when the folder does not exist.

    [b]Examples[/b]

      loganalyzer cache info --cache ~/.cache/loganalyzer

      loganalyzer cache info --cache /mnt/logs/.loganalyzer-cache -f json
    """
    from loganalyzer.output import cache_out

    cache_out.info(api.cache_entries(cache), cache, fmt, sys.stdout)


@cache_app.command("clear", cls=Command)
@g.uses(CACHE)
def cache_clear(*, cache: str) -> None:
    """Remove every entry of a cache.

    Exit 0, or 2 when the folder does not exist.

    [b]Examples[/b]

      loganalyzer cache clear --cache ~/.cache/loganalyzer
    """
    typer.echo(f"removed {api.clear_cache(cache)} cached file(s) from {cache}")

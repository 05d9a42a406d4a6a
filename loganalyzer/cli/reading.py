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
from loganalyzer.cli.shell import Command, guarded
from loganalyzer.errors import EXIT_FINDINGS, EXIT_OK
from loganalyzer.logs.flags import CACHE, CACHE_INFO, SCAN
from loganalyzer.report.flags import REPORT
from loganalyzer.watch import settings as watch_settings


@g.uses(SCAN, g.READING, g.SELECTION)
def scan(*, paths: list[str], fmt: str, output: str | None = None, unrecognized: bool, limit: int,
         **given: Any) -> None:
    from loganalyzer.output import scan_out

    events, frame = api.scan_noting(paths, g.say, **given)
    scan_out.write_output(events, frame, fmt, output, unrecognized, limit)


@g.uses(flags.MIGRATIONS, g.CONFIG, g.MODEL, g.GUEST, g.SELECTION, g.READING)
def migrations(*, paths: list[str], fmt: str, output: str | None = None, **given: Any) -> None:
    from loganalyzer.output import migrations_out

    rows, events = api.analyse_noting(paths, g.say, **given)
    migrations_out.write_output(rows, events, fmt, output)


@g.uses(flags.SHOW, g.CONFIG, g.MODEL, g.GUEST, g.READING)
def show(*, paths: list[str], fmt: str, **given: Any) -> None:
    from loganalyzer.output import migrations_out

    migrations_out.write_show(*api.show_noting(paths, g.say, **given), fmt, sys.stdout)


@g.uses(flags.VERIFY, g.CONFIG, g.MODEL, g.GUEST, g.SELECTION, g.READING)
def verify(*, paths: list[str], fmt: str, **given: Any) -> None:
    from loganalyzer.output import migrations_out

    verdict = api.verify_noting(paths, g.say, **given)
    migrations_out.verify(verdict, sys.stdout, fmt)
    raise typer.Exit(EXIT_OK if verdict.ok else EXIT_FINDINGS)


@g.uses(REPORT, g.CONFIG, g.MODEL, g.GUEST, g.SELECTION, g.READING)
def report(*, paths: list[str], png: str | None = None, **given: Any) -> None:
    from loganalyzer.report.charts import write_pngs

    target, summary, figures = api.publish_report(paths, g.say, **given)
    typer.echo(summary, err=is_stdout(target))  # -o -: the page alone on stdout
    for path in write_pngs(figures, png) if png else ():
        typer.echo(path)


@g.uses(watch_settings.FLAGS, g.CONFIG, g.MODEL, g.GUEST, g.SELECTION, g.HOSTS)
def watch(**given: Any) -> None:
    from loganalyzer.watch.service import Watch

    raise typer.Exit(Watch(watch_settings.watch_settings(**given)).run())


class WatchCommand(Command):
    """``watch``: ``--journal [UNIT]`` rewritten by :func:`watch.settings.journal_args`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        with guarded():  # a --journal= that names no unit: one line, exit 2
            args, notes = watch_settings.journal_args(args)
        for note in notes:
            g.say(f"note: {note}")
        return list(super().parse_args(ctx, args))


@g.uses(CACHE_INFO)
def cache_info(*, cache: str, fmt: str) -> None:
    from loganalyzer.output import cache_out

    cache_out.info(api.cache_entries(cache), cache, fmt, sys.stdout)


@g.uses(CACHE)
def cache_clear(*, cache: str) -> None:
    typer.echo(f"removed {api.clear_cache(cache)} cached file(s) from {cache}")

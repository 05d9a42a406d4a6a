"""The ``report`` command: the self-contained HTML report."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from loganalyzer.atomic import is_stdout
from loganalyzer.cli import groups as g
from loganalyzer.cli.options import Paths, analyse_paths
from loganalyzer.errors import InputError


@g.uses(g.CONFIG, g.MODEL, g.ANALYSIS, g.READING)
def report(
    paths: Paths,
    configuration: g.Configuration,
    model: g.Model,
    analysis: g.Analysis,
    source: g.Input,
    title: Annotated[str, typer.Option("--title", help="The report's title.")
                     ] = "nova live migrations",
    output: Annotated[str | None, typer.Option(
        "--output", "-o", help="The HTML file (default reports/loganalyzer-<date>.html).",
        metavar="FILE")] = None,
    png: Annotated[str | None, typer.Option(
        "--png", help="Also write the fleet charts as PNG files into this folder (extra "
        "'images': kaleido and a Chromium on the machine).", metavar="DIR")] = None,
) -> None:
    """Write one self-contained HTML report for ops reviews (offline, no CDN).

    Header with inputs and what was not understood, fleet summary and charts, a
    configuration-drift table, a sortable/filterable migrations table, and a drill-down per
    migration (its ramp over the predicted one, memory remaining, events, findings).

    [b]Examples[/b]

      loganalyzer report sample_logs --config sample_logs/nova.conf -o reports/sample.html

      loganalyzer report /srv/sosreports/ --release 2023.1 --png reports/png/
    """
    from datetime import date

    from loganalyzer.api import declared_for_report
    from loganalyzer.report.charts import write_pngs
    from loganalyzer.report.render import build_page, write
    from loganalyzer.report.summary import summary_line

    rows, events = analyse_paths(paths, configuration, model, source, analysis)
    declared, sources = declared_for_report(configuration.files, configuration.dirs,
                                            configuration.flags, model.release, model.python)
    target = output or os.path.join("reports", f"loganalyzer-{date.today().isoformat()}.html")
    html, figures = build_page(rows, events, title, declared, sources)
    try:
        write(target, html)
    except OSError as exc:
        raise InputError(f"--output {target}: cannot write: {exc.strerror}") from None
    typer.echo(summary_line(target, rows, events), err=is_stdout(target))  # -o -: page alone
    if png:
        for path in write_pngs(figures, png):
            typer.echo(path)

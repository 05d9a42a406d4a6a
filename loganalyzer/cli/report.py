"""The ``report`` command: the self-contained HTML report."""

from __future__ import annotations

import os
from typing import Any

import typer

from loganalyzer.atomic import is_stdout
from loganalyzer.cli import groups as g
from loganalyzer.cli.options import Paths, analyse_paths
from loganalyzer.errors import InputError
from loganalyzer.report.flags import REPORT


@g.uses(g.flag_group("options", REPORT), g.CONFIG, g.MODEL, g.ANALYSIS, g.READING)
def report(paths: Paths, options: dict[str, Any], configuration: g.Configuration,
           model: g.Model, analysis: g.Analysis, source: g.Input) -> None:
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
    output, png = options["output"], options["png"]
    target = output or os.path.join("reports", f"loganalyzer-{date.today().isoformat()}.html")
    html, figures = build_page(rows, events, options["title"], declared, sources)
    try:
        write(target, html)
    except OSError as exc:
        raise InputError(f"--output {target}: cannot write: {exc.strerror}") from None
    typer.echo(summary_line(target, rows, events), err=is_stdout(target))  # -o -: page alone
    if png:
        for path in write_pngs(figures, png):
            typer.echo(path)

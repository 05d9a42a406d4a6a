"""The ``report`` command: the self-contained HTML report."""

from __future__ import annotations

from typing import Any

import typer

from loganalyzer.atomic import is_stdout
from loganalyzer.cli import groups as g
from loganalyzer.cli.options import Paths, analyse_paths
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
    from loganalyzer.api import declared_for_report
    from loganalyzer.report.charts import write_pngs
    from loganalyzer.report.publish import publish, summary_line

    rows, events = analyse_paths(paths, configuration, model, source, analysis)
    declared, sources = declared_for_report(configuration.files, configuration.dirs,
                                            configuration.flags, model.release, model.python)
    target, figures = publish(rows, events, options["title"], declared, sources,
                              options["output"])
    typer.echo(summary_line(target, rows, events), err=is_stdout(target))  # -o -: page alone
    if options["png"]:
        for path in write_pngs(figures, options["png"]):
            typer.echo(path)

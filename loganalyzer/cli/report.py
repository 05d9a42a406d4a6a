"""The ``report`` command: the self-contained HTML report."""

from __future__ import annotations

from typing import Any

import typer

from loganalyzer.cli.groups import CONFIG, GUEST, MODEL, READING, SELECTION, Paths, say, uses
from loganalyzer.report.flags import REPORT


@uses(REPORT, CONFIG, MODEL, GUEST, SELECTION, READING)
def report(paths: Paths, *, png: str | None = None, **given: Any) -> None:
    """Write one self-contained HTML report for ops reviews (offline, no CDN).

    Header with inputs and what was not understood, fleet summary and charts, a
    configuration-drift table, a sortable/filterable migrations table, and a drill-down per
    migration (its ramp over the predicted one, memory remaining, events, findings).

    [b]Examples[/b]

      loganalyzer report sample_logs --config sample_logs/nova.conf -o reports/sample.html

      loganalyzer report /srv/sosreports/ --release 2023.1 --png reports/png/
    """
    from loganalyzer.api import publish_report
    from loganalyzer.atomic import is_stdout
    from loganalyzer.report.charts import write_pngs

    target, summary, figures = publish_report(paths, say, **given)
    typer.echo(summary, err=is_stdout(target))  # -o -: the page alone on stdout
    for path in write_pngs(figures, png) if png else ():
        typer.echo(path)

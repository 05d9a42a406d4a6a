"""Writing the report: one self-contained HTML file (plotly.js embedded once, no network),
data embedded as escaped JSON, per-migration charts drawn by the page on demand."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from loganalyzer.report.charts import fleet_figures
from loganalyzer.report.data import compact, drift, pack, script_json, summary
from loganalyzer.version import __version__

SCRIPT_END = re.compile(r"</(script)", re.IGNORECASE)


def _resource(name: str) -> str:
    return resources.files("loganalyzer.report").joinpath(name).read_text(encoding="utf-8")


def _safe_script(code: str) -> str:
    """JavaScript that cannot end its ``<script>`` element early."""
    return SCRIPT_END.sub(r"<\\/\1", code).replace("<!--", "<\\!--")


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def build_page(rows: Sequence[dict[str, Any]], events: Any, title: str,
               declared: Mapping[str, Any] | None, config_sources: str) -> tuple[str, dict]:
    """The HTML text and the fleet figures (for ``--png``)."""
    import jinja2
    import plotly.offline

    records = events.records()
    times = events.events["timestamp"].dropna()
    inputs = {
        "files": [f.to_json() for f in events.files],
        "lines": sum(f.lines for f in events.files),
        "events": len(events.events),
        "folded": sum(f.folded for f in events.files),
        "unrecognized": events.unrecognized,
        "warnings": events.warnings,
        "time_range": (tuple(t.isoformat(sep=" ", timespec="milliseconds")
                             for t in (times.min(), times.max())) if len(times) else None),
        "config_sources": config_sources,
    }
    figures = fleet_figures(rows)
    figures_json = script_json({name: json.loads(fig.to_json()) for name, fig in figures.items()})
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(_resource("template.html.j2"))
    html = template.render(
        title=title, version=__version__, inputs=inputs, summary=summary(rows),
        drift=drift(rows, records, declared), fmt=_fmt,
        data_json=script_json(compact(pack(rows))), figures_json=figures_json,
        plotly_js=_safe_script(plotly.offline.get_plotlyjs()),
        page_js=_safe_script(_resource("page.js")))
    return html, figures


def write(path: str, html: str) -> None:
    """The page to ``path`` (its folder made when missing), replaced whole: a failed or
    interrupted write leaves the previous report as it was (:mod:`loganalyzer.atomic`);
    ``-`` or ``/dev/stdout`` writes it to stdout."""
    from loganalyzer.atomic import is_stdout, write_text

    if is_stdout(path):  # -o - or /dev/stdout: the stream, never a file renamed over it
        sys.stdout.write(html)
        return
    write_text(path, html, make_folder=True)

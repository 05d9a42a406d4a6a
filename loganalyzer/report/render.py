"""Writing the report: one self-contained HTML file (plotly.js embedded once, no network),
data embedded as escaped JSON, per-migration charts drawn by the page on demand."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from loganalyzer.analysis.collecting import collector_paused
from loganalyzer.report.charts import FiguresOnDemand
from loganalyzer.report.data import compact, pack, pack_logs, script_json
from loganalyzer.report.drift import fleet_drift
from loganalyzer.report.headline import headline
from loganalyzer.report.inputs import unused_configs, used_configs
from loganalyzer.report.stats import number, summary
from loganalyzer.version import __version__

SCRIPT_END = re.compile(r"</(script)", re.IGNORECASE)


def _resource(name: str) -> str:
    return resources.files("loganalyzer.report").joinpath(name).read_text(encoding="utf-8")


def _safe_script(code: str) -> str:
    """JavaScript that cannot end its ``<script>`` element early."""
    return SCRIPT_END.sub(r"<\\/\1", code).replace("<!--", "<\\!--")


def _time_range(events: Any) -> tuple[str, str] | None:
    times = [t for t in events.columns.get("ts", []) if t]
    return (min(times), max(times)) if times else None


def build_page(rows: Sequence[dict[str, Any]], events: Any, title: str,
               declared: Mapping[str, Any] | None, config_sources: str
               ) -> tuple[str, FiguresOnDemand]:
    """The HTML text and the fleet figures (for ``--png``)."""
    with collector_paused():
        return _build_page(rows, events, title, declared, config_sources)


def _build_page(rows: Sequence[dict[str, Any]], events: Any, title: str,
                declared: Mapping[str, Any] | None, config_sources: str
                ) -> tuple[str, FiguresOnDemand]:
    import jinja2
    import plotly.offline

    records = events.records()
    drift = fleet_drift(rows, records, declared)
    inputs = {
        "files": [f.to_json() for f in events.files],
        "lines": sum(f.lines for f in events.files),
        "events": events.rows,
        "folded": sum(f.folded for f in events.files),
        "unrecognized": events.unrecognized,
        "warnings": events.warnings,
        "time_range": _time_range(events),
        "config_sources": config_sources,
        "unused_configs": unused_configs(events.files, used_configs(rows, config_sources)),
    }
    top = headline(rows, drift)
    meta = {"drifted": drift["drifted"], "baseline_source": drift["source"],
            "hosts": {h["host"]: {"running": {o["short"]: o["running"] for o in h["options"]
                                              if o["running"] is not None}}
                      for h in drift["hosts"]},
            "logs": pack_logs(rows)}
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(_resource("template.html.j2"))
    html = template.render(
        title=title, version=__version__, inputs=inputs, summary=summary(rows),
        drift=drift, headline=top, num=number,
        data_json=script_json(compact(pack(rows, drift))), meta_json=script_json(meta),
        plotly_js=_safe_script(plotly.offline.get_plotlyjs()),
        page_js=_safe_script(_resource("page.js")))
    return html, FiguresOnDemand(rows)


def write(path: str, html: str) -> None:
    """The page to ``path`` (its folder made when missing), replaced whole: a failed or
    interrupted write leaves the previous report as it was (:mod:`loganalyzer.atomic`);
    ``-`` or ``/dev/stdout`` writes it to stdout."""
    from loganalyzer.atomic import is_stdout, write_text

    if is_stdout(path):  # -o - or /dev/stdout: the stream, never a file renamed over it
        sys.stdout.write(html)
        return
    write_text(path, html, make_folder=True)

"""The fleet charts, as plotly figures: drawn in the page from their JSON, and exported as
PNG with kaleido for slides and tickets (``report --png``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

OUTCOME_COLOURS = {"completed": "#2e7d32", "cancelled": "#f9a825", "failed": "#c62828",
                   "unknown": "#9e9e9e"}
CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["sendChartToCloud"],
          "responsive": True}
FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": title}, "font": {"family": FONT, "size": 12},
            "margin": {"l": 110, "r": 20, "t": 40, "b": 40}, "template": "plotly_white",
            **extra}


def timeline(rows: Sequence[dict[str, Any]]) -> Any:
    """A Gantt chart: one bar per migration on its source host, coloured by outcome."""
    import pandas as pd
    import plotly.graph_objects as go

    figure = go.Figure()
    for outcome, colour in OUTCOME_COLOURS.items():
        mine = [r for r in rows if r["outcome"] == outcome and r.get("start") and r.get("end")]
        if not mine:
            continue
        starts = [pd.Timestamp(r["start"]) for r in mine]
        lengths = [max((pd.Timestamp(r["end"]) - s).total_seconds() * 1000, 500)
                   for r, s in zip(mine, starts, strict=True)]
        figure.add_trace(go.Bar(
            name=outcome, orientation="h", base=[s.isoformat() for s in starts], x=lengths,
            y=[r.get("source_host") or "?" for r in mine], marker_color=colour,
            text=[(r.get("instance") or "-")[:8] for r in mine], textposition="none",
            hovertemplate="%{text} on %{y}<br>%{x:,.0f} ms<extra>%{fullData.name}</extra>"))
    figure.update_layout(**_layout("Migrations over time, by source host", barmode="overlay",
                                   xaxis={"type": "date"}, height=max(260, 60 + 28 * len(
                                       {r.get("source_host") for r in rows}))))
    return figure


def durations(rows: Sequence[dict[str, Any]]) -> Any:
    import plotly.graph_objects as go

    figure = go.Figure()
    for outcome, colour in OUTCOME_COLOURS.items():
        values = [r["duration_s"] for r in rows
                  if r["outcome"] == outcome and r.get("duration_s") is not None]
        if values:
            figure.add_trace(go.Histogram(x=values, name=outcome, marker_color=colour,
                                          nbinsx=40))
    figure.update_layout(**_layout("Durations (s)", barmode="stack", height=300,
                                   xaxis={"title": {"text": "seconds"}},
                                   yaxis={"title": {"text": "migrations"}}))
    return figure


def final_downtime(rows: Sequence[dict[str, Any]]) -> Any:
    import plotly.graph_objects as go

    figure = go.Figure()
    hosts = sorted({r.get("source_host") or "?" for r in rows
                    if r.get("final_downtime_ms") is not None})
    for host in hosts:
        values = [r["final_downtime_ms"] for r in rows
                  if (r.get("source_host") or "?") == host and r.get("final_downtime_ms")
                  is not None]
        figure.add_trace(go.Box(y=values, name=host, boxpoints="all", jitter=0.4,
                                marker_size=4, showlegend=False))
    figure.update_layout(**_layout("Final max downtime by source host (ms)", height=320,
                                   yaxis={"title": {"text": "ms"}}))
    return figure


def fleet_figures(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The page's fleet charts by id."""
    return {"timeline": timeline(rows), "durations": durations(rows),
            "final-downtime": final_downtime(rows)}


def write_pngs(figures: dict[str, Any], folder: str) -> list[str]:
    """PNG files of the fleet charts (kaleido with a Chromium found on the machine)."""
    import os

    from loganalyzer.atomic import write_bytes
    from loganalyzer.errors import InputError

    try:
        import kaleido  # noqa: F401
    except ImportError:
        raise InputError("--png needs the 'images' extra (kaleido): pip install "
                         "'nova-loganalyzer[images]'") from None
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--png {folder}: cannot make the folder: {exc.strerror}") from None
    written = []
    for name, figure in figures.items():
        path = os.path.join(folder, f"{name}.png")
        try:
            image = figure.to_image(format="png", width=1200,
                                    height=figure.layout.height or 400, scale=1)
        except Exception as exc:  # kaleido reports a missing browser as RuntimeError & co
            raise InputError(f"--png {folder}: could not render {name}.png ({exc}); "
                             "kaleido needs Chromium (apt-get install chromium)") from None
        try:
            write_bytes(path, image)  # replaced whole, as every output
        except OSError as exc:
            raise InputError(f"--png {folder}: cannot write {name}.png: "
                             f"{exc.strerror or exc}") from None
        written.append(path)
    return written

"""The fleet charts as plotly figures, exported as PNG with kaleido for slides and tickets
(``report --png``); the page draws the same charts itself from its data, so that its
filters drive them."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from loganalyzer.report.stats import duration, nearest_rank

OUTCOME_COLOURS = {"completed": "#2e7d32", "cancelled": "#b26a00", "failed": "#c62828",
                   "unknown": "#616161"}
CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["sendChartToCloud"],
          "responsive": True}
FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": title}, "font": {"family": FONT, "size": 12},
            "margin": {"l": 110, "r": 20, "t": 40, "b": 40}, "template": "plotly_white",
            **extra}


def timeline(rows: Sequence[dict[str, Any]]) -> Any:
    """One line per migration on its source host (hosts sorted by name), from its start for
    its duration (a lower bound drawn dotted), coloured by outcome, with a marker at the
    start so that short migrations stay visible at any time span."""
    from datetime import datetime, timedelta

    import plotly.graph_objects as go

    figure = go.Figure()
    hosts = sorted({r.get("source_host") or "?" for r in rows if r.get("start")})
    for outcome, colour in OUTCOME_COLOURS.items():
        mine = [r for r in rows if r["outcome"] == outcome and r.get("start")]
        if not mine:
            continue
        xs: list[Any] = []
        ys: list[Any] = []
        for r in mine:
            span = duration(r)
            start = datetime.fromisoformat(str(r["start"]))
            xs += [start, start + timedelta(seconds=span["s"] if span else 0), None]
            ys += [r.get("source_host") or "?"] * 2 + [None]
        figure.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": colour,
                                                                   "width": 6},
                                    name=outcome, hoverinfo="skip"))
        figure.add_trace(go.Scatter(
            x=[r["start"] for r in mine], y=[r.get("source_host") or "?" for r in mine],
            mode="markers", marker={"color": colour, "size": 7,
                                    "symbol": ["x" if r.get("ramp_verdict") == "mismatch"
                                               else "circle" for r in mine]},
            showlegend=False, hoverinfo="skip"))
    figure.update_layout(**_layout("Migrations over time by source host (× ramp mismatch)",
                                   xaxis={"type": "date"},
                                   yaxis={"categoryorder": "array",
                                          "categoryarray": hosts[::-1]},
                                   height=max(260, 80 + 18 * len(hosts))))
    return figure


def durations(rows: Sequence[dict[str, Any]]) -> Any:
    """Whole durations on a log axis (lower bounds are not mixed in)."""
    import plotly.graph_objects as go

    figure = go.Figure()
    for outcome, colour in OUTCOME_COLOURS.items():
        values = [d["s"] for r in rows if r["outcome"] == outcome
                  and (d := duration(r)) and d["whole"] and d["s"] > 0]
        if values:
            figure.add_trace(go.Histogram(x=[math.log10(v) for v in values], name=outcome,
                                          marker_color=colour, xbins={"size": 0.1}))
    ticks = [0.1, 1, 10, 100, 1000, 10000]
    figure.update_layout(**_layout("Durations of whole migrations (log scale)", barmode="stack",
                                   height=300, xaxis={"title": {"text": "seconds"},
                                                      "tickvals": [math.log10(t) for t in ticks],
                                                      "ticktext": [f"{t:g}" for t in ticks]},
                                   yaxis={"title": {"text": "migrations"}}))
    return figure


TOP_HOSTS = 20


def final_downtime(rows: Sequence[dict[str, Any]]) -> Any:
    """The hosts with the highest final max downtime (top 20): max as a bar, median marked."""
    import plotly.graph_objects as go

    by_host: dict[str, list[float]] = {}
    for r in rows:
        if r.get("final_downtime_ms") is not None:
            by_host.setdefault(r.get("source_host") or "?", []).append(r["final_downtime_ms"])
    top = sorted(by_host, key=lambda h: (-max(by_host[h]), h))[:TOP_HOSTS][::-1]
    figure = go.Figure()
    figure.add_trace(go.Bar(y=top, x=[max(by_host[h]) for h in top], orientation="h",
                            name="max", marker_color="#1565c0"))
    figure.add_trace(go.Scatter(y=top, x=[nearest_rank(by_host[h], 0.5) for h in top],
                                mode="markers", name="median", marker={"color": "#212121",
                                                                        "symbol": "line-ns-open",
                                                                        "size": 14}))
    figure.update_layout(**_layout(f"Final max downtime per source host (ms), top "
                                   f"{len(top)} of {len(by_host)} by max",
                                   height=max(240, 80 + 22 * len(top))))
    return figure


def fleet_figures(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The fleet charts by id (the page draws its own from the embedded data)."""
    return {"timeline": timeline(rows), "durations": durations(rows),
            "final-downtime": final_downtime(rows)}


class FiguresOnDemand(Mapping[str, Any]):
    """The fleet figures, built only when asked for (``--png``)."""

    def __init__(self, rows: Sequence[dict[str, Any]]) -> None:
        self._rows = rows
        self._figures: dict[str, Any] | None = None

    def _built(self) -> dict[str, Any]:
        if self._figures is None:
            self._figures = fleet_figures(self._rows)
        return self._figures

    def __getitem__(self, name: str) -> Any:
        return self._built()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._built())


def write_pngs(figures: Mapping[str, Any], folder: str) -> list[str]:
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

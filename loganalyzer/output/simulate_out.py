"""Rendering of ``simulate``: one migration's result, or the what-if table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from loganalyzer.output.common import console, write_json
from loganalyzer.simulate.whatif import RANKING


def result(summary: dict[str, Any], fmt: str, stream: IO[str]) -> None:
    if fmt == "json":
        write_json(summary, stream)
        return
    out = console(stream)
    for key, value in summary.items():
        if key not in ("written", "what_if", "what_if_ranking"):
            out.print(f"{key}: {_value(value)}")
    for path in summary.get("written", []):
        out.print(f"wrote {path}")


def _value(value: Any) -> str:
    """A summary value as words: no Python ``None`` or ``[]`` on the screen."""
    if value is None:
        return "-"
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value(v)}" for k, v in value.items()) or "none"
    return str(value)


def what_if(rows: Sequence[dict[str, Any]], budget: float | None, fmt: str,
            stream: IO[str]) -> None:
    if fmt == "json":
        write_json({"budget_s": budget, "ranking": RANKING, "variations": list(rows)},
                   stream)
        return
    out = console(stream)
    from rich.table import Table
    out.print(f"what-if, best first: {RANKING}")
    table = Table()
    for name in ("variation", "outcome", "finished by", "duration (s)", "final max ms",
                 "guest downtime ms", "within budget"):
        table.add_column(name, no_wrap=True)
    for row in rows:
        table.add_row(row["variation"], row["outcome"], row["mechanism"],
                      f"{row['duration_s']:.0f}" if row["duration_s"] is not None else "-",
                      str(row["final_max_downtime_ms"] or "-"),
                      f"{row['actual_downtime_ms']:.0f}" if row["actual_downtime_ms"]
                      is not None else "-", "yes" if row["within_budget"] else "no")
    out.print(table)
    out.print("guest downtime: the simulated stop-and-copy (or pause) time; final max: nova's "
              "max downtime in force at the end")


def write(summary: dict[str, Any], fmt: str, budget: float | None, stream: IO[str]) -> None:
    """``simulate``'s output: :func:`result`, and the what-if ranking when there is one (JSON
    holds it in the summary)."""
    result(summary, fmt, stream)
    if "what_if" in summary and fmt != "json":
        what_if(summary["what_if"], budget, fmt, stream)

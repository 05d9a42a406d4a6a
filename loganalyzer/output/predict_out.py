"""Rendering of ``predict``: the ramp table, JSON contract, or CSV of steps."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import IO

from loganalyzer.config.prediction import Prediction
from loganalyzer.nova.options import RAMP_OPTIONS
from loganalyzer.output.common import console, write_csv, write_json


def _wall(start: datetime | None, after_s: int) -> str | None:
    return (start + timedelta(seconds=after_s)).isoformat(sep=" ") if start else None


def write(pred: Prediction, fmt: str, start: datetime | None, stream: IO[str]) -> None:
    """Write ``pred`` in ``fmt`` (table | json | csv)."""
    if fmt == "json":
        data = pred.to_json()
        if start:
            data["start"] = start.isoformat(sep=" ")
            for step in data["steps"]:
                step["time"] = _wall(start, step["after_s"])
        write_json(data, stream)
        return
    if fmt == "csv":
        header = ["step", "after_s", "downtime_ms"] + (["time"] if start else [])
        rows = [[i, a, d] + ([_wall(start, a)] if start else [])
                for i, (a, d) in enumerate(pred.steps)]
        write_csv(header, rows, stream)
        return
    out = console(stream)
    from rich.table import Table
    out.print(f"Downtime ramp: {pred.model.release.label}, {pred.model.variant}")
    table = Table()
    table.add_column("step", justify="right")
    table.add_column("after (s)", justify="right")
    table.add_column("downtime (ms)", justify="right")
    if start:
        table.add_column("wall clock")
    for i, (after, ms) in enumerate(pred.steps):
        late = pred.completion_timeout_s and after >= pred.completion_timeout_s
        row = [str(i), str(after), str(ms)] + ([_wall(start, after) or ""] if start else [])
        table.add_row(*row, style="dim" if late else None)
    out.print(table)
    out.print(f"data_gb: {pred.guest.data_gb:g}  ({pred.guest.source})")
    out.print(f"step interval: {pred.step_interval_s} s  "
              f"(live_migration_downtime_delay × data_gb)")
    if pred.completion_timeout_s:
        verdict = ("before the timeout" if pred.ramp_before_timeout
                   else "AFTER the timeout: the last steps can never help")
        action = pred.config.value("live_migration_timeout_action") or "abort"
        out.print(f"completion timeout: {pred.completion_timeout_s} s  "
                  f"(live_migration_completion_timeout × data_gb, then {action})")
        out.print(f"ramp reaches {pred.ramp_max_ms} ms at {pred.ramp_end_s} s, {verdict}")
    else:
        out.print(f"completion timeout: off; ramp reaches {pred.ramp_max_ms} ms "
                  f"at {pred.ramp_end_s} s")
    out.print("configuration:")
    for name, setting in pred.config.settings.items():
        if name not in RAMP_OPTIONS:
            continue
        out.print(f"  {name} = {setting.value}  [{setting.source}]")
    for note in pred.to_json()["notes"]:
        out.print(f"note: {note}")

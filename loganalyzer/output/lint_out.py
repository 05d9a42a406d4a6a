"""Rendering of ``lint``: findings as a table, JSON or CSV."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from loganalyzer.config.load import EffectiveConfig
from loganalyzer.config.prediction import GuestSize, Model
from loganalyzer.findings import Finding, worst
from loganalyzer.output.common import console, write_csv, write_json

STYLE = {"info": "cyan", "warning": "yellow", "error": "red"}


def write(model: Model, config: EffectiveConfig, guests: Sequence[GuestSize],
          findings: Sequence[Finding], fmt: str, stream: IO[str]) -> None:
    """Write the findings of ``lint`` in ``fmt`` (table | json | csv)."""
    if fmt == "json":
        write_json({
            "release": model.release.label,
            "variant": str(model.variant) if model.variant else None,
            "config": config.as_dict(),
            "data_gb": [g.data_gb for g in guests],
            "findings": [f.to_json() for f in findings],
            "notes": list(model.notes),
        }, stream)
        return
    if fmt == "csv":
        write_csv(["code", "severity", "message"],
                  [(f.code, f.severity, f.message) for f in findings], stream)
        return
    out = console(stream)
    from rich.table import Table
    from rich.text import Text
    sizes = ", ".join(f"{g.data_gb:g}" for g in guests)
    out.print(f"lint: {model.release.label}, {model.variant or 'no ramp'}; data_gb {sizes}")
    for note in model.notes:
        out.print(f"note: {note}")
    if not findings:
        out.print("no findings")
        return
    table = Table(show_lines=True)
    table.add_column("severity")
    table.add_column("code")
    table.add_column("finding", overflow="fold")
    for f in findings:
        table.add_row(Text(f.severity, style=STYLE[f.severity]), f.code, f.message)
    out.print(table)
    counts = {s: sum(1 for f in findings if f.severity == s) for s in STYLE}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    out.print(f"{summary} (worst: {worst(findings)})")

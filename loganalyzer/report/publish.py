"""The report written where ``loganalyzer report`` was told, and the line it prints about it."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from loganalyzer.errors import InputError


def publish(rows: Sequence[dict[str, Any]], events: Any, title: str,
            declared: dict[str, Any] | None, sources: str, output: str | None
            ) -> tuple[str, Any]:
    """Write the page to ``output`` (default ``reports/loganalyzer-<date>.html``); returns
    the file written and the page's figures (for PNGs)."""
    from loganalyzer.report.render import build_page, write

    target = output or os.path.join("reports", f"loganalyzer-{date.today().isoformat()}.html")
    html, figures = build_page(rows, events, title, declared, sources)
    try:
        write(target, html)
    except OSError as exc:
        raise InputError(f"--output {target}: cannot write: {exc.strerror}") from None
    return target, figures


def summary_line(target: str, rows: Sequence[Mapping[str, Any]], events: Any) -> str:
    """``<file>: N migrations (outcomes), M ramp mismatches, U unrecognized lines, W
    warnings``."""
    outcomes = ", ".join(f"{k} {v}" for k, v in Counter(r["outcome"] for r in rows).items())
    mismatches = sum(1 for r in rows if r["ramp_verdict"] == "mismatch")
    return (f"{target}: {len(rows)} migrations ({outcomes or 'none'}), {mismatches} ramp "
            f"mismatches, {len(events.unrecognized)} unrecognized lines, "
            f"{len(events.warnings)} warnings")

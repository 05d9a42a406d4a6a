"""The one line ``loganalyzer report`` prints about the report it wrote."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any


def summary_line(target: str, rows: Sequence[Mapping[str, Any]], events: Any) -> str:
    """``<file>: N migrations (outcomes), M ramp mismatches, U unrecognized lines, W
    warnings``."""
    outcomes = ", ".join(f"{k} {v}" for k, v in Counter(r["outcome"] for r in rows).items())
    mismatches = sum(1 for r in rows if r["ramp_verdict"] == "mismatch")
    return (f"{target}: {len(rows)} migrations ({outcomes or 'none'}), {mismatches} ramp "
            f"mismatches, {len(events.unrecognized)} unrecognized lines, "
            f"{len(events.warnings)} warnings")

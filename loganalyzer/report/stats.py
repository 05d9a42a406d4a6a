"""Figures the report states about migrations: durations (whole, or a lower bound from a
partial log), error classes, and fleet statistics of comparable values only, each with n."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any


def number(value: float | int | None, unit: str = "", missing: str = "—") -> str:
    """The page's one number format (the script's ``num``): integers as they are, other
    values with one decimal below 100 and none above, thousands separated; "—" if missing."""
    if value is None:
        return missing
    digits = 0 if float(value).is_integer() or abs(value) >= 100 else 1
    text = f"{value:,.{digits}f}"
    return text + (f" {unit}" if unit else "")


def nearest_rank(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile by nearest rank: always a value some migration had (the median of an
    even count is the lower middle one, never the mean of two)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def duration(row: Mapping[str, Any]) -> dict[str, Any] | None:
    """The migration's duration: ``{"s", "whole": True}`` when both ends were logged, else a
    lower bound ``{"s", "whole": False, "why"}`` from nova's own lines (the completion-timeout
    limit it printed, a step's ``after N sec``, ``Migration running for N secs``), else None.
    ``start_seen``/``end_seen``/``duration_min_s`` are used when the analysis gives them."""
    value = row.get("duration_s")
    ends_seen = (row.get("start_seen") is not False and row.get("end_seen") is not False)
    clues: list[tuple[float, str]] = []
    if row.get("duration_min_s") is not None:
        clues.append((float(row["duration_min_s"]), "lower bound from nova's own lines"))
    if row.get("timeout_hit") and row.get("timeout_limit_s"):
        clues.append((float(row["timeout_limit_s"]),
                      "nova logged that its completion-timeout limit passed"))
    steps = row.get("observed_steps") or []
    if steps:
        clues.append((float(max(s.get("after_s") or 0 for s in steps)),
                      "a logged step's elapsed time"))
    last = (row.get("progress") or {}).get("last_secs")
    if last is not None:
        clues.append((float(last), "nova's 'Migration running for N secs'"))
    bound = max(clues, default=None)
    if value == 0 and bound is None and "start_seen" not in row:
        return None  # one line of the migration: a span of 0 s says nothing about its length
    if value is not None and ends_seen and (bound is None or bound[0] <= float(value) + 1.0):
        return {"s": float(value), "whole": True}
    if bound is not None and (value is None or bound[0] > float(value)):
        seen = f"; the lines logged span only {value:g} s" if value is not None else ""
        return {"s": bound[0], "whole": False, "why": bound[1] + seen}
    if value is not None:
        return {"s": float(value), "whole": False,
                "why": "the log holds only part of the migration (the span of its lines)"}
    return None


ERROR_CLASS = re.compile(r"\b([A-Za-z_][\w.]*(?:Error|Exception|Timeout|Failure))\b")
ERROR_WORDS = ("timed out", "timeout", "connection refused", "aborted", "cancel")


def error_class(row: Mapping[str, Any]) -> str | None:
    """``error_class`` when the analysis gave one, else the exception name in ``error``."""
    if row.get("error_class"):
        return str(row["error_class"])
    error = row.get("error")
    if not error:
        return None
    found = ERROR_CLASS.search(str(error))
    if found:
        return found.group(1).rsplit(".", 1)[-1]  # libvirt.libvirtError: libvirtError
    lowered = str(error).lower()
    word = next((word for word in ERROR_WORDS if word in lowered), None)
    if word:
        return word
    head = str(error).split(":", 1)[0].strip()  # libvirt's own class: "operation failed: …"
    return head if 0 < len(head) <= 40 else "other"


def summary(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Fleet figures for the summary: statistics of whole migrations only, each with its n
    (lower bounds are counted apart, never mixed in)."""
    spans = [duration(r) for r in rows]
    whole = [d["s"] for d in spans if d and d["whole"]]
    finals = [r["final_downtime_ms"] for r in rows if r.get("final_downtime_ms") is not None]
    switchovers = [r["switchover"]["seconds"] for r in rows
                   if (r.get("switchover") or {}).get("seconds") is not None]
    return {
        "migrations": len(rows),
        "outcomes": dict(Counter(r["outcome"] for r in rows).most_common()),
        "verdicts": dict(Counter(r["ramp_verdict"] for r in rows).most_common()),
        "duration": {"n": len(whole), "median": nearest_rank(whole, 0.5),
                     "p95": nearest_rank(whole, 0.95),
                     "bounds": sum(1 for d in spans if d and not d["whole"]),
                     "unknown": sum(1 for d in spans if d is None)},
        "final_downtime_ms": {"n": len(finals), "min": min(finals, default=None),
                              "median": nearest_rank(finals, 0.5),
                              "p95": nearest_rank(finals, 0.95),
                              "max": max(finals, default=None)},
        "switchover_s": {"n": len(switchovers), "median": nearest_rank(switchovers, 0.5),
                         "max": max(switchovers, default=None)},
        "timeouts": sum(1 for r in rows if r.get("timeout_hit")),
        "post_copy": sum(1 for r in rows if r.get("post_copy")),
        "paused": sum(1 for r in rows if r.get("paused")),
        "hosts": sorted({h for r in rows for h in (r.get("source_host"), r.get("dest_host"))
                         if h}),
        "releases": sorted({str(r["release"]) for r in rows if r.get("release")}),
        "pauses": pauses(rows),
    }


def pauses(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The guest pauses by evidence tier: measured by QEMU (libvirt/QEMU logs) or estimated
    from nova's lifecycle events (analysis/qemu.py); figures over the measured ones only."""
    tiers = Counter((r.get("switchover") or {}).get("evidence") or "lifecycle-events"
                    for r in rows if r.get("switchover"))
    measured = [r["switchover"]["seconds"] for r in rows
                if (r.get("switchover") or {}).get("evidence") == "qemu-events"
                and r["switchover"].get("seconds") is not None]
    return {"measured": tiers.get("qemu-events", 0),
            "estimated": tiers.get("lifecycle-events", 0),
            "measured_median_s": nearest_rank(measured, 0.5),
            "measured_max_s": max(measured, default=None)}

"""The report written where ``loganalyzer report`` was told, and the line it prints about it."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from loganalyzer.errors import InputError

if TYPE_CHECKING:
    from loganalyzer.analysis.migrations import Declared
    from loganalyzer.nova.releases import Release


def shown(declared: Declared, release: Release) -> tuple[dict[str, Any] | None, str]:
    """The declared configuration as the report shows it (values by nova's option names, as
    ``release`` reads them: the load the declaration was checked with is reused), and a
    sentence on its source."""
    if not declared.given:
        return None, "start-up dumps in the logs, else release defaults"
    settings = declared.for_release(release).settings
    given = [*declared.files, *declared.dirs, *(f"--{k}" for k in declared.flags)]
    return ({name: setting.value for name, setting in settings.items()},
            "declared: " + ", ".join(given))


def publish(rows: Sequence[dict[str, Any]], events: Any, title: str, declared: Declared,
            release: Release, output: str | None) -> tuple[str, Any]:
    """Write the page to ``output`` (default ``reports/loganalyzer-<date>.html``); returns
    the file written and the page's figures (for PNGs)."""
    from loganalyzer.report.render import build_page, write

    target = output or os.path.join("reports", f"loganalyzer-{date.today().isoformat()}.html")
    html, figures = build_page(rows, events, title, *shown(declared, release))
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

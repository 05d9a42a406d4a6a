"""watch's table line says what migrations' table says of the same migration."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from loganalyzer.cli import app
from loganalyzer.output.migrations_out import duration
from loganalyzer.output.watch_out import migration_line

ROCKY = "pastebin_3mxSVnRR_rocky_live-migration-timeout-abort.log"


def test_a_lower_bound_is_rounded_down_as_migrations_rounds_it(real_logs) -> None:
    """The Rocky timeout lasted at least 2400.506 s: "≥ 2401 s" would claim more than the
    log shows."""
    result = CliRunner().invoke(app, ["migrations", "-f", "json", str(real_logs / ROCKY)])
    row = json.loads(result.stdout)["migrations"][0]
    bound = row["duration_min_s"]
    assert row["duration_s"] is None and bound % 1 >= 0.5  # the case where rounding misleads
    line = migration_line(row, "table")
    assert duration(row) in line.split("  ")
    assert f"≥ {int(bound)} s" in line and f"≥ {int(bound) + 1} s" not in line


@pytest.mark.parametrize("seconds,shown", [(7.64, "7.6 s"), (None, "-")])
def test_a_whole_duration_is_shown_to_a_tenth(seconds: float | None, shown: str) -> None:
    row = {"duration_s": seconds, "duration_min_s": None, "outcome": "completed",
           "ramp_verdict": "no_ramp", "findings": []}
    assert migration_line(row, "table").split("  ")[4] == shown

"""A ramp longer than nova could run (issue 13, C19): a finding or a one-line error, bounded
work and memory, never a list of that size."""

from __future__ import annotations

import json
import resource
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from loganalyzer.cli import app
from loganalyzer.logs import writer as lw
from loganalyzer.nova.options import MODEL_MAX, beyond_model
from loganalyzer.nova.ramp import RampBeyondModel, downtime_steps
from tests.scenarios import T0, host_logs, narrate, script

runner = CliRunner()
HUGE = ["100000000", "99999999999999999999"]
LIMIT = MODEL_MAX["live_migration_downtime_steps"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_the_model_stops_before_building_a_huge_ramp():
    before = peak_rss_mb()
    with pytest.raises(RampBeyondModel, match="beyond the 10,000 steps"):
        downtime_steps(500, 10**20, 75, 4.0, "linear-py3")
    assert peak_rss_mb() - before < 50
    assert len(downtime_steps(500, LIMIT, 75, 4.0, "linear-py3")) == LIMIT + 1
    assert beyond_model("live_migration_downtime_steps", LIMIT) is None
    assert beyond_model("live_migration_downtime", 10**20) is None  # no model bound there


@pytest.mark.parametrize("value", HUGE)
def test_predict_says_why_in_one_line(value):
    result = runner.invoke(app, ["predict", "--memory-mb", "4096", "--steps", value])
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"loganalyzer: flag --steps: live_migration_downtime_steps = "
                           f"{value} is beyond the 10,000 steps loganalyzer models")


@pytest.mark.parametrize("value", HUGE)
def test_lint_reports_a_finding(value):
    result = runner.invoke(app, ["lint", "--steps", value, "--memory-mb", "4096",
                                 "-f", "json"])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert [f for f in findings if f["code"] == "value-beyond-model"
            and f["severity"] == "error" and value in f["message"]]


def test_simulate_refuses_in_one_line():
    result = runner.invoke(app, ["simulate", "--steps", HUGE[0]])
    assert result.exit_code == 2 and "beyond the 10,000 steps" in result.output
    assert "Traceback" not in result.output


def test_a_dumped_huge_step_count_is_a_finding_on_the_migration(tmp_path):
    """One startup-dump line ``libvirt.live_migration_downtime_steps = 100000000``: the
    migration is still analysed, with no predicted ramp and a finding saying why."""
    s = script(duration=400, converge=380, start=T0 + timedelta(minutes=5))
    dump = [lw.Record(T0 + timedelta(seconds=i), "DEBUG", "oslo_service.service",
                      f"libvirt.{name} = {value}")
            for i, (name, value) in enumerate([("live_migration_downtime", 500),
                                               ("live_migration_downtime_steps", HUGE[0]),
                                               ("live_migration_downtime_delay", 75)])]
    text = host_logs([(s, narrate(s))], extra={s.source_host: dump})[s.source_host]
    path = tmp_path / "nova-compute.log"
    path.write_text(text)
    before = peak_rss_mb()
    result = runner.invoke(app, ["migrations", str(path), "-f", "json"])
    assert peak_rss_mb() - before < 200
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)["migrations"]
    assert row["predicted_steps"] == [] and row["ramp_verdict"] == "unknown_config"
    (finding,) = [f for f in row["findings"] if f["code"] == "value-beyond-model"]
    assert finding["severity"] == "error" and "100000000" in finding["message"]


def step_lines(count: int, distinct: bool) -> str:
    from tests.helpers import INSTANCE

    return "".join(lw.oslo_line(lw.Record(
        T0 + timedelta(seconds=i * 0.5), "INFO", "nova.virt.libvirt.migration",
        f"Increasing downtime to {50 + (i if distinct else 0)} ms after "
        f"{i if distinct else 0} sec elapsed time", instance=INSTANCE)) + "\n"
        for i in range(count))


def test_repeated_step_lines_fold_into_one_row_with_a_count(tmp_path):
    """nova logs a step once: copies of the instance's last line are folded (C22)."""
    from loganalyzer.logs.read import collect

    path = tmp_path / "nova-compute.log"
    path.write_text(step_lines(20_000, distinct=False))
    events = collect([str(path)], engine="local")
    assert events.rows == 1 and events.columns["repeats"] == [20_000]
    assert events.files[0].folded == 19_999 and events.files[0].lines == 20_000
    assert events.columns["last_line"] == [20_000]
    result = runner.invoke(app, ["migrations", str(path), "-f", "json"])
    (row,) = json.loads(result.stdout)["migrations"]
    assert row["events"] == 20_000 and len(row["observed_steps"]) == 1


def test_a_ramp_longer_than_nova_could_log_is_capped_with_a_count(tmp_path):
    from loganalyzer.logs.read import collect

    path = tmp_path / "nova-compute.log"
    path.write_text(step_lines(LIMIT + 1 + 500, distinct=True))
    events = collect([str(path)], engine="local")
    assert events.rows == LIMIT + 1
    (warning,) = events.warnings
    assert warning.startswith(f"{path}: 500 'Increasing downtime' lines of instance ")
    assert "counted, not kept" in warning


@pytest.mark.slow
def test_memory_follows_the_steps_kept_not_the_lines_read(tmp_path):
    """300,000 copies of one step line (55 MB; benchmarks/limits.py runs 1 GB): the events
    kept stay one row, and the process grows by far less than the lines would need."""
    from loganalyzer.logs.read import collect

    path = tmp_path / "nova-compute.log"
    path.write_text(step_lines(1, distinct=False) * 300_000)  # `yes LINE | head`
    before = peak_rss_mb()
    events = collect([str(path)], engine="local")
    assert events.rows == 1 and events.columns["repeats"] == [300_000]
    assert peak_rss_mb() - before < 60  # one dict per line was ~1 KB: 300 MB


def test_copies_folded_without_the_grammar_fold_as_the_grammar_would(tmp_path, monkeypatch):
    from loganalyzer.logs import scan as scan_mod
    from loganalyzer.logs.read import collect
    from tests.helpers import noise_line, step_line

    lines = []
    for n in range(4):  # copies of a line, then copies with their own times, then others
        lines += [step_line(n)] * 3 + [step_line(n, T0 + timedelta(seconds=150 * n + 1))]
        lines += [noise_line(T0, n), step_line(n)]
    path = tmp_path / "nova-compute.log"
    path.write_text("".join(line + "\n" for line in lines))
    fast = collect([str(path)], engine="local")
    monkeypatch.setattr(scan_mod.ScanState, "_fold_copy", lambda self, number: False)
    slow = collect([str(path)], engine="local")
    assert fast.columns == slow.columns and fast.files == slow.files
    assert fast.columns["repeats"] == [5, 5, 5, 5] and fast.files[0].folded == 16

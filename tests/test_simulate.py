"""The simulator: model sanity, determinism, and logs the analyzer reads back exactly."""

from __future__ import annotations

import filecmp
import json
import os
from datetime import datetime

import pytest
from typer.testing import CliRunner

from loganalyzer.analysis.migrations import Declared, Options, analyse
from loganalyzer.cli import app
from loganalyzer.logs.read import collect
from loganalyzer.nova.ramp import downtime_steps
from loganalyzer.nova.releases import parse_release
from loganalyzer.nova.settings import Settings
from loganalyzer.nova.sizing import completion_timeout_s
from loganalyzer.simulate.fleet import (
    HostSpec,
    MigrationSpec,
    random_fleet,
    sample_fleet,
    write_fleet,
)
from loganalyzer.simulate.model import Guest, simulate
from tests.conftest import REPO

USSURI = parse_release("ussuri").release
STEIN = parse_release("stein").release
runner = CliRunner()


def test_idle_guest_fast_link_converges_at_first_step():
    result = simulate(Guest(4096, dirty_rate_mibs=0), 2000, Settings(), USSURI, seed=3)
    assert result.outcome == "completed" and result.mechanism == "pre-copy"
    assert result.final_max_downtime_ms == downtime_steps(500, 10, 75, 4.0, "linear-py3")[0][1]
    assert result.end_s < 10


def test_dirtying_faster_than_link_hits_the_timeout_at_limit():
    guest = Guest(4096, dirty_rate_mibs=800, working_set_mb=4096)
    result = simulate(guest, 300, Settings(), USSURI, seed=1)
    limit = completion_timeout_s(800, 4.0)
    assert result.outcome == "cancelled" and result.mechanism == "cancelled"
    assert limit < result.timeout_at <= limit + 1.0
    assert result.final_max_downtime_ms == 500  # the whole ramp did not help


def test_auto_converge_throttles_20_then_10_more():
    guest = Guest(4096, dirty_rate_mibs=800, working_set_mb=4096)
    result = simulate(guest, 300, Settings(auto_converge=True), USSURI, seed=1)
    assert result.throttles[:3] == [20, 30, 40]
    assert result.outcome == "completed" and result.mechanism == "auto-converge"


def test_post_copy_ends_pre_copy_at_once():
    guest = Guest(4096, dirty_rate_mibs=800, working_set_mb=4096)
    settings = Settings(completion_timeout=100, timeout_action="force_complete", post_copy=True)
    result = simulate(guest, 300, settings, USSURI, seed=1)
    assert result.mechanism == "post-copy" and result.outcome == "completed"
    assert result.postcopy_at == pytest.approx(result.timeout_at + 0.5)
    assert result.end_s - result.postcopy_at <= 4096 / 300 + 0.01  # pull the rest, once
    assert result.actual_downtime_ms < 100
    paused = simulate(guest, 300, Settings(completion_timeout=100,
                                           timeout_action="force_complete"), USSURI, seed=1)
    assert paused.mechanism == "paused" and paused.actual_downtime_ms > 1000


def test_deterministic_for_a_seed():
    guest = Guest(4096, dirty_rate_mibs=300, working_set_mb=1024)
    a = simulate(guest, 400, Settings(), USSURI, seed=7)
    b = simulate(guest, 400, Settings(), USSURI, seed=7)
    c = simulate(guest, 400, Settings(), USSURI, seed=8)
    assert (a.iterations, a.end_s, a.samples) == (b.iterations, b.end_s, b.samples)
    assert a.iterations != c.iterations


@pytest.mark.parametrize(("release", "layout", "debug"), [
    ("stein", "plain", False), ("train", "syslog", True), ("ussuri", "journal-json", False),
    ("wallaby", "oslo-json", True), ("2023.1", "plain", True), ("liberty", "plain", False),
    ("newton", "syslog", False), ("2025.1", "journal-json", True),
])
def test_logs_read_back_exactly(tmp_path, release, layout, debug):
    boot = datetime(2026, 11, 2, 7, 0, 0)
    settings = Settings(downtime=1500, steps=6, delay=30, completion_timeout=120,
                        timeout_action="force_complete", post_copy=True)
    hosts = [HostSpec(f"h{i}", release, None, layout, debug, rotate=2,
                      boots=[(boot, settings)]) for i in (1, 2)]
    migrations = [
        MigrationSpec("h1", "h2", datetime(2026, 11, 2, 8, 0), Guest(2048, (), 40, 256), 600),
        MigrationSpec("h1", "h2", datetime(2026, 11, 2, 8, 1),
                      Guest(4096, (), 700, 4096), 300),
        MigrationSpec("h2", "h1", datetime(2026, 11, 2, 9, 0), Guest(4096, (), 150, 1024), 300),
    ]
    summaries = write_fleet(str(tmp_path), hosts, migrations, settings, seed=5)
    events = collect([str(tmp_path)])
    assert not events.unrecognized and not events.warnings
    rel = parse_release(release).release
    rows = analyse(events.records(), Options(declared=Declared(
        files=[str(tmp_path / "nova.conf")])))
    assert [(r["instance"], r["outcome"]) for r in rows] == [
        (s["instance"], s["outcome"]) for s in sorted(summaries, key=lambda s: s["start"])]
    for row, summary in zip(rows, sorted(summaries, key=lambda s: s["start"]), strict=True):
        assert row["source_host"] == summary["source"]
        assert row["post_copy"] == (summary["mechanism"] == "post-copy")
        assert row["paused"] == (summary["mechanism"] == "paused")
        assert row["ramp_verdict"] == "match", row["findings"]
        size = row["data_gb"]["value"]
        expected = downtime_steps(1500, 6, 30, size, rel.variant(rel.default_python))
        assert row["predicted_steps"] == [{"after_s": a, "downtime_ms": d} for a, d in expected]
        if summary["final_max_downtime_ms"] is not None:
            assert row["final_downtime_ms"] == summary["final_max_downtime_ms"]


def test_fleet_with_drifted_hosts(tmp_path):
    deployed = Settings(downtime=1000, steps=5, delay=20, completion_timeout=60)
    hosts, migrations = random_fleet(6, 30, seed=4, drift=0.5, debug=True, deployed=deployed,
                                     span_hours=2)
    write_fleet(str(tmp_path), hosts, migrations, deployed, seed=4)
    drifted = {h.name for h in hosts if h.boots[0][1] != deployed}
    assert drifted
    events = collect([str(tmp_path)])
    assert not events.unrecognized
    rows = analyse(events.records(), Options(declared=Declared(
        files=[str(tmp_path / "nova.conf")])))
    assert len(rows) == 30
    flagged = {r["source_host"] for r in rows
               if any(f["code"] == "running-config-differs" for f in r["findings"])}
    sources = {m.source for m in migrations}
    assert flagged == drifted & sources
    for row in rows:
        if row["source_host"] not in drifted and row["observed_steps"]:
            assert row["ramp_verdict"] == "match", (row["source_host"], row["findings"])


def _tree(folder):
    return {os.path.relpath(os.path.join(d, f), folder): open(os.path.join(d, f), "rb").read()
            for d, _, files in os.walk(folder) for f in files}


def test_fleet_lines_wait_on_disk_not_in_memory(tmp_path, monkeypatch):
    """A fleet's lines are spooled to disk as they are narrated: the lines held in memory stay
    under the spool's limit plus one migration's lines whatever the fleet's size, and the
    files written are the same as with everything held in memory."""
    from loganalyzer.simulate import fleet as fleet_mod

    hosts, migrations = random_fleet(5, 24, seed=7, debug=True, span_hours=2)
    monkeypatch.setattr(fleet_mod._Spool, "SPOOL_LINES", 10**9)
    write_fleet(str(tmp_path / "memory"), hosts, migrations, fleet_mod.DEPLOYED, seed=7)
    held: list[int] = []
    added: list[int] = []
    add = fleet_mod._Spool.add

    def counting(self, name, pairs):
        add(self, name, pairs)
        held.append(self.count)
        added.append(len(pairs))

    monkeypatch.setattr(fleet_mod._Spool, "add", counting)
    monkeypatch.setattr(fleet_mod._Spool, "SPOOL_LINES", 200)
    write_fleet(str(tmp_path / "spooled"), hosts, migrations, fleet_mod.DEPLOYED, seed=7)
    assert sum(added) > 5 * 200  # the fleet is much larger than the limit
    assert max(held) <= 200 + max(added)
    assert _tree(tmp_path / "spooled") == _tree(tmp_path / "memory")


def test_fleet_out_that_cannot_be_written_is_one_line(tmp_path):
    """--out naming a file (not a folder): exit 2 and one line naming it, no traceback."""
    taken = tmp_path / "a-file"
    taken.write_text("x")
    result = runner.invoke(app, ["simulate", "--fleet", "2", "--migrations", "2",
                                 "--out", str(taken)])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().count("\n") == 0
    assert f"--out {taken}: cannot write {taken}" in result.stderr
    assert "Traceback" not in result.output


def test_sample_logs_are_what_the_command_writes(tmp_path):
    """The committed sample_logs/ is exactly what the README's command regenerates."""
    result = runner.invoke(app, ["simulate", "--sample", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    committed = REPO / "sample_logs"
    written = sorted(os.path.relpath(os.path.join(d, f), tmp_path)
                     for d, _, files in os.walk(tmp_path) for f in files)
    on_disk = sorted(os.path.relpath(os.path.join(d, f), committed)
                     for d, _, files in os.walk(committed) for f in files)
    assert written == on_disk
    for name in written:
        assert filecmp.cmp(tmp_path / name, committed / name, shallow=False), name


def test_sample_logs_cover_the_scenarios():
    hosts, migrations, _, _ = sample_fleet()
    rows = analyse(collect([str(REPO / "sample_logs")]).records(), Options(
        declared=Declared(files=[str(REPO / "sample_logs" / "nova.conf")])))
    assert len(rows) == len(migrations) == 7
    outcomes = {r["outcome"] for r in rows}
    assert outcomes == {"completed", "cancelled"}
    assert any(r["post_copy"] for r in rows) and any(r["paused"] for r in rows)
    assert any("steps-skipped" in [f["code"] for f in r["findings"]] for r in rows)
    assert {r["ramp_verdict"] for r in rows} == {"match", "mismatch"}
    assert {h.release for h in hosts} == {"stein", "ussuri", "2023.1", "2024.1"}


def test_simulate_cli(tmp_path):
    result = runner.invoke(app, ["simulate", "--memory-mb", "8192", "--dirty-rate", "900",
                                 "--working-set-mb", "6000", "--bandwidth", "400",
                                 "--what-if", "--budget", "7000", "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["outcome"] == "cancelled"
    best = data["what_if"][0]
    assert best["within_budget"] and best["outcome"] == "completed"
    assert best["variation"] in ("post-copy + force_complete", "auto-converge")
    bad = runner.invoke(app, ["simulate", "--stall", "oops"])
    assert bad.exit_code == 2 and "--stall oops" in bad.stderr
    assert runner.invoke(app, ["simulate", "--fleet", "3"]).exit_code == 2

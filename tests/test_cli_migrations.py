"""migrations, show and verify through the command line, on narrated and real logs."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from loganalyzer.cli import app
from loganalyzer.simulate.narrate import narrate
from tests.scenarios import VM1, VM2, host_logs, script

runner = CliRunner()
WORKED_FLAGS = ["--downtime", "5000", "--steps", "7", "--delay", "75"]


@pytest.fixture
def logs(tmp_path):
    """Two hosts: VM1 completes (Train, Python 2, 5000/7/75 on 4 GiB), VM2 is cancelled."""
    first = script("train", duration=2400, converge=2300, python=2, downtime=5000, steps=7,
                   instance=VM1)
    second = script("train", duration=3400, converge=None, python=2, downtime=5000, steps=7,
                    instance=VM2, data_gb=2, completion_timeout=800,
                    start=first.start.replace(hour=14))
    texts = host_logs([(s, narrate(s)) for s in (first, second)], debug=False)
    paths = []
    for host, text in texts.items():
        folder = tmp_path / host
        folder.mkdir()
        (folder / "nova-compute.log").write_text(text)
        paths.append(str(folder))
    return paths


def run(*args):
    return runner.invoke(app, list(args))


def test_migrations_json_contract(logs):
    result = run("migrations", *logs, *WORKED_FLAGS, "--release", "train", "--python", "2",
                 "-f", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["migrations"]
    assert [(r["instance"], r["outcome"]) for r in rows] == [(VM1, "completed"),
                                                             (VM2, "cancelled")]
    required = {"instance", "migration_uuid", "source_host", "dest_host", "start", "end",
                "duration_s", "outcome", "timeout_hit", "timeout_limit_s", "post_copy",
                "paused", "observed_steps", "predicted_steps", "final_downtime_ms", "data_gb",
                "config", "variant", "ramp_verdict", "inferred", "switchover", "findings"}
    for row in rows:
        assert required <= set(row)
        assert not any(key.startswith("_") for key in row)
    first, second = rows
    assert (first["source_host"], first["dest_host"]) == ("compute-1", "compute-2")
    assert first["ramp_verdict"] == "match" and first["variant"] == "linear-py2"
    assert first["final_downtime_ms"] == 4998
    assert first["config"]["live_migration_downtime"] == {"value": 5000,
                                                          "source": "flag --downtime"}
    assert set(first["observed_steps"][0]) == {"time", "after_s", "downtime_ms", "lag_s"}
    assert set(first["inferred"]) >= {"downtime", "steps", "step_interval_s", "delay", "variant"}
    assert set(first["switchover"]) >= {"start", "end", "seconds", "clock_offset_s",
                                        "uncertainty_s"}
    assert second["timeout_hit"] and second["timeout_limit_s"] == 1600
    assert second["data_gb"] == {"value": 2.0, "source": "completion-timeout limit 1600 s / 800"}


def test_migrations_table_csv_parquet(logs, tmp_path):
    table = run("migrations", *logs, *WORKED_FLAGS, "--release", "train", "--python", "2")
    assert table.exit_code == 0
    assert "migrations: 2  outcomes: completed 1, cancelled 1" in table.stdout
    assert "8/8" in table.stdout  # steps observed / predicted for VM1
    rows = list(csv.DictReader(io.StringIO(run("migrations", *logs, "-f", "csv").stdout)))
    assert [r["outcome"] for r in rows] == ["completed", "cancelled"]
    out = tmp_path / "m.parquet"
    assert run("migrations", *logs, "-f", "parquet", "-o", str(out)).exit_code == 0
    assert pq.read_table(out).column("instance").to_pylist() == [VM1, VM2]


def test_migrations_filters(logs):
    def instances(*args):
        data = json.loads(run("migrations", *logs, "-f", "json", *args).stdout)
        return [r["instance"] for r in data["migrations"]]

    assert instances("--instance", VM2[:8]) == [VM2]
    assert instances("--since", "2024-05-01T13:00") == [VM2]
    assert instances("--until", "2024-05-01T13:00") == [VM1]
    assert instances("--host", "compute-2") == [VM1, VM2]
    assert instances("--host", "compute-9") == []


def test_show(logs):
    result = run("show", *logs, "--instance", VM1[:8], *WORKED_FLAGS, "--release", "train",
                 "--python", "2")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "migration 1 of 1" in out
    assert "downtime steps: observed vs predicted" in out
    assert "4998" in out and "post_operation_started" in out and "compute-2" in out
    data = json.loads(run("show", *logs, "--instance", VM1, "-f", "json").stdout)
    kinds = [e["kind"] for e in data["events_detail"]]
    assert kinds[0] == "pre_live_migration_took" and "post_operation_started" in kinds
    missing = run("show", *logs, "--instance", "ffffffff")
    assert missing.exit_code == 2 and "no migration of that instance" in missing.stderr
    bad_n = run("show", *logs, "--instance", VM1, "--n", "3")
    assert bad_n.exit_code == 2 and "has 1 migration" in bad_n.stderr


def test_verify_exit_codes(logs):
    ok = run("verify", *logs, *WORKED_FLAGS, "--release", "train", "--python", "2")
    assert ok.exit_code == 0, ok.output
    assert "OK: 2 of 2 migrations verified, all passed" in ok.stdout
    wrong = run("verify", *logs, *WORKED_FLAGS, "--release", "train", "--python", "3")
    assert wrong.exit_code == 1
    assert "FAILED: 2 of 2 verified migrations failed (ramp mismatch 2)" in wrong.stdout
    assert "step-value-mismatch" in wrong.stdout
    data = json.loads(run("verify", *logs, "--downtime", "800", "-f", "json").stdout)
    assert data["ok"] is False
    assert data["hosts"]["compute-1"]["reasons"] == {"ramp mismatch": 2}
    assert [f["reasons"] for f in data["failing"]] == [["ramp mismatch"]] * 2
    bad = run("verify", *logs, "--downtime", "50")
    assert bad.exit_code == 2 and "below nova's minimum 100" in bad.stderr
    unreadable = run("verify", "/nonexistent/logs")
    assert unreadable.exit_code == 2


def test_real_logs_migrations(real_logs):
    juno = [str(real_logs / f"os-log-merger_juno_hp-ms-01-{h}_nova-compute.log")
            for h in ("c29", "c30")]
    rows = json.loads(run("migrations", *juno, "-f", "json").stdout)["migrations"]
    assert len(rows) == 2
    assert [r["dest_host"] for r in rows] == ["hp-ms-01-c29.moonshot1.lab.eng.rdu.redhat.com",
                                              "hp-ms-01-c30.moonshot1.lab.eng.rdu.redhat.com"]
    assert [r["outcome"] for r in rows] == ["completed", "completed"]
    assert all(r["switchover"]["clock_offset_s"] is not None for r in rows)
    rocky = json.loads(run("migrations", str(real_logs / "pastebin_3mxSVnRR_rocky_live-"
                                            "migration-timeout-abort.log"), "-f", "json").stdout)
    (row,) = rocky["migrations"]
    assert (row["outcome"], row["timeout_hit"], row["timeout_limit_s"]) == ("cancelled", True,
                                                                             2400)
    assert row["data_gb"]["value"] == pytest.approx(3.0, abs=0.01)
    queens = json.loads(run("migrations", str(real_logs / "pastebin_cY82PP34_queens_post-copy"
                                             "-switch.log"), "-f", "json").stdout)
    (row,) = queens["migrations"]
    assert (row["outcome"], row["post_copy"]) == ("completed", True)
    notes = json.loads(run("verify", str(real_logs / "chinese-notes_downtime-steps_message-"
                                         "only.log"), *WORKED_FLAGS, "--memory-mb", "4096",
                           "--release", "train", "-f", "json").stdout)
    assert notes["ok"] is True

"""``loganalyzer scan`` through the command line."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import timedelta

import pyarrow.parquet as pq
from typer.testing import CliRunner

from loganalyzer.cli import app
from loganalyzer.logs import writer as lw
from tests.helpers import INSTANCE, T0, noise_line, step_line

runner = CliRunner()
OTHER = "0f0e0d0c-0b0a-4909-8807-060504030201"


def sample_log(tmp_path):
    lines = [noise_line(T0, 0), step_line(0), step_line(1),
             step_line(0, T0 + timedelta(hours=1), instance=OTHER),
             lw.oslo_line(lw.Record(T0 + timedelta(seconds=400), "WARNING",
                                    "nova.virt.libvirt.migration",
                                    "Live migration not completed after 1600 sec",
                                    instance=INSTANCE)),
             "2024-05-01 12:10:00.000 4242 INFO nova.virt.libvirt.migration [-] "
             "Increasing downtime to lots ms after 0 sec elapsed time"]
    path = tmp_path / "nova-compute.log"
    path.write_text("".join(line + "\n" for line in lines))
    return str(path)


def test_json_contract(tmp_path):
    path = sample_log(tmp_path)
    result = runner.invoke(app, ["scan", path, "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"events", "unrecognized", "warnings", "files"}
    first = data["events"][0]
    for key in ("time", "host", "file", "line", "level", "instance", "kind"):
        assert key in first
    assert first == {**first, "time": "2024-05-01 12:00:00.000", "line": 2, "level": "INFO",
                     "instance": INSTANCE, "kind": "downtime_step", "downtime_ms": 50,
                     "after_s": 0, "file": path}
    assert [e["kind"] for e in data["events"]] == ["downtime_step"] * 3 + ["completion_timeout"]
    assert data["unrecognized"] == [{"file": path, "line": 6, "text":
                                     "2024-05-01 12:10:00.000 4242 INFO nova.virt.libvirt."
                                     "migration [-] Increasing downtime to lots ms after 0 sec "
                                     "elapsed time"}]
    assert data["files"][0]["lines"] == 6 and data["files"][0]["events"] == 4


def test_table_summary_and_unrecognized(tmp_path):
    result = runner.invoke(app, ["scan", sample_log(tmp_path), "--unrecognized"])
    assert result.exit_code == 0
    out = result.stdout
    assert "files: 1  lines read: 6" in out
    assert "events per kind: downtime_step 3, completion_timeout 1" in out
    assert "unrecognized: 1" in out
    assert "nova-compute.log:6: 2024-05-01 12:10:00.000" in out


def test_filters(tmp_path):
    path = sample_log(tmp_path)

    def kinds(*args):
        data = json.loads(runner.invoke(app, ["scan", path, "-f", "json", *args]).stdout)
        return [(e["kind"], e.get("downtime_ms")) for e in data["events"]]

    assert kinds("--kind", "completion_timeout") == [("completion_timeout", None)]
    assert kinds("--instance", OTHER[:8]) == [("downtime_step", 50)]
    assert kinds("--since", "2024-05-01T12:01:00", "--until", "2024-05-01 12:30") == [
        ("downtime_step", 95), ("completion_timeout", None)]


def test_csv_and_unrecognized_csv(tmp_path):
    path = sample_log(tmp_path)
    rows = list(csv.DictReader(io.StringIO(
        runner.invoke(app, ["scan", path, "-f", "csv", "--kind", "downtime_step"]).stdout)))
    assert [r["downtime_ms"] for r in rows] == ["50", "95", "50"]
    assert "limit_s" not in rows[0]  # columns that are empty in the selection are left out
    bad = list(csv.DictReader(io.StringIO(
        runner.invoke(app, ["scan", path, "-f", "csv", "--unrecognized"]).stdout)))
    assert [(r["line"]) for r in bad] == ["6"]


def test_parquet(tmp_path):
    out = tmp_path / "events.parquet"
    result = runner.invoke(app, ["scan", sample_log(tmp_path), "-f", "parquet", "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert table.num_rows == 4
    assert table.column("downtime_ms").to_pylist() == [50, 95, 50, None]
    assert str(table.schema.field("timestamp").type).startswith("timestamp")


def test_stdin_gzip_with_host(tmp_path):
    with open(sample_log(tmp_path), "rb") as fh:
        data = gzip.compress(fh.read())
    result = runner.invoke(app, ["scan", "-", "--host", "-=cmp-9", "-f", "json"], input=data)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {e["host"] for e in data["events"]} == {"cmp-9"}
    assert data["files"][0]["compression"] == "gzip"


def test_warnings_on_stderr_with_json_on_stdout(tmp_path):
    path = sample_log(tmp_path)
    result = runner.invoke(app, ["scan", path, str(tmp_path / "missing.log"), "-f", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert any("missing.log" in w for w in data["warnings"])
    assert "loganalyzer: warning: " in result.stderr and "missing.log" in result.stderr


def test_exit_2_when_nothing_readable(tmp_path):
    result = runner.invoke(app, ["scan", str(tmp_path / "missing.log")])
    assert result.exit_code == 2
    assert "no input could be read" in result.stderr
    assert "Traceback" not in result.output


def test_bad_options(tmp_path):
    path = sample_log(tmp_path)
    for args, message in ((["--kind", "nonsense"], "--kind nonsense: unknown event kind"),
                          (["--since", "last week"], "--since last week: not a timestamp"),
                          (["-f", "xml"], "--format xml")):
        result = runner.invoke(app, ["scan", path, *args])
        assert result.exit_code == 2, args
        assert message in result.stderr


def test_a_plain_host_selects_events_as_migrations_does(tmp_path):
    """``--host NAME`` (no ``=``) keeps that host's events, as for migrations and verify."""
    path = sample_log(tmp_path)
    every = json.loads(runner.invoke(app, ["scan", path, "-f", "json"]).stdout)["events"]
    hosts = {e["host"] for e in every}
    assert hosts
    kept = json.loads(runner.invoke(app, ["scan", path, "-f", "json", "--host",
                                          sorted(hosts)[0]]).stdout)["events"]
    assert kept and {e["host"] for e in kept} == {sorted(hosts)[0]}
    none = json.loads(runner.invoke(app, ["scan", path, "-f", "json", "--host",
                                          "no-such-host"]).stdout)["events"]
    assert none == []


def test_help_lists_examples():
    result = runner.invoke(app, ["scan", "--help"])
    assert result.exit_code == 0 and "sosreport" in result.stdout

"""predict and lint through the command line, as a user runs them."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from loganalyzer import __version__
from loganalyzer.cli import app

runner = CliRunner()
WORKED = ["--downtime", "5000", "--steps", "7", "--delay", "75", "--memory-mb", "4096"]


def run(*args: str):
    return runner.invoke(app, list(args))


def test_version_and_help():
    assert run("--version").stdout.strip() == f"loganalyzer {__version__}"
    result = run("--help")
    assert result.exit_code == 0
    for command in ("predict", "lint"):
        assert command in result.stdout
        sub = run(command, "--help")
        assert sub.exit_code == 0 and "Examples" in sub.stdout


def test_python_m_entry_point():
    proc = subprocess.run([sys.executable, "-m", "loganalyzer", "--version"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and __version__ in proc.stdout


def test_predict_json_worked_example_py2():
    result = run("predict", *WORKED, "--release", "train", "--python", "2", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["variant"] == "linear-py2"
    assert data["data_gb"] == 4
    assert [s["downtime_ms"] for s in data["steps"]] == [714, 1326, 1938, 2550, 3162, 3774,
                                                         4386, 4998]
    assert [s["after_s"] for s in data["steps"]] == list(range(0, 2101, 300))
    assert data["completion_timeout_s"] == 3200
    assert data["ramp_end_s"] == 2100
    assert data["config"]["live_migration_downtime"] == {"value": 5000,
                                                         "source": "flag --downtime"}
    assert data["config"]["live_migration_completion_timeout"]["source"] == \
        "default for Train (20)"


def test_predict_json_worked_example_py3_default_release():
    data = json.loads(run("predict", *WORKED, "-f", "json").stdout)
    assert data["variant"] == "linear-py3"
    assert [s["downtime_ms"] for s in data["steps"]][-5:] == [2551, 3163, 3775, 4387, 5000]
    assert any("assuming 2026.1 Gazpacho" in n for n in data["notes"])


def test_predict_table_has_steps_and_summary():
    result = run("predict", *WORKED, "--variant", "linear-py2",
                 "--start", "2024-05-01T12:00:00")
    assert result.exit_code == 0
    out = result.stdout
    for value in ("714", "4998", "2024-05-01 12:35:00", "data_gb: 4", "3200 s",
                  "ramp reaches 4998 ms at 2100 s, before the timeout", "[flag --downtime]"):
        assert value in out


def test_predict_csv_with_wall_clock():
    result = run("predict", "--data-gb", "3", "--downtime", "400", "--steps", "10", "--delay",
                 "30", "--variant", "exponential", "--start", "2016-01-01T00:00:00", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [int(r["downtime_ms"]) for r in rows] == [37, 38, 39, 42, 46, 55, 70, 98, 148, 238,
                                                     400]
    assert rows[1]["time"] == "2016-01-01 00:01:30"


def test_predict_reads_config_file(tmp_path):
    conf = tmp_path / "nova.conf"
    conf.write_text("[libvirt]\nlive_migration_downtime = 5000\nlive_migration_downtime_steps"
                    " = 7\n")
    data = json.loads(run("predict", "--config", str(conf), "--memory-mb", "4096",
                          "--release", "ussuri", "-f", "json").stdout)
    assert data["config"]["live_migration_downtime"]["source"] == str(conf)
    assert data["steps"][-1] == {"after_s": 2100, "downtime_ms": 5000}


def test_predict_block_migration_data_gb():
    data = json.loads(run("predict", "--memory-mb", "2048", "--disk-gb", "10", "--disk-gb",
                          "1.5", "-f", "json").stdout)
    assert data["data_gb"] == 14
    assert data["completion_timeout_s"] == 800 * 14


@pytest.mark.parametrize(("args", "message"), [
    (["--downtime", "50", "--memory-mb", "4096"], "flag --downtime 50"),
    (["--memory-mb", "4096", "--release", "banana"], "--release banana: unknown nova release"),
    (["--memory-mb", "4096", "--variant", "cubic"], "--variant cubic: not one of"),
    (["--memory-mb", "4096", "--release", "ussuri", "--python", "2"], "does not run on Python 2"),
    (["--memory-mb", "4096", "--release", "train", "--variant", "exponential"],
     "Train (20) computes linear-py2 or linear-py3"),
    (["--release", "train"], "give the guest's size"),
    (["--memory-mb", "4096", "--config", "/nonexistent/nova.conf"],
     "/nonexistent/nova.conf: cannot read config file"),
    (["--memory-mb", "4096", "--release", "kilo"], "has no downtime ramp"),
    (["--memory-mb", "4096", "--start", "yesterday"], "--start yesterday: not a timestamp"),
    (["--memory-mb", "4096", "-f", "xml"], "--format xml"),
    (["--memory-mb", "4096", "--timeout-action", "pause"], "--timeout-action pause"),
])
def test_predict_bad_input_exit_2_one_line(args, message):
    result = run("predict", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_lint_defaults_clean_exit_0():
    result = run("lint", "--release", "2023.1")
    assert result.exit_code == 0, result.output
    data = json.loads(run("lint", "--release", "2023.1", "-f", "json").stdout)
    codes = {f["code"] for f in data["findings"]}
    assert "ramp-exceeds-completion-timeout" not in codes
    assert all(f["severity"] == "info" for f in data["findings"])
    assert data["data_gb"] == [2.0, 4.0, 8.0, 16.0, 32.0, 64.0]


def test_lint_ramp_after_timeout_exit_1():
    args = ["lint", "--downtime", "5000", "--steps", "30", "--delay", "75",
            "--completion-timeout", "400", "--memory-mb", "4096", "-f", "json"]
    result = run(*args)
    assert result.exit_code == 1
    finding = next(f for f in json.loads(result.stdout)["findings"]
                   if f["code"] == "ramp-exceeds-completion-timeout")
    # 30 steps × 300 s = 9000 s ramp; timeout 400 × 4 = 1600 s; steps 6.. are due >= 1600 s
    assert "9000 s" in finding["message"] and "1600 s" in finding["message"]
    assert "steps 6–30" in finding["message"]


def test_lint_force_complete_without_post_copy():
    result = run("lint", "--timeout-action", "force_complete", "--memory-mb", "4096", "-f",
                 "json")
    assert result.exit_code == 1
    codes = {f["code"] for f in json.loads(result.stdout)["findings"]}
    assert "force-complete-pauses" in codes
    ok = run("lint", "--timeout-action", "force_complete", "--post-copy", "--memory-mb", "4096")
    assert ok.exit_code == 0


def test_lint_auto_converge_ignored_and_release_options(tmp_path):
    conf = tmp_path / "nova.conf"
    conf.write_text("[libvirt]\nlive_migration_permit_post_copy = True\n"
                    "live_migration_permit_auto_converge = True\n"
                    "live_migration_timeout_action = force_complete\n")
    result = run("lint", "--config", str(conf), "--release", "queens", "--memory-mb", "8192",
                 "-f", "json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    codes = {f["code"] for f in findings}
    assert {"auto-converge-ignored", "option-not-in-release"} <= codes
    missing = next(f for f in findings if f["code"] == "option-not-in-release")
    assert "live_migration_timeout_action" in missing["message"]
    assert "Queens (17)" in missing["message"]


def test_lint_minimum_and_timeout_off():
    result = run("lint", "--steps", "3", "--completion-timeout", "0", "--memory-mb", "4096",
                 "-f", "csv")
    assert result.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    by_code = {r["code"]: r for r in rows}
    assert by_code["value-at-minimum"]["severity"] == "info"
    assert by_code["completion-timeout-off"]["severity"] == "warning"


def test_lint_size_range_groups_findings():
    result = run("lint", "--downtime", "5000", "--steps", "30", "--completion-timeout", "400",
                 "--memory-mb", "4096:16384", "-f", "json")
    data = json.loads(result.stdout)
    assert data["data_gb"] == [4.0, 8.0, 16.0]
    finding = next(f for f in data["findings"] if f["code"] == "ramp-exceeds-completion-timeout")
    assert "Likewise for data_gb 8, 16" in finding["message"]


def test_lint_table_and_bad_range():
    table = run("lint", "--completion-timeout", "0")
    assert table.exit_code == 1 and "completion-timeout-off" in table.stdout
    bad = run("lint", "--memory-mb", "9:3")
    assert bad.exit_code == 2 and "--memory-mb 9:3" in bad.stderr


def test_lint_ocata_clamp_is_a_warning():
    result = run("lint", "--release", "ocata", "--delay", "5", "-f", "json")
    assert result.exit_code == 1
    assert any(f["code"] == "value-clamped" for f in json.loads(result.stdout)["findings"])

"""Configuration files and dirs that cannot be used (issue 13: A8, B14, D26, D29): exit 2
with one line naming the dir, file or option and why; values quoted on one line and
shortened; interpolation failures said as such."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from loganalyzer.cli import app
from tests.conftest import REPO

runner = CliRunner()


def predict(*args: str):
    return runner.invoke(app, ["predict", "--memory-mb", "4096", *args])


def one_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def conf(folder, name: str, value: str):
    path = folder / name
    path.write_text(f"[libvirt]\nlive_migration_downtime = {value}\n")
    return str(path)


def test_a_config_dir_that_is_missing_or_not_a_folder(tmp_path):
    assert one_line(predict("--config-dir", str(tmp_path / "nope"))) == \
        f"loganalyzer: --config-dir {tmp_path / 'nope'}: no such folder"
    plain = conf(tmp_path, "nova.conf", "600")
    assert one_line(predict("--config-dir", plain)) == \
        f"loganalyzer: --config-dir {plain}: not a folder"


def test_an_unreadable_config_dir_is_exit_2_not_the_defaults(tmp_path):
    """Run without the capabilities that let root read every folder (``setpriv``)."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to drop the permission-bypassing capabilities")
    locked = tmp_path / "nova.conf.d"
    locked.mkdir()
    conf(locked, "10-downtime.conf", "900")
    locked.chmod(0o300)  # may be entered, not listed
    try:
        done = subprocess.run(
            ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--",
             sys.executable, "-m", "loganalyzer", "predict", "--memory-mb", "4096",
             "--config-dir", str(locked)],
            capture_output=True, text=True, timeout=120, env=dict(os.environ,
                                                                  PYTHONPATH=str(REPO)))
    finally:
        locked.chmod(0o755)
    if "setpriv:" in done.stderr:
        pytest.skip(f"setpriv cannot run here: {done.stderr.strip()}")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.splitlines() == [
        f"loganalyzer: --config-dir {locked}: cannot read: Permission denied"]


def test_a_folder_named_like_a_conf_file_inside_a_config_dir(tmp_path):
    (tmp_path / "x.conf").mkdir()
    conf(tmp_path, "a.conf", "600")
    assert one_line(predict("--config-dir", str(tmp_path))) == (
        f"loganalyzer: {tmp_path / 'x.conf'}: a folder, not a config file (--config-dir "
        f"{tmp_path} reads every *.conf in it)")


def test_a_continuation_line_is_quoted_on_one_line(tmp_path):
    path = tmp_path / "nova.conf"
    path.write_text("[libvirt]\nlive_migration_downtime = 12\n  continued here\n")
    assert one_line(predict("--config", str(path))) == (
        f"loganalyzer: {path}: [libvirt] live_migration_downtime = 12⏎continued here: "
        "not an integer")


@pytest.mark.slow
def test_a_50_mb_value_is_quoted_shortened(tmp_path):
    path = conf(tmp_path, "nova.conf", "7" * (50 << 20) + "x")
    line = one_line(predict("--config", path))
    assert len(line) < 300, line[:400]
    assert line == (f"loganalyzer: {path}: [libvirt] live_migration_downtime = "
                    f"{'7' * 80}… ({(50 << 20) + 1} characters): not an integer")


def test_interpolation_failures_say_so(tmp_path):
    percent = conf(tmp_path, "percent.conf", "%(foo)s")
    line = one_line(predict("--config", percent))
    assert line.startswith(f"loganalyzer: {percent}: [libvirt] live_migration_downtime = "
                           "%(foo)s: interpolation failed: %(name)s is Python configparser")
    assert "not an integer" not in line
    dollar = conf(tmp_path, "dollar.conf", "$foo")
    line = one_line(predict("--config", dollar))
    assert line.startswith(f"loganalyzer: {dollar}: [libvirt] live_migration_downtime: "
                           "interpolation failed: ")
    assert "foo" in line
    fine = tmp_path / "fine.conf"
    fine.write_text("[libvirt]\n"
                    "live_migration_downtime = ${libvirt.live_migration_downtime_steps}00\n"
                    "live_migration_downtime_steps = 9\n")
    ok = runner.invoke(app, ["predict", "--memory-mb", "4096", "--config", str(fine),
                             "-f", "json"])
    assert ok.exit_code == 0, ok.output

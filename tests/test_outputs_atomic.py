"""Outputs are written whole or not at all (issue 13: A1, B15, D25): a failed write never
removes or truncates what is at the ``-o`` path; Parquet refuses devices, links to devices
and folders; a missing, read-only or full target folder and a full stdout are one line and
exit 2. Devices and small filesystems are made here (as root); tests that cannot make them
skip."""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
import textwrap

import pytest
from typer.testing import CliRunner

from loganalyzer.cli import app
from tests.conftest import REPO

runner = CliRunner()
SAMPLE = str(REPO / "sample_logs")
PREVIOUS = b"the previous output, which must survive\n"


def leftovers(folder) -> list[str]:
    """Temporary files an interrupted write could leave beside its target."""
    return [n for n in os.listdir(folder) if n.endswith(".tmp")]


def device(path, major: int = 1, minor: int = 7) -> None:
    """A character device node (1,7 is /dev/full; 1,3 /dev/null)."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
    except PermissionError:
        pytest.skip("cannot make device nodes here (not root)")


@contextlib.contextmanager
def mounted(folder, options: str):
    """A small tmpfs at ``folder``; the test is skipped when mounting is not permitted."""
    folder.mkdir(exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def one_line_exit_2(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    lines = [x for x in result.stderr.strip().splitlines()
             if not x.startswith("loganalyzer: note: ")]  # what was passed over, not errors
    assert len(lines) == 1 and lines[0].startswith("loganalyzer: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize("command", ["scan", "migrations"])
def test_parquet_onto_a_device_refuses_and_keeps_the_node(tmp_path, command):
    node = tmp_path / "full"
    device(node)
    link = tmp_path / "link"
    link.symlink_to(node)
    for target in (node, link):
        result = runner.invoke(app, [command, SAMPLE, "-q", "-f", "parquet", "-o", str(target)])
        one_line_exit_2(result, str(target), "character device")
        assert stat.S_ISCHR(os.stat(node).st_mode)  # the node is still there
        assert os.path.islink(link)
    assert leftovers(tmp_path) == []


def test_parquet_onto_a_folder_or_into_a_missing_one(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "keep").write_bytes(PREVIOUS)
    result = runner.invoke(app, ["scan", SAMPLE, "-q", "-f", "parquet", "-o", str(folder)])
    one_line_exit_2(result, "folder")
    assert (folder / "keep").read_bytes() == PREVIOUS
    missing = tmp_path / "nowhere" / "x.parquet"
    result = runner.invoke(app, ["migrations", SAMPLE, "-q", "-f", "parquet", "-o",
                                 str(missing)])
    one_line_exit_2(result, str(missing), "No such file or directory")


def test_text_output_may_go_into_a_device_without_replacing_it(tmp_path):
    null = tmp_path / "null"
    device(null, 1, 3)
    result = runner.invoke(app, ["scan", SAMPLE, "-q", "-f", "json", "-o", str(null)])
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat(null).st_mode)
    full = tmp_path / "full"
    device(full)
    result = runner.invoke(app, ["scan", SAMPLE, "-q", "-f", "csv", "-o", str(full)])
    one_line_exit_2(result, "No space left on device")
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_a_symlink_to_a_file_is_followed_and_kept(tmp_path):
    real = tmp_path / "real.json"
    real.write_bytes(PREVIOUS)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    result = runner.invoke(app, ["scan", SAMPLE, "-q", "-f", "json", "-o", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and real.read_text().startswith("{")


@pytest.mark.parametrize("fmt", ["parquet", "json", "csv"])
def test_a_full_disk_keeps_the_previous_output(tmp_path, fmt):
    with mounted(tmp_path / "small", "size=16k") as small:
        target = small / f"out.{fmt}"
        target.write_bytes(PREVIOUS)
        result = runner.invoke(app, ["scan", SAMPLE, "-q", "-f", fmt, "-o", str(target)])
        one_line_exit_2(result, str(target), "No space left on device")
        assert target.read_bytes() == PREVIOUS
        assert leftovers(small) == []


def test_a_read_only_folder_is_one_line(tmp_path):
    with mounted(tmp_path / "ro", "ro,size=64k") as ro:
        for fmt in ("parquet", "json"):
            result = runner.invoke(app, ["scan", SAMPLE, "-q", "-f", fmt, "-o",
                                         str(ro / f"x.{fmt}")])
            one_line_exit_2(result, "Read-only file system")


def test_report_on_a_full_disk_keeps_the_previous_report(tmp_path):
    with mounted(tmp_path / "small", "size=256k") as small:
        target = small / "report.html"
        target.write_bytes(PREVIOUS)
        result = runner.invoke(app, ["report", SAMPLE, "-q", "-o", str(target)])
        one_line_exit_2(result, "No space left on device")
        assert target.read_bytes() == PREVIOUS
        assert leftovers(small) == []


def run_cli(*args: str, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "loganalyzer", *args], stdout=stdout,
                          stderr=subprocess.PIPE, env=env, timeout=120)


@pytest.mark.parametrize("args", [["scan", SAMPLE, "-q", "-f", "json"],
                                  ["scan", SAMPLE, "-q"],
                                  ["predict", "--memory-mb", "4096"]])
def test_a_full_stdout_is_one_line_exit_2(args):
    with open("/dev/full", "wb") as full:
        done = run_cli(*args, stdout=full)
    assert done.returncode == 2, done.stderr
    lines = [x for x in done.stderr.decode().strip().splitlines()
             if not x.startswith("loganalyzer: note: ")]
    assert lines == ["loganalyzer: cannot write the output: No space left on device"] or \
        lines == ["loganalyzer: cannot write to stdout: No space left on device"], lines


def test_report_summary_on_a_full_stdout(tmp_path):
    with open("/dev/full", "wb") as full:
        done = run_cli("report", SAMPLE, "-q", "-o", str(tmp_path / "r.html"), stdout=full)
    assert done.returncode == 2 and b"No space left on device" in done.stderr
    assert b"Traceback" not in done.stderr


def test_parquet_to_stdout_by_dash_and_dev_stdout(tmp_path):
    import pyarrow.parquet as pq

    for name in ("-", "/dev/stdout"):
        target = tmp_path / "via-stdout.parquet"
        with open(target, "wb") as out:
            done = run_cli("scan", SAMPLE, "-q", "-f", "parquet", "-o", name, stdout=out)
        assert done.returncode == 0, done.stderr
        assert pq.read_table(target).num_rows > 0
    assert os.path.exists("/dev/stdout")
    page = tmp_path / "page.html"
    with open(page, "wb") as out:
        done = run_cli("report", SAMPLE, "-q", "-o", "-", stdout=out)
    assert done.returncode == 0, done.stderr
    assert page.read_text().rstrip().endswith("</html>")
    assert b"7 migrations" in done.stderr


KILL_DURING_WRITE = textwrap.dedent("""
    import builtins, os, signal, sys

    from loganalyzer.report.render import write

    real_open = builtins.open

    class Dying:
        def __init__(self, fh):
            self.fh = fh
        def write(self, text):
            self.fh.write(text[: len(text) // 2])
            self.fh.flush()
            os.kill(os.getpid(), getattr(signal, sys.argv[2]))
        def __getattr__(self, name):
            return getattr(self.fh, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return self.fh.__exit__(*exc)

    def dying_open(file, mode="r", *args, **kwargs):
        fh = real_open(file, mode, *args, **kwargs)
        return Dying(fh) if "w" in mode else fh

    builtins.open = dying_open
    signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    write(sys.argv[1], "<html>" + "x" * 100000 + "</html>")
""")


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_a_report_killed_while_written_leaves_the_previous_one(tmp_path, how):
    target = tmp_path / "report.html"
    target.write_bytes(PREVIOUS)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", KILL_DURING_WRITE, str(target), how],
                          env=env, capture_output=True, timeout=60)
    assert done.returncode != 0
    assert target.read_bytes() == PREVIOUS
    if how == "SIGTERM":  # unwound: the temporary file is gone too
        assert leftovers(tmp_path) == []

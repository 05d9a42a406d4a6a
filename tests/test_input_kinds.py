"""Inputs that are not plain files (issue 13, A6, B12, B13, C23): pipes and FIFOs are read
once, closed stdin and devices are one clear message, linked folders are followed without
looping."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from loganalyzer.cli import app
from loganalyzer.logs.read import collect
from tests.conftest import REPO
from tests.helpers import T0, noise_line, step_line

runner = CliRunner()


def log_text(steps: int = 6) -> str:
    lines = [noise_line(T0, 0)] + [step_line(n) for n in range(steps)]
    lines += [noise_line(T0 + timedelta(hours=2), 1)]
    return "".join(line + "\n" for line in lines)


def feed(path: str, data: bytes) -> threading.Thread:
    """Write ``data`` to the FIFO or pipe end ``path`` from another thread."""
    def write() -> None:
        with open(path, "wb") as sink:
            sink.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("engine", ["local", "process"])
@pytest.mark.parametrize("compressed", [False, True])
def test_a_named_fifo_is_read_once(engine, compressed, tmp_path, monkeypatch):
    import gzip

    monkeypatch.setenv("LOGANALYZER_PREFILTER", "auto")
    data = log_text().encode()
    plain = tmp_path / "plain.log"
    plain.write_bytes(data)
    fifo = tmp_path / "nova-compute.log"
    os.mkfifo(fifo)
    writer = feed(str(fifo), gzip.compress(data) if compressed else data)
    events = collect([str(fifo)], engine=engine)
    writer.join(timeout=10)
    reference = collect([str(plain)], engine="local")
    assert events.rows == reference.rows == 6
    assert events.columns["downtime_ms"] == reference.columns["downtime_ms"]
    assert events.files[0].lines == data.count(b"\n") and events.warnings == []


def test_process_substitution_is_a_stream(tmp_path):
    """``migrations <(cat log)``: the path is /dev/fd/N, a pipe that cannot seek."""
    log = tmp_path / "nova-compute.log"
    log.write_text(log_text())
    script = 'exec "$0" -m loganalyzer scan -f json <(cat "$1")'
    done = subprocess.run(["bash", "-c", script, sys.executable, str(log)],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert len(data["events"]) == 6 and data["warnings"] == []


def test_closed_stdin_is_one_line_and_exit_2():
    done = subprocess.run([sys.executable, "-m", "loganalyzer", "scan", "-"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)},
                          preexec_fn=lambda: os.close(0))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "loganalyzer: -: standard input is closed, so there is nothing to read (give a file, "
        "or pipe the log in)"]


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_devices_are_refused_by_name(device):
    if not os.path.exists(device):
        pytest.skip(f"{device} is not on this machine")
    result = runner.invoke(app, ["scan", device])
    assert result.exit_code == 2
    assert f"{device}: a character device, not a log file: not read" in result.output
    assert "no input could be read" in result.output


def test_a_socket_is_refused_and_the_rest_is_read(tmp_path):
    import socket

    log = tmp_path / "nova-compute.log"
    log.write_text(log_text())
    sock_path = tmp_path / "nova-compute.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        events = collect([str(sock_path), str(log)], engine="local")
    assert events.rows == 6
    assert events.warnings == [f"{sock_path}: a socket, not a log file: not read"]


def test_linked_folders_are_followed_and_loops_named(tmp_path):
    """sosreport-style ``var/log/nova`` linked to where the logs really are; a link back up
    the tree is named, not walked forever."""
    elsewhere = tmp_path / "elsewhere" / "nova"
    elsewhere.mkdir(parents=True)
    (elsewhere / "nova-compute.log").write_text(log_text())
    root = tmp_path / "cmp-1"
    (root / "var/log").mkdir(parents=True)
    (root / "var/log/nova").symlink_to(elsewhere, target_is_directory=True)
    (root / "var/log/loop").symlink_to(root, target_is_directory=True)
    events = collect([str(root)], engine="local")
    assert [f.path for f in events.files] == [str(root / "var/log/nova/nova-compute.log")]
    assert events.rows == 6 and events.files[0].host == "cmp-1"
    assert events.warnings == [
        f"{root / 'var/log/loop'}: links to {root.resolve()}, a folder already read: "
        "not read again"]

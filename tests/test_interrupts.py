"""A run stopped from outside (issue 13: B16, D25): Ctrl-C (SIGINT to the process group, as a
terminal sends it, or to the parent alone) and SIGTERM with the process pool end in one line,
exit 128 + the signal, with the pool's workers gone and no output file written (a previous
one stays as it was)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def big_logs(tmp_path_factory):
    """Four ~40 MB nova-compute logs (the sample log repeated): seconds of scanning each,
    so that a run is still scanning when it is stopped (at ~12 MB a fast machine finished
    some local runs before the signal came, or met it while exiting)."""
    folder = tmp_path_factory.mktemp("big")
    sample = (REPO / "sample_logs" / "sosreport-compute-1" / "var" / "log" / "nova" /
              "nova-compute.log").read_bytes()
    for i in range(4):
        with open(folder / f"nova-compute-{i}.log", "wb") as fh:
            fh.write(sample * ((40 << 20) // len(sample)))
    return folder


def alive(processes: list[psutil.Process]) -> list[int]:
    out = []
    for process in processes:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                out.append(process.pid)
        except psutil.NoSuchProcess:
            continue
    return out


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGINT-group", "SIGINT", "SIGTERM", "SIGINT-local",
                                 "SIGTERM-local"])
def test_a_stopped_run_is_one_line_and_leaves_nothing(tmp_path, big_logs, how):
    name, _, whom = how.partition("-")
    signum = getattr(signal, name)
    engine = "local" if whom == "local" else "process"
    target = tmp_path / "events.json"
    target.write_text("previous\n")
    env = dict(os.environ, PYTHONPATH=str(REPO), LOGANALYZER_PREFILTER="python")
    proc = subprocess.Popen(
        [sys.executable, "-m", "loganalyzer", "scan", str(big_logs), "--engine", engine,
         "-q", "-f", "json", "-o", str(target)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    wanted = 0 if engine == "local" else 2
    while len(parent.children(recursive=True)) < wanted and time.monotonic() < deadline:
        time.sleep(0.05)
    while engine == "local" and parent.cpu_times().user < 1.5 and time.monotonic() < deadline:
        time.sleep(0.05)  # imports done, scanning
    time.sleep(0.5)  # the workers are scanning
    workers = parent.children(recursive=True)
    assert len(workers) >= wanted and proc.poll() is None
    if whom == "group":
        os.killpg(proc.pid, signum)  # what Ctrl-C in a terminal does
    else:
        proc.send_signal(signum)
    try:
        _, err = proc.communicate(timeout=60)  # the workers hold the pipes: they must go
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 128 + signum, err
    assert err.decode().splitlines() == [f"loganalyzer: stopped by {name}"]
    assert alive(workers) == []
    assert target.read_text() == "previous\n"
    assert sorted(os.listdir(tmp_path)) == ["events.json"]

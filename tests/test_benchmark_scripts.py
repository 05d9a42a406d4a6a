"""The benchmark scripts still run against the library as it is (fleet_bench's in-process
phases broke once when an API function it used was renamed): each is run on the sample logs
in its quickest mode. Figures are printed, never asserted (speed is the scripts' job, not the
tests')."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO


def test_fleet_bench_phases_run_on_the_sample_logs():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "fleet_bench.py"),
                           "--phases-of", str(REPO / "sample_logs")],
                          capture_output=True, text=True, env=env, cwd=str(REPO))
    assert done.returncode == 0, done.stderr
    phases = json.loads(done.stdout.strip().splitlines()[-1])
    assert phases["migrations"] > 0
    assert {"read", "analyse", "json", "report", "rss"} <= set(phases)

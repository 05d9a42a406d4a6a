"""Helpers for the ``watch`` tests: scenario logs written by the project's narrator, a real
``loganalyzer watch`` child process (its JSON lines, its stderr, its /metrics over HTTP on
127.0.0.1), and the comparison with ``migrations --format json``."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from loganalyzer.simulate.narrate import narrate
from tests.conftest import REPO
from tests.scenarios import T0, VM1, VM2, host_logs, script

HOSTS = ("compute-a", "compute-b", "compute-c")


def two_migrations() -> dict[str, str]:
    """compute-a → compute-b (VM1, nova's defaults: its ramp matches) and, 30 minutes
    later, compute-b → compute-c (VM2, run with live_migration_downtime=400: against the
    defaults its ramp is a mismatch). Two host pairs, each with one migration."""
    first = script(source_host="compute-a", dest_host="compute-b", instance=VM1)
    second = script(source_host="compute-b", dest_host="compute-c", instance=VM2,
                    start=T0 + timedelta(minutes=30), downtime=400)
    return host_logs([(s, narrate(s)) for s in (first, second)])


def log_path(root: Path, host: str) -> Path:
    return root / host / "nova-compute.log"


def write_piece(root: Path, logs: dict[str, str], piece: int, pieces: int) -> None:
    """Append piece ``piece`` of ``pieces`` (by lines) of every host's log."""
    for host, text in logs.items():
        lines = text.splitlines(keepends=True)
        start, end = len(lines) * piece // pieces, len(lines) * (piece + 1) // pieces
        path = log_path(root, host)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.writelines(lines[start:end])


def write_whole(root: Path, logs: dict[str, str]) -> Path:
    """Each host's whole log as one file under ``root`` (what ``migrations`` reads)."""
    for host, text in logs.items():
        path = log_path(root, host)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "loganalyzer", *args], cwd=REPO,
                          env=child_env(), capture_output=True, text=True, timeout=120,
                          check=False)


def child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def migrations_json(*args: str) -> list[dict[str, Any]]:
    proc = run_cli("migrations", *args, "-f", "json", "-q")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["migrations"]


def key(row: dict[str, Any]) -> tuple[str, str, str]:
    return (row.get("instance") or "", row.get("start") or "", row.get("source_host") or "")


class WatchProcess:
    """``loganalyzer watch ARGS`` as a child process; always stopped by the context."""

    def __init__(self, args: list[str], workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        count = len(list(workdir.glob("watch-stderr-*.txt")))
        self.stderr_path = workdir / f"watch-stderr-{count}.txt"
        self._stderr = open(self.stderr_path, "w", encoding="utf-8")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "loganalyzer", "watch", *args], cwd=REPO, env=child_env(),
            stdout=subprocess.PIPE, stderr=self._stderr, stdin=subprocess.DEVNULL, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def __enter__(self) -> WatchProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._reader.join(timeout=5)
        self._stderr.close()

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8")

    @property
    def objects(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in list(self.lines)]

    @property
    def migrations(self) -> list[dict[str, Any]]:
        return [o for o in self.objects if "host_finding" not in o]

    def wait_for(self, condition: Callable[[], Any], what: str, timeout: float = 40.0) -> Any:
        """Poll ``condition`` (bounded); fail naming ``what`` with watch's stderr."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; watch exit "
                             f"{self.proc.poll()}; stderr:\n{self.stderr}")

    def port(self) -> int:
        found = self.wait_for(lambda: re.search(r"metrics on http://127\.0\.0\.1:(\d+)/metrics",
                                                self.stderr), "the metrics port")
        return int(found.group(1))

    def metrics_text(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port()}/metrics",
                                    timeout=10) as response:
            return response.read().decode()

    def metrics(self) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        return parse_metrics(self.metrics_text())

    def stop(self) -> int:
        """SIGTERM, and the exit status (bounded wait)."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)


def parse_metrics(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Prometheus text exposition as {(sample name, labels): value}."""
    from prometheus_client.parser import text_string_to_metric_families

    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return out


def sample(metrics: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
           **labels: str) -> float | None:
    return metrics.get((name, frozenset(labels.items())))


def total(metrics: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str,
          **labels: str) -> float:
    return sum(v for (n, ls), v in metrics.items()
               if n == name and set(labels.items()) <= set(ls))

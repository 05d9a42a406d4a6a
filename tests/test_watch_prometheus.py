"""The shipped alert rules (contrib/prometheus) under promtool, and a real Prometheus server
(Debian package prometheus) scraping a real ``watch`` and evaluating those rules. Everything
listens on 127.0.0.1; both processes are always stopped. Skipped without the binaries."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.scenarios import VM1
from tests.watch_helpers import WatchProcess, log_path, two_migrations, write_piece

RULES = REPO / "contrib" / "prometheus" / "loganalyzer-alerts.yml"
RULE_TESTS = REPO / "contrib" / "prometheus" / "loganalyzer-alerts.test.yml"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package prometheus)")
    return path


def test_promtool_checks_the_shipped_rules():
    proc = subprocess.run([_tool("promtool"), "check", "rules", str(RULES)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS: 7 rules found" in proc.stdout


def test_promtool_runs_the_rule_unit_tests():
    proc = subprocess.run([_tool("promtool"), "test", "rules", RULE_TESTS.name],
                          cwd=RULE_TESTS.parent, capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


class Prometheus:
    """A prometheus server on a loopback port with a generated configuration."""

    def __init__(self, folder: Path, target_port: int) -> None:
        self.port = _free_port()
        folder.mkdir(parents=True, exist_ok=True)
        config = folder / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            f"rule_files:\n  - {RULES}\n"
            "scrape_configs:\n  - job_name: loganalyzer\n    static_configs:\n"
            f"      - targets: ['127.0.0.1:{target_port}']\n", encoding="utf-8")
        self.log = open(folder / "prometheus.log", "w", encoding="utf-8")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [_tool("prometheus"), f"--config.file={config}",
             f"--storage.tsdb.path={folder / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=folder)
        self.folder = folder

    def url(self, path: str, **query: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}" + (
            "?" + urllib.parse.urlencode(query) if query else "")

    def wait(self, check: Any, what: str, timeout: float = 60.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = check()
            except OSError:
                value = None
            if value:
                return value
            assert self.proc.poll() is None, (self.folder / "prometheus.log").read_text()
            time.sleep(0.25)
        raise AssertionError(f"timed out waiting for {what}; prometheus log:\n"
                             + (self.folder / "prometheus.log").read_text())

    def query(self, expr: str) -> list[dict[str, Any]]:
        return _get(self.url("/api/v1/query", query=expr))["data"]["result"]

    def alerts(self) -> list[dict[str, Any]]:
        return _get(self.url("/api/v1/alerts"))["data"]["alerts"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture
def prometheus_binary() -> Iterator[str]:
    yield _tool("prometheus")


def test_prometheus_scrapes_watch_and_fires_the_shipped_alerts(tmp_path: Path,
                                                              prometheus_binary: str):
    logs = two_migrations()
    root = tmp_path / "logs"
    pieces = 4
    write_piece(root, logs, 0, pieces)  # every host seen, the first migration in flight
    args = [str(root), "--start-at", "beginning", "--metrics-port", "0", "--poll", "0.2",
            "--settle", "1"]
    with WatchProcess(args, tmp_path / "watch") as watch:
        port = watch.port()
        server = Prometheus(tmp_path / "prometheus", port)
        try:
            server.wait(lambda: server.query('up{job="loganalyzer"} == 1'), "watch scraped")
            # the alert series exist at 0 before anything happened (a few scrapes of them)
            server.wait(lambda: len(server.query(
                'count_over_time(loganalyzer_migrations_total{host="compute-b",'
                'outcome="completed",ramp_verdict="mismatch"}[1m]) >= 3')) == 1,
                "three scrapes of the zeros")
            assert not [a for a in server.alerts()
                        if a["labels"]["alertname"] == "LoganalyzerRampMismatch"]
            for piece in range(1, pieces):
                write_piece(root, logs, piece, pieces)
            with open(log_path(root, "compute-a"), "a", encoding="utf-8") as fh:
                fh.write("2024-05-01 13:00:00.000 4242 INFO nova.virt.libvirt.migration [-] "
                         f"[instance: {VM1}] Increasing downtime to lots ms after soon sec "
                         "elapsed time\n")
            watch.wait_for(lambda: len(watch.migrations) == 2, "two migrations")

            def firing(name: str) -> list[dict[str, Any]]:
                return [a for a in server.alerts() if a["labels"]["alertname"] == name]

            mismatch = server.wait(lambda: firing("LoganalyzerRampMismatch"),
                                   "the ramp-mismatch alert")
            assert [a["labels"]["host"] for a in mismatch] == ["compute-b"]
            assert mismatch[0]["state"] in ("pending", "firing")
            unrecognized = server.wait(lambda: firing("LoganalyzerUnrecognizedLines"),
                                       "the unrecognized-lines alert")
            assert [a["labels"]["host"] for a in unrecognized] == ["compute-a"]
            assert not firing("LoganalyzerCompletionTimeoutWave")
            assert not firing("LoganalyzerGuestPauseAbove2s")  # both pauses were 0.2 s
            rules = _get(server.url("/api/v1/rules"))["data"]["groups"]
            assert {r["name"] for g in rules for r in g["rules"]} >= {
                "LoganalyzerRampMismatch", "LoganalyzerConfigDrift",
                "LoganalyzerCompletionTimeoutWave", "LoganalyzerGuestPauseAbove2s",
                "LoganalyzerUnrecognizedLines"}
            assert all(r["health"] == "ok" for g in rules for r in g["rules"])
        finally:
            server.stop()
        assert watch.stop() == 0

"""``loganalyzer watch`` as a real process: growing and rotating logs, its JSON lines against
``migrations --format json`` on the finished logs, /metrics over HTTP on 127.0.0.1, restarts
from the state file mid-migration, SIGTERM, bad input, the textfile collector."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from loganalyzer.watch.service import STATE_VERSION
from tests.conftest import REPO
from tests.scenarios import VM1, VM2
from tests.watch_helpers import (
    WatchProcess,
    key,
    log_path,
    migrations_json,
    parse_metrics,
    run_cli,
    sample,
    total,
    two_migrations,
    write_piece,
    write_whole,
)

SAMPLE = str(REPO / "sample_logs")
CONF = str(REPO / "sample_logs" / "nova.conf")
FAST = ["--poll", "0.1", "--settle", "1"]


LIBVIRT_CODES = {"step-not-applied", "step-applied-late", "pause-exceeds-limit",
                 "downtime-set-failed", "qemu-downtime-post-copy", "qemu-downtime-paused",
                 "dest-clock-behind"}


def without_libvirt(row: dict, measured: bool) -> dict:
    """The object without what only libvirt/QEMU logs give: the qemu fields, a QEMU-measured
    switchover, its findings (these tests follow nova's logs; watch's libvirt join is compared
    with migrations' in tests/test_watch_libvirt.py)."""
    out = {k: v for k, v in row.items() if not k.startswith("qemu") and k != "memory_history"}
    if "findings" in out:
        out["findings"] = [f for f in out["findings"] if f["code"] not in LIBVIRT_CODES]
    if measured:  # the offline row's pause came from QEMU's events
        out["switchover"] = "measured by QEMU (not compared)"
    return out


def same_as_migrations(watched: list[dict], offline: list[dict]) -> int:
    """Assert that watch reported every migration ``migrations`` finds, as the same object
    but for the one documented difference: a host pair's clock offset pools the migrations
    watch has seen so far (``migrations`` pools later ones too), so a pair's earlier
    migrations may differ in ``switchover`` and the clock-constraints finding, and only
    those. Returns how many objects are identical."""
    measured = {key(r) for r in offline
                if (r.get("switchover") or {}).get("evidence") == "qemu-events"}
    watched = [without_libvirt(o, key(o) in measured) for o in watched]
    offline = [without_libvirt(o, key(o) in measured) for o in offline]
    mine = {key(o): o for o in watched}
    assert len(mine) == len(watched) == len(offline)
    assert set(mine) == {key(r) for r in offline}
    exact = 0
    for row in offline:
        ours = mine[key(row)]
        if ours == row:
            exact += 1
            continue
        differing = {k for k in set(ours) | set(row) if ours.get(k) != row.get(k)}
        assert differing <= {"switchover", "findings"}, (key(row), differing)
        pair = {row["source_host"], row["dest_log_host"]}
        later = [r for r in offline if {r["source_host"], r["dest_log_host"]} == pair
                 and r["start"] > row["start"]]
        assert later, f"{key(row)} differs though no later migration shares its host pair"

        def codes(r: dict) -> list[str]:
            return sorted(f["code"] for f in r["findings"]
                          if f["code"] != "clock-constraints-inconsistent")

        assert codes(ours) == codes(row)
    return exact


def test_once_reports_what_migrations_reports_on_the_sample_logs():
    proc = run_cli("watch", SAMPLE, "--config", CONF, "--once", "--start-at", "beginning")
    assert proc.returncode == 0, proc.stderr
    objects = [json.loads(line) for line in proc.stdout.splitlines()]
    offline = migrations_json(SAMPLE, "--config", CONF)
    assert len(offline) == 7
    assert same_as_migrations([o for o in objects if "host_finding" not in o], offline) >= 6
    findings = [o["host_finding"] for o in objects if "host_finding" in o]
    # compute-4 runs a drifted configuration that changes at a restart (sample_logs README)
    assert {f["host"] for f in findings} == {"compute-4"}
    assert {f["code"] for f in findings} == {"running-config-differs", "running-config-changed"}
    changed = [f for f in findings if f["code"] == "running-config-changed"]
    assert changed and all(f["previous"] != f["value"] for f in changed)


def test_once_on_a_simulated_fleet_reports_what_migrations_reports(tmp_path: Path):
    """Six sosreport-like hosts, forty migrations back and forth: catching up on the
    files one after another still joins every destination as ``migrations`` does."""
    fleet = tmp_path / "fleet"
    made = run_cli("simulate", "--fleet", "6", "--migrations", "40", "--out", str(fleet),
                   "--seed", "3")
    assert made.returncode == 0, made.stderr
    proc = run_cli("watch", str(fleet), "--once", "--start-at", "beginning")
    assert proc.returncode == 0, proc.stderr
    watched = [json.loads(line) for line in proc.stdout.splitlines()]
    offline = migrations_json(str(fleet))
    assert len(offline) == 40
    assert same_as_migrations(watched, offline) >= 20


def test_once_on_the_real_logs_reports_what_migrations_reports(real_logs: Path,
                                                                tmp_path: Path):
    """Every era and layout of ../shared/real_logs, the os-log-merger set included (per-host
    logs beside a merge of them, the merge's hosts named by tags): the same objects, each
    migration once, under nova's host names."""
    folder = tmp_path / "real"
    shutil.copytree(real_logs, folder, ignore=shutil.ignore_patterns("libvirt"))
    proc = run_cli("watch", str(folder), "--once", "--start-at", "beginning")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    watched = [json.loads(line) for line in proc.stdout.splitlines()]
    offline = migrations_json(str(folder))
    assert offline
    assert same_as_migrations([o for o in watched if "host_finding" not in o], offline) == \
        len(offline)


def test_a_growing_and_rotating_log_is_reported_as_migrations_reports_it(tmp_path: Path):
    logs = two_migrations()
    root = tmp_path / "logs"
    for host in logs:
        (root / host).mkdir(parents=True)
    pieces = 10
    args = [str(root), "--start-at", "beginning", "--metrics-port", "0", *FAST]
    with WatchProcess(args, tmp_path) as watch:
        watch.port()
        for piece in range(pieces):
            write_piece(root, logs, piece, pieces)
            time.sleep(0.25)
            if piece == 3:  # logrotate without copytruncate: rename, new file
                os.rename(log_path(root, "compute-a"), root / "compute-a" /
                          "nova-compute.log.1")
            if piece == 6:  # copytruncate, the copy compressed at once
                live = log_path(root, "compute-b")
                shutil.copyfile(live, root / "compute-b" / "nova-compute.log.1")
                with open(live, "wb"):
                    pass
                with open(root / "compute-b" / "nova-compute.log.1", "rb") as src, \
                        gzip.open(root / "compute-b" / "nova-compute.log.1.gz", "wb") as dst:
                    shutil.copyfileobj(src, dst)
                os.remove(root / "compute-b" / "nova-compute.log.1")
        watch.wait_for(lambda: len(watch.migrations) == 2, "two migrations")
        metrics = watch.metrics()
        text = watch.metrics_text()
        assert watch.stop() == 0
    offline = migrations_json(str(write_whole(tmp_path / "whole", logs)))
    assert {key(r): r for r in watch.migrations} == {key(r): r for r in offline}
    assert "truncated" not in watch.stderr and "missed" not in watch.stderr

    assert sample(metrics, "loganalyzer_migrations_total", host="compute-a",
                  outcome="completed", ramp_verdict="match") == 1
    assert sample(metrics, "loganalyzer_migrations_total", host="compute-b",
                  outcome="completed", ramp_verdict="mismatch") == 1
    assert total(metrics, "loganalyzer_migrations_total") == 2
    assert sample(metrics, "loganalyzer_migration_duration_seconds_count",
                  host="compute-a", outcome="completed") == 1
    assert sample(metrics, "loganalyzer_migration_duration_seconds_sum",
                  host="compute-a", outcome="completed") == offline[0]["duration_s"]
    assert sample(metrics, "loganalyzer_migration_final_downtime_ms_count",
                  host="compute-b") == 1
    assert sample(metrics, "loganalyzer_guest_pause_seconds_count", host="compute-a",
                  evidence="lifecycle-events") == 1
    assert total(metrics, "loganalyzer_findings_total", host="compute-b",
                 code="step-value-mismatch") >= 1
    inferred = sample(metrics, "loganalyzer_running_config_info", host="compute-b",
                      option="live_migration_downtime", value="400", source="inferred")
    assert inferred == 1  # the ramp says the host runs 400 ms
    assert total(metrics, "loganalyzer_timeouts_total") == 0
    assert sample(metrics, "loganalyzer_files_watched") >= 3
    assert sample(metrics, "loganalyzer_migrations_in_flight") == 0
    assert (("process_cpu_seconds_total", frozenset()) in metrics
            or ("process_resident_memory_bytes", frozenset()) in metrics)
    assert VM1 not in text and VM2 not in text  # no instance uuids as labels


def test_a_restart_from_the_state_resumes_mid_migration(tmp_path: Path):
    logs = two_migrations()
    root = tmp_path / "logs"
    state = tmp_path / "state.json"
    args = [str(root), "--start-at", "beginning", "--state", str(state),
            "--metrics-port", "0", *FAST]
    pieces = 10
    for piece in range(4):  # VM1's migration is in flight
        write_piece(root, logs, piece, pieces)
    with WatchProcess(args, tmp_path) as first:
        first.wait_for(lambda: state.exists() and VM1 in json.loads(
            state.read_text())["holder"]["instances"], "VM1 held in the state file")
        assert first.stop() == 0  # SIGTERM: state saved, exit 0
    assert first.migrations == []
    saved = json.loads(state.read_text())
    assert VM1 in saved["holder"]["instances"]
    assert not list(tmp_path.glob(".state.json.*"))  # no temporary file left behind
    # while watch is down: more lines, a rotation whose old file gets compressed
    write_piece(root, logs, 4, pieces)
    write_piece(root, logs, 5, pieces)
    old = log_path(root, "compute-a")
    with open(old, "rb") as src, gzip.open(root / "compute-a" / "nova-compute.log.1.gz",
                                           "wb") as dst:
        shutil.copyfileobj(src, dst)
    os.remove(old)
    for piece in range(6, pieces):
        write_piece(root, logs, piece, pieces)
    with WatchProcess(args, tmp_path) as second:
        second.wait_for(lambda: len(second.migrations) == 2, "two migrations")
        time.sleep(0.5)  # nothing more comes
        metrics = second.metrics()
        assert second.stop() == 0
    assert "resumed from" in second.stderr
    offline = migrations_json(str(write_whole(tmp_path / "whole", logs)))
    reported = first.migrations + second.migrations
    assert len(reported) == 2  # nothing counted twice
    assert {key(r): r for r in reported} == {key(r): r for r in offline}  # nothing missed
    assert total(metrics, "loganalyzer_migrations_total") == 2


def test_bad_input_is_counted_and_logged_never_fatal(tmp_path: Path):
    logs = two_migrations()
    root = tmp_path / "logs"
    log = log_path(root, "compute-a")
    log.parent.mkdir(parents=True)
    log.write_bytes(b"")
    args = [str(root), "--start-at", "beginning", "--metrics-port", "0", *FAST]
    with WatchProcess(args, tmp_path) as watch:
        watch.port()
        with open(log, "ab") as fh:
            fh.write(b"\x00\x00\xff\xfe binary junk \x81\x82\n")
            fh.write(b"2024-05-01 11:00:00.000 4242 INFO nova.virt.libvirt.migration [-] "
                     b"[instance: " + VM1.encode() + b"] Increasing downtime to lots ms "
                     b"after soon sec elapsed time\n")
            fh.write(b"\xc3\x28 invalid utf-8 \xa0\xa1\n")
        watch.wait_for(lambda: "unrecognized line" in watch.stderr, "the unrecognized line")
        write_piece(root, logs, 0, 1)  # then the whole of both migrations
        watch.wait_for(lambda: len(watch.migrations) == 2, "the migrations after it")
        metrics = watch.metrics()
        assert watch.proc.poll() is None
        assert watch.stop() == 0
    assert f"{log}:2: unrecognized line" in watch.stderr
    assert sample(metrics, "loganalyzer_unrecognized_lines_total", host="compute-a") == 1
    assert sample(metrics, "loganalyzer_unrecognized_lines_total", host="compute-b") == 0
    assert "Traceback" not in watch.stderr
    assert {r["outcome"] for r in watch.migrations} == {"completed"}


def test_an_idle_migration_is_reported_as_it_stands(tmp_path: Path):
    logs = two_migrations()
    root = tmp_path / "logs"
    lines = logs["compute-a"].splitlines(keepends=True)
    log = log_path(root, "compute-a")
    log.parent.mkdir(parents=True)
    log.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    args = [str(root), "--start-at", "beginning", "--poll", "0.1", "--idle-timeout", "1.5"]
    with WatchProcess(args, tmp_path) as watch:
        row = watch.wait_for(lambda: watch.migrations, "the idle migration")[0]
        assert watch.stop() == 0
    assert row["outcome"] == "unknown"
    assert "log-ends-mid-migration" in [f["code"] for f in row["findings"]]
    offline = migrations_json(str(log))  # the log as it stood: the same object
    assert [row] == offline


def test_textfile_is_written_atomically_for_node_exporter(tmp_path: Path):
    folder = tmp_path / "textfile"
    folder.mkdir()
    proc = run_cli("watch", SAMPLE, "--config", CONF, "--once", "--start-at", "beginning",
                   "--textfile", str(folder), "--format", "table")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["loganalyzer.prom"]
    metrics = parse_metrics((folder / "loganalyzer.prom").read_text())
    assert total(metrics, "loganalyzer_migrations_total") == 7
    assert total(metrics, "loganalyzer_findings_total", host="compute-4",
                 code="running-config-changed") >= 1
    assert sample(metrics, "loganalyzer_running_config_info", host="compute-4",
                  option="live_migration_downtime", value="3000",
                  source="startup dump") == 1
    table = proc.stdout.splitlines()
    assert len([t for t in table if "  ramp " in t]) == 7
    assert any("running-config-changed" in t for t in table)


@pytest.mark.parametrize("args, message", [
    ([], "nothing to follow"),
    ([SAMPLE, "--format", "csv"], "--format csv"),
    ([SAMPLE, "--start-at", "middle"], "--start-at middle"),
    ([SAMPLE, "--idle-timeout", "0"], "--idle-timeout 0"),
    ([SAMPLE, "--unit", "nova-compute"], "--unit goes with --journal"),
    ([SAMPLE, "--textfile", "/nonexistent/folder"], "--textfile /nonexistent/folder"),
    ([SAMPLE, "--state", "/nonexistent/folder/state.json"],
     "--state /nonexistent/folder/state.json: its folder"),
    ([SAMPLE, "--state", str(REPO)], "a folder; give a file name"),
])
def test_bad_usage_is_one_line_and_exit_2(args, message):
    proc = run_cli("watch", *args)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_a_damaged_state_file_is_one_line_and_exit_2(tmp_path: Path):
    state = tmp_path / "state.json"
    state.write_text("{not json", encoding="utf-8")
    proc = run_cli("watch", SAMPLE, "--once", "--state", str(state))
    assert proc.returncode == 2
    assert f"--state {state}" in proc.stderr and "Traceback" not in proc.stderr


def test_once_with_nothing_it_could_open_exits_2_as_migrations_does(tmp_path: Path):
    """``--once`` checked nothing when no input it was given could be opened: exit 2 with
    one line naming them (after the warnings saying why); an input that opens (an empty
    folder) is exit 0; following live, a missing path stays a warning (it may appear)."""
    missing = str(tmp_path / "missing.log")
    proc = run_cli("watch", "--once", missing)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines()[-1] == f"loganalyzer: no input could be read: {missing}"
    assert "Traceback" not in proc.stderr
    if shutil.which("journalctl"):
        proc = run_cli("watch", "--once", "--journal-file", missing)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.splitlines()[-1] == \
            f"loganalyzer: no input could be read: the journal files {missing}"
    assert run_cli("watch", "--once", missing, str(tmp_path)).returncode == 0
    with WatchProcess([missing, "--poll", "0.1"], tmp_path / "live") as live:
        live.wait_for(lambda: f"{missing}: cannot read" in live.stderr, "the warning")
        assert live.proc.poll() is None  # still following
        assert live.stop() == 0


PROBE = """
import json, sys
from loganalyzer.cli import main
sys.argv = ["loganalyzer", *{args!r}]
try:
    main()
except SystemExit:
    pass
heavy = ("prometheus_client", "pandas", "pyarrow", "plotly", "pyparsing", "oslo_config")
print(json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["watch", "--help"], ["migrations", "--help"]])
def test_help_loads_neither_prometheus_client_nor_the_analysis(args):
    proc = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], cwd=REPO,
                          capture_output=True, text=True, check=False, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == []


def test_migrations_does_not_load_prometheus_client(tmp_path: Path):
    args = ["migrations", SAMPLE, "-q", "-f", "json", "-o", str(tmp_path / "out.json")]
    proc = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], cwd=REPO,
                          capture_output=True, text=True, check=False, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    loaded = json.loads(proc.stderr.strip().splitlines()[-1])
    assert "prometheus_client" not in loaded and "pyparsing" in loaded


def test_a_metrics_port_in_use_is_one_line_and_exit_2():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc = run_cli("watch", SAMPLE, "--once", "--metrics-port", str(port))
    assert proc.returncode == 2
    assert f"--metrics-port {port}: cannot listen on 127.0.0.1" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_reader_that_goes_away_stops_watch_cleanly(tmp_path: Path):
    """stdout closed by its reader (`watch … | head -1`): state saved, exit 0, no trace."""
    root = tmp_path / "logs"
    root.mkdir()
    state, errors = tmp_path / "state.json", tmp_path / "stderr.txt"
    with open(errors, "w", encoding="utf-8") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "loganalyzer", "watch", str(root), "--start-at",
             "beginning", "--state", str(state), *FAST], cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, stderr=err,
            stdin=subprocess.DEVNULL)
        try:
            assert proc.stdout is not None
            deadline = time.monotonic() + 30
            while "following" not in errors.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
            proc.stdout.close()
            write_whole(root, two_migrations())
            assert proc.wait(timeout=30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    said = errors.read_text()
    assert "state saved" in said and "Traceback" not in said and "Exception" not in said
    assert json.loads(state.read_text())["version"] == STATE_VERSION

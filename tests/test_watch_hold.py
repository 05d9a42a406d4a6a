"""Migrations held in flight (loganalyzer.watch.hold): the bound on held events, run folding
across chunk boundaries, the state round trip."""

from __future__ import annotations

import json
import os

import pytest

from loganalyzer.analysis.migrations import Options
from loganalyzer.watch.follow import Chunk, Tracked
from loganalyzer.watch.hold import Holder
from loganalyzer.watch.service import scan_chunk
from tests.scenarios import VM1
from tests.watch_helpers import migrations_json, two_migrations, write_whole


def chunks(text: str, host: str, pieces: int) -> list[Chunk]:
    tracked = Tracked(f"{host}.log", 1, hash(host) & 0xFFFF, host=host, host_source="--host")
    lines = text.splitlines(keepends=True)
    out, done = [], 0
    for piece in range(pieces):
        part = lines[len(lines) * piece // pieces: len(lines) * (piece + 1) // pieces]
        out.append(Chunk(tracked, "".join(part).encode(), done))
        done += len(part)
    return out


def feed(holder: Holder, chunk: Chunk) -> None:
    records, _, _ = scan_chunk(chunk)
    holder.feed(f"{chunk.tracked.ino}", records, now=0.0)


def test_the_bound_on_held_events_reports_the_oldest_as_it_stands():
    logs = two_migrations()
    holder = Holder(Options(), max_events=10)
    first_half = chunks(logs["compute-a"], "compute-a", 2)[0]
    feed(holder, first_half)
    assert holder.held > 10
    ready = holder.ready(now=1.0)
    assert ready.forced and "more than 10 events held" in ready.forced[0]
    assert [(r["instance"], r["outcome"]) for r in ready.rows] == [(VM1, "unknown")]
    assert holder.held == 0


def test_monitor_runs_cut_by_chunks_fold_as_one_pass_folds_them(tmp_path):
    """Many small chunks (a live file polled often) give the objects one pass gives, and
    hold no more events than one pass makes."""
    logs = two_migrations()
    one_pass = Holder(Options())
    many = Holder(Options())
    for host, text in logs.items():
        feed(one_pass, chunks(text, host, 1)[0])
        for chunk in chunks(text, host, 97):
            feed(many, chunk)
    assert many.held == one_pass.held
    rows = many.ready(now=0.0, final=True).rows
    assert [r["events"] for r in rows] == [r["events"] for r in
                                           one_pass.ready(now=0.0, final=True).rows]
    offline = migrations_json(str(write_whole(tmp_path, logs)))
    assert sorted(r["outcome"] for r in rows) == sorted(r["outcome"] for r in offline)
    for row, expected in zip(sorted(rows, key=lambda r: r["start"]),
                             sorted(offline, key=lambda r: r["start"]), strict=True):
        mine = {k: v for k, v in row.items() if not k.startswith("_")}
        assert json.loads(json.dumps(mine, default=str)) == expected


def test_the_state_round_trip_keeps_migrations_in_flight_and_open_runs():
    logs = two_migrations()
    holder = Holder(Options())
    parts = chunks(logs["compute-a"], "compute-a", 4)
    feed(holder, parts[0])
    feed(holder, parts[1])
    saved = json.loads(json.dumps(holder.to_json()))
    restored = Holder(Options())
    restored.restore(saved)
    assert restored.held == holder.held
    for target in (holder, restored):
        feed(target, parts[2])
        feed(target, parts[3])
    assert restored.held == holder.held
    a = holder.ready(now=0.0, final=True).rows
    b = restored.ready(now=0.0, final=True).rows
    strip = [{k: v for k, v in r.items() if not k.startswith("_")} for r in a]
    assert strip == [{k: v for k, v in r.items() if not k.startswith("_")} for r in b]


def test_a_line_after_the_migration_was_reported_is_counted_late_not_a_migration():
    logs = two_migrations()
    holder = Holder(Options(), settle_s=1.0)
    lines = logs["compute-a"].splitlines(keepends=True)
    feed(holder, chunks("".join(lines), "compute-a", 1)[0])
    rows = holder.ready(now=100.0).rows  # quiet for 100 s: settled
    assert [r["instance"] for r in rows] == [VM1]
    succeeded = [line for line in lines if "finished successfully" in line][-1]
    late = succeeded.replace("12:1", "12:2", 1)  # the same line, ten minutes later
    tracked = Tracked("compute-a.log", 1, 7, host="compute-a", host_source="--host")
    feed(holder, Chunk(tracked, late.encode(), len(lines)))
    assert holder.late == 1
    assert holder.ready(now=300.0, final=True).rows == []


def test_a_large_chunk_through_the_prefilter_tool_gives_what_python_gives(monkeypatch):
    from loganalyzer.watch import scanpool, service

    text = two_migrations()["compute-b"]
    data = (text * (service.TOOL_BYTES // len(text) + 2)).encode()
    chunk = Chunk(Tracked("compute-b.log", 1, 9, host="compute-b", host_source="--host"),
                  data, 1000)
    assert len(data) >= service.TOOL_BYTES
    from loganalyzer.logs.prefilter import tool

    if tool() is None:
        pytest.skip("neither rg nor grep is installed")
    assert scanpool.scan_large(data, scanpool.Origin("x", None, "unknown")) is not None
    with_tool = scan_chunk(chunk)
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
    assert scanpool.scan_large(data, scanpool.Origin("x", None, "unknown")) is None
    in_python = scan_chunk(chunk)
    assert with_tool[0] == in_python[0] and with_tool[1:] == in_python[1:]
    assert with_tool[0][0]["line"] > 1000


def test_large_chunks_scanned_in_the_pool_give_what_this_process_gives():
    """Catching up, a poll's large chunks are scanned by pool workers (watch/scanpool.py):
    the same events, warnings and unrecognized lines, in the order the chunks were read."""
    from loganalyzer.watch import scanpool

    chunks = []
    for number, (host, text) in enumerate(sorted(two_migrations().items())):
        data = (text * (scanpool.POOL_BYTES // len(text) + 2)).encode()
        tracked = Tracked(f"{host}.log", 1, number, host=host, host_source="--host")
        chunks.append(Chunk(tracked, data, 10 * number))
    chunks.append(Chunk(Tracked("small.log", 1, 9, host="x", host_source="--host"),
                        b"2024-05-01 12:00:00.000 1 INFO nova.compute.manager [-] hello\n", 0))
    scanner = scanpool.ChunkScanner(workers=2)
    try:
        pooled = list(scanner.scan(iter(chunks)))
        assert scanner.pool is not None  # the large chunks went to the pool
    finally:
        scanner.close()
    assert [chunk for chunk, _ in pooled] == chunks
    for chunk, result in pooled:
        assert scan_chunk(chunk, result) == scan_chunk(chunk)
    assert scanner.bytes == sum(len(c.data) for c in chunks)
    # a poll of small chunks only: no pool, and none kept
    assert [c for c, _ in scanner.scan(iter(chunks[-1:]))] == chunks[-1:]
    assert scanner.pool is None


def test_the_pool_has_as_many_workers_as_the_cgroup_quota_allows():
    from loganalyzer.watch.scanpool import ChunkScanner, cores, quota_cores

    assert quota_cores("max 100000\n") is None
    assert quota_cores("50000 100000\n") == 1  # systemd CPUQuota=50%: no pool
    assert quota_cores("200000 100000") == 2
    assert quota_cores("150000 100000") == 1
    assert 1 <= cores() <= (os.cpu_count() or 1)
    assert ChunkScanner().workers == cores()


def test_start_up_lines_that_prove_an_option_are_held_as_host_facts(tmp_path):
    """nova-compute's start-up line 'The live_migration_permit_post_copy is set to True and
    post copy live migration is available …' (no instance) proves the option for the host's
    later migrations: watch keeps it with the host's facts, so its objects say what
    ``migrations`` says (inferred post-copy, config-implied-by-behaviour)."""
    import subprocess
    import sys

    from tests.watch_helpers import child_env

    root = tmp_path / "logs"
    notice = ("The live_migration_permit_post_copy is set to True and post copy live "
              "migration is available so auto-converge will not be in use.")
    for host, text in two_migrations().items():
        first = text.splitlines()[0]
        path = root / host / "nova-compute.log"
        path.parent.mkdir(parents=True)
        path.write_text(f"{first[:17]}00.000 4242 INFO nova.virt.libvirt.driver [-] "
                        f"{notice}\n{text}")
    proc = subprocess.run([sys.executable, "-m", "loganalyzer", "watch", str(root), "--once",
                           "--start-at", "beginning"], env=child_env(), capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    watched = sorted((json.loads(line) for line in proc.stdout.splitlines()),
                     key=lambda r: r["start"])
    offline = migrations_json(str(root))
    assert all(r["inferred"].get("live_migration_permit_post_copy") is True for r in offline)
    assert watched == offline

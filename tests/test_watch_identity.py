"""``watch`` decides who a host is and which lines are the same line as ``migrations`` does:
per-host logs followed beside an os-log-merger merge of them (hosts named by tags) report
each migration once, under nova's host names, in the JSON lines and in the metrics."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.watch_helpers import (
    WatchProcess,
    key,
    migrations_json,
    parse_metrics,
    run_cli,
    total,
    two_migrations,
)

FAST = ["--poll", "0.1", "--settle", "1"]
TAGS = {"compute-a": "CA", "compute-b": "CB", "compute-c": "CC"}


def per_host_and_merged() -> dict[str, list[str]]:
    """Each host's log (a start-up dump line naming it ``<host>.example.org`` first) and an
    os-log-merger merge of their migration lines (``TIMESTAMP [TAG] …``, in time order;
    read first: its tags are known as aliases only once the hosts' own lines come), by
    path."""
    files: dict[str, list[str]] = {}
    merged: list[tuple[str, int, str]] = []
    for host, text in two_migrations().items():
        lines = text.splitlines(keepends=True)
        dump = (f"{lines[0][:17]}00.000 4242 DEBUG oslo_service.service [-] host"
                f"{' ' * 27}= {host}.example.org log_opt_values "
                "/usr/lib/python3/dist-packages/oslo_config/cfg.py:2609\n")
        lines = [dump, *lines]
        files[f"{host}/nova-compute.log"] = lines
        merged += [(line[:23], len(merged), f"{line[:23]} [{TAGS[host]}]{line[23:]}")
                   for line in lines[1:]]
    files["0-merged/mergedlogs-compute.log"] = [line for _, _, line in sorted(merged)]
    return files


def write_part(root: Path, files: dict[str, list[str]], piece: int, pieces: int) -> None:
    for name, lines in files.items():
        start, end = len(lines) * piece // pieces, len(lines) * (piece + 1) // pieces
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.writelines(lines[start:end])


def test_a_merge_beside_the_per_host_logs_reports_each_migration_once(tmp_path: Path):
    files = per_host_and_merged()
    root = tmp_path / "logs"
    pieces = 8
    with WatchProcess([str(root), "--start-at", "beginning", "--metrics-port", "0", *FAST],
                      tmp_path) as watch:
        watch.port()
        for piece in range(pieces):
            write_part(root, files, piece, pieces)
            time.sleep(0.25)
        watch.wait_for(lambda: len(watch.migrations) >= 2, "two migrations")
        time.sleep(1.5)  # nothing more comes: no second report from the merge's copies
        text = watch.metrics_text()
        assert watch.stop() == 0
    offline = migrations_json(str(root))
    assert len(offline) == 2
    assert {r["source_host"] for r in offline} == {"compute-a.example.org",
                                                   "compute-b.example.org"}
    assert len(watch.migrations) == 2
    assert {key(r): r for r in watch.migrations} == {key(r): r for r in offline}
    metrics = parse_metrics(text)
    hosts = {dict(labels).get("host") for _, labels in metrics} - {None}
    assert hosts <= {f"{h}.example.org" for h in TAGS}, hosts  # no tag, no path label
    assert total(metrics, "loganalyzer_migrations_total") == 2
    assert total(metrics, "loganalyzer_duplicate_lines_total") > 0


def test_once_on_a_merge_and_per_host_logs_reports_what_migrations_reports(tmp_path: Path):
    root = tmp_path / "logs"
    write_part(root, per_host_and_merged(), 0, 1)
    proc = run_cli("watch", str(root), "--once", "--start-at", "beginning")
    assert proc.returncode == 0, proc.stderr
    watched = [json.loads(line) for line in proc.stdout.splitlines()]
    offline = migrations_json(str(root))
    assert {key(r): r for r in watched} == {key(r): r for r in offline}
    assert len(watched) == 2


def test_what_identity_learned_survives_a_restart_from_the_state():
    """The labels, nova's names and the shared-line counts go to the state file: after a
    restart a tag seen before is still the host's alias, and a copy of a held line read
    after the restart is still one line."""
    from loganalyzer.analysis.migrations import Options
    from loganalyzer.watch.follow import Chunk, Tracked
    from loganalyzer.watch.hold import Holder
    from loganalyzer.watch.service import scan_chunk

    files = per_host_and_merged()
    holder = Holder(Options())

    def feed(into: Holder, name: str, start: int, end: int) -> None:
        lines = files[name][start:end]
        tracked = Tracked(name, 1, hash(name) & 0xFFFF, host=name.split("/")[0],
                          host_source="path")
        records, _, _ = scan_chunk(Chunk(tracked, "".join(lines).encode(), start))
        into.feed(name, records, now=0.0)

    merged = "0-merged/mergedlogs-compute.log"
    half = len(files[merged]) // 4
    feed(holder, merged, 0, half)
    for name in files:
        if name != merged:
            feed(holder, name, 0, len(files[name]) // 4)
    assert holder.identity.name("CA") == "compute-a.example.org"
    state = json.loads(json.dumps(holder.to_json(), default=str))
    again = Holder(Options())
    again.restore(state)
    assert again.identity.name("CA") == "compute-a.example.org"
    assert again.identity.aliases() == holder.identity.aliases()
    for name in files:  # the rest of every file, after the restart
        start = half if name == merged else len(files[name]) // 4
        feed(again, name, start, len(files[name]))
    rows = again.ready(now=1e9, final=True).rows
    assert sorted(r["source_host"] for r in rows) == ["compute-a.example.org",
                                                      "compute-b.example.org"]


def test_a_merge_read_after_a_restart_repeats_nothing(tmp_path: Path):
    """The per-host logs are reported, watch stops, a merge of them arrives, watch resumes
    from its state: its lines are copies of reported lines (the state keeps them by a hash
    every process computes alike), counted, never a migration again."""
    files = per_host_and_merged()
    merged = "0-merged/mergedlogs-compute.log"
    root = tmp_path / "logs"
    write_part(root, {n: lines for n, lines in files.items() if n != merged}, 0, 1)
    state = tmp_path / "state.json"
    args = [str(root), "--start-at", "beginning", "--state", str(state), "--metrics-port",
            "0", *FAST]
    with WatchProcess(args, tmp_path) as first:
        first.wait_for(lambda: len(first.migrations) == 2, "two migrations")
        assert first.stop() == 0
    write_part(root, {merged: files[merged]}, 0, 1)
    with WatchProcess(args, tmp_path) as second:
        second.wait_for(lambda: "resumed from" in second.stderr, "the resume")
        second.wait_for(lambda: total(parse_metrics(second.metrics_text()),
                                      "loganalyzer_duplicate_lines_total") > 0,
                        "the merge's lines counted as copies")
        time.sleep(2.5)  # past --settle: nothing is reported
        assert second.stop() == 0
    assert second.migrations == []
    assert {key(r): r for r in first.migrations} == {
        key(r): r for r in migrations_json(str(root))}


def test_a_copy_of_a_reported_line_counts_once_toward_one_host():
    """A line another label logged again after its migration was reported counts once in
    the shared-line tally that decides "these two labels are one host" (as ``migrations``
    counts it), not once when it is seen and once more as a copy of a reported line."""
    from loganalyzer.analysis.migrations import Options
    from loganalyzer.watch.follow import Chunk, Tracked
    from loganalyzer.watch.hold import Holder
    from loganalyzer.watch.service import scan_chunk

    text = two_migrations()["compute-a"]
    holder = Holder(Options())

    def feed(label: str) -> None:
        tracked = Tracked(f"{label}/nova-compute.log", 1, hash(label) & 0xFFFF, host=label,
                          host_source="path")
        records, _, _ = scan_chunk(Chunk(tracked, text.encode(), 0))
        holder.feed(tracked.path, records, now=0.0)

    feed("A")
    assert holder.ready(now=1e9, final=True).rows  # its migration reported
    feed("B")  # the same lines again, under another label
    pair = ("A", "B")
    assert holder.identity.shared[pair] > 0
    assert holder.identity.shared[pair] <= holder.identity.per_label["B"], \
        "one copied line counted more than once"

"""``loganalyzer watch`` following libvirt and QEMU logs beside nova's: simulated fleets (libvirt
at debug and at info) written progressively into the followed folders — libvirt's files one
step behind nova's, one rotated by rename, watch restarted from its state file halfway —
and watch's JSON lines against ``migrations --format json`` on the same files; the holder's
bounds, late records and state in process."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from loganalyzer.logs.libvirt.parse import Record
from loganalyzer.watch import libvirt_hold
from loganalyzer.watch.libvirt_hold import LibvirtHold
from loganalyzer.watch.service import Watch, WatchSettings
from tests.watch_helpers import (
    WatchProcess,
    key,
    migrations_json,
    run_cli,
    sample,
    total,
)

# (the simulated hosts log nothing between migrations: the settle time passes as wall time
# without a line about the guest; libvirt's pieces come one piece, 0.5 s, later)
FAST = ["--poll", "0.1", "--settle", "3"]
STAMP = re.compile(rb"(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)")
ZONE_NOTE = re.compile(r"(nova on \S+) (?:writes (UTC[+-]\d\d:\d\d)(?: \(from \d+ nova/QEMU "
                       r"line pairs?\))?|assumed to write UTC \(no nova/QEMU line pair to "
                       r"learn it from\))")


def simulated_fleet(root: Path, level: str, hosts: int, migrations: int, seed: int) -> Path:
    made = run_cli("simulate", "--fleet", str(hosts), "--migrations", str(migrations),
                   "--out", str(root), "--seed", str(seed), "--libvirt-log", level)
    assert made.returncode == 0, made.stderr
    return root


def timed_lines(path: Path) -> list[tuple[bytes, bytes]]:
    """Each line with the first date and time it holds (a line without one goes with the
    line before it): nova's, libvirt's, syslog's envelope holding nova's, journald's JSON."""
    out = []
    last = b""
    with open(path, "rb") as fh:
        for line in fh:
            found = STAMP.search(line, 0, 300)
            if found:
                last = found.group(1) + b" " + found.group(2)
            out.append((last, line))
    return out


def is_libvirt(relative: str) -> bool:
    return "/libvirt/" in relative


class ProgressiveCopy:
    """The fleet's files appended piece by piece in log time: nova's up to the piece's
    end, libvirt's and QEMU's ``LAG`` behind (their logs lag, less than ``--settle``);
    other files copied first."""

    LAG = timedelta(seconds=60)

    def __init__(self, source: Path, target: Path, pieces: int) -> None:
        self.source, self.target, self.pieces = source, target, pieces
        self.files: dict[str, list[tuple[bytes, bytes]]] = {}
        self.written: dict[str, int] = {}
        for path in sorted(source.rglob("*")):
            if not path.is_file():
                continue
            relative = str(path.relative_to(source))
            lines = timed_lines(path)
            if path.name == "hostname" or not any(stamp for stamp, _ in lines):
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target / relative)
                continue
            self.files[relative] = lines
            self.written[relative] = 0
        stamps = sorted(stamp for lines in self.files.values() for stamp, _ in lines if stamp)
        first, last = (datetime.fromisoformat(stamps[0].decode()),
                       datetime.fromisoformat(stamps[-1].decode()))
        span = (last - first) / pieces
        self.bounds = [first + span * (i + 1) for i in range(pieces)]

    def write(self, piece: int | None) -> None:
        """Piece ``piece`` (None: everything left)."""
        for relative, lines in self.files.items():
            done = self.written[relative]
            if piece is None:
                upto = len(lines)
            else:
                bound = self.bounds[piece] - (self.LAG if is_libvirt(relative) else
                                              timedelta(0))
                limit = bound.isoformat(sep=" ").encode()
                upto = next((i for i in range(done, len(lines)) if lines[i][0] >= limit),
                            len(lines))
            if upto <= done:
                continue
            path = self.target / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "ab") as fh:
                fh.writelines(line for _, line in lines[done:upto])
            self.written[relative] = upto


def normal(row: dict[str, Any]) -> dict[str, Any]:
    """The row with ``qemu.clocks``' time-zone notes reduced to the offset applied: how
    many nova/QEMU line pairs voted depends on the migrations analysed together (all of
    them for ``migrations``, the ones seen so far for ``watch``), and a host with no pair
    of its own in the migrations seen so far is 'assumed UTC' where ``migrations`` learnt
    UTC+00:00 from a later one — the same offset applied."""
    row = json.loads(json.dumps(row))
    qemu = row.get("qemu")
    if qemu:
        qemu["clocks"] = [ZONE_NOTE.sub(lambda m: f"{m[1]} at {m[2] or 'UTC+00:00'}", c)
                          for c in qemu["clocks"]]
    return row


def same_as_migrations(watched: list[dict[str, Any]], offline: list[dict[str, Any]]) -> int:
    """Every migration once, as ``migrations`` reports it, libvirt/QEMU fields included.
    The documented difference (README "Watching a fleet"): nova's lifecycle estimate pools a
    host pair's clock orderings over the migrations seen so far, so a pair's earlier
    migrations may differ in that estimate (``switchover.lifecycle_seconds`` beside a
    QEMU-measured pause, or the lifecycle switchover itself) and in the
    clock-constraints-inconsistent finding — never in what QEMU measured. Returns how
    many objects are identical."""
    mine = {key(o): normal(o) for o in watched}
    assert len(mine) == len(watched) == len(offline)
    assert set(mine) == {key(r) for r in offline}
    exact = 0
    for original in offline:
        row, ours = normal(original), mine[key(original)]
        if ours == row:
            exact += 1
            continue
        differing = {k for k in set(ours) | set(row) if ours.get(k) != row.get(k)}
        assert differing <= {"switchover", "findings"}, (key(row), differing)
        theirs_so, ours_so = row.get("switchover") or {}, ours.get("switchover") or {}
        if theirs_so.get("evidence") == "qemu-events":
            assert {k for k in set(ours_so) | set(theirs_so)
                    if ours_so.get(k) != theirs_so.get(k)} <= {"lifecycle_seconds"}, key(row)
        pair = {row["source_host"], row["dest_log_host"]}
        later = [r for r in offline if {r["source_host"], r["dest_log_host"]} == pair
                 and r["start"] > row["start"]]
        assert later, f"{key(row)} differs though no later migration shares its host pair"

        def codes(r: dict[str, Any]) -> list[str]:
            return sorted(f["code"] for f in r["findings"]
                          if f["code"] != "clock-constraints-inconsistent")

        assert codes(ours) == codes(row)
    return exact


def measured(rows: list[dict[str, Any]]) -> int:
    return sum(1 for r in rows if (r.get("switchover") or {}).get("evidence") == "qemu-events")


@pytest.mark.parametrize("level, hosts, migrations, seed", [("debug", 4, 10, 7),
                                                             ("info", 5, 16, 5)])
def test_libvirt_logs_written_progressively_join_as_migrations_joins_them(
        tmp_path: Path, level: str, hosts: int, migrations: int, seed: int):
    fleet = simulated_fleet(tmp_path / "fleet", level, hosts, migrations, seed)
    offline = migrations_json(str(fleet))
    assert len(offline) == migrations
    assert measured(offline) >= migrations // 2  # the test is about QEMU's evidence
    root = tmp_path / "followed"
    root.mkdir()
    pieces = 8
    copy = ProgressiveCopy(fleet, root, pieces)
    state = tmp_path / "state.json"
    args = [str(root), "--start-at", "beginning", "--state", str(state),
            "--metrics-port", "0", *FAST]
    daemons = sorted(p for p in copy.files if re.search(r"/(libvirtd|virtqemud)\.log$", p))
    rotated = daemons[0]
    watched: list[dict[str, Any]] = []
    with WatchProcess(args, tmp_path) as first:
        first.port()
        for piece in range(pieces // 2):
            copy.write(piece)
            time.sleep(0.5)
            if piece == 2:  # logrotate without copytruncate: rename, a new file follows
                os.rename(root / rotated, root / (rotated + ".1"))
        time.sleep(4)
        assert first.stop() == 0
        watched += first.migrations
    assert watched, "no migration reported before the restart"
    with WatchProcess(args, tmp_path) as second:
        second.port()
        for piece in range(pieces // 2, pieces):
            copy.write(piece)
            time.sleep(0.5)
        time.sleep(4)
        metrics = second.metrics()
        assert second.stop() == 0
        watched += second.migrations
        stderr = first.stderr + second.stderr
    # the rest written, then a last run to the end of the inputs (--once: what is still in
    # flight is reported as the logs stand)
    copy.write(None)
    last = run_cli("watch", str(root), "--state", str(state), "--once")
    assert last.returncode == 0, last.stderr
    watched += [json.loads(line) for line in last.stdout.splitlines()]
    stderr += last.stderr
    assert "Traceback" not in stderr and "missed" not in stderr, stderr
    assert measured(watched) == measured(offline)
    assert same_as_migrations(watched, offline) >= migrations // 3
    assert total(metrics, "loganalyzer_guest_pause_seconds_count", evidence="qemu-events") \
        == measured(second.migrations)
    assert sample(metrics, "loganalyzer_libvirt_late_records_total") == 0
    assert total(metrics, "loganalyzer_libvirt_records_dropped_total") > 0  # noise counted


def test_once_on_the_sample_logs_joins_libvirt_as_migrations_does():
    from tests.conftest import REPO

    sample_logs = str(REPO / "sample_logs")
    conf = str(REPO / "sample_logs" / "nova.conf")
    proc = run_cli("watch", sample_logs, "--config", conf, "--once", "--start-at",
                   "beginning")
    assert proc.returncode == 0, proc.stderr
    watched = [json.loads(line) for line in proc.stdout.splitlines()
               if "host_finding" not in line]
    offline = migrations_json(sample_logs, "--config", conf)
    assert measured(offline) >= 2
    assert measured(watched) == measured(offline)
    assert same_as_migrations(watched, offline) >= 6


# --- the holder, in process -------------------------------------------------------------------

def _lines(*texts: str) -> bytes:
    return "".join(t + "\n" for t in texts).encode()


T = "2026-11-02 10:00:{:02d}.000+0000: 2381: info : qemuMonitorJSONIOProcessLine:235 : "
MON = "mon=0x7f00000001"


def _event(second: int, name: str, status: str | None = None, hour: int = 10) -> str:
    data = f', "data": {{"status": "{status}"}}' if status else ""
    stamp = int(datetime(2026, 11, 2, hour, 0, second, tzinfo=UTC).timestamp())
    return (T.format(second).replace(" 10:", f" {hour}:") +
            f'QEMU_MONITOR_RECV_EVENT: {MON} event={{"timestamp": '
            f'{{"seconds": {stamp}, "microseconds": 0}}, "event": "{name}"{data}}}')


def _send(second: int, body: str) -> str:
    return T.format(second).replace("qemuMonitorJSONIOProcessLine:235", "qemuMonitorSend:995") \
        + f"QEMU_MONITOR_SEND_MSG: {MON} msg={body}"


def _reply(second: int, body: str) -> str:
    return T.format(second) + f"QEMU_MONITOR_RECV_REPLY: {MON} reply={body}"


JOB = [
    _send(1, '{"execute":"query-migrate-parameters","id":"libvirt-1"}'),
    _reply(1, '{"return": {"downtime-limit": 300}, "id": "libvirt-1"}'),
    _send(2, '{"execute":"migrate","arguments":{"uri":"tcp:b:49152"},"id":"libvirt-2"}'),
    _reply(2, '{"return": {}, "id": "libvirt-2"}'),
    _event(2, "MIGRATION", "setup"),
    _send(3, '{"execute":"query-status","id":"libvirt-3"}'),
    _reply(3, '{"return": {"status": "running", "running": true}, "id": "libvirt-3"}'),
    _event(3, "MIGRATION_PASS"),
    _send(4, '{"execute":"migrate-set-parameters","arguments":{"downtime-limit":50},'
             '"id":"libvirt-4"}'),
    _reply(4, '{"return": {}, "id": "libvirt-4"}'),
    _send(5, '{"execute":"query-migrate","id":"libvirt-5"}'),
    _reply(5, '{"return": {"status": "active", "expected-downtime": 90, "ram": '
              '{"remaining": 100}}, "id": "libvirt-5"}'),
    _event(6, "STOP"),
    _event(7, "MIGRATION", "completed"),
    _send(7, '{"execute":"query-migrate","id":"libvirt-6"}'),
    _reply(7, '{"return": {"status": "completed", "downtime": 120, "total-time": 6000},'
              ' "id": "libvirt-6"}'),
]


def test_the_holder_keeps_what_the_join_reads_and_counts_the_rest():
    from loganalyzer.analysis.qemu_sessions import group
    from loganalyzer.logs.libvirt.parse import parse_stream

    data = _lines(*JOB)
    whole = group(parse_stream([data], "libvirtd.log", "cmp-1", "path").records)
    hold = LibvirtHold()
    lines = data.splitlines(keepends=True)
    for start in range(0, len(lines), 3):  # chunk boundaries anywhere
        hold.feed("s", "libvirtd.log", "cmp-1", "path", None, "libvirt",
                  b"".join(lines[start:start + 3]), start)
    held = hold.records_for({"cmp-1.example.org"})
    assert [r.kind for r in held].count("qmp_event") == 3  # not MIGRATION_PASS
    assert not any("query-status" in json.dumps(r.qmp) for r in held)
    # query-status and its reply, MIGRATION_PASS, the empty reply to migrate, and the
    # query-migrate(-parameters) commands (their replies are read the same without them)
    assert hold.dropped["QMP traffic the join does not read"] == 7
    again = group(held)
    assert len(whole) == len(again) == 1
    for name in ("side", "stop", "completed", "downtime_ms", "baseline_limit_ms", "total_ms"):
        assert getattr(again[0], name) == getattr(whole[0], name), name
    assert [(c.downtime_ms, c.ok) for c in again[0].limits] == [(50, True)]
    assert len(again[0].active) == 1
    assert [r.line for r in held] == sorted(r.line for r in held)


def test_records_of_a_reported_job_are_released_and_later_ones_counted_late():
    from loganalyzer.analysis.qemu_sessions import group

    hold = LibvirtHold()
    hold.feed("s", "libvirtd.log", "cmp-1", "path", None, "libvirt", _lines(*JOB[:-2]), 0)
    item = group(hold.records_for({"cmp-1"}))[0]
    hold.claim({"_qemu_joined": (item, None, {"cmp-1": (0, 3)})})
    assert hold.records_for({"cmp-1"}) == []  # the job's records let go
    hold.feed("s", "libvirtd.log", "cmp-1", "path", None, "libvirt", _lines(*JOB[-2:]),
              len(JOB) - 2)
    assert hold.late == 1  # the final query-migrate's reply came after the report
    assert hold.offsets == {"cmp-1": (0, 3)}
    later = _event(40, "MIGRATION", "setup", hour=11)
    hold.feed("s", "libvirtd.log", "cmp-1", "path", None, "libvirt", _lines(later), 99)
    assert hold.late == 1  # a later job on the same monitor is not late
    assert len(hold.records_for({"cmp-1"})) == 1


def test_the_holder_is_bounded_and_says_what_it_let_go(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(libvirt_hold, "MAX_RECORDS", 5)
    hold = LibvirtHold(keep_s=3600)
    hold.feed("s", "libvirtd.log", "cmp-1", "path", None, "libvirt", _lines(*JOB), 0)
    assert sum(len(v) for v in hold.held.values()) == 5
    assert hold.dropped["over the bound"] > 0
    # the holding time: a record an hour older than the host's newest goes, unless a
    # migration not reported yet began before it
    hold = LibvirtHold(keep_s=60)
    hold.feed("s", "libvirtd.log", "cmp-1", "path", None, "libvirt", _lines(*JOB), 0)
    late = _event(30, "MIGRATION", "setup", hour=11)
    hold.feed("s", "libvirtd.log", "cmp-1", "path", None, "libvirt", _lines(late), 99)
    kept = len(hold.records_for({"cmp-1"}))
    hold.evict(in_flight=datetime(2026, 11, 2, 9, 59))  # nova's clock, zone unknown: ±14 h
    assert len(hold.records_for({"cmp-1"})) == kept
    hold.offsets = {"cmp-1": (0, 3)}
    hold.evict(in_flight=datetime(2026, 11, 2, 10, 59))
    assert len(hold.records_for({"cmp-1"})) == 1
    assert hold.dropped["older than the holding time"] == kept - 1


def test_the_state_keeps_the_held_records(tmp_path: Path):
    hold = LibvirtHold()
    hold.feed("s", "libvirtd.log", "cmp-1", "path", None, "libvirt", _lines(*JOB[:8]), 0)
    saved = json.loads(json.dumps(hold.to_json()))
    again = LibvirtHold()
    again.restore(saved)
    for restored in (hold, again):
        restored.feed("s", "libvirtd.log", "cmp-1", "path", None, "libvirt",
                      _lines(*JOB[8:]), 8)
    assert [vars(r) for r in again.records_for({"cmp-1"})] == \
        [vars(r) for r in hold.records_for({"cmp-1"})]
    assert isinstance(again.records_for({"cmp-1"})[0], Record)


def test_a_libvirt_line_that_matches_no_form_is_counted_never_fatal(tmp_path: Path):
    folder = tmp_path / "cmp-1" / "libvirt"
    folder.mkdir(parents=True)
    broken = T.format(9) + f"QEMU_MONITOR_RECV_REPLY: {MON} reply={{\"return\": {{\"stat"
    (folder / "libvirtd.log").write_bytes(_lines(*JOB[:4], broken, *JOB[4:]))
    err = io.StringIO()
    watch = Watch(WatchSettings([str(tmp_path)], start_at="beginning", once=True,
                                metrics_port=None), out=io.StringIO(), err=err)
    assert watch.run() == 0
    assert "libvirtd.log:5: unrecognized line (QMP JSON cut off or invalid)" in err.getvalue()
    assert watch.libvirt.read == len(JOB)
    assert watch.follower.watched == 1


def test_the_real_libvirt_excerpts_give_watch_what_they_give_migrations(real_logs: Path,
                                                                         tmp_path: Path):
    """../shared/real_logs/libvirt, each excerpt as one host's log (no excerpt pairs with a
    nova log of the same migration: INDEX.md): every record read is held, pending or
    counted; the unrecognized lines are the ones ``migrations`` lists; the QEMU jobs the
    held records make are the ones all records make."""
    from loganalyzer.analysis.qemu_sessions import group
    from loganalyzer.logs.ingest.discover import plan_inputs
    from loganalyzer.logs.libvirt.read import read_plan

    for excerpt in sorted((real_logs / "libvirt").iterdir()):  # each from another machine
        folder = tmp_path / "real" / f"host-{excerpt.name[:2]}" / "libvirt"
        folder.mkdir(parents=True)
        shutil.copyfile(excerpt, folder / excerpt.name)
    err = io.StringIO()
    watch = Watch(WatchSettings([str(tmp_path / "real")], start_at="beginning", once=True),
                  out=io.StringIO(), err=err)
    assert watch.run() == 0
    hold = watch.libvirt
    assert "could not be read" not in err.getvalue()
    assert hold.read == hold.count + hold.pending + sum(hold.dropped.values()) + hold.late \
        + hold.released
    offline = read_plan(plan_inputs([str(tmp_path / "real")], {}))
    assert hold.read >= len(offline.records) > 0
    warned = re.findall(r"warning: (\S+?):(\d+): unrecognized line", err.getvalue())
    assert sorted((os.path.basename(f), int(n)) for f, n in warned) == sorted(
        (os.path.basename(str(u["file"])), int(str(u["line"]))) for u in offline.unrecognized)

    def jobs(records: list[Record]) -> list[tuple[Any, ...]]:
        return sorted((str(q.host), q.side, str(q.stop), str(q.resume), str(q.completed),
                       q.downtime_ms, q.total_ms, q.baseline_limit_ms, len(q.limits),
                       len(q.active)) for q in group(records))

    hosts = {r.host for r in offline.records}
    expected = jobs([r for r in offline.records if r.host])
    assert len(expected) >= 3
    assert jobs(hold.records_for(hosts)) == expected


LIBVIRT_PREFIX = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\+0000: \d+: \w+ : "
                            r"[\w.]+:\d+ : (.*)$")
NOVA_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) ")


def _entries(fleet: Path, host: str) -> list[tuple[int, str, str]]:
    """(µs, identifier, message) of one host's nova and libvirt lines, as journald holds
    them (libvirt's journal rendering has no tid/level/function prefix; the raw ``\\r\\n``
    continuation lines are not records)."""
    out = []
    root = fleet / f"sosreport-{host}" / "var" / "log"
    for line in (root / "nova" / "nova-compute.log").read_text().splitlines():
        found = NOVA_TIME.match(line)
        if found:  # (a traceback's lines follow their record: not in this scenario)
            out.append((_micros(found[1]), "nova-compute", line))
    for line in (root / "libvirt" / "libvirtd.log").read_text().splitlines():
        found = LIBVIRT_PREFIX.match(line)
        if found:
            out.append((_micros(found[1]), "virtqemud", found[2]))
    return sorted(out, key=lambda e: e[0])


def _micros(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1_000_000)


def _write_journal(path: Path, entries: list[tuple[int, str, str]], host: str) -> None:
    from tests.test_journal import MACHINE, REMOTE

    assert REMOTE is not None
    export = path.parent / "export.txt"
    with open(export, "w", encoding="utf-8") as fh:
        for n, (stamp, ident, message) in enumerate(entries):
            fields = {"__REALTIME_TIMESTAMP": stamp, "__MONOTONIC_TIMESTAMP": 1_000_000 + n,
                      "_BOOT_ID": MACHINE, "_MACHINE_ID": MACHINE, "_HOSTNAME": host,
                      "SYSLOG_IDENTIFIER": ident, "_SYSTEMD_UNIT": f"{ident}.service",
                      "PRIORITY": 6, "MESSAGE": message}
            fh.write("".join(f"{k}={v}\n" for k, v in fields.items()) + "\n")
    subprocess.run([REMOTE, "-o", str(path), str(export)], check=True, capture_output=True)
    export.unlink()


def test_the_journal_gives_watch_libvirts_records_too(tmp_path: Path):
    """A log server's journals (systemd-journal-remote, one per host) holding nova-compute's
    and virtqemud's records: ``watch --journal-file`` joins QEMU's evidence as
    ``migrations`` does on the same journal files."""
    from tests.test_journal import needs_tools

    if needs_tools.args[0]:
        pytest.skip(needs_tools.kwargs["reason"])
    fleet = tmp_path / "fleet"
    made = run_cli("simulate", "--fleet", "2", "--migrations", "4", "--out", str(fleet),
                   "--seed", "2", "--libvirt-log", "info", "--layout", "plain")
    assert made.returncode == 0, made.stderr
    folder = tmp_path / "remote"
    folder.mkdir()
    files = []
    for host in ("cmp-001", "cmp-002"):
        # (named as journald names its files: `migrations` reads libvirt's records from
        # files its discovery takes for journals; systemd-journal-remote's default
        # remote-HOST.journal is sniffed for nova's lines only)
        path = folder / host / "system.journal"
        path.parent.mkdir()
        _write_journal(path, _entries(fleet, host), host)
        files.append(str(path))
    offline = migrations_json(*files)
    assert len(offline) == 4 and measured(offline) == 4
    args = ["watch", "--once"]
    for path in files:
        args += ["--journal-file", path]
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    watched = [json.loads(line) for line in proc.stdout.splitlines()]
    assert measured(watched) == 4
    # one host pair: its first three migrations' lifecycle estimates pool fewer migrations
    assert same_as_migrations(watched, offline) >= 1


def test_a_libvirt_log_with_a_backlog_is_waited_for(monkeypatch: pytest.MonkeyPatch):
    """Catching up, a libvirt debug log (MBs) takes more polls than nova's log: a
    migration settled in nova's log time waits while a followed libvirt log still has lines
    to read (without that, the sample's first QEMU-measured pauses came out as estimates)."""
    from loganalyzer.watch import follow
    from tests.conftest import REPO

    monkeypatch.setattr(follow, "READ_LIMIT", 8192)  # bytes read per file per poll
    sample_logs = str(REPO / "sample_logs")
    watch = Watch(WatchSettings([sample_logs], start_at="beginning", settle_s=1, poll_s=0),
                  out=io.StringIO(), err=io.StringIO())
    polls = 0
    while watch.cycle():
        polls += 1
    assert polls > 100  # the libvirt logs took many polls
    watch.cycle(final=True)
    watched = [json.loads(line) for line in watch.out.getvalue().splitlines()
               if "host_finding" not in line]
    offline = migrations_json(sample_logs)
    assert measured(watched) == measured(offline) >= 2
    assert same_as_migrations(watched, offline) >= 5


def test_libvirt_records_in_a_followed_journal_export_join_too(tmp_path: Path):
    """A sosreport whose virtqemud records are in ``journalctl --output json`` exports (no
    libvirtd.log): followed and joined as ``migrations`` reads them."""
    fleet = tmp_path / "fleet"
    made = run_cli("simulate", "--fleet", "2", "--migrations", "4", "--out", str(fleet),
                   "--seed", "2", "--libvirt-log", "info", "--layout", "plain")
    assert made.returncode == 0, made.stderr
    for host in ("cmp-001", "cmp-002"):
        root = fleet / f"sosreport-{host}"
        export = root / "sos_commands" / "logs" / \
            "journalctl_--no-pager_--output_json_--unit_virtqemud"
        export.parent.mkdir(parents=True)
        with open(export, "w", encoding="utf-8") as fh:
            for stamp, ident, message in _entries(fleet, host):
                if ident == "virtqemud":
                    fh.write(json.dumps({"__REALTIME_TIMESTAMP": str(stamp),
                                         "_HOSTNAME": host, "SYSLOG_IDENTIFIER": ident,
                                         "MESSAGE": message}) + "\n")
        shutil.rmtree(root / "var" / "log" / "libvirt")
    offline = migrations_json(str(fleet))
    assert len(offline) == 4 and measured(offline) == 4
    proc = run_cli("watch", str(fleet), "--once", "--start-at", "beginning")
    assert proc.returncode == 0, proc.stderr
    watched = [json.loads(line) for line in proc.stdout.splitlines()]
    assert measured(watched) == 4
    assert same_as_migrations(watched, offline) >= 1


def test_a_record_of_a_reported_job_is_counted_late(tmp_path: Path):
    """libvirt's final query-migrate reply written after watch reported its migration (past
    the settle time): counted in loganalyzer_libvirt_late_records_total, not used, and the
    report stands (the pause measured from STOP and RESUME, without QEMU's own figure)."""
    from prometheus_client import generate_latest

    fleet = simulated_fleet(tmp_path / "fleet", "info", 2, 4, 2)
    libvirt = next(fleet.glob("sosreport-*/var/log/libvirt/libvirtd.log"))
    lines = libvirt.read_bytes().splitlines(keepends=True)
    final = next(i for i, line in enumerate(lines)
                 if b'reply={"return": {"status": "completed"' in line)
    libvirt.write_bytes(b"".join(lines[:final]))
    watch = Watch(WatchSettings([str(fleet)], start_at="beginning", poll_s=0,
                                textfile=str(tmp_path)), out=io.StringIO(), err=io.StringIO())
    while watch.cycle():
        pass
    watch.cycle(final=True)  # everything reported as the logs stand
    first = [json.loads(line) for line in watch.out.getvalue().splitlines()]
    assert len(first) == 4 and watch.libvirt.late == 0
    with open(libvirt, "ab") as fh:
        fh.writelines(lines[final:])
    watch.cycle()
    assert watch.libvirt.late >= 1
    text = generate_latest(watch.metrics.registry).decode()
    assert f"loganalyzer_libvirt_late_records_total {float(watch.libvirt.late)}" in text
    assert watch.out.getvalue().count("\n") == 4  # nothing reported twice
    early = [r for r in first if r["qemu_downtime_ms"] is None and
             (r.get("switchover") or {}).get("evidence") == "qemu-events"]
    assert early  # the migration whose final reply came late: measured, QEMU's figure absent


def test_libvirt_records_in_a_followed_syslog_file_join_in_its_learnt_clock(tmp_path: Path):
    """virtqemud's records in /var/log/messages written in local time (UTC+02:00, no year):
    the clock learnt from QEMU's event stamps as ``migrations`` learns it."""
    fleet = tmp_path / "fleet"
    made = run_cli("simulate", "--fleet", "2", "--migrations", "4", "--out", str(fleet),
                   "--seed", "2", "--libvirt-log", "info", "--layout", "plain")
    assert made.returncode == 0, made.stderr
    for host in ("cmp-001", "cmp-002"):
        root = fleet / f"sosreport-{host}"
        with open(root / "var" / "log" / "messages", "w", encoding="utf-8") as fh:
            for stamp, ident, message in _entries(fleet, host):
                if ident == "virtqemud":
                    local = datetime.fromtimestamp(stamp / 1e6, UTC) + timedelta(hours=2)
                    fh.write(f"{local:%b} {local.day:2d} {local:%H:%M:%S} {host} "
                             f"virtqemud[2381]: {message}\n")
        shutil.rmtree(root / "var" / "log" / "libvirt")
    offline = migrations_json(str(fleet))
    assert len(offline) == 4 and measured(offline) == 4
    proc = run_cli("watch", str(fleet), "--once", "--start-at", "beginning")
    assert proc.returncode == 0, proc.stderr
    watched = [json.loads(line) for line in proc.stdout.splitlines()]
    assert measured(watched) == 4
    assert same_as_migrations(watched, offline) >= 1


def test_the_eviction_floor_is_the_oldest_held_nova_line_not_the_first_held(tmp_path: Path):
    """Held nova lines are in reading order: a destination's log read after the source's
    holds older lines of the same guest. The QEMU records that guest's migration may still
    need (as old as its oldest held nova line) are not let go."""
    from loganalyzer.watch.hold import Record as Event

    watch = Watch(WatchSettings([str(tmp_path)]), out=io.StringIO(), err=io.StringIO())
    day = datetime(2026, 11, 2)
    watch.holder.instances["u"] = [Event(timestamp=day + timedelta(hours=12)),  # read first
                                   Event(timestamp=day + timedelta(hours=10))]  # read later
    hold = watch.libvirt
    hold.offsets["cmp-1"] = (0, 3)  # nova's clock is UTC there (learnt)
    needed = Record("qemu_cmdline", "libvirtd.log", 1, "cmp-1", "path",
                    (day + timedelta(hours=10, minutes=5)).replace(tzinfo=UTC), "libvirt-utc")
    later = Record("qemu_cmdline", "libvirtd.log", 2, "cmp-1", "path",
                   (day + timedelta(hours=12, minutes=30)).replace(tzinfo=UTC), "libvirt-utc")
    for seq, record in enumerate((needed, later), 1):
        hold.newest["cmp-1"] = record.time
        hold._hold("cmp-1", seq, record)
    watch._evict_libvirt()
    assert hold.held_count == 2, hold.dropped
    del watch.holder.instances["u"]
    watch._evicted_at = 0.0
    watch._evict_libvirt()  # nothing in flight: only the holding time (1 h) keeps records
    assert hold.held_count == 1


def _rotation(hour: int, mon: str, finished: bool) -> bytes:
    """One day's libvirtd.log of a QEMU process (monitor ``mon``) that ran one migration
    job at ``hour`` (finished, or still open when the file was rotated)."""
    naming = (T.format(0).replace("qemuMonitorJSONIOProcessLine:235",
                                  "qemuDomainObjEnterMonitorInternal:5934") +
              f"Entering monitor ({MON} vm=0x7f91d40000010 name=instance-{hour:08x})")
    lines = [naming, *(JOB if finished else JOB[:12])]
    return _lines(*(line.replace(" 10:00:", f" {hour}:00:").replace(MON, f"mon={mon}")
                    .replace(str(int(datetime(2026, 11, 2, 10, tzinfo=UTC).timestamp())),
                             str(int(datetime(2026, 11, 2, hour, tzinfo=UTC).timestamp())))
                    for line in lines))


def test_the_per_file_and_per_monitor_tables_stay_bounded():
    """A months-long watch sees a new file at every rotation and a new QEMU monitor at
    every guest start: the parser state of files no longer followed (or silent for the
    holding time) and the tables of monitors with nothing held and older than the holding
    time are let go, so they stay bounded however many come; syslog records still waiting
    for their file's clock go with their file, counted."""
    from loganalyzer.analysis.qemu_sessions import group

    hold = LibvirtHold(keep_s=7200)
    sizes = []
    for hour in range(10, 24):
        stream, mon = f"rotation-{hour}", f"0x7f{hour:010x}"
        hold.feed(stream, "libvirtd.log", "cmp-1", "path", None, "libvirt",
                  _rotation(hour, mon, finished=hour < 23), 0, now=hour * 3600.0)
        items = group(hold.records_for({"cmp-1"}))
        for item in items:
            if item.mon == mon and item.completed:
                hold.claim({"_qemu_joined": (item, None, {"cmp-1": (0, 3)})})
        hold.evict(None, live={stream}, now=hour * 3600.0)
        sizes.append((len(hold.streams), len(hold.runs), len(hold.named),
                      len(hold.open_jobs), len(hold.claims)))
    assert hold.runs and hold.named and hold.claims and hold.open_jobs  # the newest kept
    assert all(max(size) <= 3 for size in sizes), sizes  # 14 of each without pruning
    assert set(hold.streams) == {"rotation-23"}
    # a file silent for the holding time goes too, and with it its waiting syslog records
    hold.streams["rotation-23"].unplaced.extend(hold.records_for({"cmp-1"})[:3])
    hold.evict(None, now=23 * 3600.0 + 7201)
    assert hold.streams == {}
    assert hold.dropped["syslog time never placed (file no longer followed)"] == 3

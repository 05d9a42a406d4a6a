"""Reading libvirt and QEMU logs: the real excerpts of ../shared/real_logs/libvirt as oracles
(skipped when absent), journald renderings, and discovery in deployment layouts."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.analysis.qemu_sessions import completed_downtime_ms, group
from loganalyzer.logs.libvirt.parse import parse_line, parse_stream
from loganalyzer.logs.libvirt.read import host_from_libvirt_path
from loganalyzer.logs.read import collect


def parse(path: Path):
    return parse_stream([path.read_bytes()], str(path), None, "unknown")


def qmp(records, kind):
    return [r.qmp for r in records if r.qmp_type == kind]


@pytest.fixture
def excerpts(real_logs: Path) -> Path:
    return real_logs / "libvirt"


def test_every_line_parses_or_is_deliberately_ignored(excerpts):
    for path in sorted(excerpts.iterdir()):
        if path.name == "INDEX.md":
            continue
        result = parse(path)
        assert result.unrecognized == [], path.name
        text = path.read_bytes()
        assert result.lines == text.count(b"\n") + (0 if text.endswith(b"\n") else 1)
        assert len(result.records) + sum(result.ignored.values()) == result.lines, path.name


def test_libvirt6_info_probes(excerpts):
    result = parse(excerpts / "01-libvirt6.0-debuglog-save-qmp-query-migrate-downtime.log")
    events = qmp(result.records, "event")
    assert [e["event"] for e in events] == ["STOP", "MIGRATION", "MIGRATION_PASS", "MIGRATION",
                                            "MIGRATION_PASS", "MIGRATION_PASS", "MIGRATION"]
    stop = result.records[0]
    assert stop.qmp_time == datetime(2022, 3, 7, 10, 47, 7, 316537, tzinfo=UTC)
    assert stop.mon == "0x7fa4380028a0" and stop.level == "info"
    commands = [c["execute"] for c in qmp(result.records, "command")]
    assert commands == ["migrate_set_speed", "getfd", "migrate", "query-migrate",
                        "query-migrate", "migrate_set_speed"]  # IO_WRITE twins dropped
    assert result.ignored["duplicate of a QMP command (IO_WRITE after SEND_MSG)"] == 6
    assert result.ignored["continuation of a QMP command line"] == 12
    failed = [r for r in result.records if r.kind == "qmp_command_failed"]
    assert [r.fields["command"] for r in failed] == ["migrate_set_speed"] * 2
    (save,) = group(result.records)
    assert (save.side, save.downtime_ms, save.setup_ms, save.total_ms) == (
        "source", 79, 121, 12815)
    assert save.stop is None  # virsh save stops the guest before `migrate`: not this job's
    assert save.completed == datetime(2022, 3, 7, 10, 47, 20, 142735, tzinfo=UTC)
    ((_when, active),) = save.active
    assert active["expected-downtime"] == 300 and active["ram"]["remaining"] == 31357165568


def test_domain_log_lines(excerpts):
    result = parse(excerpts / "03-qemu-domain-log-source-initiating-migration-shutting-down-"
                              "migrated.log")
    kinds = [(r.kind, r.fields.get("reason"), r.time) for r in result.records]
    assert kinds == [
        ("domain_initiating_migration", None, datetime(2025, 3, 13, 12, 11, 1, 653000, UTC)),
        ("domain_shutting_down", "migrated", datetime(2025, 3, 13, 12, 12, 54, 688000, UTC)),
        ("domain_initiating_migration", None, datetime(2025, 3, 13, 12, 21, 10, 967000, UTC)),
        ("domain_shutting_down", "migrated", datetime(2025, 3, 13, 12, 23, 2, 107000, UTC))]


def test_journald_text_rendering_learns_the_local_clock(excerpts):
    result = parse(excerpts / "06-rhoso-edpm-virtqemud-journald-qmp-events.log")
    assert [r.qmp["data"] for r in result.records] == [{"status": "device"}, {"pass": 3}]
    assert {r.host for r in result.records} == {"np0004787595"}
    assert result.clock.startswith("syslog local time read as UTC-04:00")
    # the syslog stamp 18:10:59 local is 22:10:59 UTC; QEMU's stamp is the precise one
    assert result.records[0].time == datetime(2024, 7, 11, 22, 10, 59, tzinfo=UTC)
    assert result.records[0].when() == datetime(2024, 7, 11, 22, 10, 59, 360014, tzinfo=UTC)


def test_journald_json_export(excerpts):
    line = (excerpts / "06-rhoso-edpm-virtqemud-journald-qmp-events.log").read_text(
    ).splitlines()[9]
    message = line.split("]: ", 1)[1]
    entry = {"__REALTIME_TIMESTAMP": "1720735859360402", "_HOSTNAME": "np0004787595",
             "SYSLOG_IDENTIFIER": "virtqemud", "MESSAGE": message}
    nova = {"__REALTIME_TIMESTAMP": "1720735859603000", "_HOSTNAME": "np0004787595",
            "SYSLOG_IDENTIFIER": "nova_compute",
            "MESSAGE": "QEMU_MONITOR_RECV_EVENT: mon=0x1 event={\"event\": \"STOP\"}"}
    send = dict(entry, MESSAGE='QEMU_MONITOR_SEND_MSG: mon=0x7f91e00095d0 msg={"execute":'
                '"query-migrate","id":"libvirt-9"}\r\n fd=-1')
    data = "\n".join(json.dumps(e) for e in (entry, nova, send)).encode()
    result = parse_stream([data], "journal.json", None, "unknown")
    assert [r.kind for r in result.records] == ["qmp_event", "qmp_send"]
    assert result.records[0].host == "np0004787595"
    assert result.records[0].clock == "journal-utc"
    assert result.records[1].qmp == {"execute": "query-migrate", "id": "libvirt-9"}
    assert result.ignored["another program's line"] == 1  # never nova's line taken as libvirt's


def test_query_migrate_parameters_baseline(excerpts):
    result = parse(excerpts / "07-qemu4.2-query-migrate-parameters-downtime-limit-default.txt")
    replies = qmp(result.records, "reply")
    assert replies[-1]["return"]["downtime-limit"] == 300


def test_debug_duplicates_and_monitor_names(excerpts):
    result = parse(excerpts / "08-openstack-ci-devstack-libvirtd_log-qmp-with-instance-name.log")
    enter = [r for r in result.records if r.kind == "monitor_enter"]
    assert {(r.mon, r.fields["domain"]) for r in enter} == {
        ("0x7f769405e470", "instance-0000003a")}
    assert len(qmp(result.records, "reply")) == 1 and len(qmp(result.records, "event")) == 1
    assert all(r.mon == "0x7f769405e470" for r in result.records if r.qmp)  # the probe's kept
    assert result.ignored["duplicate of a QMP message (debug 'Line [...]')"] == 2


def test_old_libvirt_debug_io_process(excerpts):
    (stop,) = parse(excerpts / "09-libvirt-2014-debug-level-qmp-stop-event.log").records
    assert (stop.kind, stop.level, stop.qmp["event"]) == ("qmp_io_process", "debug", "STOP")
    assert stop.qmp_time == datetime(2014, 7, 22, 17, 25, 22, 983916, tzinfo=UTC)


def test_completed_replies_of_every_era(excerpts):
    text = (excerpts / "04-zstack-blog-query-migrate-completed-replies.json.txt").read_text()
    decoder, replies, at = json.JSONDecoder(), [], 0
    while (at := text.find("{", at)) >= 0:
        value, end = decoder.raw_decode(text, at)
        replies.append(value)
        at = end
    assert [completed_downtime_ms(r) for r in replies] == [30, 507, 240, 201, 195, 238]
    (reply,) = qmp(parse(excerpts / "10-qemu7-query-migrate-completed-with-7.0-byte-"
                                    "counters.txt").records, "reply")
    assert completed_downtime_ms(reply) == 2448
    unparsable = parse(excerpts / "05-launchpad-1585533-libvirt-query-migrate-active-block-"
                                  "migration.log").records
    assert [r.kind for r in unparsable] == ["json_unparsable"]


def test_a_broken_line_is_unrecognized_not_a_crash():
    line = "2024-01-01 00:00:00.000+0000: 1: info : qemuMonitorSend:995 : " \
           "QEMU_MONITOR_SEND_MSG: mon=0x1 msg={\"execute\":\"migr"
    row = parse_line(line, "f.log", 7, None, "unknown")
    assert isinstance(row, dict) and row["line"] == 7 and "cut off" in row["reason"]
    row = parse_line("garbage QEMU_MONITOR_RECV_EVENT: with no pointer", "f.log", 8, None, "x")
    assert isinstance(row, dict) and row["reason"].startswith("holds a libvirt message key")


@pytest.mark.parametrize(("path", "host"), [
    ("/srv/sos/sosreport-cmp-3-2024-07-11-abcd/var/log/libvirt/libvirtd.log", "cmp-3"),
    ("/logs/compute-7/var/log/kolla/libvirt/libvirtd.log.1", "compute-7"),
    ("/logs/compute-8/libvirt/qemu/instance-0000003a.log", "compute-8"),
    ("/tmp/libvirtd.log", None),
])
def test_hosts_from_paths(path, host):
    assert host_from_libvirt_path(path) == host


def test_discovered_in_deployment_layouts(excerpts, tmp_path):
    debug = (excerpts / "08-openstack-ci-devstack-libvirtd_log-qmp-with-instance-name.log")
    source = (excerpts / "01-libvirt6.0-debuglog-save-qmp-query-migrate-downtime.log")
    domain = (excerpts / "03-qemu-domain-log-source-initiating-migration-shutting-down-"
                         "migrated.log")
    kolla = tmp_path / "compute-1" / "var" / "log" / "kolla" / "libvirt"
    kolla.mkdir(parents=True)
    (kolla / "libvirtd.log.2.gz").write_bytes(gzip.compress(debug.read_bytes()))
    (kolla / "libvirtd.log").write_bytes(source.read_bytes())
    tripleo = tmp_path / "compute-2" / "var" / "log" / "containers" / "libvirt" / "qemu"
    tripleo.mkdir(parents=True)
    (tripleo / "instance-0000003a.log").write_bytes(domain.read_bytes())
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:xz") as tar:
        for name, data in (("sosreport-cmp-9/hostname", b"cmp-9.example.org\n"),
                           ("sosreport-cmp-9/var/log/libvirt/virtqemud.log",
                            source.read_bytes())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    (tmp_path / "sosreport-cmp-9.tar.xz").write_bytes(buffer.getvalue())
    events = collect([str(tmp_path)])
    assert events.rows == 0  # nova's reader took none of them
    files = {f.path.rsplit("/", 1)[-1]: f for f in events.libvirt.files}
    assert set(files) == {"libvirtd.log.2.gz", "libvirtd.log", "instance-0000003a.log",
                          "virtqemud.log"}
    assert files["libvirtd.log.2.gz"].host == "compute-1"
    assert files["instance-0000003a.log"].host == "compute-2"
    assert (files["virtqemud.log"].host, files["virtqemud.log"].host_source) == (
        "cmp-9.example.org", "sosreport hostname")
    assert [f.path.rsplit("/", 1)[-1] for f in events.libvirt.files][:2] == [
        "libvirtd.log.2.gz", "libvirtd.log"]  # rotated sets oldest first
    assert {r.domain for r in events.libvirt.records if r.kind.startswith("domain_")} == {
        "instance-0000003a"}


def test_binary_journal_alone_and_in_a_tarball(excerpts, tmp_path):
    from tests.test_journal import MACHINE, REMOTE, needs_tools

    if needs_tools.args[0]:
        pytest.skip("systemd-journal-remote and journalctl are needed")
    import subprocess

    lines = (excerpts / "06-rhoso-edpm-virtqemud-journald-qmp-events.log").read_text(
    ).splitlines()[9:11]
    entries = []
    for n, line in enumerate(lines):
        fields = {"__REALTIME_TIMESTAMP": 1720735859360402 + n, "__MONOTONIC_TIMESTAMP": 1 + n,
                  "_BOOT_ID": MACHINE, "_MACHINE_ID": MACHINE, "_HOSTNAME": "np0004787595",
                  "SYSLOG_IDENTIFIER": "virtqemud", "PRIORITY": 6,
                  "MESSAGE": line.split("]: ", 1)[1]}
        entries.append("".join(f"{k}={v}\n" for k, v in fields.items()) + "\n")
    (tmp_path / "export.txt").write_text("".join(entries))
    journal = tmp_path / "host" / "system.journal"
    journal.parent.mkdir()
    subprocess.run([REMOTE, "-o", str(journal), str(tmp_path / "export.txt")], check=True,
                   capture_output=True)
    with tarfile.open(tmp_path / "sos.tar.gz", "w:gz") as tar:
        tar.add(journal, "sosreport-x/var/log/journal/m/system.journal")
    found = collect([str(journal.parent), str(tmp_path / "sos.tar.gz")]).libvirt
    assert [len(f.records) for f in found.files] == [2, 2]
    assert {r.host for r in found.records} == {"np0004787595"}
    assert [r.qmp["event"] for r in found.records] == ["MIGRATION", "MIGRATION_PASS"] * 2


def test_search_tool_and_python_read_the_same(excerpts, tmp_path, monkeypatch):
    from loganalyzer.logs.ingest.discover import Input
    from loganalyzer.logs.libvirt.read import _searched, read_input
    from loganalyzer.logs.prefilter import tool

    monkeypatch.setenv("LOGANALYZER_PREFILTER", "rg")
    if tool() is None:
        pytest.skip("ripgrep is not installed")
    from tests.test_qemu_pause import pair

    pair(tmp_path / "sim", level="debug")
    paths = [p for p in excerpts.iterdir() if p.name != "INDEX.md"]
    paths += [p for p in (tmp_path / "sim").rglob("*.log") if "libvirt" in str(p)]
    assert any(p.parent.name == "qemu" for p in paths)

    def summary(parsed):
        return (parsed.lines, parsed.bytes, dict(parsed.ignored), parsed.unrecognized,
                parsed.clock, [(r.kind, r.line, r.time, r.fields, r.qmp, r.mon, r.domain)
                               for r in parsed.records])

    for path in paths:
        kind = "domain" if path.parent.name == "qemu" else "libvirt"
        item = Input(str(path), path=str(path))
        monkeypatch.setenv("LOGANALYZER_PREFILTER", "rg")
        assert _searched(str(path), str(path), None, "unknown", None, None) is not None
        searched = read_input(item, kind)
        monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
        assert summary(searched) == summary(read_input(item, kind)), path.name


PIECES = ["2024-01-01 00:00:00.000+0000: 1: info : qemuMonitorSend:995 : ",
          "QEMU_MONITOR_RECV_EVENT: mon=0x1 event=", "QEMU_MONITOR_SEND_MSG: mon=0x1 msg=",
          "QEMU_MONITOR_RECV_REPLY: mon=0x1 reply=", '{"timestamp": {"seconds": ',
          '"microseconds": -5}, "event": "STOP"}', '{"return": {"status": "completed", ',
          '"downtime": "x"}}', '{"execute":"migrate-set-parameters","arguments":{',
          '"downtime-limit": 1e400}', "(VM: name=instance-1, uuid=", "Entering monitor (mon=",
          "Jul 11 18:10:59 h virtqemud[1]: ", '{"MESSAGE": [1, 2, 300], ', "\r\n fd=-1",
          "initiating migration", "-uuid ", "-incoming ", "Line [", "]", "\x00", "é", "\n"]


@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=40))
def test_no_input_crashes_the_reader_or_the_analysis(parts):
    from loganalyzer.analysis.qemu import attach

    data = "".join(parts).encode("utf-8", "surrogatepass")
    for domain in (None, "instance-1"):
        result = parse_stream([data], "x.log", "h", "path", domain=domain)
        assert len(result.records) + sum(result.ignored.values()) + \
            len(result.unrecognized) == result.lines
        rows = [{"instance": "u", "source_host": "h", "dest_host": "h", "start":
                 "2024-01-01 00:00:00", "end": None, "findings": [], "switchover": None,
                 "_events": []}]
        attach(rows, result.records)


def test_scan_lists_the_libvirt_files_it_read(excerpts):
    from typer.testing import CliRunner

    from loganalyzer.cli import app

    done = CliRunner().invoke(app, ["scan", str(excerpts), "-f", "json"])
    assert done.exit_code == 0, done.output
    document = json.loads(done.stdout)  # stderr notes what was passed over (INDEX.md)
    assert len(document["libvirt_files"]) == 10 and document["libvirt_unrecognized"] == []
    assert sum(f["records"] for f in document["libvirt_files"]) > 30
    table = CliRunner().invoke(app, ["scan", str(excerpts)])
    assert "libvirt/QEMU logs: 10 files" in table.output

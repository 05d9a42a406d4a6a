"""Binary systemd journals: real journal files (written by systemd-journal-remote from a
narrated migration) read through journalctl give the analysis the plain log gives, in a
sosreport folder and inside a tarball; a missing journalctl or a damaged file is a warning."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from datetime import UTC

import pytest
from typer.testing import CliRunner

from loganalyzer.cli import app
from loganalyzer.logs import writer as lw
from loganalyzer.logs.ingest.discover import classify_name
from loganalyzer.logs.read import collect
from loganalyzer.simulate.narrate import narrate
from tests.scenarios import host_logs, script

REMOTE = next((p for p in ("/lib/systemd/systemd-journal-remote",
                           "/usr/lib/systemd/systemd-journal-remote") if os.path.exists(p)),
              None)
needs_tools = pytest.mark.skipif(REMOTE is None or shutil.which("journalctl") is None,
                                 reason="systemd-journal-remote and journalctl are needed")
MACHINE = "0123456789abcdef0123456789abcdef"


def export_format(records: list[lw.Record], host: str) -> bytes:
    """journald's export format: one entry a record, fields as KEY=value lines."""
    out = []
    for n, record in enumerate(records):
        stamp = int(record.when.replace(tzinfo=UTC).timestamp() * 1_000_000)
        fields = {"__REALTIME_TIMESTAMP": stamp, "__MONOTONIC_TIMESTAMP": 1_000_000 + n,
                  "_BOOT_ID": MACHINE, "_MACHINE_ID": MACHINE, "_HOSTNAME": host,
                  "SYSLOG_IDENTIFIER": "nova-compute", "_SYSTEMD_UNIT": "nova-compute.service",
                  "PRIORITY": 6, "MESSAGE": lw.oslo_line(record)}
        out.append("".join(f"{k}={v}\n" for k, v in fields.items()) + "\n")
    return "".join(out).encode()


def write_journal(path, records: list[lw.Record], host: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    source = path.parent / "export.txt"
    source.write_bytes(export_format(records, host))
    subprocess.run([REMOTE, "-o", str(path), str(source)], check=True, capture_output=True)
    source.unlink()


@pytest.fixture(scope="module")
def migration():
    s = script(duration=700, converge=650)
    return s, narrate(s)


def analysed(paths: list[str], *extra: str) -> list[dict]:
    out = CliRunner().invoke(app, ["migrations", *paths, "-q", "-f", "json", *extra])
    assert out.exit_code in (0, 1), out.output
    return json.loads(out.stdout)["migrations"]


@needs_tools
def test_a_sosreport_journal_reads_like_the_plain_log(tmp_path, migration):
    s, narrated = migration
    plain = tmp_path / "plain"
    texts = host_logs([(s, narrated)])
    for host, text in texts.items():
        (plain / host).mkdir(parents=True)
        (plain / host / "nova-compute.log").write_text(text)
    binary = tmp_path / "binary"
    journal = binary / "sosreport-x" / "var" / "log" / "journal" / MACHINE / "system.journal"
    write_journal(journal, narrated.source, s.source_host)
    (binary / s.dest_host).mkdir(parents=True)
    (binary / s.dest_host / "nova-compute.log").write_text(texts[s.dest_host])
    expected = analysed([str(plain)])
    found = analysed([str(binary)])
    assert len(found) == len(expected) == 1
    assert found[0]["source_host"] == s.source_host  # from the journal's _HOSTNAME
    assert found == expected
    events = collect([str(binary)])
    (report,) = [f for f in events.files if f.compression == "journal"]
    assert report.lines == len(narrated.source) and report.events > 0
    assert not events.warnings

    archive = tmp_path / "sosreport-x.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        tar.add(binary / "sosreport-x", arcname="sosreport-x")
    packed = analysed([str(archive), str(binary / s.dest_host)])
    assert [m["observed_steps"] for m in packed] == [m["observed_steps"] for m in expected]


@needs_tools
def test_without_journalctl_the_file_is_named_in_a_warning(tmp_path, migration, monkeypatch):
    s, narrated = migration
    journal = tmp_path / "var" / "log" / "journal" / MACHINE / "system.journal"
    write_journal(journal, narrated.source, s.source_host)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    events = collect([str(journal)])
    assert not events.read_anything and len(events.events) == 0
    assert any(str(journal) in w and "journalctl" in w for w in events.warnings)
    out = CliRunner().invoke(app, ["migrations", str(journal), "-q", "-f", "json"])
    assert out.exit_code == 2 and "journalctl" in out.stderr


@needs_tools
def test_a_damaged_journal_keeps_what_journalctl_reads(tmp_path, migration):
    s, narrated = migration
    journal = tmp_path / "system.journal"
    write_journal(journal, narrated.source, s.source_host)
    whole = collect([str(journal)])
    data = journal.read_bytes()
    journal.write_bytes(data[: len(data) // 3])
    cut = collect([str(journal)])  # never a traceback; journalctl says what it could not
    assert len(cut.events) < len(whole.events)
    assert cut.warnings and all(str(journal) in w and "journalctl" in w
                                for w in cut.warnings)
    out = CliRunner().invoke(app, ["scan", str(journal), "-q"])
    assert out.exit_code == 2 and str(journal) in out.stderr


def test_journal_file_names():
    from loganalyzer.logs.ingest.discover import host_from_path

    assert host_from_path(f"/var/log/journal/{MACHINE}/system.journal") is None
    assert host_from_path(f"/x/sosreport-cmp7/var/log/journal/{MACHINE}/system.journal") == \
        "cmp7"
    assert classify_name("system.journal") == "journal"
    assert classify_name("system@00061a0b-1c2d.journal~") == "journal"
    assert classify_name("system@b1c2d3e4f5a6-0000000000000001-00061a0b.journal") == "journal"
    assert classify_name("user-1000.journal") is None

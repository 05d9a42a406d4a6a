"""``watch`` on the systemd journal: a real journal file (systemd-journal-remote) followed
through ``journalctl --follow --file``; a restart resumes after the saved cursor."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from loganalyzer.errors import InputError
from loganalyzer.simulate.narrate import narrate
from tests.scenarios import VM1, script
from tests.test_journal import needs_tools, write_journal
from tests.watch_helpers import WatchProcess, child_env, key, migrations_json, run_cli


def _journal(tmp_path: Path) -> Path:
    """A log server's journals (systemd-journal-remote, one file per host) holding both
    hosts' lines of one migration."""
    s = script(source_host="compute-a", dest_host="compute-b", instance=VM1)
    narrated = narrate(s)
    folder = tmp_path / "remote"
    write_journal(folder / "remote-compute-a.journal", narrated.source, s.source_host)
    write_journal(folder / "remote-compute-b.journal", narrated.dest, s.dest_host)
    return folder


@needs_tools
def test_once_on_journal_files_reports_what_migrations_reports(tmp_path: Path):
    folder = _journal(tmp_path)
    files = sorted(str(p) for p in folder.glob("*.journal"))
    args = ["watch", "--once"]
    for path in files:
        args += ["--journal-file", path]
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    watched = [json.loads(line) for line in proc.stdout.splitlines()]
    offline = migrations_json(*files)
    assert len(offline) == 1 and offline[0]["outcome"] == "completed"
    assert {key(r): r for r in watched} == {key(r): r for r in offline}


@needs_tools
def test_following_the_journal_resumes_after_the_saved_cursor(tmp_path: Path):
    folder = _journal(tmp_path)
    state = tmp_path / "state.json"
    args = ["--start-at", "beginning", "--state", str(state), "--poll", "0.1",
            "--settle", "1"]
    for path in sorted(folder.glob("*.journal")):
        args += ["--journal-file", str(path)]
    with WatchProcess(args, tmp_path) as first:
        first.wait_for(lambda: first.migrations, "the migration from the journal")
        assert first.stop() == 0
    saved = json.loads(state.read_text())
    assert saved["journal"]["cursor"]
    with WatchProcess(args, tmp_path) as second:
        second.wait_for(lambda: "resumed from" in second.stderr, "the resume")
        time.sleep(2.0)  # journalctl --after-cursor: nothing old comes again
        assert second.stop() == 0
    assert len(first.migrations) == 1 and second.migrations == []
    assert first.migrations[0]["outcome"] == "completed"


def _two_units(tmp_path: Path) -> Path:
    """One journal file (systemd-journal-remote) holding a migration logged by the unit
    nova-compute.service and, later, one logged by other.service."""
    from tests.scenarios import T0, VM2
    from tests.test_journal import REMOTE, export_format

    folder = tmp_path / "units"
    folder.mkdir()
    first = script(source_host="compute-a", dest_host="compute-b", instance=VM1)
    second = script(source_host="compute-c", dest_host="compute-d", instance=VM2,
                    start=T0 + timedelta(minutes=30))
    exported = b""
    for s, unit in ((first, "nova-compute.service"), (second, "other.service")):
        narrated = narrate(s)
        for records, host in ((narrated.source, s.source_host), (narrated.dest, s.dest_host)):
            exported += export_format(records, host).replace(
                b"_SYSTEMD_UNIT=nova-compute.service", b"_SYSTEMD_UNIT=" + unit.encode())
    source = folder / "export.txt"
    source.write_bytes(exported)
    subprocess.run([str(REMOTE), "-o", str(folder / "remote.journal"), str(source)],
                   check=True, capture_output=True)
    source.unlink()
    return folder / "remote.journal"


def _instances(proc: subprocess.CompletedProcess[str]) -> list[str]:
    assert proc.returncode == 0, proc.stderr
    return sorted(json.loads(line)["instance"] for line in proc.stdout.splitlines())


@needs_tools
def test_journal_takes_an_optional_unit(tmp_path: Path):
    """``--journal`` alone follows the whole journal, ``--journal UNIT`` and
    ``--journal=UNIT`` one unit, ``--unit`` (the older spelling) still works."""
    from tests.scenarios import VM2

    journal = str(_two_units(tmp_path))
    base = ["watch", "--once", "--journal-file", journal]
    assert _instances(run_cli(*base, "--journal")) == sorted([VM1, VM2])
    assert _instances(run_cli(*base, "--journal", "nova-compute")) == [VM1]
    assert _instances(run_cli(*base, "--journal=other.service")) == [VM2]
    assert _instances(run_cli("watch", "--journal", "other", "--once", "--journal-file",
                              journal)) == [VM2]
    assert _instances(run_cli(*base, "--journal", "--unit", "nova-compute")) == [VM1]
    named = run_cli(*base, "--journal=other.service", "--unit", "x")
    assert f"following the journal files {journal} (units other.service, x)" in named.stderr


def test_journal_equals_without_a_unit_name_is_refused_in_one_line(tmp_path: Path):
    """``--journal=`` names no unit and ``--journal=/tmp`` no unit systemd has (journalctl
    would read it as tmp.mount): each is one line naming the word, exit 2, nothing read."""
    for word in ("--journal=", f"--journal={tmp_path}"):
        proc = run_cli("watch", "--once", word)
        assert proc.returncode == 2, proc.stderr
        assert proc.stdout == ""
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"loganalyzer: {word}:"), lines


@needs_tools
def test_a_path_after_journal_is_followed_not_taken_for_a_unit(tmp_path: Path):
    """``--journal /var/log/nova`` does not swallow the path: a word with a ``/``, or one
    naming an existing file or folder, is a path (a note says how to force the unit)."""
    from tests.scenarios import VM2
    from tests.watch_helpers import two_migrations, write_whole

    journal = str(_two_units(tmp_path))
    logs = write_whole(tmp_path / "logs", {h: t for h, t in two_migrations().items()
                                           if h == "compute-c" or h == "compute-b"})
    base = ["watch", "--once", "--start-at", "beginning", "--journal-file", journal]
    slash = run_cli(*base, "--journal", str(logs))
    plain = run_cli(*base, str(logs), "--journal")
    assert _instances(slash) == _instances(plain)
    assert VM1 in _instances(slash) and VM2 in _instances(slash)
    assert len(_instances(slash)) > 2  # the journal's two and the folder's

    # a bare word naming a folder here is that folder (run from its parent)
    proc = subprocess.run([sys.executable, "-m", "loganalyzer", *base, "--journal", "logs"],
                          cwd=tmp_path, env=child_env(), capture_output=True, text=True,
                          timeout=120, check=False)
    assert _instances(proc) == _instances(plain)
    assert "--journal logs: logs exists here, so it is followed as a path; write " \
        "--journal=logs for the systemd unit" in proc.stderr


def test_journal_words_are_read_as_documented(tmp_path: Path, monkeypatch):
    from loganalyzer.watch.settings import journal_args

    monkeypatch.chdir(tmp_path)
    (tmp_path / "here").mkdir()
    assert journal_args(["--journal"]) == (["--journal"], [])
    assert journal_args(["--journal", "nova-compute", "x/y"]) == (
        ["--journal", "--unit", "nova-compute", "x/y"], [])
    assert journal_args(["--journal", "/var/log/nova"]) == (["--journal", "/var/log/nova"], [])
    assert journal_args(["--journal", "--once"]) == (["--journal", "--once"], [])
    assert journal_args(["--journal=devstack@n-cpu"]) == (
        ["--journal", "--unit", "devstack@n-cpu"], [])
    for word in ("--journal=", "--journal=/tmp", "--journal=var/log"):
        with pytest.raises(InputError, match="--journal="):
            journal_args([word])
    args, notes = journal_args(["--journal", "here"])
    assert args == ["--journal", "here"] and len(notes) == 1
    assert journal_args(["--", "--journal", "x"]) == (["--", "--journal", "x"], [])

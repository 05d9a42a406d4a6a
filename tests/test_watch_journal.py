"""``watch`` on the systemd journal: a real journal file (systemd-journal-remote) followed
through ``journalctl --follow --file``; a restart resumes after the saved cursor."""

from __future__ import annotations

import json
import time
from pathlib import Path

from loganalyzer.simulate.narrate import narrate
from tests.scenarios import VM1, script
from tests.test_journal import needs_tools, write_journal
from tests.watch_helpers import WatchProcess, key, migrations_json, run_cli


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

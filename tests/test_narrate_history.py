"""Scenarios per nova era (issue 14 items 1–5): a ``simulate --release …`` log shows what that
release's monitor writes, and the analysis reads it back. Facts: docs/nova-history.md."""

from __future__ import annotations

import json
import re
from datetime import datetime
from itertools import pairwise
from pathlib import Path

from typer.testing import CliRunner

from loganalyzer.cli import app
from loganalyzer.logs.read import collect
from loganalyzer.nova.releases import parse_release
from loganalyzer.nova.settings import Settings
from loganalyzer.simulate.narrate import Script, iterations, narrate

runner = CliRunner()
NEVER_CONVERGES = ["--memory-mb", "4096", "--dirty-rate", "800", "--bandwidth", "300"]


def simulate(tmp_path: Path, release: str, *args: str) -> tuple[dict, list[str]]:
    """Run ``simulate --release RELEASE --out DIR --debug ARGS``; the summary and the
    source host's lines."""
    out = tmp_path / release
    result = runner.invoke(app, ["simulate", "--release", release, "--out", str(out),
                                 "--debug", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    lines = (out / "compute-1" / "nova-compute.log").read_text().splitlines()
    return json.loads(result.output), lines


def with_text(lines: list[str], text: str) -> list[str]:
    return [line for line in lines if text in line]


def test_newton_aborts_a_stuck_migration_at_the_progress_timeout(tmp_path):
    """Liberty–Newton's default live_migration_progress_timeout (150 s) aborts a guest whose
    data remaining stops falling, long before the completion timeout (3,200 s at 4 GiB)."""
    summary, lines = simulate(tmp_path, "newton", "--memory-mb", "4096", "--dirty-rate", "400",
                              "--working-set-mb", "1024", "--bandwidth", "300")
    stuck = with_text(lines, "Live migration stuck for ")
    assert len(stuck) == 1 and " WARNING nova.virt.libvirt.migration " in stuck[0]
    # nova logs int(now - progress_time) once that exceeds 150 s
    assert 150 <= int(re.search(r"stuck for (\d+) sec", stuck[0]).group(1)) <= 152
    assert not with_text(lines, "Live migration not completed after")
    assert summary["outcome"] == "cancelled" and summary["timeout_at_s"] < 400
    # with the progress line, while data remaining is above its low watermark
    remaining = with_text(lines, "Data remaining ")
    assert len(remaining) > 10 and all(" DEBUG " in x or " INFO " in x for x in remaining)
    ages = [int(re.search(r"bytes (\d+) seconds ago", x).group(1)) for x in remaining]
    assert max(ages) <= 150 and ages[-1] > 140  # the last ones lead up to the abort
    assert with_text(lines, "Migration operation was cancelled")
    events = collect([str(tmp_path / "newton")]).events
    assert (events["kind"] == "progress_timeout").sum() == 1


def test_ocata_has_no_stuck_timeout_by_default(tmp_path):
    _, lines = simulate(tmp_path, "ocata", *NEVER_CONVERGES, "--completion-timeout", "50")
    assert not with_text(lines, "Live migration stuck")
    assert len(with_text(lines, "Live migration not completed after 200 sec")) == 1


def test_gazpacho_timeout_abort_logs_the_reraised_error(tmp_path):
    """33.0.0 collects the operation thread's result: after the cancelled job, WARNING
    ``Error monitoring migration``, a failed abort, and the manager's ``Live migration
    failed.``."""
    _, lines = simulate(tmp_path, "2026.1", *NEVER_CONVERGES, "--completion-timeout", "50")
    order = ["Live migration not completed after 200 sec", "Migration operation was cancelled",
             "Error monitoring migration: operation aborted", "Failed to cancel migration",
             "Error occurred when trying to abort live migration job, ignoring it.",
             "Live migration monitoring is all done", "Live migration failed."]
    found = [next(i for i, line in enumerate(lines) if text in line) for text in order]
    assert found == sorted(found)
    assert " WARNING nova.virt.libvirt.driver " in lines[found[2]]
    assert " ERROR nova.compute.manager " in lines[found[6]]
    assert "libvirt.libvirtError: operation aborted" in lines[found[6]]
    rows = json.loads(runner.invoke(app, ["migrations", str(tmp_path / "2026.1"),
                                          "--format", "json"]).output)["migrations"]
    assert [r["outcome"] for r in rows] == ["cancelled"]


def test_flamingo_reraises_from_32_2_only():
    def lines(minor: int) -> list[str]:
        script = Script(release=parse_release("2025.2").release, minor=minor,
                        start=datetime(2026, 1, 5, 10), iterations=iterations(300),
                        converge_at=None, data_gb=4.0, settings=Settings(completion_timeout=50))
        return [r.message for r in narrate(script).source]

    assert not any("Error monitoring migration" in m for m in lines(1))
    assert sum("Error monitoring migration" in m for m in lines(2)) == 1
    assert "Live migration failed." in [m.split(":")[0] for m in lines(2)]


def test_master_progress_cadence(tmp_path):
    """master logs progress every monitor_interval / 0.5 iterations, at INFO only once 30 s
    passed since the last INFO line: the first line is DEBUG."""
    _, lines = simulate(tmp_path, "master", "--memory-mb", "4096", "--dirty-rate", "100",
                        "--bandwidth", "60")
    progress = with_text(lines, "Migration running for ")
    assert " DEBUG " in progress[0] and " INFO " not in progress[0]
    info = [int(re.search(r"running for (\d+) secs", x).group(1)) for x in progress
            if " INFO " in x]
    assert info and info[0] >= 30 and all(b - a >= 30 for a, b in pairwise(info))
    _, older = simulate(tmp_path, "2026.1", "--memory-mb", "4096", "--dirty-rate", "100",
                        "--bandwidth", "60")
    assert " INFO " in with_text(older, "Migration running for ")[0]


def test_master_monitor_interval_sets_the_progress_spacing():
    def secs(interval: int) -> list[int]:
        script = Script(release=parse_release("master").release, start=datetime(2026, 7, 1),
                        iterations=iterations(20, interval_s=0.5, first_s=0.5),
                        converge_at=30.0, data_gb=4.0, monitor_interval_s=interval)
        return [int(re.search(r"for (\d+) secs", r.message).group(1))
                for r in narrate(script).source if "Migration running for" in r.message]

    assert secs(5) == [0, 5, 10, 15]
    assert secs(2) == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]


def test_mitaka_monitor_lines_come_from_the_driver(tmp_path):
    """migration.py exists from Newton: Mitaka's ramp and timeout lines are the driver's."""
    for release, logger in (("mitaka", "nova.virt.libvirt.driver"),
                            ("newton", "nova.virt.libvirt.migration")):
        _, lines = simulate(tmp_path, release, *NEVER_CONVERGES, "--completion-timeout", "10",
                            "--delay", "5")
        for text in ("Increasing downtime to ", "Live migration not completed after "):
            assert with_text(lines, text), (release, text)
            assert all(f" {logger} " in x for x in with_text(lines, text)), (release, text)
        events = collect([str(tmp_path / release)]).events
        assert set(events[events["kind"] == "downtime_step"]["logger"]) == {logger}


def test_post_copy_switch_lifecycle_event_per_release(tmp_path):
    """libvirt sends SUSPENDED/POSTCOPY at the switch; host.py maps every SUSPENDED event to
    Paused before Rocky, to Postcopy started from Rocky on."""
    for release, state in (("queens", "Paused"), ("rocky", "Postcopy started")):
        summary, lines = simulate(tmp_path, release, *NEVER_CONVERGES, "--post-copy")
        assert summary["finished_by"] == "post-copy", summary
        switch = next(i for i, x in enumerate(lines) if "Switching to post-copy" in x)
        event = next(x for x in lines[switch:] if "(Lifecycle Event)" in x)
        assert f"VM {state} (Lifecycle Event)" in event, (release, event)


def test_post_copy_resumes_the_destination_at_the_switch(tmp_path):
    """libvirt resumes the destination guest when post-copy starts (RESUMED/POSTCOPY), so the
    destination's ``VM Resumed`` follows the switch, not the end of the page pulling; the
    switch-over estimate is then the real sub-second pause."""
    simulate(tmp_path, "queens", *NEVER_CONVERGES, "--post-copy")
    out = tmp_path / "queens"
    source = (out / "compute-1" / "nova-compute.log").read_text().splitlines()
    dest = (out / "compute-2" / "nova-compute.log").read_text().splitlines()
    switch = next(x for x in source if "Switching to post-copy" in x)[:23]
    done = next(x for x in source if "Migration operation has completed" in x)[:23]
    resumed = [x[:23] for x in dest if "VM Resumed (Lifecycle Event)" in x]
    assert len(resumed) == 1 and switch < resumed[0] < done
    rows = json.loads(runner.invoke(app, ["migrations", str(out), "--format", "json"])
                      .output)["migrations"]
    assert rows[0]["post_copy"] and rows[0]["switchover"]["seconds"] < 2

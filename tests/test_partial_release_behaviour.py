"""Partial logs give lower bounds, the release comes from every clue, and behaviour the
configuration in force cannot produce is a finding (issue 12). Real oracles: the Rocky
timeout abort (nova says it ran past 2,400 s) and the 2017 Ocata-era failure."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from loganalyzer.analysis.evidence import release_clues
from loganalyzer.analysis.migrations import Declared, Options
from loganalyzer.cli import app
from loganalyzer.logs.anchors import keys_in
from loganalyzer.logs.grammar import parse_text
from loganalyzer.simulate.narrate import narrate
from tests.scenarios import T0, VM1, codes, migrations, script

runner = CliRunner()
ROCKY = "pastebin_3mxSVnRR_rocky_live-migration-timeout-abort.log"
OCATA = "pastebin_DHPWEkaZ_ocata_live-migration-eof.log"


def rows_of(*args):
    result = runner.invoke(app, ["migrations", *args, "-f", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["migrations"]


def test_real_rocky_timeout_is_a_lower_bound_of_2400_s(real_logs):
    (row,) = rows_of(str(real_logs / ROCKY))
    assert (row["start_seen"], row["end_seen"]) == (False, True)
    assert row["duration_s"] is None
    assert row["duration_min_s"] >= 2400  # nova: 'Live migration not completed after 2400 sec'
    table = runner.invoke(app, ["migrations", str(real_logs / ROCKY)]).stdout
    assert "≥ 2400 s" in table and "17.6 s" not in table
    assert "whole migrations 0, partial 1" in table
    mid = next(f for f in row["findings"] if f["code"] == "log-starts-mid-migration")
    assert "at least 2400 s" in mid["message"] and "not completed after 2400 sec" in \
        mid["message"]


def test_a_failure_without_its_start_has_no_zero_duration(real_logs):
    (row,) = rows_of(str(real_logs / OCATA))
    assert row["duration_s"] is None and row["start_seen"] is False
    assert row["error_class"] == "End of file while reading data"


def test_log_cut_at_either_end():
    s = script(instance=VM1, duration=2000, converge=1800)
    narration = narrate(s)
    cut = T0 + timedelta(seconds=900)
    head = [r for r in narration.source if r.when < cut]
    tail = [r for r in narration.source if r.when >= cut]
    (ended,) = migrations([], extra={"compute-1": head})
    assert (ended["start_seen"], ended["end_seen"], ended["duration_s"]) == (True, False, None)
    assert 850 <= ended["duration_min_s"] <= 900
    (started,) = migrations([], extra={"compute-1": tail})
    assert (started["start_seen"], started["end_seen"], started["duration_s"]) == (False, True,
                                                                                   None)
    # the first step seen is due after 900 s: the migration ran for more than that
    span = started["duration_min_s"]
    assert span >= 900 + (1800 - 900) - 5
    (whole,) = migrations([s])
    assert whole["start_seen"] and whole["end_seen"] and whole["duration_min_s"] is None


def test_release_from_every_clue_of_the_ocata_era_failure(real_logs):
    (row,) = rows_of(str(real_logs / OCATA))
    assert row["release"] == "Kilo (2015.1) – Ocata (15)"
    assert "five identity fields" in row["release_source"]
    assert "without the error summary" in row["release_source"]
    assert not row["release_source"].startswith("unknown")


def test_context_of_the_64_hex_user_id_log_is_of_its_era(real_logs):
    """pastebin 1sdyYNZ5 (Ocata, 2017): its claim lines' context, with a real nova message."""
    header = (real_logs / "pastebin_1sdyYNZ5_ocata_64hex-user-id.log").read_text()
    prefix = header.splitlines()[0].split("] [instance:")[0]
    line = prefix + "] [instance: 182f8f13-b45f-49b3-86dd-c4510fad3d56] Migration operation " \
                    "has aborted"
    event = parse_text(line, keys_in(line))
    assert event["context_style"] == "fields5"
    found = release_clues([event])
    assert found.low <= 15 <= found.high and found.high < 26


def test_python2_exception_name_and_summary_narrow_rocky(real_logs):
    (row,) = rows_of(str(real_logs / ROCKY))
    assert row["release"] == "Pike (16) – Stein (19)"
    assert row["variant"] == "linear-py2"
    assert "Python 2" in row["release_source"]
    assert row["error_class"] == "timeout"


def test_no_clue_says_which_defaults_were_used(tmp_path):
    log = tmp_path / "n.log"
    log.write_text("Migration operation has completed\n")
    (row,) = rows_of(str(log))
    assert row["release"] == "unknown"
    assert row["release_source"] == "unknown: no clue in the log (master's rules applied)"
    notes = {f["code"]: f["message"] for f in row["findings"]}
    assert "rules and defaults of the newest release, master" in notes["note"]
    assert "nova's defaults of master were used" in notes["config-from-defaults"]


def test_post_copy_after_timeout_contradicts_the_defaults():
    """The independent case of the issue: post-copy after the completion timeout, while the
    configuration in force (release defaults) says no post-copy and abort."""
    s = script("stein", minor=1, duration=2000, converge=None, data_gb=2.0,
               timeout_action="force_complete", post_copy=True)
    (row,) = migrations([s])
    assert row["config_source"] == "release defaults"
    (implied,) = [f["message"] for f in row["findings"]
                  if f["code"] == "config-implied-by-behaviour"]
    assert "live_migration_permit_post_copy: the log proves True (nova switched to " \
        "post-copy); the configuration in force says False (default for Stein (19))" in implied
    assert "live_migration_timeout_action: the log proves force_complete (nova switched to " \
        "post-copy after 'Live migration not completed after 1600 sec'); the configuration " \
        "in force says abort (default for Stein (19))" in implied
    assert row["inferred"]["live_migration_permit_post_copy"] is True
    assert row["inferred"]["live_migration_timeout_action"] == "force_complete"
    advice = " ".join(f["message"] for f in row["findings"]
                      if f["code"] == "ramp-max-not-converged")
    assert "post-copy" not in advice


def test_pause_after_timeout_proves_force_complete_against_declared_abort():
    s = script("train", minor=1, duration=2000, converge=None, data_gb=2.0,
               timeout_action="force_complete", post_copy=False)
    declared = Declared(flags={"live_migration_timeout_action": "abort"})
    (row,) = migrations([s], Options(declared=declared, release="train"))
    (finding,) = [f for f in row["findings"] if f["code"] == "config-implied-by-behaviour"]
    assert "live_migration_timeout_action" in finding["message"]
    assert "flag --timeout-action" in finding["message"]


def test_printed_limit_proves_the_completion_timeout():
    s = script("stein", duration=2000, converge=None, data_gb=2.0, completion_timeout=800)
    declared = Declared(flags={"live_migration_completion_timeout": 600})
    (row,) = migrations([s], Options(declared=declared, memory_mb=2048, release="stein"))
    assert row["inferred"]["live_migration_completion_timeout"] == 800
    assert "live_migration_completion_timeout: the log proves 800" in " ".join(
        f["message"] for f in row["findings"] if f["code"] == "config-implied-by-behaviour")


@pytest.mark.parametrize("kind", ["match"])
def test_matching_behaviour_is_no_finding(kind):
    s = script("stein", minor=1, duration=2000, converge=None, data_gb=2.0,
               timeout_action="force_complete", post_copy=True)
    declared = Declared(flags={"live_migration_timeout_action": "force_complete",
                               "live_migration_permit_post_copy": True})
    (row,) = migrations([s], Options(declared=declared, release="stein"))
    assert "config-implied-by-behaviour" not in codes(row)


@pytest.mark.parametrize(("name", "expected"), [
    ("github_atmosphere_issue2553_openstack-helm_live-migration-tls-failure.log",
     "Failed to verify peer's certificate"),
    ("hotsos_lp1860743_live-migration-failure.log", "Host key verification failed"),
    ("github_nova-operator_pr621_pr1001_issue480_misc.log", "End of file while reading data"),
    (ROCKY, "timeout"),
])
def test_error_class_groups_real_failures(real_logs, name, expected):
    rows = rows_of(str(real_logs / name))
    assert rows and {r["error_class"] for r in rows} == {expected}


def test_option_names_and_logger_of_the_dump_are_clues():
    from loganalyzer.analysis.evidence import Dump

    stein = Dump(None, "f", 1, {"live_migration_timeout_action": "abort",
                                "live_migration_permit_post_copy": "False",
                                "live_migration_downtime": "500"})
    found = release_clues([], stein, ["oslo_service.service"])
    assert (found.low, found.high) == (19, 30)
    assert any("live_migration_timeout_action" in r for r in found.reasons)
    juno = Dump(None, "f", 1, {"live_migration_flag": "VIR_MIGRATE_LIVE",
                               "live_migration_uri": "qemu+tcp://%s/system",
                               "live_migration_bandwidth": "0"})
    found = release_clues([], juno, ["nova.openstack.common.service"])
    assert found.high == 11 and not found.contradiction

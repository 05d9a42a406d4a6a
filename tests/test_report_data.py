"""What the report states, without a browser: durations whole or as lower bounds, statistics
of whole values only (real medians), error classes, drift against a baseline (declared or the
fleet's majority), and the headline."""

from __future__ import annotations

import copy
import json

import pytest

from loganalyzer.analysis.migrations import Declared, Options, analyse
from loganalyzer.logs.read import collect
from loganalyzer.report.drift import fleet_drift, norm, ramp_check
from loganalyzer.report.headline import headline
from loganalyzer.report.inputs import unused_configs
from loganalyzer.report.stats import duration, error_class, nearest_rank, number, summary
from tests.conftest import REPO


@pytest.fixture(scope="module")
def sample():
    events = collect([str(REPO / "sample_logs")])
    records = events.records()
    declared_rows = analyse(records, Options(declared=Declared(
        files=[str(REPO / "sample_logs" / "nova.conf")])))
    return events, records, declared_rows, analyse(records, Options())


def test_a_partial_log_gives_a_lower_bound_kept_out_of_the_statistics():
    whole = {"duration_s": 80.0, "outcome": "completed", "observed_steps": [{"after_s": 75}]}
    # nova says it ran past its 2,400 s timeout; the log holds 17.6 s of it
    partial = {"duration_s": 17.648, "outcome": "cancelled", "timeout_hit": True,
               "timeout_limit_s": 2400, "observed_steps": []}
    assert duration(whole) == {"s": 80.0, "whole": True}
    bound = duration(partial)
    assert bound["s"] == 2400 and not bound["whole"] and "17.648" in bound["why"]
    # the contract's fields, when the analysis gives them
    assert duration({"duration_s": None, "start_seen": False, "end_seen": True,
                     "duration_min_s": 61.0})["s"] == 61.0
    assert not duration({"duration_s": 30.0, "start_seen": False})["whole"]
    # one line of a failure: a span of 0 s is no duration at all
    assert duration({"duration_s": 0.0, "outcome": "failed"}) is None
    figures = summary([{**whole, "ramp_verdict": "match", "final_downtime_ms": 50},
                       {**partial, "ramp_verdict": "no_ramp", "final_downtime_ms": 4998}])
    assert figures["duration"] == {"n": 1, "median": 80.0, "p95": 80.0, "bounds": 1,
                                   "unknown": 0}
    # a median some migration had, never the mean of two (2524 from 50 and 4998)
    assert figures["final_downtime_ms"]["median"] in (50, 4998)


def test_nearest_rank_and_the_one_number_format():
    assert nearest_rank([50, 4998], 0.5) == 50
    assert nearest_rank([1, 2, 3, 4, 5], 0.5) == 3
    assert nearest_rank(list(range(1, 101)), 0.95) == 95
    assert nearest_rank([], 0.5) is None
    assert [number(v) for v in (2, 2.0, 14.794, 1343, 12801.2, None)] == \
        ["2", "2", "14.8", "1,343", "12,801", "—"]


@pytest.mark.parametrize(("error", "expected"), [
    ("operation aborted: migration job: canceled by client: libvirtError: operation aborted",
     "libvirtError"),
    ("libvirt.libvirtError: internal error: qemu unexpectedly closed the monitor",
     "libvirtError"),
    ("End of file while reading data: : Input/output error", "End of file while reading data"),
    ("Connection refused", "connection refused"),
    (None, None),
])
def test_error_class(error, expected):
    assert error_class({"error": error}) == expected
    assert error_class({"error": error, "error_class": "timeout"}) == "timeout"


def test_drift_with_the_declared_configuration(sample):
    _, records, rows, _ = sample
    declared = {"live_migration_downtime": 2000, "live_migration_downtime_steps": 8,
                "live_migration_downtime_delay": 25,
                "live_migration_completion_timeout": 150,
                "live_migration_timeout_action": "abort",
                "live_migration_permit_post_copy": False,
                "live_migration_permit_auto_converge": False}
    drift = fleet_drift(rows, records, declared)
    assert drift["drifted"] == ["compute-4"] and drift["source"] == "the declared configuration"
    host = drift["hosts"][0]
    differs = {o["short"]: (o["baseline"], o["running"]) for o in host["options"]
               if o["differs"]}
    assert differs == {"downtime": ("2000", "3000"), "timeout_action": ("abort",
                                                                        "force_complete"),
                       "post_copy": ("false", "true")}
    # its configuration history across its two start-ups
    assert [list(h["changed"]) for h in host["history"]][1] == ["post_copy"]


def test_drift_without_configuration_uses_the_fleet_majority(sample):
    _, records, _, rows = sample
    drift = fleet_drift(rows, records, None)
    assert "majority" in drift["source"]
    assert drift["fleet_baseline"]["downtime"]["value"] == "2000"
    assert drift["drifted"] == ["compute-4"]


def test_a_host_without_inference_but_with_mismatching_ramps_drifts(sample):
    _, _, rows, _ = sample
    rows = copy.deepcopy([r for r in rows if r["source_host"] == "compute-4"])
    for row in rows:  # no inference, no start-up dump: only the ramp verdicts say it
        row["inferred"] = {k: None for k in row["inferred"]} | {"alternatives": []}
    drift = fleet_drift(rows, [], {"live_migration_downtime": 2000,
                                   "live_migration_downtime_steps": 8,
                                   "live_migration_downtime_delay": 25})
    assert drift["drifted"] == ["compute-4"]
    assert "off the baseline ramp" in drift["hosts"][0]["reasons"][-1]


def test_a_step_is_checked_against_the_baseline_ramp():
    row = {"observed_steps": [{"after_s": 0, "downtime_ms": 1000}], "variant": "linear-py3",
           "data_gb": {"value": 4.0, "source": "progress memory total"},
           "config": {"live_migration_downtime": {"value": 500},
                      "live_migration_downtime_steps": {"value": 10},
                      "live_migration_downtime_delay": {"value": 75}},
           "ramp_verdict": "mismatch", "inferred": {}}
    # 1000 ms is step 0 of 10000/10 — not of 500/10 (50 ms) nor 5000/5
    assert ramp_check(row, {"live_migration_downtime": "10000",
                            "live_migration_downtime_steps": "10",
                            "live_migration_downtime_delay": "75"}) == "agree"
    assert ramp_check(row, {"live_migration_downtime": "5000",
                            "live_migration_downtime_steps": "10",
                            "live_migration_downtime_delay": "75"}) == "disagree"
    assert ramp_check(row, {}) == "disagree"  # the row's own config: its verdict
    assert norm(True) == "true" and norm("2000.0") == "2000" and norm(" Abort") == "abort"


def test_an_ambiguous_inference_shows_its_alternatives(sample):
    _, records, rows, _ = sample
    rows = copy.deepcopy(rows)
    mine = [r for r in rows if r["source_host"] == "compute-2"]
    mine[0]["inferred"].update(downtime=1380, steps=11, downtime_range=[1380, 1380],
                               alternatives=[{"variant": "linear-py3", "steps": 12,
                                              "downtime_range": [1500, 1500]}])
    drift = fleet_drift(mine, records, None)
    options = {o["short"]: o for o in drift["hosts"][0]["options"]}
    assert "1500" in options["downtime"]["alternatives"]
    assert "12" in options["downtime_steps"]["alternatives"]
    assert options["downtime"]["sure"].endswith("inferring migration(s)")


def test_headline_names_only_drifted_hosts_and_says_all_clear(sample):
    _, records, rows, _ = sample
    drift = fleet_drift(rows, records, None)
    top = headline(rows, drift)
    assert top["hosts"] == ["compute-4"]
    text = json.dumps(top["lines"])
    assert "compute-1" not in text and "compute-2" not in text and "compute-3" not in text
    calm = [r for r in rows if r["source_host"] == "compute-1" and r["outcome"] == "completed"]
    clean = headline([dict(r, findings=[]) for r in calm],
                     {"hosts": [], "drifted": [], "source": "x"})
    assert clean["lines"][0]["level"] == "ok"
    assert clean["lines"][0]["text"].startswith("Nothing needs action")


def test_unused_configuration_files_in_the_inputs(sample):
    events = sample[0]
    found = unused_configs(events.files, [str(REPO / "sample_logs" / "nova.conf")])
    names = [f.rsplit("/", 1)[-1] for f in found["files"]]
    assert names == ["nova-drifted.conf"]
    assert [f.rsplit("/", 1)[-1] for f in unused_configs(events.files, [])["files"]] == \
        ["nova-drifted.conf", "nova.conf"]

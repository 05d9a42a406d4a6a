"""Migrations from events: timelines, outcomes, flags, prediction, comparison, inference,
both hosts. Scenario logs are narrated by the nova replay and read by the real scanner."""

from __future__ import annotations

from datetime import timedelta

import pytest

from loganalyzer.analysis.migrations import Declared, Options
from loganalyzer.nova.ramp import downtime_steps
from loganalyzer.nova.releases import parse_release
from loganalyzer.simulate.narrate import narrate, startup
from tests.scenarios import T0, VM1, VM2, codes, migrations, script

WORKED = {"live_migration_downtime": 5000, "live_migration_downtime_steps": 7,
          "live_migration_downtime_delay": 75}


@pytest.mark.parametrize("debug", [False, True])
def test_success(debug):
    (row,) = [r for r in migrations([script(instance=VM1)], debug=debug)]
    assert row["instance"] == VM1
    assert (row["source_host"], row["dest_host"]) == ("compute-1", "compute-2")
    assert row["outcome"] == "completed"
    assert not row["timeout_hit"] and not row["post_copy"] and not row["paused"]
    assert [s["downtime_ms"] for s in row["observed_steps"]] == [50, 95, 140]
    assert [s["after_s"] for s in row["observed_steps"]] == [0, 300, 600]
    assert row["predicted_steps"] == [{"after_s": a, "downtime_ms": d}
                                      for a, d in downtime_steps(500, 10, 75, 4.0, "linear-py3")]
    assert row["ramp_verdict"] == "match"
    assert row["data_gb"]["value"] == pytest.approx(4.0, abs=0.01)
    assert row["data_gb"]["source"].startswith("DEBUG step list" if debug else "step spacing")
    assert row["final_downtime_ms"] == 140
    assert row["start"] == "2024-05-01 11:59:59.750"  # the INFO 'Took … pre_live_migration'
    assert row["duration_s"] == pytest.approx(650.25)
    assert row["switchover"]["seconds"] >= 0
    assert "error" not in {f["severity"] for f in row["findings"]}


def test_lags_and_stalled_monitor_skips_steps():
    """A 400 s stall from 250 s: step 1 (300 s) and 2 (600 s) are skipped legitimately."""
    (row,) = migrations([script(duration=1000, converge=900, stalls={250.0: 400.0})])
    observed = [(s["after_s"], s["downtime_ms"]) for s in row["observed_steps"]]
    assert observed == [(0, 50), (600, 140)]
    assert row["ramp_verdict"] == "match"
    late = row["observed_steps"][1]["lag_s"]
    assert 49 < late < 51
    assert {"steps-skipped", "step-late"} <= set(codes(row))
    skipped = next(f for f in row["findings"] if f["code"] == "steps-skipped")
    assert "steps 1 were skipped" in skipped["message"]


def test_python2_values_need_python2():
    s = script("train", duration=2400, converge=2300, python=2, downtime=5000, steps=7)
    declared = Declared(flags=WORKED)
    (row,) = migrations([s], Options(declared=declared, release="train", python=2))
    assert [st["downtime_ms"] for st in row["observed_steps"]] == [714, 1326, 1938, 2550, 3162,
                                                                   3774, 4386, 4998]
    assert row["ramp_verdict"] == "match" and row["variant"] == "linear-py2"
    (row3,) = migrations([s], Options(declared=declared, release="train", python=3))
    assert row3["ramp_verdict"] == "mismatch"
    assert codes(row3).count("step-value-mismatch") == 5
    inferred = row3["inferred"]
    assert (inferred["steps"], inferred["step_interval_s"], inferred["delay"]) == (7, 300, 75)
    assert any(alt["variant"] == "linear-py2" for alt in
               [{"variant": inferred["variant"]}, *inferred["alternatives"]])


def test_release_unknown_accepts_what_evidence_allows():
    s = script("train", duration=2400, converge=2300, python=2, downtime=5000, steps=7)
    (row,) = migrations([s], Options(declared=Declared(flags=WORKED), memory_mb=4096))
    assert row["ramp_verdict"] == "match"
    assert row["variant"] == "linear-py2"
    assert "variant-matched" in codes(row)
    assert row["release_source"].startswith("log clues: ")


def test_timeout_then_cancel():
    s = script("stein", duration=2000, converge=None, data_gb=2.0, completion_timeout=800)
    (row,) = migrations([s])
    assert row["outcome"] == "cancelled"
    assert row["timeout_hit"] and row["timeout_limit_s"] == 1600
    assert row["predicted_timeout_s"] == 1600
    assert "canceled by client" in row["error"]
    assert {"completion-timeout-hit", "ramp-max-not-converged"} <= set(codes(row))
    assert "timeout-limit-mismatch" not in codes(row)
    assert row["final_downtime_ms"] == 500  # the ramp ended at 1500 s, before the timeout


def test_force_complete_to_post_copy():
    s = script("stein", minor=1, duration=2000, converge=None, data_gb=2.0,
               timeout_action="force_complete", post_copy=True)
    (row,) = migrations([s])
    assert row["outcome"] == "completed"
    assert row["timeout_hit"] and row["post_copy"] and not row["paused"]
    assert row["post_copy_at"] is not None
    assert "post-copy-switch" in codes(row)


def test_force_complete_to_pause():
    s = script("train", minor=1, duration=2000, converge=None, data_gb=2.0,
               timeout_action="force_complete", post_copy=False)
    (row,) = migrations([s])
    assert row["outcome"] == "completed"
    assert row["timeout_hit"] and row["paused"] and not row["post_copy"]
    assert "force-complete-paused" in codes(row)


def test_overlapping_migrations_and_a_repeat():
    first = script(instance=VM1, duration=700, converge=650)
    second = script(instance=VM2, start=T0 + timedelta(seconds=120), duration=400, converge=None,
                    failure="operation failed: domain is not running")
    repeat = script(instance=VM1, start=T0 + timedelta(hours=2), duration=400, converge=200)
    second.converge_at = 300.0
    rows = migrations([first, second, repeat], debug=False)
    assert [(r["instance"], r["outcome"]) for r in rows] == [
        (VM1, "completed"), (VM2, "failed"), (VM1, "completed")]
    assert rows[1]["error"] == "operation failed: domain is not running"
    assert rows[2]["start"].startswith("2024-05-01 13:59:59")
    assert [len(r["observed_steps"]) for r in rows] == [3, 1, 1]
    assert all(r["ramp_verdict"] == "match" for r in rows)


def test_running_config_differs_from_declared():
    s = script(instance=VM1, downtime=1000)
    release = parse_release("ussuri").release
    dump = startup(release, T0 - timedelta(days=1), {
        "live_migration_downtime": 1000, "live_migration_downtime_steps": 10,
        "live_migration_downtime_delay": 75, "live_migration_completion_timeout": 800},
        "21.2.3")
    declared = Declared(flags={"live_migration_downtime": 500})
    (row,) = migrations([s], Options(declared=declared), extra={"compute-1": dump})
    assert row["release"] == "Ussuri (21)"
    assert row["release_source"] == "Starting compute node (version 21.2.3)"
    assert "running-config-differs" in codes(row)
    assert row["ramp_verdict"] == "mismatch"
    assert row["inferred"]["downtime"] == 1000
    (row2,) = migrations([s], Options(), extra={"compute-1": dump})
    assert row2["config_source"] == "startup dump"
    assert row2["config"]["live_migration_downtime"]["value"] == 1000
    assert row2["config"]["live_migration_downtime"]["source"].startswith("startup dump at")
    assert row2["ramp_verdict"] == "match"


def test_liberty_exponential_compact_form():
    release = parse_release("liberty").release
    s = script("liberty", duration=1600, converge=1500, data_gb=2, python=2)
    boot = startup(release, T0 - timedelta(hours=1), {}, "12.0.0")
    (row,) = migrations([s], extra={"compute-1": boot})
    assert row["variant"] == "exponential"
    assert row["release"] == "Liberty (12)"
    assert [st["downtime_ms"] for st in row["observed_steps"]] == [
        v for _, v in downtime_steps(500, 10, 75, 2, "exponential")][:len(row["observed_steps"])]
    assert len(row["observed_steps"]) == 10
    assert row["ramp_verdict"] == "match"


def test_both_hosts_with_clock_offset():
    rows = migrations([script(instance=VM1, dest_clock_offset_s=7.25),
                       script(instance=VM2, start=T0 + timedelta(hours=1), source_host="compute-2",
                              dest_host="compute-1", dest_clock_offset_s=-7.25)])
    for row, true_offset in zip(rows, (7.25, -7.25), strict=True):
        switchover = row["switchover"]
        offset, uncertainty = switchover["clock_offset_s"], switchover["uncertainty_s"]
        assert abs(offset - true_offset) <= uncertainty + 1e-6
        assert uncertainty < 1.0
        assert 0 <= switchover["seconds"] <= 0.2 + 2 * uncertainty
        assert "nova never logs the guest's real downtime" in switchover["note"]


def test_destination_only_and_source_only():
    s = script(instance=VM1)
    (dest,) = migrations([s], only={"compute-2"})
    assert (dest["dest_host"], dest["outcome"]) == ("compute-2", "completed")
    assert "destination-only" in codes(dest)
    (source,) = migrations([s], only={"compute-1"})
    assert source["switchover"]["basis"].startswith("source only")


def test_truncated_logs():
    s = script(instance=VM1, duration=2000, converge=1800)
    narration = narrate(s)
    cut = T0 + timedelta(seconds=900)
    head = [r for r in narration.source if r.when < cut]
    tail = [r for r in narration.source if r.when >= cut]
    (ended,) = migrations([], extra={"compute-1": head})
    assert ended["outcome"] == "unknown"
    assert "log-ends-mid-migration" in codes(ended)
    (started,) = migrations([], extra={"compute-1": tail})
    assert started["outcome"] == "completed"
    assert "log-starts-mid-migration" in codes(started)


def test_wrong_step_value_is_a_mismatch_with_inference():
    s = script(instance=VM1, duration=1000, converge=950, downtime=800, steps=8, delay=50)
    (row,) = migrations([s], Options(declared=Declared(flags={"live_migration_downtime": 500}),
                                     memory_mb=4096))
    assert row["ramp_verdict"] == "mismatch"
    inferred = row["inferred"]
    assert (inferred["downtime"], inferred["steps"], inferred["step_interval_s"],
            inferred["delay"]) == (800, 8, 200, 50)
    assert "config-inferred" in codes(row)


def test_destination_events_are_attached_once(real_logs):
    """The Juno destination logs several sync_power moves around one Post operation."""
    from loganalyzer.analysis.migrations import analyse
    from loganalyzer.logs.read import collect

    paths = [str(real_logs / f"os-log-merger_juno_hp-ms-01-{h}_nova-compute.log")
             for h in ("c29", "c30")]
    rows = analyse(collect(paths).records(), Options())
    assert len(rows) == 2
    for row in rows:
        events = row["_events"]
        assert len({id(e) for e in events}) == len(events)
        assert sum(e["kind"] == "post_operation_started" for e in events) == 1


def test_sync_power_move_after_post_operation_joins_its_arrival_once():
    import pandas as pd

    from loganalyzer.analysis.timeline import build

    def event(kind, seconds, **fields):
        return {"kind": kind, "host": "compute-2", "instance": VM1,
                "timestamp": pd.Timestamp("2024-05-01 12:00") + pd.Timedelta(seconds=seconds),
                **fields}

    timelines = build([event("post_operation_started", 0),
                       event("sync_power_moved", 5, source_host="c1", dest_host="c2")])
    (arrival,) = timelines.arrivals
    assert [e["kind"] for e in arrival.events] == ["post_operation_started", "sync_power_moved"]

"""nova's other per-iteration monitor lines (``No current step``, ``Downtime does not need to
change``, ``Operation thread is still running``, ``Migration not running yet``) fold into runs
like ``Current … steps``: one row per run, ended by any other line of the migration, and runs
cut by byte ranges joined again (issue 14 item 11)."""

from __future__ import annotations

import pandas as pd

import loganalyzer.logs.engine as engine_mod
from loganalyzer.logs.read import collect, gather

INSTANCE = "7b7edae6-f878-4756-a858-86f836d02c33"
OTHER = "0cd85ca4-17b0-4819-8bd7-d66373466f71"
T0 = pd.Timestamp("2024-05-01 12:00:00")
SITE = " _live_migration_monitor /usr/lib/python3/dist-packages/nova/virt/libvirt/driver.py:1"


def line(seconds: float, logger: str, text: str, instance: str = INSTANCE,
         level: str = "DEBUG") -> str:
    when = (T0 + pd.Timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return (f"{when} 4242 {level} nova.virt.libvirt.{logger} [-] [instance: {instance}] "
            f"{text}{SITE if level == 'DEBUG' else ''}\n")


def monitor_log(iterations: int = 40) -> str:
    """A Newton+ monitor: the job not started for 3 s, then running with the step list,
    a step at 20 s, the unchanged downtime every iteration, another guest interleaved."""
    text = line(0, "driver", "Starting monitoring of live migration")
    for i in range(6):
        text += line(0.5 * i, "driver", "Operation thread is still running")
        text += line(0.5 * i, "driver", "Migration not running yet")
        text += line(0.5 * i, "driver", "Migration not running yet", instance=OTHER)
    for i in range(iterations):
        t = 3 + 0.5 * i
        text += line(t, "migration", f"Current 50 elapsed {int(t)} steps [(0, 50), (20, 95)]")
        if t == 21.0:
            text += line(t, "migration", "Increasing downtime to 95 ms after 20 sec elapsed "
                         "time", level="INFO")
        else:
            text += line(t, "migration", "Downtime does not need to change")
    return text


def test_runs_of_repeated_monitor_lines(tmp_path):
    path = tmp_path / "nova-compute.log"
    path.write_text(monitor_log())
    events = collect([str(path)], engine="local").events
    mine = events[(events["instance"] == INSTANCE) & (events["kind"] != "downtime_state")]
    assert mine["kind"].tolist() == ["monitor_started", "operation_thread_running",
                                     "migration_not_running", "downtime_unchanged",
                                     "downtime_step", "downtime_unchanged"]
    repeats = [None if pd.isna(v) else int(v) for v in mine["repeats"].tolist()]
    assert repeats == [None, 6, 6, 36, None, 3]
    other = events[events["instance"] == OTHER]
    assert other["repeats"].tolist() == [6]  # another guest's lines do not end a run
    first = mine[mine["kind"] == "downtime_unchanged"].iloc[0]
    assert (first["line"], first["last_line"]) == (21, 91)


def test_without_folding_every_line_is_an_event(tmp_path):
    path = tmp_path / "nova-compute.log"
    path.write_text(monitor_log())
    events = collect([str(path)], engine="local", fold=False).events
    assert (events["kind"] == "downtime_unchanged").sum() == 39


def test_byte_ranges_join_the_runs_they_cut(tmp_path, monkeypatch):
    path = tmp_path / "nova-compute.log"
    path.write_text(monitor_log(400))
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
    whole = collect([str(path)], engine="local")
    monkeypatch.setattr(engine_mod, "SPLIT_BYTES", 20_000)
    monkeypatch.setattr(engine_mod, "RANGES_PER_WORKER", 1)
    from loganalyzer.logs.ingest.discover import plan_inputs

    with engine_mod.executor("local") as (pool, _):
        jobs = engine_mod.plan_jobs(plan_inputs([str(path)]).files, 4)
        assert len(jobs) == 4
        split = gather(engine_mod.merge_ranges(jobs, engine_mod.run(jobs, pool)))
    pd.testing.assert_frame_equal(whole.events, split.events)
    unchanged = whole.events[whole.events["kind"] == "downtime_unchanged"]
    assert unchanged["repeats"].tolist() == [36, 363]

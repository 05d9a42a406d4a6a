"""Repeated ``Current … steps`` monitor lines fold into runs: the rules of a run, runs cut by
byte ranges or a cached file's tail joined again, and analyses identical with and without
folding (sample logs, real logs)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import loganalyzer.logs.engine as engine_mod
import loganalyzer.logs.scan as scan_mod
from loganalyzer.cli import app
from loganalyzer.logs.read import collect
from tests.conftest import REPO

INSTANCE = "7b7edae6-f878-4756-a858-86f836d02c33"
OTHER = "0cd85ca4-17b0-4819-8bd7-d66373466f71"
STEPS = "[(0, 50), (150, 95), (300, 140)]"
T0 = pd.Timestamp("2024-05-01 12:00:00")


def state_line(seconds: float, current: int | None, elapsed: int, instance: str = INSTANCE,
               steps: str = STEPS) -> str:
    when = (T0 + pd.Timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return (f"{when} 4242 DEBUG nova.virt.libvirt.migration [-] [instance: {instance}] "
            f"Current {current} elapsed {elapsed} steps {steps} update_downtime "
            "/usr/lib/python3/dist-packages/nova/virt/libvirt/migration.py:510\n")


def noise(seconds: float) -> str:
    when = (T0 + pd.Timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return (f"{when} 4242 DEBUG oslo_service.periodic_task [-] Running periodic task "
            "ComputeManager._poll_volume_usage run_periodic_tasks\n")


def rows(path: str, fold: bool = True) -> pd.DataFrame:
    events = collect([path], engine="local", fold=fold).events
    return events[events["kind"] == "downtime_state"].reset_index(drop=True)


def test_a_run_holds_while_nothing_changes_and_ends_when_something_does(tmp_path):
    text = "".join(state_line(20 + i / 2, 50, 20 + i // 2) for i in range(10))  # 20..24 s
    text += noise(25) + state_line(25, 50, 24, instance=OTHER)  # other lines do not end it
    text += "".join(state_line(25 + i / 2, 50, 24 + i // 2) for i in range(4))  # same run
    text += state_line(30, 50, 29)  # the monitor was silent 4 s: a stall starts a new run
    text += state_line(151, 50, 150)  # a step fell due and was not applied: new run
    text += state_line(151.5, 50, 150)  # (near a due time, a run per elapsed second)
    text += state_line(152, 95, 151)  # the value changed
    text += state_line(160, None, 0)  # elapsed went back: the next migration
    path = tmp_path / "nova-compute.log"
    path.write_text(text)
    found = rows(str(path))
    mine = found[found["instance"] == INSTANCE]
    assert mine["repeats"].tolist() == [14, 1, 2, 1, 1]
    assert mine["line"].tolist() == [1, 17, 18, 20, 21]
    assert mine["last_line"].tolist() == [16, 17, 19, 20, 21]
    assert mine["last_elapsed_s"].tolist() == [25, 29, 150, 151, 0]
    assert mine["elapsed_s"].tolist() == [20, 29, 150, 151, 0]
    assert str(mine["last_timestamp"].iloc[0]) == "2024-05-01 12:00:26.500000"
    events = collect([str(path)], engine="local")
    assert events.files[0].folded == 14  # 19 state lines of INSTANCE + 1 of OTHER, 6 rows
    assert events.files[0].events + events.files[0].folded == 20


def test_without_folding_every_line_is_an_event(tmp_path):
    path = tmp_path / "nova-compute.log"
    path.write_text("".join(state_line(i / 2, 50, i // 2) for i in range(10)))
    assert len(rows(str(path))) == 5  # folded: one run per second near a due time
    found = rows(str(path), fold=False)
    assert len(found) == 10 and "repeats" not in found


def long_run_log(tmp_path) -> str:
    """Runs long enough that any cut lands inside one."""
    text = "".join(state_line(i / 2, 50, i // 2) + noise(i / 2 + 0.1) for i in range(2000))
    path = tmp_path / "nova-compute.log"
    path.write_text(text)
    return str(path)


def same(a, b) -> None:
    pd.testing.assert_frame_equal(a.events, b.events)
    assert [f.to_json() for f in a.files] == [f.to_json() for f in b.files]


def test_byte_ranges_join_a_run_they_cut(tmp_path, monkeypatch):
    path = long_run_log(tmp_path)
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
    whole = collect([path], engine="local")
    monkeypatch.setattr(engine_mod, "SPLIT_BYTES", 10_000)
    monkeypatch.setattr(engine_mod, "RANGES_PER_WORKER", 1)
    from loganalyzer.logs.ingest.discover import plan_inputs

    assert len(engine_mod.plan_jobs(plan_inputs([path]).files, 5)) == 5
    with engine_mod.executor("local") as (pool, _):
        jobs = engine_mod.plan_jobs(plan_inputs([path]).files, 5)
        parts = engine_mod.merge_ranges(jobs, engine_mod.run(jobs, pool))
    from loganalyzer.logs.read import gather

    split = gather(parts)
    same(whole, split)
    # steps fall due at 150 s and 300 s; the 7 s after each are kept a second at a time
    near = [2] * 7  # two lines a second
    assert whole.events["repeats"].tolist() == [*near, 286, *near, 286, *near, 1386]


def test_a_cached_file_and_its_tail_join_a_run(tmp_path):
    path = long_run_log(tmp_path)
    with open(path, "rb") as fh:
        data = fh.read()
    log = tmp_path / "grown" / "nova-compute.log"
    log.parent.mkdir()
    log.write_bytes(data[: data.index(b"\n", len(data) // 4) + 1])
    cache = str(tmp_path / "cache")
    collect([str(log)], cache_dir=cache)
    log.write_bytes(data)
    same(collect([str(log)], cache_dir=cache), collect([str(log)]))


def analysis(paths: list[str], fold: bool, config: list[str] | None = None) -> list[dict]:
    """``migrations --format json``'s elements, read folded or not (the CLI folds)."""
    import loganalyzer

    events = collect(paths, engine="local", fold=fold)
    return [m.to_json() for m in loganalyzer.migrations(events, config=config or [])]


def test_the_api_gives_what_the_command_gives():
    """The comparison below goes through the API: its elements are the command's."""
    args = [str(REPO / "sample_logs"), "--config", str(REPO / "sample_logs" / "nova.conf")]
    out = CliRunner().invoke(app, ["migrations", *args, "--engine", "local", "-q", "-f",
                                   "json"])
    assert out.exit_code in (0, 1), out.output
    assert json.loads(out.stdout)["migrations"] == analysis(args[:1], True, args[2:])


def test_sample_analysis_is_the_same_with_and_without_folding():
    config = [str(REPO / "sample_logs" / "nova.conf")]
    folded = analysis([str(REPO / "sample_logs")], True, config)
    unfolded = analysis([str(REPO / "sample_logs")], False, config)
    assert folded == unfolded
    assert any(m["events"] > 100 for m in folded)  # DEBUG migrations with many state lines


def test_real_log_analysis_is_the_same_with_and_without_folding(real_logs):
    assert analysis([str(real_logs)], True) == analysis([str(real_logs)], False)


def unapplied(text: str, after_s: int) -> str:
    """The log as if nova had not applied the step due at ``after_s``: its ``Increasing
    downtime`` line gone and the monitor lines after it still showing the old value."""
    out, old, new = [], None, None
    for line in text.splitlines(keepends=True):
        if f"ms after {after_s} sec elapsed" in line:
            new = line.split("Increasing downtime to ")[1].split(" ms")[0]
            continue
        if "Increasing downtime to" in line and new is not None:
            new = None  # the next step: nova's own lines again
        if " Current " in line and " steps [" in line:
            value = line.split(" Current ")[1].split(" ")[0]
            if new is None:
                old = value
            else:
                line = line.replace(f" Current {new} ", f" Current {old} ")
        out.append(line)
    return "".join(out)


@pytest.mark.parametrize("stalls", [None, {250.0: 400.0}, {290.0: 30.0}])
@pytest.mark.parametrize("not_applied", [None, 300])
def test_scenarios_analyse_the_same_folded_or_not(stalls, not_applied):
    """Stalled monitors and a step nova failed to apply: the same findings either way."""
    from loganalyzer.analysis.migrations import analyse
    from loganalyzer.simulate.narrate import narrate
    from tests.scenarios import events_of, host_logs, script

    s = script(duration=1000, converge=900, stalls=stalls)
    logs = host_logs([(s, narrate(s))])
    if not_applied is not None:
        logs = {h: unapplied(t, not_applied) for h, t in logs.items()}
    results = []
    for fold in (True, False):
        results.append(analyse(events_of(logs, fold).records(), __import__(
            "loganalyzer.analysis.migrations", fromlist=["Options"]).Options()))
    for row in results:
        row[0].pop("_events", None)
    assert results[0] == results[1]
    codes = {f["code"] for f in results[0][0]["findings"]}
    assert ("step-missing" in codes) == (not_applied is not None and stalls != {250.0: 400.0})


def test_the_fast_fold_agrees_with_the_full_parse(tmp_path, monkeypatch):
    """Plain oslo.log state lines that continue a run skip the grammar; the result is the
    one the grammar gives."""
    from loganalyzer.simulate.narrate import narrate
    from tests.scenarios import host_logs, script

    s = script(duration=1000, converge=900, stalls={290.0: 30.0})
    text = host_logs([(s, narrate(s))])["compute-1"]
    path = tmp_path / "nova-compute.log"
    path.write_text(text + unapplied(text, 300))
    calls = []
    original = scan_mod.ScanState._fold_fast

    def counted(self, raw, number):
        calls.append(original(self, raw, number))
        return calls[-1]

    monkeypatch.setattr(scan_mod.ScanState, "_fold_fast", counted)
    fast = collect([str(path)], engine="local")
    assert sum(calls) > 1000
    monkeypatch.setattr(scan_mod.ScanState, "_fold_fast", lambda self, raw, number: False)
    same(fast, collect([str(path)], engine="local"))

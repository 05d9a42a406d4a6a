"""The guest's real pause from libvirt/QEMU logs, on simulated host pairs whose truth is known:
libvirt at debug and at info, clock offsets between the hosts and nova's local time zone,
steps libvirt failed to apply, post-copy, force-complete pauses, QEMU's estimate overrun."""

from __future__ import annotations

import csv
import io
import json
import os
import random
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from typer.testing import CliRunner

import loganalyzer
from loganalyzer.cli import app
from loganalyzer.nova.releases import parse_release
from loganalyzer.nova.settings import Settings
from loganalyzer.simulate import libvirt_logs
from loganalyzer.simulate.logs import render, script_for, write_rotated
from loganalyzer.simulate.model import Guest, simulate
from loganalyzer.simulate.narrate import narrate

FAST = Settings(downtime=500, steps=5, delay=5)  # a step every 20 s on a 4 GiB guest
START = datetime(2026, 11, 2, 8, 0, 0)


def pair(out, release="2023.1", level="info", dirty=300.0, offset=0.8, settings=FAST,
         nova_utc_offset_min=0, nova_warns=(), domain_logs=True, dest_warning=False, **kw):
    """Both hosts' nova and libvirt logs of one simulated migration under ``out``; returns
    the simulator's result and the QEMU truth (the real STOP → RESUME)."""
    rel = parse_release(release).release
    guest = Guest(4096, (), dirty, None)
    result = simulate(guest, 1000.0, settings, rel, rel.default_python, seed=3)
    script = script_for(result, guest, settings, rel, rel.default_python, START,
                        dest_clock_offset_s=offset)
    narration = narrate(script)
    for value in nova_warns:  # nova's WARNING when libvirt raised on the step
        step = next(r for r in narration.source if f"downtime to {value} ms" in r.message)
        narration.source.append(replace(
            step, level="WARNING", when=step.when + timedelta(milliseconds=5),
            message=f"Unable to increase max downtime to {value} ms: internal error: unable "
                    "to execute QEMU command 'migrate-set-parameters': Parameter "
                    "'downtime-limit' expects an integer"))
        narration.source.sort(key=lambda r: r.when)
    for host, records in ((script.source_host, narration.source),
                          (script.dest_host, narration.dest)):
        write_rotated(os.path.join(out, host), "nova-compute.log",
                      render(records, "plain", host, True))
    lines = libvirt_logs.LibvirtLines()
    truth = libvirt_logs.write_migration(lines, script, narration, result, level,
                                         random.Random(1), link_mibs=1000.0,
                                         dirty_rate_mibs=dirty,
                                         nova_utc_offset_min=nova_utc_offset_min, **kw)
    if not domain_logs:
        lines.domain.clear()
    if dest_warning and truth.resume is not None:  # libvirt's WARNING, destination clock
        when = truth.resume + timedelta(seconds=offset + 0.004)
        lines.daemon[script.dest_host].append((truth.resume, when.strftime(
            "%Y-%m-%d %H:%M:%S.%f")[:-3] + "+0000: 3102: warning : qemuMigrationDstComplete:"
            "6201 : Guest's CPUs stopped in the future"))
    for host in (script.source_host, script.dest_host):
        libvirt_logs.write_files(str(out), lines, host, rel)
    (row,) = loganalyzer.migrations([str(out)])
    return row, result, truth, script


def codes(row):
    return [f["code"] for f in row["findings"]]


def within_stated_uncertainty(row, truth):
    sw = row["switchover"]
    assert sw["evidence"] == "qemu-events" and sw["uncertainty_s"] is not None
    assert abs(sw["seconds"] - truth.pause_s) <= sw["uncertainty_s"] + 0.001
    assert sw["lower_bound_s"] <= truth.pause_s + 0.001


@pytest.mark.parametrize("offset", [0.8, -1.3])
def test_info_level_pair_with_clock_offset(tmp_path, offset):
    row, _, truth, script = pair(tmp_path, offset=offset)
    within_stated_uncertainty(row, truth)
    assert row["qemu_downtime_ms"] == truth.qemu_downtime_ms
    assert row["qemu_downtime_limit_ms"] == truth.limit_in_force_ms
    assert "no reply" not in row["qemu"]["downtime_limit_source"]
    assert [c["command"] for c in row["qemu"]["downtime_limits"]] == [
        "migrate-set-parameters"] * len(truth.applied)  # libvirt ≥ 6.5
    history = row["memory_history"]
    assert len(history) >= 5 and history[0]["remaining_bytes"] > history[-1]["remaining_bytes"]
    assert len(history) == min(row["qemu"]["query_migrate_replies"], 120)
    assert all(h["dirty_pages_rate"] == 300 * 256 for h in history)
    assert len(row["qemu_expected_downtime_ms"]) == len(history)
    # info level: no monitor or API names; the domain logs' command lines name the uuid
    assert row["qemu"]["joined_by"] == ("source: instance uuid and time; destination: "
                                        "instance uuid and time")
    assert row["instance"] == script.instance
    assert "pause-exceeds-limit" not in codes(row)


def test_info_level_without_domain_logs_joins_by_host_and_time(tmp_path):
    row, _, truth, _ = pair(tmp_path, domain_logs=False)
    assert row["qemu"]["joined_by"] == ("source: host and time only; destination: host and "
                                        "time only")
    within_stated_uncertainty(row, truth)


def test_destination_clock_behind(tmp_path):
    row, _, truth, _ = pair(tmp_path, offset=-2.0, dest_warning=True)
    assert "dest-clock-behind" in codes(row)
    within_stated_uncertainty(row, truth)
    row, _, _, _ = pair(tmp_path / "no", offset=-2.0)
    assert "dest-clock-behind" not in codes(row)


def test_debug_level_old_libvirt_nova_in_local_time(tmp_path):
    row, _, truth, _ = pair(tmp_path, release="ussuri", level="debug", dirty=900.0,
                                 offset=-1.3, nova_utc_offset_min=-240)
    within_stated_uncertainty(row, truth)
    assert row["qemu"]["joined_by"] == ("source: instance uuid and time; destination: "
                                        "instance uuid and time")
    assert row["qemu"]["clocks"][0].startswith("nova on compute-1 writes UTC-04:00")
    limits = row["qemu"]["downtime_limits"]
    assert {c["command"] for c in limits} == {"migrate_set_downtime"}  # libvirt 6.0, seconds
    assert [c["downtime_ms"] for c in limits] == [v for _, v in truth.applied]
    assert row["qemu_downtime_limit_ms"] == truth.limit_in_force_ms == limits[-1]["downtime_ms"]
    # the limits' times are written in nova's clock (local), like the steps nova logged
    steps = {s["downtime_ms"]: s["time"] for s in row["observed_steps"]}
    for change in limits:
        lag = (datetime.fromisoformat(change["time"]) -
               datetime.fromisoformat(steps[change["downtime_ms"]])).total_seconds()
        assert 0 <= lag < 0.1
    assert os.path.exists(tmp_path / "compute-1" / "libvirt" / "libvirtd.log")
    assert not codes(row).count("step-not-applied")


def test_steps_libvirt_failed_to_apply(tmp_path):
    row, _, truth, _ = pair(tmp_path, dirty=900.0, unapplied_steps=(1,), rejected_steps=(2,))
    found = [f for f in row["findings"] if f["code"] in ("step-not-applied",
                                                          "downtime-set-failed")]
    assert [f["code"] for f in found] == ["downtime-set-failed", "step-not-applied"]
    assert "260 ms" in found[0]["message"] and "180 ms" in found[1]["message"]
    limits = row["qemu"]["downtime_limits"]
    assert [(c["downtime_ms"], c["ok"]) for c in limits] == [
        (100, True), (260, False), (340, True), (420, True)]
    assert row["qemu_downtime_limit_ms"] == truth.limit_in_force_ms
    within_stated_uncertainty(row, truth)


def test_long_series_are_thinned_evenly(tmp_path):
    settings = Settings(downtime=500, steps=5, delay=5, completion_timeout=60,
                        timeout_action="force_complete")
    row, _, _, _ = pair(tmp_path, dirty=1500.0, settings=settings)
    replies = row["qemu"]["query_migrate_replies"]
    history = row["memory_history"]
    assert replies > 120 and len(history) == len(row["qemu_expected_downtime_ms"]) == 120
    times = [h["time"] for h in history]
    assert times == sorted(times) and len(set(times)) == 120


def test_a_step_applied_late(tmp_path):
    row, _, truth, _ = pair(tmp_path, dirty=900.0, late_steps={1: 3.5})
    late = [f["message"] for f in row["findings"] if f["code"] == "step-applied-late"]
    assert len(late) == 1 and late[0].startswith("the 180 ms step reached QEMU 3.5 s after")
    assert "step-not-applied" not in codes(row)
    assert row["qemu_downtime_limit_ms"] == truth.limit_in_force_ms


def test_nova_warning_for_a_step_is_one_finding(tmp_path):
    row, _, _, _ = pair(tmp_path / "both", dirty=900.0, rejected_steps=(2,), nova_warns=(260,))
    failed = [f["message"] for f in row["findings"] if f["code"] == "downtime-set-failed"]
    assert len(failed) == 1 and failed[0].startswith("nova could not raise the max downtime "
                                                     "to 260 ms")
    assert "step-not-applied" not in codes(row)
    row, _, _, _ = pair(tmp_path / "nova", dirty=900.0, level="off", nova_warns=(180,))
    assert [f["code"] for f in row["findings"] if f["code"] == "downtime-set-failed"] == [
        "downtime-set-failed"]  # nova's own line is enough


def test_post_copy(tmp_path):
    settings = Settings(downtime=500, steps=5, delay=5, completion_timeout=10,
                        timeout_action="force_complete", post_copy=True)
    row, result, truth, _ = pair(tmp_path, dirty=1500.0, settings=settings)
    assert result.mechanism == "post-copy" and row["post_copy"]
    within_stated_uncertainty(row, truth)
    assert "qemu-downtime-post-copy" in codes(row)
    assert "pause-exceeds-limit" not in codes(row)
    assert row["qemu_downtime_ms"] == truth.qemu_downtime_ms


def test_force_complete_pause(tmp_path):
    settings = Settings(downtime=500, steps=5, delay=5, completion_timeout=10,
                        timeout_action="force_complete")
    row, result, truth, _ = pair(tmp_path, dirty=1500.0, settings=settings)
    assert result.mechanism == "paused"
    within_stated_uncertainty(row, truth)
    assert truth.pause_s > 1.0 and row["qemu_downtime_ms"] < 100  # QEMU counts its own part
    assert "qemu-downtime-paused" in codes(row)


def test_pause_exceeding_the_limit(tmp_path):
    row, _, truth, _ = pair(tmp_path, qemu_overrun_ms=400)
    within_stated_uncertainty(row, truth)
    assert row["qemu_downtime_ms"] > row["qemu_downtime_limit_ms"]
    assert "pause-exceeds-limit" in codes(row)


def test_report_summary_counts_the_tiers(tmp_path):
    from loganalyzer.report.stats import summary

    measured, _, _, _ = pair(tmp_path / "a")
    estimated, _, _, _ = pair(tmp_path / "b", level="off")
    pauses = summary([measured, estimated])["pauses"]
    assert (pauses["measured"], pauses["estimated"]) == (1, 1)
    assert pauses["measured_max_s"] == measured["switchover"]["seconds"]


def test_without_libvirt_logs_the_estimate_says_so(tmp_path):
    row, _, _, _ = pair(tmp_path, level="off")
    assert row["switchover"]["evidence"] == "lifecycle-events"
    assert (row["qemu_downtime_ms"], row["qemu_downtime_limit_ms"]) == (None, None)
    assert row["memory_history"] == [] and row["qemu_expected_downtime_ms"] == []


def test_show_and_json_say_the_tier(tmp_path):
    row, _, _, script = pair(tmp_path / "qemu")
    shown = CliRunner().invoke(app, ["show", str(tmp_path / "qemu"), "--instance",
                                     script.instance])
    assert shown.exit_code in (0, 1), shown.output
    assert "guest pause (measured by QEMU)" in shown.output
    assert "QEMU's own downtime figure" in shown.output
    listed = CliRunner().invoke(app, ["migrations", str(tmp_path / "qemu"), "-f", "json"])
    (public,) = json.loads(listed.output)["migrations"]
    assert public["switchover"]["evidence"] == "qemu-events"
    assert public["qemu_downtime_ms"] == row["qemu_downtime_ms"]
    assert "_clock" not in public
    table = CliRunner().invoke(app, ["migrations", str(tmp_path / "qemu"), "-f", "csv"])
    (line,) = csv.DictReader(io.StringIO(table.output))
    assert (line["switchover_evidence"], line["qemu_downtime_ms"]) == (
        "qemu-events", str(row["qemu_downtime_ms"]))
    _, _, _, other = pair(tmp_path / "nova", level="off")
    shown = CliRunner().invoke(app, ["show", str(tmp_path / "nova"), "--instance",
                                     other.instance[:8]])
    assert "estimated from nova's lifecycle events" in shown.output


def test_simulate_command_writes_libvirt_logs(tmp_path):
    done = CliRunner().invoke(app, ["simulate", "--out", str(tmp_path), "--libvirt-log",
                                    "debug", "--dirty-rate", "300", "-f", "json"])
    assert done.exit_code == 0, done.output
    written = json.loads(done.output)["written"]
    assert any(p.endswith("compute-1/libvirt/virtqemud.log") for p in written)
    (row,) = loganalyzer.migrations([str(tmp_path)])
    assert row["switchover"]["evidence"] == "qemu-events"
    bad = CliRunner().invoke(app, ["simulate", "--libvirt-log", "loud"])
    assert bad.exit_code == 2 and "--libvirt-log loud" in bad.output


def test_fleet_with_concurrent_migrations_and_mixed_levels(tmp_path):
    from datetime import timedelta as td

    from loganalyzer.simulate.fleet import HostSpec, MigrationSpec, write_fleet

    hosts = [HostSpec(name, release, layout, libvirt_log=level, boots=[(START, FAST)])
             for name, release, layout, level in (
                 ("cmp-a", "2023.1", "plain", "info"), ("cmp-b", "ussuri", "syslog", "debug"),
                 ("cmp-c", "2024.1", "journal-json", "info"))]
    moves = (("cmp-a", "cmp-b", 0, 2048, 300), ("cmp-a", "cmp-b", 8, 4096, 900),
             ("cmp-b", "cmp-c", 30, 4096, 600), ("cmp-c", "cmp-a", 200, 2048, 100),
             ("cmp-a", "cmp-c", 205, 4096, 900))
    migrations = [MigrationSpec(source, dest, START + td(seconds=at), Guest(memory, (), dirty))
                  for source, dest, at, memory, dirty in moves]
    truths = write_fleet(str(tmp_path), hosts, migrations, FAST, seed=5)
    rows = {r["instance"]: r for r in loganalyzer.migrations([str(tmp_path)])}
    for truth in truths:
        assert truth["qemu_pause_s"] is not None
        sw = rows[truth["instance"]]["switchover"]
        assert sw["evidence"] == "qemu-events"
        assert abs(sw["seconds"] - truth["qemu_pause_s"]) <= sw["uncertainty_s"] + 0.001

"""The ``simulate`` command: a migration driven as nova drives it, its logs, a fleet."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from typing import Annotated, Any

import typer

from loganalyzer.cli.groups import CONFIG, MODEL, Configuration, Model, uses
from loganalyzer.cli.options import (
    DiskGb,
    check_format,
    format_option,
    parse_start,
    reports_input_errors,
)
from loganalyzer.errors import InputError
from loganalyzer.nova.options import beyond_model


@reports_input_errors
@uses(CONFIG, MODEL)
def simulate(
    configuration: Configuration,
    model: Model,
    memory_mb: Annotated[int, typer.Option("--memory-mb", help="Guest RAM in MB.",
                                           rich_help_panel="Guest")] = 4096,
    disk_gb: DiskGb = None,
    dirty_rate: Annotated[float, typer.Option(
        "--dirty-rate", help="MiB/s the guest writes to memory.", rich_help_panel="Guest")] = 50.0,
    working_set_mb: Annotated[int | None, typer.Option(
        "--working-set-mb", help="Memory the guest keeps rewriting (default: all of it).",
        rich_help_panel="Guest")] = None,
    bandwidth: Annotated[float, typer.Option(
        "--bandwidth", help="Usable link bandwidth, MiB/s.", rich_help_panel="Guest")] = 1000.0,
    migration_bandwidth: Annotated[int | None, typer.Option(
        "--migration-bandwidth", help="live_migration_bandwidth cap, MiB/s (0: none).",
        rich_help_panel="Configuration")] = None,
    start: Annotated[str, typer.Option("--start", help="Monitor start (ISO 8601).")
                     ] = "2026-11-02T08:00:00",
    seed: Annotated[int, typer.Option("--seed", help="Random seed (results are "
                                      "deterministic for a seed).")] = 0,
    stall: Annotated[list[str] | None, typer.Option(
        "--stall", help="AT:SECONDS: the monitor loop stalls at AT for SECONDS (repeatable).")
    ] = None,
    what_if: Annotated[bool, typer.Option(
        "--what-if", help="Also try a small grid around the configured values.")] = False,
    budget: Annotated[float | None, typer.Option(
        "--budget", help="Time budget (s) for --what-if.")] = None,
    out: Annotated[str | None, typer.Option(
        "--out", help="Write the logs of both hosts (or the fleet) under this folder.",
        rich_help_panel="Logs")] = None,
    layout: Annotated[str, typer.Option(
        "--layout", help="plain | syslog | journal-json | oslo-json.",
        rich_help_panel="Logs")] = "plain",
    debug: Annotated[bool, typer.Option("--debug/--info", help="Log level of the written "
                                        "logs.", rich_help_panel="Logs")] = False,
    rotate: Annotated[int, typer.Option("--rotate", help="Split each log into this many "
                                        "rotated files.", rich_help_panel="Logs")] = 1,
    libvirt_log: Annotated[str, typer.Option(
        "--libvirt-log", help="Also write libvirt/QEMU logs at libvirt's debug | info level "
        "(off: none).", rich_help_panel="Logs")] = "off",
    fleet: Annotated[int | None, typer.Option(
        "--fleet", help="Write a fleet of N hosts instead (sosreport-like trees).",
        rich_help_panel="Fleet")] = None,
    fleet_migrations: Annotated[int, typer.Option(
        "--migrations", help="Migrations in the fleet.", rich_help_panel="Fleet")] = 20,
    drift: Annotated[float, typer.Option(
        "--drift", help="Share of fleet hosts running another configuration.",
        rich_help_panel="Fleet")] = 0.1,
    sample: Annotated[bool, typer.Option(
        "--sample", help="Write the project's sample_logs set (with --out).",
        rich_help_panel="Fleet")] = False,
    fmt: format_option("table", "json") = "table",
) -> None:
    """Simulate a live migration the way nova drives it, write its logs, or answer what-if.

    [b]Examples[/b]

      loganalyzer simulate --memory-mb 8192 --dirty-rate 300 --bandwidth 500 --what-if

      loganalyzer simulate --release stein --python 2 --out /tmp/logs --debug --layout syslog

      loganalyzer simulate --fleet 20 --migrations 200 --out /tmp/fleet

      loganalyzer simulate --sample --out sample_logs
    """

    from loganalyzer.api import settings_from
    from loganalyzer.config.load import load_config
    from loganalyzer.config.prediction import resolve_model
    from loganalyzer.output import simulate_out
    from loganalyzer.simulate import fleet as fleet_mod
    from loganalyzer.simulate.logs import LAYOUTS
    from loganalyzer.simulate.model import Guest
    from loganalyzer.simulate.model import simulate as run

    check_format(fmt, ("table", "json"))
    if libvirt_log not in ("debug", "info", "off"):
        raise InputError(f"--libvirt-log {libvirt_log}: not one of debug | info | off")
    if layout not in LAYOUTS:
        raise InputError(f"--layout {layout}: not one of {' | '.join(LAYOUTS)}")
    if (fleet is not None or sample) and out is None:
        raise InputError("--fleet and --sample write files: give --out DIR")
    if sample:
        hosts, migs, deployed, extra = fleet_mod.sample_fleet()
        summaries = fleet_mod.write_fleet(out or "", hosts, migs, deployed, seed=1,
                                          extra_confs=extra)
        simulate_out.result({"migrations": len(summaries), "out": out,
                             "outcomes": [s["outcome"] for s in summaries]}, fmt, sys.stdout)
        return
    flags = dict(configuration.flags)
    if migration_bandwidth is not None:
        flags["live_migration_bandwidth"] = migration_bandwidth
    resolved = resolve_model(model.release, None, model.python)
    settings = settings_from(load_config(resolved.release, configuration.files,
                                         configuration.dirs, flags))
    too_long = beyond_model("live_migration_downtime_steps", settings.steps)
    if too_long:
        raise InputError(too_long)
    if fleet is not None:
        if fleet < 2:
            raise InputError(f"--fleet {fleet}: a fleet needs at least 2 hosts")
        hosts, migs = fleet_mod.random_fleet(fleet, fleet_migrations, seed, drift, debug,
                                             settings)
        for host in hosts:
            host.libvirt_log = libvirt_log
        summaries = fleet_mod.write_fleet(out or "", hosts, migs, settings, seed)
        simulate_out.result({"hosts": fleet, "migrations": len(summaries), "out": out},
                            fmt, sys.stdout)
        return
    if memory_mb <= 0 or bandwidth <= 0 or dirty_rate < 0:
        raise InputError("--memory-mb and --bandwidth must be positive, --dirty-rate >= 0")
    guest = Guest(memory_mb, tuple(disk_gb or ()), dirty_rate, working_set_mb)
    stalls = _stalls(stall or [])
    when = parse_start(start)
    assert when is not None
    py = resolved.variant.python if resolved.variant else resolved.release.default_python
    result = run(guest, bandwidth, settings, resolved.release, py, seed, stalls=stalls)
    summary: dict[str, Any] = {
        "release": resolved.release.label, "variant": str(resolved.variant),
        "data_gb": result.data_gb,
        "outcome": result.outcome, "finished_by": result.mechanism,
        "duration_s": result.end_s, "final_max_downtime_ms": result.final_max_downtime_ms,
        "guest_downtime_ms": result.actual_downtime_ms, "timeout_at_s": result.timeout_at,
        "auto_converge_throttle": result.throttles}
    if out is not None:
        summary["written"] = _write_single(out, result, guest, settings, resolved.release, py,
                                           when, layout, debug, rotate, seed,
                                           (libvirt_log, bandwidth))
    if what_if:
        from loganalyzer.simulate.whatif import what_if as grid

        rows = grid(guest, bandwidth, settings, resolved.release, py, seed, budget)
        if fmt == "json":
            from loganalyzer.simulate.whatif import RANKING

            summary["what_if"] = rows
            summary["what_if_ranking"] = RANKING
        else:
            simulate_out.result(summary, fmt, sys.stdout)
            simulate_out.what_if(rows, budget, fmt, sys.stdout)
            return
    simulate_out.result(summary, fmt, sys.stdout)


def _stalls(values: list[str]) -> dict[float, float]:
    stalls = {}
    for value in values:
        at, sep, seconds = value.partition(":")
        try:
            stalls[float(at)] = float(seconds)
        except ValueError:
            raise InputError(f"--stall {value}: expected AT:SECONDS") from None
        if not sep or stalls[float(at)] < 0:
            raise InputError(f"--stall {value}: expected AT:SECONDS")
    return stalls


def _write_single(out: str, result: Any, guest: Any, settings: Any, release: Any, python: int,
                  when: datetime, layout: str, debug: bool, rotate: int, seed: int,
                  libvirt: tuple[str, float] = ("off", 0.0)) -> list[str]:
    import random

    from loganalyzer.simulate.logs import noise, render, script_for, write_rotated
    from loganalyzer.simulate.narrate import narrate

    script = script_for(result, guest, settings, release, python, when)
    narration = narrate(script)
    rng = random.Random(seed)
    written = []
    for host, records in ((script.source_host, narration.source),
                          (script.dest_host, narration.dest)):
        if not records:
            continue
        start, end = records[0].when, records[-1].when
        lines = render(sorted(records + noise(host, start, end, debug, rng, release.major),
                              key=lambda r: r.when), layout, host, debug)
        name = "messages" if layout == "syslog" else "nova-compute.log"
        written += write_rotated(os.path.join(out, host), name, lines, max(rotate, 1))
    if libvirt[0] != "off":  # both hosts' libvirt/QEMU logs: <out>/<host>/libvirt/…
        from loganalyzer.simulate import libvirt_logs

        lines = libvirt_logs.LibvirtLines()
        libvirt_logs.write_migration(lines, script, narration, result, libvirt[0], rng,
                                     link_mibs=libvirt[1], dirty_rate_mibs=guest.dirty_rate_mibs)
        for host in (script.source_host, script.dest_host):
            written += libvirt_logs.write_files(out, lines, host, release)
    return written

"""The ``simulate`` command: a migration driven as nova drives it, its logs, a fleet."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from loganalyzer.cli.groups import CONFIG, MODEL, Configuration, Model, uses
from loganalyzer.cli.options import DiskGb, TableJson, check_format


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
    fmt: TableJson = "table",
) -> None:
    """Simulate a live migration the way nova drives it, write its logs, or answer what-if.

    [b]Examples[/b]

      loganalyzer simulate --memory-mb 8192 --dirty-rate 300 --bandwidth 500 --what-if

      loganalyzer simulate --release stein --python 2 --out /tmp/logs --debug --layout syslog

      loganalyzer simulate --fleet 20 --migrations 200 --out /tmp/fleet

      loganalyzer simulate --sample --out sample_logs
    """

    from loganalyzer.output import simulate_out
    from loganalyzer.simulate.run import run

    check_format(fmt, ("table", "json"))
    summary = run(
        config=configuration.files, config_dir=configuration.dirs, flags=configuration.flags,
        release=model.release, python=model.python, memory_mb=memory_mb,
        disk_gb=disk_gb or (), dirty_rate=dirty_rate, working_set_mb=working_set_mb,
        bandwidth=bandwidth, migration_bandwidth=migration_bandwidth, start=start, seed=seed,
        stall=stall or (), what_if=what_if, budget=budget, out=out, layout=layout, debug=debug,
        rotate=rotate, libvirt_log=libvirt_log, fleet=fleet, fleet_migrations=fleet_migrations,
        drift=drift, sample=sample)
    simulate_out.result(summary, fmt, sys.stdout)
    if "what_if" in summary and fmt != "json":
        simulate_out.what_if(summary["what_if"], budget, fmt, sys.stdout)

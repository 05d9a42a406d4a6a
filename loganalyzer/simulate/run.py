"""The ``simulate`` command as a library call: plain values in, a summary out.

Validates what it is given (:class:`InputError` naming the flag), then writes the project's
sample set, a random fleet, or simulates one migration (optionally writing both hosts' logs
and trying a what-if grid around the configuration).
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from loganalyzer.errors import InputError
from loganalyzer.flags import Flag, formats
from loganalyzer.nova.options import beyond_model
from loganalyzer.nova.settings import Settings

LIBVIRT_LEVELS = ("debug", "info", "off")
GUEST, LOGS, FLEET = "Guest", "Logs", "Fleet"
FLAGS = (  # run()'s options as the command line shows them (configuration and model apart)
    Flag("memory_mb", ("--memory-mb",), int, 4096, "Guest RAM in MB.", GUEST, "MB"),
    Flag("disk_gb", ("--disk-gb",), list[float] | None, None,
         "Size of a block-migrated disk in GiB (repeatable).", GUEST, "GIB"),
    Flag("dirty_rate", ("--dirty-rate",), float, 50.0, "MiB/s the guest writes to memory.",
         GUEST),
    Flag("working_set_mb", ("--working-set-mb",), int | None, None,
         "Memory the guest keeps rewriting (default: all of it).", GUEST),
    Flag("bandwidth", ("--bandwidth",), float, 1000.0, "Usable link bandwidth, MiB/s.", GUEST),
    Flag("migration_bandwidth", ("--migration-bandwidth",), int | None, None,
         "live_migration_bandwidth cap, MiB/s (0: none).", "Configuration"),
    Flag("start", ("--start",), str, "2026-11-02T08:00:00", "Monitor start (ISO 8601).",
         metavar="TIME"),
    Flag("seed", ("--seed",), int, 0, "Random seed (results are deterministic for a seed)."),
    Flag("stall", ("--stall",), list[str] | None, None,
         "AT:SECONDS: the monitor loop stalls at AT for SECONDS (repeatable)."),
    Flag("what_if", ("--what-if",), bool, False,
         "Also try a small grid around the configured values."),
    Flag("budget", ("--budget",), float | None, None, "Time budget (s) for --what-if.",
         metavar="SECONDS"),
    Flag("out", ("--out",), str | None, None,
         "Write the logs of both hosts (or the fleet) under this folder.", LOGS),
    Flag("layout", ("--layout",), str, "plain", "plain | syslog | journal-json | oslo-json.",
         LOGS),
    Flag("debug", ("--debug/--info",), bool, False, "Log level of the written logs.", LOGS),
    Flag("rotate", ("--rotate",), int, 1, "Split each log into this many rotated files.", LOGS),
    Flag("libvirt_log", ("--libvirt-log",), str, "off", "Also write libvirt/QEMU logs at "
         "libvirt's debug | info level (off: none).", LOGS),
    Flag("fleet", ("--fleet",), int | None, None,
         "Write a fleet of N hosts instead (sosreport-like trees).", FLEET),
    Flag("fleet_migrations", ("--migrations",), int, 20, "Migrations in the fleet.", FLEET),
    Flag("drift", ("--drift",), float, 0.1, "Share of fleet hosts running another "
         "configuration.", FLEET),
    Flag("sample", ("--sample",), bool, False,
         "Write the project's sample_logs set (with --out).", FLEET),
    formats("table", "json"),  # simulate's output (loganalyzer.output.simulate_out)
)


def settings_from(conf: Any) -> Settings:
    """The simulator's :class:`Settings` from an effective configuration (nova's defaults
    where a value is unset)."""
    return Settings(
        downtime=conf.value("live_migration_downtime") or 500,
        steps=conf.value("live_migration_downtime_steps") or 10,
        delay=conf.value("live_migration_downtime_delay") or 75,
        completion_timeout=conf.value("live_migration_completion_timeout") or 0,
        timeout_action=conf.value("live_migration_timeout_action") or "abort",
        post_copy=bool(conf.value("live_migration_permit_post_copy")),
        auto_converge=bool(conf.value("live_migration_permit_auto_converge")),
        bandwidth_mibs=conf.value("live_migration_bandwidth") or 0)


def parse_start(text: str | None) -> datetime | None:
    """``--start`` as a datetime (ISO 8601, ``Z`` allowed)."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"--start {text}: not a timestamp (use ISO 8601, e.g. 2024-05-01T12:00:00)"
        ) from None


def parse_stalls(values: Sequence[str]) -> dict[float, float]:
    """``--stall AT:SECONDS`` values as {at: seconds}."""
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


def configured(config: Sequence[str], config_dir: Sequence[str],
               flags: Mapping[str, Any] | None, release: str | None, python: int | None,
               migration_bandwidth: int | None = None) -> tuple[Any, Settings]:
    """(model, settings): the release resolved and the configuration the simulated host runs
    (files, then flags by nova's names; ``migration_bandwidth`` is live_migration_bandwidth).
    A step count beyond anything nova could run is refused, not allocated."""
    from loganalyzer.config.load import load_config
    from loganalyzer.config.prediction import resolve_model

    values = dict(flags or {})
    if migration_bandwidth is not None:
        values["live_migration_bandwidth"] = migration_bandwidth
    resolved = resolve_model(release, None, python)
    settings = settings_from(load_config(resolved.release, list(config), list(config_dir),
                                         values))
    too_long = beyond_model("live_migration_downtime_steps", settings.steps)
    if too_long:
        raise InputError(too_long)
    return resolved, settings


def guest_of(memory_mb: int, disk_gb: Sequence[float] | None, dirty_rate: float,
             working_set_mb: int | None, bandwidth: float) -> Any:
    """The simulated guest, its values checked (flag names as the command line's)."""
    from loganalyzer.simulate.model import Guest

    if memory_mb <= 0 or bandwidth <= 0 or dirty_rate < 0:
        raise InputError("--memory-mb and --bandwidth must be positive, --dirty-rate >= 0")
    return Guest(memory_mb, tuple(disk_gb or ()), dirty_rate, working_set_mb)


def run(*, config: Sequence[str] = (), config_dir: Sequence[str] = (),
        flags: dict[str, Any] | None = None, release: str | None = None,
        python: int | None = None, memory_mb: int = 4096,
        disk_gb: Sequence[float] | None = (),
        dirty_rate: float = 50.0, working_set_mb: int | None = None,
        bandwidth: float = 1000.0, migration_bandwidth: int | None = None,
        start: str = "2026-11-02T08:00:00", seed: int = 0,
        stall: Sequence[str] | None = (),
        what_if: bool = False, budget: float | None = None, out: str | None = None,
        layout: str = "plain", debug: bool = False, rotate: int = 1,
        libvirt_log: str = "off", fleet: int | None = None, fleet_migrations: int = 20,
        drift: float = 0.1, sample: bool = False) -> dict[str, Any]:
    """What ``loganalyzer simulate`` prints, as a dict (``what_if`` rows included when
    asked). Flag names in errors are the command line's."""
    from loganalyzer.simulate import fleet as fleet_mod
    from loganalyzer.simulate.logs import LAYOUTS
    from loganalyzer.simulate.model import simulate as simulate_one

    if libvirt_log not in LIBVIRT_LEVELS:
        raise InputError(f"--libvirt-log {libvirt_log}: not one of {' | '.join(LIBVIRT_LEVELS)}")
    if layout not in LAYOUTS:
        raise InputError(f"--layout {layout}: not one of {' | '.join(LAYOUTS)}")
    if (fleet is not None or sample) and out is None:
        raise InputError("--fleet and --sample write files: give --out DIR")
    if sample:
        hosts, migs, deployed, extra = fleet_mod.sample_fleet()
        summaries = fleet_mod.write_fleet(out or "", hosts, migs, deployed, seed=1,
                                          extra_confs=extra)
        return {"migrations": len(summaries), "out": out,
                "outcomes": [s["outcome"] for s in summaries]}
    resolved, settings = configured(config, config_dir, flags, release, python,
                                    migration_bandwidth)
    if fleet is not None:
        if fleet < 2:
            raise InputError(f"--fleet {fleet}: a fleet needs at least 2 hosts")
        hosts, migs = fleet_mod.random_fleet(fleet, fleet_migrations, seed, drift, debug,
                                             settings)
        for host in hosts:
            host.libvirt_log = libvirt_log
        summaries = fleet_mod.write_fleet(out or "", hosts, migs, settings, seed)
        return {"hosts": fleet, "migrations": len(summaries), "out": out}
    when = parse_start(start)
    assert when is not None
    guest = guest_of(memory_mb, disk_gb, dirty_rate, working_set_mb, bandwidth)
    py = resolved.variant.python if resolved.variant else resolved.release.default_python
    result = simulate_one(guest, bandwidth, settings, resolved.release, py, seed,
                          stalls=parse_stalls(stall or ()))
    summary: dict[str, Any] = {
        "release": resolved.release.label, "variant": str(resolved.variant),
        "data_gb": result.data_gb,
        "outcome": result.outcome, "finished_by": result.mechanism,
        "duration_s": result.end_s, "final_max_downtime_ms": result.final_max_downtime_ms,
        "guest_downtime_ms": result.actual_downtime_ms, "timeout_at_s": result.timeout_at,
        "auto_converge_throttle": result.throttles}
    if out is not None:
        summary["written"] = write_logs(out, result, guest, settings, resolved.release, py,
                                        when, layout, debug, rotate, seed,
                                        (libvirt_log, bandwidth))
    if what_if:
        from loganalyzer.simulate.whatif import RANKING
        from loganalyzer.simulate.whatif import what_if as grid

        summary["what_if"] = grid(guest, bandwidth, settings, resolved.release, py, seed,
                                  budget)
        summary["what_if_ranking"] = RANKING
    return summary


def write_logs(out: str, result: Any, guest: Any, settings: Settings, release: Any,
               python: int, when: datetime, layout: str, debug: bool, rotate: int, seed: int,
               libvirt: tuple[str, float] = ("off", 0.0)) -> list[str]:
    """Write one simulated migration's nova-compute logs (and libvirt/QEMU logs unless
    ``libvirt[0]`` is "off") under ``out/<host>/``; returns the paths written."""
    from loganalyzer.simulate import libvirt_logs
    from loganalyzer.simulate.logs import noise, render, script_for, write_rotated
    from loganalyzer.simulate.narrate import narrate

    script = script_for(result, guest, settings, release, python, when)
    narration = narrate(script)
    rng = random.Random(seed)
    written: list[str] = []
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
        collected = libvirt_logs.LibvirtLines()
        libvirt_logs.write_migration(collected, script, narration, result, libvirt[0], rng,
                                     link_mibs=libvirt[1],
                                     dirty_rate_mibs=guest.dirty_rate_mibs)
        for host in (script.source_host, script.dest_host):
            written += libvirt_logs.write_files(out, collected, host, release)
    return written

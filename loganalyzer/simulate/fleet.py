"""Fleets of compute nodes: hosts with their release, layout, log level and running
configuration (which may drift from what was deployed), migrations between them, written as
one sosreport-like tree per host plus the nova.conf that was meant to be deployed.
``sample_fleet`` is the committed ``sample_logs/``; ``random_fleet`` draws one."""

from __future__ import annotations

import os
import pickle
import random
import tempfile
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from loganalyzer.errors import InputError
from loganalyzer.logs import writer as lw
from loganalyzer.nova.releases import Release, parse_release
from loganalyzer.nova.settings import Settings
from loganalyzer.simulate import libvirt_logs
from loganalyzer.simulate.logs import noise, render_one, script_for, write_rotated
from loganalyzer.simulate.model import Guest, simulate
from loganalyzer.simulate.narrate import narrate, startup

VERSIONS = {19: "19.1.0", 20: "20.6.1", 21: "21.2.3", 22: "22.4.0", 23: "23.2.2",
            24: "24.2.1", 25: "25.2.1", 26: "26.2.1", 27: "27.5.1", 28: "28.3.0",
            29: "29.2.1", 30: "30.1.0", 31: "31.1.0", 32: "32.1.0", 33: "33.0.0"}


@dataclass
class HostSpec:
    """One compute node and how it logs."""

    name: str
    release: str = "2023.1"
    python: int | None = None
    layout: str = "plain"  # plain | syslog | journal-json | oslo-json
    debug: bool = False
    rotate: int = 1  # files: current, .1, .2.gz, …
    libvirt_log: str = "off"  # libvirt's log level: debug | info | off (simulate/libvirt_logs)
    # (when, settings) start-ups: the configuration it ran from then on
    boots: list[tuple[datetime, Settings]] = field(default_factory=list)

    @property
    def nova_release(self) -> Release:
        return parse_release(self.release).release

    def settings_at(self, when: datetime) -> Settings:
        current = self.boots[0][1]
        for boot, settings in self.boots:
            if boot <= when:
                current = settings
        return current


@dataclass
class MigrationSpec:
    """One migration to simulate."""

    source: str
    dest: str
    start: datetime
    guest: Guest
    link_mibs: float = 1000.0
    instance: str | None = None
    stalls: dict[float, float] | None = None
    seed: int = 0


def settings_to_conf(settings: Settings) -> str:
    """A nova.conf ``[libvirt]`` section for ``settings``."""
    return ("[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n\n[libvirt]\nvirt_type = kvm\n"
            f"live_migration_downtime = {settings.downtime}\n"
            f"live_migration_downtime_steps = {settings.steps}\n"
            f"live_migration_downtime_delay = {settings.delay}\n"
            f"live_migration_completion_timeout = {settings.completion_timeout}\n"
            f"live_migration_timeout_action = {settings.timeout_action}\n"
            f"live_migration_permit_post_copy = {settings.post_copy}\n"
            f"live_migration_permit_auto_converge = {settings.auto_converge}\n"
            f"live_migration_bandwidth = {settings.bandwidth_mibs}\n")


def _dump_values(settings: Settings) -> dict[str, Any]:
    return {"live_migration_downtime": settings.downtime,
            "live_migration_downtime_steps": settings.steps,
            "live_migration_downtime_delay": settings.delay,
            "live_migration_completion_timeout": settings.completion_timeout,
            "live_migration_timeout_action": settings.timeout_action,
            "live_migration_permit_post_copy": settings.post_copy,
            "live_migration_permit_auto_converge": settings.auto_converge,
            "live_migration_bandwidth": settings.bandwidth_mibs,
            "live_migration_uri": None, "live_migration_scheme": None,
            "max_concurrent_live_migrations": 2}


def write_fleet(out: str, hosts: list[HostSpec], migrations: list[MigrationSpec],
                deployed: Settings, seed: int = 0,
                extra_confs: dict[str, Settings] | None = None) -> list[dict[str, Any]]:
    """Simulate ``migrations`` and write every host's logs under ``out``. Returns one summary
    per migration (what the simulator decided), for tests and the README."""
    try:
        with tempfile.TemporaryDirectory(prefix="loganalyzer-fleet-") as folder:
            return _write_fleet(out, hosts, migrations, deployed, seed, extra_confs,
                                _Spool(folder, [h.name for h in hosts]))
    except OSError as exc:  # the output folder, or the spool's temporary folder
        raise InputError(f"--out {out}: cannot write {exc.filename or out}: "
                         f"{exc.strerror or exc}") from None


class _Spool:
    """Each host's rendered lines as (time, text), in the order they were narrated, kept in
    a file per host under ``folder`` once more than ``SPOOL_LINES`` wait in memory: a
    fleet's lines are never all held at once (30,000 migrations held 460 MB), only the
    host being written at the end (:meth:`take`)."""

    SPOOL_LINES = 20_000

    def __init__(self, folder: str, names: list[str]) -> None:
        self.paths = {name: os.path.join(folder, f"{i}.pickle") for i, name in enumerate(names)}
        self.waiting: dict[str, list[tuple[datetime, str]]] = {name: [] for name in names}
        self.count = 0

    def add(self, name: str, pairs: list[tuple[datetime, str]]) -> None:
        self.waiting[name].extend(pairs)
        self.count += len(pairs)
        if self.count > self.SPOOL_LINES:
            self.flush()

    def flush(self) -> None:
        for name, pairs in self.waiting.items():
            if pairs:
                with open(self.paths[name], "ab") as fh:
                    pickle.dump(pairs, fh, protocol=pickle.HIGHEST_PROTOCOL)
                self.waiting[name] = []
        self.count = 0

    def take(self, name: str) -> list[tuple[datetime, str]]:
        """Every line of host ``name``, in the order added (its file is removed)."""
        pairs: list[tuple[datetime, str]] = []
        if os.path.exists(self.paths[name]):
            with open(self.paths[name], "rb") as fh:
                while True:
                    try:
                        pairs.extend(pickle.load(fh))
                    except EOFError:
                        break
            os.remove(self.paths[name])
        pairs.extend(self.waiting.pop(name))
        return pairs


def _write_fleet(out: str, hosts: list[HostSpec], migrations: list[MigrationSpec],
                 deployed: Settings, seed: int, extra_confs: dict[str, Settings] | None,
                 lines: _Spool) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    by_name = {h.name: h for h in hosts}
    qemu_lines = libvirt_logs.LibvirtLines()
    summaries = []
    for index, spec in enumerate(migrations):
        source = by_name[spec.source]
        release = source.nova_release
        python = source.python or release.default_python
        settings = source.settings_at(spec.start)
        result = simulate(spec.guest, spec.link_mibs, settings, release, python,
                          seed=spec.seed or seed * 1000 + index, stalls=spec.stalls)
        instance = spec.instance or str(uuid.UUID(int=rng.getrandbits(128), version=4))
        request_id = f"req-{uuid.UUID(int=rng.getrandbits(128), version=4)}"
        minor = int(VERSIONS.get(release.major, "0.0").split(".")[1])
        script = script_for(result, spec.guest, settings, release, python, spec.start,
                            instance=instance, request_id=request_id,
                            source_host=spec.source, dest_host=spec.dest,
                            minor=minor, dest_clock_offset_s=rng.uniform(-1.5, 1.5))
        narration = narrate(script)
        truth = libvirt_logs.write_migration(  # its own random stream: nova's logs unchanged
            qemu_lines, script, narration, result, (
                source.libvirt_log, by_name[spec.dest].libvirt_log),
            random.Random(seed * 7919 + index),
            domain=f"instance-{index + 1:08x}", link_mibs=spec.link_mibs,
            dirty_rate_mibs=spec.guest.dirty_rate_mibs)
        for name, told in ((spec.source, narration.source), (spec.dest, narration.dest)):
            host = by_name[name]
            lines.add(name, [(r.when, text) for r in told if (text := render_one(
                r, host.layout, host.name, host.debug)) is not None])
        summaries.append({"instance": instance, "source": spec.source, "dest": spec.dest,
                          "start": spec.start.isoformat(sep=" "), "outcome": result.outcome,
                          "mechanism": result.mechanism, "duration_s": result.end_s,
                          "final_max_downtime_ms": result.final_max_downtime_ms,
                          "actual_downtime_ms": result.actual_downtime_ms,
                          "throttles": result.throttles, "qemu_pause_s": truth.pause_s})
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "nova.conf"), "w") as fh:
        fh.write(settings_to_conf(deployed))
    for name, settings in (extra_confs or {}).items():
        with open(os.path.join(out, name), "w") as fh:
            fh.write(settings_to_conf(settings))
    for host in hosts:
        _write_host(out, host, lines.take(host.name), rng)
        libvirt_logs.write_files(out, qemu_lines, host.name, host.nova_release, os.path.join(
            out, f"sosreport-{host.name}", "var", "log", "libvirt"))
    return summaries


def _write_host(out: str, host: HostSpec, told: list[tuple[datetime, str]],
                rng: random.Random) -> None:
    release = host.nova_release
    times = [when for when, _ in told] or [host.boots[0][0]]
    boot_records: list[lw.Record] = []
    for when, settings in host.boots:
        version = VERSIONS.get(release.major, f"{release.major}.0.0")
        boot_records.extend(startup(release, when, _dump_values(settings), version))
    first = min([*times, *(w for w, _ in host.boots)])
    last = max(times) + timedelta(minutes=2)
    background = noise(host.name, first, last, host.debug, rng, release.major)
    own = [(r.when, render_one(r, host.layout, host.name, host.debug)) for r in boot_records]
    rest = [(r.when, render_one(r, host.layout, host.name, host.debug)) for r in background]
    # the same stable order as sorting the records themselves: boot, migrations, background
    ordered = sorted((*own, *told, *rest), key=lambda pair: pair[0])
    lines = [text for _, text in ordered if text is not None]
    root = os.path.join(out, f"sosreport-{host.name}")
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "hostname"), "w") as fh:
        fh.write(f"{host.name}\n")
    if host.layout == "journal-json":
        write_rotated(os.path.join(root, "sos_commands", "logs"),
                      "journalctl_--no-pager_--output_json_--unit_nova-compute", lines)
    elif host.layout == "syslog":
        write_rotated(os.path.join(root, "var", "log"), "messages", lines, host.rotate)
    else:
        write_rotated(os.path.join(root, "var", "log", "nova"), "nova-compute.log", lines,
                      host.rotate)


# --- the committed sample set and random fleets ---------------------------------------------

DAY = datetime(2026, 11, 2, 8, 0, 0)
DEPLOYED = Settings(downtime=2000, steps=8, delay=25, completion_timeout=150,
                    timeout_action="abort")


def sample_fleet() -> tuple[list[HostSpec], list[MigrationSpec], Settings, dict[str, Settings]]:
    """``sample_logs/``: four hosts of three eras and four layouts, seven migrations; libvirt
    logs at debug (compute-2), info (compute-3, -4) and none (compute-1, kolla's default)."""
    drift_pause = replace(DEPLOYED, downtime=3000, timeout_action="force_complete")
    drift_postcopy = replace(drift_pause, post_copy=True)
    boot = DAY - timedelta(hours=1)
    hosts = [
        HostSpec("compute-1", "stein", 2, "plain", debug=False, rotate=3,
                 boots=[(boot, DEPLOYED)]),
        HostSpec("compute-2", "ussuri", 3, "plain", debug=True, boots=[(boot, DEPLOYED)],
                 libvirt_log="debug"),
        HostSpec("compute-3", "2023.1", 3, "journal-json", debug=False,
                 boots=[(boot, DEPLOYED)], libvirt_log="info"),
        HostSpec("compute-4", "2024.1", 3, "syslog", debug=True,
                 boots=[(boot, drift_pause), (DAY + timedelta(minutes=50), drift_postcopy)],
                 libvirt_log="info"),
    ]
    busy = Guest(4096, dirty_rate_mibs=420, working_set_mb=3072)
    idle = Guest(2048, dirty_rate_mibs=20, working_set_mb=256)
    web = Guest(4096, dirty_rate_mibs=150, working_set_mb=1024)
    db = Guest(4096, dirty_rate_mibs=500, working_set_mb=500)  # needs the 5th step
    repeat = "5d1b2c3a-0e4f-4a6b-8c7d-9e0f1a2b3c4d"
    migrations = [
        MigrationSpec("compute-1", "compute-2", DAY + timedelta(minutes=5), web, 500.0,
                      instance=repeat, seed=11),
        MigrationSpec("compute-1", "compute-2", DAY + timedelta(minutes=20), busy, 250.0,
                      seed=12),
        MigrationSpec("compute-2", "compute-3", DAY + timedelta(minutes=15), db, 400.0,
                      stalls={250.0: 230.0}, seed=13),
        MigrationSpec("compute-2", "compute-1", DAY + timedelta(minutes=16), idle, 400.0,
                      seed=14),
        MigrationSpec("compute-3", "compute-1", DAY + timedelta(minutes=40), web, 160.0,
                      instance=repeat, seed=15),
        MigrationSpec("compute-4", "compute-3", DAY + timedelta(minutes=30), busy, 250.0,
                      seed=16),
        MigrationSpec("compute-4", "compute-2", DAY + timedelta(minutes=60), busy, 250.0,
                      seed=17),
    ]
    return hosts, migrations, DEPLOYED, {"nova-drifted.conf": drift_postcopy}


RELEASE_POOL = ("stein", "train", "ussuri", "wallaby", "zed", "2023.1", "2024.1", "2025.1")


def random_fleet(n_hosts: int, n_migrations: int, seed: int = 0, drift: float = 0.1,
                 debug: bool = False, deployed: Settings = DEPLOYED,
                 span_hours: float = 8.0) -> tuple[list[HostSpec], list[MigrationSpec]]:
    """A fleet drawn at random: releases, layouts, drifted hosts, guest sizes and dirty rates
    (log-normal), links, and start times spread so that some migrations overlap."""
    rng = random.Random(seed)
    hosts = []
    for i in range(n_hosts):
        settings = deployed
        if rng.random() < drift:
            settings = replace(deployed, downtime=deployed.downtime * rng.choice((2, 3)),
                               steps=max(3, deployed.steps + rng.choice((-2, 2))))
        release = RELEASE_POOL[rng.randrange(len(RELEASE_POOL))]
        hosts.append(HostSpec(f"cmp-{i + 1:03d}", release, None,
                              rng.choice(("plain", "plain", "syslog", "journal-json")), debug,
                              boots=[(DAY - timedelta(hours=1), settings)]))
    migrations = []
    for j in range(n_migrations):
        source, dest = rng.sample(range(n_hosts), 2) if n_hosts > 1 else (0, 0)
        memory = rng.choice((2048, 4096, 8192, 16384))
        dirty = min(2000.0, rng.lognormvariate(3.5, 1.2))
        guest = Guest(memory, dirty_rate_mibs=round(dirty, 1),
                      working_set_mb=int(memory * rng.uniform(0.05, 0.8)))
        start = DAY + timedelta(seconds=rng.uniform(0, span_hours * 3600))
        migrations.append(MigrationSpec(hosts[source].name, hosts[dest].name, start, guest,
                                        rng.choice((120.0, 250.0, 500.0, 1100.0)),
                                        seed=seed * 100_000 + j))
    return hosts, migrations

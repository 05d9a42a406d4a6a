"""Turning simulated migrations into log files: the narrator's records, background noise of a
real compute node, a layout (plain oslo.log, syslog/journald wrapped, oslo JSON), INFO-only or
DEBUG, and logrotate's ``.1``, ``.2.gz`` … files."""

from __future__ import annotations

import gzip
import os
import random
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from loganalyzer.logs import writer as lw
from loganalyzer.nova.releases import Release
from loganalyzer.nova.settings import Settings
from loganalyzer.simulate.model import Guest, Result
from loganalyzer.simulate.narrate import Script

LAYOUTS = ("plain", "syslog", "journal-json", "oslo-json")

# Lines a compute node logs all day (shapes taken from the real logs in shared/real_logs).
PERIODIC = ("run_periodic_tasks", "oslo_service/periodic_task.py", 210)
LOCK = ("inner", "oslo_concurrency/lockutils.py", 402)
NOISE_DEBUG = (
    ("oslo_service.periodic_task",
     "Running periodic task ComputeManager._poll_rebooting_instances", PERIODIC),
    ("oslo_service.periodic_task",
     "Running periodic task ComputeManager._check_instance_build_time", PERIODIC),
    ("oslo_service.periodic_task",
     "Running periodic task ComputeManager._heal_instance_info_cache", PERIODIC),
    ("oslo_concurrency.lockutils", 'Lock "compute_resources" acquired by '
     '"nova.compute.resource_tracker.ResourceTracker._update_available_resource" :: waited '
     "0.000s", LOCK),
    ("oslo_concurrency.lockutils", 'Lock "compute_resources" "released" by '
     '"nova.compute.resource_tracker.ResourceTracker._update_available_resource" :: held '
     "0.120s", LOCK),
    ("nova.compute.resource_tracker", "Auditing locally available compute resources for "
     "{host} (node: {host})", ("update_available_resource",
                               "nova/compute/resource_tracker.py", 907)),
    ("nova.compute.manager", "CONF.reclaim_instance_interval <= 0, skipping...",
     ("_reclaim_queued_deletes", "nova/compute/manager.py", 10299)),
    ("oslo_messaging._drivers.amqpdriver", "received message with unique_id: "
     "5f0e4c9a1d2b4e6f8a7c3b1d0e9f8a7b", ("__call__",
                                         "oslo_messaging/_drivers/amqpdriver.py", 371)),
)
NOISE_INFO = (
    ("nova.compute.resource_tracker", "Final resource view: name={host} phys_ram=262144MB "
     "used_ram=20992MB phys_disk=1788GB used_disk=120GB total_vcpus=64 used_vcpus=9 "
     "pci_stats=[]"),
    ("nova.compute.manager", "Running instance usage audit for host {host} from "
     "2024-05-01 11:00:00 to 2024-05-01 12:00:00. 8 instances."),
)


def script_for(result: Result, guest: Guest, settings: Settings, release: Release,
               python: int, start: datetime, **kw: Any) -> Script:
    """The narrator's script for a simulated migration."""
    forced = result.mechanism in ("post-copy", "paused") and result.auto_postcopy_at is None
    converge = None if forced or result.outcome != "completed" else result.end_s
    durations: dict[str, Any] = {}
    if forced and result.timeout_at is not None and result.end_s is not None:
        span = result.end_s - result.timeout_at
        durations = {"postcopy_duration_s": span, "pause_duration_s": span}
    if result.auto_postcopy_at is not None and result.end_s is not None:
        durations = {"postcopy_duration_s": result.end_s - result.auto_postcopy_at}
    iterations = list(result.iterations)
    return Script(release=release, start=start, iterations=iterations, converge_at=converge,
                  data_gb=result.data_gb, settings=settings, python=python,
                  memory_bytes=guest.memory_mb * 1048576,
                  auto_postcopy_at=result.auto_postcopy_at, memory_at=result.memory_at,
                  **durations, **kw)


def noise(host: str, start: datetime, end: datetime, debug: bool, rng: random.Random,
          major: int, pid: int = 4242, per_second: float = 0.3) -> list[lw.Record]:
    """Background lines of a compute node between ``start`` and ``end``: with DEBUG,
    ``per_second`` lines a second on average; INFO-only, the resource tracker's view every
    minute."""
    records = []
    when = start
    pool = NOISE_DEBUG if debug else ()
    while when < end:
        if debug:
            logger, text, site = pool[rng.randrange(len(pool))]
            records.append(lw.Record(when, "DEBUG", logger, text.format(host=host), pid=pid,
                                     request_id=f"req-{uuid.UUID(int=rng.getrandbits(128))}",
                                     major=major, site=site))
            when += timedelta(seconds=rng.uniform(0.3, 1.7) / per_second)
        else:
            logger, text = NOISE_INFO[rng.randrange(len(NOISE_INFO))]
            records.append(lw.Record(when, "INFO", logger, text.format(host=host), pid=pid,
                                     major=major))
            when += timedelta(seconds=rng.uniform(40, 80))
    return records


def render(records: Iterable[lw.Record], layout: str, host: str, debug: bool) -> list[str]:
    """Lines of ``records`` in a layout; DEBUG records dropped unless ``debug``."""
    lines = []
    for record in records:
        line = render_one(record, layout, host, debug)
        if line is not None:
            lines.append(line)
    return lines


def render_one(record: lw.Record, layout: str, host: str, debug: bool) -> str | None:
    """One record's line in a layout (None: a DEBUG record on an INFO-only host)."""
    if record.level == "DEBUG" and not debug:
        return None
    if layout == "plain":
        return lw.oslo_line(record)
    if layout == "syslog":
        return lw.syslog_line(lw.oslo_line(record), record.when, host, ident="nova_compute",
                              pid=record.pid)
    if layout == "journal-json":
        return lw.journal_json(lw.oslo_line(record), record.when, host, pid=record.pid)
    if layout == "oslo-json":
        return lw.oslo_json(record, host)
    raise ValueError(f"unknown layout {layout!r}")


def write_rotated(folder: str, name: str, lines: Sequence[str], parts: int = 1,
                  compress_from: int = 2) -> list[str]:
    """Write ``lines`` as logrotate leaves them: ``name.N`` oldest … ``name.1``, ``name``;
    files from ``.compress_from`` on gzip-compressed (delaycompress leaves ``.1`` plain)."""
    os.makedirs(folder, exist_ok=True)
    size = max(1, -(-len(lines) // parts))
    chunks = [lines[i:i + size] for i in range(0, len(lines), size)] or [[]]
    written = []
    for age, chunk in enumerate(reversed(chunks)):
        text = "".join(line + "\n" for line in chunk).encode()
        if age == 0:
            path = os.path.join(folder, name)
            _write(path, text)
        elif age < compress_from:
            path = os.path.join(folder, f"{name}.{age}")
            _write(path, text)
        else:
            path = os.path.join(folder, f"{name}.{age}.gz")
            _write(path, gzip.compress(text, mtime=0))
        written.append(path)
    return written


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)

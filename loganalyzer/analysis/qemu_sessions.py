"""QEMU's side of migrations, from libvirt/QEMU log records: each monitor's QMP traffic cut
into migrations (source: ``migrate`` … final ``query-migrate``; destination:
``migrate-incoming`` … ``RESUME``), the downtime limits libvirt set, QEMU's figures, and the
domain (hence nova's instance) each belongs to. Joined to nova's migrations by :mod:`qemu`.
Sources: ../shared/docs/libvirt-qemu-downtime-evidence.md §2–§3.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from loganalyzer.analysis.correlate import same_host
from loganalyzer.logs.libvirt.parse import Record

TERMINAL = ("completed", "failed", "cancelled")


@dataclass
class LimitChange:
    """One downtime-limit command libvirt sent: when, the value, whether QEMU took it."""

    time: datetime
    downtime_ms: int
    ok: bool | None  # None: no reply logged
    command: str
    error: str | None = None


@dataclass
class QemuMigration:
    """One side of one migration as QEMU saw it (a monitor's traffic between two jobs)."""

    host: str | None
    mon: str | None
    side: str  # source | dest
    domain: str | None = None
    uuids: set[str] = field(default_factory=set)
    start: datetime | None = None
    end: datetime | None = None
    stop: datetime | None = None  # source: QEMU's STOP event
    resume: datetime | None = None  # destination: QEMU's RESUME event
    completed: datetime | None = None  # MIGRATION status completed (event time)
    status: str | None = None  # last MIGRATION status seen
    postcopy_at: datetime | None = None
    downtime_ms: int | None = None  # final query-migrate "downtime"
    setup_ms: int | None = None
    total_ms: int | None = None
    baseline_limit_ms: int | None = None  # query-migrate-parameters before the first change
    limits: list[LimitChange] = field(default_factory=list)
    active: list[tuple[datetime, dict[str, Any]]] = field(default_factory=list)
    shutdown_migrated: datetime | None = None  # domain log: shutting down, reason=migrated
    problems: list[str] = field(default_factory=list)  # QMP errors, unparsable replies
    files: set[str] = field(default_factory=set)


# --- grouping records into QEMU migrations --------------------------------------------------

def _domains(records: Sequence[Record]) -> tuple[dict[tuple[str | None, str], list[
        tuple[datetime | None, str]]], dict[str, set[str]]]:
    """(host, mon) → [(time, domain)] from ``Entering monitor`` lines; domain → uuids."""
    by_mon: dict[tuple[str | None, str], list[tuple[datetime | None, str]]] = {}
    uuids: dict[str, set[str]] = {}
    for record in records:
        if record.kind == "monitor_enter" and record.mon:
            by_mon.setdefault((record.host, record.mon), []).append(
                (record.when(), record.fields["domain"]))
        elif record.kind in ("api_domain", "api_set_max_downtime"):
            uuids.setdefault(record.fields["domain"], set()).add(record.fields["uuid"].lower())
        elif record.kind == "qemu_cmdline" and record.fields.get("uuid"):
            name = record.fields.get("domain") or record.domain
            if name:  # nova creates the domain with the instance's uuid
                uuids.setdefault(name, set()).add(record.fields["uuid"].lower())
    return by_mon, uuids


def _domain_at(names: list[tuple[datetime | None, str]], when: datetime | None) -> str | None:
    """The domain a monitor pointer belonged to around ``when`` (pointers are reused once a
    QEMU process is gone): the nearest naming line."""
    if not names:
        return None
    if when is None:
        return names[-1][1]
    timed = [(abs((t - when).total_seconds()), d) for t, d in names if t is not None]
    return min(timed)[1] if timed else names[-1][1]


def group(records: Iterable[Record]) -> list[QemuMigration]:
    """QEMU migrations (both sides) from libvirt/QEMU records of every host."""
    records = [r for r in records if r.kind != "qmp_write" or r.qmp is not None]
    by_mon, uuids = _domains(records)
    streams: dict[tuple[str | None, str | None], list[Record]] = {}
    for record in records:
        if record.qmp is not None or record.kind in ("qmp_command_failed", "json_unparsable"):
            streams.setdefault((record.host, record.mon), []).append(record)
    found: list[QemuMigration] = []
    for (host, mon), stream in streams.items():
        found.extend(_split(host, mon, stream))
    for item in found:
        if item.domain is None and item.mon is not None:
            item.domain = _domain_at(by_mon.get((item.host, item.mon), []), item.start)
        if item.domain is not None:
            item.uuids = uuids.get(item.domain, set())
    _domain_logs(records, found, uuids)
    return found


def _split(host: str | None, mon: str | None, stream: list[Record]) -> list[QemuMigration]:
    """One monitor's traffic → its migrations: a source job from ``migrate`` (or the first
    MIGRATION event) to the reply after its end; a destination job from ``migrate-incoming``
    (or MIGRATION events without a ``migrate``) to its ``RESUME``."""
    found: list[QemuMigration] = []
    current: QemuMigration | None = None
    pending: dict[str, tuple[Record, dict[str, Any]]] = {}  # QMP id → command
    baseline: int | None = None
    for record in stream:
        qmp = record.qmp or {}
        when = record.when()
        if record.qmp_type == "command":
            name = qmp.get("execute")
            if isinstance(qmp.get("id"), str):
                pending[qmp["id"]] = (record, qmp)
            if name == "migrate":
                current = QemuMigration(host, mon, "source", start=when)
                current.baseline_limit_ms = baseline
                found.append(current)
            elif name == "migrate-incoming":
                current = QemuMigration(host, mon, "dest", start=when)
                found.append(current)
            elif name in ("migrate-set-parameters", "migrate_set_downtime"):
                value = _limit_value(name, qmp.get("arguments") or {})
                if value is not None and when is not None:
                    if current is None or current.side != "source" or (
                            current.status in TERMINAL and current.downtime_ms is not None):
                        current = QemuMigration(host, mon, "source", start=when)
                        current.baseline_limit_ms = baseline
                        found.append(current)
                    current.limits.append(LimitChange(when, value, None, name))
            continue
        if record.qmp_type == "reply":
            qmp_id = qmp.get("id")
            sent = pending.pop(qmp_id, None) if isinstance(qmp_id, str) else None
            command = sent[1] if sent is not None else {}
            result = qmp.get("return")
            name = command.get("execute")
            if isinstance(result, dict) and "downtime-limit" in result and (
                    name in (None, "query-migrate-parameters")):
                baseline = int_or_none(result.get("downtime-limit"))
                if current is not None and current.side == "source" and not current.limits:
                    current.baseline_limit_ms = baseline
                continue
            if name in ("migrate-set-parameters", "migrate_set_downtime") and current:
                for change in reversed(current.limits):
                    if change.command == name and change.ok is None:
                        change.ok = "error" not in qmp
                        if "error" in qmp:
                            change.error = str((qmp["error"] or {}).get("desc") or qmp["error"])
                        break
                continue
            if isinstance(result, dict) and result.get("status") and (
                    name in (None, "query-migrate")) and ("ram" in result or "total-time"
                                                          in result or "downtime" in result):
                if current is None or current.side != "source":
                    current = QemuMigration(host, mon, "source", start=when)
                    current.baseline_limit_ms = baseline
                    found.append(current)
                _query_migrate(current, when, result)
            elif "error" in qmp and current is not None and name:
                current.problems.append(f"{name}: {(qmp['error'] or {}).get('desc')}")
            continue
        if record.kind == "json_unparsable":
            if current is not None:
                current.problems.append("libvirt could not parse a QMP reply (its statistics "
                                        "are lost)")
            continue
        if record.qmp_type != "event":
            continue
        event = qmp.get("event")
        data = qmp.get("data") or {}
        if event == "MIGRATION":
            status = data.get("status")
            if current is None or (current.status in TERMINAL and status == "setup"):
                side = "source" if current is None or current.side == "source" else "dest"
                current = QemuMigration(host, mon, side, start=when)
                current.baseline_limit_ms = baseline
                found.append(current)
            current.status = status
            if status == "postcopy-active":
                current.postcopy_at = when
            if status in TERMINAL:
                current.end = when
                if status == "completed":
                    current.completed = when
        elif event == "STOP":
            if current is not None and current.side == "source" and current.stop is None \
                    and current.status not in TERMINAL:
                current.stop = when
        elif event == "RESUME":
            if current is not None and current.side == "source" and current.stop is None and \
                    not current.limits and current.status in TERMINAL:
                current.side = "dest"  # the incoming side: MIGRATION events, then RESUME
            if current is not None and current.side == "dest" and current.resume is None:
                current.resume = when
    return found


def _limit_value(name: str, arguments: dict[str, Any]) -> int | None:
    if name == "migrate_set_downtime":  # seconds
        seconds = float_or_none(arguments.get("value"))
        ms = float_or_none(seconds * 1000) if seconds is not None else None
        return round(ms) if ms is not None else None
    return int_or_none(arguments.get("downtime-limit"))


def int_or_none(value: Any) -> int | None:
    """A JSON number as an int (None for anything else, NaN, booleans and integers wider
    than QAPI's 64 bits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if -(1 << 63) <= value < (1 << 64) else None
    number = float_or_none(value)
    return int(number) if number is not None else None


def float_or_none(value: Any) -> float | None:
    """A JSON number as a float; None for anything else, booleans and numbers beyond a
    double (the QMP decoder already reads NaN and infinities as None)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def completed_downtime_ms(reply: dict[str, Any]) -> int | None:
    """QEMU's own ``downtime`` (ms) of a completed ``query-migrate`` reply (with or without
    the ``return`` wrapper); None for any other reply ("only present when migration
    finishes correctly", qapi/migration.json)."""
    body = reply.get("return", reply)
    if not isinstance(body, dict) or body.get("status") != "completed":
        return None
    return int_or_none(body.get("downtime"))


def _query_migrate(item: QemuMigration, when: datetime | None, reply: dict[str, Any]) -> None:
    status = reply.get("status")
    if status == "active" or status == "postcopy-active" or status == "device":
        if when is not None:
            item.active.append((when, reply))
        return
    if status == "completed":
        item.downtime_ms = int_or_none(reply.get("downtime"))
        item.setup_ms = int_or_none(reply.get("setup-time"))
        item.total_ms = int_or_none(reply.get("total-time"))
        item.status = item.status or "completed"


def _domain_logs(records: Sequence[Record], found: list[QemuMigration],
                 uuids: dict[str, set[str]]) -> None:
    """Per-domain QEMU logs name the domain of a migration libvirt logged without names (at
    info level): ``initiating migration`` on the source (when libvirt sends ``migrate``),
    the command line with ``-incoming`` on the destination (QEMU started to receive), and
    ``shutting down, reason=migrated`` on the source (after the destination resumed, which
    bounds the clock offset)."""
    for record in records:
        when = record.when()
        name = record.domain or record.fields.get("domain")
        if when is None:
            continue
        if record.kind == "domain_shutting_down" and record.fields.get("reason") == "migrated":
            item = _nearest(found, record, "source", lambda i: i.completed, 0.0, 600.0)
            if item is not None:
                item.shutdown_migrated = when
        elif record.kind == "domain_initiating_migration":
            item = _nearest(found, record, "source", lambda i: i.start, -5.0, 5.0)
        elif record.kind == "qemu_cmdline" and record.fields.get("incoming"):
            item = _nearest(found, record, "dest", lambda i: i.start, -600.0, 5.0)
        else:
            continue
        if item is not None and item.domain is None and name:
            item.domain = name
            item.uuids = uuids.get(name, set())


def _nearest(found: list[QemuMigration], record: Record, side: str,
             moment: Callable[[QemuMigration], datetime | None], low: float, high: float
             ) -> QemuMigration | None:
    """The ``side`` migration on the record's host whose ``moment`` lies ``low``..``high``
    seconds before the record, nearest first (and of the record's domain, when known)."""
    when = record.when()
    assert when is not None
    name = record.domain or record.fields.get("domain")
    best: tuple[float, QemuMigration] | None = None
    for item in found:
        at = moment(item)
        if item.side != side or at is None or not same_host(item.host, record.host) or (
                name and item.domain and name != item.domain):
            continue
        gap = (when - at).total_seconds()
        if low <= gap <= high and (best is None or abs(gap) < abs(best[0])):
            best = (gap, item)
    return best[1] if best else None

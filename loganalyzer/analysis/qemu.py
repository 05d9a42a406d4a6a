"""The guest's real pause: libvirt's and QEMU's evidence joined to nova's migrations.

nova never logs the downtime the guest got (``Guest.get_job_info()`` never asks for completed
job statistics). Where libvirt logged its QEMU monitor traffic (info level since ~1.2.x, debug
before), QEMU's own records say it: the source's ``STOP`` event and the destination's
``RESUME`` (QEMU's microsecond timestamps), QEMU's ``"downtime"`` in the final
``query-migrate`` reply (measured on the source only: a lower bound of the pause), the
``expected-downtime`` and RAM statistics of every active reply, and each
``migrate-set-parameters {"downtime-limit": N}`` (libvirt ≥ 6.5; ``migrate_set_downtime`` in
seconds before) that applied one of nova's steps. Sources:
../shared/docs/libvirt-qemu-downtime-evidence.md §2, §3, §5.

Joins (the QEMU side is cut into migrations by :mod:`qemu_sessions`): monitor pointer →
domain name (``Entering monitor (mon=… name=instance-…)``, or the per-domain log's file
name), domain name → nova instance uuid (``(VM: name=…, uuid=…)`` API debug lines, the domain
log's ``-uuid``), then a QEMU migration to nova's by host, instance and time. Clocks: libvirt
and QMP are UTC; nova writes host local time, whose offset to UTC is learnt per host by
matching nova's lines to libvirt's (a step and the command that applied it; a lifecycle event
and QEMU's event) to the nearest quarter hour, else assumed 0 (said). The destination's clock
offset to the source's is bounded by the migration's own orderings, QEMU's (the destination
cannot resume before the source completed; the source's QEMU shuts down, ``reason=migrated``,
only after the destination resumed) and nova's; :mod:`correlate`'s estimate pooled over the
host pair only closes a side they leave open.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from loganalyzer.analysis.correlate import same_host
from loganalyzer.analysis.qemu_sessions import (
    QemuMigration,
    float_or_none,
    group,
    int_or_none,
)
from loganalyzer.analysis.timeline import iso
from loganalyzer.findings import Finding
from loganalyzer.logs.libvirt.catalog import QEMU_DEFAULT_DOWNTIME_LIMIT_MS
from loganalyzer.logs.libvirt.parse import Record

MATCH_S = 5.0  # nova's line and libvirt's for the same thing are this close (after offsets)
LATE_S = 2.0  # a step libvirt applied this long after nova logged it is late
JOIN_SLACK_S = 120.0  # how far a QEMU migration may lie outside nova's window
VOTERS = 200  # nova lines per host that vote on its time zone
MAX_SERIES = 120  # points kept of the expected-downtime and memory series (evenly spaced)
MEASURED = "measured by QEMU (source STOP → destination RESUME event timestamps)"
ESTIMATED = "estimated from nova's lifecycle events"


# --- nova's clocks ----------------------------------------------------------------------------

def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def _short(host: str | None) -> str:
    """The key :func:`same_host` compares: the short name, lower case."""
    return (host or "").lower().split(".")[0]


def _by_host(qemu: Sequence[QemuMigration]) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for number, item in enumerate(qemu):
        if item.host:
            index.setdefault(_short(item.host), []).append(number)
    return index


def learn_offsets(rows: Sequence[dict[str, Any]], qemu: Sequence[QemuMigration]
                  ) -> dict[str, tuple[int, int]]:
    """Per nova host name: (minutes to add to UTC to get nova's local time, votes). Votes are
    nova/QEMU pairs that must be near-simultaneous: a downtime step and the command with that
    value; the source's pause and STOP; the destination's VM Resumed and RESUME. The first
    :data:`VOTERS` nova lines of each host vote (enough; bounded work on a fleet)."""
    by_host = _by_host(qemu)
    moments: dict[tuple[str, str, Any], list[datetime]] = {}
    for short_host, numbers in by_host.items():
        for number in numbers:
            item = qemu[number]
            for change in item.limits:
                moments.setdefault((short_host, "step", change.downtime_ms), []).append(
                    change.time)
            if item.stop is not None:
                moments.setdefault((short_host, "stop", None), []).append(item.stop)
            if item.resume is not None:
                moments.setdefault((short_host, "resume", None), []).append(item.resume)
    votes: dict[str, Counter[int]] = {}
    used: Counter[str] = Counter()
    for row in rows:
        for event in row.get("_events") or ():
            when, host = event.get("timestamp"), event.get("host")
            if when is None or host is None or used[host] >= VOTERS:
                continue
            kind, state = event.get("kind"), event.get("state")
            if kind == "downtime_step":
                key = (_short(host), "step", event.get("downtime_ms"))
            elif kind == "lifecycle" and state in ("Paused", "Migration completed"):
                key = (_short(host), "stop", None)
            elif kind == "lifecycle" and state == "Resumed":
                key = (_short(host), "resume", None)
            else:
                continue
            used[host] += 1
            for utc in moments.get(key, ()):
                delta = (when - _naive_utc(utc)).total_seconds()
                quarter = round(delta / 900)
                if abs(delta - quarter * 900) <= MATCH_S:
                    votes.setdefault(host, Counter())[quarter * 15] += 1
    return {host: counter.most_common(1)[0] for host, counter in votes.items() if counter}


# --- joining to nova's migrations -------------------------------------------------------------

def _window(row: dict[str, Any], offset_min: int) -> tuple[datetime, datetime] | None:
    try:
        start = datetime.fromisoformat(str(row["start"]))
        end = datetime.fromisoformat(str(row["end"])) if row.get("end") else start
    except (TypeError, ValueError):
        return None
    shift = timedelta(minutes=offset_min)
    return (start - shift).replace(tzinfo=UTC), (end - shift).replace(tzinfo=UTC)


def _score(item: QemuMigration, row: dict[str, Any], window: tuple[datetime, datetime]
           ) -> tuple[bool, float, float] | None:
    """How well a QEMU migration fits a nova migration, lower is better: (not named by
    uuid, seconds outside nova's window, seconds between the starts); None: not it."""
    instance = (row.get("instance") or "").lower()
    if item.uuids and instance and instance not in item.uuids and not any(
            u.startswith(instance) for u in item.uuids):
        return None
    when = item.stop or item.resume or item.start or item.end
    if when is None:
        return None
    start, end = window
    if when < start - timedelta(seconds=JOIN_SLACK_S) or \
            when > end + timedelta(seconds=JOIN_SLACK_S):
        return None
    outside = max(0.0, (start - when).total_seconds(), (when - end).total_seconds())
    began = abs(((item.start or when) - start).total_seconds())
    return (not item.uuids, outside, began)


def attach(rows: list[dict[str, Any]], records: Sequence[Record]) -> None:
    """Add the QEMU evidence to migration rows (in place): ``switchover.evidence``,
    ``qemu_downtime_ms``, ``qemu_downtime_limit_ms``, ``qemu_expected_downtime_ms``,
    ``memory_history``, ``qemu`` (how it was joined) and findings."""
    for row in rows:
        row.setdefault("qemu_downtime_ms", None)
        row.setdefault("qemu_downtime_limit_ms", None)
        row.setdefault("qemu_expected_downtime_ms", [])
        row.setdefault("memory_history", [])
        if row.get("switchover") is not None:
            row["switchover"].setdefault("evidence", "lifecycle-events")
            row["switchover"].setdefault("tier", ESTIMATED)
        row["findings"] = list(row.get("findings") or []) + [
            f.to_json() for f in _nova_set_failures(row)]
    if not records:
        return
    qemu = group(records)
    if not qemu:
        return
    # nova's time zones learnt here; a caller that analyses migrations one at a time
    # (watch) hands what earlier analyses learnt as ``records.offsets_known``
    offsets = {**getattr(records, "offsets_known", {}), **learn_offsets(rows, qemu)}
    by_host = _by_host(qemu)
    taken: set[int] = set()
    for row in rows:
        notes: list[str] = []
        source = _pick(row, qemu, by_host, "source", row.get("source_host"), offsets, taken,
                       notes)
        dest = _pick(row, qemu, by_host, "dest", row.get("dest_log_host") or
                     row.get("dest_host"), offsets, taken, notes)
        if source is None and dest is None:
            continue
        _fill(row, source, dest, offsets)
        row["_qemu_joined"] = (source, dest, offsets)  # internal: for watch (libvirt_hold)
        if notes:
            row["qemu"]["joined_by"] += "; " + "; ".join(notes)
        if dest is not None and _stopped_in_future(records, dest):
            row["findings"].append(Finding(
                "dest-clock-behind", "info",
                f"libvirt on {dest.host} logged 'Guest's CPUs stopped in the future': the "
                "destination's clock was behind the source's by more than the pause, so "
                "libvirt computed no downtime of its own; the pause here is corrected by the "
                "clock offset between the hosts.").to_json())


def _stopped_in_future(records: Sequence[Record], dest: QemuMigration) -> bool:
    """libvirt's WARNING on the destination (qemu_domainjob.c, default level) around the
    resume: its clock is behind the source's STOP time."""
    if dest.resume is None:
        return False
    for record in records:
        when = record.when()
        if record.kind == "cpus_stopped_in_future" and when is not None and same_host(
                record.host, dest.host) and -5.0 <= (when - dest.resume).total_seconds() <= 60:
            return True
    return False


def _pick(row: dict[str, Any], qemu: Sequence[QemuMigration], by_host: dict[str, list[int]],
          side: str, host: str | None, offsets: dict[str, tuple[int, int]], taken: set[int],
          notes: list[str]) -> QemuMigration | None:
    """The best fitting ``side`` QEMU migration on ``host`` not yet joined to another row;
    a tie that names no uuid is said in ``notes``."""
    window = _window(row, _offset_for(host, offsets)[0])
    if window is None or host is None:
        return None
    options = []
    for index in by_host.get(_short(host), ()):
        item = qemu[index]
        if index in taken or item.side != side:
            continue
        score = _score(item, row, window)
        if score is not None:
            options.append((score, index))
    if not options:
        return None
    options.sort()
    best = options[0]
    if len(options) > 1 and best[0][0] and options[1][0][1] == best[0][1] and \
            options[1][0][2] - best[0][2] < MATCH_S:
        notes.append(f"{side}: {len(options)} QEMU migrations on {host} fit nova's window "
                     "and none names the instance; the nearest start was taken")
    taken.add(best[1])
    return qemu[best[1]]


def _offset_for(host: str | None, offsets: dict[str, tuple[int, int]]) -> tuple[int, int]:
    for name, value in offsets.items():
        if same_host(name, host):
            return value
    return 0, 0


def _clock_note(host: str | None, offsets: dict[str, tuple[int, int]]) -> str:
    minutes, votes = _offset_for(host, offsets)
    sign = "+" if minutes >= 0 else "-"
    label = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    if votes:
        return f"nova on {host} writes {label} (from {votes} nova/QEMU line pair" \
               f"{'s' if votes != 1 else ''})"
    return f"nova on {host} assumed to write UTC (no nova/QEMU line pair to learn it from)"


def _local(utc: datetime | None, host: str | None,
           offsets: dict[str, tuple[int, int]]) -> str | None:
    """A UTC time in the source host's nova clock, as the contract writes times."""
    if utc is None:
        return None
    return iso(_naive_utc(utc) + timedelta(minutes=_offset_for(host, offsets)[0]))


def _fill(row: dict[str, Any], source: QemuMigration | None, dest: QemuMigration | None,
          offsets: dict[str, tuple[int, int]]) -> None:
    host = row.get("source_host")
    findings: list[Finding] = []
    clocks = [_clock_note(host, offsets)]
    if dest is not None and dest.host is not None:
        clocks.append(_clock_note(row.get("dest_log_host") or row.get("dest_host"), offsets))
    clocks.append("libvirt and QMP timestamps are UTC")
    row["qemu"] = {
        "source_domain": source.domain if source else None,
        "dest_domain": dest.domain if dest else None,
        "joined_by": _joined_by(source, dest),
        "clocks": clocks,
        "stop": _local(source.stop if source else None, host, offsets),
        "resume_dest_clock": _local(dest.resume if dest else None, host, offsets),
        "setup_ms": source.setup_ms if source else None,
        "total_ms": source.total_ms if source else None,
        "downtime_limits": [],
        "problems": list(source.problems if source else []),
    }
    if source is not None:
        row["qemu_downtime_ms"] = source.downtime_ms
        active = _thin(source.active, MAX_SERIES)
        row["qemu_expected_downtime_ms"] = [
            {"time": _local(t, host, offsets), "ms": int_or_none(r.get("expected-downtime"))}
            for t, r in active if int_or_none(r.get("expected-downtime")) is not None]
        row["memory_history"] = [_memory(t, r, host, offsets) for t, r in active
                                 if isinstance(r.get("ram"), dict)]
        row["qemu"]["query_migrate_replies"] = len(source.active)
        limit, limit_source = _limit_in_force(source)
        row["qemu_downtime_limit_ms"] = limit
        row["qemu"]["downtime_limit_source"] = limit_source
        row["qemu"]["downtime_limits"] = [
            {"time": _local(c.time, host, offsets), "downtime_ms": c.downtime_ms,
             "ok": c.ok, "command": c.command, "error": c.error} for c in source.limits]
        findings += _step_findings(row, source, offsets)
    _switchover(row, source, dest, offsets, findings)
    findings += _caveats(row, source)
    row["findings"] = list(row.get("findings") or []) + [f.to_json() for f in findings]


def _thin(items: list[Any], most: int) -> list[Any]:
    """At most ``most`` items, evenly spaced, the first and the last kept (nova polls QEMU
    twice a second: an hour's migration has 7,200 replies; a chart needs a few hundred)."""
    if len(items) <= most:
        return list(items)
    step = (len(items) - 1) / (most - 1)
    return [items[round(i * step)] for i in range(most)]


def _joined_by(source: QemuMigration | None, dest: QemuMigration | None) -> str:
    parts = []
    for label, item in (("source", source), ("destination", dest)):
        if item is None:
            continue
        how = "instance uuid and time" if item.uuids else (
            f"domain {item.domain}, host and time" if item.domain else "host and time only")
        parts.append(f"{label}: {how}")
    return "; ".join(parts)


def _memory(when: datetime, reply: dict[str, Any], host: str | None,
            offsets: dict[str, tuple[int, int]]) -> dict[str, Any]:
    ram = reply["ram"]
    mbps = float_or_none(ram.get("mbps"))
    return {"time": _local(when, host, offsets),
            "remaining_bytes": int_or_none(ram.get("remaining")),
            "dirty_pages_rate": int_or_none(ram.get("dirty-pages-rate")),
            "dirty_sync_count": int_or_none(ram.get("dirty-sync-count")),
            "mbps": round(mbps, 3) if mbps is not None else None}


def _limit_in_force(item: QemuMigration) -> tuple[int | None, str]:
    """The downtime limit QEMU held when the guest stopped."""
    cutoff = item.stop or item.completed or item.end
    applied = [c for c in item.limits if c.ok is not False and (
        cutoff is None or c.time <= cutoff)]
    if applied:
        last = applied[-1]
        how = "confirmed by QEMU's reply" if last.ok else "no reply logged"
        return last.downtime_ms, f"last {last.command} before STOP ({how})"
    if item.baseline_limit_ms is not None:
        return item.baseline_limit_ms, "query-migrate-parameters before the migration"
    return QEMU_DEFAULT_DOWNTIME_LIMIT_MS, "QEMU's default (never changed in the log)"


def _nova_set_failures(row: dict[str, Any]) -> list[Finding]:
    """nova's WARNING ``Unable to increase max downtime to N ms: <error>`` (migration.py
    ``update_downtime``, Newton+): that step never reached QEMU (libvirt logs or not)."""
    return [Finding("downtime-set-failed", "warning",
                    f"nova could not raise the max downtime to {e.get('downtime_ms')} ms: "
                    f"{e.get('error')}; QEMU kept the previous limit.")
            for e in row.get("_events") or () if e.get("kind") == "downtime_set_failed"]


def _step_findings(row: dict[str, Any], source: QemuMigration,
                   offsets: dict[str, tuple[int, int]]) -> list[Finding]:
    """Each nova step against the command that applied it."""
    findings: list[Finding] = []
    host = row.get("source_host")
    minutes = _offset_for(host, offsets)[0]
    steps = [e for e in row.get("_events") or () if e.get("kind") == "downtime_step"
             and same_host(e.get("host"), host) and e.get("timestamp") is not None]
    failed = [e for e in row.get("_events") or () if e.get("kind") == "downtime_set_failed"]
    for change in source.limits:  # (nova's own warning, when logged, already said it)
        if change.ok is False and not any(f.get("downtime_ms") == change.downtime_ms
                                          for f in failed):
            findings.append(Finding(
                "downtime-set-failed", "warning",
                f"QEMU refused {change.command} {change.downtime_ms} ms: {change.error}."))
    if not source.limits and not steps:
        return findings
    commands_logged = bool(source.limits) or source.baseline_limit_ms is not None
    used: set[int] = set()
    for event in steps:
        value = event.get("downtime_ms")
        logged = (event["timestamp"] - timedelta(minutes=minutes)).replace(tzinfo=UTC)
        match = None
        for index, change in enumerate(source.limits):
            if index in used or change.downtime_ms != value:
                continue
            lag = (change.time - logged).total_seconds()
            if lag >= -MATCH_S:
                match = (index, lag)
                break
        if match is None:
            if commands_logged and not any(f.get("downtime_ms") == value for f in failed):
                findings.append(Finding(
                    "step-not-applied", "warning",
                    f"nova logged 'Increasing downtime to {value} ms' at "
                    f"{iso(event['timestamp'])} but libvirt never sent that limit to QEMU."))
            continue
        used.add(match[0])
        if match[1] > LATE_S:
            findings.append(Finding(
                "step-applied-late", "warning",
                f"the {value} ms step reached QEMU {match[1]:.1f} s after nova logged it "
                "(libvirt's job lock was busy)."))
    return findings


def _switched(source: QemuMigration) -> datetime | None:
    """When the source handed the guest over: MIGRATION ``postcopy-active`` under post-copy
    (the destination runs from then on), else ``completed``."""
    return source.postcopy_at if source.postcopy_at is not None else source.completed


def _own_bounds(row: dict[str, Any], source: QemuMigration, dest: QemuMigration,
                offsets: dict[str, tuple[int, int]]) -> tuple[float, float, list[str]]:
    """Bounds of θ = destination clock − source clock (true clocks, seconds) from this
    migration's own orderings: QEMU's (the destination resumes after the source completed —
    or entered post-copy — and after its own MIGRATION completed followed the source's STOP;
    the source's QEMU shuts down, ``reason=migrated``, after the resume) and nova's (the
    orderings of :mod:`correlate`, this migration's lines only, in UTC)."""
    assert dest.resume is not None
    lows: list[tuple[float, str]] = []
    highs: list[tuple[float, str]] = []

    def bound(kind: str, value: float, why: str) -> None:
        (highs if kind == "upper" else lows).append((value, why))

    switched = _switched(source)
    if switched is not None:
        bound("upper", (dest.resume - switched).total_seconds(),
              "RESUME after the source's MIGRATION " + (
                  "postcopy-active" if source.postcopy_at is not None else "completed"))
    if dest.completed is not None and source.stop is not None and source.postcopy_at is None:
        bound("upper", (dest.completed - source.stop).total_seconds(),
              "the destination's MIGRATION completed after the source's STOP")
    if source.shutdown_migrated is not None:
        bound("lower", (dest.resume - source.shutdown_migrated).total_seconds(),
              "the source's 'shutting down, reason=migrated' after RESUME")
    src_host = row.get("source_host")
    dst_host = row.get("dest_log_host") or row.get("dest_host")
    src_zone = _offset_for(src_host, offsets)[0] * 60.0
    dst_zone = _offset_for(dst_host, offsets)[0] * 60.0

    def first(host: str | None, kind: str, state: str | None = None) -> datetime | None:
        for event in row.get("_events") or ():
            if event.get("kind") == kind and same_host(event.get("host"), host) and (
                    state is None or event.get("state") == state) and \
                    event.get("timestamp") is not None:
                return event["timestamp"]
        return None

    def gap(d: datetime | None, s_: datetime | None) -> float | None:
        if d is None or s_ is None:
            return None
        return (d - s_).total_seconds() - dst_zone + src_zone

    nova = (("upper", gap(first(dst_host, "lifecycle", "Started"),
                          first(src_host, "monitor_started"))),
            ("upper", gap(first(dst_host, "post_operation_started"),
                          first(src_host, "post_live_migration_started"))),
            ("lower", gap(first(dst_host, "post_operation_started"),
                          first(src_host, "migration_succeeded"))),
            ("lower", gap(first(dst_host, "lifecycle", "Resumed"),
                          first(src_host, "operation_completed"))))
    for kind, value in nova:
        if value is not None:
            bound(kind, value, "nova's orderings of this migration")
    low = max(lows, default=(-math.inf, ""))
    high = min(highs, default=(math.inf, ""))
    return low[0], high[0], [why for _, why in (low, high) if why]


def _theta_bounds(row: dict[str, Any], source: QemuMigration, dest: QemuMigration,
                  offsets: dict[str, tuple[int, int]]) -> tuple[float, float, list[str]]:
    """Bounds of θ: this migration's own orderings (valid whatever the other migrations'
    clocks did); only when they bound one side alone, :mod:`correlate`'s estimate pooled
    over the host pair's migrations (which assumes the offset stayed put) fills the other."""
    low, high, basis = _own_bounds(row, source, dest, offsets)
    if low <= high and not (math.isinf(low) or math.isinf(high)):
        return low, high, basis
    if low > high:  # the orderings contradict each other: keep QEMU's alone
        low, high, basis = -math.inf, math.inf, ["QEMU's orderings (nova's contradict them)"]
        switched = _switched(source)
        if switched is not None and dest.resume is not None:
            high = (dest.resume - switched).total_seconds()
        if source.shutdown_migrated is not None and dest.resume is not None:
            low = (dest.resume - source.shutdown_migrated).total_seconds()
    current = row.get("switchover") or {}
    theta, spread = row.get("_clock") or (current.get("clock_offset_s"),
                                          current.get("uncertainty_s"))
    if theta is not None and spread is not None:
        zones = 60.0 * (_offset_for(row.get("dest_log_host") or row.get("dest_host"), offsets)[0]
                        - _offset_for(row.get("source_host"), offsets)[0])
        pooled_low, pooled_high = theta - zones - spread, theta - zones + spread
        if max(low, pooled_low) <= min(high, pooled_high):
            low, high = max(low, pooled_low), min(high, pooled_high)
            basis.append("nova's orderings pooled over the host pair (offset assumed steady)")
    return low, high, basis


def _switchover(row: dict[str, Any], source: QemuMigration | None,
                dest: QemuMigration | None, offsets: dict[str, tuple[int, int]],
                findings: list[Finding]) -> None:
    """STOP → RESUME corrected by the host pair's clock offset, with its uncertainty."""
    if row.get("switchover") is not None:
        row["switchover"].setdefault("evidence", "lifecycle-events")
        row["switchover"].setdefault("tier", ESTIMATED)
    if source is None or dest is None or source.stop is None or dest.resume is None:
        return
    raw = (dest.resume - source.stop).total_seconds()  # pause + θ
    low, high, basis = _theta_bounds(row, source, dest, offsets)
    switched = _switched(source)
    floor = max((switched - source.stop).total_seconds(), 0.0) if switched else 0.0
    if source.downtime_ms is not None and not row.get("paused"):
        floor = max(floor, source.downtime_ms / 1000)
    if math.isinf(low) and math.isinf(high):
        theta, spread, note = 0.0, None, "clock offset between the hosts unknown: assumed 0"
    elif math.isinf(low) or math.isinf(high):
        bound = high if math.isinf(low) else low
        theta = 0.0 if low <= 0.0 <= high else bound
        spread = None
        note = (f"clock offset only bounded ({'≤' if math.isinf(low) else '≥'} "
                f"{bound:.3f} s): {theta:.3f} s used, uncertainty unbounded")
    else:
        theta, spread = (low + high) / 2, (high - low) / 2
        note = "exact up to the clock offset's uncertainty"
    pause = max(raw - theta, floor)
    if spread is not None:  # the floor also cuts the interval
        bottom = max(raw - high, floor)
        top = max(raw - low, bottom)
        pause, spread = (top + bottom) / 2, (top - bottom) / 2
    host = row.get("source_host")
    previous = row.get("switchover") or {}
    row["switchover"] = {
        "start": _local(source.stop, host, offsets),
        "end": _local(source.stop + timedelta(seconds=pause), host, offsets),
        "seconds": round(pause, 3),
        "clock_offset_s": round(theta, 3),
        "uncertainty_s": None if spread is None else round(spread, 3),
        "lower_bound_s": round(floor, 3),
        "evidence": "qemu-events",
        "tier": MEASURED,
        "basis": "QEMU STOP (source) to RESUME (destination); clock offset from "
                 + (" and ".join(basis) if basis else "nothing"),
        "lifecycle_seconds": previous.get("seconds"),
        "note": note,
    }
    limit = row.get("qemu_downtime_limit_ms")
    if limit is None or row.get("post_copy") or row.get("paused"):
        return
    measured = row.get("qemu_downtime_ms")
    if measured is not None and measured > limit:
        findings.append(Finding(
            "pause-exceeds-limit", "warning",
            f"QEMU measured {measured} ms of downtime against the {limit} ms limit in force: "
            "its estimate was wrong (dirty-rate spike, block migration)."))
    elif (pause - (spread or 0.0)) * 1000 > limit:
        findings.append(Finding(
            "pause-exceeds-limit", "warning",
            f"the guest was paused {pause * 1000:.0f} ms (±{(spread or 0) * 1000:.0f}) against "
            f"the {limit} ms limit in force (a switchover target, not a cap: the destination's "
            "load and resume are not in it)."))


def _caveats(row: dict[str, Any], source: QemuMigration | None) -> list[Finding]:
    findings: list[Finding] = []
    if source is None:
        return findings
    if row.get("post_copy") or source.postcopy_at is not None:
        findings.append(Finding(
            "qemu-downtime-post-copy", "info",
            "post-copy: QEMU's downtime is the switch to post-copy only; afterwards the guest "
            "runs on the destination but stalls on pages still at the source."))
    if row.get("paused"):
        findings.append(Finding(
            "qemu-downtime-paused", "info",
            "force-complete paused the guest (nova's pause, not QEMU's switchover): QEMU's "
            "downtime counts from its own stop-and-copy only; STOP → RESUME is the real "
            "pause."))
    return findings

"""Both hosts of a migration: joining the destination's lines to the source's, estimating the
clock offset between the hosts, and the switchover window.

Orderings that must hold, with θ = destination clock − source clock (docs/nova.md §2):
the destination's ``VM Started`` follows the source's ``Starting monitoring`` (θ ≤ d − s);
its ``Post operation of migration started`` follows ``_post_live_migration() is started..``
(θ ≤ d − s) and precedes ``Migrating instance to … finished successfully.`` (θ ≥ d − s);
its ``VM Resumed`` precedes ``Migration operation has completed`` (libvirt's Finish before
Confirm: θ ≥ d − s). Weaker: ``VM Resumed`` follows the source's pause event (used while it
agrees with the rest). Constraints are pooled per host pair. Nova never logs the guest's real
downtime: the switchover window is an estimate from log times.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from loganalyzer.analysis.timeline import Arrival, Segment, event_sort_key, iso
from loganalyzer.findings import Finding

JOIN_SLACK_S = 900.0  # clocks and log delays: how far outside a migration a dest line may be
NOTE = "estimate from log times; nova never logs the guest's real downtime"


def same_host(a: str | None, b: str | None) -> bool:
    """Host names as logged (FQDN or short) against host names of log files."""
    if not a or not b:
        return False
    a, b = a.lower(), b.lower()
    return a == b or a.split(".")[0] == b.split(".")[0]


def _t(event: Mapping[str, Any] | None) -> Any:
    if event is None:
        return None
    value = event.get("timestamp")
    return value if value is not None and value == value else None


def _seconds(a: Any, b: Any) -> float:
    return (a - b).total_seconds()


@dataclass
class Bounds:
    """θ bounds for one host pair."""

    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    weak_lower: list[float] = field(default_factory=list)
    weak_upper: list[float] = field(default_factory=list)

    def add(self, kind: str, value: float, reverse: bool) -> None:
        """Add ``θ ≥ value`` (kind ``lower``) or ``θ ≤ value`` (``upper``), optionally
        ``weak_``; ``reverse`` when the pair is stored the other way round (θ → −θ)."""
        if reverse:
            value = -value
            kind = kind.replace("lower", "@").replace("upper", "lower").replace("@", "upper")
        getattr(self, kind).append(value)

    def estimate(self) -> tuple[float | None, float | None, bool]:
        """(θ, uncertainty, consistent) for the pair as stored."""
        low = max(self.lower) if self.lower else -math.inf
        high = min(self.upper) if self.upper else math.inf
        if self.weak_upper and low <= min(self.weak_upper) and \
                (not self.weak_lower or max(self.weak_lower) <= min(self.weak_upper)):
            high = min(high, min(self.weak_upper))
        if self.weak_lower and max(self.weak_lower) <= high:
            low = max(low, max(self.weak_lower))
        if low > high:
            return (low + high) / 2, (low - high) / 2, False
        if math.isinf(low) and math.isinf(high):
            return None, None, True
        if math.isinf(low) or math.isinf(high):
            bound = high if math.isinf(low) else low
            theta = 0.0 if low <= 0.0 <= high else bound
            return theta, None, True
        return (low + high) / 2, (high - low) / 2, True


def _source_event(segment: Segment, kind: str, state: str | None = None) -> Any:
    for event in segment.of(kind):
        if state is None or event.get("state") == state:
            return _t(event)
    return None


def _pause(segment: Segment) -> Any:
    for event in segment.of("lifecycle"):
        if event.get("state") in ("Paused", "Migration completed"):
            return _t(event)
    return None


def _constraints(segment: Segment, arrival: Arrival, bounds: Bounds, reverse: bool) -> None:
    started = _t(arrival.first("lifecycle", state="Started"))
    resumed = _t(arrival.first("lifecycle", state="Resumed"))
    post = _t(arrival.post_operation)
    monitor = (_source_event(segment, "monitor_started")
               or _source_event(segment, "migrate_api_invoked")
               or _source_event(segment, "pre_live_migration_took"))
    if started is not None and monitor is not None:
        bounds.add("upper", _seconds(started, monitor), reverse)
    post_started = _source_event(segment, "post_live_migration_started")
    if post is not None and post_started is not None:
        bounds.add("upper", _seconds(post, post_started), reverse)
    done = _source_event(segment, "migration_succeeded")
    if post is not None and done is not None:
        bounds.add("lower", _seconds(post, done), reverse)
    completed = _source_event(segment, "operation_completed")
    if resumed is not None and completed is not None:
        bounds.add("lower", _seconds(resumed, completed), reverse)
    pause = _pause(segment)
    if resumed is not None and pause is not None:
        bounds.add("weak_upper", _seconds(resumed, pause), reverse)


def _compatible(row: dict[str, Any], segment: Segment, arrival: Arrival) -> float | None:
    """How far the arrival's Post operation lies outside the source migration (None: not
    this migration)."""
    if segment.instance != arrival.instance or same_host(segment.host, arrival.host):
        return None
    post = _t(arrival.post_operation) or _t(arrival.events[0])
    if row["outcome"] not in ("completed", "unknown", "failed"):
        return None
    start = _t(segment.events[0])
    end = segment.last_time()
    if post is None or start is None or end is None:
        return 0.0 if post is None else None
    if _seconds(post, start) < -JOIN_SLACK_S or _seconds(post, end) > JOIN_SLACK_S:
        return None
    return abs(_seconds(post, end))


class _Sources:
    """One instance's source segments by start time, so that an arrival is compared with the
    migrations of its guest around its own time only (a guest migrated back and forth
    thousands of times made the join quadratic). Exact: :func:`_compatible` rejects every
    segment left out."""

    def __init__(self) -> None:
        self.starts: list[tuple[Any, int]] = []  # (start, index) of the timed segments
        self.untimed: list[int] = []  # compatible with an arrival without time only
        self.longest = timedelta(0)  # the longest segment (end - start)
        self.times: list[Any] = []  # the starts, sorted (after sort())

    def add(self, index: int, segment: Segment) -> None:
        start, end = _t(segment.events[0]), segment.last_time()
        if start is None or end is None:
            self.untimed.append(index)
            return
        self.starts.append((start, index))
        self.longest = max(self.longest, end - start)

    def sort(self) -> None:
        self.starts.sort(key=lambda pair: (pair[0], pair[1]))
        self.times = [start for start, _ in self.starts]

    def near(self, post: Any) -> list[int]:
        """Indexes of the segments an arrival at ``post`` may belong to (all when ``post``
        is None): start ≤ post + slack and end ≥ post − slack, so start ≥ post − slack −
        the longest segment."""
        if post is None:
            return sorted([*self.untimed, *(index for _, index in self.starts)])
        slack = timedelta(seconds=JOIN_SLACK_S + 1.0)
        low = bisect_left(self.times, post - slack - self.longest)
        high = bisect_right(self.times, post + slack)
        return [index for _, index in self.starts[low:high]]


def join(rows: list[dict[str, Any]], segments: Sequence[Segment],
         arrivals: Sequence[Arrival]) -> None:
    """Attach arrivals to source rows (in place), add destination-only rows, and fill in
    clock offsets and switchover windows. ``rows[i]`` belongs to ``segments[i]``."""
    pairs: dict[tuple[str, str], Bounds] = {}
    joined: list[tuple[int, Arrival]] = []
    taken: set[int] = set()
    names = nova_names(arrivals)
    # the source segments of each instance, in order: an arrival is only compatible with its
    # own instance's (_compatible), and a fleet has thousands of migrations
    by_instance: dict[Any, _Sources] = {}
    for index, segment in enumerate(segments):
        by_instance.setdefault(segment.instance, _Sources()).add(index, segment)
    for instance_sources in by_instance.values():
        instance_sources.sort()
    requests: dict[int, set[Any]] = {}  # a source segment's request ids, found once
    for arrival in arrivals:
        options = []
        paired = min(len(rows), len(segments))
        own = by_instance.get(arrival.instance)
        for index in own.near(_t(arrival.post_operation) or _t(arrival.events[0])) \
                if own is not None else ():
            if index in taken or index >= paired:
                continue
            row, segment = rows[index], segments[index]
            distance = _compatible(row, segment, arrival)
            if distance is None:
                continue
            by_name = same_host(row["dest_host"], arrival.host) or same_host(
                row["dest_host"], names.get(arrival.host))
            if index not in requests:
                requests[index] = {found for e in segment.events
                                   if (found := e.get("request_id"))}
            by_request = _same_request(requests[index], arrival)
            if row["dest_host"] and not by_name and not by_request:
                continue
            options.append((not by_request, not by_name, distance, index))
        if not options:
            rows.append(_destination_only(arrival))
            continue
        options.sort()
        if len(options) > 1 and options[0][:2] == (True, True) and options[1][:2] == (True, True):
            rows.append(_destination_only(arrival))  # ambiguous without names or request ids
            continue
        index = options[0][3]
        taken.add(index)
        joined.append((index, arrival))
        key, reverse = _pair(segments[index].host, arrival.host)
        _constraints(segments[index], arrival, pairs.setdefault(key, Bounds()), reverse)
    # one estimate per host pair, once all its constraints are in (a pair of busy hosts
    # shares thousands of migrations: estimating per migration was quadratic)
    estimates = {key: bounds.estimate() for key, bounds in pairs.items()}
    for index, arrival in joined:
        row, segment = rows[index], segments[index]
        row["dest_log_host"] = arrival.host
        row["dest_host"] = row["dest_host"] or arrival.host
        row["_events"] = _merged(segment, row["_events"], arrival.events)
        key, reverse = _pair(segment.host, arrival.host)
        theta, uncertainty, consistent = estimates[key]
        if reverse and theta is not None:
            theta = -theta
        if not consistent:
            row["findings"].append(Finding(
                "clock-constraints-inconsistent", "warning",
                f"the orderings between {segment.host} and {arrival.host} contradict each "
                "other: a clock jumped, or lines were joined to the wrong migration."
            ).to_json())
        row["switchover"] = _switchover(segment, arrival, theta, uncertainty)
        row["_clock"] = (theta, uncertainty)  # the pair's offset, for analysis/qemu.py
    for row, segment in zip(rows, segments, strict=False):
        if row.get("switchover") is None and "source_host" in row:
            row["switchover"] = _source_only_switchover(segment)


def _merged(segment: Segment, own: list[Mapping[str, Any]],
            arriving: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """``sorted(own + arriving, key=event_sort_key)``, with the times of the source's own
    events (``own``: ``segment.events``) taken from the segment."""
    times = segment.times() if len(own) == len(segment.events) else [
        e.get("timestamp") for e in own]
    keys = [at if at is not None else datetime.max for at in times]
    keys += [event_sort_key(e) for e in arriving]
    events = [*own, *arriving]
    return [events[i] for i in sorted(range(len(events)), key=keys.__getitem__)]


def nova_names(arrivals: Sequence[Arrival]) -> dict[str, str]:
    """The name nova uses for a log's host, learnt from ``During the sync_power process the
    instance has moved from host A to host B`` (B is the host that logged it)."""
    names: dict[str, str] = {}
    for arrival in arrivals:
        moved = arrival.first("sync_power_moved")
        if moved is not None and moved.get("dest_host"):
            names.setdefault(arrival.host, str(moved["dest_host"]))
    return names


def _pair(source: str, dest: str) -> tuple[tuple[str, str], bool]:
    """Pairs are pooled in both directions: (a, b) sorted, and whether θ is reversed."""
    return ((source, dest), False) if source <= dest else ((dest, source), True)


def _same_request(ids: set[Any], arrival: Arrival) -> bool:
    """Whether the arrival logged one of the source segment's request ids (``ids``)."""
    return any(e.get("request_id") in ids for e in arrival.events if e.get("request_id"))


def _switchover(segment: Segment, arrival: Arrival, theta: float | None,
                uncertainty: float | None) -> dict[str, Any] | None:
    pause = _pause(segment)
    resumed = _t(arrival.first("lifecycle", state="Resumed"))
    if pause is None or resumed is None:
        return _source_only_switchover(segment)
    offset = theta or 0.0
    end = resumed - timedelta(seconds=offset)  # (timedelta rounds to microseconds)
    return {"start": iso(pause), "end": iso(end),
            "seconds": round(_seconds(end, pause), 3),
            "clock_offset_s": None if theta is None else round(theta, 3),
            "uncertainty_s": None if uncertainty is None else round(uncertainty, 3),
            "basis": "source pause to destination VM Resumed, clock offset corrected",
            "note": NOTE}


def _source_only_switchover(segment: Segment) -> dict[str, Any] | None:
    """Without the destination's log: source pause to ``Migration operation has completed``,
    an upper bound (the monitor polls every 0.5 s)."""
    pause = _pause(segment)
    completed = _source_event(segment, "operation_completed")
    if pause is None or completed is None or completed < pause:
        return None
    return {"start": iso(pause), "end": iso(completed),
            "seconds": round(_seconds(completed, pause), 3), "clock_offset_s": None,
            "uncertainty_s": None,
            "basis": "source only: pause to 'Migration operation has completed' (upper bound)",
            "note": NOTE}


def _destination_only(arrival: Arrival) -> dict[str, Any]:
    """A migration seen only in the destination's log."""
    moved = arrival.first("sync_power_moved")
    first, post = _t(arrival.events[0]), _t(arrival.post_operation)
    return {
        "instance": arrival.instance, "migration_uuid": None,
        "source_host": moved.get("source_host") if moved else None,
        "dest_host": arrival.host, "dest_log_host": arrival.host,
        "start": iso(first), "end": iso(post),
        "start_seen": False,  # the migration starts on the source, whose log is not here
        "end_seen": post is not None,
        "duration_s": None,
        "duration_min_s": round(_seconds(post, first), 3) if post is not None and
        first is not None else None,
        "outcome": "completed" if arrival.post_operation is not None else "unknown",
        "error": None, "error_class": None, "release": None, "release_source": None,
        "post_copy": False, "post_copy_at": None, "paused": False,
        "timeout_hit": False, "timeout_limit_s": None, "observed_steps": [],
        "predicted_steps": [], "final_downtime_ms": None,
        "data_gb": {"value": None, "source": None}, "config": {}, "config_source": None,
        "variant": None, "ramp_verdict": "no_ramp", "ramp_end_s": None,
        "predicted_timeout_s": None,
        "inferred": {"downtime": None, "steps": None, "step_interval_s": None, "delay": None,
                     "variant": None, "downtime_range": None, "alternatives": []},
        "switchover": None, "progress": None, "progress_series": [], "markers": [],
        "findings": [Finding("destination-only", "info",
                             "only the destination's log shows this migration: give the "
                             "source host's log to see its ramp and outcome.").to_json()],
        "events": len(arrival.events),
        "_events": list(arrival.events),
    }

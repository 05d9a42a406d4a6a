"""Events to migration timelines: one *source segment* per live migration a host ran, one
*arrival* per migration a host received.

The source host logs nearly everything (docs/nova.md §2); its lines are cut into segments per
instance by the phase each message belongs to: a pre-migration or monitor-start message after
the previous migration's running phase, a running-phase message after an outcome, or a ramp
or progress counter starting again at 0 begins a new migration. This works on INFO-only logs,
with overlapping migrations of different guests, with the same guest migrated again, and with
logs that start or end in the middle of a migration. The destination logs
``Post operation of migration started`` and lifecycle events; those form arrivals.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from loganalyzer.analysis.fields import column
from loganalyzer.logs.catalog import INSTANCE_FROM, PHASES

# The phase of a source-side message: 0 preparing, 1 monitor start, 2 running, 3 outcome,
# 4 after the outcome. None: attached to whatever migration is current. (The catalogue's.)
PHASE: dict[str, int | None] = PHASES
SOURCE_KINDS = frozenset(PHASE)
UNKNOWN_INSTANCE = ""  # lines without an instance (pasted message text): one timeline per host
ARRIVAL_KINDS = frozenset({"post_operation_started", "sync_power_moved"})
SOURCE_LIFECYCLE = frozenset({"Paused", "Migration completed", "Postcopy started", "Stopped",
                              "Suspended"})
LIFECYCLE_AFTER_END_S = 60.0  # VM Stopped comes ~15 s after the source QEMU exits
ARRIVAL_LOOKBACK_S = 6 * 3600.0  # dest VM Started can precede Post operation by hours


@dataclass
class Segment:
    """The source host's lines of one live migration."""

    host: str
    instance: str
    events: list[Mapping[str, Any]] = field(default_factory=list)
    max_phase: int = -1
    closed_by_next: bool = False  # a new migration began before this one logged an outcome
    # kind -> positions in ``events``, and how many events it covers: the analysis asks a
    # segment for its lines of a kind some thirty times, so a lookup must not scan them all;
    # the covered events' timestamps and the log lines they stand for (folded runs)
    _positions: dict[str, list[int]] = field(default_factory=dict, repr=False, compare=False)
    _indexed: int = field(default=0, repr=False, compare=False)
    _times: list[Any] = field(default_factory=list, repr=False, compare=False)
    _lines: int = field(default=0, repr=False, compare=False)

    def add(self, event: Mapping[str, Any], kind: str | None = None, at: Any = None,
            lines: int = 0) -> None:
        """Append ``event``; ``kind``, ``at``, ``lines``: its kind, timestamp and the log
        lines it stands for (a folded run's ``repeats``, else 1), when the caller read them
        already (all three, or none)."""
        if kind is None:
            kind, at, lines = event["kind"], event.get("timestamp"), event.get("repeats") or 1
        events = self.events
        if self._indexed == len(events):
            found = self._positions.get(kind)
            if found is None:
                self._positions[kind] = [self._indexed]
            else:
                found.append(self._indexed)
            self._indexed += 1
            self._times.append(at)
            self._lines += lines
        events.append(event)
        phase = PHASE.get(kind)
        if phase is not None and phase > self.max_phase:
            self.max_phase = phase

    def _index(self) -> dict[str, list[int]]:
        """The positions of each kind (rebuilt when ``events`` was filled directly)."""
        if self._indexed != len(self.events):
            self._positions, self._times, self._lines = {}, [], 0
            for position, event in enumerate(self.events):
                self._positions.setdefault(event["kind"], []).append(position)
                self._times.append(event.get("timestamp"))
                self._lines += event.get("repeats") or 1
            self._indexed = len(self.events)
        return self._positions

    def kinds_at(self, *kinds: str) -> list[tuple[int, str]]:
        """(position, kind) of the events of ``kinds``, in log order."""
        index = self._index()
        return sorted((p, kind) for kind in dict.fromkeys(kinds) for p in index.get(kind, ()))

    def times(self) -> list[Any]:
        """Each event's timestamp (None where it has none), as ``events`` (read it only)."""
        self._index()
        return self._times

    def lines(self) -> int:
        """The log lines the events stand for (a folded run of repeated lines: all of it)."""
        self._index()
        return self._lines

    def positions(self, *kinds: str) -> list[int]:
        """Where the events of ``kinds`` are in ``events``, in log order."""
        index = self._positions if self._indexed == len(self.events) else self._index()
        if len(kinds) == 1:
            return list(index.get(kinds[0], ()))
        found = [index[kind] for kind in dict.fromkeys(kinds) if kind in index]
        if len(found) == 1:
            return list(found[0])
        return sorted(p for positions in found for p in positions)

    def of(self, *kinds: str) -> list[Mapping[str, Any]]:
        events = self.events
        if len(kinds) == 1:  # (positions without its copy)
            index = self._positions if self._indexed == len(events) else self._index()
            return [events[p] for p in index.get(kinds[0], ())]
        return [events[p] for p in self.positions(*kinds)]

    def first(self, *kinds: str) -> Mapping[str, Any] | None:
        index = self._positions if self._indexed == len(self.events) else self._index()
        if len(kinds) == 1:
            positions = index.get(kinds[0])
            return self.events[positions[0]] if positions else None
        found = [index[kind][0] for kind in kinds if kind in index]
        return self.events[min(found)] if found else None

    @property
    def has_outcome(self) -> bool:
        return self.max_phase >= 3

    def last_time(self) -> Any:
        """The time of the last event that has one (None: no event has)."""
        for at in reversed(self.times()):
            if at is not None:
                return at
        return None


@dataclass
class Arrival:
    """The destination host's lines of one incoming migration."""

    host: str
    instance: str
    events: list[Mapping[str, Any]] = field(default_factory=list)

    def first(self, *kinds: str, state: str | None = None) -> Mapping[str, Any] | None:
        for event in self.events:
            if event["kind"] in kinds and (state is None or event.get("state") == state):
                return event
        return None

    @property
    def post_operation(self) -> Mapping[str, Any] | None:
        return self.first("post_operation_started")


def _has_time(event: Mapping[str, Any]) -> bool:
    return event.get("timestamp") is not None


def _starts_new(segment: Segment, event: Mapping[str, Any], kind: str) -> bool:
    """Whether ``event`` (of ``kind``) begins a migration after ``segment`` (same host and
    instance)."""
    phase = PHASE.get(kind)
    if phase is None:
        return False
    if phase <= 1 and phase < segment.max_phase:
        return True
    if phase == 2 and segment.has_outcome:
        return True
    if kind == "downtime_step" and event.get("after_s") == 0:
        return bool(segment.positions("downtime_step"))
    if kind == "progress" and event.get("secs") == 0:
        return any((e.get("secs") or 0) > 0 for e in segment.of("progress"))
    return phase == 0 and segment.max_phase == 0 and bool(segment.positions(kind))


@dataclass
class Timelines:
    """Source segments and arrivals, plus lifecycle events that belong to neither."""

    segments: list[Segment]
    arrivals: list[Arrival]
    loose_lifecycle: dict[tuple[str, str], list[Mapping[str, Any]]]


def build(records: Iterable[Mapping[str, Any]],
          fields: Mapping[str, list[Any] | None] | None = None) -> Timelines:
    """Cut events (in log order per host) into segments and arrivals. ``fields``: the
    records' ``kind``, ``host``, ``instance``, ``timestamp`` and ``repeats`` as columns
    (None: no record has it), when the caller has them (:class:`dedup.Prepared`); else
    they are read from the records."""
    given = records if isinstance(records, Sequence) else list(records)
    fields = fields or {}

    def read(name: str) -> list[Any]:
        if name not in fields:
            return column(given, name)
        values = fields[name]
        return [None] * len(given) if values is None else values

    kinds, hosts, times, repeats = read("kind"), read("host"), read("timestamp"), read("repeats")
    events_of, instances = _with_instances(given, kinds, hosts, read("instance"))
    by_key: dict[tuple[str, str], list[int]] = {}
    for index, (kind, host, instance) in enumerate(zip(kinds, hosts, instances, strict=True)):
        instance = instance or UNKNOWN_INSTANCE
        if instance == UNKNOWN_INSTANCE and kind not in SOURCE_KINDS:
            continue
        by_key.setdefault((host or "unknown", instance), []).append(index)
    segments: list[Segment] = []
    arrivals: list[Arrival] = []
    loose: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for (host, instance), unordered in by_key.items():
        order = _log_order(unordered, times)
        events = [events_of[i] for i in order]
        own_kinds = [kinds[i] for i in order]
        own, lifecycle = _source_segments(host, instance, events, own_kinds,
                                          [times[i] for i in order],
                                          [repeats[i] or 1 for i in order])
        segments.extend(own)
        found, rest = _arrivals(host, instance, [e for e, kind in zip(
            events, own_kinds, strict=True) if kind in ARRIVAL_KINDS], lifecycle)
        arrivals.extend(found)
        if rest:
            loose[(host, instance)] = rest
    return Timelines(segments, arrivals, loose)


def with_instances(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Records, where a source-side message nova logs without an instance (the Ocata clamp
    warning, the SR-IOV vif detach, Queens–Rocky's no-migrate_data warning) takes the
    instance of its host's next or previous instance-tagged line, as the catalogue says
    (``instance_from``). Without such a line it stays instance-less."""
    given = list(records)
    return list(_with_instances(given, column(given, "kind"), column(given, "host"),
                                column(given, "instance"))[0])


def _with_instances(records: Sequence[Mapping[str, Any]], kinds: list[Any], hosts: list[Any],
                    instances: list[Any]) -> tuple[Sequence[Mapping[str, Any]], list[Any]]:
    """:func:`with_instances` on columns: the records and their instances (new lists when
    a record took an instance)."""
    out: list[Mapping[str, Any]] | None = None
    taken: list[Any] | None = None
    last: dict[Any, str] = {}
    waiting: dict[Any, list[int]] = {}
    for index, (kind, host, instance) in enumerate(zip(kinds, hosts, instances, strict=True)):
        if instance:
            if host in waiting:
                for i in waiting.pop(host):
                    out, taken = out or list(records), taken or list(instances)
                    out[i], taken[i] = {**out[i], "instance": instance}, instance
            last[host] = instance
            continue
        way = INSTANCE_FROM.get(kind)
        if way == "next":
            waiting.setdefault(host, []).append(index)
        elif way == "previous" and host in last:
            out, taken = out or list(records), taken or list(instances)
            out[index], taken[index] = {**records[index], "instance": last[host]}, last[host]
    return (records if out is None else out), (instances if taken is None else taken)


def _log_order(indices: list[int], times: list[Any]) -> list[int]:
    """:func:`in_log_order` of the events at ``indices`` (their times in ``times``)."""
    if all(times[i] is not None for i in indices):
        return sorted(indices, key=times.__getitem__)
    return indices


def _source_segments(host: str, instance: str, events: list[Mapping[str, Any]],
                     kinds: list[str], times: list[Any], lines: list[int],
                     ) -> tuple[list[Segment], list[Mapping[str, Any]]]:
    segments: list[Segment] = []
    current: Segment | None = None
    unattached: list[Mapping[str, Any]] = []
    for event, kind, at, count in zip(events, kinds, times, lines, strict=True):
        if kind in SOURCE_KINDS:
            if current is None or _starts_new(current, event, kind):
                if current is not None and not current.has_outcome:
                    current.closed_by_next = True
                current = Segment(host, instance)
                segments.append(current)
            current.add(event, kind, at, count)
        elif kind == "lifecycle":
            if current is not None and event.get("state") in SOURCE_LIFECYCLE \
                    and _within(current, at):
                current.add(event, kind, at, count)
            else:
                unattached.append(event)
        elif kind == "downtime_state" and current is not None:
            current.add(event, kind, at, count)
    return segments, unattached


def _within(segment: Segment, at: Any) -> bool:
    """A lifecycle event (at ``at``) belongs to a running migration, or one that ended
    moments ago."""
    if not segment.has_outcome:
        return True
    last = segment.last_time()
    if last is None or at is None:
        return True
    return (at - last).total_seconds() <= LIFECYCLE_AFTER_END_S


def _arrivals(host: str, instance: str, markers: list[Mapping[str, Any]],
              lifecycle: list[Mapping[str, Any]]) -> tuple[list[Arrival], list[Mapping[str, Any]]]:
    """One arrival per ``Post operation of migration started`` (or a lone ``sync_power``
    move: ``markers``, the events of ARRIVAL_KINDS in log order), with the lifecycle events
    that led up to it."""
    if not markers:  # a host's own migrations of this guest (or lifecycle lines alone)
        return [], list(lifecycle)
    arrivals: list[Arrival] = []
    used: set[int] = set()
    marker_times, lifecycle_times = _sorted_times(markers), _sorted_times(lifecycle)
    previous_end = None
    for marker in markers:
        at = marker.get("timestamp") if _has_time(marker) else None
        # the markers near this one (all of them when the times are not all known)
        near = [markers[i] for i in _window(marker_times, len(markers), at, CLOSE_S)]
        if marker["kind"] == "sync_power_moved" and arrivals and _close(arrivals[-1], marker):
            if not any(e is marker for e in arrivals[-1].events):  # not attached already
                arrivals[-1].events.append(marker)
            continue
        if marker["kind"] == "sync_power_moved" and any(
                m["kind"] == "post_operation_started" and _close_events(m, marker)
                for m in near):
            continue  # attached to that Post operation's arrival below
        arrival = Arrival(host, instance, [marker])
        lookback = ARRIVAL_LOOKBACK_S  # and never before the previous arrival
        if at is not None and previous_end is not None:
            lookback = max(0.0, min(lookback, (at - previous_end).total_seconds()))
        for index in _window(lifecycle_times, len(lifecycle), at, lookback, 0.0):
            event = lifecycle[index]
            if index in used or event.get("state") not in ("Started", "Resumed"):
                continue
            if at is None or not _has_time(event):
                continue
            delta = (at - event["timestamp"]).total_seconds()
            if 0 <= delta <= ARRIVAL_LOOKBACK_S and (
                    previous_end is None or event["timestamp"] > previous_end):
                arrival.events.append(event)
                used.add(index)
        for other in near:
            if other["kind"] == "sync_power_moved" and _close_events(marker, other):
                arrival.events.append(other)
        arrival.events.sort(key=event_sort_key)
        arrivals.append(arrival)
        previous_end = at
    rest = [e for i, e in enumerate(lifecycle) if i not in used]
    return arrivals, rest


CLOSE_S = 600.0  # a sync_power move and a Post operation this close are one arrival


def _sorted_times(events: list[Mapping[str, Any]]) -> list[datetime] | None:
    """The events' times when every event has one and they never go back, else None."""
    times = [e["timestamp"] for e in events if _has_time(e)]
    if len(times) != len(events) or any(b < a for a, b in pairwise(times)):
        return None
    return times


def _window(times: list[datetime] | None, size: int, at: Any, before_s: float,
            after_s: float | None = None) -> range:
    """The positions of the events that may lie from ``before_s`` before ``at`` to
    ``after_s`` (default: ``before_s``) after it, one second wider each side; every
    position when the times are not known and sorted (``times`` None) or ``at`` is None.
    The callers still check each event: this only keeps them from reading a guest's
    every line for each of its migrations."""
    if times is None or at is None:
        return range(size)
    after = before_s if after_s is None else after_s
    return range(bisect_left(times, at - timedelta(seconds=before_s + 1.0)),
                 bisect_right(times, at + timedelta(seconds=after + 1.0)))


def _close_events(a: Mapping[str, Any], b: Mapping[str, Any], seconds: float = CLOSE_S) -> bool:
    if not (_has_time(a) and _has_time(b)):
        return False
    return abs((a["timestamp"] - b["timestamp"]).total_seconds()) <= seconds


def _close(arrival: Arrival, event: Mapping[str, Any]) -> bool:
    return any(_close_events(e, event) for e in arrival.events)


def event_sort_key(event: Mapping[str, Any]) -> Any:
    return event["timestamp"] if _has_time(event) else datetime.max


def in_log_order(events: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """One host's events for one instance in the order they happened: by timestamp when
    every event has one (files of one host may overlap), else as read."""
    if all(_has_time(e) for e in events):
        return sorted(events, key=lambda e: e["timestamp"])
    return events


def iso(value: datetime | None) -> str | None:
    """A timestamp as the contract writes it: ``2024-05-01 12:00:00.123`` (oslo.log logs
    milliseconds)."""
    return None if value is None else value.isoformat(sep=" ", timespec="milliseconds")

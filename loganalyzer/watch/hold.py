"""Migrations in flight: the events of each instance held until its migration ends, then
analysed by the same code as ``migrations`` (:func:`loganalyzer.analysis.migrations.analyse`).

The analysis has no incremental entry point; this module gives it one by re-running it over
the held events of one instance (every host's, so that the destination's lines join), the
start-up dumps and versions of the hosts involved, and the remembered lines of the host
pair's last migrations (correlate pools a pair's clock orderings), when a migration of that
instance ends. Cost: one analysis of that instance's held events plus up to ``PAIR_KEPT``
remembered migrations per finished migration (≈13 ms on a loaded 2-core machine), and a
``timeline.build`` of each instance in flight on each poll that read lines.

A migration is *finished* when its outcome was logged and either a later migration of the
same guest began on that host, or ``settle`` seconds passed — in every host's log time (the
lines still to come may be in another host's file, read later when catching up), or as wall
time without a line about the guest — so that the lines nova writes after the outcome (the
source's ``VM Stopped``, the destination's ``Post operation``) still join it. Migrations
that ended are finished in the order they began. A migration whose source host logged
nothing about it for ``idle_timeout`` seconds is reported as it stands (outcome ``unknown``,
as ``migrations`` reports a log that ends mid-migration).
"""

from __future__ import annotations

import hashlib
import heapq
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from loganalyzer.analysis.dedup import WHERE, Overlay, line_key, original
from loganalyzer.analysis.evidence import STARTUP_KINDS, host_facts
from loganalyzer.analysis.migrations import Options, analyse_all
from loganalyzer.analysis.timeline import (
    PHASE,
    SOURCE_KINDS,
    SOURCE_LIFECYCLE,
    Segment,
    Timelines,
    build,
)
from loganalyzer.logs.scan import continues, run_signature
from loganalyzer.watch.identity import Identity, file_order, unique

# start-up facts (dumps, versions, the start-up lines that prove an option), and nova's
# names for its host (the analysis resolves aliases with them)
FACT_KINDS = frozenset({"config_dump", "config_option", "config_files", "compute_start",
                        "conf_host", "conf_my_ip", *STARTUP_KINDS})
DUMPS_KEPT = 2  # start-up dumps kept per host (a migration uses the last one before it)
VERSIONS_KEPT = 4
SETTLE_S = 90.0  # > timeline.LIFECYCLE_AFTER_END_S: the source's VM Stopped still joins
IDLE_TIMEOUT_S = 1800.0
MAX_EVENTS = 200_000
LATE_WINDOW_S = 900.0  # a line about a reported migration this long after it is "late"
DUMP_QUIET_S = 1.0  # a start-up dump is complete when its host has been quiet this long
PAIR_KEPT = 8  # finished migrations remembered per host pair (their clock constraints)
PAIRS_KEPT = 512
BULKY_KINDS = frozenset({"downtime_state", "progress", "downtime_step", "data_remaining"})
REPORTED_KEPT = 400_000  # lines of reported migrations remembered (their copies are dropped)
REPORTED_SAVED = 50_000  # the newest of them kept in the state file (≈1.4 MB)


class Record(dict[str, Any]):
    """An event as a dict; a field the line did not have reads as None, as the analysis'
    event views do."""

    __slots__ = ("_key",)
    _key: int | None

    def __missing__(self, key: str) -> None:
        return None

    @property
    def key(self) -> int | None:
        """What the line says, hashed (:func:`analysis.dedup.line_key`; None: no time)."""
        try:
            return cast(int | None, self._key)
        except AttributeError:
            self._key = line_key(self)
            return self._key


def _key(event: Mapping[str, Any]) -> int | None:
    return cast(Record, original(event)).key


def lasting_key(event: Mapping[str, Any]) -> int:
    """What the line says (as :func:`analysis.dedup.line_key`), hashed the same way in every
    process: the state file keeps these for the lines of reported migrations."""
    said = repr(sorted((k, v) for k, v in event.items() if k not in WHERE and v is not None))
    return int.from_bytes(hashlib.blake2b(said.encode(), digest_size=8).digest(), "big")


@dataclass
class HostDump:
    """A host's start-up dump as last reported (for 'changed at a restart')."""

    key: tuple[str, int]  # (file, line) of its first line
    values: dict[str, str]
    where: str
    when: str | None


@dataclass
class Ready:
    """What one call of :meth:`Holder.ready` produced."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    dumps: list[tuple[str, HostDump, HostDump | None]] = field(default_factory=list)
    forced: list[str] = field(default_factory=list)  # warnings: migrations cut by the bound


class Holder:
    """Events of the migrations in flight, per instance, and the hosts' start-up facts."""

    def __init__(self, options: Options, settle_s: float = SETTLE_S,
                 idle_timeout_s: float = IDLE_TIMEOUT_S, max_events: int = MAX_EVENTS) -> None:
        self.options = options
        self.settle_s = settle_s
        self.idle_timeout_s = idle_timeout_s
        self.max_events = max_events
        self.instances: dict[str, list[Record]] = {}
        self.touched: dict[str, float] = {}  # instance -> wall time of its last line
        self.dirty: set[str] = set()
        self.facts: dict[str, list[Record]] = {}
        self.facts_touched: dict[str, float] = {}
        self.dumps: dict[str, HostDump] = {}  # host -> the dump last reported
        self.runs: dict[tuple[str, str | None, str | None], Record] = {}
        self.newest: datetime | None = None  # the newest log time read
        self.host_newest: dict[str, datetime] = {}  # per host: hosts' files lag differently
        self.done: dict[tuple[str, str], datetime | None] = {}  # reported (host, instance)
        self.late = 0  # lines about a migration already reported, dropped
        self.errors: list[str] = []  # analyses that failed (drained by the caller)
        # per host pair, the lines of its last finished migrations that the clock offset is
        # estimated from (correlate pools every migration of a pair): analysed again with
        # each new migration of the pair, so that its offset pools what came before it
        self.pairs: dict[tuple[str, str], list[list[Record]]] = {}
        self._newest_checked: dict[str, datetime] = {}
        # libvirt/QEMU records of these hosts for the join (watch/libvirt_hold.py), and
        # whether a followed libvirt/QEMU log still has lines to read (then wait)
        self.libvirt_for: Callable[[set[str], list[Mapping[str, Any]]], Sequence[Any]] | None = None
        self.libvirt_learn: Callable[[list[dict[str, Any]]], None] | None = None
        self.behind = False
        self._behind_before = False
        # hosts by nova's names and aliases, each line once across files (as migrations)
        self.identity = Identity()
        # the lines of reported migrations (lasting key -> host), and their instances
        self.reported: dict[int, str] = {}
        self.reported_instances: dict[str, None] = {}
        self.duplicates = 0  # copies of a line read from another file, dropped
        self._views: dict[str, list[Mapping[str, Any]]] = {}  # per ready(), per instance
        self._timelines: dict[str, Timelines] = {}
        self._host_newest: dict[str, datetime] = {}  # per canonical host

    @property
    def held(self) -> int:
        return sum(len(v) for v in self.instances.values())

    def oldest_held(self) -> datetime | None:
        """The earliest time of any nova line held for a migration in flight (held lines are
        in the order they were read, across files and hosts: not in time order)."""
        return min((e["timestamp"] for events in self.instances.values() for e in events
                    if e["timestamp"] is not None), default=None)

    # --- feeding ---------------------------------------------------------------------------

    def feed(self, stream: str, records: Iterable[Record], now: float | None = None) -> None:
        """Events of one chunk of one stream (a file identity), in log order."""
        now = time.time() if now is None else now
        joined: set[tuple[str, str | None, str | None]] = set()
        identity = self.identity
        for event in records:
            when = event["timestamp"]
            said = event.key
            counted = identity.see(event, said)
            host = event["host"] or "unknown"
            if when is not None and (self.newest is None or when > self.newest):
                self.newest = when
            if when is not None and (host not in self.host_newest or
                                     when > self.host_newest[host]):
                self.host_newest[host] = when
            if event["kind"] in FACT_KINDS:
                self.facts.setdefault(host, []).append(event)
                self.facts_touched[host] = now
                self._trim_facts(host)
                continue
            instance = event["instance"] or ""
            if not instance and event["kind"] not in SOURCE_KINDS:
                continue  # build() ignores it too
            if said is not None and instance in self.reported_instances and \
                    self._copy(event, host, counted):
                self.duplicates += 1  # a copy of a line of a migration already reported
                continue
            if event["kind"] == "downtime_state" and event["repeats"] is not None:
                key = (stream, event["host"], event["instance"])
                if key not in joined:
                    joined.add(key)
                    if self._join_run(self.runs.get(key), event):
                        self.touched[instance] = now
                        continue
                self.runs[key] = event
            if self._late(identity.name(host), instance, event):
                self.late += 1
                continue
            self.instances.setdefault(instance, []).append(event)
            self.touched[instance] = now
            self.dirty.add(instance)

    @staticmethod
    def _join_run(run: Record | None, event: Record) -> bool:
        """A run of repeated monitor lines cut by a chunk boundary folded into one event,
        as one pass over the file folds it (mirrors ``scan._join_runs``)."""
        if run is None or not continues(run["last_elapsed_s"], event["elapsed_s"]):
            return False
        if run_signature(run["current_ms"], run["steps"], run["pid"], run["elapsed_s"]) != \
                run_signature(event["current_ms"], event["steps"], event["pid"],
                              event["elapsed_s"]):
            return False
        run["repeats"] += event["repeats"]
        for name in ("last_line", "last_time", "last_ts", "last_elapsed_s", "last_timestamp"):
            run[name] = event[name]
        return True

    def _copy(self, event: Mapping[str, Any], label: str, counted: bool = False) -> bool:
        """Whether ``event`` is a copy of a line of a reported migration (from another file,
        perhaps read after a restart): what it says is what that line said, and its label
        is that line's host or, by these shared lines, one of its names. ``counted``: the
        identity already counted this line as shared when it was seen (then not again)."""
        owner = self.reported.get(lasting_key(event))
        if owner is None:
            return False
        if self.identity.name(label) != owner and not counted:
            self.identity.share(owner, label)
        return self.identity.name(label) == owner

    def _purge_copies(self, instance: str) -> None:
        """Held lines of a reported instance found since to be copies of its reported lines
        (their label became known as the host's name after they were read)."""
        events = self.instances[instance]
        name = self.identity.name
        kept = [e for e in events if e.key is None or
                self.reported.get(lasting_key(e)) != name(e["host"])]
        if len(kept) == len(events):
            return
        self.duplicates += len(events) - len(kept)
        dropped = {id(e) for e in events} - {id(e) for e in kept}
        self.runs = {k: v for k, v in self.runs.items() if id(v) not in dropped}
        self._views.pop(instance, None)
        self._timelines.pop(instance, None)
        if kept:
            self.instances[instance] = kept
        else:
            self._drop(instance)

    def _late(self, host: str, instance: str, event: Record) -> bool:
        """A line that belongs to a migration already reported (it came after the settle
        time): dropped and counted rather than made into a migration of its own."""
        if (host, instance) not in self.done:
            return False
        kind = event["kind"]
        tail = (kind in SOURCE_KINDS and ((phase := PHASE[kind]) is None or phase >= 3)) or (
            kind == "lifecycle" and event["state"] in SOURCE_LIFECYCLE and
            event["state"] != "Paused")
        if not tail:
            return False
        if any(self.identity.name(e["host"]) == host and e["kind"] in SOURCE_KINDS
               for e in self.instances.get(instance, [])):
            return False  # a migration of this guest is in flight on this host
        end, when = self.done[(host, instance)], event["timestamp"]
        return end is None or when is None or (when - end).total_seconds() <= LATE_WINDOW_S

    def _trim_facts(self, host: str) -> None:
        events = self.facts[host]
        versions = [e for e in events if e["kind"] == "compute_start"]
        dumps = host_facts(e for e in events if e["kind"] != "compute_start").get(
            host, None)
        keep_from = 0
        if dumps is not None and len(dumps.dumps) > DUMPS_KEPT:
            first = dumps.dumps[-DUMPS_KEPT]
            keep_from = next((i for i, e in enumerate(events) if e["kind"] != "compute_start"
                              and (e["file"] or "", int(e["line"] or 0)) ==
                              (first.file, first.line)), 0)
        startup = [e for e in events if e["kind"] in STARTUP_KINDS]
        old = {id(e) for e in versions[:-VERSIONS_KEPT] + startup[:-VERSIONS_KEPT]}
        self.facts[host] = [e for i, e in enumerate(events) if id(e) not in old and
                            (e["kind"] == "compute_start" or i >= keep_from)]

    # --- finishing ------------------------------------------------------------------------

    def ready(self, now: float | None = None, final: bool = False) -> Ready:
        """Migrations that ended (all of them when ``final``), analysed; start-up dumps
        that are complete."""
        now = time.time() if now is None else now
        out = Ready()
        self._views, self._timelines = {}, {}
        self._host_newest = {}
        for label, when in self.host_newest.items():  # each host's newest, under its name
            host = self.identity.name(label)
            if host not in self._host_newest or when > self._host_newest[host]:
                self._host_newest[host] = when
        self._dumps(now, final, out)
        over = self.held - self.max_events
        forced: set[str] = set()
        if over > 0:
            for instance in sorted(self.instances, key=lambda i: self.touched.get(i, 0)):
                if over <= 0:
                    break
                forced.add(instance)
                over -= len(self.instances[instance])
                out.forced.append(f"more than {self.max_events} events held: the migration "
                                  f"of {instance or 'an unknown instance'} is reported as it "
                                  "stands")
        # a host's log time went on: settle times pass (on any host: the slowest counts)
        moved = self.host_newest != self._newest_checked or (
            self._behind_before and not self.behind)  # (what waited may be ready now)
        self._behind_before = self.behind
        self._newest_checked = dict(self.host_newest)
        # what ended, across instances, finished in the order the migrations began: a host
        # pair's remembered migrations are then the ones before (as when following live)
        plan: list[tuple[datetime, bool, str, int | None]] = []
        for instance in [i for i in self.dirty if i in self.reported_instances]:
            if instance in self.instances:
                self._purge_copies(instance)
        for instance in list(self.instances):
            quiet = now - self.touched.get(instance, now)
            if not (final or moved or instance in forced or instance in self.dirty
                    or quiet >= min(self.settle_s, self.idle_timeout_s)):
                continue
            self.dirty.discard(instance)
            plan.extend(self._plan(instance, quiet, final or instance in forced))
        plan.sort(key=lambda item: (item[0], item[1]))
        for _, _, instance, first in plan:
            if instance in self.instances:
                quiet = now - self.touched.get(instance, now)
                out.rows.extend(self._finish(instance, quiet, final or instance in forced,
                                             first))
        return out

    def _settled(self, host: str | None, last: datetime | None, quiet: float,
                 wait: float) -> bool:
        """Whether ``wait`` seconds passed since ``last``: in wall time without a line about
        the instance, or in log time, on ``host`` or (None) on every host read so far (the
        lines still to come may be in another host's log: the destination's, or a host
        whose file is read later when catching up)."""
        if quiet >= wait:
            return True
        if self.behind:
            return False
        if last is None or not self.host_newest:
            return False
        newest = self._host_newest.get(host) if host else min(self.host_newest.values())
        return newest is not None and (newest - last).total_seconds() >= wait

    def _readiness(self, instance: str, quiet: float, final: bool
                   ) -> tuple[Timelines, list[Segment], bool]:
        """The instance's timelines, its migrations that ended, and whether its arrivals
        without a source migration may be reported (destination-only)."""
        timelines = self._timelines.get(instance)
        if timelines is None:
            timelines = self._timelines[instance] = build(self._view(instance))
        ready_segments = []
        waiting = False
        for index, segment in enumerate(timelines.segments):
            later = any(s.host == segment.host for s in timelines.segments[index + 1:])
            last = segment.last_time()
            if final or later:
                done = True
            elif segment.has_outcome:
                done = self._settled(None, last, quiet, self.settle_s)
            else:  # a running migration logs on its source host: silence there times out
                done = self._settled(segment.host, last, quiet, self.idle_timeout_s)
            if done:
                ready_segments.append(segment)
            else:
                waiting = True
        arrivals_ready = final or (not waiting and all(
            self._settled(None, a.events[-1]["timestamp"], quiet, self.settle_s)
            for a in timelines.arrivals))
        return timelines, ready_segments, arrivals_ready

    def _plan(self, instance: str, quiet: float, final: bool
              ) -> list[tuple[datetime, bool, str, int | None]]:
        """(when it began, arrivals only?, instance, its first event's id) of each migration
        of ``instance`` that ended; None for the instance's destination-only arrivals."""
        timelines, ready_segments, arrivals_ready = self._readiness(instance, quiet, final)
        if not ready_segments and not (timelines.arrivals and arrivals_ready):
            if not timelines.segments and not timelines.arrivals and \
                    self._settled(None, None, quiet, self.settle_s):
                self._drop(instance)  # only lines that belong to no migration
            return []
        items: list[tuple[datetime, bool, str, int | None]] = [
            (_began(s.events), False, instance, id(original(s.events[0])))
            for s in ready_segments]
        if timelines.arrivals and arrivals_ready:
            items.append((min(_began(a.events) for a in timelines.arrivals), True, instance,
                          None))
        return items

    def _finish(self, instance: str, quiet: float, final: bool, only: int | None
                ) -> list[dict[str, Any]]:
        """Analyse the instance and report the migration whose first event is ``only``
        (None: its destination-only arrivals)."""
        events = self.instances[instance]
        view = self._view(instance)
        timelines, ready_segments, arrivals_ready = self._readiness(instance, quiet, final)
        ready_segments = [s for s in ready_segments if id(original(s.events[0])) == only]
        if only is not None and not ready_segments:
            return []
        name = self.identity.name
        hosts = {e["host"] or "unknown" for e in view}
        arriving = {a.host for a in timelines.arrivals}  # where this guest's lines arrived
        pairs = {(min(a, b), max(a, b)) for s in ready_segments for a in [s.host]
                 for b in arriving if b != a}
        remembered = self._named([e for pair in pairs for migration in self.pairs.get(pair, [])
                                  for e in migration])
        memory = {id(original(e)) for e in remembered}
        hosts |= {e["host"] or "unknown" for e in remembered}
        facts = self.facts_of(*hosts)
        try:
            # merged in time, each group in its own order: the analysis takes a line stamped
            # before the line above it in its file as out of order (analysis/dedup.py), so a
            # later restart's dump must not stand before this migration's lines
            records = _merged(facts, remembered, view)
            rows = analyse_all(records, self.options, [_key(e) for e in records],
                               libvirt=self.libvirt_for(hosts, remembered + view)
                               if self.libvirt_for else ()).rows
            if self.libvirt_learn is not None:
                self.libvirt_learn(rows)
        except Exception as exc:  # a defect, or input no rule foresaw: never fatal
            self.errors.append(f"the migration(s) of {instance or 'an unknown instance'} "
                               f"could not be analysed ({type(exc).__name__}: {exc}); their "
                               f"{len(events)} events were dropped")
            self._drop(instance)
            return []
        starts = {id(original(s.events[0])): s for s in ready_segments}
        segment_firsts = {id(original(s.events[0])) for s in timelines.segments}
        out = []
        emitted: set[int] = set()
        for row in rows:
            ids = {id(original(e)) for e in row.get("_events", [])}
            if ids & memory:
                continue  # a remembered migration, reported before
            mine = ids & set(starts)
            if mine:
                segment = starts[next(iter(mine))]
                self.done[(segment.host, instance)] = segment.last_time()
            elif only is not None or ids & segment_firsts or not arrivals_ready:
                continue  # another migration (in flight, or reported in its own turn)
            for field_name in ("source_host", "dest_host"):  # as migrations: every alias known
                row[field_name] = self.identity.current.name(row[field_name])
            out.append(row)
            emitted |= ids
            self._remember(row)
        if len(self.done) > 20_000:  # bounded: the oldest reported migrations forgotten
            self.done = dict(list(self.done.items())[-10_000:])
        # the copies of the reported lines (another file's) go with them, and are
        # remembered so that a copy read later is dropped too
        lines = {(name(e["host"]), _key(e)) for e in events if id(e) in emitted}
        for event in events:
            if id(event) in emitted and event.key is not None:
                self.reported[lasting_key(event)] = name(event["host"])
        self.reported_instances.pop(instance, None)
        self.reported_instances[instance] = None  # the dict's order is recency
        if len(self.reported) > REPORTED_KEPT:
            for old in list(self.reported)[:REPORTED_KEPT // 2]:
                del self.reported[old]
            self.reported_instances = dict(list(self.reported_instances.items())[-20_000:])
        copies = {id(e) for e in events if id(e) not in emitted and _key(e) is not None and
                  (name(e["host"]), _key(e)) in lines}
        self.duplicates += len(copies)
        emitted |= copies
        self._views.pop(instance, None)
        self._timelines.pop(instance, None)
        self.runs = {k: v for k, v in self.runs.items() if id(v) not in emitted}
        remaining = [e for e in events if id(e) not in emitted]
        if remaining:
            self.instances[instance] = remaining
        else:
            self._drop(instance)
        return out

    def _view(self, instance: str) -> list[Mapping[str, Any]]:
        """The instance's held events as the analysis reads them: each line once (the copy
        ``migrations`` keeps), under its host's canonical name."""
        view = self._views.get(instance)
        if view is None:
            kept, _ = unique(self.instances[instance], self.identity.name, _key)
            view = self._views[instance] = self._named(kept)
        return view

    def _named(self, events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """``events`` under their hosts' canonical names."""
        out: list[Mapping[str, Any]] = []
        name = self.identity.current.name
        for event in events:
            host = event["host"]
            canonical = name(host) if host else host
            out.append(event if canonical == host else Overlay(event, {"host": canonical}))
        return out

    def facts_of(self, *hosts: str) -> list[Mapping[str, Any]]:
        """The start-up facts of ``hosts`` (canonical names) from every label they go by,
        each line once, under the canonical name, in log order."""
        labels = sorted(self.identity.labels_of(hosts) & set(self.facts),
                        key=lambda label: (file_order(self.facts[label][0]["file"])
                                           if self.facts[label] else file_order(None), label))
        kept, _ = unique(_merged(*(self.facts[label] for label in labels)),
                         self.identity.name, _key)
        return self._named(kept)

    def _remember(self, row: dict[str, Any]) -> None:
        source, dest = row.get("source_host"), row.get("dest_log_host")
        if not source or not dest:
            return
        pair = (min(source, dest), max(source, dest))
        kept = self.pairs.pop(pair, [])  # re-inserted: the dict's order is recency
        # the analysis's rows hold this holder's Records, some behind an Overlay
        kept.append([cast(Record, original(e)) for e in row["_events"]
                     if e["kind"] not in BULKY_KINDS])
        self.pairs[pair] = kept[-PAIR_KEPT:]
        while len(self.pairs) > PAIRS_KEPT:
            del self.pairs[next(iter(self.pairs))]

    def _drop(self, instance: str) -> None:
        self._views.pop(instance, None)
        self._timelines.pop(instance, None)
        self.instances.pop(instance, None)
        self.touched.pop(instance, None)
        self.dirty.discard(instance)
        self.runs = {k: v for k, v in self.runs.items() if (k[2] or "") != instance}

    def _dumps(self, now: float, final: bool, out: Ready) -> None:
        """Start-up dumps that are complete (their host quiet for a moment, or a later
        dump began) and not reported yet."""
        touched: dict[str, float] = {}
        for label in self.facts:
            host = self.identity.name(label)
            touched[host] = max(touched.get(host, 0.0), self.facts_touched.get(label, now))
        for host, last in touched.items():
            events = self.facts_of(host)
            facts = host_facts(e for e in events if e["kind"] != "compute_start").get(host)
            if facts is None or not facts.dumps:
                continue
            complete = facts.dumps if final or now - last >= DUMP_QUIET_S else facts.dumps[:-1]
            for dump in complete:
                key = (dump.file, dump.line)
                previous = self.dumps.get(host)
                when = dump.when.isoformat(sep=" ") if dump.when else None
                if previous is not None and (previous.key == key or _after(previous, dump) or
                                             (previous.when == when and
                                              previous.values == dict(dump.values))):
                    continue  # reported (or its copy from another file was)
                current = HostDump(key, dict(dump.values), dump.where, when)
                self.dumps[host] = current
                out.dumps.append((host, current, previous))

    # --- state ----------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        runs = []
        for key, event in self.runs.items():
            held = self.instances.get(key[2] or "", [])
            index = next((i for i, e in enumerate(held) if e is event), None)
            if index is not None:
                runs.append([key[0], key[1], key[2], index])
        return {
            "instances": {i: [encode(e) for e in events]
                          for i, events in self.instances.items()},
            "touched": self.touched,
            "facts": {h: [encode(e) for e in events] for h, events in self.facts.items()},
            "dumps": {h: {"key": list(d.key), "values": d.values, "where": d.where,
                          "when": d.when} for h, d in self.dumps.items()},
            "runs": runs,
            "newest": self.newest.isoformat() if self.newest else None,
            "host_newest": {h: t.isoformat() for h, t in self.host_newest.items()},
            "done": [[h, i, t.isoformat() if t else None] for (h, i), t in self.done.items()],
            "pairs": [[a, b, [[encode(e) for e in m] for m in kept]]
                      for (a, b), kept in self.pairs.items()],
            "identity": self.identity.to_json(),
            "reported": [[k, h] for k, h in list(self.reported.items())[-REPORTED_SAVED:]],
            "reported_instances": list(self.reported_instances),
        }

    def restore(self, data: dict[str, Any]) -> None:
        self.instances = {i: [decode(e) for e in events]
                          for i, events in data.get("instances", {}).items()}
        self.touched = {i: float(t) for i, t in data.get("touched", {}).items()}
        self.dirty = set(self.instances)
        self.facts = {h: [decode(e) for e in events]
                      for h, events in data.get("facts", {}).items()}
        self.dumps = {h: HostDump((d["key"][0], int(d["key"][1])), d["values"], d["where"],
                                  d.get("when")) for h, d in data.get("dumps", {}).items()}
        self.runs = {}
        for stream, host, instance, index in data.get("runs", []):
            held = self.instances.get(instance or "", [])
            if index < len(held):
                self.runs[(stream, host, instance)] = held[index]
        newest = data.get("newest")
        self.newest = datetime.fromisoformat(newest) if newest else None
        self.host_newest = {h: datetime.fromisoformat(t)
                            for h, t in data.get("host_newest", {}).items()}
        self.done = {(h, i): datetime.fromisoformat(t) if t else None
                     for h, i, t in data.get("done", [])}
        self.pairs = {(a, b): [[decode(e) for e in m] for m in kept]
                      for a, b, kept in data.get("pairs", [])}
        self.identity.restore(data.get("identity", {}))
        self.reported = {int(k): str(h) for k, h in data.get("reported", [])}
        instances = data.get("reported_instances", [])
        if not isinstance(instances, list) or not all(isinstance(i, str) for i in instances):
            raise TypeError("reported_instances: not a list of instances")
        self.reported_instances = dict.fromkeys(instances)


def _merged(*groups: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The groups merged by time, each kept in its own order (a line without a time goes
    with the line before it in its group)."""
    def timed(group: Sequence[Mapping[str, Any]]
              ) -> Iterable[tuple[datetime, int, Mapping[str, Any]]]:
        last = datetime.min
        for index, event in enumerate(group):
            last = event["timestamp"] or last
            yield last, index, event

    return [event for _, _, event in heapq.merge(*(timed(g) for g in groups),
                                                  key=lambda item: item[0])]


def _began(events: Sequence[Mapping[str, Any]]) -> datetime:
    return next((e["timestamp"] for e in events if e["timestamp"] is not None), datetime.max)


def _after(previous: HostDump, dump: Any) -> bool:
    """Whether ``dump`` is older than the one last reported (a state restored)."""
    if previous.when is None or dump.when is None:
        return False
    return dump.when.isoformat(sep=" ") < previous.when


def encode(event: Record) -> dict[str, Any]:
    """An event for the state file (JSON): datetimes tagged."""
    return {k: {"$dt": v.isoformat()} if isinstance(v, datetime) else v
            for k, v in event.items() if v is not None}


def decode(data: dict[str, Any]) -> Record:
    out = Record()
    for key, value in data.items():
        if isinstance(value, dict) and "$dt" in value:
            value = datetime.fromisoformat(value["$dt"])
        elif key in ("steps", "options") and isinstance(value, list):
            value = tuple(tuple(item) for item in value)  # (a dump row's (option, value))
        out[key] = value
    return out

"""libvirt and QEMU logs followed by ``watch``: each chunk parsed by :mod:`loganalyzer.logs.
libvirt` (the parser ``migrations`` uses, fed block by block with its state carried on),
only the records the join of :mod:`loganalyzer.analysis.qemu` needs held per host, and
handed to the analysis of a finished migration, so that its QEMU fields are the ones
``migrations`` gives on the same files.

What is held (a libvirt debug log is mostly noise; what is not held is counted):

- QMP traffic that :func:`analysis.qemu_sessions.group` reads: the migration commands
  (``migrate``, ``migrate-incoming``, ``migrate-set-parameters``, ``migrate_set_downtime``),
  the replies it reads (``query-migrate`` status replies, ``query-migrate-parameters``'s
  ``downtime-limit``, answers to the downtime commands, errors to a named command) with the
  command each answers, and the ``MIGRATION``/``STOP``/``RESUME`` events;
- monitor → domain names (``Entering monitor``): the first and the last line of each run
  naming the same domain (the analysis takes the naming line nearest a job's start: the ends
  of a run give the same answer);
- domain → uuid (API debug lines, the QEMU command line): one record per pair;
- the per-domain QEMU log's migration lines, libvirt's errors and warnings that matter.

Bounds: per host, what is older than ``KEEP_S`` of that host's libvirt time (unless a QEMU
job still open on it began earlier, up to ``OPEN_MAX_S``), and ``MAX_RECORDS`` in all.
When a migration is reported, the QEMU jobs joined to it are released; a record of such a
job that arrives afterwards is *late*: counted, not used.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from loganalyzer.logs.libvirt.parse import Deduper, FileParse, Record, parse_block
from loganalyzer.logs.libvirt.read import domain_of

MIGRATION_COMMANDS = frozenset({"migrate", "migrate-incoming", "migrate-set-parameters",
                                "migrate_set_downtime"})
SET_COMMANDS = frozenset({"migrate-set-parameters", "migrate_set_downtime"})
EVENTS = frozenset({"MIGRATION", "STOP", "RESUME"})
TERMINAL = frozenset({"completed", "failed", "cancelled"})
KINDS_KEPT = frozenset({"qemu_cmdline", "domain_initiating_migration", "domain_shutting_down",
                        "cpus_stopped_in_future", "qmp_command_failed", "json_unparsable"})
UUID_KINDS = frozenset({"api_domain", "api_set_max_downtime"})
KEEP_S = 3600.0  # libvirt time a host's records are held at least (a migration is reported
# sooner: --settle after its outcome, --idle-timeout after its last line)
OPEN_MAX_S = 86400.0  # a QEMU job still open keeps its records this long at most
MAX_RECORDS = 200_000  # records held in all (the oldest go first, counted)
PENDING_KEPT = 256  # commands awaiting their reply, per file
UUIDS_KEPT = 50_000  # domain ↔ uuid pairs
CLAIMS_KEPT = 8  # released jobs remembered per monitor (to call their records late)
CLAIM_TAIL_S = 10.0  # the final query-migrate reply follows the job's last event
UNPLACED_KEPT = 50_000  # syslog records waiting for their file's clock, per file
MONITORS_KEPT = 50_000  # per-monitor tables (runs, named, open jobs, claims): the oldest go
SPAN_SLACK_S = 1800.0  # > analysis.qemu.JOIN_SLACK_S (+ nova's lines around QEMU's job)


class HeldRecords(list[Record]):
    """Records for one analysis, with the time zones earlier joins learnt."""

    offsets_known: dict[str, tuple[int, int]]


@dataclass
class _Stream:
    """One followed libvirt/QEMU file: the parser's state, carried from chunk to chunk."""

    state: FileParse
    deduper: Deduper
    pending: dict[tuple[str | None, str], tuple[int, Record, bool]] = field(
        default_factory=dict)  # (mon, QMP id) → (seq, command, held already)
    # a syslog file's local clock, learnt from QMP event stamps as migrations learns it
    # (parse._learn_local_clock): votes so far; records waiting for a first vote
    zone_votes: Counter[int] = field(default_factory=Counter)
    year_votes: Counter[int] = field(default_factory=Counter)
    unplaced: list[Record] = field(default_factory=list)


def _key(host: str | None) -> str:
    """How hosts are compared when joining (:func:`analysis.correlate.same_host`)."""
    return (host or "").lower().split(".")[0]


class LibvirtHold:
    """The libvirt/QEMU records of every followed host that a join may need."""

    def __init__(self, keep_s: float = KEEP_S) -> None:
        self.keep_s = keep_s
        self.streams: dict[str, _Stream] = {}
        self.fed: dict[str, float] = {}  # stream → wall time of its last chunk
        # (host, monitor) → seq → (time, record): a monitor's traffic is one QEMU process's
        self.held: dict[tuple[str, str | None], dict[int, tuple[datetime | None, Record]]] = {}
        self.last: dict[tuple[str, str | None], datetime] = {}  # newest time per stream
        self.held_count = 0
        self.uuids: dict[tuple[str, str], tuple[int, Record]] = {}
        self.runs: dict[tuple[str, str | None], tuple[str, int, int | None]] = {}
        self.named: dict[tuple[str, str | None], set[str]] = {}  # domains a monitor served
        self.open_jobs: dict[tuple[str, str | None], datetime] = {}
        self.claims: dict[tuple[str, str | None], list[tuple[datetime, datetime]]] = {}
        self.newest: dict[str, datetime] = {}
        self.seq = 0
        self.dropped: Counter[str] = Counter()  # why records were not held (or let go)
        self.late = 0  # records of a QEMU job already reported
        self.released = 0  # records let go when their migration was reported
        self.read = 0  # records parsed
        # nova's time zone per host as the joins learnt it: (minutes, votes); a later
        # migration with no nova/QEMU line pair of its own on a host uses it
        self.offsets: dict[str, tuple[int, int]] = {}

    @property
    def count(self) -> int:
        return self.held_count + len(self.uuids)

    @property
    def pending(self) -> int:
        """Commands read whose reply (which decides whether they are kept) has not come."""
        return sum(1 for s in self.streams.values() for _, _, held in s.pending.values()
                   if not held) + sum(len(s.unplaced) for s in self.streams.values())

    # --- reading ---------------------------------------------------------------------------

    def feed(self, stream: str, path: str, host: str | None, host_source: str,
             year: int | None, kind: str | None, data: bytes, lines_before: int,
             now: float | None = None) -> list[dict[str, Any]]:
        """Parse one chunk of whole lines of a followed libvirt/QEMU file; hold what the
        join needs. Returns the unrecognized lines (as ``migrations`` lists them)."""
        current = self.streams.get(stream)
        self.fed[stream] = time.time() if now is None else now
        if current is None:
            state = FileParse(path, host, host_source)
            current = self.streams[stream] = _Stream(state, Deduper(state.ignored))
        state = current.state
        state.path, state.host, state.host_source = path, host, host_source
        domain = domain_of(os.path.basename(path)) if kind == "domain" else None
        records = parse_block(data, lines_before, state, year, domain)
        unrecognized, state.unrecognized = state.unrecognized, []
        kept = []
        for record in records:
            self.read += 1
            if not current.deduper.take(record):
                self.dropped["duplicate"] += 1
                continue
            kept.append(record)
        for record in self._placed(current, kept):
            self.seq += 1
            if record.host is None:
                self.dropped["no host"] += 1
                continue
            self._take(current, _key(record.host), self.seq, record)
        self._bound()
        return unrecognized

    def _placed(self, current: _Stream, records: list[Record]) -> list[Record]:
        """The records in UTC: a syslog file's local times moved by the offset (and year)
        its QMP event stamps voted for so far; while none voted, they wait (in order)."""
        waiting = current.unplaced + records
        if not any(_local(r) for r in waiting):
            current.unplaced = []
            return waiting
        for record in records:
            qmp = record.qmp_time
            if not _local(record) or qmp is None or record.time is None:
                continue
            try:
                shifted = record.time.replace(year=qmp.year)
            except ValueError:  # 29 February
                continue
            current.year_votes[qmp.year - record.time.year] += 1
            current.zone_votes[round((shifted - qmp.replace(tzinfo=None)).total_seconds()
                                     / 900) * 15] += 1
        if not current.zone_votes:
            current.unplaced = waiting[-UNPLACED_KEPT:]
            self.dropped["syslog time never placed"] += len(waiting) - len(current.unplaced)
            return []
        minutes = current.zone_votes.most_common(1)[0][0]
        shift = current.year_votes.most_common(1)[0][0]
        for record in waiting:
            if _local(record) and record.time is not None:
                try:
                    moved = record.time.replace(year=record.time.year + shift)
                except ValueError:
                    moved = record.time
                record.time = (moved - timedelta(minutes=minutes)).replace(tzinfo=UTC)
        current.unplaced = []
        return waiting

    def _take(self, current: _Stream, host: str, seq: int, record: Record) -> None:
        when = record.when()
        if when is not None and (host not in self.newest or when > self.newest[host]):
            self.newest[host] = when
        kind = record.kind
        if kind in UUID_KINDS:
            self._uuid(seq, record, record.fields.get("domain"), record.fields.get("uuid"))
            return
        if kind == "monitor_enter":
            self._naming(host, seq, record)
            return
        if record.qmp is not None:
            self._qmp(current, host, seq, record, when)
            return
        if kind in KINDS_KEPT:
            if kind == "qemu_cmdline" and record.fields.get("uuid"):
                self._uuid(seq, record, record.fields.get("domain") or record.domain,
                           record.fields.get("uuid"))
            self._hold(host, seq, record)
            return
        self.dropped["not used by the join"] += 1

    def _uuid(self, seq: int, record: Record, domain: Any, uuid: Any) -> None:
        if not domain or not uuid:
            return
        pair = (str(domain), str(uuid).lower())
        if pair in self.uuids:
            self.dropped["domain and uuid already known"] += 1
            return
        self.uuids[pair] = (seq, record)
        while len(self.uuids) > UUIDS_KEPT:
            del self.uuids[next(iter(self.uuids))]
            self.dropped["over the bound"] += 1

    def _naming(self, host: str, seq: int, record: Record) -> None:
        """A run of naming lines of one monitor and domain: its first and its last line."""
        key = (host, record.mon)
        domain = str(record.fields.get("domain"))
        run = self.runs.get(key)
        self.named.setdefault(key, set()).add(domain)
        if run is not None and run[0] == domain:
            if run[2] is not None and self._drop(key, run[2]):
                self.dropped["naming line inside a run"] += 1
            self.runs[key] = (domain, run[1], seq)
        else:
            self.runs[key] = (domain, seq, None)
        self._hold(host, seq, record)

    def _qmp(self, current: _Stream, host: str, seq: int, record: Record,
             when: datetime | None) -> None:
        qmp = record.qmp or {}
        if record.qmp_type in ("command", "event", "reply") and self._is_late(
                host, record.mon, when) and self._job_record(record):
            self.late += 1
            return
        if record.kind == "qmp_line":  # debug twins read before the file's first probe
            self._hold(host, seq, record)  # (a probe may take its place: held as it is)
            return
        if record.qmp_type == "command":
            name = qmp.get("execute")
            qmp_id = qmp.get("id")
            wanted = name in MIGRATION_COMMANDS
            if isinstance(qmp_id, str):
                current.pending[(record.mon, qmp_id)] = (seq, record, wanted)
                while len(current.pending) > PENDING_KEPT:
                    _, _, was_held = current.pending.pop(next(iter(current.pending)))
                    if not was_held:
                        self.dropped["QMP traffic the join does not read"] += 1
            if wanted:
                if name in ("migrate", "migrate-incoming") and when is not None:
                    self.open_jobs.setdefault((host, record.mon), when)
                self._hold(host, seq, record)
            elif not isinstance(qmp_id, str):
                self.dropped["QMP traffic the join does not read"] += 1
            return
        if record.qmp_type == "reply":
            qmp_id = qmp.get("id")
            sent = current.pending.pop((record.mon, qmp_id), None) if isinstance(
                qmp_id, str) else None
            name = sent[1].qmp.get("execute") if sent is not None and sent[1].qmp else None
            if _reply_read(qmp, name):
                # the command a reply answers is read only for an error's name (a
                # query-migrate(-parameters) reply is read the same without it)
                if sent is not None and not sent[2] and "error" in qmp:
                    self._hold(host, sent[0], sent[1])
                elif sent is not None and not sent[2]:
                    self.dropped["QMP traffic the join does not read"] += 1
                record.qmp = _trimmed(qmp)
                self._hold(host, seq, record)
                result = qmp.get("return")
                if isinstance(result, dict) and result.get("status") in TERMINAL:
                    self.open_jobs.pop((host, record.mon), None)
            else:
                self.dropped["QMP traffic the join does not read"] += 1 + (
                    sent is not None and not sent[2])
            return
        if record.qmp_type == "event" and qmp.get("event") in EVENTS:
            status = (qmp.get("data") or {}).get("status")
            if qmp.get("event") == "MIGRATION" and status == "setup" and when is not None:
                self.open_jobs.setdefault((host, record.mon), when)
            elif status in TERMINAL or qmp.get("event") == "RESUME":
                self.open_jobs.pop((host, record.mon), None)
            self._hold(host, seq, record)
            return
        self.dropped["QMP traffic the join does not read"] += 1

    @staticmethod
    def _job_record(record: Record) -> bool:
        """A record that belongs to a QEMU job (not a baseline query before the next)."""
        qmp = record.qmp or {}
        if record.qmp_type == "event":
            return qmp.get("event") in EVENTS
        if record.qmp_type == "command":
            return qmp.get("execute") in SET_COMMANDS
        result = qmp.get("return")
        return isinstance(result, dict) and bool(result.get("status"))

    def _hold(self, host: str, seq: int, record: Record) -> None:
        key = (host, record.mon)
        when = record.when() or self.newest.get(host)
        record.raw = None  # (only the de-duplication of the lines that follow reads it)
        self.held.setdefault(key, {})[seq] = (when, record)
        self.held_count += 1
        if when is not None and (key not in self.last or when > self.last[key]):
            self.last[key] = when

    def _drop(self, key: tuple[str, str | None], seq: int) -> bool:
        held = self.held.get(key)
        if held is None or held.pop(seq, None) is None:
            return False
        self.held_count -= 1
        if not held:
            del self.held[key]
            self.last.pop(key, None)
        return True

    def evict(self, in_flight: datetime | None, live: set[str] | None = None,
              now: float | None = None) -> None:
        """Let go of what is older than the holding time on each host and than the oldest
        nova line of a migration not reported yet (``in_flight``, nova's clock: read with
        the widest time zone learnt, or ±14 h). Called after the finished migrations were
        analysed, and only when no followed file has a backlog (catching up, a host's
        libvirt log may be read far ahead of its nova log). Then the per-file and
        per-monitor tables are pruned (:meth:`_prune`; ``live``: the streams followed)."""
        floor = None
        if in_flight is not None:
            zone = max((abs(m) for m, _ in self.offsets.values()), default=14 * 60)
            floor = in_flight.replace(tzinfo=UTC) - timedelta(minutes=zone + 10)
        for key in list(self.held):
            self._evict(key, floor)
        self._prune(live, time.time() if now is None else now)

    def _prune(self, live: set[str] | None, now: float) -> None:
        """The parser state of a file no longer followed (``live`` does not name it) or
        silent for ``keep_s`` of wall time goes (its syslog records still waiting for their
        clock are counted dropped); a monitor's naming runs, domains, open job and claims go
        once nothing of it is held and they are older than the host's holding time."""
        for stream in list(self.streams):
            if (live is not None and stream not in live) or \
                    now - self.fed.get(stream, now) > self.keep_s:
                gone = self.streams.pop(stream)
                self.fed.pop(stream, None)
                self.dropped["syslog time never placed (file no longer followed)"] += \
                    len(gone.unplaced)
        for key in [k for k in {*self.runs, *self.named} if k not in self.held]:
            self.runs.pop(key, None)
            self.named.pop(key, None)
        for key, opened in list(self.open_jobs.items()):
            if key not in self.held and self._old(key[0], opened):
                del self.open_jobs[key]
        for key, spans in list(self.claims.items()):
            spans[:] = [(a, b) for a, b in spans if not self._old(key[0], b)]
            if not spans:
                del self.claims[key]
        for table in (self.runs, self.named, self.open_jobs, self.claims):
            while len(table) > MONITORS_KEPT:  # a backstop: the oldest monitors go
                del table[next(iter(table))]

    def _old(self, host: str, when: datetime) -> bool:
        """Older than the host's holding time (its newest libvirt time less ``keep_s``)."""
        newest = self.newest.get(host)
        return newest is not None and when < newest - timedelta(seconds=self.keep_s)

    def _evict(self, key: tuple[str, str | None], floor: datetime | None) -> None:
        newest = self.newest.get(key[0])
        if newest is None:
            return
        cut = newest - timedelta(seconds=self.keep_s)
        if floor is not None:
            cut = min(cut, floor)
        opened = self.open_jobs.get(key)
        if opened is not None and opened >= newest - timedelta(seconds=OPEN_MAX_S):
            cut = min(cut, opened - timedelta(seconds=60))
        for seq, (when, _) in list(self.held.get(key, {}).items()):
            if when is None or when >= cut:
                break
            self._drop(key, seq)
            self.dropped["older than the holding time"] += 1

    def _bound(self) -> None:
        while self.held_count > MAX_RECORDS:
            key = max(self.held, key=lambda k: len(self.held[k]))
            for seq in list(self.held[key])[:self.held_count - MAX_RECORDS]:
                self._drop(key, seq)
                self.dropped["over the bound"] += 1

    # --- joining ---------------------------------------------------------------------------

    def records_for(self, hosts: Iterable[str | None],
                    events: Iterable[Mapping[str, Any]] = ()) -> HeldRecords:
        """The records held for these (nova) hosts, in the order they were read, with the
        domain ↔ uuid records of the domains they name. With the nova ``events`` analysed,
        only the monitors whose traffic lies within their time (nova's clock read with the
        time zones learnt, else ±14 h, and the join's slack) and the records without a
        monitor in it: a monitor outside cannot join (:data:`analysis.qemu.JOIN_SLACK_S`)."""
        events = list(events)
        wanted = {_key(h) for h in hosts if h}
        span = self._span(wanted, events)
        others = self._other_domains(events)
        found: list[tuple[int, Record]] = []
        for key, held in self.held.items():
            if key[0] not in wanted or (others and self.named.get(key, set()) and
                                        self.named[key] <= others):
                continue  # a monitor that served only other guests' domains
            if span is None:
                found.extend((seq, record) for seq, (_, record) in held.items())
                continue
            low, high = span
            if key[1] is None:  # per-domain logs, libvirt's warnings: by their own time
                found.extend((seq, record) for seq, (when, record) in held.items()
                             if when is None or low <= when <= high)
                continue
            first = next(iter(held.values()))[0]
            last = self.last.get(key)
            if (first is None or first <= high) and (last is None or last >= low):
                found.extend((seq, record) for seq, (_, record) in held.items())
        domains = {r.domain or r.fields.get("domain") for _, r in found} - {None}
        seen = {id(r) for _, r in found}
        for (domain, _), (seq, record) in self.uuids.items():
            if domain in domains and id(record) not in seen:
                found.append((seq, record))
        found.sort(key=lambda item: item[0])
        out = HeldRecords(record for _, record in found)
        out.offsets_known = dict(self.offsets)
        return out

    def _other_domains(self, events: list[Mapping[str, Any]]) -> set[str]:
        """Domains known (domain ↔ uuid) to belong to instances other than these events'
        (their QEMU jobs name another uuid: they never join these migrations)."""
        instances = {str(e["instance"]).lower() for e in events if e["instance"]}
        if not instances:
            return set()
        return {domain for domain, uuid in self.uuids if uuid not in instances} - {
            domain for domain, uuid in self.uuids if uuid in instances}

    def _span(self, hosts: set[str], events: Iterable[Mapping[str, Any]]
              ) -> tuple[datetime, datetime] | None:
        """The UTC span the QEMU side of these nova events can lie in."""
        times = [e["timestamp"] for e in events if e["timestamp"] is not None]
        if not times:
            return None
        zones = [minutes for name, (minutes, _) in self.offsets.items() if _key(name) in hosts]
        known = {_key(name) for name in self.offsets} >= hosts - {"unknown", ""}
        zone = max(map(abs, zones), default=0) if known else 14 * 60
        slack = timedelta(minutes=zone, seconds=SPAN_SLACK_S)
        return (min(times).replace(tzinfo=UTC) - slack, max(times).replace(tzinfo=UTC) + slack)

    def learn(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """nova's time zones the join of these analysed rows learnt."""
        for row in rows:
            joined = row.get("_qemu_joined")
            for host_name, (minutes, votes) in (joined[2] if joined else {}).items():
                if votes:
                    self.offsets[host_name] = (minutes, votes)
        while len(self.offsets) > UUIDS_KEPT:
            del self.offsets[next(iter(self.offsets))]

    def claim(self, row: Mapping[str, Any]) -> None:
        """A migration was reported: the QEMU jobs joined to it are let go; later records
        of them are late."""
        self.learn([row])
        joined: tuple[Any, Any, dict[str, tuple[int, int]]] = \
            row.get("_qemu_joined") or (None, None, {})
        for item in joined[:2]:
            if item is None or item.host is None:
                continue
            times = [t for t in (item.start, item.end, item.stop, item.resume, item.completed,
                                 item.postcopy_at) if t is not None]
            times += [c.time for c in item.limits] + [t for t, _ in item.active[-1:]]
            if not times:
                continue
            start = min(times) - timedelta(seconds=1)
            end = max(times) + timedelta(seconds=CLAIM_TAIL_S)
            key = (_key(item.host), item.mon)
            claims = self.claims.setdefault(key, [])
            claims.append((start, end))
            del claims[:-CLAIMS_KEPT]
            for seq, (_, record) in list(self.held.get(key, {}).items()):
                when = record.when()
                if record.qmp is not None and when is not None and start <= when <= end:
                    self._drop(key, seq)
                    self.released += 1

    def _is_late(self, host: str, mon: str | None, when: datetime | None) -> bool:
        return when is not None and any(start <= when <= end for start, end in
                                        self.claims.get((host, mon), ()))

    # --- state -----------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "held": [[h, m, [[seq, encode(r)] for seq, (_, r) in held.items()]]
                     for (h, m), held in self.held.items()],
            "uuids": [[seq, encode(r)] for seq, r in self.uuids.values()],
            "runs": [[h, m, d, a, b] for (h, m), (d, a, b) in self.runs.items()],
            "named": [[h, m, sorted(d)] for (h, m), d in self.named.items()],
            "open_jobs": [[h, m, t.isoformat()] for (h, m), t in self.open_jobs.items()],
            "claims": [[h, m, [[a.isoformat(), b.isoformat()] for a, b in spans]]
                       for (h, m), spans in self.claims.items()],
            "streams": {k: {"seen": sorted(s.state.seen),
                            "last_time": s.state.last_time.isoformat()
                            if s.state.last_time else None,
                            "last_clock": s.state.last_clock,
                            "zone_votes": [[m, n] for m, n in s.zone_votes.items()],
                            "year_votes": [[y, n] for y, n in s.year_votes.items()]}
                        for k, s in self.streams.items()},
            "dropped": dict(self.dropped), "late": self.late, "read": self.read,
            "released": self.released,
            "offsets": [[h, m, v] for h, (m, v) in self.offsets.items()],
        }

    def restore(self, data: Mapping[str, Any]) -> None:
        self.seq = int(data.get("seq", 0))
        self.held, self.last, self.held_count = {}, {}, 0
        self.named = {(h, m): set(d) for h, m, d in data.get("named") or ()}
        for host, _, items in data.get("held") or ():
            for seq, item in items:
                record = decode(item)
                when = record.when()
                if when is not None and (host not in self.newest or when > self.newest[host]):
                    self.newest[host] = when
                self._hold(host, int(seq), record)
        self.uuids = {}
        for seq, item in data.get("uuids") or ():
            record = decode(item)
            self._uuid(int(seq), record, record.fields.get("domain") or record.domain,
                       record.fields.get("uuid"))
        self.runs = {(h, m): (d, a, b) for h, m, d, a, b in data.get("runs") or ()}
        self.open_jobs = {(h, m): datetime.fromisoformat(t)
                          for h, m, t in data.get("open_jobs") or ()}
        self.claims = {(h, m): [(datetime.fromisoformat(a), datetime.fromisoformat(b))
                                for a, b in spans] for h, m, spans in data.get("claims") or ()}
        for key, item in (data.get("streams") or {}).items():
            seen, clock = item.get("seen") or [], item.get("last_clock") or "none"
            if not isinstance(seen, list) or not isinstance(clock, str):
                raise TypeError(f"streams: {key}: seen or last_clock of the wrong type")
            state = FileParse("", None, "unknown")
            state.seen = set(seen)
            state.last_time = datetime.fromisoformat(item["last_time"]) \
                if item.get("last_time") else None
            state.last_clock = clock
            self.streams[key] = _Stream(state, Deduper(state.ignored))
            self.fed[key] = time.time()
            self.streams[key].zone_votes.update(
                {int(m): int(n) for m, n in item.get("zone_votes") or ()})
            self.streams[key].year_votes.update(
                {int(y): int(n) for y, n in item.get("year_votes") or ()})
        dropped = data.get("dropped") or {}
        if not isinstance(dropped, dict) or not all(isinstance(n, int)
                                                    for n in dropped.values()):
            raise TypeError("dropped: not a table of counts")
        self.dropped = Counter(dropped)
        self.late = int(data.get("late", 0))
        self.read = int(data.get("read", 0))
        self.released = int(data.get("released", 0))
        self.offsets = {h: (int(m), int(v)) for h, m, v in data.get("offsets") or ()}


def _local(record: Record) -> bool:
    """A syslog line's local time not placed in UTC yet."""
    return record.clock == "syslog-local" and record.time is not None and \
        record.time.tzinfo is None


def _reply_read(qmp: Mapping[str, Any], name: str | None) -> bool:
    """Whether :func:`analysis.qemu_sessions.group` reads this reply (to command ``name``;
    None when the command was not logged or not matched)."""
    result = qmp.get("return")
    if isinstance(result, dict) and "downtime-limit" in result and \
            name in (None, "query-migrate-parameters"):
        return True
    if name in SET_COMMANDS:
        return True
    if isinstance(result, dict) and result.get("status") and name in (None, "query-migrate") \
            and ("ram" in result or "total-time" in result or "downtime" in result):
        return True
    return "error" in qmp and bool(name)


ACTIVE = frozenset({"active", "postcopy-active", "device"})
ACTIVE_READ = ("status", "expected-downtime")  # what the join reads of an active reply
RAM_READ = ("remaining", "dirty-pages-rate", "dirty-sync-count", "mbps")


def _trimmed(qmp: dict[str, Any]) -> dict[str, Any]:
    """An active ``query-migrate`` reply (nova polls twice a second: most of what is held)
    cut to what :mod:`analysis.qemu` reads of it (the expected downtime and the memory
    copy's figures); any other reply as it is."""
    result = qmp.get("return")
    if not isinstance(result, dict) or result.get("status") not in ACTIVE:
        return qmp
    kept: dict[str, Any] = {k: result[k] for k in ACTIVE_READ if k in result}
    ram = result.get("ram")
    if isinstance(ram, dict):
        kept["ram"] = {k: ram[k] for k in RAM_READ if k in ram}
    elif "ram" in result:
        kept["ram"] = ram
    for name in ("total-time", "downtime"):  # (they make it a query-migrate reply)
        if name in result:
            kept[name] = result[name]
    return {**{k: v for k, v in qmp.items() if k != "return"}, "return": kept}


def backlog(files: Iterable[Any], libvirt_only: bool = True) -> bool:
    """Whether a followed libvirt/QEMU file (any file unless ``libvirt_only``; a
    :class:`watch.follow.Tracked`) has lines not read yet (catching up: records for a
    migration may still be to come)."""
    for tracked in files:
        if (libvirt_only and not tracked.libvirt) or tracked.compressed:
            continue
        try:
            if os.path.getsize(tracked.path) > tracked.offset:
                return True
        except OSError:
            continue
    return False


def encode(record: Record) -> dict[str, Any]:
    """A record for the state file (JSON)."""
    out = {k: v for k, v in vars(record).items() if v is not None and v != {}}
    if record.time is not None:
        out["time"] = record.time.isoformat()
    return out


def decode(data: Mapping[str, Any]) -> Record:
    values = dict(data)
    if values.get("time"):
        values["time"] = datetime.fromisoformat(values["time"])
    return Record(**{k: v for k, v in values.items()
                     if k in Record.__dataclass_fields__})

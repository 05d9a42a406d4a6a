"""The events the analysis reads, each once, under its host's one name, in log order.

The same lines often arrive twice: per-host logs and an os-log-merger merge of them, two
copies of one log, a path given twice, a file whose every line is doubled. A line is the
same line when its host (after :mod:`hosts` resolved the aliases), timestamp, process id and
parsed message are the same, or when it comes from the same file again; it is counted once
and the drop is counted (``duplicates_dropped``). Labels that share most of their lines are
the same host (an os-log-merger tag and that host's own file).

A line stamped out of time order (a completion line an hour early, while the lines around it
agree with each other) keeps its place in the log: it is a warning, never a new migration. A
clock that steps back and stays there is left as logged.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from loganalyzer.analysis.fields import column
from loganalyzer.analysis.hosts import (
    SAME_LINES_MIN,
    SAME_LINES_SHARE,
    HostIdentity,
    resolve,
)
from loganalyzer.logs.read import Event, Records

# fields that say where a line was read, not what it says
WHERE = frozenset({"host", "host_source", "file", "line", "time", "ts", "last_line",
                   "last_time", "last_ts", "last_timestamp", "repeats", "last_elapsed_s",
                   "dump_lines", "dump_last_line", "dump_last_time", "dump_last_ts"})
OUT_OF_ORDER_S = 2.0  # log lines of one process are written in order to within this


def original(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The event an :class:`Overlay` (or a chain of them) reads through; others as they are
    (callers that hold events match the analysis's rows to them by identity)."""
    while isinstance(event, Overlay):
        event = event._event
    return event.origin if isinstance(event, Renamed) else event


class Overlay(Mapping[str, Any]):
    """An event with some fields read differently (its host's canonical name, the time it
    takes its place by); missing fields read as None, as :class:`logs.read.Event` does."""

    __slots__ = ("_event", "_over")

    def __init__(self, event: Mapping[str, Any], over: dict[str, Any]) -> None:
        self._event = event
        self._over = over

    def __getitem__(self, key: str) -> Any:
        if key in self._over:
            return self._over[key]
        return self._event.get(key)

    def get(self, key: str, default: Any = None) -> Any:
        over = self._over  # __getitem__ inlined: called for every field the analysis reads
        value = over[key] if key in over else self._event.get(key)
        return default if value is None else value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self[key] is not None

    def __iter__(self) -> Iterator[str]:
        seen = set()
        for name in self._event:
            seen.add(name)
            if self[name] is not None:
                yield name
        for name, value in self._over.items():
            if name not in seen and value is not None:
                yield name

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"Overlay({dict(self)!r})"


@dataclass
class Prepared:
    """What the analysis reads, and what was done to get it."""

    records: list[Mapping[str, Any]]
    identity: HostIdentity
    duplicates_dropped: int = 0
    warnings: list[str] = field(default_factory=list)
    # the records' host, timestamp, kind, instance, repeats as they read them, as columns
    # (None: no record has that field)
    fields: dict[str, list[Any] | None] = field(default_factory=dict)


def line_key(event: Mapping[str, Any]) -> int | None:
    """A hash of what a line says (timestamp, process, message), without where it was read;
    None for a line without a timestamp (those are compared by file identity only)."""
    if event.get("timestamp") is None:
        return None
    try:
        return hash(tuple(sorted((k, v) for k, v in event.items() if k not in WHERE)))
    except TypeError:  # an unhashable field value
        return hash(repr(sorted((k, repr(v)) for k, v in event.items() if k not in WHERE)))


def _same_file(files: Sequence[str]) -> dict[str, str]:
    """Each file display name -> the first display name of the same file (by identity)."""
    first: dict[Any, str] = {}
    out: dict[str, str] = {}
    for name in files:
        identity: Any = name
        try:
            stat = os.stat(name)
            identity = (stat.st_dev, stat.st_ino)
        except (OSError, ValueError):
            pass
        out[name] = first.setdefault(identity, name)
    return out


def prepare(records: Sequence[Mapping[str, Any]],
            keys: Sequence[int | None] | None = None) -> Prepared:
    """The records the analysis reads: one host name per host, each line once, lines stamped
    out of time order kept in their place. ``keys``: each record's :func:`line_key` when the
    caller has them already (``EventSet.line_keys(WHERE)`` computes them column-wise).
    Reads the fields of every record as columns (:func:`fields.column`)."""
    if keys is None or len(keys) != len(records):
        keys = [line_key(r) for r in records]
    logged_hosts = column(records, "host")
    labels = [host or "unknown" for host in logged_hosts]
    file_names = column(records, "file")
    files = [str(name or "") for name in file_names]
    same_file = _same_file(list(dict.fromkeys(files)))
    # labels that logged the same lines are one host
    owner: dict[int, str] = {}
    shared: Counter[tuple[str, str]] = Counter()
    per_label: Counter[str] = Counter()
    for key, label, instance in zip(keys, labels, column(records, "instance"), strict=True):
        if key is None or not instance:
            continue  # a migration's lines; start-up dumps of two hosts can be alike
        per_label[label] += 1
        first = owner.setdefault(key, label)
        if first != label:
            pair = (first, label) if first <= label else (label, first)
            shared[pair] += 1
    same = [(a, b) for (a, b), n in shared.items()
            if n >= SAME_LINES_MIN and n >= SAME_LINES_SHARE * min(per_label[a], per_label[b])]
    identity = resolve(records, same)
    kept_rows: list[int] = []
    hosts: list[str] = []  # the kept records' canonical host names
    seen: dict[str, set[int]] = {}  # host -> the line keys kept
    last_line: dict[tuple[str, str], int] = {}
    copied: set[tuple[str, str]] = set()  # (file, label): read a second time from here on
    dropped = 0
    names: dict[str, str] = {}  # label -> its canonical name (a few per file)
    stream: tuple[str, str] | None = None  # the (file, label) of the lines being read
    host, keys_seen, last, skip = "", set(), 0, False
    for row, (key, label, name, number) in enumerate(
            zip(keys, labels, files, column(records, "line"), strict=True)):
        if stream is None or label != stream[1] or name != stream[0]:  # another stream
            if stream is not None:
                last_line[stream] = last
            stream = (name, label)
            host = names.get(label) or names.setdefault(label, identity.name(label) or label)
            keys_seen = seen.setdefault(host, set())
            last = last_line.get(stream, 0)
            skip = stream in copied or same_file[name] != name
        line = int(number or 0)
        if name and line < last and (key is None or key in keys_seen):
            # the lines start again with a line already read: this file is read a second
            # time (a log followed across a rotation starts again with new lines: kept)
            copied.add(stream)
            skip = True
        last = line
        if skip:
            dropped += _lines(records[row])  # the same file again (given twice, or another name)
            continue
        if key is not None:
            if key in keys_seen:
                dropped += _lines(records[row])
                continue
            keys_seen.add(key)
        kept_rows.append(row)
        hosts.append(host)
    kept = _renamed(records, kept_rows, hosts, logged_hosts)
    warnings = list(identity.warnings)
    logged = column(records, "timestamp")
    times = [logged[row] for row in kept_rows]
    streams: dict[tuple[str, str], list[int]] = {}  # (file, host) -> kept records with a time
    for index, (row, host, at) in enumerate(zip(kept_rows, hosts, times, strict=True)):
        if at is not None:
            streams.setdefault((str(file_names[row]), host), []).append(index)
    kept, placed = _placed(kept, warnings, times, streams)
    fields: dict[str, list[Any] | None] = {"host": hosts, "timestamp": placed}
    for name in ("kind", "instance", "repeats"):
        values = column(records, name)
        fields[name] = [values[row] for row in kept_rows] \
            if any(v is not None for v in values) else None
    return Prepared(kept, identity, dropped, warnings, fields)


class Renamed(Event):
    """An event of an :class:`~loganalyzer.logs.read.EventSet` read under its host's
    canonical name: a view of the same row of columns whose host column is renamed (an
    :class:`Overlay` per event cost a dict and a second lookup per field read);
    ``origin`` is the view it stands for (:func:`original`)."""

    __slots__ = ("origin",)

    def __init__(self, columns: dict[str, Any], row: int, origin: Event) -> None:
        self._columns = columns
        self._row = row
        self.origin = origin


def _renamed(records: Sequence[Mapping[str, Any]], rows: list[int], hosts: list[str],
             logged: list[Any]) -> list[Mapping[str, Any]]:
    """The records at ``rows``, each read with its host in ``hosts`` where that is not the
    host it logged (``logged``): an :class:`Overlay`, or for an EventSet's views a
    :class:`Renamed` view of columns with the host column renamed."""
    changed = [i for i, (row, host) in enumerate(zip(rows, hosts, strict=True))
               if host != logged[row]]
    kept = [records[row] for row in rows]
    if not changed:
        return kept
    if isinstance(records, Records):
        renamed_hosts = list(logged)
        for i in changed:
            renamed_hosts[rows[i]] = hosts[i]
        columns = {**records.columns, "host": renamed_hosts}
        for i in changed:
            kept[i] = Renamed(columns, rows[i], records[rows[i]])
        return kept
    for i in changed:
        kept[i] = Overlay(kept[i], {"host": hosts[i]})
    return kept


def _lines(record: Mapping[str, Any]) -> int:
    """The log lines a dropped row stands for: a start-up dump's row (``config_dump``, see
    ``logs.scan``) counts each of its lines, as when they were rows of their own."""
    return int(record.get("dump_lines") or 1) if record.get("kind") == "config_dump" else 1


def _in_place(records: list[Mapping[str, Any]], warnings: list[str]
              ) -> list[Mapping[str, Any]]:
    """A line stamped out of time order — earlier than the line before it, or later than the
    line after it, while those two agree — takes the time of the line before it (its place
    in the log), with a warning; a clock that steps back and stays back is left alone."""
    return _placed(records, warnings)[0]


def _placed(records: list[Mapping[str, Any]], warnings: list[str],
            logged: list[Any] | None = None,
            streams: dict[tuple[str, str], list[int]] | None = None,
            ) -> tuple[list[Mapping[str, Any]], list[Any]]:
    """:func:`_in_place`, and the time each record now reads. ``logged``: each record's
    timestamp; ``streams``: the positions of the records with one, per (file, host)."""
    if logged is None:
        logged = [record.get("timestamp") for record in records]  # read once
    if streams is None:
        streams = {}
        for index, (record, at) in enumerate(zip(records, logged, strict=True)):
            if at is not None:
                streams.setdefault((str(record.get("file")), str(record.get("host"))),
                                   []).append(index)
    out = list(records)
    placed: list[Any] = list(logged)  # the times of ``out`` (a line put in its place: new)
    within = timedelta(seconds=OUT_OF_ORDER_S)
    for indices in streams.values():
        for position in range(1, len(indices)):
            here_at = logged[indices[position]]
            before_at = placed[indices[position - 1]]
            after_at = logged[indices[position + 1]] if position + 1 < len(indices) else None
            if before_at <= here_at and (after_at is None or here_at <= after_at):
                continue  # in time order: most lines
            if before_at - here_at <= within and (after_at is None
                                                  or here_at - after_at <= within):
                continue  # in order to within OUT_OF_ORDER_S
            early = (before_at - here_at).total_seconds()  # earlier than the line before
            late = (here_at - after_at).total_seconds() if after_at is not None else 0.0
            if early > OUT_OF_ORDER_S:
                if after_at is not None and \
                        (before_at - after_at).total_seconds() > OUT_OF_ORDER_S:
                    continue  # the clock stepped back and the log goes on from there
                how = f"{early:.0f} s before the line before it"
            elif after_at is not None and late > OUT_OF_ORDER_S and \
                    (before_at - after_at).total_seconds() <= OUT_OF_ORDER_S:
                how = f"{late:.0f} s after the line after it"
            else:
                continue
            here, before = records[indices[position]], out[indices[position - 1]]
            warnings.append(
                f"{here.get('file')}:{here.get('line')}: stamped {here.get('time')}, {how}: "
                "taken in its place in the log (a line out of time order, not a new "
                "migration)")
            out[indices[position]] = Overlay(here, {"timestamp": before["timestamp"],
                                                    "logged_timestamp": here["timestamp"]})
            placed[indices[position]] = before_at
    return out, placed

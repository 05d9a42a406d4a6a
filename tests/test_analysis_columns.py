"""The analysis's passes over every event read whole columns (issue 16, round 5): the same
result as reading each event, and as the round5 algorithms kept here as references (dedup,
timelines, the report's series and markers), on hypothesis-made records, the sample logs, a
simulated fleet and the real logs."""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.analysis import migrations, timeline
from loganalyzer.analysis.dedup import (
    OUT_OF_ORDER_S,
    WHERE,
    Overlay,
    Renamed,
    _same_file,
    line_key,
    original,
    prepare,
)
from loganalyzer.analysis.hosts import SAME_LINES_MIN, SAME_LINES_SHARE, resolve
from loganalyzer.analysis.migrations import Options, analyse
from loganalyzer.analysis.timeline import (
    PHASE,
    SOURCE_KINDS,
    SOURCE_LIFECYCLE,
    UNKNOWN_INSTANCE,
    Segment,
    _arrivals,
    build,
)
from loganalyzer.logs.catalog import INSTANCE_FROM
from loganalyzer.logs.read import Records, collect
from tests.conftest import REPO

T0 = datetime(2024, 5, 1, 12, 0, 0)


def as_records(dicts: list[dict[str, Any]]) -> Records:
    """Dict events as an EventSet's views of columns (missing fields: None)."""
    names = list(dict.fromkeys(name for d in dicts for name in d))
    return Records({name: [d.get(name) for d in dicts] for name in names}, len(dicts))


# --- references: round5's algorithms, every field read through the events ---------------

def _in_place_reference(records, warnings):
    streams = {}
    logged = [r.get("timestamp") for r in records]
    for index, record in enumerate(records):
        if logged[index] is not None:
            streams.setdefault((str(record.get("file")), str(record.get("host"))),
                               []).append(index)
    out = list(records)
    placed = list(logged)
    for indices in streams.values():
        for position in range(1, len(indices)):
            here_at = logged[indices[position]]
            before_at = placed[indices[position - 1]]
            after_at = logged[indices[position + 1]] if position + 1 < len(indices) else None
            early = (before_at - here_at).total_seconds()
            late = (here_at - after_at).total_seconds() if after_at is not None else 0.0
            if early > OUT_OF_ORDER_S:
                if after_at is not None and \
                        (before_at - after_at).total_seconds() > OUT_OF_ORDER_S:
                    continue
                how = f"{early:.0f} s before the line before it"
            elif after_at is not None and late > OUT_OF_ORDER_S and \
                    (before_at - after_at).total_seconds() <= OUT_OF_ORDER_S:
                how = f"{late:.0f} s after the line after it"
            else:
                continue
            here, before = records[indices[position]], out[indices[position - 1]]
            warnings.append(f"{here.get('file')}:{here.get('line')}: {how}")
            out[indices[position]] = Overlay(here, {"timestamp": before["timestamp"],
                                                    "logged_timestamp": here["timestamp"]})
            placed[indices[position]] = before_at
    return out


def _prepare_reference(records):
    """dedup.prepare as of round5 (tag round5), without its identity (shared code)."""
    keys = [line_key(r) for r in records]
    labels = [r.get("host") or "unknown" for r in records]
    files = [str(r.get("file") or "") for r in records]
    same_file = _same_file(list(dict.fromkeys(files)))
    owner, shared, per_label = {}, Counter(), Counter()
    for record, key, label in zip(records, keys, labels, strict=True):
        if key is None or not record.get("instance"):
            continue
        per_label[label] += 1
        first = owner.setdefault(key, label)
        if first != label:
            shared[(first, label) if first <= label else (label, first)] += 1
    same = [(a, b) for (a, b), n in shared.items()
            if n >= SAME_LINES_MIN and n >= SAME_LINES_SHARE * min(per_label[a], per_label[b])]
    identity = resolve(records, same)
    kept, seen, last_line, copies, dropped, names = [], set(), {}, Counter(), 0, {}
    for record, key, label, name in zip(records, keys, labels, files, strict=True):
        host = names.get(label)
        if host is None:
            host = names[label] = identity.name(label) or label
        line = int(record.get("line") or 0)
        stream = (name, label)
        if name and line < last_line.get(stream, 0) and (key is None or (host, key) in seen):
            copies[stream] += 1
        last_line[stream] = line
        if copies[stream] or same_file[name] != name:
            dropped += 1
            continue
        if key is not None:
            if (host, key) in seen:
                dropped += 1
                continue
            seen.add((host, key))
        kept.append(record if host == record.get("host") else Overlay(record, {"host": host}))
    warnings: list[str] = []
    return _in_place_reference(kept, warnings), dropped, warnings, identity


def _starts_new_reference(segment, event):
    kind = event["kind"]
    phase = PHASE.get(kind)
    if phase is None:
        return False
    if phase <= 1 and phase < segment.max_phase:
        return True
    if phase == 2 and segment.has_outcome:
        return True
    if kind == "downtime_step" and event.get("after_s") == 0:
        return any(e["kind"] == "downtime_step" for e in segment.events)
    if kind == "progress" and event.get("secs") == 0:
        return any(e["kind"] == "progress" and (e.get("secs") or 0) > 0 for e in segment.events)
    return phase == 0 and segment.max_phase == 0 and bool(segment.of(kind))


def _build_reference(records):
    """timeline.build as of round5: instances, groups, order and segments read per event."""
    out = list(records)
    last, waiting = {}, {}
    for index, record in enumerate(out):
        host, instance = record.get("host"), record.get("instance")
        if instance:
            for i in waiting.pop(host, ()):
                out[i] = {**out[i], "instance": instance}
            last[host] = instance
            continue
        way = INSTANCE_FROM.get(record["kind"])
        if way == "next":
            waiting.setdefault(host, []).append(index)
        elif way == "previous" and host in last:
            out[index] = {**record, "instance": last[host]}
    by_key = {}
    for record in out:
        instance = record.get("instance") or UNKNOWN_INSTANCE
        if instance == UNKNOWN_INSTANCE and record["kind"] not in SOURCE_KINDS:
            continue
        by_key.setdefault((record.get("host") or "unknown", instance), []).append(record)
    segments, arrivals, loose = [], [], {}
    for (host, instance), events in by_key.items():
        if all(e.get("timestamp") is not None for e in events):
            events = sorted(events, key=lambda e: e["timestamp"])
        own, current, unattached = [], None, []
        for event in events:
            kind = event["kind"]
            if kind in SOURCE_KINDS:
                if current is None or _starts_new_reference(current, event):
                    if current is not None and not current.has_outcome:
                        current.closed_by_next = True
                    current = Segment(host, instance)
                    own.append(current)
                current.add(event)
            elif kind == "lifecycle":
                last_at = [e["timestamp"] for e in current.events
                           if e.get("timestamp") is not None] if current else []
                within = current is not None and (
                    not current.has_outcome or not last_at or event.get("timestamp") is None
                    or (event["timestamp"] - last_at[-1]).total_seconds()
                    <= timeline.LIFECYCLE_AFTER_END_S)
                if current is not None and event.get("state") in SOURCE_LIFECYCLE and within:
                    current.add(event)
                else:
                    unattached.append(event)
            elif kind == "downtime_state" and current is not None:
                current.add(event)
        segments.extend(own)
        found, rest = _arrivals(host, instance, [e for e in events if e["kind"] in
                                                 timeline.ARRIVAL_KINDS], unattached)
        arrivals.extend(found)
        if rest:
            loose[(host, instance)] = rest
    return segments, arrivals, loose


def _shape(segments, arrivals, loose):
    """What a build says, with events as their fields (dict copies compare by value)."""
    return ([(s.host, s.instance, s.max_phase, s.closed_by_next, [dict(e) for e in s.events])
             for s in segments],
            [(a.host, a.instance, [dict(e) for e in a.events]) for a in arrivals],
            {k: [dict(e) for e in v] for k, v in loose.items()})


# --- hypothesis-made records ---------------------------------------------------------------

KINDS = ["progress", "downtime_step", "lifecycle", "operation_completed", "monitor_started",
         "pre_live_migration_took", "post_operation_started", "conf_host", "compute_start",
         "config_option", "post_live_migration_started", "migration_succeeded",
         *sorted(k for k, way in INSTANCE_FROM.items() if way)]
RECORD = st.fixed_dictionaries(
    {"host": st.sampled_from(["cmp-a", "cmp-b", "cmp-a.example.org", None]),
     "file": st.sampled_from(["a.log", "b.log", "", None]),
     "line": st.integers(1, 12),
     "kind": st.sampled_from(KINDS),
     "at": st.one_of(st.none(), st.integers(-30, 400)),
     "instance": st.sampled_from(["vm-1", "vm-2", None]),
     "secs": st.sampled_from([0, 5, None]),
     "state": st.sampled_from(["Paused", "Started", "Resumed", "Stopped", None]),
     "pid": st.sampled_from([11, 12])})


def _records(drafts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for line, draft in enumerate(drafts):
        record = {k: v for k, v in draft.items() if v is not None and k != "at"}
        record["line"] = draft["line"] + line // 3  # mostly rising, sometimes starting again
        if draft["at"] is not None:
            record["timestamp"] = T0 + timedelta(seconds=draft["at"] + line)
            record["time"] = record["timestamp"].isoformat(sep=" ")
        if draft["kind"] == "conf_host":
            record["value"] = "cmp-a.example.org"
        out.append(record)
    return out


@given(st.lists(RECORD, max_size=60))
def test_prepare_as_round5(drafts):
    """Columns or views, the kept records (as fields), the drops and the warnings' places are
    round5's; the columns Prepared hands on say what the kept records say."""
    dicts = _records(drafts)
    want, dropped, warnings, _ = _prepare_reference(dicts)
    for records in (dicts, as_records(dicts)):
        got = prepare(records)
        assert [dict(r) for r in got.records] == [dict(r) for r in want]
        assert got.duplicates_dropped == dropped
        assert [w.split(": stamped")[0] + ": " + w.split(", ", 1)[1].split(":")[0]
                for w in got.warnings[len(got.identity.warnings):]] == warnings
        for name, values in got.fields.items():  # (None: no kept record has the field)
            assert (values if values is not None else [None] * len(got.records)) == \
                [r.get(name) for r in got.records], name


@given(st.lists(RECORD, max_size=60))
def test_timelines_as_round5(drafts):
    """Segments, arrivals and loose lifecycle lines cut from columns are round5's."""
    prepared = prepare(as_records(_records(drafts)))
    want = _shape(*_build_reference(prepared.records))
    got = build(prepared.records, prepared.fields)
    assert _shape(got.segments, got.arrivals, got.loose_lifecycle) == want
    plain = build([dict(r) for r in prepared.records])  # read event by event
    assert _shape(plain.segments, plain.arrivals, plain.loose_lifecycle) == want


def _logs(real_logs_dir):
    """The sample logs, a small simulated fleet, and the real logs when present."""
    yield str(REPO / "sample_logs")
    if real_logs_dir is not None:
        for name in sorted(os.listdir(real_logs_dir)):
            yield str(real_logs_dir / name)


@pytest.fixture(scope="module")
def fleet_dir(tmp_path_factory):
    from loganalyzer.simulate.fleet import DEPLOYED, random_fleet, write_fleet

    folder = tmp_path_factory.mktemp("fleet")
    hosts, moves = random_fleet(6, 40, seed=5, debug=True, span_hours=2)
    write_fleet(str(folder), hosts, moves, DEPLOYED, seed=5)
    return str(folder)


def _real_logs_or_none():
    from tests.conftest import shared_dir

    shared = shared_dir()
    return None if shared is None else shared / "real_logs"


@pytest.mark.parametrize("path", ["fleet", *_logs(_real_logs_or_none())])
def test_logs_analysed_from_columns_as_from_views(path, fleet_dir):
    """On real and simulated logs: timelines as round5 cut them, and the rows of the whole
    analysis the same whether it reads columns or each event (dict copies of the views)."""
    records = collect([fleet_dir if path == "fleet" else path]).records()
    prepared = prepare(records)
    got = build(prepared.records, prepared.fields)
    assert _shape(got.segments, got.arrivals, got.loose_lifecycle) == \
        _shape(*_build_reference(prepared.records))
    columns = analyse(records, Options())
    views = analyse([dict(r) for r in records], Options())
    assert [{k: v for k, v in r.items() if k != "_events"} for r in columns] == \
        [{k: v for k, v in r.items() if k != "_events"} for r in views]
    assert [[dict(e) for e in r["_events"]] for r in columns] == \
        [[dict(e) for e in r["_events"]] for r in views]


NODE_LOG = """\
2022-02-04 10:21:50.640 284971 DEBUG oslo_service.service [req-9d84e8ef-0d1d-4190-aec0-4dec0cfdb2bc - - - - -] host                           = compute4.mylab.home log_opt_values /usr/lib/python3/dist-packages/oslo_config/cfg.py:2580
2022-02-04 10:30:07.952 21476 INFO nova.virt.libvirt.driver [-] [instance: a18a5824-4215-4e24-bcfc-cb9f89f6bcbd] Migration running for 0 secs, memory 0% remaining; (bytes processed=0, remaining=0, total=0)
2022-02-04 10:30:12.952 21476 INFO nova.virt.libvirt.driver [-] [instance: a18a5824-4215-4e24-bcfc-cb9f89f6bcbd] Migration running for 5 secs, memory 3% remaining; (bytes processed=257368944, remaining=18894848, total=554504192)
"""  # noqa: E501  (real lines: hotsos Ussuri dump, os-log-merger Juno progress)


def test_renamed_hosts_are_views_not_overlays(tmp_path):
    """A log whose label is not nova's name for its host (a file named after its path, the
    dump saying ``host = …``) is read under nova's name through views of a renamed host
    column: no Overlay (and its dict) per event; original() gives the caller's views."""
    log = tmp_path / "node-x.log"
    log.write_text(NODE_LOG)
    records = collect([str(log)]).records()
    prepared = prepare(records)
    assert [r.get("host") for r in records] == ["node-x"] * 3
    assert [r.get("host") for r in prepared.records] == ["compute4.mylab.home"] * 3
    assert prepared.fields["host"] == ["compute4.mylab.home"] * 3
    assert all(isinstance(r, Renamed) for r in prepared.records)
    assert [original(r) for r in prepared.records] == list(records)
    assert all(original(r) is r0 for r, r0 in zip(prepared.records, records, strict=True))
    rows = analyse(records, Options())
    assert rows[0]["source_host"] == "compute4.mylab.home"


def test_records_columns_are_the_views_fields():
    records = collect([str(REPO / "sample_logs")]).records()
    for name in [*records.columns, "no_such_field"]:
        assert records.column(name) == [r.get(name) for r in records]
    assert isinstance(records, tuple)  # cannot change: columns and views stay one


# --- per-migration series, thinned first ----------------------------------------------------

def _series_reference(segment, start):
    points = []
    for event in segment.of("progress"):
        when = event.get("timestamp")
        offset = None if when is None or start is None else \
            round((when - start).total_seconds(), 3)
        if offset is not None and event.get("remaining_pct") is not None:
            points.append([round(offset, 1), int(event["remaining_pct"])])
    if len(points) > migrations.MAX_SERIES:
        stride = len(points) / migrations.MAX_SERIES
        points = [points[int(i * stride)] for i in range(migrations.MAX_SERIES)] + [points[-1]]
    return points


def _markers_reference(segment, start):
    out, seen = [], set()
    for event in segment.events:
        if event["kind"] == "lifecycle":
            label = f"VM {event.get('state')}"
        elif event["kind"] in migrations.MARKER_KINDS:
            label = migrations.MARKER_KINDS[event["kind"]]
        else:
            continue
        when = event.get("timestamp")
        offset = None if when is None or start is None else \
            round((when - start).total_seconds(), 3)
        if offset is None or label in seen:
            continue
        seen.add(label)
        out.append([offset, label])
    return out


@given(st.lists(st.tuples(st.sampled_from(["progress", "lifecycle", "operation_completed",
                                            "completion_timeout", "downtime_state"]),
                          st.one_of(st.none(), st.floats(0, 5000, allow_nan=False)),
                          st.one_of(st.none(), st.integers(0, 100)),
                          st.sampled_from(["Paused", "Resumed", "Stopped"])), max_size=80),
       st.one_of(st.none(), st.floats(-100, 100, allow_nan=False)))
def test_series_markers_iterations_as_round5(lines, start_s):
    segment = Segment("cmp-a", "vm-1")
    for kind, at, pct, state in lines:
        event = {"kind": kind, "state": state}
        if at is not None:
            event["timestamp"] = T0 + timedelta(seconds=at)
        if pct is not None:
            event["remaining_pct"] = pct
        segment.add(event)
    start = None if start_s is None else T0 + timedelta(seconds=start_s)
    assert migrations._series(segment, start) == _series_reference(segment, start)
    assert migrations._markers(segment, start) == _markers_reference(segment, start)
    if start is not None:
        marks = [(e["timestamp"] - start).total_seconds()
                 for e in segment.of("progress", "downtime_state") if "timestamp" in e]
        assert migrations._iterations(segment, start) == marks
    times = [e.get("timestamp") for e in segment.events]
    assert segment.last_time() == next((t for t in reversed(times) if t is not None), None)


def test_where_fields_are_not_in_line_keys():
    """(The keys ``prepare`` receives from EventSet.line_keys leave out where a line was
    read, as line_key does.)"""
    records = as_records([{"host": "a", "file": "x", "line": 1, "kind": "progress",
                           "timestamp": T0, "secs": 5},
                          {"host": "a", "file": "y", "line": 9, "kind": "progress",
                           "timestamp": T0, "secs": 5}])
    assert line_key(records[0]) == line_key(records[1])
    assert "file" in WHERE and "line" in WHERE

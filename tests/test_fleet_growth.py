"""The analysis grows linearly with the migrations (issue 16): the work of the steps that
once grew faster, counted (not timed) on simulated logs of n and 10 n migrations between
two hosts, where every migration shares one host pair."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.analysis import correlate
from loganalyzer.analysis.dedup import original
from loganalyzer.analysis.migrations import Options, analyse
from loganalyzer.logs.read import Event, collect
from loganalyzer.simulate.fleet import DAY, DEPLOYED, HostSpec, MigrationSpec, write_fleet
from loganalyzer.simulate.model import Guest

SMALL, LARGE = 12, 120  # migrations
GROWTH_LIMIT = 10 * 1.5  # work at 10 n over work at n: linear with room for noise


PING_PONG = "0f0e0d0c-0b0a-4090-8070-605040302010"


def two_hosts(folder: str, n: int, instance: str | None = None) -> None:
    """n migrations between two hosts, two minutes apart, alternating direction: of distinct
    guests, or all of one guest (``instance``) going back and forth."""
    hosts = [HostSpec("cmp-a", "2023.1", boots=[(DAY - timedelta(hours=1), DEPLOYED)]),
             HostSpec("cmp-b", "2023.1", boots=[(DAY - timedelta(hours=1), DEPLOYED)])]
    guest = Guest(2048, dirty_rate_mibs=20, working_set_mb=256)
    migrations = [MigrationSpec(*(("cmp-a", "cmp-b") if i % 2 else ("cmp-b", "cmp-a")),
                                DAY + timedelta(minutes=2 * i), guest, 1100.0,
                                instance=instance, seed=i + 1)
                  for i in range(n)]
    write_fleet(folder, hosts, migrations, DEPLOYED, seed=3)


@contextmanager
def counting(owner: Any, name: str, work: Callable[..., int]) -> Iterator[list[int]]:
    """Count ``work(*args)`` on every call of ``owner.name`` while the block runs."""
    counted = [0]
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        counted[0] += work(*args)
        return original(*args, **kwargs)

    setattr(owner, name, wrapper)
    try:
        yield counted
    finally:
        setattr(owner, name, original)


def _fleets(tmp_path_factory: pytest.TempPathFactory, instance: str | None
            ) -> dict[int, list[Any]]:
    out = {}
    for n in (SMALL, LARGE):
        folder = str(tmp_path_factory.mktemp(f"two-hosts-{n}"))
        two_hosts(folder, n, instance)
        out[n] = collect([folder]).records()
    return out


@pytest.fixture(scope="module")
def fleets(tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[Any]]:
    return _fleets(tmp_path_factory, None)


@pytest.fixture(scope="module")
def ping_pong(tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[Any]]:
    return _fleets(tmp_path_factory, PING_PONG)


def test_clock_offset_estimates_grow_linearly(fleets):
    """Each host pair's clock offset is estimated once from all its constraints, not once per
    migration from all of them (n² bound values read for n migrations of one pair)."""
    work = {}
    for n, records in fleets.items():
        with counting(correlate.Bounds, "estimate",
                      lambda self: len(self.lower) + len(self.upper) + len(self.weak_lower)
                      + len(self.weak_upper)) as counted:
            rows = analyse(records, Options())
        assert len(rows) == n
        assert all(r["switchover"] and r["switchover"]["clock_offset_s"] is not None
                   for r in rows)  # every migration was joined and its pair estimated
        work[n] = counted[0]
    assert work[SMALL] > 0
    assert work[LARGE] <= GROWTH_LIMIT * work[SMALL], work


@pytest.mark.parametrize("which", ["fleets", "ping_pong"])
def test_field_reads_grow_linearly(which, request):
    """Every field the whole analysis reads from the events, counted: on n and 10 n
    migrations of distinct guests, and of one guest migrated back and forth (each arrival
    was compared with every migration of its instance, each destination line with every
    lifecycle line of it)."""
    reads = {}
    for n, records in request.getfixturevalue(which).items():
        with counting(Event, "__getitem__", lambda *_: 1) as items, \
                counting(Event, "get", lambda *_: 1) as gets:
            rows = analyse(records, Options())
        assert len(rows) == n
        assert all(r["dest_log_host"] and r["outcome"] == "completed" for r in rows)
        reads[n] = items[0] + gets[0]
    assert reads[LARGE] <= GROWTH_LIMIT * reads[SMALL], reads


def _everything(self, post):  # _Sources.near without the time window: every segment
    return sorted([*self.untimed, *(index for _, index in self.starts)])


@pytest.mark.parametrize("which", ["fleets", "ping_pong", "sample"])
def test_time_windows_change_no_result(which, request, monkeypatch):
    """The windows that keep the join linear only skip what would be rejected anyway: the
    rows (with their events) are the same when every arrival is compared with every
    migration of its guest and every lifecycle line, as before."""
    from loganalyzer.analysis import timeline
    from tests.conftest import REPO

    if which == "sample":
        inputs = {0: collect([str(REPO / "sample_logs")]).records()}
    else:
        inputs = request.getfixturevalue(which)
    for records in inputs.values():
        windowed = analyse(records, Options())
        monkeypatch.setattr(correlate._Sources, "near", _everything)
        monkeypatch.setattr(timeline, "_sorted_times", lambda events: None)
        whole = analyse(records, Options())
        monkeypatch.undo()
        assert [{k: v for k, v in r.items() if k != "_events"} for r in windowed] == \
            [{k: v for k, v in r.items() if k != "_events"} for r in whole]
        assert [[id(original(e)) for e in r["_events"]] for r in windowed] == \
            [[id(original(e)) for e in r["_events"]] for r in whole]


def test_one_configuration_per_start_up_dump(tmp_path):
    """The migrations a host ran after one start-up share the configuration read from its
    dump: one object per dump, not one per migration (memory that grew with the fleet)."""
    from loganalyzer.simulate.fleet import random_fleet

    hosts, migrations = random_fleet(3, 12, seed=2, debug=True, span_hours=1)
    write_fleet(str(tmp_path), hosts, migrations, DEPLOYED, seed=2)
    rows = analyse(collect([str(tmp_path)]).records(), Options())
    assert len(rows) == 12 and {r["config_source"] for r in rows} == {"startup dump"}
    dumps = {(r["source_host"], r["release"]) for r in rows}  # one boot per host here
    assert len({id(r["config"]) for r in rows}) == len(dumps)


def _in_place_reference(records, warnings):
    """analysis.dedup._in_place as of round4 (every time read through the events), the
    reference for the version that reads each time once."""
    from loganalyzer.analysis.dedup import OUT_OF_ORDER_S, Overlay

    def seconds(a, b):
        return (a["timestamp"] - b["timestamp"]).total_seconds()

    streams = {}
    for index, record in enumerate(records):
        if record.get("timestamp") is not None:
            streams.setdefault((str(record.get("file")), str(record.get("host"))),
                               []).append(index)
    out = list(records)
    for indices in streams.values():
        for position in range(1, len(indices)):
            here = records[indices[position]]
            before = out[indices[position - 1]]
            after = records[indices[position + 1]] if position + 1 < len(indices) else None
            early = seconds(before, here)
            late = seconds(here, after) if after is not None else 0.0
            if early > OUT_OF_ORDER_S:
                if after is not None and seconds(before, after) > OUT_OF_ORDER_S:
                    continue
                how = f"{early:.0f} s before the line before it"
            elif after is not None and late > OUT_OF_ORDER_S and \
                    seconds(before, after) <= OUT_OF_ORDER_S:
                how = f"{late:.0f} s after the line after it"
            else:
                continue
            warnings.append(f"{here.get('file')}:{here.get('line')}: {how}")
            out[indices[position]] = Overlay(here, {"timestamp": before["timestamp"],
                                                    "logged_timestamp": here["timestamp"]})
    return out


@given(st.lists(st.tuples(st.integers(-4000, 4000), st.sampled_from("ab"),
                          st.booleans()), max_size=40))
def test_lines_out_of_time_order_as_before(steps):
    """Lines stamped out of time order are put in their place exactly as the reference
    does: early and late lines, clocks that step back, runs of them, two streams, lines
    without a time."""
    from loganalyzer.analysis.dedup import _in_place

    start = DAY
    records = []
    for line, (offset, file, timed) in enumerate(steps):
        start += timedelta(seconds=abs(offset) % 3)
        records.append({"file": file, "host": "cmp-a", "line": line + 1, "kind": "progress",
                        "timestamp": start + timedelta(seconds=offset // 10 if offset % 7 == 0
                                                       else 0) if timed else None})
    mine: list[str] = []
    reference: list[str] = []
    got = _in_place(records, mine)
    want = _in_place_reference(records, reference)
    assert [(r.get("timestamp"), r.get("logged_timestamp")) for r in got] == \
        [(r.get("timestamp"), r.get("logged_timestamp")) for r in want]
    assert [w.split(": stamped")[0] + ": " + w.split(", ", 1)[1].split(":")[0]
            for w in mine] == reference

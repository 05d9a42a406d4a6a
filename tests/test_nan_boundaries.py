"""No NaN reaches the analysis: events are Python values (None when missing) from every
source, and the two places where a log can carry a JSON NaN or infinity — oslo.log's
JSONFormatter records and libvirt's QMP messages — convert it where the JSON is read."""

from __future__ import annotations

import json
import math
from pathlib import Path

import loganalyzer
from loganalyzer.logs import cache
from loganalyzer.logs.catalog import FLOAT_FIELDS, INT_FIELDS
from loganalyzer.logs.libvirt.parse import parse_line
from tests.test_qemu_pause import pair

SAMPLE = Path(__file__).resolve().parent.parent / "sample_logs"
INSTANCE = "0a3e2a10-7c6c-4b0c-9a7e-0c9b6f5b9a11"


def _json_record(msecs: str, step: int) -> str:
    """An oslo.log JSONFormatter record whose ``msecs`` is the JSON text ``msecs``."""
    record = {"asctime": "2024-05-01 12:00:07", "levelname": "INFO",
              "name": "nova.virt.libvirt.migration", "hostname": "compute-1",
              "message": f"Increasing downtime to {50 * step} ms after {150 * step} sec "
                         "elapsed time",
              "extra": {"instance": {"uuid": INSTANCE}}}
    return json.dumps(record)[:-1] + f', "msecs": {msecs}}}'


def test_json_log_msecs_that_are_not_a_number_keep_the_second(tmp_path):
    """``"msecs": NaN`` (or ±Infinity, or out of range) is no millisecond: the record keeps
    its ``asctime`` to the second instead of stopping the run with a traceback."""
    cases = ["NaN", "Infinity", "-Infinity", "-5", "1000", "12.5"]
    log = tmp_path / "nova-compute.json"
    log.write_text("\n".join(_json_record(m, i) for i, m in enumerate(cases)) + "\n")
    events = loganalyzer.read(str(log)).records()
    assert [e["ts"] for e in events] == ["2024-05-01 12:00:07"] * 5 + [
        "2024-05-01 12:00:07.012"]
    assert [(e["kind"], e["downtime_ms"]) for e in events] == [
        ("downtime_step", 50 * i) for i in range(len(cases))]
    assert [e["timestamp"].microsecond for e in events] == [0] * 5 + [12000]


QMP_LINE = ("2022-03-07 10:47:07.322+0000: 134391: info : qemuMonitorSend:995 : "
            "QEMU_MONITOR_SEND_MSG: mon=0x7fa4380028a0 msg={{\"execute\":\"migrate_set_downtime\""
            ",\"arguments\":{{\"value\":{value}}},\"id\":\"libvirt-14\"}}")


def test_qmp_numbers_beyond_json_read_as_null():
    """JSON has no NaN or infinities; Python's decoder would hand them on (and ``round`` of
    one raised). At the QMP boundary they read as null; real numbers are untouched."""
    read = {}
    for value in ("NaN", "Infinity", "-Infinity", "1e999", "0.5", "3"):
        record = parse_line(QMP_LINE.format(value=value), "libvirtd.log", 1, "compute-1",
                            "argument")
        read[value] = record.qmp["arguments"]["value"]
    assert read == {"NaN": None, "Infinity": None, "-Infinity": None, "1e999": None,
                    "0.5": 0.5, "3": 3}


def test_libvirt_log_with_not_a_number_limits_is_analysed(tmp_path):
    """A downtime limit of NaN or Infinity seconds is no limit; the rest of the log is read
    (this stopped with ``cannot convert float NaN to integer``)."""
    log = tmp_path / "libvirtd.log"
    log.write_text("\n".join(QMP_LINE.format(value=v) for v in ("NaN", "Infinity")) + "\n")
    events = loganalyzer.read(str(log))
    assert len(events.libvirt.records) == 2
    assert loganalyzer.migrations(events) == []


def test_the_cache_gives_back_none_not_nan(tmp_path, monkeypatch):
    """Parquet stores a missing value as null and gives it back as None (nullable int
    columns too): events read from the cache equal those scanned, and none is NaN."""
    log = SAMPLE / "sosreport-compute-1" / "var" / "log" / "nova" / "nova-compute.log"
    folder = str(tmp_path / "cache")
    scanned = loganalyzer.read(str(log), cache=folder)
    hits = []
    real_load = cache.load

    def load(*args):  # the real load, noting whether the entry was used
        result = real_load(*args)
        hits.append(result[0] is not None)
        return result

    monkeypatch.setattr(cache, "load", load)
    cached = loganalyzer.read(str(log), cache=folder)
    assert hits == [True]
    assert cached.columns.keys() == scanned.columns.keys()
    numeric = [n for n in cached.columns if n in INT_FIELDS | FLOAT_FIELDS]
    assert any(None in cached.columns[n] for n in numeric)  # columns with gaps
    for name, values in cached.columns.items():
        assert values == scanned.columns[name], name
        assert not any(isinstance(v, float) and math.isnan(v) for v in values), name


def test_a_migration_whose_qmp_numbers_are_beyond_json_is_reported(tmp_path):
    """A simulated migration whose libvirt debug log says NaN, 1e999 or a 400-digit number
    where QMP has a number: the row is made, those values are missing (None), and its JSON
    is strict JSON (no NaN or Infinity written)."""
    row, _, _, _ = pair(tmp_path, release="ussuri", level="debug")
    assert [c["downtime_ms"] for c in row["qemu"]["downtime_limits"]] == [100]
    log = tmp_path / "compute-1" / "libvirt" / "libvirtd.log"
    lines = log.read_text().replace('"arguments":{"value":0.1}',
                                    '"arguments":{"value":NaN}').splitlines()
    replies = sorted({line[:28] for line in lines if '"mbps": 8388.608' in line})
    bad = dict(zip(replies, ("1e999", "9" * 400, "Infinity"), strict=False))
    log.write_text("".join(  # each reply is logged twice (libvirt's "Line [" and its reply)
        line.replace('"mbps": 8388.608', f'"mbps": {bad[line[:28]]}') + "\n"
        if line[:28] in bad else line + "\n" for line in lines))
    (row,) = loganalyzer.migrations([str(tmp_path)])
    assert row["qemu"]["downtime_limits"] == []
    assert [m["mbps"] for m in row["memory_history"][:4]] == [None, None, None, 8388.608]
    json.dumps(row.to_json(), allow_nan=False)

"""Robustness: random bytes, mutated real lines and random wrapping never raise; a valid line
yields the same event whatever its header values and envelope."""

from __future__ import annotations

import io
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loganalyzer.logs import writer as lw
from loganalyzer.logs.catalog import CATALOG
from loganalyzer.logs.scan import Origin, scan_stream
from tests.test_catalog import LAYOUTS, message_fields

SAMPLES = [(m, s) for m in CATALOG for s in m.samples]
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def scan_bytes(data: bytes):
    return scan_stream(io.BytesIO(data), Origin("fuzz.log", None, "unknown", 2024))


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_never_raise(data):
    result = scan_bytes(data)
    assert result.file.bytes == len(data)


@FUZZ
@given(st.sampled_from(SAMPLES), st.sampled_from(sorted(LAYOUTS)),
       st.lists(st.tuples(st.integers(0, 400), st.binary(max_size=6)), max_size=6))
def test_mutated_lines_never_raise(sample, layout, edits):
    message, text = sample
    line = bytearray(LAYOUTS[layout](message, text).encode())
    for position, junk in edits:
        at = min(position, len(line))
        line[at:at + len(junk)] = junk
    result = scan_bytes(bytes(line) + b"\n")
    assert result.events.rows + len(result.unrecognized) <= 1


@FUZZ
@given(st.sampled_from(SAMPLES), st.lists(st.integers(1, 300), min_size=1, max_size=8))
def test_random_line_splits_never_raise(sample, cuts):
    """Terminal-wrapped pastes: a record broken into several physical lines."""
    message, text = sample
    line = LAYOUTS["oslo-zed"](message, text)
    pieces, last = [], 0
    for cut in sorted(set(cuts)):
        if cut < len(line):
            pieces.append(line[last:cut])
            last = cut
    pieces.append(line[last:])
    result = scan_bytes(("\n".join(pieces) + "\n").encode())
    assert result.file.lines == len(pieces)
    for row in result.unrecognized:
        assert message.key in row["text"] or any(k in row["text"] for k in
                                                  (m.key for m in CATALOG))


uuids = st.uuids().map(str)
stamps = st.datetimes(min_value=datetime(2012, 1, 1), max_value=datetime(2030, 12, 31))


@FUZZ
@given(st.sampled_from(SAMPLES), st.sampled_from(sorted(LAYOUTS)), stamps,
       st.integers(1, 4_000_000), uuids, uuids, st.sampled_from(["-", "admin", "a" * 64]),
       st.integers(12, 34), st.sampled_from(["cmp-1", "compute-2.example.org", "x"]))
def test_valid_line_same_event_however_wrapped(sample, layout, when, pid, instance, request,
                                               user, major, host):
    message, text = sample
    reference = scan_bytes(text.encode() + b"\n").events.finish()
    record = lw.Record(when, message.levels[0], message.logger, text, pid=pid,
                       instance=instance if message.instance_tag else None,
                       request_id=f"req-{request}", user=user, project="p", major=major)
    lines = {
        "oslo": lw.oslo_line(record),
        "syslog": lw.syslog_line(lw.oslo_line(record), when, host),
        "json": lw.journal_json(lw.oslo_line(lw.coloured(record)), when, host, as_bytes=True),
        "oslo-json": lw.oslo_json(record, host),
        "devstack": lw.devstack_journal(record, host),
        "layout": LAYOUTS[layout](message, text),
    }
    for name, line in lines.items():
        result = scan_bytes(line.encode() + b"\n")
        assert not result.unrecognized, (name, line)
        event = {k: v[0] for k, v in result.events.finish().items() if v[0] is not None}
        expected = {k: v[0] for k, v in reference.items() if v[0] is not None}
        assert message_fields(event) == message_fields(expected), (name, line)
        if name != "layout" and message.instance_tag:
            assert event["instance"] == instance
        if name in ("oslo", "syslog", "devstack"):
            assert event["request_id"] == f"req-{request}"

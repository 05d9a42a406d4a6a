"""The message catalogue: every entry parses its samples, in every layout nova's lines come in,
and the grammar and the prefilter agree on the keys."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest

from loganalyzer.logs import writer as lw
from loganalyzer.logs.anchors import ANCHORS, keys_in
from loganalyzer.logs.catalog import CATALOG, INT_FIELDS, KINDS, keys
from loganalyzer.logs.grammar import ALTERNATIVES, RECORDS, parse_text
from loganalyzer.logs.scan import Origin, scan_stream

WHEN = datetime(2024, 5, 1, 12, 34, 56, 789000)
INSTANCE = "7b7edae6-f878-4756-a858-86f836d02c33"
REQ = "req-1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
SAMPLES = [(m, s) for m in CATALOG for s in m.samples]
IDS = [f"{m.id}-{i}" for m in CATALOG for i, _ in enumerate(m.samples)]


def scan_text(text: str, year: int = 2024):
    result = scan_stream(io.BytesIO(text.encode()), Origin("t.log", "file-host", "path", year))
    return result


def only_event(text: str) -> dict:
    result = scan_text(text)
    assert not result.unrecognized, result.unrecognized
    columns = result.events.finish()
    assert result.events.rows == 1, text
    return {k: v[0] for k, v in columns.items() if v[0] is not None}


MESSAGE_FIELDS = ("kind", "message_id")


def message_fields(event: dict) -> dict:
    """The fields that come from the message itself (not the header or envelope)."""
    header = {"time", "ts", "host", "host_source", "file", "line", "level", "logger", "pid",
              "request_id", "global_request_id", "instance", "context_style",
              "last_time", "last_ts", "last_line"}  # a run's last line: header fields too
    return {k: v for k, v in event.items() if k not in header}


def test_every_entry_has_samples_and_unique_id():
    assert len({m.id for m in CATALOG}) == len(CATALOG)
    for message in CATALOG:
        assert message.samples, message.id
        assert message.kind in KINDS
        assert set(message.levels) <= {"DEBUG", "INFO", "WARNING", "ERROR", "AUDIT"}
        assert message.side in ("source", "dest", "both", "host")


def _literals(expr):
    """Every pyparsing Literal inside an expression."""
    import pyparsing as pp

    if isinstance(expr, pp.Literal):
        yield expr.match
    for child in getattr(expr, "exprs", None) or []:
        yield from _literals(child)
    inner = getattr(expr, "expr", None)
    if inner is not None:
        yield from _literals(inner)


def test_every_alternative_key_is_in_the_prefilter():
    """Each grammar alternative contains its catalogue key as a literal, and every message
    holds one of the byte prefilter's anchors, so pyparsing never misses a line it could
    parse. Anchors are in the key itself wherever the key allows it."""
    anchors = [a.decode() for a in ANCHORS]
    assert set(ALTERNATIVES) == set(keys()) == set(RECORDS)
    for key, alternatives in ALTERNATIVES.items():
        for alt in alternatives:
            assert key in set(_literals(alt)), (key, alt)
        messages = [m for m in CATALOG if m.key == key]
        in_key = any(a in key for a in anchors)
        assert in_key or all(any(a in s for a in anchors) for m in messages for s in m.samples)
        if not in_key:  # then the anchor is in the fixed text around the key
            for message in messages:
                assert any(a in re.sub(r"\(\?P<\w+>[^)]*\)", "", message.pattern)
                           .replace("\\", "") for a in anchors), message.id


def test_compiled_records_agree_with_pyparsing():
    """The hot path runs the grammar compiled to regexes; pyparsing itself gives the same
    events for every sample in every layout."""
    for message, sample in SAMPLES:
        for layout in LAYOUTS.values():
            line = layout(message, sample)
            if line.startswith("{"):
                continue
            found = keys_in(line)
            assert parse_text(line, found) == parse_text(line, found, reference=True), line


def test_every_sample_contains_its_key_and_matches_its_pattern():
    for message, sample in SAMPLES:
        assert message.key in sample, message.id
        assert re.fullmatch(message.pattern, sample), (message.id, sample)


# Entries whose sample is not exactly ``template % fields``: padded dump names, optional
# parts, an alternative word, list text.
TEMPLATE_EXCEPTIONS = {"config_option", "rt_migration", "completion_timeout", "downtime_state",
                       "pre_live_migration_failed", "live_migration_failed",
                       "post_at_dest_failed", "vif_plug_failed", "pre_live_migration_took",
                       "lifecycle_emitted", "clamp_warning"}


def test_templates_write_what_the_patterns_read():
    """The simulator writes with ``template``; the grammar reads with ``pattern``."""
    for message, sample in SAMPLES:
        if message.id in TEMPLATE_EXCEPTIONS:
            continue
        groups = re.fullmatch(message.pattern, sample).groupdict()
        fields = {k: int(v) if k in INT_FIELDS else v for k, v in groups.items()}
        assert lw.render_message(message, fields) == sample, message.id


def test_pre_live_migration_template_round_trip():
    message = next(m for m in CATALOG if m.id == "pre_live_migration_took")
    assert lw.render_message(message, {"took_s": 5.123, "dest_host": "c2"}) == \
        "Took 5.12 seconds for pre_live_migration on destination host c2."


def _record(message, sample, level=None, **kw):
    return lw.Record(WHEN, level or message.levels[0], message.logger, sample,
                     instance=INSTANCE if message.instance_tag else None, **kw)


LAYOUTS = {
    "oslo-ocata": lambda m, s: lw.oslo_line(_record(m, s, request_id=REQ, user="u", project="p",
                                                     major=15)),
    "oslo-zed": lambda m, s: lw.oslo_line(_record(m, s, request_id=REQ, user="u", project="p",
                                                   major=27)),
    "oslo-no-context": lambda m, s: lw.oslo_line(_record(m, s)),
    "oslo-debug": lambda m, s: lw.oslo_line(_record(m, s, level="DEBUG")),
    "coloured": lambda m, s: lw.oslo_line(lw.coloured(_record(m, s))),
    "crlf": lambda m, s: lw.oslo_line(_record(m, s)) + "\r",
    "syslog": lambda m, s: lw.syslog_line(lw.oslo_line(_record(m, s)), WHEN, "cmp-7"),
    "syslog-grep": lambda m, s: "sosreport-x/var/log/messages:" + lw.syslog_line(
        lw.oslo_line(_record(m, s)), WHEN, "cmp-7", ident="nova_compute") + "#033[00m",
    "journal-short-iso": lambda m, s: lw.journal_short_iso(lw.oslo_line(_record(m, s)), WHEN,
                                                           "cmp-7"),
    "journal-json": lambda m, s: lw.journal_json(lw.oslo_line(_record(m, s)), WHEN, "cmp-7"),
    "journal-json-bytes": lambda m, s: lw.journal_json(
        lw.oslo_line(lw.coloured(_record(m, s))), WHEN, "cmp-7", as_bytes=True),
    "devstack": lambda m, s: lw.devstack_journal(_record(m, s, level="DEBUG", request_id=REQ,
                                                          major=30), "devstack02"),
    "oslo-json": lambda m, s: lw.oslo_json(_record(m, s, request_id=REQ), "cmp-7"),
    "os-log-merger": lambda m, s: lw.merged_line(_record(m, s), "COMPUTE30"),
    "level-first": lambda m, s: lw.oslo_body(_record(m, s)),
    "folsom": lambda m, s: f"{WHEN:%Y-%m-%d %H:%M:%S} " + lw.oslo_body(_record(m, s)),
    "message-only": lambda m, s: s,
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize(("message", "sample"), SAMPLES, ids=IDS)
def test_sample_in_every_layout(message, sample, layout):
    reference = message_fields(only_event(sample))
    assert reference["message_id"] == message.id
    line = LAYOUTS[layout](message, sample)
    event = only_event(line + "\n")
    assert message_fields(event) == reference, line
    if layout in ("message-only",):
        return
    expected_level = {"oslo-debug": "DEBUG", "devstack": "DEBUG"}.get(layout, message.levels[0])
    assert event["level"] == expected_level
    if message.instance_tag:
        assert event["instance"] == INSTANCE
    if layout in ("oslo-ocata", "oslo-zed", "devstack", "oslo-json"):
        assert event["request_id"] == REQ
    if layout in ("syslog", "syslog-grep", "journal-short-iso", "journal-json",
                  "journal-json-bytes", "devstack", "oslo-json"):
        assert (event["host"], event["host_source"]) == ("cmp-7" if layout != "devstack"
                                                         else "devstack02", "syslog")
    elif layout == "os-log-merger":
        assert (event["host"], event["host_source"]) == ("COMPUTE30", "merged-log tag")
    else:
        assert event["host"] == "file-host"
    if layout not in ("level-first",):
        assert event["ts"].startswith("2024-05-01 12:34:56"), (layout, event.get("ts"))


EXPECTED = {
    "Increasing downtime to 46ms after 0 sec elapsed time":
        {"kind": "downtime_step", "downtime_ms": 46, "after_s": 0,
         "message_id": "downtime_step_compact"},
    "Increasing downtime to 4998 ms after 2100 sec elapsed time":
        {"kind": "downtime_step", "downtime_ms": 4998, "after_s": 2100},
    "Current 50 elapsed 151 steps [(0, 50), (150, 95)]":
        {"kind": "downtime_state", "current_ms": 50, "elapsed_s": 151,
         "steps": ((0, 50), (150, 95))},
    "Migration running for 30 secs, memory 42% remaining (bytes processed=1234567890, "
    "remaining=987654321, total=4295229440); disk 100% remaining (bytes processed=0, "
    "remaining=0, total=0).":
        {"kind": "progress", "message_id": "progress_disk", "secs": 30, "remaining_pct": 42,
         "processed_bytes": 1234567890, "remaining_bytes": 987654321,
         "total_bytes": 4295229440, "disk_remaining_pct": 100, "disk_total_bytes": 0},
    "Live migration not completed after 300 seconds":
        {"kind": "completion_timeout", "limit_s": 300},
    "Took 5.12 seconds for pre_live_migration on destination host compute-2.":
        {"kind": "pre_live_migration_took", "took_s": 5.12, "dest_host": "compute-2"},
    "Migrating instance to hp-ms-01-c29.moonshot1.lab.eng.rdu.redhat.com finished "
    "successfully.":
        {"kind": "migration_succeeded",
         "dest_host": "hp-ms-01-c29.moonshot1.lab.eng.rdu.redhat.com"},
    "VM Migration completed (Lifecycle Event)":
        {"kind": "lifecycle", "state": "Migration completed"},
    "Lifecycle event 1 on VM 6f5a7c59-3e1c-4a9a-8a8c-1f0d2b9e4c11":
        {"kind": "lifecycle", "state": "Stopped",
         "instance": "6f5a7c59-3e1c-4a9a-8a8c-1f0d2b9e4c11"},
    "libvirt.live_migration_uri     = None":
        {"kind": "config_option", "option": "live_migration_uri", "value": "None"},
    "max_concurrent_live_migrations = 1":
        {"kind": "config_option", "option": "max_concurrent_live_migrations", "value": "1"},
    "Starting compute node (version 2014.2.3-31.el7ost)":
        {"kind": "compute_start", "version": "2014.2.3-31.el7ost"},
    "Post live migration at destination compute-2.ci-rdo.local failed: "
    "nova.exception_Remote.InstanceNotFound_Remote: Instance 7b7edae6-f878-4756-a858-"
    "86f836d02c33 could not be found.":
        {"kind": "post_live_migration_at_dest_failed", "dest_host": "compute-2.ci-rdo.local",
         "error": "nova.exception_Remote.InstanceNotFound_Remote: Instance 7b7edae6-f878-4756-"
                  "a858-86f836d02c33 could not be found."},
    "Config option live_migration_downtime's value is less than minimum value 100ms, rounded "
    "up to the minimum value and will raise ValueError in the future release.":
        {"kind": "config_clamped", "option": "live_migration_downtime", "minimum": 100},
}


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_fields_of_samples(sample):
    event = only_event(sample + "\n")
    for name, value in EXPECTED[sample].items():
        assert event[name] == value, name


def test_live_migration_data_repr_gives_migration_ids():
    message = next(m for m in CATALOG if m.id == "live_migration_data")
    event = only_event(message.samples[0] + "\n")
    assert event["migration_uuid"] == "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
    assert event["migration_id"] == 42
    assert event["migration_status"] == "running"
    assert event["dest_host"] == "compute-2"
    assert event["source_host"] == "compute-1"
    assert event["block_migration"] is False


def test_error_summary_after_fixed_message():
    event = only_event("2019-01-01 00:00:00.000 1 WARNING nova.virt.libvirt.driver [-] "
                       f"[instance: {INSTANCE}] Migration operation was cancelled: "
                       "libvirtError: operation aborted\n")
    assert event["kind"] == "operation_cancelled"
    assert event["error_summary"] == ": libvirtError: operation aborted"

"""The message catalogue: every entry parses its samples, in every layout nova's lines come in,
and the grammar and the prefilter agree on the keys."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import datetime

import pytest

from loganalyzer.analysis import timeline
from loganalyzer.analysis.evidence import release_bounds
from loganalyzer.logs import writer as lw
from loganalyzer.logs.anchors import ANCHORS, keys_in
from loganalyzer.logs.catalog import (
    BY_ID,
    CATALOG,
    INT_FIELDS,
    KINDS,
    NEWEST,
    Kind,
    Phase,
    Sample,
    keys,
    validate,
)
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
    return as_line({k: v[0] for k, v in columns.items() if v[0] is not None})


def as_line(event: dict) -> dict:
    """A start-up dump line's event: its dump row (``config_dump``, one line) read back as
    the line's own fields (the grammar's kind, ``option``/``value``, ``value`` or
    ``files``)."""
    if event["kind"] != "config_dump":
        return event
    assert (event["dump_lines"], event["dump_last_line"]) == (1, event["line"])
    out = {k: v for k, v in event.items() if k not in (
        "options", "dump_lines", "dump_last_line", "dump_last_time", "dump_last_ts")}
    out["kind"] = BY_ID[event["message_id"]].kind
    if event["options"]:
        [(out["option"], out["value"])] = event["options"]
    if out["kind"] in ("conf_host", "conf_my_ip"):  # nova's host name, address: a field
        out["value"] = out.pop(out["kind"])
    return out


MESSAGE_FIELDS = ("kind", "message_id")


def message_fields(event: dict) -> dict:
    """The fields that come from the message itself (not the header or envelope)."""
    header = {"time", "ts", "host", "host_source", "file", "line", "level", "logger", "pid",
              "request_id", "global_request_id", "instance", "context_style",
              "last_time", "last_ts", "last_line",  # a run's last line: header fields too
              "dump_last_time", "dump_last_ts", "dump_last_line"}  # (a dump row's)
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


FIELD_SAMPLES = [(m, s) for m, s in SAMPLES if s.fields]


@pytest.mark.parametrize(("message", "sample"), FIELD_SAMPLES,
                         ids=[f"{m.id}:{s[:30]}" for m, s in FIELD_SAMPLES])
def test_fields_of_samples(message, sample):
    """Each sample's expected fields (declared beside it in the catalogue) are what the
    whole scan reads, and the event has the entry's kind and id."""
    event = only_event(sample + "\n")
    assert (event["kind"], event["message_id"]) == (message.kind, message.id)
    for name, value in sample.fields.items():
        assert event[name] == value, name


def test_catalogue_validates():
    assert validate() == []


def test_validate_rejects_what_lnav_would():
    """A sample matching two entries, a source-side entry without a phase, one without an
    anchor and one whose sample does not match its pattern are each reported."""
    base = BY_ID["operation_completed"]
    twin = replace(base, id="twin")
    no_phase = replace(BY_ID["monitor_done"], phase=None)
    no_anchor = replace(base, id="no_anchor", key="Completely unrelated text",
                        template="Completely unrelated text",
                        samples=(Sample("Completely unrelated text"),))
    wrong = replace(BY_ID["downtime_step"], samples=(Sample("Increasing downtime to 5ms"),))
    problems = validate((base, twin, no_phase, no_anchor, wrong))
    assert any("also matches ['twin']" in p for p in problems)
    assert any(p.startswith("monitor_done: source-side message without a phase")
               for p in problems)
    assert any(p.startswith("no_anchor: holds none") for p in problems)
    assert any(p.startswith("downtime_step: sample") and "does not match" in p
               for p in problems)


def test_kinds_are_the_enum_and_plain_strings_in_events():
    assert set(KINDS) == {k.value for k in Kind}
    event = only_event("Migration operation has completed\n")
    assert type(event["kind"]) is str and event["kind"] == Kind.OPERATION_COMPLETED


def test_every_source_kind_has_a_phase_in_the_timeline():
    """config_clamped was a source-side kind the timeline did not know (dropped)."""
    source = {m.kind.value for m in CATALOG if m.side == "source"}
    assert source == set(timeline.PHASE) == timeline.SOURCE_KINDS
    assert timeline.PHASE["config_clamped"] == Phase.MONITOR_START


EVIDENCE_SAMPLES = [(m, s) for m in CATALOG if m.evidence for s in m.samples]


@pytest.mark.parametrize(("message", "sample"), EVIDENCE_SAMPLES,
                         ids=[f"{m.id}-{i}" for i, (m, _) in enumerate(EVIDENCE_SAMPLES)])
def test_sample_implies_its_release_range(message, sample):
    """A form that exists in some releases only says so about the log it is read from."""
    event = only_event(sample + "\n")
    low, high, reasons = release_bounds([event])
    first, last = message.bounds
    assert (low, high) == (max(11, first), min(NEWEST, last))
    assert reasons == [message.evidence]


# Release ranges read from nova's history (docs/nova-history.md): issue 14 items 13–17.
RANGES = {
    "post_at_dest_failed": (15, None),  # cast -> call in 15.0.0 (6140821187)
    "live_migration_data": (13, None),  # manager.py 13.0.0
    "source_check_data": (13, None), "pre_live_migration_data": (13, None),
    "lifecycle_migration_completed": (19, None),  # 19.1.0, 20.1.0, 21.0.0+
    "lifecycle_postcopy_started": (18, None),
    "operation_thread_notification": (11, 32),  # gone in 32.2.0 too (note)
    "lifecycle_numeric": (7, 9),  # Folsom logs no lifecycle event; Icehouse 2014.1.3 moved on
    "lifecycle_paused": (9, None), "lifecycle_emitted": (9, None),
    "pre_live_migration_failed_two_spaces": (6, 7), "pre_live_migration_failed": (8, None),
    "domain_check_failed_literal": (11, 13), "domain_check_failed": (14, None),
    "domain_not_found_notice": (6, 15),
    "vif_detached_typo": (20, 20), "vif_detached": (21, None),
    "submit_failed_shutdown": (18, None), "queued_migration_cancelled": (18, None),
    "active_migration_missing": (14, None), "unknown_migration_task": (14, None),
    "no_migrate_data_cleanup_old": (17, 18), "no_migrate_data_cleanup": (19, None),
    "revert_allocations_failed": (17, None), "post_at_dest_unexpected_error": (13, None),
    "abort_after_error_failed_typo": (23, 28), "abort_after_error_failed_broken": (29, 31),
    "abort_after_error_failed": (32, None), "downtime_no_step": (14, None),
    "downtime_unchanged": (14, None),
}


@pytest.mark.parametrize("message_id", sorted(RANGES))
def test_release_ranges_from_nova_history(message_id):
    message = BY_ID[message_id]
    assert (message.first, message.last) == RANGES[message_id]


def test_loggers_before_newton_are_the_driver():
    """migration.py exists from 14.0.0: before, these lines came from driver.py; ``Failed to
    abort migration`` always did; get_job_info moved from host.py to guest.py."""
    for message_id in ("downtime_step", "downtime_set_failed_compact", "completion_timeout",
                       "progress_timeout", "job_failed_on_src"):
        message = BY_ID[message_id]
        assert message.logger_in(13) == "nova.virt.libvirt.driver", message_id
        assert message.logger_in(14) == "nova.virt.libvirt.migration", message_id
    assert {BY_ID["abort_failed"].logger_in(m) for m in (12, 14, 34)} == {
        "nova.virt.libvirt.driver"}
    assert BY_ID["job_info_failed"].logger_in(13) == "nova.virt.libvirt.host"
    assert BY_ID["job_info_failed"].logger_in(14) == "nova.virt.libvirt.guest"


def test_nova_wording_of_the_completion_timeout_is_sec_only():
    """'seconds' is a vendor documentation form with a note, not nova's (issue 14 item 18);
    lines nova never wrote are not catalogued (item 19)."""
    nova = BY_ID["completion_timeout"]
    vendor = BY_ID["completion_timeout_vendor"]
    assert nova.template.endswith("%(limit_s)d sec") and not nova.note
    assert "StarlingX" in vendor.note and vendor.samples == ("Live migration not completed "
                                                             "after 300 seconds",)
    for text in ("Live migration was cancelled", "has not progressed"):
        assert not any(text in m.key or text in m.template for m in CATALOG)
        assert keys_in(f"2024-05-01 00:00:00.000 1 WARNING x [-] {text}") == []


def test_folsom_two_space_pre_live_migration_failure():
    event = only_event("2012-11-02 10:00:00 ERROR nova.compute.manager [req-1 a b] "
                       f"[instance: {INSTANCE}] Pre live migration failed at  nova1\n")
    assert (event["message_id"], event["dest_host"]) == (
        "pre_live_migration_failed_two_spaces", "nova1")


def test_broken_abort_call_as_oslo_log_rewrites_it():
    """24.0.0's LOG.warning("Error occured when trying to abort live ", "migration job, …")
    makes oslo.log's ContextFormatter log its own TypeError (Python 3.6 adds a comma)."""
    for err in ("TypeError('not all arguments converted during string formatting')",
                "TypeError('not all arguments converted during string formatting',)"):
        line = ("2021-10-01 10:00:00.000 4242 WARNING nova.virt.libvirt.driver [-] "
                f"[instance: {INSTANCE}] Error formatting log line msg='Error occured when "
                f"trying to abort live ' err={err}\n")
        event = only_event(line)
        assert (event["kind"], event["error"]) == ("abort_after_error_failed", err)
    # within nova's ``except libvirtError``, oslo.log appends the handled error's summary
    summary = ": libvirt.libvirtError: Requested operation is not valid: no job is active"
    event = only_event(line.rstrip("\n") + summary + "\n")
    assert (event["error"], event["error_summary"]) == (err, summary)


def test_live_migration_data_repr_gives_migration_ids():
    message = BY_ID["live_migration_data"]
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


def test_instance_less_source_lines_join_their_migration():
    """Ocata's clamp WARNING (no instance, logged as the monitor starts) joins the migration
    whose lines follow; Queens' no-migrate_data WARNING joins the one before it."""
    def event(kind, second, instance=None):
        return {"kind": kind, "host": "cmp-1", "instance": instance,
                "timestamp": datetime(2017, 3, 1, 12, 0, second)}

    records = [event("monitor_started", 0, INSTANCE), event("operation_completed", 5, INSTANCE),
               event("no_migrate_data_cleanup", 6),
               event("config_clamped", 10), event("monitor_started", 10, OTHER),
               event("downtime_step", 11, OTHER)]
    found = timeline.build(records)
    kinds = {s.instance: [e["kind"] for e in s.events] for s in found.segments}
    assert kinds == {INSTANCE: ["monitor_started", "operation_completed",
                                "no_migrate_data_cleanup"],
                     OTHER: ["config_clamped", "monitor_started", "downtime_step"]}


OTHER = "0cd85ca4-17b0-4819-8bd7-d66373466f71"

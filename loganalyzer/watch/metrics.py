"""Prometheus metrics of ``watch``, with ``prometheus_client`` (imported here only, so that
the other commands never load it).

Labels stay bounded: hosts, outcomes, verdicts, finding codes, option names and their
values; never an instance or migration uuid. A host's alert-relevant series are created
at 0 when the host is first seen, so that ``increase()`` sees the first mismatch, timeout
or drift finding on it (a counter born at 1 has no earlier sample to rise from).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    exposition,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

OUTCOMES = ("completed", "cancelled", "failed", "unknown")
VERDICTS = ("match", "mismatch", "no_ramp", "unknown_config")
TIMEOUT_ACTIONS = ("abort", "force_complete", "post_copy", "pause")
HOST_FINDINGS = (("running-config-differs", "warning"), ("running-config-changed", "warning"))
DURATION_BUCKETS = (5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400)
DOWNTIME_BUCKETS = (50, 100, 200, 300, 500, 750, 1000, 2000, 5000, 10000, 30000)
PAUSE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300)
TEXTFILE_NAME = "loganalyzer.prom"


class Metrics:
    """The metrics one ``watch`` process exports, in a registry of its own (with the
    process, platform and garbage-collector metrics)."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        GCCollector(registry=registry)
        self.migrations = Counter(
            "loganalyzer_migrations", "Finished live migrations by source host, outcome and "
            "ramp verdict.", ["host", "outcome", "ramp_verdict"], registry=registry)
        self.duration = Histogram(
            "loganalyzer_migration_duration_seconds", "Duration of finished migrations whose "
            "start and end were both logged.", ["host", "outcome"], buckets=DURATION_BUCKETS,
            registry=registry)
        self.final_downtime = Histogram(
            "loganalyzer_migration_final_downtime_ms", "The last max downtime nova set "
            "(ms) in migrations that logged a ramp step.", ["host"],
            buckets=DOWNTIME_BUCKETS, registry=registry)
        self.pause = Histogram(
            "loganalyzer_guest_pause_seconds", "The guest's switchover pause as estimated "
            "(evidence: how: lifecycle-events, source-only, qemu-events).",
            ["host", "evidence"], buckets=PAUSE_BUCKETS, registry=registry)
        self.timeouts = Counter(
            "loganalyzer_timeouts", "Migrations that hit live_migration_completion_timeout, "
            "by what nova did then.", ["host", "action"], registry=registry)
        self.findings = Counter(
            "loganalyzer_findings", "Findings about migrations and hosts.",
            ["host", "code", "severity"], registry=registry)
        self.running_config = Gauge(
            "loganalyzer_running_config_info", "The [libvirt] live_migration_* values a host "
            "runs (1 per current value): from its start-up dump, or inferred from its last "
            "logged ramp.", ["host", "option", "value", "source"], registry=registry)
        self.unrecognized = Counter(
            "loganalyzer_unrecognized_lines", "Lines holding a catalogue key that the grammar "
            "did not parse (a new nova message form, or damage).", ["host"],
            registry=registry)
        self.read_warnings = Counter(
            "loganalyzer_read_warnings", "Problems reading the followed inputs (unreadable "
            "ranges, truncation without a rotated copy, files gone).", registry=registry)
        self.late_lines = Counter(
            "loganalyzer_late_lines", "Lines about a migration already reported (they came "
            "after its settle time), dropped.", registry=registry)
        self.duplicate_lines = Counter(
            "loganalyzer_duplicate_lines", "Copies of a migration line read from another file "
            "(an os-log-merger merge beside the per-host logs, a log given twice), counted "
            "once as migrations counts them (duplicates_dropped).", registry=registry)
        self.files_watched = Gauge(
            "loganalyzer_files_watched", "Plain log files being followed.", registry=registry)
        self.in_flight = Gauge(
            "loganalyzer_migrations_in_flight", "Instances with lines held (migrations not "
            "finished yet).", registry=registry)
        self.held_events = Gauge(
            "loganalyzer_held_events", "Events held for migrations not finished yet.",
            registry=registry)
        self.last_line = Gauge(
            "loganalyzer_last_line_timestamp_seconds", "Log time of the newest line read "
            "from a host (Unix time, the log's clock read as UTC).", ["host"],
            registry=registry)
        self.libvirt_held = Gauge(
            "loganalyzer_libvirt_records_held", "libvirt/QEMU records held for the join of "
            "migrations not reported yet.", registry=registry)
        self.libvirt_dropped = Counter(
            "loganalyzer_libvirt_records_dropped", "libvirt/QEMU records read and not held, "
            "by reason (noise the join does not read, duplicates, holding time, bound).",
            ["reason"], registry=registry)
        self.libvirt_late = Counter(
            "loganalyzer_libvirt_late_records", "libvirt/QEMU records of a QEMU job whose "
            "migration was already reported (they came after its settle time), not used.",
            registry=registry)
        self._libvirt_counted: dict[str, float] = {}
        self._hosts: set[str] = set()
        self._config: dict[str, dict[tuple[str, str], str]] = {}

    # --- updates --------------------------------------------------------------------------

    def host_seen(self, host: str) -> None:
        """Create the host's alert-relevant series at 0 (once)."""
        if host in self._hosts:
            return
        self._hosts.add(host)
        for outcome in OUTCOMES:
            for verdict in VERDICTS:
                self.migrations.labels(host, outcome, verdict)
        for action in TIMEOUT_ACTIONS:
            self.timeouts.labels(host, action)
        for code, severity in HOST_FINDINGS:
            self.findings.labels(host, code, severity)
        self.unrecognized.labels(host)

    def libvirt(self, hold: Any) -> None:
        """The libvirt/QEMU holder's figures (a :class:`watch.libvirt_hold.LibvirtHold`)."""
        self.libvirt_held.set(hold.count)
        for reason, count in [*hold.dropped.items(), ("\0late", hold.late)]:
            step = count - self._libvirt_counted.get(reason, 0)
            if step > 0:
                if reason == "\0late":
                    self.libvirt_late.inc(step)
                else:
                    self.libvirt_dropped.labels(reason).inc(step)
            self._libvirt_counted[reason] = count

    def migration(self, row: Mapping[str, Any]) -> None:
        """Count one finished migration (a ``migrations`` JSON object)."""
        host = row.get("source_host") or row.get("dest_host") or "unknown"
        self.host_seen(host)
        outcome = row.get("outcome") or "unknown"
        self.migrations.labels(host, outcome, row.get("ramp_verdict") or "no_ramp").inc()
        duration = row.get("duration_s")
        if duration is not None and row.get("start_seen", True) and row.get("end_seen", True):
            self.duration.labels(host, outcome).observe(float(duration))
        if row.get("final_downtime_ms") is not None:
            self.final_downtime.labels(host).observe(float(row["final_downtime_ms"]))
        switchover = row.get("switchover") or {}
        if switchover.get("seconds") is not None:
            self.pause.labels(host, pause_evidence(switchover)).observe(
                max(float(switchover["seconds"]), 0.0))
        if row.get("timeout_hit"):
            self.timeouts.labels(host, timeout_action(row)).inc()
        for finding in row.get("findings") or []:
            self.findings.labels(host, finding["code"], finding["severity"]).inc()
        inferred = row.get("inferred") or {}
        if row.get("ramp_verdict") in ("match", "mismatch") and inferred.get("downtime"):
            values = {"live_migration_downtime": inferred.get("downtime"),
                      "live_migration_downtime_steps": inferred.get("steps"),
                      "live_migration_downtime_delay": inferred.get("delay")}
            self.config(host, {k: v for k, v in values.items() if v is not None}, "inferred")

    def finding(self, host: str, code: str, severity: str) -> None:
        self.host_seen(host)
        self.findings.labels(host, code, severity).inc()

    def config(self, host: str, values: Mapping[str, Any], source: str) -> None:
        """A host's current values from ``source``: the series of older values go."""
        current = self._config.setdefault(host, {})
        for (option, old_source), value in list(current.items()):
            if old_source == source and (option not in values or
                                         str(values[option]) != value):
                self.running_config.remove(host, option, value, source)
                del current[(option, old_source)]
        for option, value in values.items():
            self.running_config.labels(host, option, str(value), source).set(1)
            current[(option, source)] = str(value)

    def alias(self, old: str, new: str) -> None:
        """``old`` turned out to be another name of the host ``new`` (an os-log-merger tag
        read before the host's own log named it): the series ``old`` was given at 0 go, and
        its last-line time and running configuration move to ``new``. A counter that
        counted something under ``old`` keeps its series (its count stays true)."""
        if old == new or old not in self._hosts:
            return
        self._hosts.discard(old)
        self.host_seen(new)
        for metric in (self.migrations, self.timeouts, self.findings, self.unrecognized):
            for family in metric.collect():
                for sample in family.samples:
                    if sample.labels.get("host") == old and sample.value == 0 and \
                            sample.name.endswith("_total"):
                        metric.remove(*sample.labels.values())
        when = self.registry.get_sample_value("loganalyzer_last_line_timestamp_seconds",
                                              {"host": old})
        if when is not None:
            now = self.registry.get_sample_value("loganalyzer_last_line_timestamp_seconds",
                                                 {"host": new})
            self.last_line.labels(new).set(max(when, now or when))
            self.last_line.remove(old)
        for (option, source), value in self._config.pop(old, {}).items():
            self.running_config.remove(old, option, value, source)
            self.config(new, {option: value}, source)

    @property
    def hosts(self) -> set[str]:
        return set(self._hosts)

    # --- export ---------------------------------------------------------------------------

    def serve(self, address: str, port: int) -> tuple[Any, int]:
        """Serve ``/metrics`` over HTTP; (server, the port it listens on)."""
        server, _ = exposition.start_http_server(port, addr=address, registry=self.registry)
        return server, int(server.server_port)

    def write_textfile(self, folder: str) -> str:
        """Write the metrics for node_exporter's textfile collector, atomically (a
        temporary file beside it, renamed over it)."""
        path = os.path.join(folder, TEXTFILE_NAME)
        exposition.write_to_textfile(path, self.registry)
        return path


def timeout_action(row: Mapping[str, Any]) -> str:
    """What nova did at the completion timeout: post_copy, pause (force-complete without
    post-copy), else the configured live_migration_timeout_action."""
    if row.get("post_copy"):
        return "post_copy"
    if row.get("paused"):
        return "pause"
    config = row.get("config") or {}
    action = (config.get("live_migration_timeout_action") or {}).get("value")
    return "force_complete" if action == "force_complete" else "abort"


def pause_evidence(switchover: Mapping[str, Any]) -> str:
    """How the pause was measured: the contract's ``evidence`` when present (libvirt's
    events), else from the estimate's basis."""
    evidence = switchover.get("evidence")
    if evidence in ("qemu-events", "lifecycle-events"):
        return str(evidence)
    basis = str(switchover.get("basis") or "")
    return "source-only" if basis.startswith("source only") else "lifecycle-events"

"""One row per live migration: timeline, outcome, flags, prediction, comparison, inference.

Orchestrates the pure pieces: :mod:`timeline` (segments), :mod:`evidence` (dumps, versions,
message forms), :mod:`prediction` (nova's ramp), :mod:`compare` (observed vs predicted),
:mod:`infer` (configuration from the observed ramp) and :mod:`correlate` (both hosts).
The row layout is the ``migrations`` JSON contract.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from loganalyzer.analysis import behaviour, infer
from loganalyzer.analysis.collecting import collector_paused
from loganalyzer.analysis.compare import (
    LATE_THRESHOLD_S,
    ObservedStep,
    RampComparison,
    compare_ramp,
)
from loganalyzer.analysis.dedup import prepare
from loganalyzer.analysis.evidence import (
    DUMP_KINDS,
    HOST_FACT_KINDS,
    NEWEST,
    HostFacts,
    error_summary,
    host_facts,
    release_clues,
)
from loganalyzer.analysis.hosts import HostIdentity
from loganalyzer.analysis.timeline import Segment, build, iso
from loganalyzer.config.load import (
    EffectiveConfig,
    config_from_values,
    load_config,
    load_typing,
)
from loganalyzer.findings import Finding
from loganalyzer.logs.catalog import Role, kinds_with
from loganalyzer.nova.options import RAMP_OPTIONS, beyond_model
from loganalyzer.nova.ramp import Step, downtime_steps, ramp_end_s
from loganalyzer.nova.releases import BY_MAJOR, Release, Variant, parse_release
from loganalyzer.nova.sizing import GI, completion_timeout_s, data_gb

CANCEL_MARKERS = ("canceled by client", "cancelled by client", "operation aborted: migration job")


@dataclass
class Declared:
    """The configuration the user says was deployed: files, dirs and flags."""

    files: Sequence[str] = ()
    dirs: Sequence[str] = ()
    flags: Mapping[str, Any] = field(default_factory=dict)
    _cache: dict[int, EffectiveConfig] = field(default_factory=dict)

    @property
    def given(self) -> bool:
        return bool(self.files or self.dirs or self.flags)

    def for_release(self, release: Release) -> EffectiveConfig:
        if release.major not in self._cache:
            self._cache[release.major] = load_config(release, self.files, self.dirs, self.flags)
        return self._cache[release.major]


@dataclass
class Options:
    """What the user told the analysis (all optional)."""

    declared: Declared = field(default_factory=Declared)
    release: str | None = None
    python: int | None = None
    memory_mb: int | None = None
    disk_gb: Sequence[float] = ()
    late_threshold_s: float = LATE_THRESHOLD_S


@dataclass
class Analysis:
    """Migration rows and what the analysis did to the events first: the hosts' aliases
    (``{canonical: [aliases]}``), the duplicate lines dropped, its warnings."""

    rows: list[dict[str, Any]]
    host_aliases: dict[str, list[str]]
    duplicates_dropped: int
    warnings: list[str]
    identity: HostIdentity


def analyse(records: Sequence[Mapping[str, Any]], options: Options,
            libvirt: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Migration rows from event records (as produced by :func:`logs.read.collect`), with
    libvirt/QEMU evidence (``libvirt``: :class:`loganalyzer.logs.libvirt.parse.Record`)."""
    return analyse_all(records, options, libvirt=libvirt).rows


def analyse_all(records: Sequence[Mapping[str, Any]], options: Options,
                line_keys: Sequence[int | None] | None = None,
                libvirt: Sequence[Any] = ()) -> Analysis:
    """Migration rows from event records, with the host aliases and duplicates found
    (``line_keys``: see :func:`dedup.prepare`) and the guest's real pause where libvirt/QEMU
    logged it (``libvirt``)."""
    with collector_paused():
        return _analyse_all(records, options, line_keys, libvirt)


def warm_up(kinds: Iterable[Any]) -> None:
    """Run the configuration code once before the analysis builds anything, when the events
    (their ``kinds``) hold a migration's source lines: its first run imports oslo.config,
    whose import leaves garbage cycles that hold the frames on the stack, and with them
    whatever those frames hold, until a full collection (which a command never reaches:
    :func:`collecting.collector_paused` moves what a block built to the oldest generation).
    Run here, the frames hold nothing of the analysis (nova's defaults of the newest
    release: cached, and what a log without release clues uses; oslo.config itself when the
    events hold a start-up dump, whose option texts it types)."""
    from loganalyzer.analysis.timeline import SOURCE_KINDS

    present = set(kinds)
    if not SOURCE_KINDS.isdisjoint(present):
        _defaults(BY_MAJOR[NEWEST])
        if not DUMP_KINDS.isdisjoint(present):
            load_typing()


def _analyse_all(records: Sequence[Mapping[str, Any]], options: Options,
                 line_keys: Sequence[int | None] | None, libvirt: Sequence[Any]) -> Analysis:
    from loganalyzer.analysis.correlate import join
    from loganalyzer.analysis.qemu import attach

    prepared = prepare(records, line_keys)
    records = prepared.records
    facts = host_facts(r for r, kind in zip(records, prepared.fields["kind"] or (
        [None] * len(records)), strict=True) if kind in HOST_FACT_KINDS)
    timelines = build(records, prepared.fields)
    prepared.fields.clear()  # read: not held while the rows are built
    rows = []
    for segment in timelines.segments:
        rows.append(_source_row(segment, facts.get(segment.host, HostFacts()), options))
    join(rows, timelines.segments, timelines.arrivals)
    identity = prepared.identity
    for row in rows:
        row["dest_host"] = identity.name(row["dest_host"])
        row["source_host"] = identity.name(row["source_host"])
    attach(rows, libvirt)  # the guest's real pause, where libvirt/QEMU logged it
    rows.sort(key=lambda r: (str(r["start"]), r["source_host"] or "", r["instance"] or ""))
    aliases = {host: names for host, names in sorted(identity.aliases.items()) if names}
    return Analysis(rows, aliases, prepared.duplicates_dropped, prepared.warnings, identity)


# --- one source segment -----------------------------------------------------------------

START_KINDS = kinds_with(Role.START)
FAILED_KINDS = kinds_with(Role.FAILED, side="source")


def _starts(segment: Segment) -> tuple[Any, Any, float]:
    """(start, monitor start, tolerance): the earliest start marker the log level left, and
    the best estimate of when the monitor's clock started (for step lags)."""
    first_iteration = _first_iteration(segment)
    markers = [*segment.of(*START_KINDS), *first_iteration]
    times = [t for e in markers if (t := e.get("timestamp")) is not None]
    start = min(times) if times else segment.events[0].get("timestamp")
    monitor = segment.first("monitor_started")
    if monitor is not None and monitor.get("timestamp") is not None:
        return start, monitor["timestamp"], 1.0
    for event in first_iteration:
        if event.get("timestamp") is not None:
            return start, event["timestamp"], 5.0
    return start, None, 5.0


def _first_iteration(segment: Segment) -> list[Mapping[str, Any]]:
    """The monitor's first-iteration lines (step 0, ``Migration running for 0 secs``), in
    log order."""
    events = segment.events
    found = [p for p in segment.positions("downtime_step") if events[p].get("after_s") == 0]
    found += [p for p in segment.positions("progress") if events[p].get("secs") == 0]
    return [events[p] for p in sorted(found)]


def _outcome(segment: Segment) -> tuple[str, Any, str | None]:
    """(outcome, when, error text) from the segment's outcome lines (docs/nova.md §2, §6)."""
    failure = segment.first("live_migration_failure")
    error = failure.get("error") if failure else None
    for kind in ("operation_cancelled",):
        event = segment.first(kind)
        if event is not None:
            return "cancelled", event.get("timestamp"), error
    if failure is not None and error and any(marker in error for marker in CANCEL_MARKERS):
        return "cancelled", failure.get("timestamp"), error
    failed = segment.first(*FAILED_KINDS)
    if failed is not None:
        text = error or failed.get("error")
        if failed["kind"] == "post_live_migration_at_dest_failed":
            text = f"post live migration at destination {failed.get('dest_host')} failed" + (
                f": {failed['error']}" if failed.get("error") else "")
        return "failed", failed.get("timestamp"), text
    done = segment.first("operation_completed", "migration_succeeded")
    if done is not None:
        return "completed", done.get("timestamp"), None
    return "unknown", None, None


def _dest_host(segment: Segment) -> str | None:
    for kind in ("migration_succeeded", "pre_live_migration_took", "live_migration_data",
                 "post_live_migration_at_dest_failed", "pre_live_migration_failed",
                 "vif_plug_failed"):
        event = segment.first(kind)
        if event is not None and event.get("dest_host"):
            return str(event["dest_host"])
    return None


def _release(segment: Segment, facts: HostFacts, options: Options, start: Any
             ) -> tuple[Release, list[Variant], str, str, list[str]]:
    """The release and the ramp variants it allows, how they were chosen, and notes.

    ``--release``, else the version nova announced, else every clue of the log
    (:func:`evidence.release_clues`): a range when it is not unique, whose newest release's
    rules and defaults apply (said in the notes); with no clue at all the newest release's,
    said as such."""
    notes: list[str] = []
    if options.release:
        ref = parse_release(options.release)
        return (ref.release, _variants(ref.release, options.python), ref.release.label,
                "--release", notes)
    announced = facts.version_before(start)
    if announced is not None:
        return (announced.release, _variants(announced.release, options.python),
                announced.release.label, f"Starting compute node (version {announced.text})",
                notes)
    found = release_clues(segment.events, facts.dump_before(start), facts.loggers)
    low, high = found.low, found.high
    if found.contradiction:
        notes.append("the release clues contradict each other: " + "; ".join(found.reasons))
        low, high = 11, NEWEST
    python = options.python if options.python is not None else found.python
    release = BY_MAJOR[high]
    variants: list[Variant] = list(_variants(release, python))
    for major in range(high, max(low, 12) - 1, -1):
        for variant in _variants(BY_MAJOR[major], python):
            if variant not in variants:
                variants.append(variant)
    if not found.reasons:
        notes.append(f"no release clue in the log: the rules and defaults of the newest "
                     f"release, {release.label}, were applied (give --release to choose)")
        return release, variants, "unknown", \
            f"unknown: no clue in the log ({release.label}'s rules applied)", notes
    label = release.label if low == high else \
        f"{BY_MAJOR[low].label} – {BY_MAJOR[high].label}"
    if low != high:
        notes.append(f"where the releases of {label} differ, the rules and defaults of "
                     f"{release.label} apply")
    return release, variants, label, "log clues: " + "; ".join(found.reasons), notes


def _variants(release: Release, python: int | None) -> list[Variant]:
    pythons = [python] if python in release.pythons else list(release.pythons)
    found = []
    for py in pythons:
        variant = release.variant(py)
        if variant is not None and variant not in found:
            found.append(variant)
    return found


def _config(segment: Segment, facts: HostFacts, release: Release, options: Options,
            start: Any, release_known: bool = True
            ) -> tuple[EffectiveConfig, list[Finding], EffectiveConfig | None]:
    """The configuration the migration ran with, and findings about it."""
    findings: list[Finding] = []
    dump = facts.dump_before(start)
    running = None
    if dump is not None:
        running, problems = _dumped_config(release, tuple(dump.values.items()), dump.where)
        for problem in problems:
            findings.append(Finding("dump-value-invalid", "warning",
                                    f"the startup dump holds a value nova rejects: {problem}"))
    if options.declared.given:
        declared = options.declared.for_release(release)
        if running is not None and dump is not None:  # (running is read from the dump)
            for name in RAMP_OPTIONS:
                want, have = declared.settings.get(name), running.settings.get(name)
                if want is None or have is None or name not in dump.values:
                    continue
                if want.value != have.value:
                    findings.append(Finding(
                        "running-config-differs", "warning",
                        f"{name}: declared {want.value} ({want.source}) but the host runs "
                        f"{have.value} ({have.source})."))
        return declared, _beyond_model(declared, findings), running
    if running is not None:
        return running, _beyond_model(running, findings), running
    if not release_known:  # the defaults of a release the log does not name: say which
        findings.append(Finding(
            "config-from-defaults", "info",
            f"no configuration given and no start-up dump before this migration: nova's "
            f"defaults of {release.label} were used."))
    return _defaults(release), findings, None


@functools.lru_cache(maxsize=1024)
def _dumped_config(release: Release, values: tuple[tuple[str, str], ...], where: str
                   ) -> tuple[EffectiveConfig, tuple[str, ...]]:
    """:func:`config_from_values` of one start-up dump, once per dump and release: the
    migrations a host ran after one start share its configuration (read it, do not change
    it), where each had built its own (~6 KB of Python objects a migration)."""
    config, problems = config_from_values(release, dict(values), where)
    return config, tuple(problems)


def _beyond_model(config: EffectiveConfig, findings: list[Finding]) -> list[Finding]:
    """A dumped value no ramp can be computed for (nova could not run it) is a finding."""
    setting = config.settings.get("live_migration_downtime_steps")
    too_long = beyond_model("live_migration_downtime_steps", setting and setting.value)
    if too_long and setting is not None:  # (too_long needs a setting)
        findings.append(Finding("value-beyond-model", "error",
                                f"{too_long} (from {setting.source})."))
    return findings


@functools.lru_cache(maxsize=64)
def _defaults(release: Release) -> EffectiveConfig:
    """nova's defaults for ``release`` (oslo.config builds them once per release; the
    result is only read)."""
    return load_config(release)


def _observed(segment: Segment, monitor: Any) -> list[ObservedStep]:
    steps = []
    for event in segment.of("downtime_step"):
        when = event.get("timestamp")
        elapsed = None
        if when is not None and monitor is not None:
            elapsed = (when - monitor).total_seconds()
        steps.append(ObservedStep(when, int(event["after_s"]), int(event["downtime_ms"]),
                                  elapsed))
    return steps


def _iterations(segment: Segment, monitor: Any) -> list[float]:
    if monitor is None:
        return []
    marks = []
    events, times = segment.events, segment.times()
    for position in segment.positions("progress", "downtime_state"):
        # a folded run of repeated monitor lines: its first and its last iteration
        when = times[position]
        if when is not None:
            marks.append((when - monitor).total_seconds())
        when = events[position].get("last_timestamp")
        if when is not None:
            marks.append((when - monitor).total_seconds())
    return marks


def _size(segment: Segment, config: EffectiveConfig, python: int, options: Options,
          observed: list[ObservedStep], state_ramp: list[Step] | None,
          ) -> tuple[float | None, str, list[Finding]]:
    """data_gb and its source: flags, else the DEBUG step list, the completion-timeout limit,
    the step spacing, the progress memory total (in that order of trust)."""
    findings: list[Finding] = []
    if options.memory_mb is not None:
        sizes = [int(gb * GI) for gb in options.disk_gb]
        return data_gb(options.memory_mb, sizes, python), "--memory-mb", findings
    delay = config.value("live_migration_downtime_delay") or 75
    evidence: list[infer.SizeEvidence] = []
    if state_ramp and len(state_ramp) > 1:
        listed = infer.Interval(state_ramp[1][0], ())
        evidence.append(infer.from_interval(listed, delay))
        evidence[-1] = infer.SizeEvidence(evidence[-1].low, evidence[-1].high,
                                          f"DEBUG step list ({state_ramp[1][0]} s per step) "
                                          f"/ delay {delay}")
    timeout = segment.first("completion_timeout")
    ct = config.value("live_migration_completion_timeout")
    if timeout is not None and ct:
        found = infer.from_completion_limit(int(timeout["limit_s"]), ct)
        if found:
            evidence.append(found)
    interval = infer.step_interval([s.after_s for s in observed])
    if interval is not None:
        evidence.append(infer.from_interval(interval, delay))
    progress = segment.first("progress")
    if progress is not None and progress.get("total_bytes"):
        data = segment.first("live_migration_data")
        block = bool(data and data.get("block_migration")) or bool(
            progress.get("disk_total_bytes"))
        found = infer.from_memory_total(int(progress["total_bytes"]), block)
        if found:
            evidence.append(found)
    value, source, disagree = infer.choose(evidence, python)
    for other in disagree:
        findings.append(Finding(
            "data-gb-sources-disagree", "warning",
            f"data_gb from {source} does not agree with {other.source} "
            f"({other.low:.3g}–{other.high:.3g} GiB)."))
    return value, source, findings


def _source_row(segment: Segment, facts: HostFacts, options: Options) -> dict[str, Any]:
    start, monitor, tolerance = _starts(segment)
    outcome, ended, error = _outcome(segment)
    end = ended if ended is not None else segment.last_time()
    start_seen, end_seen = _start_seen(segment), outcome != "unknown"
    duration, duration_min, basis = _duration(segment, start, end, start_seen, end_seen)
    release, variants, release_label, release_source, notes = _release(segment, facts, options,
                                                                        start)
    config, findings, running = _config(
        segment, facts, release, options, start,
        release_source == "--release" or release_source.startswith("Starting compute node"))
    observed = _observed(segment, monitor)
    state = segment.first("downtime_state")
    state_ramp = infer.observed_ramp_from_state(state["steps"]) if state is not None and \
        state.get("steps") else None
    python = variants[0].python if variants else release.default_python
    size, size_source, size_findings = _size(segment, config, python, options, observed,
                                             state_ramp)
    findings += size_findings
    row: dict[str, Any] = {
        "instance": segment.instance or None,
        "migration_uuid": None,
        "source_host": segment.host,
        "dest_host": _dest_host(segment),
        "dest_log_host": None,
        "start": iso(start),
        "end": iso(end),
        "start_seen": start_seen,
        "end_seen": end_seen,
        "duration_s": duration,
        "duration_min_s": duration_min,
        "outcome": outcome,
        "error": error,
        "error_class": error_class(error, segment),
        "release": release_label,
        "release_source": release_source,
    }
    data = segment.first("live_migration_data")
    if data is not None:
        row["migration_uuid"] = data.get("migration_uuid")
    row.update(_flags(segment, config))
    timeout_events = segment.of("completion_timeout")
    row["timeout_hit"] = bool(timeout_events)
    row["timeout_limit_s"] = int(timeout_events[0]["limit_s"]) if timeout_events else None

    comparison, variant, ramp = _compare(release, variants, config, size, observed,
                                         _iterations(segment, monitor), tolerance, options,
                                         state_ramp)
    row["observed_steps"] = [
        {"time": iso(s.time), "after_s": s.after_s, "downtime_ms": s.downtime_ms,
         "lag_s": s.lag_s} for s in observed]
    row["predicted_steps"] = _steps_json(tuple(ramp))
    row["final_downtime_ms"] = observed[-1].downtime_ms if observed else None
    row["data_gb"] = {"value": size, "source": size_source or None}
    row["config"] = config.as_dict()
    row["config_source"] = ("declared" if options.declared.given else
                            "startup dump" if running is not None else "release defaults")
    row["variant"] = str(variant) if variant else None
    row["ramp_verdict"] = _verdict(release, observed, comparison, size, ramp)
    row["ramp_end_s"] = ramp_end_s(ramp) if ramp else None
    predicted_limit = completion_timeout_s(config.value("live_migration_completion_timeout")
                                           or 0, size) if size else None
    row["predicted_timeout_s"] = predicted_limit or None
    row["inferred"] = _inferred(observed, state_ramp, variants, config, size)
    proved = behaviour.implied(segment, facts.startup_before(start),
                               release.has_timeout_action, size, size_source, row["paused"])
    for item in proved:  # the evidence is in the config-implied-by-behaviour finding
        row["inferred"][item.option] = item.value
    findings += behaviour.contradictions(proved, config, size)
    row["switchover"] = None
    row["progress"] = _progress(segment)
    row["progress_series"] = _series(segment, start)
    row["markers"] = _markers(segment, start)
    findings += comparison.findings if comparison else []
    findings += _outcome_findings(segment, row, config, predicted_limit, basis)
    findings += [Finding("note", "info", n) for n in notes]
    if row["ramp_verdict"] == "mismatch" and row["inferred"].get("downtime") is not None:
        inferred = row["inferred"]
        findings.append(Finding(
            "config-inferred", "info",
            f"this host behaves as if live_migration_downtime={inferred['downtime']}, "
            f"steps={inferred['steps']}" + (f", delay={inferred['delay']}"
                                            if inferred.get("delay") else "")
            + f" ({inferred['variant']}, a step every {inferred['step_interval_s']} s)."))
    row["findings"] = [f.to_json() for f in findings]
    row["events"] = segment.lines()  # lines, folded or not
    row["_events"] = list(segment.events)  # for `show`; renderers drop "_" keys
    return row


@functools.lru_cache(maxsize=256)
def _steps_json(ramp: tuple[tuple[int, int], ...]) -> list[dict[str, int]]:
    """A ramp as the contract's ``predicted_steps``: one list per distinct ramp, shared by
    the migrations that predict it (read-only)."""
    return [{"after_s": a, "downtime_ms": d} for a, d in ramp]


def _start_seen(segment: Segment) -> bool:
    """Whether the migration's first line is in the log: a start marker, or the monitor's
    first iteration (step 0, ``Migration running for 0 secs``)."""
    return segment.first(*START_KINDS) is not None or bool(_first_iteration(segment))


# nova's own elapsed-time counters: (kind, field, what the line says)
COUNTERS = (("completion_timeout", "limit_s", "'Live migration not completed after {} sec'"),
            ("progress_timeout", "secs", "'Live migration stuck for {} sec'"),
            ("progress", "secs", "'Migration running for {} secs'"),
            ("downtime_step", "after_s", "a step due 'after {} sec'"),
            ("downtime_state", "elapsed_s", "'elapsed {}'"))


def _duration(segment: Segment, start: Any, end: Any, start_seen: bool, end_seen: bool
              ) -> tuple[float | None, float | None, str | None]:
    """(duration, lower bound, what the bound rests on). The duration only when both ends
    are in the log; else the strongest lower bound nova's own counters give (the elapsed
    time a line states plus the time from it to the migration's last line), or the span of
    the lines seen. nova's counters never run ahead of the real elapsed time (docs/nova.md §2,
    §6)."""
    span = (end - start).total_seconds() if start is not None and \
        end is not None else None
    if start_seen and end_seen:
        return (round(span, 3) if span is not None else None), None, None
    bounds: list[tuple[float, str]] = []
    if span is not None:
        bounds.append((span, "the span of the lines seen"))
    for event in segment.events:
        for kind, name, text in COUNTERS:
            value = event.get(name) if event["kind"] == kind else None
            if not value:
                continue
            when = event.get("timestamp")
            rest = (end - when).total_seconds() if when is not None and \
                end is not None else 0.0
            bounds.append((value + max(rest, 0.0), "nova's " + text.format(value) + (
                f" + {rest:.1f} s to the migration's last line" if rest >= 0.05 else "")))
    if not bounds:
        return None, None, None
    value, basis = max(bounds)
    return None, round(value, 3), basis


def error_class(error: str | None, segment: Segment) -> str | None:
    """A short class of a migration's error for grouping: the exception oslo.log's summary
    names, a timeout, a cancel, or the error's most telling phrase."""
    if segment.first("completion_timeout") is not None and (
            not error or any(m in error for m in CANCEL_MARKERS)):
        return "timeout" if error or segment.first("operation_cancelled") else None
    if not error:
        return None
    for phrase in ("Host key verification failed", "Failed to verify peer's certificate",
                   "End of file while reading data", "domain is not running",
                   "qemu unexpectedly closed the monitor", "Unable to read from monitor",
                   "canceled by client", "Connection refused", "Connection reset by peer",
                   "No route to host", "Permission denied"):  # the cause before its symptom
        if phrase in error:
            return phrase
    summary = error_summary(error)
    if summary:
        return summary.rsplit(".", 1)[-1]
    head = error.split(":", 1)[0].strip()
    return head[:60] or None


def _flags(segment: Segment, config: EffectiveConfig) -> dict[str, Any]:
    switch = segment.first("postcopy_switch")
    postcopy_event = next((e for e in segment.of("lifecycle")
                           if e.get("state") == "Postcopy started"), None)
    post_copy = switch is not None or postcopy_event is not None
    timeouts = segment.of("completion_timeout")
    cancelled = segment.first("operation_cancelled") is not None
    paused = False
    if timeouts and not post_copy and not cancelled:
        after = timeouts[0].get("timestamp")
        pauses = [e for e in segment.of("lifecycle") if e.get("state") == "Paused"
                  and e.get("timestamp") is not None and after is not None
                  and e["timestamp"] >= after]
        paused = len(timeouts) > 1 or bool(pauses) or bool(
            segment.first("force_complete_pause_failed"))
    when = (switch or postcopy_event or {}).get("timestamp")
    return {"post_copy": post_copy, "post_copy_at": iso(when), "paused": paused}


def _compare(release: Release, variants: list[Variant], config: EffectiveConfig,
             size: float | None, observed: list[ObservedStep], iterations: list[float],
             tolerance: float, options: Options, state_ramp: list[Step] | None,
             ) -> tuple[RampComparison | None, Variant | None, list[Step]]:
    """Predict with each allowed variant; keep the first that matches, else the first."""
    application = release.step_application
    if application is None or not variants:
        return None, None, []
    downtime = config.value("live_migration_downtime")
    steps = config.value("live_migration_downtime_steps")
    delay = config.value("live_migration_downtime_delay")
    if downtime is None or steps is None or delay is None or size is None \
            or beyond_model("live_migration_downtime_steps", steps):
        return None, variants[0], []
    best: tuple[RampComparison | None, Variant | None, list[Step]] = (None, None, [])
    matched: list[tuple[RampComparison, Variant, list[Step]]] = []
    for variant in variants:
        ramp = predicted_ramp(downtime, steps, delay, size, variant)
        if not observed:
            return None, variant, ramp
        result = compare_ramp(ramp, observed, application, iterations, tolerance,
                              options.late_threshold_s)
        if state_ramp is not None and state_ramp != ramp:
            result.findings.append(Finding(
                "step-list-mismatch", "error",
                f"nova's own DEBUG step list {state_ramp[:3]}… differs from the predicted "
                f"ramp {ramp[:3]}…"))
            result.verdict = "mismatch"
        if best[0] is None:
            best = (result, variant, ramp)
        if result.verdict == "match":
            matched.append((result, variant, ramp))
    if not matched:
        return best
    result, variant, ramp = matched[0]
    if len(variants) > 1:
        names = " and ".join(str(v) for _, v, _ in matched)
        result.findings.append(Finding(
            "variant-matched", "info",
            f"the release evidence allows {', '.join(str(v) for v in variants)}; the logged "
            f"ramp matches {names}" + (" (indistinguishable here)." if len(matched) > 1
                                       else ".")))
    return result, variant, ramp


@functools.lru_cache(maxsize=4096)
def _ramp(downtime: int, steps: int, delay: int, size: float, variant: Variant | str
          ) -> tuple[Step, ...]:
    return tuple(downtime_steps(downtime, steps, delay, size, variant))


def predicted_ramp(downtime: int, steps: int, delay: int, size: float,
                   variant: Variant | str) -> list[Step]:
    """:func:`nova.ramp.downtime_steps`, computed once per distinct configuration and guest
    size (a fleet's thousands of migrations share a few dozen); a new list each call."""
    return list(_ramp(downtime, steps, delay, size, variant))


def _verdict(release: Release, observed: list[ObservedStep],
             comparison: RampComparison | None, size: float | None,
             ramp: list[Step]) -> str:
    if not observed:
        return "no_ramp"
    if comparison is None:
        return "unknown_config" if size is None or not ramp else "no_ramp"
    return comparison.verdict


def _inferred(observed: list[ObservedStep], state_ramp: list[Step] | None,
              variants: list[Variant], config: EffectiveConfig, size: float | None,
              ) -> dict[str, Any]:
    """The configuration the logged ramp implies (downtime, steps, interval, delay)."""
    out: dict[str, Any] = {"downtime": None, "steps": None, "step_interval_s": None,
                           "delay": None, "variant": None, "downtime_range": None,
                           "alternatives": []}
    pairs: Sequence[tuple[int, int]] = state_ramp or [(s.after_s, s.downtime_ms)
                                                     for s in observed]
    interval = infer.step_interval([a for a, _ in pairs])
    if interval is None:
        return out
    out["step_interval_s"] = interval.value
    indexed = [(i, ms) for i, (_, ms) in zip(interval.indices, pairs, strict=True)]
    allowed = [v for v in variants if v in Variant] or list(Variant)
    found = infer.candidates(indexed, allowed)
    others = [v for v in Variant if v not in allowed and v is not Variant.EXPONENTIAL]
    if not found or len(found) < 3:
        found += infer.candidates(indexed, others)
    if not found:
        found = infer.candidates(indexed, [Variant.EXPONENTIAL])
    if state_ramp:
        found = [c for c in found if c.steps == len(state_ramp) - 1] or found
    if not found:
        return out
    declared_downtime = config.value("live_migration_downtime")
    declared_steps = config.value("live_migration_downtime_steps")
    found.sort(key=lambda c: (c.variant not in variants, c.steps != declared_steps,
                              not (c.downtime_low <= (declared_downtime or -1) <= c.downtime_high),
                              abs(c.steps - 10)))
    best = found[0]
    out.update(downtime=best.downtime(declared_downtime), steps=best.steps,
               variant=str(best.variant),
               downtime_range=[best.downtime_low, best.downtime_high])
    if size:
        # nova: int(delay * data_gb) == interval, so delay lies in [interval / data_gb,
        # (interval + 1) / data_gb); search that window (one wider each side for float
        # rounding) with nova's own expression
        low, high = int(interval.value / size) - 1, int((interval.value + 1) / size) + 1
        delays = [d for d in range(max(3, low), min(10_000, high) + 1)
                  if int(d * size) == interval.value]
        if delays:
            declared_delay = config.value("live_migration_downtime_delay")
            out["delay"] = declared_delay if declared_delay in delays else delays[0]
    out["alternatives"] = [
        {"variant": str(c.variant), "steps": c.steps,
         "downtime_range": [c.downtime_low, c.downtime_high]} for c in found[1:4]]
    return out


def _progress(segment: Segment) -> dict[str, Any] | None:
    lines = segment.of("progress")
    if not lines:
        return None
    last = lines[-1]
    return {"lines": len(lines), "last_secs": last.get("secs"),  # int fields (grammar)
            "last_remaining_pct": last.get("remaining_pct"),
            "memory_total_bytes": last.get("total_bytes"),
            "memory_processed_bytes": last.get("processed_bytes")}


MAX_SERIES = 24
MARKER_KINDS = {"completion_timeout": "completion timeout", "postcopy_switch": "post-copy",
                "operation_completed": "completed", "operation_cancelled": "cancelled",
                "operation_aborted": "aborted", "live_migration_failure": "failure",
                "monitor_started": "monitor start"}


def _offset(event: Mapping[str, Any], start: Any) -> float | None:
    when = event.get("timestamp")
    if when is None or start is None:
        return None
    return round((when - start).total_seconds(), 3)


def _series(segment: Segment, start: Any) -> list[list[float]]:
    """``[[seconds after start, memory remaining %], …]`` from the progress lines, thinned
    to at most ``MAX_SERIES`` points (the report draws it): the points are chosen first,
    then only the chosen ones computed."""
    if start is None:
        return []
    events, times = segment.events, segment.times()
    points = [(at, pct) for p in segment.positions("progress")
              if (at := times[p]) is not None
              and (pct := events[p].get("remaining_pct")) is not None]
    if len(points) > MAX_SERIES:
        stride = len(points) / MAX_SERIES
        points = [points[int(i * stride)] for i in range(MAX_SERIES)] + [points[-1]]
    return [[round(round((at - start).total_seconds(), 3), 1), int(pct)]
            for at, pct in points]


def _markers(segment: Segment, start: Any) -> list[list[Any]]:
    """``[[seconds after start, label], …]``: lifecycle, timeout, post-copy and outcome
    lines, for the report's drill-down (repeated force-complete warnings once)."""
    out: list[list[Any]] = []
    if start is None:
        return out
    seen: set[str] = set()
    events, times = segment.events, segment.times()
    for position, kind in segment.kinds_at("lifecycle", *MARKER_KINDS):
        when = times[position]
        label = (f"VM {events[position].get('state')}" if kind == "lifecycle"
                 else MARKER_KINDS[kind])
        if when is None or label in seen:
            continue
        seen.add(label)
        out.append([round((when - start).total_seconds(), 3), label])
    return out


def _outcome_findings(segment: Segment, row: dict[str, Any], config: EffectiveConfig,
                      predicted_limit: int | None, basis: str | None) -> list[Finding]:
    out: list[Finding] = []
    if row["timeout_hit"]:
        action = config.value("live_migration_timeout_action") or "abort"
        out.append(Finding(
            "completion-timeout-hit", "warning",
            f"the completion timeout hit: nova logged 'Live migration not completed after "
            f"{row['timeout_limit_s']} sec' and then "
            + ("switched to post-copy." if row["post_copy"] else
               "paused the guest to force completion." if row["paused"] else
               f"acted on timeout_action={action}.")))
        if predicted_limit and row["timeout_limit_s"] != predicted_limit:
            out.append(Finding(
                "timeout-limit-mismatch", "error",
                f"nova's completion-timeout limit was {row['timeout_limit_s']} s; the "
                f"configuration predicts {predicted_limit} s "
                f"(live_migration_completion_timeout × data_gb)."))
    if row["paused"]:
        out.append(Finding(
            "force-complete-paused", "warning",
            "force-complete paused the guest (post-copy not permitted): the guest stood still "
            "until the remaining memory was copied."))
    if row["post_copy"]:
        out.append(Finding("post-copy-switch", "info",
                           f"switched to post-copy at {row['post_copy_at'] or 'an unknown time'}."))
    observed = row["observed_steps"]
    predicted = row["predicted_steps"]
    if observed and predicted and observed[-1]["downtime_ms"] == predicted[-1]["downtime_ms"] \
            and (row["outcome"] in ("cancelled", "failed") or row["timeout_hit"]):
        helpers = []  # never advise what the migration already used or had permitted
        used = row["inferred"]
        if not (config.value("live_migration_permit_post_copy") or row["post_copy"]
                or used.get(behaviour.POST_COPY)):
            helpers.append("post-copy (live_migration_permit_post_copy)")
        if not (config.value("live_migration_permit_auto_converge")
                or used.get(behaviour.AUTO_CONVERGE)):
            helpers.append("auto-converge (live_migration_permit_auto_converge)")
        out.append(Finding(
            "ramp-max-not-converged", "warning",
            f"the ramp reached its maximum {observed[-1]['downtime_ms']} ms and the migration "
            f"still did not converge ({row['outcome']})"
            + (f": {' or '.join(helpers)} would help." if helpers else ".")))
    if row["outcome"] == "unknown":
        if segment.closed_by_next:
            out.append(Finding("no-outcome-before-next", "warning",
                               "no outcome was logged before the next migration of this "
                               "instance started on this host."))
        else:
            bound = row["duration_min_s"]
            out.append(Finding("log-ends-mid-migration", "warning",
                               "the log ends before this migration's outcome" + (
                                   f": it ran for at least {math.floor(bound)} s ({basis})."
                                   if bound is not None and basis else ".")))
    if segment.events and not _start_seen(segment):
        bound = row["duration_min_s"]
        out.append(Finding("log-starts-mid-migration", "info",
                           "the log starts after this migration began: its start is the first "
                           "line seen" + (f"; it lasted at least {math.floor(bound)} s "
                                          f"({basis})." if bound is not None and basis
                                          else ".")))
    return out

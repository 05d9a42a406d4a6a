"""The log lines one live migration produces on both hosts, as a given nova release writes them.

Given *when* things happen (the monitor's iteration times, when the job converges, stalls), it
replays nova's monitor loop (docs/nova.md §2, §3.3, §6; docs/nova-history.md): pre-migration
lines, the ramp through ``update_downtime`` (Newton+) or one pop per iteration (Liberty/Mitaka),
the DEBUG step list, progress lines every 10th iteration (INFO every 60th, ``secs`` =
iterations / 2 before Wallaby; master: every ``live_migration_monitor_interval / 0.5``
iterations, INFO when 30 s passed since the last INFO one), Liberty–Rocky's progress
("stuck") timeout with its ``Data remaining … low watermark`` lines, the completion timeout
and its action, the switch-over lifecycle events (``VM Paused`` at a post-copy switch before
Rocky), the outcome, 32.2.0/33+'s re-raised operation error and the post-migration lines.
Each line carries the logger of its release. The simulator decides the timing; this module
only narrates.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from loganalyzer.logs.catalog import BY_ID
from loganalyzer.logs.writer import Record, render_message
from loganalyzer.nova.ramp import Step, StepReplay, downtime_steps
from loganalyzer.nova.releases import Release, StepApplication
from loganalyzer.nova.settings import Settings
from loganalyzer.nova.sizing import completion_timeout_s

CANCEL_ERROR = ("operation aborted: migration job: canceled by client: libvirtError: "
                "operation aborted: migration job: canceled by client")
LIBVIRT_CANCELLED = "operation aborted: migration job: canceled by client"
# libvirt's abortJob on a domain whose job already ended (qemuDomainAbortJob)
NO_JOB_ERROR = "Requested operation is not valid: no job is active on the domain"


@dataclass
class Script:
    """Everything about one migration that shows in the logs."""

    release: Release
    start: datetime  # the monitor's start, source clock
    iterations: list[float]  # elapsed times of the monitor's UNBOUNDED iterations
    converge_at: float | None  # elapsed when the job completes (None: it does not)
    data_gb: float
    settings: Settings = field(default_factory=Settings)  # the [libvirt] options in force
    python: int = 3
    minor: int = 0
    instance: str = field(default_factory=lambda: str(uuid.uuid4()))
    source_host: str = "compute-1"
    dest_host: str = "compute-2"
    request_id: str = field(default_factory=lambda: f"req-{uuid.uuid4()}")
    user: str = "3de117d20e5b45c1ba86c8136c841ef3"
    project: str = "eab438b17a2a4575a3abff1f78afc4ff"
    memory_bytes: int = 4 * 1073741824
    dest_clock_offset_s: float = 0.0
    failure: str | None = None  # a "Live Migration failure" error text: the job fails
    postcopy_duration_s: float = 3.0
    pause_duration_s: float = 8.0
    auto_postcopy_at: float | None = None  # Newton–Rocky's automatic switch (elapsed)
    # (elapsed) -> (processed, remaining) memory bytes, for the progress lines
    memory_at: Callable[[float], tuple[int, int]] | None = None
    source_pid: int = 4242
    dest_pid: int = 5151
    monitor_interval_s: int = 5  # live_migration_monitor_interval (master only)
    # live_migration_progress_timeout; None: the release's default (150 s in 12–14, 0 after)
    progress_timeout_s: int | None = None

    @property
    def progress_timeout(self) -> int:
        """The progress ("stuck") timeout in force: 0 when the release has none."""
        if not self.release.has_stuck_timeout:
            return 0
        if self.progress_timeout_s is not None:
            return self.progress_timeout_s
        return self.release.default_progress_timeout_s

    @property
    def ramp(self) -> list[Step]:
        variant = self.release.variant(self.python)
        if variant is None:
            return []
        o = self.settings
        return downtime_steps(o.downtime, o.steps, o.delay, self.data_gb, variant)


@dataclass
class Narration:
    """Records per host, in time order."""

    source: list[Record] = field(default_factory=list)
    dest: list[Record] = field(default_factory=list)
    outcome: str = "unknown"
    end_elapsed: float | None = None


class _Writer:
    def __init__(self, script: Script) -> None:
        self.s = script
        self.n = Narration()

    def at(self, elapsed: float, side: str = "source") -> datetime:
        when = self.s.start + timedelta(seconds=elapsed)
        if side == "dest":
            when += timedelta(seconds=self.s.dest_clock_offset_s)
        return when

    def log(self, elapsed: float, message_id: str, fields: dict[str, Any] | None = None,
            side: str = "source", level: str | None = None, context: bool = True,
            summary: str | None = None) -> None:
        """One record; ``summary`` is oslo.log's ``: Class: text`` of the exception being
        handled (WARNING and above), appended to the message."""
        message = BY_ID[message_id]
        text = render_message(message, fields or {})
        if summary:
            text += f": {summary}"
        s = self.s
        lost = side == "source" and s.release.source_context_lost
        record = Record(
            when=self.at(elapsed, side), level=level or message.levels[0],
            logger=message.logger_in(s.release.major), message=text,
            pid=s.source_pid if side == "source" else s.dest_pid,
            instance=s.instance if message.instance_tag else None,
            request_id=s.request_id if context and not lost else None,
            user=s.user, project=s.project, major=s.release.major,
            site_packages="/usr/lib/python2.7/site-packages" if s.python == 2
            else "/usr/lib/python3/dist-packages")
        (self.n.source if side == "source" else self.n.dest).append(record)

    def lifecycle(self, elapsed: float, state: str, side: str) -> None:
        key = f"lifecycle_{state.lower().replace(' ', '_')}"
        self.log(elapsed, key, side=side, context=False)


def narrate(script: Script) -> Narration:
    """The lines of one migration on both hosts."""
    w = _Writer(script)
    s, release = script, script.release
    if release.logs_pre_live_migration_time:
        w.log(-0.25, "pre_live_migration_took", {"took_s": 1.37, "dest_host": s.dest_host})
    w.log(-0.05, "monitor_started")
    if release.major >= 18:
        w.log(-0.04, "migrate_api_invoked")
    w.lifecycle(0.2, "Started", "dest")
    ramp = script.ramp
    limit = completion_timeout_s(s.settings.completion_timeout, s.data_gb)
    application = release.step_application
    stepper = StepReplay(ramp, application) if application is not None else None
    steps_text = str([tuple(step) for step in ramp])  # as nova prints its list: [(0, 50), ...]
    postcopy = paused = False
    converge = s.converge_at
    outcome, end = "unknown", None
    watch = _Watermark(script.progress_timeout)
    cadence = _Cadence(release, s.monitor_interval_s)
    for count, elapsed in enumerate(s.iterations):
        if converge is not None and elapsed >= converge:
            outcome, end = ("failed" if s.failure else "completed"), converge
            break
        aborting = False
        remaining = _memory(s, elapsed, converge)[1]
        if watch.stuck(elapsed, remaining) and not postcopy:
            # Liberty–Rocky should_abort: no new low of data remaining for progress_timeout
            w.log(elapsed, "progress_timeout", {"secs": int(elapsed - watch.since)})
            aborting = True
        if limit and not postcopy and elapsed > limit and release.major >= 12 and not aborting:
            w.log(elapsed, "completion_timeout", {"limit_s": limit})
            action = s.settings.timeout_action if release.has_timeout_action else "abort"
            if action == "abort":
                aborting = True  # abort_job(); update_downtime still runs this iteration
            elif s.settings.post_copy and release.has_post_copy:
                w.log(elapsed + 0.5, "postcopy_switch")
                w.lifecycle(elapsed + 0.6, _postcopy_state(release), "source")
                w.lifecycle(elapsed + 0.7, "Resumed", "dest")
                postcopy = True
                converge = min(converge or float("inf"), elapsed + s.postcopy_duration_s)
            elif not paused:
                w.lifecycle(elapsed + 0.1, "Paused", "source")
                paused = True
                converge = min(converge or float("inf"), elapsed + s.pause_duration_s)
        if s.auto_postcopy_at is not None and not postcopy and elapsed >= s.auto_postcopy_at \
                and release.has_auto_post_copy_switch and not aborting:
            w.log(elapsed, "postcopy_switch")
            w.lifecycle(elapsed + 0.1, _postcopy_state(release), "source")
            w.lifecycle(elapsed + 0.2, "Resumed", "dest")
            postcopy = True
            converge = min(converge or float("inf"), elapsed + s.postcopy_duration_s)
        if stepper is not None:
            if application is StepApplication.UPDATE_DOWNTIME:
                w.log(elapsed, "downtime_state", {"current_ms": str(stepper.current),
                                                  "elapsed_s": elapsed, "steps": steps_text},
                      level="DEBUG")
            applied = stepper.feed(elapsed)
            if applied is not None:
                form = "downtime_step_compact" if not release.downtime_message_has_space \
                    else "downtime_step"
                w.log(elapsed, form, {"downtime_ms": applied.downtime_ms,
                                      "after_s": applied.after_s})
        level = cadence.level(count, elapsed)
        if level is not None:
            _progress(w, elapsed, count, converge, level, watch)
        if aborting:
            outcome, end = "cancelled", elapsed + 0.5
            break
    w.n.outcome, w.n.end_elapsed = outcome, end
    _finish(w, outcome, end, postcopy or paused, resumed=postcopy)
    w.n.source.sort(key=lambda r: r.when)
    w.n.dest.sort(key=lambda r: r.when)
    return w.n


def _postcopy_state(release: Release) -> str:
    """The source's lifecycle event at a post-copy switch: libvirt sends SUSPENDED with the
    POSTCOPY detail; host.py maps it to ``Postcopy started`` from Rocky 18.0.0 and, like
    every SUSPENDED event, to ``Paused`` in Newton–Queens (14.0.0–17.x host.py)."""
    return "Postcopy started" if release.major >= 18 else "Paused"


class _Watermark:
    """Liberty–Rocky's progress watermark (12.0.0 driver.py _live_migration_monitor, 14.0.0+
    migration.should_abort): the lowest data remaining so far and when it was reached."""

    def __init__(self, timeout_s: int) -> None:
        self.timeout_s = timeout_s
        self.low: int | None = None
        self.since = 0.0

    def stuck(self, elapsed: float, remaining: int) -> bool:
        """Update with this iteration's data remaining; True when it has not reached a new
        low for longer than the timeout (never when the timeout is 0)."""
        if self.low is None or self.low > remaining:
            self.low, self.since = remaining, elapsed
        return bool(self.timeout_s) and elapsed - self.since > self.timeout_s


class _Cadence:
    """When the monitor logs its progress line and at which level: every 10th iteration, at
    INFO every 60th (Kilo–33.x driver.py); master (48ea13af2f, in no release yet) logs every
    ``int(live_migration_monitor_interval / 0.5)`` iterations, at INFO only when 30 s passed
    since the last INFO line (none before the first 30 s)."""

    def __init__(self, release: Release, monitor_interval_s: int) -> None:
        self.master = release.major >= 34
        self.every = max(1, int(monitor_interval_s / 0.5)) if self.master else 10
        self.last_info = 0.0

    def level(self, count: int, elapsed: float) -> str | None:
        if count % self.every:
            return None
        if not self.master:
            return "INFO" if count % 60 == 0 else "DEBUG"
        if elapsed - self.last_info >= 30:
            self.last_info = elapsed
            return "INFO"
        return "DEBUG"


def _memory(s: Script, elapsed: float, converge: float | None) -> tuple[int, int]:
    """(processed, remaining) memory bytes at ``elapsed``: the simulator's, else a steady
    fall to the convergence time."""
    if s.memory_at is not None:
        return s.memory_at(elapsed)
    total = s.memory_bytes
    horizon = converge if converge else max(elapsed * 2, 60.0)
    remaining = int(total * max(0.01, 1 - min(elapsed / horizon, 0.99)))
    return total - remaining + int(elapsed) * 1048576, remaining


def _progress(w: _Writer, elapsed: float, count: int, converge: float | None, level: str,
              watch: _Watermark) -> None:
    s = w.s
    secs = int(elapsed) if s.release.progress_secs_is_elapsed else count // 2
    total = s.memory_bytes
    processed, remaining = _memory(s, elapsed, converge)
    # nova: round(remaining * 100 / total): floor division first under Python 2
    remaining_pct = (remaining * 100 // total if s.python == 2
                     else round(remaining * 100 / total)) if total else 100
    fields = {"secs": secs, "remaining_pct": remaining_pct, "processed_bytes": processed,
              "remaining_bytes": remaining, "total_bytes": total,
              "disk_remaining_pct": 100, "disk_processed_bytes": 0, "disk_remaining_bytes": 0,
              "disk_total_bytes": 0}
    message = "progress_disk" if s.release.progress_has_disk else "progress"
    w.log(elapsed + 0.001, message, fields, level=level)
    if s.release.has_stuck_timeout and watch.low is not None and remaining > watch.low:
        # Liberty–Rocky: data remaining above its low watermark, at the progress line's level
        w.log(elapsed + 0.002, "data_remaining",
              {"remaining_bytes": remaining, "watermark_bytes": watch.low,
               "secs": int(elapsed - watch.since)}, level=level)


def _finish(w: _Writer, outcome: str, end: float | None, forced: bool,
            resumed: bool = False) -> None:
    """The outcome's lines; ``resumed``: the destination guest already runs (post-copy:
    libvirt's RESUMED/POSTCOPY event came at the switch)."""
    s, release = w.s, w.s.release
    if end is None:
        return
    if outcome == "completed":
        if not forced:
            state = "Migration completed" if release.migration_completed_event(s.minor) \
                else "Paused"
            w.lifecycle(end - 0.4, state, "source")
        if not resumed:
            w.lifecycle(end - 0.3, "Resumed", "dest")
        w.log(end, "operation_completed")
        w.log(end + 0.01, "post_live_migration_started")
        w.log(end + 0.6, "post_operation_started", side="dest")
        w.log(end + 2.0, "migration_succeeded", {"dest_host": s.dest_host})
        w.log(end + 2.01, "monitor_done")
        w.lifecycle(end + 15.1, "Stopped", "source")
    elif outcome == "cancelled":
        w.log(end, "operation_cancelled")
        w.log(end + 0.2, "live_migration_failure", {"error": CANCEL_ERROR})
        _reraised(w, end + 0.3, LIBVIRT_CANCELLED)
        w.log(end + 0.5, "monitor_done")
    elif outcome == "failed":
        w.log(end - 0.2, "live_migration_failure", {"error": s.failure})
        w.log(end, "operation_aborted")
        _reraised(w, end + 0.3, str(s.failure))
        w.log(end + 0.5, "monitor_done")
    if outcome in ("cancelled", "failed") and release.reraises_operation_errors(s.minor):
        error = LIBVIRT_CANCELLED if outcome == "cancelled" else str(s.failure)
        w.log(end + 0.55, "live_migration_failed", summary=f"libvirt.libvirtError: {error}")


def _reraised(w: _Writer, at: float, error: str) -> None:
    """32.2.0 and 33.0.0+ (bf1201cc57) collect the operation thread's result after the
    monitor: its libvirt error is logged as ``Error monitoring migration`` (with a traceback,
    not written here), the job abort that follows finds no job (``Failed to cancel
    migration``, then ``Error occurred when trying to abort …``), and the error re-raised
    reaches the manager's ``Live migration failed.`` (after ``monitor_done``). Each carries
    oslo.log's summary of the libvirt error being handled."""
    s = w.s
    if not s.release.reraises_operation_errors(s.minor):
        return
    w.log(at, "monitor_error", {"error": error}, summary=f"libvirt.libvirtError: {error}")
    no_job = f"libvirt.libvirtError: {NO_JOB_ERROR}"
    w.log(at + 0.05, "cancel_failed", {"error": NO_JOB_ERROR}, summary=no_job)
    w.log(at + 0.06, "abort_after_error_failed", summary=no_job)


def iterations(duration_s: float, stalls: dict[float, float] | None = None,
               interval_s: float = 0.5, first_s: float = 0.6) -> list[float]:
    """Elapsed times of a monitor loop: every ``interval_s`` from ``first_s``; ``stalls``
    maps an elapsed time to a pause (seconds) the loop took there (slow DB save, eventlet
    starvation)."""
    times, now = [], first_s
    pending = sorted((stalls or {}).items())
    while now <= duration_s:
        times.append(round(now, 3))
        now += interval_s
        while pending and now >= pending[0][0]:
            now += pending.pop(0)[1]
    return times


def startup(release: Release, when: datetime, values: dict[str, object], version: str,
            config_files: str = "['/etc/nova/nova.conf']", pid: int = 4242) -> list[Record]:
    """What nova-compute logs when it starts with ``debug = True``: the oslo.config dump of
    every option (docs/nova.md §1, names padded to 30 columns) and ``Starting compute node``."""
    def record(offset: float, message_id: str, text: str, level: str = "DEBUG") -> Record:
        message = BY_ID[message_id]
        return Record(when + timedelta(seconds=offset), level, message.logger, text, pid=pid,
                      major=release.major)

    out = [record(0.0, "config_files", f"config files: {config_files}")]
    for i, (name, value) in enumerate(sorted(values.items())):
        label = name if name == "max_concurrent_live_migrations" else f"libvirt.{name}"
        message_id = "config_option_default" if name == "max_concurrent_live_migrations" \
            else "config_option"
        out.append(record(0.001 * (i + 1), message_id, f"{label:<30} = {value}"))
    level = "AUDIT" if release.major <= 10 else "INFO"
    out.append(record(0.5, "compute_start", f"Starting compute node (version {version})", level))
    return out

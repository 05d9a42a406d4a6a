"""A pre-copy live migration driven the way nova's monitor drives it.

The guest's memory is copied over a link (capped by ``live_migration_bandwidth``) while the
guest dirties pages of its working set; QEMU completes when what is left can be sent within
the max downtime in force. That max downtime follows nova's ramp, applied by the 0.5 s monitor
loop with the release's semantics (:func:`loganalyzer.nova.ramp.replay`). The completion
timeout (limit × data_gb) aborts, or forces completion: post-copy when permitted (the rest is
pulled from the source), else the guest is paused until the rest is copied. Auto-converge
throttles the vCPUs 20 % and then 10 % more per step while dirtying outpaces the link, as
QEMU's ``cpu-throttle-initial``/``-increment`` defaults do. Deterministic for a seed.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from loganalyzer.nova.ramp import StepReplay, downtime_steps
from loganalyzer.nova.releases import Release
from loganalyzer.nova.settings import Settings
from loganalyzer.nova.sizing import GI, completion_timeout_s, data_gb

MIB = 1048576
QEMU_DEFAULT_DOWNTIME_MS = 300
THROTTLE_INITIAL, THROTTLE_INCREMENT, THROTTLE_MAX = 20, 10, 99
TICK_S = 0.1


@dataclass(frozen=True)
class Guest:
    """The migrating guest."""

    memory_mb: int = 4096
    disk_gb: tuple[float, ...] = ()  # block-migrated disks
    dirty_rate_mibs: float = 0.0  # MiB/s the guest writes to memory
    working_set_mb: int | None = None  # the pages it keeps rewriting (default: all its RAM)

    @property
    def working_set_bytes(self) -> float:
        ws = self.working_set_mb if self.working_set_mb is not None else self.memory_mb
        return min(ws, self.memory_mb) * MIB


@dataclass
class Result:
    """What happened, and the timing the log narrator needs."""

    outcome: str  # completed | cancelled | running (still going at the end of the run)
    mechanism: str  # pre-copy | auto-converge | post-copy | paused | cancelled | running
    end_s: float | None  # elapsed when the job ended
    actual_downtime_ms: float | None  # how long the guest really stood still
    final_max_downtime_ms: int | None  # nova's max downtime in force at the end
    throttles: list[int] = field(default_factory=list)
    iterations: list[float] = field(default_factory=list)
    data_gb: float = 2.0
    timeout_at: float | None = None
    postcopy_at: float | None = None
    auto_postcopy_at: float | None = None
    paused_at: float | None = None
    stuck_at: float | None = None  # Liberty–Rocky's progress timeout aborted the job here
    samples: list[tuple[float, int, int]] = field(default_factory=list)  # t, processed, remaining
    _sample_times: list[float] = field(default_factory=list, repr=False, compare=False)

    def memory_at(self, elapsed: float) -> tuple[int, int]:
        """(processed, remaining) bytes at ``elapsed``, for progress lines."""
        if not self.samples:
            return 0, 0
        if len(self._sample_times) != len(self.samples):  # samples only grow
            self._sample_times = [sample[0] for sample in self.samples]
        index = bisect.bisect_right(self._sample_times, elapsed) - 1
        _, processed, remaining = self.samples[max(index, 0)]
        return processed, remaining


def monitor_iterations(until_s: float, rng: random.Random,
                       stalls: dict[float, float] | None = None) -> list[float]:
    """Elapsed times of the monitor's UNBOUNDED iterations: a 0.5 s sleep plus processing,
    a DB save through conductor every 10th iteration, and the given stalls."""
    return list(iter_monitor(until_s, rng, stalls))


def iter_monitor(until_s: float, rng: random.Random,
                 stalls: dict[float, float] | None = None) -> Iterator[float]:
    """:func:`monitor_iterations` one at a time (the simulator takes only what it needs)."""
    now = 0.5 + rng.uniform(0.0, 1.5)  # the job takes a moment to start
    pending = sorted((stalls or {}).items())
    count = 0
    draw = rng.random  # uniform(a, b) is a + (b - a) * random(): the same sequence, faster
    while now <= until_s:
        yield round(now, 3)
        now += 0.5 + (0.002 + (0.02 - 0.002) * draw())
        if count % 10 == 0:
            now += 0.02 + (0.15 - 0.02) * draw()
        count += 1
        while pending and now >= pending[0][0]:
            now += pending.pop(0)[1]


def simulate(guest: Guest, link_mibs: float, settings: Settings, release: Release,
             python: int | None = None, seed: int = 0, max_duration_s: float = 6 * 3600.0,
             stalls: dict[float, float] | None = None) -> Result:
    """Run one migration to its end (or ``max_duration_s``)."""
    rng = random.Random(seed)
    py = python if python is not None else release.default_python
    size = data_gb(guest.memory_mb, [int(gb * GI) for gb in guest.disk_gb], py)
    variant = release.variant(py)
    ramp = downtime_steps(settings.downtime, settings.steps, settings.delay, size, variant) \
        if variant else []
    limit = completion_timeout_s(settings.completion_timeout, size) if release.has_downtime_steps \
        else 0
    # Iterations are drawn as the migration needs them (a 6-hour horizon is 43,200 of them;
    # most migrations end in minutes); the rng draws are the same as drawing all at once.
    ticks = iter_monitor(max_duration_s, rng, stalls)
    times: list[float] = []
    application = release.step_application
    stepper = StepReplay(ramp, application) if ramp and application is not None else None
    applied = stepper.applied if stepper is not None else []
    applied_at: list[float] = []

    def draw() -> bool:
        """The next iteration (its step applied, if one falls due); False when none is left."""
        elapsed = next(ticks, None)
        if elapsed is None:
            return False
        times.append(elapsed)
        if stepper is not None and stepper.feed(elapsed) is not None:
            applied_at.append(elapsed)
        return True

    def reach(moment: float) -> None:
        """Draw iterations until one is later than ``moment`` (or none are left)."""
        while (not times or times[-1] <= moment) and draw():
            pass
    rate = link_mibs * MIB
    if settings.bandwidth_mibs:
        rate = min(rate, settings.bandwidth_mibs * MIB)
    post_copy_ok = settings.post_copy and release.has_post_copy
    auto_converge = settings.auto_converge and not post_copy_ok and release.has_post_copy
    total = guest.memory_mb * MIB + sum(gb * GI for gb in guest.disk_gb)
    state = _State(pass_left=float(total), dirty=0.0, processed=0.0)
    result = Result("running", "running", None, None, None, iterations=times, data_gb=size)
    previous_pass: float | None = None
    low: int | None = None  # the progress watermark: lowest data remaining, and when
    low_at = 0.0

    def max_downtime(t: float) -> int:
        reach(t)
        index = bisect.bisect_right(applied_at, t) - 1
        return applied[index].downtime_ms if index >= 0 else QEMU_DEFAULT_DOWNTIME_MS

    dirty_full = guest.dirty_rate_mibs * MIB
    working_set = guest.working_set_bytes
    t = 0.0
    it_index = -1
    while it_index + 1 < len(times) or draw():
        it_index += 1
        it_time = times[it_index]
        # The max downtime in force changes only at iterations: the value before this one
        # and the value from it on, looked up once instead of on every tick.
        limit_before, limit_from = max_downtime(it_time - 1e-9), max_downtime(it_time)
        # physics up to this iteration
        while t < it_time:
            dt = it_time - t if it_time - t < TICK_S else TICK_S
            dirty_rate = dirty_full * (1 - state.throttle / 100)
            sent = rate * dt
            state.processed += sent
            if sent >= state.pass_left:  # the pass ends within this tick
                state.dirty = min(working_set, state.dirty + dirty_rate * dt)
                sent_pass = state.pass_sent + state.pass_left
                finished = state.dirty
                if auto_converge and finished > 0.5 * sent_pass:
                    state.hot += 1
                    if state.hot >= 2:
                        state.throttle = min(THROTTLE_MAX, state.throttle + (
                            THROTTLE_INITIAL if not state.throttle else THROTTLE_INCREMENT))
                        result.throttles.append(state.throttle)
                        state.hot = 0
                if (release.has_auto_post_copy_switch and post_copy_ok
                        and previous_pass is not None and result.auto_postcopy_at is None
                        and previous_pass > 0
                        and (previous_pass - finished) * 100 / previous_pass < 10):
                    result.auto_postcopy_at = times[min(it_index, len(times) - 1)]
                previous_pass = finished
                state.pass_left, state.dirty, state.pass_sent = finished, 0.0, 0.0
            else:
                state.pass_left -= sent
                state.pass_sent += sent
                state.dirty = min(working_set, state.dirty + dirty_rate * dt)
            t += dt
            pending = state.pending(total)
            if pending / rate * 1000 <= (limit_from if t >= it_time else limit_before):
                result.outcome = "completed"
                result.mechanism = "auto-converge" if result.throttles else "pre-copy"
                result.actual_downtime_ms = round(pending / rate * 1000, 1)
                result.end_s = round(t + pending / rate, 3)
                break
        if result.end_s is not None:
            break
        state.sample(result, it_time, total)
        remaining = result.samples[-1][2]
        if low is None or remaining < low:
            low, low_at = remaining, it_time
        elif release.has_stuck_timeout and release.default_progress_timeout_s and \
                it_time - low_at > release.default_progress_timeout_s:
            # 12.0.0 driver.py / 14.0.0 migration.should_abort: "Live migration stuck"
            result.stuck_at = result.timeout_at = it_time
            result.outcome, result.mechanism = "cancelled", "cancelled"
            result.end_s = it_time + 0.5
            result.final_max_downtime_ms = max_downtime(it_time) if applied_at and \
                applied_at[0] <= it_time else None
            return _trim(result, reach)
        if result.auto_postcopy_at is not None:
            return _finish_forced(result, state.pending(total), rate, it_time, "post-copy",
                                  max_downtime, reach)
        if limit and it_time > limit:
            result.timeout_at = it_time
            action = settings.timeout_action if release.has_timeout_action else "abort"
            if action == "abort":
                result.outcome, result.mechanism = "cancelled", "cancelled"
                result.end_s = it_time + 0.5
                result.final_max_downtime_ms = max_downtime(it_time) if applied_at and \
                    applied_at[0] <= it_time else None
                return _trim(result, reach)
            return _finish_forced(result, state.pending(total), rate, it_time,
                                  "post-copy" if post_copy_ok else "paused", max_downtime,
                                  reach)
    if result.end_s is not None:
        result.final_max_downtime_ms = max_downtime(result.end_s) if applied_at and \
            applied_at[0] <= result.end_s else None
    return _trim(result, reach)


@dataclass
class _State:
    pass_left: float
    dirty: float
    processed: float
    pass_sent: float = 0.0
    throttle: int = 0
    hot: int = 0

    def pending(self, total: float) -> float:
        """Bytes still to send: this pass's rest plus pages dirtied since (the same page
        counts once, so never more than the guest has)."""
        return min(total, self.pass_left + self.dirty)

    def sample(self, result: Result, t: float, total: float) -> None:
        result.samples.append((t, int(self.processed), int(self.pending(total))))


def _finish_forced(result: Result, pending: float, rate: float, at: float, how: str,
                   max_downtime: Callable[[float], int],
                   reach: Callable[[float], None]) -> Result:
    """Force-complete on the next iteration: post-copy pulls the rest while the guest runs
    on the destination; a pause stops the guest until the rest is copied."""
    switch = at + 0.5
    result.end_s = round(switch + pending / rate, 3)
    result.outcome, result.mechanism = "completed", how
    if how == "post-copy":
        result.postcopy_at = result.auto_postcopy_at or switch
        result.actual_downtime_ms = 50.0  # the switch itself: CPU and device state only
    else:
        result.paused_at = switch
        result.actual_downtime_ms = round((pending / rate + 0.5) * 1000, 1)
    result.final_max_downtime_ms = max_downtime(at)
    return _trim(result, reach)


def _trim(result: Result, reach: Callable[[float], None]) -> Result:
    """Keep the iterations up to the end (and a few after, for the narrator)."""
    if result.end_s is not None:
        reach(result.end_s + 1.0)
        result.iterations = [t for t in result.iterations if t <= result.end_s + 1.0]
    return result

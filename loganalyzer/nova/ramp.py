"""The downtime ramp: how nova computes it and how its monitor applies it.

Pure functions, no I/O. docs/nova.md §3. A ramp is a list of ``(after_s, downtime_ms)`` steps, the
shape nova's own ``downtime_steps`` generator yields.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import NamedTuple, overload

from loganalyzer.nova.options import beyond_model
from loganalyzer.nova.releases import StepApplication, Variant


class Step(NamedTuple):
    """One step of the ramp: from ``after_s`` seconds of the monitor, ``downtime_ms`` allowed.
    A plain ``(after_s, downtime_ms)`` tuple compares equal."""

    after_s: int
    downtime_ms: int

    def __repr__(self) -> str:  # as nova prints its step list: [(0, 50), (150, 95), ...]
        return f"({self.after_s!r}, {self.downtime_ms!r})"


class RampBeyondModel(ValueError):
    """A ramp longer than nova could run (see :data:`loganalyzer.nova.options.MODEL_MAX`)."""


# Liberty–Newton's LIVE_MIGRATION_DOWNTIME_*_MIN, applied silently by the exponential code.
EXPONENTIAL_CLAMPS = {"downtime": 100, "steps": 3, "delay": 10}


def downtime_steps(
    downtime: int, steps: int, delay: int, data_gb: float, variant: Variant | str
) -> list[Step]:
    """The ramp nova computes at monitor start, for one variant.

    ``linear-py3``: ``nova.virt.libvirt.migration.downtime_steps`` (Ocata 15.0.0 → master)
    under Python 3 — IEEE double arithmetic, so 103 ms in 10 steps ends at 102.
    ``linear-py2``: the same code under Python 2 (Ocata–Train) — ``/`` on ints floors.
    ``exponential``: ``LibvirtDriver._migration_downtime_steps`` (Liberty 12.0.0 – Newton
    14.x), with that era's silent clamps to 100 ms / 3 steps / 10 s.
    """
    variant = Variant(variant)
    if variant is Variant.EXPONENTIAL:
        downtime = max(downtime, EXPONENTIAL_CLAMPS["downtime"])
        steps = max(steps, EXPONENTIAL_CLAMPS["steps"])
        delay = max(delay, EXPONENTIAL_CLAMPS["delay"])
    if steps <= 0:
        raise ValueError("live_migration_downtime_steps must be positive")
    too_long = beyond_model("live_migration_downtime_steps", steps)
    if too_long:  # checked before anything of that size is built
        raise RampBeyondModel(too_long)
    step_delay = int(delay * data_gb)
    value = step_value(downtime, steps, variant)
    return [Step(int(step_delay * i), value(i)) for i in range(steps + 1)]


def step_value(downtime: int, steps: int, variant: Variant) -> Callable[[int], int]:
    """The downtime of step ``i``, with the variant's own arithmetic (no clamps here).

    linear (Ocata+): ``base = downtime / steps; offset = (downtime - base) / steps;
    int(base + offset * i)`` — floor division on Python 2 ints, IEEE doubles on Python 3.
    exponential (Liberty–Newton): ``offset = downtime / float(steps + 1);
    base = (downtime - offset) ** (1 / float(steps)); int(offset + base ** i)``.
    """
    if variant is Variant.EXPONENTIAL:
        offset = downtime / float(steps + 1)
        base = (downtime - offset) ** (1 / float(steps))
        return lambda i: int(offset + base**i)
    if variant is Variant.LINEAR_PY2:
        base_i = downtime // steps
        offset_i = (downtime - base_i) // steps
        return lambda i: int(base_i + offset_i * i)
    base_f = downtime / steps
    offset_f = (downtime - base_f) / steps
    return lambda i: int(base_f + offset_f * i)


def ramp_end_s(ramp: Sequence[Step]) -> int:
    """When the last step becomes due (its scheduled ``after`` time)."""
    return ramp[-1][0] if ramp else 0


class Ramp(Sequence[Step]):
    """A ramp, read-only, with its step times indexed once: :func:`update_downtime` finds the
    latest due step on it by bisection instead of nova's walk over every step.

    ``ordered`` says whether the times never decrease (always so for :func:`downtime_steps`:
    ``int(step_delay * i)`` with a step delay of at least 0); on any other ramp (a step list
    read from a log, say) :func:`due_step` keeps nova's walk, so the answer is nova's for any
    input.
    """

    __slots__ = ("ordered", "steps", "times")

    def __init__(self, steps: Iterable[Step]) -> None:
        self.steps: tuple[Step, ...] = tuple(steps)
        self.times = [step[0] for step in self.steps]
        try:
            self.ordered = all(a <= b for a, b in pairwise(self.times))
        except TypeError:  # times that do not compare: nova's walk raises as nova would
            self.ordered = False

    @overload
    def __getitem__(self, index: int) -> Step: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Step]: ...
    def __getitem__(self, index: int | slice) -> Step | Sequence[Step]:
        return self.steps[index]

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        return f"Ramp({list(self.steps)!r})"


def due_step(ramp: Sequence[Step], elapsed: float) -> int:
    """The index of the step nova's ``update_downtime`` takes at ``elapsed``: the latest one
    with ``elapsed > after`` (strict), -1 when none is due yet.

    nova walks every step (Newton 14.0.0 → master, ``for step in downtime_steps: if elapsed >
    step[0]: thisstep = step``); on a :class:`Ramp` whose times never decrease the steps with
    ``after < elapsed`` are a prefix, so its end is found by bisection. NaN compares false
    both ways: never due, as in nova's walk.
    """
    if isinstance(ramp, Ramp) and ramp.ordered:
        return bisect_left(ramp.times, elapsed) - 1
    index = -1
    for position, step in enumerate(ramp):
        if elapsed > step[0]:
            index = position
    return index


def update_downtime(olddowntime: int | None, ramp: Sequence[Step], elapsed: float) -> int | None:
    """``nova.virt.libvirt.migration.update_downtime`` (Newton 14.0.0 → master).

    The latest step with ``elapsed > t`` (strict) becomes current; the value is returned
    whether or not it changed (the caller logs only a change); ``olddowntime`` when no step
    is due. Logarithmic on a :class:`Ramp` (see :func:`due_step`), nova's walk otherwise.
    """
    index = due_step(ramp, elapsed)
    return olddowntime if index < 0 else ramp[index][1]


@dataclass(frozen=True)
class AppliedStep:
    """One ``Increasing downtime to X ms after Y sec elapsed time`` line nova would log."""

    elapsed: float  # the monitor iteration's elapsed time when it was applied
    after_s: int  # the step's scheduled time, as logged ("after Y sec")
    downtime_ms: int
    index: int  # position of the step in the ramp (0-based)

    @property
    def lag_s(self) -> float:
        """How late the monitor applied the step relative to its schedule."""
        return self.elapsed - self.after_s


class StepReplay:
    """nova's monitor applying a ramp, one iteration at a time: :meth:`feed` takes the next
    iteration's elapsed time and returns the step nova logs then, if any.

    ``update_downtime`` (Newton+): per iteration :func:`update_downtime` itself (on the ramp
    indexed once, so each call is a bisection), logging only a change, first value None — a
    late iteration skips steps legitimately.
    ``pop`` (Liberty/Mitaka): per iteration pop at most one due step; every step is logged,
    each with its own scheduled time.
    """

    def __init__(self, ramp: Sequence[Step], application: StepApplication | str) -> None:
        self.application = StepApplication(application)
        self.ramp = ramp if isinstance(ramp, Ramp) else Ramp(ramp)
        self.applied: list[AppliedStep] = []
        self.current: int | None = None  # the downtime last applied (nova's olddowntime)
        self._popped = -1  # pop: the last popped step

    def feed(self, elapsed: float) -> AppliedStep | None:
        ramp = self.ramp
        if self.application is StepApplication.POP:
            if self._popped + 1 < len(ramp) and elapsed > ramp[self._popped + 1][0]:
                self._popped += 1
                return self._apply(elapsed, self._popped)
            return None
        if update_downtime(self.current, ramp, elapsed) == self.current:
            return None  # no step due yet, or "Downtime does not need to change"
        return self._apply(elapsed, due_step(ramp, elapsed))

    def _apply(self, elapsed: float, index: int) -> AppliedStep:
        after, value = self.ramp[index]
        step = AppliedStep(elapsed, after, value, index)
        self.applied.append(step)
        self.current = value
        return step


def replay(ramp: Sequence[Step], times: Iterable[float],
           application: StepApplication | str) -> list[AppliedStep]:
    """The downtime lines nova logs for a ramp, given its monitor iterations' elapsed times
    (see :class:`StepReplay`)."""
    stepper = StepReplay(ramp, application)
    for elapsed in times:
        stepper.feed(elapsed)
    return stepper.applied

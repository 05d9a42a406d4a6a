"""The downtime ramp: how nova computes it and how its monitor applies it.

Pure functions, no I/O. docs/nova.md §3. A ramp is a list of ``(after_s, downtime_ms)`` steps, the
shape nova's own ``downtime_steps`` generator yields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from loganalyzer.nova.options import beyond_model
from loganalyzer.nova.releases import Variant


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


def update_downtime(olddowntime: int | None, ramp: Sequence[Step], elapsed: float) -> int | None:
    """``nova.virt.libvirt.migration.update_downtime`` (Newton 14.0.0 → master).

    The latest step with ``elapsed > t`` (strict) becomes current; the value is returned
    whether or not it changed (the caller logs only a change).
    """
    thisstep = None
    for step in ramp:
        if elapsed > step[0]:
            thisstep = step
    if thisstep is None:
        return olddowntime
    return thisstep[1]


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
    iteration's elapsed time (they only grow) and returns the step nova logs then, if any.

    ``update_downtime`` (Newton+): per iteration jump to the latest due step (``elapsed >
    after``), log only a change, first value None — a late iteration skips steps
    legitimately. That rule is monotone in elapsed, so one pointer finds the latest due step
    in linear time (a test checks it against :func:`update_downtime` itself).
    ``pop`` (Liberty/Mitaka): per iteration pop at most one due step; every step is logged,
    each with its own scheduled time.
    """

    def __init__(self, ramp: Sequence[Step], application: str) -> None:
        if application not in ("pop", "update_downtime"):
            raise ValueError(f"unknown step application {application!r}")
        self.ramp = ramp
        self.application = application
        self.applied: list[AppliedStep] = []
        self._due = -1  # update_downtime: the latest due step; pop: the last popped one
        self._current: int | None = None

    def feed(self, elapsed: float) -> AppliedStep | None:
        ramp = self.ramp
        if self.application == "pop":
            if self._due + 1 < len(ramp) and elapsed > ramp[self._due + 1][0]:
                self._due += 1
                return self._apply(elapsed)
            return None
        while self._due + 1 < len(ramp) and elapsed > ramp[self._due + 1][0]:
            self._due += 1
        if self._due < 0 or ramp[self._due][1] == self._current:
            return None
        return self._apply(elapsed)

    def _apply(self, elapsed: float) -> AppliedStep:
        after, value = self.ramp[self._due]
        step = AppliedStep(elapsed, after, value, self._due)
        self.applied.append(step)
        self._current = value
        return step


def replay(ramp: Sequence[Step], times: Iterable[float], application: str) -> list[AppliedStep]:
    """The downtime lines nova logs for a ramp, given its monitor iterations' elapsed times
    (see :class:`StepReplay`)."""
    stepper = StepReplay(ramp, application)
    for elapsed in times:
        stepper.feed(elapsed)
    return stepper.applied

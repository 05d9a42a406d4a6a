"""Observed downtime steps against the predicted ramp, with nova's own rules for applying it.

Newton+ ``update_downtime`` (docs/nova.md §3.3) jumps to the latest due step and logs only a change,
so a monitor that ran late skips steps legitimately. What it can never do is run an iteration
after a step fell due without applying it: every progress line, every DEBUG ``Current … steps``
line and every logged step marks an iteration, and at each one the latest due step must
already be applied. Liberty/Mitaka pop and log every step, so nothing may be missing there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from loganalyzer.findings import Finding
from loganalyzer.nova.ramp import Step
from loganalyzer.nova.releases import StepApplication

LATE_THRESHOLD_S = 10.0


@dataclass(frozen=True)
class ObservedStep:
    """One ``Increasing downtime to X ms after Y sec`` line."""

    time: Any  # datetime or None
    after_s: int
    downtime_ms: int
    elapsed: float | None  # log time minus the monitor's start, when both are known

    @property
    def lag_s(self) -> float | None:
        return None if self.elapsed is None else round(self.elapsed - self.after_s, 3)


@dataclass
class RampComparison:
    """The verdict for one ramp and the per-step details behind it."""

    verdict: str  # match | mismatch
    rows: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # legitimately skipped step indices


def compare_ramp(
    ramp: Sequence[Step],
    observed: Sequence[ObservedStep],
    application: StepApplication | str,
    iterations: Sequence[float] = (),
    tolerance_s: float = 1.0,
    late_threshold_s: float = LATE_THRESHOLD_S,
) -> RampComparison:
    """Compare logged steps with ``ramp`` under ``application`` (``update_downtime`` or
    ``pop``). ``iterations`` are elapsed times of other monitor-iteration lines."""
    by_time = {after: (index, value) for index, (after, value) in enumerate(ramp)}
    result = RampComparison("match")
    seen: set[int] = set()
    for step in observed:
        row: dict[str, Any] = {"time": step.time, "after_s": step.after_s,
                               "downtime_ms": step.downtime_ms, "lag_s": step.lag_s}
        if step.after_s not in by_time:
            row.update(predicted_ms=None, status="unexpected-time")
            result.findings.append(Finding(
                "step-time-mismatch", "error",
                f"nova logged a step {step.downtime_ms} ms after {step.after_s} s, but the "
                f"predicted ramp has no step at {step.after_s} s (steps every "
                f"{_spacing(ramp)} s): the step interval (delay × data_gb) differs."))
        else:
            index, value = by_time[step.after_s]
            seen.add(index)
            row.update(index=index, predicted_ms=value,
                       status="match" if value == step.downtime_ms else "value-mismatch")
            if value != step.downtime_ms:
                result.findings.append(Finding(
                    "step-value-mismatch", "error",
                    f"step {index} after {step.after_s} s: nova logged {step.downtime_ms} ms, "
                    f"the configuration predicts {value} ms."))
        lag = step.lag_s
        if lag is not None and lag > late_threshold_s:
            result.findings.append(Finding(
                "step-late", "warning",
                f"step {row.get('index', '?')} ({step.downtime_ms} ms, due at {step.after_s} s) "
                f"was applied {lag:.1f} s late: the monitor loop was stalled."))
        if lag is not None and lag < -tolerance_s - 1:
            result.findings.append(Finding(
                "step-early", "error",
                f"step {row.get('index', '?')} ({step.downtime_ms} ms) was logged "
                f"{-lag:.1f} s before it was due at {step.after_s} s: the step interval "
                "differs from the prediction."))
        result.rows.append(row)
    if len(observed) > len(ramp):
        result.findings.append(Finding(
            "extra-steps", "error",
            f"nova logged {len(observed)} downtime steps; the ramp has only {len(ramp)}."))
    if StepApplication(application) is StepApplication.POP:
        _missing_pop(ramp, seen, result)
    else:
        _missing_update_downtime(ramp, observed, iterations, tolerance_s, seen, result)
    if any(f.severity == "error" for f in result.findings):
        result.verdict = "mismatch"
    return result


def _spacing(ramp: Sequence[Step]) -> int:
    return ramp[1][0] - ramp[0][0] if len(ramp) > 1 else 0


def _missing_pop(ramp: Sequence[Step], seen: set[int], result: RampComparison) -> None:
    """Liberty/Mitaka log every step, in order: a gap below the last logged one is wrong."""
    if not seen:
        return
    for index in range(max(seen)):
        if index not in seen:
            after, value = ramp[index]
            result.findings.append(Finding(
                "step-missing", "error",
                f"step {index} ({value} ms after {after} s) was never logged, but Liberty and "
                "Mitaka log every step in turn."))


def _missing_update_downtime(ramp: Sequence[Step], observed: Sequence[ObservedStep],
                             iterations: Sequence[float], tolerance_s: float, seen: set[int],
                             result: RampComparison) -> None:
    """At every iteration mark, the latest step due (``after < mark - tolerance``) must be
    applied by then. One pass over the marks in time order, with a pointer into the ramp
    (its times never decrease) and one into the logged steps sorted by elapsed time: linear
    in marks + steps after the sort (a monitor logging 20,000 steps took 35 s before)."""
    timed = [s for s in observed if s.elapsed is not None]
    if not timed and not iterations:
        return
    marks = sorted({*iterations, *(s.elapsed for s in timed if s.elapsed is not None)})
    by_after = sorted(range(len(ramp)), key=lambda i: ramp[i][0])
    by_elapsed = sorted(range(len(timed)), key=lambda i: timed[i].elapsed or 0.0)
    reported: set[int] = set()
    passed = 0  # ramp steps (in time order) due before mark - tolerance
    due = -1  # the last of them in ramp order: the step nova must have applied
    taken = 0  # logged steps (in elapsed order) at or before mark + tolerance
    last = -1  # the last of them in log order: the value current at the mark
    for mark in marks:
        while passed < len(by_after) and ramp[by_after[passed]][0] < mark - tolerance_s:
            due = max(due, by_after[passed])
            passed += 1
        if due < 0:
            continue
        while taken < len(by_elapsed) and \
                (timed[by_elapsed[taken]].elapsed or 0.0) <= mark + tolerance_s:
            last = max(last, by_elapsed[taken])
            taken += 1
        applied = timed[last] if last >= 0 else None
        current = applied.downtime_ms if applied is not None else None
        if due in reported or (applied is not None and applied.after_s >= ramp[due][0]) \
                or current == ramp[due][1]:
            continue
        reported.add(due)
        after, value = ramp[due]
        result.findings.append(Finding(
            "step-missing", "error",
            f"step {due} ({value} ms, due at {after} s) was not applied although the monitor "
            f"ran at {mark:.0f} s (nova applies the latest due step on every iteration); the "
            f"last logged value then was {current if current is not None else 'none'}."))
    if seen:
        for index in range(max(seen)):
            if index not in seen and index not in reported:
                result.skipped.append(index)
        if result.skipped:
            listed = ", ".join(str(i) for i in result.skipped)
            result.findings.append(Finding(
                "steps-skipped", "info",
                f"steps {listed} were skipped: the monitor was late and nova's update_downtime "
                "jumps to the latest due step (Newton+), which is expected."))

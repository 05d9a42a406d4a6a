"""The ramp comparison is linear in logged steps (issue 13, C21): the same findings as the
quadratic algorithm it replaced (kept here as the reference) on random inputs, and a
benchmark (benchmarks/compare_scaling.py) for the figures."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.analysis.compare import (
    ObservedStep,
    RampComparison,
    _missing_update_downtime,
    compare_ramp,
)
from loganalyzer.findings import Finding
from loganalyzer.nova.ramp import Step, downtime_steps


def quadratic_missing_update_downtime(ramp: Sequence[Step], observed: Sequence[ObservedStep],
                             iterations: Sequence[float], tolerance_s: float, seen: set[int],
                             result: RampComparison) -> None:
    timed = [s for s in observed if s.elapsed is not None]
    if not timed and not iterations:
        return
    marks = sorted({*iterations, *(s.elapsed for s in timed if s.elapsed is not None)})
    reported: set[int] = set()
    for mark in marks:
        due = None
        for index, (after, _) in enumerate(ramp):
            if after < mark - tolerance_s:
                due = index
        if due is None:
            continue
        applied = [s for s in timed if s.elapsed is not None and s.elapsed <= mark + tolerance_s]
        current = applied[-1].downtime_ms if applied else None
        if due in reported or (applied and applied[-1].after_s >= ramp[due][0]) \
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


ramps = st.lists(st.tuples(st.integers(-50, 400), st.integers(0, 600)), max_size=12)
observed_steps = st.lists(st.builds(
    ObservedStep, st.none(), st.integers(-10, 420), st.integers(0, 600),
    st.one_of(st.none(), st.floats(-20, 500, allow_nan=False))), max_size=25)
marks = st.lists(st.floats(-20, 500, allow_nan=False), max_size=25)


@given(ramps, observed_steps, marks, st.sampled_from([0.0, 1.0, 2.5]))
def test_linear_missing_steps_equal_the_quadratic_reference(ramp, observed, iterations,
                                                            tolerance):
    seen = {i for i, _ in enumerate(ramp) if i % 3 == 0}
    new, old = RampComparison("match"), RampComparison("match")
    _missing_update_downtime(ramp, observed, iterations, tolerance, set(seen), new)
    quadratic_missing_update_downtime(ramp, observed, iterations, tolerance, set(seen), old)
    assert new.findings == old.findings and new.skipped == old.skipped


@given(st.integers(3, 30), st.integers(0, 40), st.lists(st.floats(0, 3000), max_size=40))
def test_sorted_ramps_from_the_model_agree_too(steps, delay, times):
    ramp = downtime_steps(500, steps, delay, 2.0, "linear-py3")
    observed = [ObservedStep(None, a, v, a + 0.5 + (i % 3)) for i, (a, v) in
                enumerate(ramp) if i % 2]
    new, old = RampComparison("match"), RampComparison("match")
    _missing_update_downtime(ramp, observed, times, 1.0, {1, 3}, new)
    quadratic_missing_update_downtime(ramp, observed, times, 1.0, {1, 3}, old)
    assert new.findings == old.findings and new.skipped == old.skipped


def test_a_long_monitor_compares_in_linear_steps():
    """2,000 logged steps and 4,000 iterations: counted in comparisons of elapsed times, not
    timed (the benchmark script measures time); the quadratic algorithm made 12 million."""
    ramp = downtime_steps(500, 10, 75, 4.0, "linear-py3")
    observed = [ObservedStep(None, ramp[i % 11][0], ramp[i % 11][1], float(i))
                for i in range(2_000)]
    calls = 0

    class Counting(float):
        def __le__(self, other):  # every comparison of an elapsed time
            nonlocal calls
            calls += 1
            return float(self) <= other

    counted = [ObservedStep(s.time, s.after_s, s.downtime_ms, Counting(s.elapsed))
               for s in observed]
    result = compare_ramp(ramp, counted, "update_downtime", [i * 0.5 for i in range(4_000)])
    assert len(result.rows) == 2_000 and calls < 20_000

"""The nova model's ramp against nova's own test vectors and the facts document's tables."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.nova.ramp import Ramp, downtime_steps, ramp_end_s, replay, update_downtime
from loganalyzer.nova.releases import RELEASES, StepApplication, Variant

TIMES_300 = [0, 300, 600, 900, 1200, 1500, 1800, 2100]


def values(ramp):
    return [ms for _, ms in ramp]


def test_worked_example_python2():
    ramp = downtime_steps(5000, 7, 75, 4, "linear-py2")
    assert [t for t, _ in ramp] == TIMES_300
    assert values(ramp) == [714, 1326, 1938, 2550, 3162, 3774, 4386, 4998]


def test_worked_example_python3():
    ramp = downtime_steps(5000, 7, 75, 4.0, "linear-py3")
    assert [t for t, _ in ramp] == TIMES_300
    assert values(ramp) == [714, 1326, 1938, 2551, 3163, 3775, 4387, 5000]


def test_worked_example_matches_real_log(real_logs):
    """A real operator's log of the 5000/7/75, 4 GiB guest: nova under Python 2."""
    text = (real_logs / "chinese-notes_downtime-steps_message-only.log").read_text()
    logged = [(int(s), int(ms)) for ms, s in
              re.findall(r"Increasing downtime to (\d+) ms after (\d+) sec", text)]
    assert logged == downtime_steps(5000, 7, 75, 4, Variant.LINEAR_PY2)
    assert logged != downtime_steps(5000, 7, 75, 4.0, Variant.LINEAR_PY3)


# nova test_migration.py / test_driver.py test_live_migration_downtime_steps (docs/nova.md §7)
NOVA_LINEAR = [(0, 40), (90, 76), (180, 112), (270, 148), (360, 184), (450, 220), (540, 256),
               (630, 292), (720, 328), (810, 364), (900, 400)]
NOVA_EXPONENTIAL = [(0, 37), (90, 38), (180, 39), (270, 42), (360, 46), (450, 55), (540, 70),
                    (630, 98), (720, 148), (810, 238), (900, 400)]


@pytest.mark.parametrize("variant", ["linear-py2", "linear-py3"])
def test_nova_linear_vector(variant):
    assert downtime_steps(400, 10, 30, 3.0, variant) == NOVA_LINEAR


def test_nova_exponential_vector():
    assert downtime_steps(400, 10, 30, 3.0, "exponential") == NOVA_EXPONENTIAL


@pytest.mark.parametrize(("args", "py2", "py3", "exp"), [
    ((5000, 7, 75, 4), None, None, [626, 628, 635, 661, 745, 1023, 1945, 4999]),
    ((500, 10, 75, 2), None, None, [46, 47, 48, 51, 57, 66, 84, 117, 179, 291, 500]),
    ((500, 7, 75, 4), [71, 132, 193, 254, 315, 376, 437, 498],
     [71, 132, 193, 255, 316, 377, 438, 500], None),
    ((1000, 3, 10, 2), [333, 555, 777, 999], [333, 555, 777, 1000], [251, 259, 332, 999]),
])
def test_facts_table(args, py2, py3, exp):
    """docs/nova.md §3.2, computed by running each era's code."""
    if py2:
        assert values(downtime_steps(*args, "linear-py2")) == py2
    if py3:
        assert values(downtime_steps(*args, "linear-py3")) == py3
    if exp:
        assert values(downtime_steps(*args, "exponential")) == exp


def test_defaults_small_vm_every_150s():
    ramp = downtime_steps(500, 10, 75, 2, "linear-py3")
    assert [t for t, _ in ramp] == list(range(0, 1501, 150))
    assert values(ramp) == list(range(50, 501, 45))


def test_py3_fractional_data_gb():
    """A 2560 MB flavor is 2.5 GiB under Python 3: 187 s steps."""
    ramp = downtime_steps(500, 10, 75, 2.5, "linear-py3")
    assert ramp[:3] == [(0, 50), (187, 95), (374, 140)]
    assert ramp[-1] == (1870, 500)


@pytest.mark.parametrize(("downtime", "steps", "last"), [(103, 10, 102), (100, 22, 99)])
def test_py3_float_error_ends_below_downtime(downtime, steps, last):
    assert downtime_steps(downtime, steps, 75, 2.0, "linear-py3")[-1][1] == last


def test_exponential_clamps_silently():
    """Liberty–Newton clamp downtime < 100, steps < 3, delay < 10 without a word."""
    assert downtime_steps(50, 1, 5, 2, "exponential") == downtime_steps(100, 3, 10, 2,
                                                                          "exponential")


# update_downtime (docs/nova.md §7): steps [(9000, 50), (18000, 200)]
UD_STEPS = [(9000, 50), (18000, 200)]


@pytest.mark.parametrize(("old", "steps", "elapsed", "expected"), [
    (None, [], 5000, None),           # no_steps
    (None, UD_STEPS, 5000, None),     # too_early
    (None, UD_STEPS, 11000, 50),      # step1
    (50, UD_STEPS, 11000, 50),        # nostep1
    (50, UD_STEPS, 22000, 200),       # step2
])
def test_update_downtime_nova_cases(old, steps, elapsed, expected):
    assert update_downtime(old, steps, elapsed) == expected


def test_update_downtime_is_strict():
    assert update_downtime(None, [(0, 50), (150, 95)], 150) == 50
    assert update_downtime(None, [(0, 50), (150, 95)], 150.001) == 95


MONITOR_STEPS = [(90, 10), (180, 50), (270, 200), (500, 300)]
MONITOR_TIMES = [0, 1, 30, 95, 150, 200, 300]


@pytest.mark.parametrize("application", ["update_downtime", "pop"])
def test_nova_monitor_case(application):
    """nova's monitor test: times [0,1,30,95,150,200,300] give 10, 50, 200."""
    applied = replay(MONITOR_STEPS, MONITOR_TIMES, application)
    assert [a.downtime_ms for a in applied] == [10, 50, 200]
    assert [a.after_s for a in applied] == [90, 180, 270]


def test_newton_skips_steps_when_late_liberty_does_not():
    ramp = [(0, 50), (150, 95), (300, 140), (450, 185)]
    times = [0.5, 1.0, 460.0, 460.5, 461.0]
    newton = replay(ramp, times, "update_downtime")
    assert [(a.after_s, a.downtime_ms) for a in newton] == [(0, 50), (450, 185)]
    assert newton[1].lag_s == pytest.approx(10.0)
    liberty = replay(ramp, times, "pop")
    assert [(a.after_s, a.downtime_ms) for a in liberty] == [(0, 50), (150, 95), (300, 140),
                                                              (450, 185)]


def test_newton_logs_only_changes():
    """Two steps with one value (tiny downtime) are logged once under update_downtime and
    twice under Liberty's pop."""
    ramp = downtime_steps(100, 60, 3, 2, "linear-py2")  # base 1, offset 1: distinct
    dup = [(0, 10), (10, 10), (20, 30)]
    times = [0.5 * i for i in range(1, 60)]
    assert [a.downtime_ms for a in replay(dup, times, "update_downtime")] == [10, 30]
    assert [a.downtime_ms for a in replay(dup, times, "pop")] == [10, 10, 30]
    assert len(replay(ramp, [10_000], "update_downtime")) == 1


def test_replay_rejects_unknown_application():
    with pytest.raises(ValueError):
        replay(MONITOR_STEPS, MONITOR_TIMES, "sometimes")


def test_ramp_end():
    assert ramp_end_s(downtime_steps(5000, 7, 75, 4, "linear-py2")) == 2100
    assert ramp_end_s([]) == 0


# --- properties over nova's valid option ranges (Pike+ minimums) ---------------------

options = st.tuples(
    st.integers(min_value=100, max_value=60_000),   # downtime
    st.integers(min_value=3, max_value=200),         # steps
    st.integers(min_value=3, max_value=600),         # delay
    st.floats(min_value=2.0, max_value=2048.0, allow_nan=False),  # data_gb
)


@given(options, st.sampled_from(list(Variant)))
def test_ramp_shape(opts, variant):
    downtime, steps, delay, gb = opts
    if variant is not Variant.LINEAR_PY3:
        gb = int(gb)
    ramp = downtime_steps(downtime, steps, delay, gb, variant)
    assert len(ramp) == max(steps, 3 if variant is Variant.EXPONENTIAL else steps) + 1
    times = [t for t, _ in ramp]
    vals = values(ramp)
    assert times[0] == 0
    assert times == sorted(times)
    assert vals == sorted(vals)
    if variant is Variant.LINEAR_PY2:
        assert downtime - steps < vals[-1] <= downtime
    else:
        assert downtime - 1 <= vals[-1] <= downtime


@given(options)
def test_py2_never_above_py3(opts):
    downtime, steps, delay, gb = opts
    py2 = values(downtime_steps(downtime, steps, delay, int(gb), "linear-py2"))
    py3 = values(downtime_steps(downtime, steps, delay, int(gb), "linear-py3"))
    assert all(a <= b for a, b in zip(py2, py3, strict=True))


@given(options, st.lists(st.floats(min_value=0, max_value=50_000), max_size=40))
def test_replay_applies_due_steps_in_order(opts, times):
    downtime, steps, delay, gb = opts
    ramp = downtime_steps(downtime, steps, delay, gb, "linear-py3")
    times = sorted(times)
    applied = replay(ramp, times, "update_downtime")
    indexes = [a.index for a in applied]
    assert indexes == sorted(indexes)
    for a in applied:
        assert a.elapsed > a.after_s
    if times and times[-1] > 0:
        due = [i for i, (t, _) in enumerate(ramp) if times[-1] > t]
        if due and applied:
            assert ramp[applied[-1].index][1] == ramp[due[-1]][1]


# --- update_downtime against nova's own loop, on any step list ---------------------------


def nova_update_downtime(olddowntime, downtime_steps, elapsed):
    """nova.virt.libvirt.migration.update_downtime (Newton 14.0.0 → master), transcribed
    without the guest and the logging: the oracle for the model's bisection."""
    thisstep = None
    for step in downtime_steps:
        if elapsed > step[0]:
            thisstep = step
    if thisstep is None:
        return olddowntime, None
    if thisstep[1] == olddowntime:
        return olddowntime, None
    return thisstep[1], thisstep  # "Increasing downtime to thisstep[1] ms after thisstep[0]"


# small ranges so that duplicate times, equal values and elapsed == after all come up
step_lists = st.lists(st.tuples(st.integers(-3, 40), st.integers(0, 6)), max_size=12)
elapsed_values = st.one_of(st.integers(-5, 45), st.floats(-5, 45),
                           st.sampled_from([math.nan, math.inf, -math.inf]))


@given(step_lists, st.booleans(), st.one_of(st.none(), st.integers(0, 6)), elapsed_values)
def test_update_downtime_is_novas_loop(steps, in_order, old, elapsed):
    """Sorted or not, with duplicate times, NaN and infinities: the value nova's loop gives,
    on a plain list (nova's walk) and on an indexed :class:`Ramp` (bisection when ordered)."""
    ramp = sorted(steps) if in_order else steps
    expected, _ = nova_update_downtime(old, ramp, elapsed)
    assert update_downtime(old, ramp, elapsed) == expected
    assert update_downtime(old, Ramp(ramp), elapsed) == expected


@given(step_lists, st.booleans(), st.lists(elapsed_values, max_size=60), st.booleans())
def test_replay_is_update_downtime_at_every_iteration(steps, in_order, times, in_time_order):
    """replay logs exactly what nova's loop, run on every monitor iteration, logs: each
    change with the step's own scheduled time — also for step lists out of time order
    (read from a log, say), where a pointer walking the ramp would not."""
    ramp = sorted(steps) if in_order else steps
    if in_time_order:
        times = sorted(t for t in times if not math.isnan(t))
    expected = []
    current = None
    for elapsed in times:
        current, logged = nova_update_downtime(current, ramp, elapsed)
        if logged is not None:
            expected.append((elapsed, logged[0], logged[1]))
    got = [(a.elapsed, a.after_s, a.downtime_ms)
           for a in replay(ramp, times, StepApplication.UPDATE_DOWNTIME)]
    assert got == expected
    for applied in replay(ramp, times, StepApplication.UPDATE_DOWNTIME):
        assert tuple(ramp[applied.index]) == (applied.after_s, applied.downtime_ms)


def test_replay_follows_nova_on_a_ramp_out_of_time_order():
    """nova takes the last listed step that is due, not the latest in time."""
    ramp = [(10, 50), (0, 95)]
    applied = replay(ramp, [5, 20], StepApplication.UPDATE_DOWNTIME)
    assert [(a.elapsed, a.after_s, a.downtime_ms) for a in applied] == [(5, 0, 95)]
    assert Ramp(ramp).ordered is False and Ramp(sorted(ramp)).ordered is True


class CountedTime(int):
    """An int that counts the comparisons made with it (the steps' times and elapsed)."""

    count = 0

    def __lt__(self, other):
        CountedTime.count += 1
        return int(self) < int(other)

    def __gt__(self, other):
        CountedTime.count += 1
        return int(self) > int(other)

    def __le__(self, other):
        CountedTime.count += 1
        return int(self) <= int(other)


def test_update_downtime_on_an_indexed_ramp_bisects():
    """On a :class:`Ramp` in time order a call compares ~log2(steps) times, not every one
    (20,000-step ramps exist; the monitor calls it every 0.5 s)."""
    ramp = Ramp((CountedTime(150 * i), 50 + i) for i in range(1 << 16))
    for elapsed in (0, 1, 150 * 40_000 + 3, 10**9):
        CountedTime.count = 0
        expected, _ = nova_update_downtime(None, ramp, CountedTime(elapsed))
        assert CountedTime.count == 1 << 16  # nova's walk looks at every step
        CountedTime.count = 0
        assert update_downtime(None, ramp, CountedTime(elapsed)) == expected
        assert CountedTime.count <= 17


def test_replay_of_a_long_ramp_is_not_quadratic():
    """replay calls update_downtime on every iteration: 2,000 steps over 4,000 iterations
    cost about (steps + iterations × log2(steps)) comparisons, not steps × iterations."""
    steps, iterations = 2_000, 4_000
    ramp = [(CountedTime(i), i) for i in range(steps)]
    times = [CountedTime(i // 2) for i in range(iterations)]
    CountedTime.count = 0
    applied = replay(ramp, times, StepApplication.UPDATE_DOWNTIME)
    assert [a.downtime_ms for a in applied] == list(range(steps - 1))
    assert CountedTime.count <= steps + 2 * iterations * 12


def test_step_application_per_release():
    """Liberty/Mitaka pop, Newton+ update_downtime, nothing before Liberty; the enum's
    values are the strings nova's code is known by."""
    rel = {r.major: r for r in RELEASES}
    assert rel[11].step_application is None
    assert rel[12].step_application is rel[13].step_application is StepApplication.POP
    assert all(rel[m].step_application is StepApplication.UPDATE_DOWNTIME
               for m in range(14, 35))
    assert [a.value for a in StepApplication] == ["pop", "update_downtime"]
    with pytest.raises(ValueError):
        replay(MONITOR_STEPS, MONITOR_TIMES, rel[11].step_application)


def test_no_step_application_compared_as_a_string():
    """The application is the enum everywhere: no module compares with "pop" or
    "update_downtime" literals."""
    package = Path(__file__).resolve().parent.parent / "loganalyzer"
    found = []
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                for side in (node.left, *node.comparators):
                    if isinstance(side, ast.Constant) and side.value in ("pop",
                                                                         "update_downtime"):
                        found.append(f"{path.name}:{node.lineno}")
    assert found == []

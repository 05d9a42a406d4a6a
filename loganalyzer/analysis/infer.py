"""Working backwards from what a host logged to the configuration that would produce it.

Pure functions over observed ``(after_s, downtime_ms)`` steps: the step interval
(``int(delay × data_gb)``), the step indices (steps can be skipped), and the
``live_migration_downtime`` / ``_steps`` pairs whose ramp reproduces every observed value,
for each ramp variant (docs/nova.md §3.1–§3.2). Also data_gb ranges from each kind of evidence.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from loganalyzer.nova.ramp import Step, step_value
from loganalyzer.nova.releases import Variant
from loganalyzer.nova.sizing import GI

MAX_STEPS = 300  # search bound for live_migration_downtime_steps
EXPONENTIAL_MAX_STEPS = 60  # Liberty–Newton deployments kept the default of 10
MAX_DOWNTIME = 600_000  # ms


@dataclass(frozen=True)
class Interval:
    """The step interval ``D = int(delay × data_gb)`` (whole seconds: every step is due at
    ``D × i``) and the index of each logged step."""

    value: int
    indices: tuple[int, ...]


def step_interval(afters: Sequence[int], known: int | None = None) -> Interval | None:
    """The interval from the logged ``after`` times: ``known`` when they are all multiples
    of it, else their greatest common divisor (skipped steps can make that a multiple of the
    real one, which only a prediction can tell)."""
    positive = sorted({a for a in afters if a > 0})
    if not positive:
        return None
    if known and all(a % known == 0 for a in positive):
        value = known
    else:
        value = 0
        for after in positive:
            value = math.gcd(value, after)
    return Interval(value, tuple(a // value for a in afters))


@dataclass(frozen=True)
class Candidate:
    """One configuration that reproduces the observed values."""

    variant: Variant
    steps: int
    downtime_low: int
    downtime_high: int  # inclusive: every downtime in between gives the same values

    def downtime(self, preferred: int | None = None) -> int:
        """A representative downtime: ``preferred`` when it fits, else the roundest."""
        if preferred is not None and self.downtime_low <= preferred <= self.downtime_high:
            return preferred
        for power in (1000, 500, 100, 50, 10, 5):
            value = math.ceil(self.downtime_low / power) * power
            if value <= self.downtime_high:
                return value
        return self.downtime_low


def candidates(observed: Sequence[tuple[int, int]], variants: Iterable[Variant],
               max_steps: int = MAX_STEPS) -> list[Candidate]:
    """Every (variant, steps, downtime range) whose ramp gives the observed values at the
    observed indices. ``observed`` holds ``(index, downtime_ms)`` pairs; at least two
    different steps are needed, else nearly anything fits. Migrations of one host share
    their ramps, so results are memoised."""
    return list(_candidates(tuple(sorted(set(observed))), tuple(variants), max_steps))


@functools.lru_cache(maxsize=1024)
def _candidates(observed: tuple[tuple[int, int], ...], variants: tuple[Variant, ...],
                max_steps: int) -> tuple[Candidate, ...]:
    by_index = dict(observed)
    if len(by_index) < 2:
        return ()
    found: list[Candidate] = []
    top = max(by_index)
    for variant in variants:
        for steps in _steps_range(variant, by_index, max(3, top), max_steps):
            run: list[int] = []
            for downtime in _downtime_range(variant, steps, by_index):
                value = step_value(downtime, steps, variant)
                if all(value(i) == v for i, v in by_index.items()):
                    run.append(downtime)
            for low, high in _runs(run):
                found.append(Candidate(variant, steps, low, high))
    return tuple(found)


def _steps_range(variant: Variant, by_index: dict[int, int], low: int, high: int) -> range:
    """For the linear ramp, step 0 and the increment pin the step count:
    ``v0 = d/s`` and ``offset = (d - d/s)/s`` give ``s = v0 / (v0 - offset)``."""
    if variant is Variant.EXPONENTIAL:
        return range(low, min(high, EXPONENTIAL_MAX_STEPS) + 1)
    if 0 not in by_index:
        return range(low, high + 1)
    first = by_index[0]
    index, value = max(by_index.items())
    offset = (value - first) / index
    if offset >= first or offset <= 0:
        return range(low, high + 1)
    estimate = first / (first - offset)
    return range(max(low, int(estimate) - 3), min(high, int(estimate) + 4) + 1)


def _downtime_range(variant: Variant, steps: int, by_index: dict[int, int]) -> range:
    """Downtimes worth trying: step 0 (or the last step) pins them to a narrow window."""
    if 0 in by_index and variant is not Variant.EXPONENTIAL:
        first = by_index[0]  # int(downtime / steps) == first
        return range(max(100, first * steps), min(MAX_DOWNTIME, (first + 1) * steps + 1))
    if steps in by_index:
        last = by_index[steps]
        return range(max(100, last - steps - 1), min(MAX_DOWNTIME, last + steps + 2))
    if variant is Variant.EXPONENTIAL and 0 in by_index:
        first = by_index[0]  # int(d/(s+1) + 1) == first
        return range(max(100, (first - 1) * (steps + 1)),
                      min(MAX_DOWNTIME, (first + 1) * (steps + 1)))
    highest = max(by_index.values())
    return range(max(100, highest), min(MAX_DOWNTIME, highest * 2 + steps))


def _runs(values: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for value in values:
        if runs and value == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


# --- data_gb evidence -----------------------------------------------------------------


@dataclass(frozen=True)
class SizeEvidence:
    """data_gb known to lie in ``[low, high)`` from one source."""

    low: float
    high: float
    source: str
    exact: bool = True  # False: an estimate with slack (progress byte totals)

    def overlaps(self, other: SizeEvidence) -> bool:
        return self.low < other.high and other.low < self.high


def from_completion_limit(limit_s: int, completion_timeout: int) -> SizeEvidence | None:
    """``int(completion_timeout × data_gb) == limit_s``."""
    if not completion_timeout:
        return None
    return SizeEvidence(limit_s / completion_timeout, (limit_s + 1) / completion_timeout,
                        f"completion-timeout limit {limit_s} s / {completion_timeout}")


def from_interval(interval: Interval, delay: int) -> SizeEvidence:  # D = int(delay × data_gb)
    """``int(delay × data_gb) == D``: the step spacing."""
    return SizeEvidence(interval.value / delay, (interval.value + 1) / delay,
                        f"step spacing {interval.value} s / delay {delay}")


def from_memory_total(total_bytes: int, block_migration: bool) -> SizeEvidence | None:
    """The progress line's memory total is the guest's RAM plus a few MiB of device memory;
    block migrations add disks this cannot see, so only a lower bound then."""
    if total_bytes <= 0:
        return None
    ram_high = total_bytes / GI
    ram_low = max(total_bytes - 128 * 1048576, 0) / GI
    low, high = max(ram_low, 2.0), max(ram_high, 2.0) + 1e-9
    if block_migration:
        return SizeEvidence(low + 2, math.inf, f"progress memory total {total_bytes} B + disks",
                            exact=False)
    return SizeEvidence(low, high, f"progress memory total {total_bytes} B", exact=False)


def choose(evidence: Sequence[SizeEvidence], python: int) -> tuple[float | None, str,
                                                                   list[SizeEvidence]]:
    """The data_gb to predict with, its source, and the evidence that disagrees with it.

    The first exact source wins (callers order them by trust); estimates are used only when
    nothing exact exists. Under Python 2 data_gb is an integer.
    """
    exact = [e for e in evidence if e.exact]
    pool = exact or list(evidence)
    if not pool:
        return None, "", []
    best = pool[0]
    low, high = best.low, best.high
    for other in pool[1:]:
        if other.overlaps(best):
            low, high = max(low, other.low), min(high, other.high)
    disagree = [e for e in evidence if not e.overlaps(SizeEvidence(low, high, ""))]
    if python == 2:
        value: float = float(math.ceil(low - 1e-9))
        if value >= high and math.isfinite(high):
            value = float(math.floor(low))
    else:
        value = (low + high) / 2 if best.exact and math.isfinite(high) else low
        rounded = round(value, 4)
        if low <= rounded < high:
            value = rounded
    return value, best.source, disagree


def observed_ramp_from_state(steps: Sequence[Sequence[int]]) -> list[Step]:
    """The DEBUG ``Current … steps [(t, ms), …]`` list: the ramp nova actually computed."""
    return [Step(int(t), int(ms)) for t, ms in steps]

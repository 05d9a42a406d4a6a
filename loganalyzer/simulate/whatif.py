"""What-if: the same guest and link under the configured values and a small grid around them,
so an operator sees which settings finish within a time budget at the lowest downtime."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from loganalyzer.nova.releases import Release
from loganalyzer.nova.settings import Settings
from loganalyzer.simulate.model import Guest, Result, simulate


@dataclass(frozen=True)
class Variation:
    label: str
    settings: Settings


def grid(base: Settings, release: Release) -> list[Variation]:
    """The configured values, then one change at a time: downtime ×½ ×2, steps ×½ ×2,
    delay ×½ ×2, post-copy (with force_complete), auto-converge."""
    out = [Variation("as configured", base)]
    for factor in (0.5, 2):
        out.append(Variation(f"downtime {int(base.downtime * factor)}",
                             replace(base, downtime=max(100, int(base.downtime * factor)))))
    for factor in (0.5, 2):
        out.append(Variation(f"steps {max(3, int(base.steps * factor))}",
                             replace(base, steps=max(3, int(base.steps * factor)))))
    for factor in (0.5, 2):
        out.append(Variation(f"delay {max(3, int(base.delay * factor))}",
                             replace(base, delay=max(3, int(base.delay * factor)))))
    if release.has_post_copy and not base.post_copy:
        action = "force_complete" if release.has_timeout_action else base.timeout_action
        out.append(Variation("post-copy + force_complete",
                             replace(base, post_copy=True, timeout_action=action)))
    if release.has_post_copy and not base.auto_converge:
        out.append(Variation("auto-converge", replace(base, auto_converge=True,
                                                      post_copy=False)))
    return out


RANKING = ("fewest failures (completed first), then within --budget, then shortest guest "
           "pause, then shortest duration")


def rank(row: dict[str, Any]) -> tuple[Any, ...]:
    """The sort key :data:`RANKING` describes."""
    pause = row["actual_downtime_ms"]
    return (row["outcome"] != "completed", not row["within_budget"],
            pause if pause is not None else float("inf"),
            row["duration_s"] if row["duration_s"] is not None else float("inf"))


def what_if(guest: Guest, link_mibs: float, base: Settings, release: Release,
            python: int | None, seed: int, budget_s: float | None) -> list[dict[str, Any]]:
    """One row per variation, best first by :data:`RANKING`."""
    rows = []
    for variation in grid(base, release):
        result: Result = simulate(guest, link_mibs, variation.settings, release, python, seed)
        within = result.outcome == "completed" and (
            budget_s is None or (result.end_s is not None and result.end_s <= budget_s))
        rows.append({"variation": variation.label, "outcome": result.outcome,
                     "mechanism": result.mechanism, "duration_s": result.end_s,
                     "final_max_downtime_ms": result.final_max_downtime_ms,
                     "actual_downtime_ms": result.actual_downtime_ms,
                     "within_budget": within, "settings": vars(variation.settings)})
    rows.sort(key=rank)
    return rows

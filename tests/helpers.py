"""Builders for test logs, written through the project's own log writer."""

from __future__ import annotations

from datetime import datetime, timedelta

from loganalyzer.logs import writer as lw

INSTANCE = "7b7edae6-f878-4756-a858-86f836d02c33"
T0 = datetime(2024, 5, 1, 12, 0, 0)


def step_line(n: int, when: datetime | None = None, instance: str = INSTANCE,
              downtime: int | None = None) -> str:
    """An INFO downtime-step line, step ``n`` of the default ramp (50 + 45 n ms)."""
    when = when or T0 + timedelta(seconds=150 * n)
    ms = downtime if downtime is not None else 50 + 45 * n
    return lw.oslo_line(lw.Record(
        when, "INFO", "nova.virt.libvirt.migration",
        f"Increasing downtime to {ms} ms after {150 * n} sec elapsed time", instance=instance))


def noise_line(when: datetime, i: int = 0) -> str:
    return lw.oslo_line(lw.Record(when, "DEBUG", "oslo_service.periodic_task",
                                  f"Running periodic task ComputeManager._poll_{i}"))

"""The ``[libvirt]`` live-migration options one migration ran with, as the simulator drives
and the narrator logs them (defaults: nova's, see :mod:`loganalyzer.nova.options`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """``live_migration_downtime``/``_steps``/``_delay``, ``_completion_timeout``,
    ``_timeout_action``, ``_permit_post_copy``, ``_permit_auto_converge`` and
    ``_bandwidth`` (MiB/s; 0 = no cap)."""

    downtime: int = 500
    steps: int = 10
    delay: int = 75
    completion_timeout: int = 800
    timeout_action: str = "abort"
    post_copy: bool = False
    auto_converge: bool = False
    bandwidth_mibs: int = 0

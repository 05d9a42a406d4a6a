"""The guest's size as nova sees it (``data_gb``) and the limits derived from it.

docs/nova.md §4 and §6. Pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable

MI = 1048576  # oslo_utils.units.Mi
GI = 1073741824  # oslo_utils.units.Gi
FLOOR_GB = 2


def data_gb(memory_mb: int, disk_sizes_bytes: Iterable[int] = (), python: int = 3) -> float:
    """``LibvirtDriver._live_migration_data_gb`` (Liberty 12.0.0 → master).

    RAM in GiB floored at 2, plus each block-migrated disk's ``st_size`` in GiB floored at 2
    (block devices stat as 0 bytes, so each counts 2). Python 2 floors both divisions and
    returns an int; Python 3 returns a float.
    """
    if python == 2:
        ram_gb: float = max(memory_mb * MI // GI, FLOOR_GB)
        disks: float = sum(max(size // GI, FLOOR_GB) for size in disk_sizes_bytes)
        return int(ram_gb + disks)
    ram_gb = max(memory_mb * MI / GI, FLOOR_GB)
    disks = sum(max(size / GI, FLOOR_GB) for size in disk_sizes_bytes)
    return float(ram_gb + disks)


def completion_timeout_s(completion_timeout: int, data_gb_value: float) -> int:
    """``int(live_migration_completion_timeout * data_gb)``: the limit nova prints in
    ``Live migration not completed after %d sec``. 0 means the timeout is off."""
    return int(completion_timeout * data_gb_value)


def step_interval_s(delay: int, data_gb_value: float) -> int:
    """``int(live_migration_downtime_delay * data_gb)``: seconds between ramp steps."""
    return int(delay * data_gb_value)

"""The ``[libvirt] live_migration_*`` options as data: type, default, bounds and history.

Mirrors ``nova/conf/libvirt.py`` of every release tag (docs/nova.md §5). Majors as in
:mod:`loganalyzer.nova.releases`: an option exists in ``added <= major < removed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loganalyzer.nova.releases import Release

GROUP = "libvirt"


@dataclass(frozen=True)
class OptionSpec:
    """One nova option and how it changed across releases."""

    name: str
    kind: str  # "int" | "bool" | "str"
    defaults: tuple[tuple[int, Any], ...]  # (from major, default), ascending
    added: int = 0  # first major that has it (0: older than anything we model)
    removed: int | None = None  # first major without it
    minimum: int | None = None  # oslo.config min= from min_from on
    min_from: int | None = None
    clamp_min: int | None = None  # the code's own clamp in 12–15 (silent 12–14, WARN in 15)
    choices: tuple[str, ...] = ()
    short: str = ""  # the CLI flag, "" when the option has none
    unit: str = ""
    help: str = ""

    def exists_in(self, release: Release) -> bool:
        """True when the release's nova.conf knows this option."""
        if release.major < self.added:
            return False
        return self.removed is None or release.major < self.removed

    def default_in(self, release: Release) -> Any:
        """The default value in that release (None when the option does not exist)."""
        value = None
        for since, default in self.defaults:
            if release.major >= since:
                value = default
        return value

    def min_in(self, release: Release) -> int | None:
        """The oslo.config ``min=`` the release enforces (rejects below), if any."""
        if self.min_from is not None and release.major >= self.min_from:
            return self.minimum
        return None

    def clamp_in(self, release: Release) -> int | None:
        """The minimum the release's code clamps to (12–15 only), if any."""
        if self.clamp_min is not None and 12 <= release.major <= 15:
            return self.clamp_min
        return None


OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec(
        "live_migration_downtime", "int", ((12, 500),), added=12,
        minimum=100, min_from=16, clamp_min=100, short="downtime", unit="ms",
        help="Maximum downtime the ramp ends at. The first step allows downtime/steps ms.",
    ),
    OptionSpec(
        "live_migration_downtime_steps", "int", ((12, 10),), added=12,
        minimum=3, min_from=16, clamp_min=3, short="steps",
        help="Number of increments; the ramp has steps+1 values.",
    ),
    OptionSpec(
        "live_migration_downtime_delay", "int", ((12, 75),), added=12,
        minimum=3, min_from=16, clamp_min=10, short="delay", unit="s per GiB",
        help="Time between increments, multiplied by the guest's data_gb.",
    ),
    OptionSpec(
        "live_migration_completion_timeout", "int", ((12, 800),), added=12,
        minimum=0, min_from=19, short="completion-timeout", unit="s per GiB",
        help="Time allowed for the whole migration, multiplied by data_gb; 0 turns it off.",
    ),
    OptionSpec(
        "live_migration_progress_timeout", "int", ((12, 150), (15, 0)), added=12, removed=19,
        unit="s",
        help="Abort when no progress is made for this long (deprecated in 15, removed in 19).",
    ),
    OptionSpec(
        "live_migration_timeout_action", "str", ((19, "abort"),), added=19,
        choices=("abort", "force_complete"), short="timeout-action",
        help="What the completion timeout does: abort, or force_complete (post-copy or pause).",
    ),
    OptionSpec(
        "live_migration_permit_post_copy", "bool", ((14, False),), added=14, short="post-copy",
        help="Allow switching to post-copy (force-complete or, 14–18, automatically).",
    ),
    OptionSpec(
        "live_migration_permit_auto_converge", "bool", ((14, False),), added=14,
        short="auto-converge",
        help="Let QEMU throttle the vCPUs; ignored when post-copy is permitted and available.",
    ),
    OptionSpec(
        "live_migration_bandwidth", "int", ((0, 0),), unit="MiB/s",
        help="Bandwidth cap; 0 leaves the hypervisor's default (effectively unlimited).",
    ),
    OptionSpec(
        "live_migration_tunnelled", "bool", ((13, None), (14, False)), added=13,
        help="Tunnel migration data through libvirtd (deprecated in 23.0.0).",
    ),
    OptionSpec(
        "live_migration_with_native_tls", "bool", ((19, False),), added=19,
        help="Encrypt migration streams with QEMU's native TLS.",
    ),
    OptionSpec(
        "live_migration_uri", "str", ((0, "qemu+tcp://%s/system"), (13, None)),
        help="Migration URI (deprecated for removal in 15.0.0).",
    ),
    OptionSpec("live_migration_scheme", "str", ((15, None),), added=15,
               help="Scheme of the migration URI (tcp by default)."),
    OptionSpec("live_migration_inbound_addr", "str", ((13, None),), added=13,
               help="Address the destination receives migration traffic on."),
    OptionSpec("live_migration_flag", "str", ((0, None),), removed=14,
               help="libvirt migration flags (deprecated in 13, removed in 14)."),
    OptionSpec("block_migration_flag", "str", ((0, None),), removed=14,
               help="libvirt block-migration flags (deprecated in 13, removed in 14)."),
    OptionSpec("live_migration_parallel_connections", "int", ((33, 1),), added=33,
               help="Parallel migration connections; more than 1 sets VIR_MIGRATE_PARALLEL."),
    OptionSpec("live_migration_monitor_interval", "int", ((34, 5),), added=34, unit="s",
               help="Progress-log interval (master only, unreleased)."),
)

BY_NAME: dict[str, OptionSpec] = {o.name: o for o in OPTIONS}

# The options that shape the ramp and the timeout: what predict, lint and compare care about.
RAMP_OPTIONS = (
    "live_migration_downtime",
    "live_migration_downtime_steps",
    "live_migration_downtime_delay",
    "live_migration_completion_timeout",
    "live_migration_timeout_action",
    "live_migration_permit_post_copy",
    "live_migration_permit_auto_converge",
    "live_migration_bandwidth",
    "live_migration_progress_timeout",
)


# Bounds of the model, not of nova: nova's IntOpt has no maximum, but a ramp is a list that
# nova builds whole when the monitor starts and then walks on every 0.5 s iteration —
# ``update_downtime`` loops over all steps and logs the whole list at DEBUG (Newton 14.0.0 →
# master); Liberty/Mitaka pop one step per iteration. 10,000 steps already make each of those
# DEBUG lines ~170 KB; 100,000,000 would need ~10 GB of Python tuples before the first
# iteration. Beyond this, a value is a finding and no ramp is computed.
MODEL_MAX = {"live_migration_downtime_steps": 10_000}


def beyond_model(name: str, value: Any) -> str | None:
    """Why ``value`` of option ``name`` is beyond what nova could run with, or None."""
    limit = MODEL_MAX.get(name)
    if limit is None or not isinstance(value, int) or value <= limit:
        return None
    text = str(value)
    shown = text if len(text) <= 30 else f"{text[:12]}…({len(text)} digits)"
    return (f"{name} = {shown} is beyond the {limit:,} steps loganalyzer models: nova builds "
            "the whole list of steps when the migration monitor starts and walks and logs "
            "all of it every 0.5 s (update_downtime), so nova could not run a ramp this "
            "long; no ramp is predicted for it")

"""What nova will do with a configuration and a guest: the ramp, the step interval, the
completion-timeout limit. Pure; combines :mod:`loganalyzer.nova` with an effective config.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from loganalyzer.config.load import EffectiveConfig
from loganalyzer.errors import InputError
from loganalyzer.nova.ramp import RampBeyondModel, Step, downtime_steps, ramp_end_s
from loganalyzer.nova.releases import BY_MAJOR, Release, UnknownRelease, Variant, parse_release
from loganalyzer.nova.sizing import GI, completion_timeout_s, data_gb, step_interval_s

# The release assumed for a variant given without --release: the newest that computes it.
RELEASE_FOR_VARIANT = {Variant.EXPONENTIAL: 14, Variant.LINEAR_PY2: 20, Variant.LINEAR_PY3: 33}
DEFAULT_RELEASE = 33


@dataclass(frozen=True)
class Model:
    """A release and the ramp variant it runs, with how they were chosen."""

    release: Release
    variant: Variant | None
    minor: int | None = None
    notes: tuple[str, ...] = ()


def resolve_model(
    release_text: str | None, variant_text: str | None = None, python: int | None = None
) -> Model:
    """Pick the release and variant from ``--release``, ``--variant`` and ``--python``."""
    variant = None
    if variant_text is not None:
        try:
            variant = Variant(variant_text)
        except ValueError:
            choices = " | ".join(v.value for v in Variant)
            raise InputError(f"--variant {variant_text}: not one of {choices}") from None
    if python is not None and python not in (2, 3):
        raise InputError(f"--python {python}: must be 2 or 3")
    notes: list[str] = []
    minor = None
    if release_text is not None:
        try:
            ref = parse_release(release_text)
        except UnknownRelease as exc:
            raise InputError(f"--release {release_text}: {exc}") from None
        release, minor = ref.release, ref.minor
    elif variant is not None:
        release = BY_MAJOR[RELEASE_FOR_VARIANT[variant]]
        notes.append(f"no --release: assuming {release.label}, the newest with {variant}")
    else:
        release = BY_MAJOR[DEFAULT_RELEASE]
        notes.append(f"no --release: assuming {release.label}")
    if python is not None and python not in release.pythons:
        raise InputError(f"--python {python}: {release.label} does not run on Python {python}")
    if variant is None:
        variant = release.variant(python)
        if variant is not None and python is None and len(release.pythons) > 1:
            notes.append(
                f"{release.label} ran on Python 2 or 3; assuming Python "
                f"{release.default_python} ({variant}); pass --python to choose"
            )
    elif release_text is not None:
        allowed = {release.variant(p) for p in release.pythons}
        if variant not in allowed:
            names = " or ".join(sorted(str(v) for v in allowed if v)) or "no ramp"
            raise InputError(f"--variant {variant}: {release.label} computes {names}")
    return Model(release, variant, minor, tuple(notes))


@dataclass(frozen=True)
class GuestSize:
    """The guest's data_gb and how it was obtained."""

    data_gb: float
    source: str


def guest_size(
    memory_mb: int | None,
    data_gb_given: float | None,
    disk_gb: Sequence[float],
    python: int,
) -> GuestSize:
    """data_gb from ``--memory-mb`` (and ``--disk-gb``) with the Python's arithmetic, or
    ``--data-gb`` as given (floored under Python 2, where nova's data_gb is an int)."""
    if memory_mb is not None and data_gb_given is not None:
        raise InputError("give either --memory-mb or --data-gb, not both")
    if memory_mb is not None:
        if memory_mb <= 0:
            raise InputError(f"--memory-mb {memory_mb}: must be positive")
        sizes = [int(gb * GI) for gb in disk_gb]
        value = data_gb(memory_mb, sizes, python=python)
        disks = "".join(f" --disk-gb {gb:g}" for gb in disk_gb)
        return GuestSize(value, f"--memory-mb {memory_mb}{disks} (Python {python} arithmetic)")
    if data_gb_given is not None:
        if data_gb_given <= 0:
            raise InputError(f"--data-gb {data_gb_given:g}: must be positive")
        if disk_gb:
            raise InputError("--disk-gb goes with --memory-mb; --data-gb already includes disks")
        if python == 2 and data_gb_given != int(data_gb_given):
            return GuestSize(
                float(int(data_gb_given)),
                f"--data-gb {data_gb_given:g} floored to {int(data_gb_given)} (Python 2)",
            )
        return GuestSize(float(data_gb_given), f"--data-gb {data_gb_given:g}")
    raise InputError("give the guest's size: --memory-mb MB (with --disk-gb) or --data-gb GB")


@dataclass
class Prediction:
    """The ramp and limits nova computes at monitor start."""

    model: Model
    config: EffectiveConfig
    guest: GuestSize
    steps: list[Step]
    step_interval_s: int
    completion_timeout_s: int  # 0: no timeout
    notes: list[str] = field(default_factory=list)

    @property
    def ramp_end_s(self) -> int:
        """When the ramp's last (maximum) step is due."""
        return ramp_end_s(self.steps)

    @property
    def ramp_max_ms(self) -> int | None:
        return self.steps[-1][1] if self.steps else None

    @property
    def ramp_before_timeout(self) -> bool | None:
        """Whether the maximum step is due before the completion timeout (None: no timeout)."""
        if not self.completion_timeout_s or not self.steps:
            return None
        return self.ramp_end_s < self.completion_timeout_s

    def late_steps(self) -> list[tuple[int, Step]]:
        """Steps due at or after the completion timeout: (index, step)."""
        if not self.completion_timeout_s:
            return []
        return [(i, s) for i, s in enumerate(self.steps) if s[0] >= self.completion_timeout_s]

    def to_json(self) -> dict[str, Any]:
        """The ``predict`` JSON contract."""
        return {
            "release": self.model.release.label,
            "variant": str(self.model.variant) if self.model.variant else None,
            "data_gb": self.guest.data_gb,
            "data_gb_source": self.guest.source,
            "config": self.config.as_dict(),
            "steps": [{"after_s": a, "downtime_ms": d} for a, d in self.steps],
            "step_interval_s": self.step_interval_s,
            "completion_timeout_s": self.completion_timeout_s,
            "ramp_end_s": self.ramp_end_s,
            "ramp_before_timeout": self.ramp_before_timeout,
            "notes": list(self.model.notes) + self.config.notes + self.notes,
        }


def predict(model: Model, config: EffectiveConfig, guest: GuestSize) -> Prediction:
    """The ramp for ``config`` and ``guest`` under ``model`` (no ramp before Liberty)."""
    if model.variant is None:
        raise InputError(
            f"{model.release.label} has no downtime ramp (it arrived in Liberty 12.0.0)"
        )
    downtime = config.value("live_migration_downtime")
    steps = config.value("live_migration_downtime_steps")
    delay = config.value("live_migration_downtime_delay")
    timeout = config.value("live_migration_completion_timeout") or 0
    try:
        ramp = downtime_steps(downtime, steps, delay, guest.data_gb, model.variant)
    except RampBeyondModel as exc:
        setting = config.settings.get("live_migration_downtime_steps")
        raise InputError(f"{setting.source}: {exc}" if setting else str(exc)) from None
    notes = []
    if model.variant is Variant.EXPONENTIAL:
        notes.append("exponential ramp (Liberty–Newton): values rise slowly, then sharply")
    return Prediction(
        model=model,
        config=config,
        guest=guest,
        steps=ramp,
        step_interval_s=step_interval_s(delay, guest.data_gb),
        completion_timeout_s=completion_timeout_s(timeout, guest.data_gb),
        notes=notes,
    )

"""The typed contract of ``migrations --format json``: one :class:`Migration` per element.

The analysis builds rows; :meth:`Migration.from_json` gives them types and
:meth:`Migration.to_json` gives back exactly the element the CLI writes (a test compares them
on the samples and the real logs). Keys this version does not know yet are kept in ``extra``
and written back unchanged, so a newer field never disappears through the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

T = TypeVar("T", bound="Record")


class _Absent:
    """A field the element did not have (unlike ``None``, which it had as ``null``)."""

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT: Any = _Absent()


@dataclass
class Record:
    """A JSON object with typed fields; unknown keys kept in ``extra``."""

    extra: dict[str, Any] = field(default_factory=dict, kw_only=True, repr=False)

    @classmethod
    def from_json(cls: type[T], data: dict[str, Any]) -> T:
        hints = get_type_hints(cls)
        known = {f.name for f in fields(cls) if f.name != "extra"}
        values: dict[str, Any] = {}
        for name in known:
            if name not in data:
                continue
            values[name] = _typed(hints[name], data[name])
        extra = {k: v for k, v in data.items() if k not in known}
        return cls(**values, extra=extra)

    def __getitem__(self, key: str) -> Any:
        """``record["field"]`` as on the JSON element (nested records stay typed)."""
        if key != "extra" and key in self.__dataclass_fields__:
            value = getattr(self, key)
            if value is not ABSENT:
                return value
        elif key in self.extra:
            return self.extra[key]
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, ABSENT) is not ABSENT

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "extra":
                continue
            value = getattr(self, f.name)
            if value is ABSENT:
                continue
            out[f.name] = _plain(value)
        out.update(self.extra)
        return out


def _typed(hint: Any, value: Any) -> Any:
    """Nested records from dicts (and lists or maps of them), by the field's annotation."""
    if value is None:
        return None
    origin, args = get_origin(hint), get_args(hint)
    if origin is list and args and _is_record(args[0]) and isinstance(value, list):
        return [args[0].from_json(v) for v in value]
    if origin is dict and len(args) == 2 and _is_record(args[1]) and isinstance(value, dict):
        return {k: args[1].from_json(v) for k, v in value.items()}
    if origin in (Union, UnionType):
        for arg in args:
            if _is_record(arg) and isinstance(value, dict):
                return arg.from_json(value)
        return value
    if _is_record(hint) and isinstance(value, dict):
        return hint.from_json(value)
    return value


def _is_record(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, Record)


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_json()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass
class ObservedStep(Record):
    """A step nova logged: when, its ``after`` time, the value, and its lag behind the due
    time (None when the monitor start is unknown)."""

    time: str | None = None
    after_s: int | None = None
    downtime_ms: int | None = None
    lag_s: float | None = None


@dataclass
class PredictedStep(Record):
    """A step of the predicted ramp."""

    after_s: int = 0
    downtime_ms: int = 0


@dataclass
class Sourced(Record):
    """A value and where it came from (``default for Stein (19)``, a file, a flag, a dump)."""

    value: Any = None
    source: str | None = None


@dataclass
class Inferred(Record):
    """The configuration the logged ramp implies, with alternatives when it is ambiguous."""

    downtime: int | None = None
    steps: int | None = None
    step_interval_s: int | None = None
    delay: int | None = None
    variant: str | None = None
    downtime_range: Any = None
    alternatives: list[Any] = field(default_factory=list)


@dataclass
class Switchover(Record):
    """The window from the source's pause to the destination's resume, clock-corrected."""

    start: str | None = None
    end: str | None = None
    seconds: float | None = None
    clock_offset_s: float | None = None
    uncertainty_s: float | None = None
    basis: str | None = None
    note: str | None = None
    evidence: str = ABSENT  # "qemu-events" | "lifecycle-events" where the reader knows


@dataclass
class FindingRecord(Record):
    """A finding as JSON: stable code, severity, message."""

    code: str = ""
    severity: str = "info"
    message: str = ""


@dataclass
class Migration(Record):
    """One live migration, as ``migrations --format json`` writes it."""

    instance: str | None = None
    migration_uuid: str | None = None
    source_host: str | None = None
    dest_host: str | None = None
    dest_log_host: str | None = None
    start: str | None = None
    end: str | None = None
    duration_s: float | None = None  # None unless both ends are in the log
    start_seen: bool = ABSENT  # the migration's first line is in the log
    end_seen: bool = ABSENT  # its last line is
    duration_min_s: float | None = ABSENT  # a lower bound from nova's lines when an end is not
    outcome: str = "unknown"  # completed | cancelled | failed | unknown
    error: str | None = None
    error_class: str | None = ABSENT  # a short class of ``error`` for grouping
    release: str | None = None
    release_source: str | None = None
    post_copy: bool = False
    post_copy_at: str | None = None
    paused: bool = False
    timeout_hit: bool = False
    timeout_limit_s: int | None = None
    observed_steps: list[ObservedStep] = field(default_factory=list)
    predicted_steps: list[PredictedStep] = field(default_factory=list)
    final_downtime_ms: int | None = None
    data_gb: Sourced | None = None
    config: dict[str, Sourced] = field(default_factory=dict)
    config_source: str | None = None
    variant: str | None = None
    ramp_verdict: str = "unknown_config"  # match | mismatch | no_ramp | unknown_config
    ramp_end_s: int | None = None
    predicted_timeout_s: int | None = None
    inferred: Inferred | None = None
    switchover: Switchover | None = None
    progress: dict[str, Any] = field(default_factory=dict)
    progress_series: list[Any] = field(default_factory=list)
    markers: list[Any] = field(default_factory=list)
    findings: list[FindingRecord] = field(default_factory=list)
    events: int = 0  # log lines of this migration (folded runs counted whole)

    @property
    def failed_checks(self) -> list[str]:
        """The finding codes at warning or error severity."""
        return [f.code for f in self.findings if f.severity != "info"]


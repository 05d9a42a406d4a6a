"""What the logs say about a host apart from its migrations: the configuration it printed at
start-up (oslo.config's ``log_opt_values`` dump, facts §1.3), the nova version it announced
(``Starting compute node (version X)``), and which releases the message forms allow.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from loganalyzer.logs.catalog import FORM_BOUNDS as CATALOGUE_BOUNDS
from loganalyzer.nova.releases import ReleaseRef, UnknownRelease, parse_release

NEWEST = 34


@dataclass(frozen=True)
class Dump:
    """One start-up configuration dump."""

    when: Any  # datetime or None
    file: str
    line: int
    values: dict[str, str]

    @property
    def where(self) -> str:
        return f"startup dump at {self.when} ({self.file}:{self.line})"


@dataclass
class HostFacts:
    """Dumps and announced versions of one host, in log order."""

    dumps: list[Dump] = field(default_factory=list)
    versions: list[tuple[Any, str]] = field(default_factory=list)

    def dump_before(self, when: Any) -> Dump | None:
        """The most recent dump at or before ``when`` (the last one when ``when`` is None)."""
        return _latest(self.dumps, when, lambda d: d.when)

    def version_before(self, when: Any) -> ReleaseRef | None:
        item = _latest(self.versions, when, lambda v: v[0])
        if item is None:
            return None
        try:
            return parse_release(item[1])
        except UnknownRelease:
            return None


def _latest(items: list[Any], when: Any, key: Any) -> Any:
    if not items:
        return None
    if when is None or _missing(when):
        return items[-1]
    times = [key(i) for i in items]
    dated = [(t, i) for t, i in zip(times, items, strict=True) if not _missing(t)]
    if not dated:
        return items[-1]
    index = bisect_right([t for t, _ in dated], when)
    return dated[index - 1][1] if index else None


def _missing(value: Any) -> bool:
    return value is None or value != value  # None, or a NaN/NaT


def host_facts(records: Iterable[Mapping[str, Any]]) -> dict[str, HostFacts]:
    """Group ``config_option``, ``config_files`` and ``compute_start`` events by host.

    A dump starts at ``config files: [...]`` or when an option repeats; its options are the
    ``[libvirt] live_migration_*`` lines and ``max_concurrent_live_migrations``.
    """
    facts: dict[str, HostFacts] = {}
    current: dict[str, dict[str, Any]] = {}
    for record in records:
        host = record.get("host") or "unknown"
        host_facts_ = facts.setdefault(host, HostFacts())
        kind = record["kind"]
        if kind == "compute_start":
            host_facts_.versions.append((record.get("timestamp"), record["version"]))
        elif kind == "config_files" or (kind == "config_option" and host in current
                                         and record["option"] in current[host]["values"]):
            current[host] = _new_dump(host_facts_, record)
        if kind == "config_option":
            if host not in current:
                current[host] = _new_dump(host_facts_, record)
            current[host]["values"][record["option"]] = record["value"].strip()
    return facts


def _new_dump(facts: HostFacts, record: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, str] = {}
    facts.dumps.append(Dump(record.get("timestamp"), record.get("file", ""),
                            int(record.get("line") or 0), values))
    return {"values": values}


# --- release bounds from message forms (facts §2) ----------------------------------------

# message_id: (first major, last major, why) — the catalogue's release evidence
FORM_BOUNDS: dict[str, tuple[int, int, str]] = CATALOGUE_BOUNDS


def release_bounds(records: Iterable[Mapping[str, Any]]) -> tuple[int, int, list[str]]:
    """The range of release majors the message forms of ``records`` allow, and why."""
    low, high, reasons = 11, NEWEST, []
    seen = set()
    for record in records:
        message_id = record.get("message_id")
        if message_id in FORM_BOUNDS and message_id not in seen:
            seen.add(message_id)
            first, last, why = FORM_BOUNDS[message_id]
            low, high = max(low, first), min(high, last)
            reasons.append(why)
        style = record.get("context_style")
        if style == "global" and "global" not in seen:
            seen.add("global")
            low = max(low, 26)
            reasons.append("the request context with a global request id is oslo.log 4.8 "
                           "(Zed) or later")
    return low, high, reasons

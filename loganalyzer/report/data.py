"""The data one report embeds: the ``migrations`` JSON contract (ramps and configurations
shared between migrations stored once), fleet statistics, and the configuration-drift table
(declared vs running vs inferred, per host)."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from loganalyzer.analysis.evidence import host_facts
from loganalyzer.output.migrations_out import public

DRIFT_OPTIONS = ("live_migration_downtime", "live_migration_downtime_steps",
                 "live_migration_downtime_delay", "live_migration_completion_timeout",
                 "live_migration_timeout_action", "live_migration_permit_post_copy",
                 "live_migration_permit_auto_converge")


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


COLUMNS, ROWS, STRING, DICT, LIST = "~c", "~r", "~s", "~d", "~l"  # markers of the compact
# encoding: no real key starts with "~"; a real list starting with such a marker is escaped
INTERN_MIN = 12  # strings at least this long that occur twice are stored once


def compact(value: Any) -> Any:
    """A smaller JSON form of ``value`` for embedding: every object's key list is stored once
    (``["~d", shape, values…]``), lists of objects with the same keys become columns
    (``{"~c": keys, "~r": rows}``), and long repeated strings become ``{"~s": n}``
    references. :func:`expand` (and the page's script) undo it exactly."""
    counts: Counter[str] = Counter()
    _count_strings(value, counts)
    strings = [s for s, n in counts.items() if n > 1 and len(s) >= INTERN_MIN]
    state = _Encoder({s: i for i, s in enumerate(strings)})
    encoded = state.encode(value)
    return {"strings": strings, "shapes": state.shapes, "value": encoded}


def _count_strings(value: Any, counts: Counter[str]) -> None:
    if isinstance(value, str):
        counts[value] += 1
    elif isinstance(value, dict):
        for item in value.values():
            _count_strings(item, counts)
    elif isinstance(value, list):
        for item in value:
            _count_strings(item, counts)


class _Encoder:
    def __init__(self, index: dict[str, int]) -> None:
        self.index = index
        self.shapes: list[list[str]] = []
        self.shape_ids: dict[tuple[str, ...], int] = {}

    def encode(self, value: Any) -> Any:
        if isinstance(value, str):
            return {STRING: self.index[value]} if value in self.index else value
        if isinstance(value, dict):
            keys = tuple(value)
            if keys not in self.shape_ids:
                self.shape_ids[keys] = len(self.shapes)
                self.shapes.append(list(keys))
            return [DICT, self.shape_ids[keys], *(self.encode(v) for v in value.values())]
        if isinstance(value, list):
            if len(value) > 1 and all(isinstance(v, dict) for v in value):
                keys = list(value[0])
                if all(list(v) == keys for v in value):
                    return {COLUMNS: keys,
                            ROWS: [[self.encode(v[k]) for k in keys] for v in value]}
            items = [self.encode(v) for v in value]
            if items and isinstance(items[0], str) and items[0].startswith("~"):
                return [LIST, *items]
            return items
        return value


def expand(packed: Mapping[str, Any]) -> Any:
    """The inverse of :func:`compact`."""
    strings, shapes = packed["strings"], packed["shapes"]

    def decode(value: Any) -> Any:
        if isinstance(value, dict):
            if STRING in value and len(value) == 1:
                return strings[value[STRING]]
            return [dict(zip(value[COLUMNS], (decode(v) for v in row), strict=True))
                    for row in value[ROWS]]
        if isinstance(value, list):
            if value and value[0] == DICT:
                return dict(zip(shapes[value[1]], (decode(v) for v in value[2:]), strict=True))
            if value and value[0] == LIST:
                return [decode(v) for v in value[1:]]
            return [decode(v) for v in value]
        return value

    return decode(packed["value"])


def pack(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Migrations with ``predicted_steps`` and ``config`` replaced by references into shared
    ``ramps`` and ``configs`` tables (a fleet of 10,000 migrations shares a handful)."""
    ramps: list[Any] = []
    configs: list[Any] = []
    index: dict[str, int] = {}
    packed = []
    for row in rows:
        item = public(row)
        for name, table, ref in (("predicted_steps", ramps, "ramp_ref"),
                                 ("config", configs, "config_ref")):
            value = item.pop(name)
            key = name + _key(value)
            if key not in index:
                index[key] = len(table)
                table.append(value)
            item[ref] = index[key]
        packed.append(item)
    return {"migrations": packed, "ramps": ramps, "configs": configs}


def unpack(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The inverse of :func:`pack` (what the page's script does)."""
    rows = []
    for item in data["migrations"]:
        row = dict(item)
        row["predicted_steps"] = data["ramps"][row.pop("ramp_ref")]
        row["config"] = data["configs"][row.pop("config_ref")]
        rows.append(row)
    return rows


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Fleet figures for the summary panel."""
    durations = [r["duration_s"] for r in rows if r.get("duration_s") is not None]
    finals = [r["final_downtime_ms"] for r in rows if r.get("final_downtime_ms") is not None]
    return {
        "migrations": len(rows),
        "outcomes": dict(Counter(r["outcome"] for r in rows).most_common()),
        "verdicts": dict(Counter(r["ramp_verdict"] for r in rows).most_common()),
        "duration_median_s": statistics.median(durations) if durations else None,
        "duration_p95_s": _quantile(durations, 0.95),
        "final_downtime_ms": {
            "min": min(finals) if finals else None,
            "median": statistics.median(finals) if finals else None,
            "p95": _quantile(finals, 0.95), "max": max(finals) if finals else None},
        "timeouts": sum(1 for r in rows if r.get("timeout_hit")),
        "post_copy": sum(1 for r in rows if r.get("post_copy")),
        "paused": sum(1 for r in rows if r.get("paused")),
        "hosts": sorted({h for r in rows for h in (r.get("source_host"), r.get("dest_host"))
                         if h}),
        "releases": sorted({r["release"] for r in rows if r.get("release")}),
        "pauses": _pauses(rows),
    }


def _pauses(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The guest pauses by evidence tier: measured by QEMU (libvirt/QEMU logs) or estimated
    from nova's lifecycle events (analysis/qemu.py); figures over the measured ones only."""
    tiers = Counter((r.get("switchover") or {}).get("evidence") or "lifecycle-events"
                    for r in rows if r.get("switchover"))
    measured = [r["switchover"]["seconds"] for r in rows
                if (r.get("switchover") or {}).get("evidence") == "qemu-events"]
    return {"measured": tiers.get("qemu-events", 0),
            "estimated": tiers.get("lifecycle-events", 0),
            "measured_median_s": statistics.median(measured) if measured else None,
            "measured_max_s": max(measured) if measured else None}


def drift(rows: Sequence[dict[str, Any]], records: Iterable[Mapping[str, Any]],
          declared: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Per source host: the declared value, the running value (the host's last start-up
    dump) and the inferred value (what its logged ramps imply) of each ramp option."""
    facts = host_facts(r for r in records if r["kind"] in ("config_option", "config_files",
                                                             "compute_start"))
    hosts = sorted({r["source_host"] for r in rows if r.get("source_host")} | set(facts))
    table = []
    for host in hosts:
        dump = facts[host].dump_before(None) if host in facts else None
        mine = [r for r in rows if r.get("source_host") == host]
        inferred = Counter(
            (r["inferred"]["downtime"], r["inferred"]["steps"], r["inferred"].get("delay"))
            for r in mine if r.get("inferred", {}).get("downtime") is not None)
        guess = inferred.most_common(1)[0][0] if inferred else (None, None, None)
        options = []
        for name in DRIFT_OPTIONS:
            running = dump.values.get(name) if dump else None
            want = (declared or {}).get(name)
            guessed = dict(zip(DRIFT_OPTIONS[:3], guess, strict=True)).get(name)
            values = [str(v) for v in (want, running, guessed) if v is not None]
            options.append({"option": name, "declared": want, "running": running,
                            "inferred": guessed, "differs": len(set(values)) > 1})
        table.append({"host": host, "migrations": len(mine),
                      "running_source": dump.where if dump else None,
                      "verdicts": dict(Counter(r["ramp_verdict"] for r in mine)),
                      "options": options, "drifted": any(o["differs"] for o in options)})
    return table


def script_json(value: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``</script>``, no ``<!--``,
    no line separators that end a JavaScript string."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))

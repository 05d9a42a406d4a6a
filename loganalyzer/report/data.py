"""The data one report embeds: the ``migrations`` JSON contract plus what the page shows
(duration or bound, error class, log lines), ramps and configurations shared between
migrations stored once, in a compact encoding safe inside ``<script>``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from loganalyzer.analysis.migrations import predicted_ramp
from loganalyzer.logs.read import Event
from loganalyzer.nova.ramp import step_value
from loganalyzer.nova.releases import Variant
from loganalyzer.output.migrations_out import public
from loganalyzer.report.drift import RAMP_OPTIONS
from loganalyzer.report.stats import duration, error_class


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


PLAIN = frozenset({int, float, bool, type(None)})  # values encoded as themselves


def _count_strings(value: Any, counts: Counter[str]) -> None:
    if isinstance(value, str):
        counts[value] += 1
        return
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, list):
        return
    for item in value:  # plain values and exact strings without a call each
        kind = type(item)
        if kind is str:
            counts[item] += 1
        elif kind not in PLAIN:
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
            return [DICT, self.shape_ids[keys], *self._items(value.values())]
        if isinstance(value, list):
            if len(value) > 1 and all(isinstance(v, dict) for v in value):
                names = list(value[0])
                if all(list(v) == names for v in value):
                    return {COLUMNS: names,
                            ROWS: [self._items([v[k] for k in names]) for v in value]}
            items = self._items(value)
            if items and isinstance(items[0], str) and items[0].startswith("~"):
                return [LIST, *items]
            return items
        return value

    def _items(self, values: Any) -> list[Any]:
        """``[self.encode(v) for v in values]``, with plain values and exact strings
        encoded inline (most of a report's values: a call each was most of its cost)."""
        index = self.index
        out = []
        for value in values:
            kind = type(value)
            if kind in PLAIN:
                out.append(value)
            elif kind is str:
                at = index.get(value)
                out.append(value if at is None else {STRING: at})
            else:
                out.append(self.encode(value))
        return out


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


def pack(rows: Sequence[dict[str, Any]], drift: Mapping[str, Any] | None = None,
         ) -> dict[str, Any]:
    """Migrations (:func:`page_row`) with ``predicted_steps`` and ``config`` replaced by
    references into shared ``ramps`` and ``configs`` tables (a fleet of 10,000 migrations
    shares a handful), plus ``running_ramp_ref`` / ``inferred_ramp_ref``: the ramp the host's
    start-up dump (from ``drift``) and the inferred configuration give, when they differ."""
    ramps: list[Any] = []
    configs: list[Any] = []
    index: dict[str, int] = {}
    running = {h["host"]: {o["option"]: o["running"] for o in h["options"]}
               for h in (drift or {}).get("hosts", [])}

    def ref(name: str, table: list[Any], value: Any) -> int:
        key = name + _key(value)
        if key not in index:
            index[key] = len(table)
            table.append(value)
        return index[key]

    packed = []
    for row in rows:
        item = page_row(row)
        for name, ramp in (("running_ramp_ref", running_ramp(row, running.get(
                row.get("source_host") or ""))), ("inferred_ramp_ref", inferred_ramp(row))):
            if ramp and ramp != [[s["after_s"], s["downtime_ms"]]
                                 for s in row.get("predicted_steps") or []]:
                item[name] = ref("predicted_steps", ramps,
                                 [{"after_s": a, "downtime_ms": v} for a, v in ramp])
        for name, table, key in (("predicted_steps", ramps, "ramp_ref"),
                                 ("config", configs, "config_ref")):
            item[key] = ref(name, table, item.pop(name))
        packed.append(item)
    return {"migrations": packed, "ramps": ramps, "configs": configs}


def running_ramp(row: Mapping[str, Any], running: Mapping[str, Any] | None,
                 ) -> list[list[int]] | None:
    """The ramp of the host's running configuration (its start-up dump) for this guest."""
    if not running or not all(running.get(n) for n in RAMP_OPTIONS):
        return None
    size = (row.get("data_gb") or {}).get("value")
    if not size or not row.get("variant"):
        return None
    try:
        downtime, steps, delay = (int(float(running[n])) for n in RAMP_OPTIONS)
        return [list(s) for s in predicted_ramp(downtime, steps, delay, float(size),
                                                row["variant"])]
    except ValueError:
        return None


def inferred_ramp(row: Mapping[str, Any]) -> list[list[int]] | None:
    """The ramp the logged steps imply (inferred downtime and steps at the logged spacing)."""
    inferred = row.get("inferred") or {}
    interval, downtime, steps = (inferred.get(k) for k in ("step_interval_s", "downtime",
                                                             "steps"))
    if not (interval and downtime and steps and inferred.get("variant")):
        return None
    try:
        value = step_value(int(downtime), int(steps), Variant(inferred["variant"]))
    except ValueError:
        return None
    return [[int(interval) * i, value(i)] for i in range(int(steps) + 1)]


def unpack(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The inverse of :func:`pack` (what the page's script does)."""
    rows = []
    for item in data["migrations"]:
        row = dict(item)
        row["predicted_steps"] = data["ramps"][row.pop("ramp_ref")]
        row["config"] = data["configs"][row.pop("config_ref")]
        row.pop("running_ramp_ref", None)
        row.pop("inferred_ramp_ref", None)
        rows.append(row)
    return rows


PAGE_KEYS = ("duration",)  # added to the migrations JSON for the page


def page_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A migration's JSON plus what the page shows: its duration (or lower bound) and its
    error class."""
    item = public(dict(row))
    item["duration"] = duration(row)
    if item.get("error_class") is None:  # the analysis's class where it gave one
        item["error_class"] = error_class(row)
    return item


REPEATED_KEEP = 3  # of a kind logged more than 2 × this, the first and last few lines
LOG_BUDGET = 40_000  # log lines embedded at most (migrations that need action first)
LOG_HEAD = ("time", "host", "level", "kind")
LOG_HIDDEN = frozenset({"ts", "timestamp", "message_id", "host_source", "logger", "pid",
                        "request_id", "context_style", "global_request_id", "instance",
                        "last_time", "last_ts", "last_timestamp", "text", "file", "line",
                        *LOG_HEAD})


def _needs_action(row: Mapping[str, Any]) -> bool:
    return bool(row.get("outcome") in ("failed", "cancelled") or row.get("paused")
                or row.get("post_copy") or row.get("timeout_hit")
                or row.get("ramp_verdict") == "mismatch")


def pack_logs(rows: Sequence[Mapping[str, Any]], budget: int = LOG_BUDGET) -> dict[str, Any]:
    """The log lines of both hosts for each migration (what ``show`` prints), columnar:
    ``lines[i]`` is the list of row ``i``'s ``[time, host, level, kind, text, file, line]``
    with host and file as indexes into ``hosts`` and ``files`` (None: not embedded, the
    budget of ``budget`` lines went to migrations that need action first)."""
    order = sorted(range(len(rows)), key=lambda i: not _needs_action(rows[i]))
    hosts: dict[Any, int] = {}
    files: dict[Any, int] = {}
    lines: list[Any] = [None] * len(rows)
    used = 0
    for i in order:
        events = rows[i].get("_events")
        if events is None or used >= budget:
            continue
        mine = log_lines(events)
        used += len(mine)
        for line in mine:
            line[1] = hosts.setdefault(line[1], len(hosts))
            line[5] = files.setdefault(line[5], len(files))
        lines[i] = mine
    return {"hosts": list(hosts), "files": list(files), "lines": lines, "budget": budget,
            "left_out": sum(1 for i, r in enumerate(rows)
                            if lines[i] is None and r.get("_events") is not None)}


def log_lines(events: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    """The migration's lines (:func:`log_line`); of a kind repeated many times (progress,
    step lists) the first and last few, with one line saying how many were left out."""
    kinds = Counter(e.get("kind") for e in events)
    seen: Counter[Any] = Counter()
    out: list[list[Any]] = []
    for event in events:
        kind = event.get("kind")
        seen[kind] += 1
        n, total = seen[kind], kinds[kind]
        if total <= 2 * REPEATED_KEEP + 1 or n <= REPEATED_KEEP or n > total - REPEATED_KEEP:
            out.append(log_line(event))
        elif n == REPEATED_KEEP + 1:
            out.append([None, event.get("host"), None, kind,
                        f"… {total - 2 * REPEATED_KEEP} more '{kind}' lines not embedded "
                        "(loganalyzer show --instance prints them all)", None, None])
    return out


def _present(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event's fields that hold a value. An :class:`~loganalyzer.logs.read.Event` view is
    read straight from its columns (a dict() of it scans every column twice)."""
    if isinstance(event, Event):
        row = event._row  # the view's own row of the shared columns
        return {name: column[row] for name, column in event._columns.items()
                if column[row] is not None}
    return {k: v for k, v in event.items() if v is not None}


def log_line(event: Mapping[str, Any]) -> list[Any]:
    """One event as ``[time, host, level, kind, text, file, line]``: ``text`` is the logged
    message when the reader kept it, else the message's fields as ``show`` prints them."""
    values = _present(event)
    text = values.get("text")
    if not text:
        text = " ".join(f"{name}={value}" for name, value in values.items()
                        if name not in LOG_HIDDEN and not (name == "repeats" and value == 1))
    return [*(None if values.get(k) is None else str(values[k]) for k in LOG_HEAD),
            str(text), values.get("file") or None, values.get("line")]


def script_json(value: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``</script>``, no ``<!--``,
    no line separators that end a JavaScript string."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))

"""Rendering of ``scan``: events as a table with a summary, JSON, CSV or Parquet."""

from __future__ import annotations

from collections import Counter
from typing import IO, TYPE_CHECKING, Any

from loganalyzer.output.common import console, write_csv, write_json

if TYPE_CHECKING:
    import pandas as pd

    from loganalyzer.logs.read import EventSet

# Columns every event has; the rest are the message's own fields.
HEAD = ("time", "host", "file", "line", "level", "instance", "kind")
HIDDEN = {"ts", "timestamp", "message_id", "host_source", "logger", "pid", "request_id",
          "context_style", "global_request_id",
          # a folded run's end, shown as one "repeats" entry instead
          "last_line", "last_time", "last_ts", "last_timestamp", "last_elapsed_s",
          # a start-up dump's last line, shown with its "dump_lines"
          "dump_last_line", "dump_last_time", "dump_last_ts"}


def _clean(value: Any) -> Any:
    """A frame cell as a plain Python value (None for every kind of missing)."""
    if value is None:
        return None
    if hasattr(value, "tolist") and not hasattr(value, "isoformat"):
        return value.tolist()
    if isinstance(value, list):
        return value
    if is_missing(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ")
    return value


def is_missing(value: Any) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def event_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Events as JSON-ready dicts: base fields always, message fields when set."""
    records = []
    base = ("time", "timestamp", "host", "host_source", "file", "line", "level", "logger",
            "request_id", "global_request_id", "instance", "kind", "message_id")
    columns = list(frame.columns)
    for row in frame.itertuples(index=False, name=None):
        values = dict(zip(columns, row, strict=True))
        record = {name: _clean(values.get(name)) for name in base}
        for name in columns:
            if name in base or name == "ts":
                continue
            value = _clean(values[name])
            if value is not None:
                record[name] = value
        records.append(record)
    return records


def details(values: dict[str, Any]) -> str:
    """The message's own fields as ``name=value`` pairs, for the table view."""
    parts = []
    for name, value in values.items():
        if name in HEAD or name in HIDDEN:
            continue
        value = _clean(value)
        if value is None or (name == "repeats" and value == 1):
            continue
        if name == "dump_lines":  # the lines of a start-up dump
            parts.append(f"dump_lines={value} (to line "
                         f"{_clean(values.get('dump_last_line'))})")
            continue
        if name == "repeats":  # a folded run of identical monitor lines
            parts.append(f"repeats={value} (to line {_clean(values.get('last_line'))}, "
                         f"elapsed {_clean(values.get('last_elapsed_s'))} s)")
            continue
        if name == "options":  # a start-up dump's options, in line order
            parts.append(f"options({len(value)})=" + _short(
                ", ".join(f"{k}={v}" for k, v in value.items()), 300))
            continue
        text = str(value)
        if name == "error":  # every line of a message that went on over several lines
            parts.append("error=" + "\n".join(_short(line, ERROR_LINE) for line in
                                               text.splitlines()))
            continue
        parts.append(f"{name}={_short(text, 80)}")
    return " ".join(parts)


ERROR_LINE = 300  # characters of each line of an error shown in a table


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[:size - 3] + "..."


def write(events: EventSet, frame: pd.DataFrame, fmt: str, stream: IO[str],
          show_unrecognized: bool, limit: int) -> None:
    """Write the selected events ``frame`` of ``events`` in ``fmt``."""
    if fmt == "json":
        write_json({
            "events": event_records(frame),
            "unrecognized": events.unrecognized,
            "warnings": events.warnings,
            "files": [f.to_json() for f in [*events.files, *events.passed_over]],
            **_libvirt(events),
        }, stream)
        return
    if fmt == "csv":
        if show_unrecognized:
            write_csv(["file", "line", "text"],
                      [(u["file"], u["line"], u["text"]) for u in events.unrecognized], stream)
            return
        columns = [c for c in frame.columns if c != "ts"
                   and (c in HEAD or c in HIDDEN or frame[c].notna().any())]
        write_csv(columns, ([_csv_cell(v) for v in row] for row in
                            frame[columns].itertuples(index=False, name=None)), stream)
        return
    _table(events, frame, stream, show_unrecognized, limit)


def _csv_cell(value: Any) -> Any:
    """A CSV cell: a start-up dump's options as JSON text (``{"option": "value", …}``)."""
    if isinstance(value, dict):
        import json

        return json.dumps(value)
    return _clean(value)


def write_parquet(frame: pd.DataFrame, output: str | None) -> None:
    """The selected events as Parquet (timestamps typed, list fields kept as lists, a
    start-up dump's ``options`` as a ``map<string, string>`` in line order) to the file
    ``output`` (replaced whole) or stdout (None or ``-``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from loganalyzer.output.common import output_file

    frame = frame.drop(columns=["ts"])
    options = None
    if "options" in frame.columns:
        options = pa.array([list(v.items()) if isinstance(v, dict) else None
                            for v in frame["options"]],
                           type=pa.map_(pa.string(), pa.string()))
        frame = frame.drop(columns=["options"])
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if options is not None:
        table = table.append_column("options", options)
    with output_file(output, binary=True) as stream:
        pq.write_table(table, stream)


def _table(events: EventSet, frame: pd.DataFrame, stream: IO[str], show_unrecognized: bool,
           limit: int) -> None:
    out = console(stream)
    from rich.table import Table
    shown = frame if limit <= 0 else frame.head(limit)
    if len(shown):
        table = Table()
        table.add_column("time", no_wrap=True)
        table.add_column("host", max_width=18, overflow="ellipsis", no_wrap=True)
        table.add_column("level", no_wrap=True)
        table.add_column("instance", no_wrap=True)
        table.add_column("kind", no_wrap=True)
        table.add_column("details", overflow="fold")
        columns = list(frame.columns)
        for row in shown.itertuples(index=False, name=None):
            values = dict(zip(columns, row, strict=True))
            instance = _clean(values.get("instance"))
            table.add_row(str(_clean(values.get("time")) or "-"),
                          str(_clean(values.get("host")) or "-"),
                          str(_clean(values.get("level")) or "-"),
                          instance[:8] if instance else "-",
                          str(values.get("kind")), details(values))
        out.print(table)
    if len(frame) > len(shown):
        out.print(f"... {len(frame) - len(shown)} more events (--limit 0 shows all, or use "
                  "--format json|csv|parquet)")
    if show_unrecognized and events.unrecognized:
        out.print("unrecognized lines (a catalogue key matched, the grammar did not):")
        for row in events.unrecognized:
            reason = f" ({row['reason']})" if row.get("reason") else ""
            out.print(f"  {row['file']}:{row['line']}: {row['text'][:300]}{reason}")
    _summary(out, events, frame)


def _libvirt(events: EventSet) -> dict[str, Any]:
    """The libvirt/QEMU inputs read beside nova's (logs/libvirt), when there were any."""
    libvirt = getattr(events, "libvirt", None)
    if libvirt is None or not libvirt.files:
        return {}
    return {"libvirt_files": [f.to_json() for f in libvirt.files],
            "libvirt_unrecognized": libvirt.unrecognized}


def _summary(out: Any, events: EventSet, frame: pd.DataFrame) -> None:
    files = events.files
    passed = len(events.passed_over)
    lines = sum(f.lines for f in files)
    size = sum(f.bytes for f in files)
    out.print(f"files: {len(files)}{f' ({passed} passed over)' if passed else ''}  "
              f"lines read: {lines}  bytes: {size}  "
              f"events: {len(events.events)} ({len(frame)} selected)")
    counts = Counter(frame["kind"].tolist())
    if counts:
        out.print("events per kind: " + ", ".join(f"{k} {n}" for k, n in
                                                  sorted(counts.items(), key=lambda kv: -kv[1])))
    folded = sum(f.folded for f in files)
    if folded:
        out.print(f"folded: {folded} repeated 'Current … steps' monitor lines, each counted in "
                  "the 'repeats' of its run's first event")
    libvirt = getattr(events, "libvirt", None)
    if libvirt is not None and libvirt.files:
        out.print(f"libvirt/QEMU logs: {len(libvirt.files)} files, "
                  f"{sum(f.lines for f in libvirt.files)} lines, {len(libvirt.records)} "
                  f"records, {len(libvirt.unrecognized)} unrecognized (--format json lists "
                  "them)")
    hint = "" if not events.unrecognized else " (--unrecognized lists them)"
    out.print(f"unrecognized: {len(events.unrecognized)}{hint}  warnings: {len(events.warnings)}")


def write_output(events: EventSet, frame: pd.DataFrame, fmt: str, output: str | None,
                 show_unrecognized: bool = False, limit: int = 500) -> None:
    """``scan``'s output: parquet into ``output``, else :func:`write` there (or on stdout)."""
    from loganalyzer.output.common import output_file

    if fmt == "parquet":
        write_parquet(frame, output)
        return
    with output_file(output) as stream:
        write(events, frame, fmt, stream, show_unrecognized, limit)

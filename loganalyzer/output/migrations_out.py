"""Rendering of ``migrations``, ``show`` and ``verify``."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from typing import IO, Any

from loganalyzer.analysis.collecting import collector_paused
from loganalyzer.output import qemu_out
from loganalyzer.output.common import console, write_csv, write_json
from loganalyzer.output.scan_out import details

SEVERITY_STYLE = {"info": "cyan", "warning": "yellow", "error": "red"}
OUTCOME_STYLE = {"completed": "green", "cancelled": "yellow", "failed": "red", "unknown": "dim"}
VERDICT_STYLE = {"match": "green", "mismatch": "red", "no_ramp": "dim", "unknown_config": "dim"}
SCALARS = ("instance", "migration_uuid", "source_host", "dest_host", "start", "end",
           "start_seen", "end_seen", "duration_s", "duration_min_s", "outcome", "error",
           "error_class", "release", "release_source", "timeout_hit",
           "timeout_limit_s", "predicted_timeout_s", "post_copy", "post_copy_at", "paused",
           "final_downtime_ms", "variant", "ramp_verdict", "ramp_end_s", "config_source")


def public(row: dict[str, Any]) -> dict[str, Any]:
    """A row without its internal ``_`` keys (the JSON contract)."""
    return {k: v for k, v in row.items() if not k.startswith("_")}


def flat(row: dict[str, Any]) -> dict[str, Any]:
    """One flat record for CSV and Parquet: nested parts as JSON text."""
    out = {name: row.get(name) for name in SCALARS}
    out["data_gb"] = (row.get("data_gb") or {}).get("value")
    out["data_gb_source"] = (row.get("data_gb") or {}).get("source")
    out["observed_steps"] = len(row.get("observed_steps") or [])
    out["predicted_steps"] = len(row.get("predicted_steps") or [])
    switchover = row.get("switchover") or {}
    out["switchover_s"] = switchover.get("seconds")
    out["clock_offset_s"] = switchover.get("clock_offset_s")
    out["switchover_evidence"] = switchover.get("evidence")
    out["qemu_downtime_ms"] = row.get("qemu_downtime_ms")
    out["qemu_downtime_limit_ms"] = row.get("qemu_downtime_limit_ms")
    out["findings"] = "; ".join(f"{f['severity']}:{f['code']}" for f in row.get("findings", []))
    for name in ("observed_steps", "predicted_steps", "inferred", "config"):
        out[f"{name}_json"] = json.dumps(row.get(name), default=str)
    return out


def _flags(row: dict[str, Any]) -> str:
    flags = []
    if row.get("timeout_hit"):
        flags.append("timeout")
    if row.get("post_copy"):
        flags.append("post-copy")
    if row.get("paused"):
        flags.append("paused")
    return ",".join(flags) or "-"


def duration(row: dict[str, Any]) -> str:
    """A migration's duration as tables print it: the duration when both ends are in the
    log, else the lower bound (``≥ 2400 s``), else ``-``."""
    value = row.get("duration_s")
    if value is not None:
        return f"{value:.1f} s"
    bound = row.get("duration_min_s")
    if bound is not None:
        return f"≥ {math.floor(bound)} s"
    return "-"


def write(rows: Sequence[dict[str, Any]], warnings: Sequence[str], fmt: str,
          stream: IO[str], host_aliases: dict[str, list[str]] | None = None,
          duplicates_dropped: int = 0) -> None:
    """The ``migrations`` output in ``fmt`` (table | json | csv)."""
    with collector_paused():  # (at 30,000 migrations collections were a third of the JSON)
        _write(rows, warnings, fmt, stream, host_aliases, duplicates_dropped)


def _write(rows: Sequence[dict[str, Any]], warnings: Sequence[str], fmt: str,
           stream: IO[str], host_aliases: dict[str, list[str]] | None,
           duplicates_dropped: int) -> None:
    if fmt == "json":
        write_json({"migrations": [public(r) for r in rows], "warnings": list(warnings),
                    "host_aliases": dict(host_aliases or {}),
                    "duplicates_dropped": duplicates_dropped}, stream)
        return
    if fmt == "csv":
        records = [flat(r) for r in rows]
        header = list(records[0]) if records else [*SCALARS, "data_gb"]
        write_csv(header, ([rec.get(h) for h in header] for rec in records), stream)
        return
    out = console(stream)
    from rich.table import Table
    from rich.text import Text
    table = Table()
    for name in ("instance", "source", "dest", "start", "duration", "outcome", "flags",
                 "steps obs/pred", "final ms", "verdict"):
        if name in ("source", "dest"):
            table.add_column(name, no_wrap=True, max_width=20, overflow="ellipsis")
        else:
            table.add_column(name, no_wrap=True)
    for row in rows:
        instance = row.get("instance") or "-"
        table.add_row(
            instance[:8], row.get("source_host") or "?", row.get("dest_host") or "?",
            str(row.get("start") or "-")[:19], duration(row),
            Text(row["outcome"], style=OUTCOME_STYLE[row["outcome"]]), _flags(row),
            f"{len(row.get('observed_steps') or [])}/{len(row.get('predicted_steps') or [])}",
            str(row.get("final_downtime_ms") or "-"),
            Text(row["ramp_verdict"], style=VERDICT_STYLE[row["ramp_verdict"]]))
    out.print(table)
    summary(out, rows)
    if duplicates_dropped:
        out.print(f"duplicates dropped: {duplicates_dropped} lines seen twice (the same file "
                  "or host read again) were counted once")
    for host, names in sorted((host_aliases or {}).items()):
        out.print(f"host {host} is also named {', '.join(names)}")


def summary(out: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Counts, and the median duration of the whole migrations only (both ends logged)."""
    import statistics

    outcomes = Counter(r["outcome"] for r in rows)
    verdicts = Counter(r["ramp_verdict"] for r in rows)
    whole = sorted(r["duration_s"] for r in rows if r.get("duration_s") is not None)
    durations = ""
    if whole:
        durations = f"  median duration {statistics.median(whole):.1f} s"
    if len(whole) != len(rows):
        durations += (f"  (whole migrations {len(whole)}, partial {len(rows) - len(whole)}: "
                      "their durations are lower bounds, left out)")
    out.print(f"migrations: {len(rows)}  outcomes: " + ", ".join(
        f"{k} {v}" for k, v in outcomes.most_common()) + "  verdicts: " + ", ".join(
        f"{k} {v}" for k, v in verdicts.most_common()) + durations)


def write_parquet(rows: Sequence[dict[str, Any]], output: str | None) -> None:
    """The rows as Parquet to the file ``output`` (replaced whole) or stdout (None, ``-``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from loganalyzer.output.common import output_file

    table = pa.Table.from_pylist([flat(r) for r in rows])
    with output_file(output, binary=True) as stream:
        pq.write_table(table, stream)


def show(row: dict[str, Any], position: int, total: int, stream: IO[str]) -> None:
    """One migration in full: events of both hosts, steps side by side, findings."""
    out = console(stream)
    from rich.table import Table
    out.print(f"migration {position} of {total} of instance {row.get('instance')}: "
              f"{row.get('source_host') or '?'} → {row.get('dest_host') or '?'}, "
              f"{row['outcome']}"
              + (f" ({row['error']})" if row.get("error") else ""))
    ends = "" if row.get("start_seen", True) and row.get("end_seen", True) else " (" + \
        ", ".join(n for n, seen in (("start not in the log", row.get("start_seen", True)),
                                    ("end not in the log", row.get("end_seen", True)))
                  if not seen) + ")"
    out.print(f"start {row.get('start')}  end {row.get('end')}  duration "
              f"{duration(row)}{ends}  release {row.get('release')} "
              f"[{row.get('release_source')}]  variant {row.get('variant')}")
    size = row.get("data_gb") or {}
    out.print(f"data_gb {size.get('value')} [{size.get('source')}]  config from "
              f"{row.get('config_source')}  verdict {row['ramp_verdict']}")
    events = Table(title="events (both hosts, in time order)")
    events.add_column("time", no_wrap=True)
    events.add_column("host", no_wrap=True, max_width=16, overflow="ellipsis")
    events.add_column("level", no_wrap=True)
    events.add_column("kind", no_wrap=True)
    events.add_column("details", overflow="fold", min_width=30)
    for event in row.get("_events", []):
        events.add_row(str(event.get("time") or "-"), str(event.get("host") or "-"),
                       str(event.get("level") or "-"), str(event["kind"]), details(event))
    out.print(events)
    steps = Table(title="downtime steps: observed vs predicted")
    for name in ("step", "after (s)", "predicted ms", "observed ms", "logged at", "lag (s)"):
        steps.add_column(name, justify="right")
    observed = {s["after_s"]: s for s in row.get("observed_steps", [])}
    predicted = row.get("predicted_steps") or []
    for index, step in enumerate(predicted):
        seen = observed.pop(step["after_s"], None)
        mark = "" if seen is None or seen["downtime_ms"] == step["downtime_ms"] else " ≠"
        steps.add_row(str(index), str(step["after_s"]), str(step["downtime_ms"]),
                      (str(seen["downtime_ms"]) + mark) if seen else "-",
                      str(seen["time"] or "-") if seen else "-",
                      str(seen["lag_s"]) if seen and seen["lag_s"] is not None else "-")
    for after, seen in sorted(observed.items()):
        steps.add_row("?", str(after), "-", f"{seen['downtime_ms']} (unexpected)",
                      str(seen["time"] or "-"), str(seen["lag_s"]))
    out.print(steps)
    progress = row.get("progress")
    if progress:
        out.print(f"progress: {progress['lines']} lines, last at {progress['last_secs']} secs "
                  f"with {progress['last_remaining_pct']}% of "
                  f"{progress['memory_total_bytes']} bytes remaining")
    qemu_out.pause(out, row)  # the switchover, its evidence tier, what QEMU logged
    inferred = row.get("inferred") or {}
    if inferred.get("downtime") is not None:
        out.print(f"inferred from the logged ramp: downtime {inferred['downtime']} "
                  f"(range {inferred.get('downtime_range')}), steps {inferred['steps']}, "
                  f"a step every {inferred['step_interval_s']} s, delay {inferred['delay']}, "
                  f"{inferred['variant']}")
    findings(out, row.get("findings", []))


def findings(out: Any, items: Sequence[dict[str, Any]]) -> None:
    from rich.text import Text

    for finding in items:
        line = Text(f"  {finding['severity']:<8}", style=SEVERITY_STYLE[finding["severity"]])
        line.append(f"{finding['code']}: {finding['message']}")
        out.print(line)


def verify(verdict: Any, stream: IO[str], fmt: str) -> None:
    """``verify``: the migrations that failed and why, a table per host, and the one-line
    conclusion, in the same words (``analysis.verify.Verdict``)."""
    if fmt == "json":
        data = verdict.to_json()
        data["failing"] = [{**public(dict(f.migration)), "reasons": list(f.reasons)}
                           for f in verdict.failures]
        write_json(data, stream)
        return
    out = console(stream)
    from rich.table import Table
    if verdict.nothing_verified and not verdict.failures:
        out.print(verdict.line())
        return
    for failure in verdict.failures:
        row = failure.migration
        out.print(f"{row.get('instance')} on {row.get('source_host')} at {row.get('start')}: "
                  f"failed ({', '.join(failure.reasons)})")
        findings(out, [f for f in row["findings"] if f["severity"] != "info"
                       or f["code"] == "config-inferred"])
    table = Table(title="per host")
    for name in ("host", "migrations", "verified", "passed", "failed", "not verified",
                 "failed because"):
        table.add_column(name, justify="left" if name in ("host", "failed because")
                         else "right")
    for host, tally in sorted(verdict.hosts.items()):
        table.add_row(host, str(tally.migrations), str(tally.verified), str(tally.passed),
                      str(tally.failed), str(tally.not_verified),
                      ", ".join(f"{r} {n}" for r, n in tally.reasons.most_common()) or "-")
    out.print(table)
    out.print(verdict.line())


def write_output(rows: Sequence[dict[str, Any]], events: Any, fmt: str,
                 output: str | None) -> None:
    """``migrations``' output: parquet into ``output``, else the table, JSON or CSV there (or
    on stdout), with the reading's and the analysis's warnings."""
    from loganalyzer.output.common import output_file

    if fmt == "parquet":
        write_parquet(rows, output)
        return
    with output_file(output) as stream:
        write(rows, [*events.warnings, *events.analysis_warnings], fmt, stream,
              events.host_aliases, events.duplicates_dropped)


def write_show(row: dict[str, Any], position: int, total: int, fmt: str,
               stream: IO[str]) -> None:
    """``show``'s output: :func:`show`, or with JSON the migration's element with its events
    in full."""
    if fmt != "json":
        show(row, position, total, stream)
        return
    data = public(row)
    data["events_detail"] = [{k: v for k, v in e.items() if v is not None}
                             for e in row.get("_events", [])]
    write_json(data, stream)

"""Read every input of a plan through the scanner and gather the results into one table.

Files, tarball members (streamed, never extracted), binary journals and stdin each become a
:class:`~loganalyzer.logs.scan.ScanResult`; :func:`collect` joins them into an :class:`EventSet`:
Python columns with timestamps parsed once, which the analysis reads through
:class:`Event` views, and a pandas frame built for the commands that show the table.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from loganalyzer.logs.catalog import FLOAT_FIELDS, INT_FIELDS
from loganalyzer.logs.ingest.discover import (
    Input,
    Plan,
    order_inputs,
    plan_inputs,
)
from loganalyzer.logs.scan import Columns, FileReport, ScanResult
from loganalyzer.logs.sources import scan_archive, scan_input

if TYPE_CHECKING:
    import pandas as pd

# integer columns that are not message fields (line numbers, a folded run's count and end)
ROW_INT_COLUMNS = frozenset({"line", "last_line", "repeats", "last_elapsed_s"})
BASE_COLUMNS = ("time", "ts", "host", "host_source", "file", "line", "level", "logger", "pid",
                "request_id", "global_request_id", "instance", "kind", "message_id")


class Event(Mapping[str, Any]):
    """One event: a read-only view of row ``row`` of the event table's columns. A field the
    line did not have reads as None and is not among its keys. A view costs a few dozen
    bytes where a dict of the row cost a kilobyte (the analysis holds every event)."""

    __slots__ = ("_columns", "_row")

    def __init__(self, columns: dict[str, Any], row: int) -> None:
        self._columns = columns
        self._row = row

    def __getitem__(self, key: str) -> Any:
        column = self._columns.get(key)
        return None if column is None else column[self._row]

    def get(self, key: str, default: Any = None) -> Any:
        column = self._columns.get(key)  # __getitem__ inlined: the analysis's hottest call
        value = None if column is None else column[self._row]
        return default if value is None else value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self[key] is not None

    def __iter__(self) -> Iterator[str]:
        row = self._row
        return (name for name, column in self._columns.items() if column[row] is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"Event({dict(self)!r})"


class Records(tuple[Event, ...]):
    """The events of an :class:`EventSet` as :class:`Event` views, row ``i`` at index ``i``,
    with the columns they read: a pass over every event that needs one or two fields takes
    them whole (:meth:`column`) instead of asking each view (a tuple: it cannot change, so
    its columns always say what its views say)."""

    columns: dict[str, list[Any]]

    def __new__(cls, columns: dict[str, list[Any]], rows: int) -> Records:
        made = super().__new__(cls, (Event(columns, row) for row in range(rows)))
        made.columns = columns
        return made

    def column(self, name: str) -> list[Any]:
        """``[event.get(name) for event in self]``, the column itself (do not change it)."""
        values = self.columns.get(name)
        return values if values is not None else [None] * len(self)


@dataclass
class EventSet:
    """Everything read: the events (Python-object columns, and as a pandas frame when a
    command asks for one), unrecognized rows, warnings, per-file stats."""

    columns: dict[str, list[Any]]  # BASE_COLUMNS first; "timestamp" parsed from "ts"
    rows: int
    unrecognized: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: list[FileReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was passed over (counts), for stderr
    passed_over: list[FileReport] = field(default_factory=list)  # inputs not scanned, and why
    _frame: Any = field(default=None, repr=False)
    # filled by the migration analysis (analysis.dedup): each host's other names, the
    # duplicate lines it dropped, its own warnings (lines out of time order, ...)
    host_aliases: dict[str, list[str]] = field(default_factory=dict)
    duplicates_dropped: int = 0
    analysis_warnings: list[str] = field(default_factory=list)
    libvirt: Any = None  # a logs.libvirt.read.LibvirtSet: libvirt/QEMU records, per file

    @property
    def events(self) -> pd.DataFrame:
        """The events as a pandas frame: typed columns (nullable ints, timestamps), built on
        first use (the analysis itself works on :meth:`records` and never needs pandas)."""
        if self._frame is None:
            self._frame = _frame(self.columns, self.rows)
        return self._frame

    def to_pandas(self) -> pd.DataFrame:
        """The event table ``scan --format parquet`` writes (a pandas frame)."""
        return self.events

    def records(self) -> Records:
        """The events in log order, as :class:`Event` views of the columns (None for every
        missing value)."""
        present = {name: values for name, values in self.columns.items()
                   if any(v is not None for v in values)}
        return Records(present, self.rows)

    def line_keys(self, where: frozenset[str]) -> list[int | None]:
        """Per event, a hash of what its line says (every column but those in ``where``);
        None for an event without a timestamp. Equal lines have equal keys."""
        columns = [values for name, values in self.columns.items() if name not in where]
        stamps = self.columns["timestamp"]
        try:  # row tuples one at a time (a list of them would hold every event again)
            return [hash(row) if stamp is not None else None
                    for row, stamp in zip(zip(*columns, strict=True), stamps, strict=True)]
        except TypeError:  # an unhashable value: compare by text
            return [hash(repr(row)) if stamp is not None else None
                    for row, stamp in zip(zip(*columns, strict=True), stamps, strict=True)]

    def rename_hosts(self, name: Callable[[Any], Any]) -> None:
        """Every event's host as ``name`` gives it (its canonical name); the views already
        handed out keep the columns they were made from."""
        if "host" in self.columns:
            self.columns["host"] = [name(h) for h in self.columns["host"]]
            self._frame = None

    @property
    def read_anything(self) -> bool:
        """False when no input could be opened at all (the commands then exit 2); inputs
        looked at and passed over were read."""
        return any(f.readable for f in self.files) or bool(self.passed_over) or bool(
            self.libvirt is not None and any(f.readable for f in self.libvirt.files))


def collect(paths: Sequence[str], hosts: Mapping[str, str] | None = None,
            engine: str = "auto", scheduler: str | None = None,
            show_progress: bool = False, cache_dir: str | None = None,
            cache_verify: bool = False, fold: bool = True) -> EventSet:
    """Plan, scan and gather: the one call every log-reading command makes.

    ``engine`` ``local`` scans in this process, ``process`` in a pool of processes, ``dask``
    on a Dask cluster (``scheduler`` address, or a LocalCluster), ``auto`` picks local or
    process by the input's size; results are identical. ``cache_dir``: see
    :mod:`loganalyzer.logs.cache` (``cache_verify``: check full hashes too). ``fold`` False
    keeps every repeated monitor line as an event of its own (see ``ScanState`` in
    :mod:`loganalyzer.logs.scan`; the cache is not used then).
    """
    from loganalyzer.logs import cache
    from loganalyzer.logs import engine as engines

    plan: Plan = plan_inputs(paths, hosts)
    warnings = list(plan.warnings)
    items = order_inputs(plan.files)
    use, problem = cache.prepare(cache_dir, cache_verify) if cache_dir else (None, None)
    warnings.extend([problem] if problem else [])
    with engines.executor(engines.choose(engine, items, use is not None and fold),
                          scheduler) as (pool, workers):
        jobs = engines.plan_jobs(items, workers, use, fold)
        total = sum((j.end or _size(j.item)) - j.start for j in jobs)
        with _progress(show_progress, total, len(jobs) + len(plan.archives)) as bar:
            # a pool takes the tarballs and the libvirt/QEMU reading beside the files
            archived = ([pool.submit(_archive_job, a, dict(hosts or {}), fold)
                         for a in plan.archives] if pool is not None else None)
            libvirt = pool.submit(_libvirt_job, plan, hosts) if pool is not None else None
            results = engines.merge_ranges(jobs, engines.run_each(
                jobs, pool, bar.done if bar else None, bar.within if bar else None))
            archives = ((f.result() for f in archived) if archived is not None else
                        (_archive_job(a, dict(hosts or {}), fold) for a in plan.archives))
            for found, problems in archives:
                results.extend(found)
                warnings.extend(problems)
                if bar:
                    bar.done(None)
            libvirt_found = libvirt.result() if libvirt is not None else None
    if plan.stdin is not None:
        results.append(scan_input(plan.stdin, fold))
    results.extend(ScanResult(FileReport(path, None, "unknown", skipped=why))
                   for path, why in plan.skipped)
    events = gather(results, warnings)
    # libvirt/QEMU logs (and the syslog/journal exports nova's reader read too)
    events.libvirt = libvirt_found if libvirt_found is not None else _libvirt_job(plan, hosts)
    events.warnings.extend(events.libvirt.warnings)
    if events.libvirt.files:  # something was read after all: what was passed over is a note
        events.notes.extend(w for w in events.warnings if w.startswith(NOTHING_NOVA))
        events.warnings = [w for w in events.warnings if not w.startswith(NOTHING_NOVA)]
    return events


NOTHING_NOVA = "no nova-compute log among the input"


def passed_over(files: Sequence[FileReport]) -> str | None:
    """One line saying which inputs were passed over and why (all of them by name when
    nothing else was scanned); None when none was."""
    skipped = [f for f in files if f.skipped is not None]
    if not skipped:
        return None
    reasons = Counter(f.skipped for f in skipped)
    why = "; ".join(f"{n} {reason}" for reason, n in reasons.most_common())
    if len(skipped) < len(files):
        return (f"passed over {len(skipped)} file(s) that are not nova-compute logs ({why}); "
                "--format json lists them in files[]")
    names = ", ".join(f.path for f in skipped[:10])
    more = f" and {len(skipped) - 10} more" if len(skipped) > 10 else ""
    return (f"{NOTHING_NOVA}: passed over {len(skipped)} file(s) "
            f"({why}): {names}{more}")


def _archive_job(path: str, hosts: dict[str, str], fold: bool = True
                 ) -> tuple[list[ScanResult], list[str]]:
    return scan_archive(path, hosts, fold)


def _libvirt_job(plan: Plan, hosts: Mapping[str, str] | None) -> Any:
    """The libvirt/QEMU reading of a plan (a ``logs.libvirt.read.LibvirtSet``)."""
    from loganalyzer.logs.libvirt.read import read_plan

    return read_plan(plan, hosts)


def _size(item: Input) -> int:
    try:
        return os.path.getsize(item.path or "")
    except OSError:
        return 0


class _Bar:
    """The scan's progress on a terminal: inputs done and bytes read, including the bytes
    of a large file read so far."""

    def __init__(self, bar: Any, task: Any) -> None:
        self.bar, self.task = bar, task
        self.shown: dict[int, int] = {}  # bytes already shown per job

    def done(self, job: Any) -> None:
        size = ((job.end or _size(job.item)) - job.start) if job is not None else 0
        shown = self.shown.pop(id(job), 0)
        self.bar.update(self.task, advance=max(size - shown, 0),
                        done=self.bar.tasks[0].fields["done"] + 1)

    def within(self, job: Any) -> Callable[[int], None]:
        def reached(offset: int) -> None:
            step = offset - self.shown.get(id(job), 0)
            if step > 0:
                self.shown[id(job)] = offset
                self.bar.update(self.task, advance=step)

        return reached


@contextmanager
def _progress(enabled: bool, total_bytes: int, jobs: int) -> Iterator[_Bar | None]:
    """A progress bar on stderr (files and bytes done), only on a terminal; None else."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    with Progress(TextColumn("scanning {task.fields[done]}/{task.fields[jobs]} inputs"),
                  BarColumn(), DownloadColumn(), transient=True,
                  console=_stderr_console()) as bar:
        yield _Bar(bar, bar.add_task("scan", total=max(total_bytes, 1), done=0, jobs=jobs))


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def gather(results: Sequence[ScanResult], warnings: Sequence[str] = ()) -> EventSet:
    """Join per-input results into one :class:`EventSet`. The results' event columns are
    handed over (emptied), so that no event is held twice."""
    columns = Columns()
    unrecognized: list[dict[str, Any]] = []
    all_warnings = list(warnings)
    for result in results:
        if columns.rows == 0:
            columns = result.events  # the first input's columns become the table's
        else:
            columns.extend(result.events)
        result.events = Columns()
        unrecognized.extend(result.unrecognized)
        all_warnings.extend(result.warnings)
    notes: list[str] = []
    note = passed_over([r.file for r in results])
    if note:  # a warning when nothing else was read, else a note
        (all_warnings if note.startswith(NOTHING_NOVA) else notes).append(note)
    scanned = [r.file for r in results if r.file.skipped is None]
    skipped = [r.file for r in results if r.file.skipped is not None]
    data = columns.finish()
    rows = columns.rows
    ordered = {name: data.pop(name, []) or [None] * rows for name in BASE_COLUMNS}
    ordered.update(data)
    ordered["timestamp"] = _timestamps(ordered["ts"])
    if "last_ts" in ordered:  # the last line of a folded run of monitor lines
        ordered["last_timestamp"] = _timestamps(ordered["last_ts"])
    return EventSet(ordered, rows, unrecognized, all_warnings, scanned, notes=notes,
                    passed_over=skipped)


def _timestamps(texts: list[str | None]) -> list[datetime | None]:
    """``YYYY-MM-DD HH:MM:SS[.ffffff]`` texts as datetimes (None where missing or invalid;
    digits past microseconds are dropped). Consecutive lines often share a text."""
    out: list[datetime | None] = []
    last_text, last_value = None, None
    for text in texts:
        if text != last_text:
            last_text, last_value = text, _timestamp(text)
        out.append(last_value)
    return out


def _timestamp(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _frame(columns: dict[str, list[Any]], rows: int) -> pd.DataFrame:
    """The event columns as a typed pandas frame (timestamps as ``datetime64[us]``)."""
    import pandas as pd

    typed = {name: _typed(name, values) for name, values in columns.items()}
    for name in ("timestamp", "last_timestamp"):
        if name in typed:
            typed[name] = pd.Series(pd.to_datetime(pd.Series(columns[name], dtype=object)),
                                    dtype="datetime64[us]")
    frame = pd.DataFrame(typed, copy=False)
    assert len(frame) == rows
    return frame


def _typed(name: str, values: list[Any]) -> Any:
    """Nullable integer and float columns for numeric fields (pandas would make ints with
    gaps floats); everything else as Python objects: pandas 3's Arrow-backed ``str`` columns
    cost a few MB per 10,000 events in memory the Arrow pool keeps, for nothing the analysis
    uses (measured by ``benchmarks/bench.py``)."""
    import pandas as pd

    if name in INT_FIELDS or name in ROW_INT_COLUMNS:
        return pd.array(values, dtype="Int64")
    if name in FLOAT_FIELDS:
        return pd.array(values, dtype="Float64")
    if name == "block_migration":
        return pd.array(values, dtype="boolean")
    if name == "options":  # a config_dump row's (option, value) pairs: a dict per row
        return pd.Series([None if v is None else dict(v) for v in values], dtype=object)
    return pd.Series(values, dtype=object)


def parse_host_options(values: Sequence[str]) -> dict[str, str]:
    """``--host PATH=HOST`` options into a mapping (paths normalised)."""
    from loganalyzer.errors import InputError

    hosts: dict[str, str] = {}
    for value in values:
        path, sep, host = value.rpartition("=")
        if not sep or not path or not host:
            raise InputError(f"--host {value}: expected PATH=HOST")
        hosts[path if path == "-" else os.path.normpath(path)] = host
    return hosts

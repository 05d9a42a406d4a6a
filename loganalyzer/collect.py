"""Read every input of a plan through the scanner and gather the results into one table.

Files, tarball members (streamed, never extracted), binary journals and stdin each become a
:class:`~loganalyzer.scan.ScanResult`; :func:`collect` joins them into an :class:`EventSet`:
Python columns with timestamps parsed once, which the analysis reads through
:class:`Event` views, and a pandas frame built for the commands that show the table.
"""

from __future__ import annotations

import io
import os
import sys
import tarfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from loganalyzer.catalog import FLOAT_FIELDS, INT_FIELDS
from loganalyzer.ingest.discover import (
    Input,
    Plan,
    classify_name,
    host_from_path,
    host_override,
    looks_like_nova,
    order_inputs,
    plan_inputs,
)
from loganalyzer.ingest.journal import JournalUnreadable, exported, is_journal
from loganalyzer.ingest.readers import Peeked, UnsupportedCompression, open_bytes
from loganalyzer.scan import Columns, FileReport, Origin, ScanResult, scan_stream

if TYPE_CHECKING:
    import pandas as pd

# integer columns that are not message fields (line numbers, a folded run's count and end)
ROW_INT_COLUMNS = frozenset({"line", "last_line", "repeats", "last_elapsed_s"})
BASE_COLUMNS = ("time", "ts", "host", "host_source", "file", "line", "level", "logger", "pid",
                "request_id", "global_request_id", "instance", "kind", "message_id")


def scan_input(item: Input) -> ScanResult:
    """Scan one file on disk (or stdin); unreadable input is a warning, never an exception."""
    origin = Origin(item.display, item.host, item.host_source, item.year)
    if item.display == "-":
        stream, compression = open_bytes(sys.stdin.buffer)
        return scan_stream(stream, origin, compression)
    if item.url is not None:
        return _scan_url(item, origin)
    assert item.path is not None
    try:
        raw = open(item.path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        result = ScanResult(FileReport(item.display, item.host, item.host_source,
                                       readable=False))
        result.warnings.append(f"{item.display}: cannot read: {exc.strerror}")
        return result
    with raw:
        if is_journal(raw.read(8)):
            return _scan_journal(item.path, origin)
        raw.seek(0)
        try:
            stream, compression = open_bytes(raw)
        except UnsupportedCompression as exc:
            result = ScanResult(FileReport(item.display, item.host, item.host_source, "zstd",
                                           readable=False))
            result.warnings.append(f"{item.display}: {exc}")
            return result
        return scan_stream(stream, origin, compression)


def _scan_journal(path: str, origin: Origin) -> ScanResult:
    """A binary systemd journal, through journalctl's JSON export: ``lines`` are its
    records, ``bytes`` the size of the export."""
    problems: list[str] = []
    try:
        with exported(path, problems) as stream:
            result = scan_stream(stream, origin, "journal")
    except JournalUnreadable as exc:
        result = ScanResult(FileReport(origin.display, origin.host, origin.host_source,
                                       "journal", readable=False))
        result.warnings.append(f"{origin.display}: {exc}")
        return result
    result.warnings = [w for w in result.warnings if not w.endswith(": empty file")]
    result.warnings.extend(f"{origin.display}: journalctl: {p}" for p in problems)
    if result.file.bytes == 0:
        if problems:
            result.file.readable = False  # journalctl could not open it at all
        else:
            result.warnings.append(f"{origin.display}: the journal holds no records")
    return result


def _journal_member(stream: IO[bytes], origin: Origin) -> ScanResult:
    """A binary journal inside a tarball, copied to a temporary file for journalctl."""
    import shutil
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".journal") as copy:
        shutil.copyfileobj(stream, copy, 1 << 20)
        copy.flush()
        return _scan_journal(copy.name, origin)


def _scan_url(item: Input, origin: Origin) -> ScanResult:
    import fsspec

    try:
        with fsspec.open(item.url, "rb") as raw:
            stream, compression = open_bytes(raw)
            return scan_stream(stream, origin, compression)
    except (OSError, ValueError, UnsupportedCompression) as exc:
        result = ScanResult(FileReport(item.display, item.host, item.host_source,
                                       readable=False))
        result.warnings.append(f"{item.display}: cannot read: {exc}")
        return result


def scan_archive(path: str, hosts: Mapping[str, str]) -> tuple[list[ScanResult], list[str]]:
    """Scan the nova-compute logs inside a tarball in one streaming pass.

    The sosreport's ``hostname`` member names the host of every log in it; it may come after
    the logs in the archive, so hosts are settled when the stream ends.
    """
    results: list[ScanResult] = []
    warnings: list[str] = []
    hostnames: dict[str, str] = {}  # sosreport root inside the archive -> hostname
    try:
        archive = tarfile.open(path, mode="r|*")  # noqa: SIM115 - closed in finally
    except (OSError, tarfile.TarError) as exc:
        return results, [f"{path}: cannot read archive: {exc}"]
    try:
        for member in archive:
            if not member.isfile():
                continue
            parts = member.name.split("/")
            name = parts[-1]
            if name == "hostname" and len(parts) == 2:
                handle = archive.extractfile(member)
                if handle is not None:
                    text = handle.read(256).decode("utf-8", "replace").strip()
                    if text:
                        hostnames[parts[0]] = text
                continue
            kind = classify_name(name, parts[-2] if len(parts) > 1 else "")
            if kind in (None, "tar"):
                continue
            handle = archive.extractfile(member)
            if handle is None:
                continue
            stream, compression = open_bytes(handle)
            display = f"{path}:{member.name}"
            if kind == "sniff":
                head = stream.read(65536)
                if not looks_like_nova(head):
                    continue
                stream = io.BufferedReader(Peeked(head, stream))
            year = time.localtime(member.mtime).tm_year
            host = host_override(display, hosts)
            origin = Origin(display, host or host_from_path(member.name),
                            "--host" if host else "path", year)
            head = stream.read(8)
            if is_journal(head):  # journalctl reads files: this one goes through a copy
                result = _journal_member(io.BufferedReader(Peeked(head, stream)), origin)
            else:
                result = scan_stream(io.BufferedReader(Peeked(head, stream)), origin,
                                     compression)
            result.file.host_source = origin.host_source
            results.append(result)
    except (OSError, EOFError, tarfile.TarError) as exc:
        warnings.append(f"{path}: archive unreadable past this point ({exc}); the members "
                        "before it were read")
    finally:
        archive.close()
    for result in results:
        if result.file.host_source == "--host":
            continue
        root = result.file.path[len(path) + 1:].split("/")[0]
        if root in hostnames:
            _set_host(result, hostnames[root], "sosreport hostname")
    return results, warnings


def _set_host(result: ScanResult, host: str, source: str) -> None:
    old = result.file.host
    result.file.host, result.file.host_source = host, source
    columns = result.events.finish()
    if "host" not in columns:
        return
    for i, (value, how) in enumerate(zip(columns["host"], columns["host_source"], strict=True)):
        if how != "syslog" and value == old:
            columns["host"][i] = host
            columns["host_source"][i] = source


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
        value = self[key]
        return default if value is None else value

    def __contains__(self, key: object) -> bool:
        return self[key] is not None  # type: ignore[index]

    def __iter__(self) -> Iterator[str]:
        row = self._row
        return (name for name, column in self._columns.items() if column[row] is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"Event({dict(self)!r})"


@dataclass
class EventSet:
    """Everything read: the events (Python-object columns, and as a pandas frame when a
    command asks for one), unrecognized rows, warnings, per-file stats."""

    columns: dict[str, list[Any]]  # BASE_COLUMNS first; "timestamp" parsed from "ts"
    rows: int
    unrecognized: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: list[FileReport] = field(default_factory=list)
    _frame: Any = field(default=None, repr=False)

    @property
    def events(self) -> pd.DataFrame:
        """The events as a pandas frame: typed columns (nullable ints, timestamps), built on
        first use (the analysis itself works on :meth:`records` and never needs pandas)."""
        if self._frame is None:
            self._frame = _frame(self.columns, self.rows)
        return self._frame

    def records(self) -> list[Event]:
        """The events in log order, as :class:`Event` views of the columns (None for every
        missing value)."""
        present = {name: values for name, values in self.columns.items()
                   if any(v is not None for v in values)}
        return [Event(present, row) for row in range(self.rows)]

    @property
    def read_anything(self) -> bool:
        """False when no input could be opened at all (the commands then exit 2)."""
        return any(f.readable for f in self.files)


def collect(paths: Sequence[str], hosts: Mapping[str, str] | None = None,
            engine: str = "auto", scheduler: str | None = None,
            show_progress: bool = False, cache_dir: str | None = None) -> EventSet:
    """Plan, scan and gather: the one call every log-reading command makes.

    ``engine`` ``local`` scans in this process, ``process`` in a pool of processes, ``dask``
    on a Dask cluster (``scheduler`` address, or a LocalCluster), ``auto`` picks local or
    process by the input's size; results are identical.
    """
    from loganalyzer import engine as engines

    plan: Plan = plan_inputs(paths, hosts)
    warnings = list(plan.warnings)
    items = order_inputs(plan.files)
    with engines.executor(engines.choose(engine, items), scheduler) as (pool, workers):
        jobs = engines.plan_jobs(items, workers, cache_dir)
        total = sum((j.end or _size(j.item)) - j.start for j in jobs)
        with _progress(show_progress, total, len(jobs) + len(plan.archives)) as bar:
            results = engines.merge_ranges(jobs, engines.run(
                jobs, pool, bar.done if bar else None, bar.within if bar else None))
            archives = (pool.map(_archive_job, plan.archives, [dict(hosts or {})] *
                                 len(plan.archives)) if pool is not None else
                        (_archive_job(a, dict(hosts or {})) for a in plan.archives))
            for found, problems in archives:
                results.extend(found)
                warnings.extend(problems)
                if bar:
                    bar.done(None)
    if plan.stdin is not None:
        results.append(scan_input(plan.stdin))
    return gather(results, warnings)


def _archive_job(path: str, hosts: dict[str, str]) -> tuple[list[ScanResult], list[str]]:
    return scan_archive(path, hosts)


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
    data = columns.finish()
    rows = columns.rows
    ordered = {name: data.pop(name, None) or [None] * rows for name in BASE_COLUMNS}
    ordered.update(data)
    ordered["timestamp"] = _timestamps(ordered["ts"])
    if "last_ts" in ordered:  # the last line of a folded run of monitor lines
        ordered["last_timestamp"] = _timestamps(ordered["last_ts"])
    return EventSet(ordered, rows, unrecognized, all_warnings, [r.file for r in results])


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

"""Where the per-input scans run: in this process, in a pool of processes (both cores), or on
a Dask cluster. A large plain file is split into byte ranges at line boundaries so that one
file also uses every core; each range is a pure, picklable job.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from loganalyzer.errors import InputError
from loganalyzer.logs.cache import CacheUse
from loganalyzer.logs.ingest.discover import Input
from loganalyzer.logs.scan import (
    MAX_UNRECOGNIZED,
    STEP_CAP,
    FileReport,
    Origin,
    ScanResult,
    _drop_rows,
    _join_repeats,
    _join_runs,
    append,
    finish,
    keyed,
)

SPLIT_BYTES = 64 << 20  # plain files larger than this are scanned in ranges
RANGES_PER_WORKER = 2  # see range_count
RANGE_BYTES = 1 << 30
ENGINES = ("auto", "local", "process", "dask")
AUTO_PROCESS_BYTES = 32 << 20  # auto: below this much input a process pool costs more
# auto, one plain file read by a prefilter tool: read in ranges by a pool past this size.
# Ranges cost ~0.2 s of CPU per GB more (two parsers and two tools sharing two cores) and
# save wall time where the parse is slower than the search (real-node logs: ~0.85 s of
# parse to ~0.35 s of rg per GB); a pool's start (~50 ms) is not worth it below this.
AUTO_SPLIT_BYTES = 256 << 20


@dataclass(frozen=True)
class Job:
    """One unit of scanning: a whole input, or bytes [start, end) of a plain file."""

    item: Input
    start: int = 0
    end: int | None = None
    part: int = 0
    parts: int = 1
    cache: CacheUse | None = None
    fold: bool = True  # see scan.ScanState
    weight: int = 0  # about how much work: bytes to search (see plan_jobs)


def plan_jobs(items: Sequence[Input], workers: int, cache: CacheUse | None = None,
              fold: bool = True) -> list[Job]:
    """Whole inputs, except large plain files with several workers, which become
    :func:`range_count` byte ranges each, searched by a prefilter tool each (or in Python).
    Not folding (``fold`` False, see :class:`~loganalyzer.logs.scan.ScanState`) reads past
    the cache, which holds folded scans; a cached file is read whole."""
    cache = cache if fold else None
    jobs: list[Job] = []
    for item in items:
        size = _plain_size(item)
        if size is None or size <= SPLIT_BYTES or workers < 2 or cache:
            jobs.append(Job(item, cache=cache, fold=fold, weight=_weight(item, size)))
            continue
        cuts = _line_cuts(item.path or "", size, range_count(size, workers))
        for part, (start, end) in enumerate(cuts):
            jobs.append(Job(item, start, end, part, len(cuts), fold=fold, weight=end - start))
    return jobs


COMPRESSION_RATIO = 8  # a compressed log's weight: its size times this (text logs: 5-15)


def _weight(item: Input, plain: int | None) -> int:
    """The bytes a whole input's scan searches, about (the order a pool takes jobs in)."""
    if plain is not None:
        return plain
    try:
        return os.path.getsize(item.path or "") * COMPRESSION_RATIO
    except OSError:
        return 0


def range_count(size: int, workers: int) -> int:
    """Ranges for a plain file of ``size`` bytes: ``RANGES_PER_WORKER`` per worker, so that
    a worker that finishes early (its ranges held fewer candidate lines) takes another,
    more for a file past ``RANGE_BYTES`` per range (the memory of a range's results in a
    worker), always a multiple of ``workers``."""
    rounds = max(RANGES_PER_WORKER, -(-size // (RANGE_BYTES * workers)))
    return workers * rounds


def _plain_size(item: Input) -> int | None:
    if item.path is None or item.display == "-" or item.url is not None or item.stream:
        return None
    try:
        with open(item.path, "rb") as fh:
            head = fh.read(8)
            size = os.fstat(fh.fileno()).st_size
    except OSError:
        return None
    from loganalyzer.logs.ingest.readers import sniff_compression

    return None if sniff_compression(head) else size


DUMP_LINE = b" log_opt_values /"  # oslo.config's start-up dump (logs.grammar.DUMP_KEYS)
CUT_MOVE_BYTES = 4 << 20  # how far a cut moves on to leave a start-up dump whole
DUMP_GAP_LINES = 8  # lines without a dump line after which a dump has ended


def _line_cuts(path: str, size: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` byte ranges covering the file, each starting at the start of a line, and
    not inside a start-up dump where one ends within :data:`CUT_MOVE_BYTES`: a dump cut in
    two is read as one row per line after the cut (the analysis joins them, but the event
    table and the duplicate count would depend on the engine). Lines are read in 1 MiB
    pieces (a line of gigabytes is not held in memory)."""
    starts = [0]
    with open(path, "rb") as fh:
        for k in range(1, parts):
            fh.seek(size * k // parts)
            _to_line_end(fh)  # the line the cut fell in
            position = _after_dump(fh, fh.tell())
            if starts[-1] < position < size:
                starts.append(position)
    ends = [*starts[1:], size]
    return list(zip(starts, ends, strict=True))


def _after_dump(fh: Any, position: int) -> int:
    """``position`` (a line start), or the end of the start-up dump going on there: its
    last dump line followed by :data:`DUMP_GAP_LINES` lines of no dump (oslo.config's
    deprecation warnings come between a dump's lines); ``position`` when the dump does not
    end within :data:`CUT_MOVE_BYTES`."""
    fh.seek(position)
    end, gap = position, 0
    while fh.tell() - position < CUT_MOVE_BYTES and gap < DUMP_GAP_LINES:
        line = fh.readline(1 << 20)
        if not line:
            return end
        _to_line_end(fh, line)
        if DUMP_LINE in line:
            end, gap = fh.tell(), 0
        else:
            gap += 1
    return end if gap >= DUMP_GAP_LINES else position


def _to_line_end(fh: Any, read: bytes = b"") -> None:
    """Read on to the end of the line (``read``: its part read already), 1 MiB at a time."""
    while not read.endswith(b"\n"):
        read = fh.readline(1 << 20)
        if not read:
            return


class _Range:
    """A read-only view of bytes [start, end) of an open file."""

    def __init__(self, fh: Any, start: int, end: int) -> None:
        fh.seek(start)
        self.fh, self.left = fh, end - start

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        want = self.left if size < 0 else min(size, self.left)
        data = self.fh.read(want)
        self.left -= len(data)
        return data


def run_job(job: Job, reached: Callable[[int], None] | None = None) -> ScanResult:
    """Scan one job (a module-level function, so any executor can pickle it). ``reached``,
    in this process only, is told how many bytes of a plain file were searched so far."""
    if job.parts == 1:
        if job.cache and job.item.path and job.item.display != "-" and job.item.url is None \
                and not job.item.stream:
            return _cached(job)
        return _whole(job.item, reached, job.fold)
    item = job.item
    origin = Origin(item.display, item.host, item.host_source, item.year)
    try:
        return _range(job, origin, reached)
    except OSError as exc:
        result = ScanResult(FileReport(item.display, item.host, item.host_source,
                                       readable=False))
        result.warnings.append(f"{item.display}: cannot read: {exc.strerror}")
        return result


@dataclass
class Part(ScanResult):
    """A byte range's scan, not finished (:func:`join_ranges` finishes the joined file):
    the NUL bytes it saw, and whether the prefilter tool failed on it (then the file is
    read whole again, as :func:`_whole` reads it)."""

    nul_bytes: int = 0
    tool_failed: bool = False


def _range(job: Job, origin: Origin, reached: Callable[[int], None] | None) -> Part:
    """Bytes [start, end) of a plain file: through the prefilter tool when the whole file
    would be (:func:`_whole`), else in Python; a record open at the range's end goes on in
    the next range's first lines."""
    from loganalyzer.logs.prefilter import scan_plain_range, shrank, tool
    from loganalyzer.logs.scan import ScanState, read_into

    path, end = job.item.path or "", job.end or 0
    if tool() is not None and _tool_reads(path):
        try:
            scanned = scan_plain_range(path, origin, job.start, end, reached, job.fold)
        except OSError:  # a tool that cannot be started
            scanned = None
        if scanned is None:
            return Part(FileReport(origin.display, origin.host, origin.host_source),
                        tool_failed=True)
        return Part(**vars(scanned))
    result = ScanResult(FileReport(origin.display, origin.host, origin.host_source))
    state = ScanState(origin, result, job.fold)
    with open(path, "rb") as fh:
        result.warnings.extend(shrank(origin.display, job.start, end,
                                      os.fstat(fh.fileno()).st_size))
        read_into(_Range(fh, job.start, end), state, beyond=fh)
    return Part(**vars(result), nul_bytes=state.nul_bytes)


def _tool_reads(path: str) -> bool:
    """Whether :func:`loganalyzer.logs.prefilter.scan_plain_file` takes this file (no NUL
    byte in its first 64 KiB), so that its ranges are read as the whole file would be."""
    with open(path, "rb") as fh:
        return b"\x00" not in fh.read(65536)


def _whole(item: Input, reached: Callable[[int], None] | None = None, fold: bool = True
           ) -> ScanResult:
    """A whole input: through the prefilter tool when there is one, else in Python."""
    from loganalyzer.logs.ingest.readers import file_compression
    from loganalyzer.logs.prefilter import scan_compressed_file, scan_plain_file, worth_a_tool
    from loganalyzer.logs.sources import scan_input

    if item.path and item.display != "-" and item.url is None and not item.stream:
        origin = Origin(item.display, item.host, item.host_source, item.year)
        compression = file_compression(item.path)
        try:
            if not worth_a_tool(os.path.getsize(item.path), compression is not None):
                fast = None  # small: Python reads it sooner than a tool starts
            elif compression is None:
                fast = scan_plain_file(item.path, origin, reached, fold)
            else:
                fast = scan_compressed_file(item.path, origin, compression, fold)
        except OSError:  # a tool that cannot be started: Python reads the file instead
            fast = None
        if fast is not None:
            return fast
    return scan_input(item, fold)


def _cached(job: Job) -> ScanResult:
    """A whole input through ``--cache``: reuse, extend by the appended tail, or rescan;
    what is kept describes exactly the bytes scanned."""
    from loganalyzer.logs import cache
    from loganalyzer.logs.scan import scan_stream

    item, use = job.item, job.cache
    assert use is not None
    path = item.path or ""
    origin = Origin(item.display, item.host, item.host_source, item.year)
    try:
        cached, covered, now, problem = cache.load(use, path, origin)
    except OSError:
        return _whole(item)
    keep = True
    if cached is not None and covered == now["size"]:
        result, keep = cached, False
    elif cached is not None and not _may_go_on(cached):
        with open(path, "rb") as fh:
            tail = scan_stream(_Range(fh, covered, now["size"]), origin)
        result = append(cached, tail)
    else:
        result, keep = _scanned_to(item, origin, now)
    if keep and use.writable and result.file.readable:
        try:
            if use.verify and now["sha256"] is None:
                now["sha256"] = cache.full_hashes(path, (now["size"],))[0]
            trouble = cache.store(use, path, origin, result, now)
        except OSError as exc:
            trouble = f"{path}: not kept in --cache {use.folder} ({exc.strerror or exc})"
        if trouble:
            result.warnings.append(trouble)
    if problem:
        result.warnings.append(problem)
    return result


def _may_go_on(result: ScanResult) -> bool:
    """Whether the last event read may go on over lines appended since (a message of
    several lines): then the whole file is read again rather than its tail alone."""
    from loganalyzer.logs.grammar import CONTINUED

    ids = result.events.finish().get("message_id") or []
    return bool(ids) and ids[-1] in CONTINUED


def _scanned_to(item: Input, origin: Origin, now: dict[str, Any]) -> tuple[ScanResult, bool]:
    """(a scan of exactly the ``now["size"]`` bytes fingerprinted, whether it may be
    cached). The fast whole-file scan reads to the end of the file: when the file changed
    meanwhile (a log still being written), a plain file is scanned again up to that size,
    anything else is returned as read and not cached."""
    from loganalyzer.logs import cache
    from loganalyzer.logs.scan import scan_stream

    result = _whole(item)
    path = item.path or ""
    try:
        if cache.unchanged_since(path, now):
            return result, True
        if now["compressed"]:
            return result, False
        with open(path, "rb") as fh:
            return scan_stream(_Range(fh, 0, now["size"]), origin), True
    except OSError:
        return result, False


def merge_ranges(jobs: Sequence[Job], results: Iterable[ScanResult]) -> list[ScanResult]:
    """One result per input: the ranges of a file joined in order (:func:`join_ranges`),
    each as soon as it comes (``results`` may be :func:`run_each`'s, while later jobs
    still run)."""
    merged: list[ScanResult] = []
    joining: _Joining | None = None
    for job, result in zip(jobs, results, strict=True):
        if job.parts == 1:
            merged.append(result)
            continue
        if job.part == 0 or joining is None:
            joining = _Joining(job)
        joining.add(result)
        if job.part == job.parts - 1:
            merged.append(joining.result())
            joining = None
    if joining is not None:  # (ranges of a file cut short: joined as they are)
        merged.append(joining.result())
    return merged


def join_ranges(job: Job, parts: Sequence[ScanResult]) -> ScanResult:
    """The byte ranges of one file joined into the result one pass over it gives (see
    :class:`_Joining`)."""
    joining = _Joining(job)
    for part in parts:
        joining.add(part)
    return joining.result()


class _Joining:
    """The byte ranges of one file joined, in order, as they come: line numbers made
    global, runs of folded lines and copied step lines cut by a boundary joined, counts
    summed, the unrecognized rows listed up to the file's limit, finished once at the end.
    When that cannot be exact (the tool failed on a range; a ramp of ``Increasing
    downtime`` lines near STEP_CAP cut by a boundary) the file is read again whole, as
    one pass reads it."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.whole: ScanResult | None = None
        self.nul = 0
        self.again = False  # read the file again whole
        self.unreadable: ScanResult | None = None

    def add(self, part: ScanResult) -> None:
        if self.again or self.unreadable is not None:
            return
        if not part.file.readable:
            self.unreadable = part
        elif getattr(part, "tool_failed", False):
            self.again = True
        elif self.whole is None:
            self.whole = ScanResult(**{name: value for name, value in vars(part).items()
                                       if name not in ("nul_bytes", "tool_failed")})
        elif not _append_range(self.whole, part, self.job.fold):
            self.again = True
        self.nul += getattr(part, "nul_bytes", 0)

    def result(self) -> ScanResult:
        if self.unreadable is not None:
            return self.unreadable
        if self.again or self.whole is None:
            return _whole(self.job.item, None, self.job.fold)
        return finish(self.whole, self.nul)


LINE_COLUMNS = ("line", "last_line", "dump_last_line")  # line numbers (the last: dump rows)


def _append_range(whole: ScanResult, part: ScanResult, fold: bool) -> bool:
    """``part`` (an unfinished range scan) appended to ``whole`` (the ranges before it,
    unfinished) as if one pass had read on; False when that cannot be exact."""
    offset = whole.file.lines
    columns = part.events.finish()
    for name in LINE_COLUMNS:
        if name in columns:
            columns[name] = [n + offset if n is not None else None for n in columns[name]]
    for row in part.unrecognized:
        row["line"] += offset
    keyed(whole.events)
    keyed(part.events)
    if not _join_steps(whole, part, fold):
        return False
    _join_runs(whole, part)
    _join_repeats(whole, part)
    whole.events.extend(part.events)
    room = max(MAX_UNRECOGNIZED - len(whole.unrecognized), 0)
    whole.unrecognized.extend(part.unrecognized[:room])
    whole.unlisted += part.unlisted + max(len(part.unrecognized) - room, 0)
    if part.cut_lines and not whole.cut_lines:
        whole.first_cut = part.first_cut + offset
    whole.cut_lines += part.cut_lines
    for key, count in part.capped.items():
        whole.capped[key] = whole.capped.get(key, 0) + count
    whole.warnings.extend(part.warnings)
    whole.file.lines += part.file.lines
    whole.file.bytes += part.file.bytes
    whole.file.folded += part.file.folded
    return True


def _join_steps(whole: ScanResult, part: ScanResult, fold: bool) -> bool:
    """``Increasing downtime`` lines cut by a range boundary, as ``ScanState._step_held``
    reads them in one pass: the part's first line of a migration that repeats the step
    its migration's last row holds is folded into that row; False when the part's first
    ramp of a migration would reach STEP_CAP counted on from the ramp before the
    boundary (then lines were kept that one pass counts instead)."""
    ahead, behind = whole.events.finish(), part.events.finish()
    if "downtime_step" not in ahead.get("kind", ()):
        return True
    latest: dict[tuple[Any, Any], int] = {}
    steps: dict[tuple[Any, Any], tuple[int, tuple[Any, Any], int]] = {}
    for i, (kind, host, instance) in enumerate(zip(ahead["kind"], ahead["host"],
                                                   ahead["instance"], strict=True)):
        key = (host, instance)
        latest[key] = i
        if kind == "downtime_step":
            value = (ahead["downtime_ms"][i], ahead["after_s"][i])
            last = steps.get(key)
            steps[key] = (i, value, 1 if last is None or value[1] == 0 else last[2] + 1)
    seen: set[tuple[Any, Any]] = set()
    counted: dict[tuple[Any, Any], int] = {}  # steps kept on in the ramp before, per key
    joined: set[int] = set()
    for j, (kind, host, instance) in enumerate(zip(behind.get("kind", ()),
                                                   behind.get("host", ()),
                                                   behind.get("instance", ()), strict=True)):
        key = (host, instance)
        first, last = key not in seen, steps.get(key)
        seen.add(key)
        if kind != "downtime_step" or last is None:
            continue
        value = (behind["downtime_ms"][j], behind["after_s"][j])
        if first and fold and value == last[1] and latest[key] == last[0]:
            _fold_into(whole, last[0], behind, j)
            joined.add(j)
            continue
        if value[1] == 0:
            del steps[key]  # a new ramp: its steps are counted from 1 either way
            continue
        counted[key] = counted.get(key, 0) + 1
        if last[2] + counted[key] > STEP_CAP:
            return False
    _drop_rows(part, behind, joined)
    return True


def _fold_into(whole: ScanResult, row: int, columns: dict[str, list[Any]], j: int) -> None:
    """Row ``j`` of a part (a copied step line and the copies folded into it) counted in
    ``whole``'s row ``row``, as ``ScanState._fold_step`` counts a copy."""
    events, data = whole.events, whole.events.data
    repeats = data.get("repeats")
    before = (repeats[row] if repeats is not None and len(repeats) > row else None) or 1
    more = columns["repeats"][j] if "repeats" in columns else None
    events.put(row, "repeats", before + (more or 1))
    for name, own in (("last_line", "line"), ("last_time", "time"), ("last_ts", "ts")):
        ended = columns[name][j] if more and name in columns else None
        events.put(row, name, ended if ended is not None else columns[own][j])


def choose(engine: str, items: Sequence[Input], cached: bool = False) -> str:
    """``auto``: a process pool when there is enough to read, else this process. One input
    that a prefilter tool reads has its second core in the tool already: it goes to the
    pool only when it is a plain file past ``AUTO_SPLIT_BYTES``, read in ranges each
    searched by its own tool and parsed by its own worker (not when ``cached``: a file
    read through ``--cache`` is one job)."""
    if engine not in ENGINES:
        raise InputError(f"--engine {engine}: not one of {' | '.join(ENGINES)}")
    if engine != "auto":
        return engine
    if (os.cpu_count() or 1) < 2:
        return "local"
    total = 0
    for item in items:
        try:
            total += os.path.getsize(item.path or "")
        except OSError:
            continue
    if len(items) == 1:
        from loganalyzer.logs.prefilter import tool

        if tool() is not None:
            size = _plain_size(items[0])
            split = not cached and size is not None and size > AUTO_SPLIT_BYTES
            return "process" if split else "local"
    return "process" if total >= AUTO_PROCESS_BYTES else "local"


@contextmanager
def executor(engine: str, scheduler: str | None = None, workers: int | None = None
             ) -> Iterator[tuple[Executor | None, int]]:
    """(executor, workers) for ``engine``; None runs jobs in this process."""
    if engine not in ENGINES or engine == "auto":
        raise InputError(f"--engine {engine}: not one of {' | '.join(ENGINES[1:])}")
    if engine == "local":
        yield None, 1
        return
    if engine == "process":
        count = workers or os.cpu_count() or 1
        with _quiet_before_serving():
            pool = ReportingPool(count)
            try:
                yield pool, count
            except BaseException:  # Ctrl-C, SIGTERM, an error: the workers go now
                stop(pool)
                raise
            pool.shutdown()
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("--engine dask needs the 'dask' extra: pip install "
                         "'nova-loganalyzer[dask]'") from None
    if scheduler:
        try:
            client = Client(scheduler, timeout=10)
        except OSError as exc:
            raise InputError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        with client:
            count = sum(client.nthreads().values()) or 1
            yield client.get_executor(), count
        return
    count = workers or os.cpu_count() or 1
    with LocalCluster(n_workers=count, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client.get_executor(), count


@contextmanager
def _quiet_before_serving() -> Iterator[None]:
    """While a pool runs, this process's SIGINT/SIGTERM handlers end a forked worker at once
    (``os._exit(128 + signal)``, as :func:`_quit` does once :func:`_serve` ran) and act as
    before in this process. A worker forked late on a loaded machine can be hit by Ctrl-C
    (sent to the whole process group) or by :func:`stop`'s SIGTERM before its initializer
    runs: with the parent's handlers it raised KeyboardInterrupt and multiprocessing printed
    its traceback beside our one-line message."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    parent = os.getpid()
    saved: dict[int, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(signum)
        if not callable(handler):
            continue  # SIG_DFL / SIG_IGN: a worker inherits what ends it quietly already

        def guarded(number: int, frame: Any, handler: Any = handler) -> None:
            if os.getpid() != parent:
                os._exit(128 + number)
            handler(number, frame)

        saved[signum] = handler
        signal.signal(signum, guarded)
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


class ReportingPool(ProcessPoolExecutor):
    """A process pool whose workers report how far into a file they are (for the progress
    bar) on a queue the parent drains."""

    def __init__(self, workers: int) -> None:
        import multiprocessing

        self.reports: Any = multiprocessing.Queue()
        super().__init__(max_workers=workers, initializer=_serve, initargs=(self.reports,))


def stop(pool: ProcessPoolExecutor) -> None:
    """End a pool at once: queued jobs cancelled, running workers terminated and reaped (an
    interrupted run must not wait for their scans to finish)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # CPython's record
    manager = getattr(pool, "_executor_manager_thread", None)  # (shutdown forgets them)
    results = getattr(pool, "_result_queue", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)
    _end_manager(manager, results)


def _end_manager(manager: Any, results: Any) -> None:
    """After its workers are gone, let the pool's manager thread end. A worker ended while
    writing its result (Ctrl-C reaches the whole process group) leaves half a message in
    the result pipe; the manager then waits for the rest forever, and so does Python's exit,
    which joins that thread. With every worker gone, closing this process's write end of the
    pipe ends that wait (end of file: the manager marks the pool broken and returns).
    ``manager`` and ``results`` (its result queue) are CPython's own attributes of the pool,
    as ``stop`` reads ``_processes``; None: left."""
    if manager is None or not manager.is_alive():
        return
    writer = getattr(results, "_writer", None)
    if writer is not None:
        with contextlib.suppress(OSError):
            writer.close()
    manager.join(timeout=5)


_REPORTS: Any = None  # in a ReportingPool worker: where offsets go


def _serve(reports: Any) -> None:
    """A worker's start: where progress goes; Ctrl-C (which the terminal sends to the whole
    process group) ends it quietly, the parent reports the interrupt; SIGTERM is the
    default again (a forked worker inherits the parent's handler)."""
    global _REPORTS
    _REPORTS = reports
    signal.signal(signal.SIGINT, _quit)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _quit(signum: int, frame: Any) -> None:
    os._exit(128 + signum)


def _pooled_job(indexed: tuple[int, Job]) -> ScanResult:
    index, job = indexed
    reports = _REPORTS
    reached = None if reports is None else (lambda offset: reports.put((index, offset)))
    return run_job(job, reached)


def run(jobs: Sequence[Job], pool: Executor | None,
        progress: Callable[[Job], None] | None = None,
        partial: Callable[[Job], Callable[[int], None]] | None = None) -> list[ScanResult]:
    """Results of ``jobs`` in job order (:func:`run_each`, all at once)."""
    return list(run_each(jobs, pool, progress, partial))


def run_each(jobs: Sequence[Job], pool: Executor | None,
             progress: Callable[[Job], None] | None = None,
             partial: Callable[[Job], Callable[[int], None]] | None = None
             ) -> Iterator[ScanResult]:
    """Results of ``jobs`` in job order, each as soon as it and those before it are done.
    ``progress`` is told of each job done; ``partial`` gives a callback told how far into
    a job's file the scan got (this process, or the workers of a :class:`ReportingPool`).
    A pool takes the largest jobs first."""
    results: Iterable[ScanResult]
    drain = None
    reports: Any = None  # a ReportingPool's queue (a multiprocessing.Queue)
    if pool is None:
        results = (run_job(j, partial(j) if partial else None) for j in jobs)
    else:
        reports = getattr(pool, "reports", None)
        # the largest first, so that no large job starts last while the other workers idle
        order = sorted(range(len(jobs)), key=lambda i: -jobs[i].weight)
        if reports is not None and partial is not None:
            drain = threading.Thread(target=_drain, args=(reports, jobs, partial), daemon=True)
            drain.start()
            futures = {i: pool.submit(_pooled_job, (i, jobs[i])) for i in order}
        else:
            futures = {i: pool.submit(run_job, jobs[i]) for i in order}
        # each result let go as it is handed on (the joined columns are copies)
        results = (futures.pop(i).result() for i in range(len(jobs)))
    try:
        for job, result in zip(jobs, results, strict=True):
            if progress:
                progress(job)
            yield result
    finally:
        if drain is not None:
            reports.put(None)
            drain.join()


def _drain(reports: Any, jobs: Sequence[Job],
           partial: Callable[[Job], Callable[[int], None]]) -> None:
    """Pass the workers' offsets on to the progress bar until told to stop (None)."""
    callbacks: dict[int, Callable[[int], None]] = {}
    while (report := reports.get()) is not None:
        index, offset = report
        if index not in callbacks:
            callbacks[index] = partial(jobs[index])
        callbacks[index](offset)

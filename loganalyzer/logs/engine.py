"""Where the per-input scans run: in this process, in a pool of processes (both cores), or on
a Dask cluster. A large plain file is split into byte ranges at line boundaries so that one
file also uses every core; each range is a pure, picklable job.
"""

from __future__ import annotations

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
from loganalyzer.logs.scan import FileReport, Origin, ScanResult, append

SPLIT_BYTES = 64 << 20  # plain files larger than this are scanned in ranges
ENGINES = ("auto", "local", "process", "dask")
AUTO_PROCESS_BYTES = 32 << 20  # auto: below this much input a process pool costs more


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


def plan_jobs(items: Sequence[Input], workers: int, cache: CacheUse | None = None,
              fold: bool = True) -> list[Job]:
    """Whole inputs, except large plain files, which become ``workers`` ranges each when no
    prefilter tool is there to search them on its own core. Not folding (``fold`` False, see
    :class:`~loganalyzer.logs.scan.ScanState`) reads past the cache, which holds folded
    scans."""
    cache = cache if fold else None
    from loganalyzer.logs.prefilter import tool

    jobs: list[Job] = []
    for item in items:
        size = _plain_size(item)
        if size is None or size <= SPLIT_BYTES or workers < 2 or tool() or cache:
            jobs.append(Job(item, cache=cache, fold=fold))
            continue
        cuts = _line_cuts(item.path or "", size, max(workers, size // (256 << 20) + 1))
        for part, (start, end) in enumerate(cuts):
            jobs.append(Job(item, start, end, part, len(cuts), fold=fold))
    return jobs


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


def _line_cuts(path: str, size: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` byte ranges covering the file, each starting at the start of a line."""
    starts = [0]
    with open(path, "rb") as fh:
        for k in range(1, parts):
            fh.seek(size * k // parts)
            fh.readline()  # to the end of the line the cut fell in
            position = fh.tell()
            if starts[-1] < position < size:
                starts.append(position)
    ends = [*starts[1:], size]
    return list(zip(starts, ends, strict=True))


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
    from loganalyzer.logs.scan import scan_stream

    if job.parts == 1:
        if job.cache and job.item.path and job.item.display != "-" and job.item.url is None \
                and not job.item.stream:
            return _cached(job)
        return _whole(job.item, reached, job.fold)
    item = job.item
    origin = Origin(item.display, item.host, item.host_source, item.year)
    try:
        with open(item.path or "", "rb") as fh:
            # a record open at the range's end goes on in the next range's first lines
            result = scan_stream(_Range(fh, job.start, job.end or 0), origin,
                                 beyond=fh, fold=job.fold)
    except OSError as exc:
        result = ScanResult(FileReport(item.display, item.host, item.host_source,
                                       readable=False))
        result.warnings.append(f"{item.display}: cannot read: {exc.strerror}")
    return result


def _whole(item: Input, reached: Callable[[int], None] | None = None, fold: bool = True
           ) -> ScanResult:
    """A whole input: through the prefilter tool when there is one, else in Python."""
    from loganalyzer.logs.ingest.readers import file_compression
    from loganalyzer.logs.prefilter import scan_compressed_file, scan_plain_file
    from loganalyzer.logs.sources import scan_input

    if item.path and item.display != "-" and item.url is None and not item.stream:
        origin = Origin(item.display, item.host, item.host_source, item.year)
        compression = file_compression(item.path)
        try:
            if compression is None:
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


def merge_ranges(jobs: Sequence[Job], results: Sequence[ScanResult]) -> list[ScanResult]:
    """One result per input: ranges of a file joined in order, line numbers made global."""
    merged: list[ScanResult] = []
    for job, result in zip(jobs, results, strict=True):
        if job.part == 0:
            merged.append(result)
        else:
            append(merged[-1], result)
    return merged


def choose(engine: str, items: Sequence[Input]) -> str:
    """``auto``: a process pool when there is enough to read in several inputs, else this
    process (one input that a prefilter tool reads has its second core in the tool: a pool
    would only add a fork and the pickling of the results, ~0.1 s on 1 GB)."""
    if engine not in ENGINES:
        raise InputError(f"--engine {engine}: not one of {' | '.join(ENGINES)}")
    if engine != "auto":
        return engine
    total = 0
    for item in items:
        try:
            total += os.path.getsize(item.path or "")
        except OSError:
            continue
    if len(items) == 1:
        from loganalyzer.logs.prefilter import tool

        if tool() is not None:
            return "local"
    return "process" if total >= AUTO_PROCESS_BYTES and (os.cpu_count() or 1) > 1 else "local"


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
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)


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
    """Results of ``jobs`` in job order. ``progress`` is told of each job done; ``partial``
    gives a callback told how far into a job's file the scan got (this process, or the
    workers of a :class:`ReportingPool`)."""
    results: Iterable[ScanResult]
    drain = None
    reports: Any = None  # a ReportingPool's queue (a multiprocessing.Queue)
    if pool is None:
        results = (run_job(j, partial(j) if partial else None) for j in jobs)
    else:
        reports = getattr(pool, "reports", None)
        if reports is not None and partial is not None:
            drain = threading.Thread(target=_drain, args=(reports, jobs, partial), daemon=True)
            drain.start()
            results = pool.map(_pooled_job, enumerate(jobs))
        else:
            results = pool.map(run_job, jobs)
    out = []
    try:
        for job, result in zip(jobs, results, strict=True):
            out.append(result)
            if progress:
                progress(job)
    finally:
        if drain is not None:
            reports.put(None)
            drain.join()
    return out


def _drain(reports: Any, jobs: Sequence[Job],
           partial: Callable[[Job], Callable[[int], None]]) -> None:
    """Pass the workers' offsets on to the progress bar until told to stop (None)."""
    callbacks: dict[int, Callable[[int], None]] = {}
    while (report := reports.get()) is not None:
        index, offset = report
        if index not in callbacks:
            callbacks[index] = partial(jobs[index])
        callbacks[index](offset)

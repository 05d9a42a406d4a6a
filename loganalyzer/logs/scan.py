"""Bytes to events: the byte-level prefilter, then the grammar on candidate lines only.

``scan_stream`` reads a binary stream in large chunks, finds the catalogue's literal keys with
``bytes.find``, and parses only the lines that hold one. Every such line becomes an event or
an *unrecognized* row (file and line number); every unreadable byte range is a warning naming
the file, and what was read before it is kept. Pure per input, so it can run anywhere.
"""

from __future__ import annotations

import bisect
import functools
import math
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any, Protocol

from loganalyzer.logs.anchors import ANCHORS, keys_in
from loganalyzer.logs.catalog import DUMP_LINE_KINDS, REPEATING_KINDS, Kind
from loganalyzer.logs.grammar import (
    CONTINUED,
    MAX_CONTINUATION_CHARS,
    MAX_CONTINUATION_LINES,
    MONTHS,
    ImplausibleValue,
    continuation,
    dump_message,
    parse_dump_line,
    parse_json,
    parse_quick,
    parse_text,
)
from loganalyzer.logs.ingest.readers import READ_ERRORS, describe_read_error
from loganalyzer.nova.options import MODEL_MAX

CHUNK = 4 << 20
STEP_CAP = MODEL_MAX["live_migration_downtime_steps"] + 1  # step lines kept per ramp
MAX_LINE = 1 << 20  # --max-line-bytes default: a longer line is cut there, with a warning
MIN_MAX_LINE = 4096
MAX_LINE_ENV = "LOGANALYZER_MAX_LINE_BYTES"
MAX_TEXT = 2000  # characters of an unrecognized line kept for the report
MAX_UNRECOGNIZED = 10_000  # unrecognized rows listed per file; more are counted
NEAR_DUE_S = 6  # seconds after a step's due time kept at one-second resolution
FOLD_GAP_S = 2  # a monitor silent for longer than this ends a run of repeated lines
_MONTH = {m: i for i, m in enumerate(MONTHS, start=1)}
_ISO = re.compile(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d(?:\.\d+)?)")


@dataclass
class FileReport:
    """What was read from one input."""

    path: str
    host: str | None
    host_source: str
    compression: str | None = None
    lines: int = 0
    bytes: int = 0
    events: int = 0
    unrecognized: int = 0
    folded: int = 0  # repeated monitor lines folded into the row of their run
    readable: bool = True  # False when the input could not be opened at all
    skipped: str | None = None  # why it was passed over without being scanned

    def to_json(self) -> dict[str, Any]:
        out = {"path": self.path, "host": self.host, "host_source": self.host_source,
               "compression": self.compression, "lines": self.lines, "bytes": self.bytes,
               "events": self.events, "unrecognized": self.unrecognized,
               "folded": self.folded, "readable": self.readable}
        if self.skipped is not None:
            out["skipped"] = self.skipped
        return out


@dataclass
class Columns:
    """Events collected column by column; a column appears when a field first does."""

    data: dict[str, list[Any]] = field(default_factory=dict)
    rows: int = 0

    def append(self, event: dict[str, Any]) -> None:
        n = self.rows
        data = self.data
        for name, value in event.items():
            try:
                column = data[name]
            except KeyError:
                column = data[name] = [None] * n
            else:
                if len(column) < n:
                    column.extend([None] * (n - len(column)))
            column.append(value)
        self.rows = n + 1

    def put(self, row: int, name: str, value: Any) -> None:
        """Set one field of a row already appended."""
        column = self.data.get(name)
        if column is None:
            column = self.data[name] = [None] * self.rows
        elif len(column) < self.rows:
            column.extend([None] * (self.rows - len(column)))
        column[row] = value

    def finish(self) -> dict[str, list[Any]]:
        for column in self.data.values():
            if len(column) < self.rows:
                column.extend([None] * (self.rows - len(column)))
        return self.data

    def extend(self, other: Columns) -> None:
        other.finish()
        n = self.rows
        for name, values in other.data.items():
            column = self.data.get(name)
            if column is None:
                column = self.data[name] = [None] * n
            elif len(column) < n:
                column.extend([None] * (n - len(column)))
            column.extend(values)
        self.rows = n + other.rows


@dataclass
class ScanResult:
    """Events, unrecognized rows and warnings of one input."""

    file: FileReport
    events: Columns = field(default_factory=Columns)
    unrecognized: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # per (host, instance): step lines past STEP_CAP in one ramp, counted and not kept
    capped: dict[tuple[Any, Any], int] = field(default_factory=dict)
    cut_lines: int = 0  # candidate lines longer than max_line_bytes(), cut there
    unlisted: int = 0  # unrecognized lines past MAX_UNRECOGNIZED: counted, not listed
    first_cut: int = 0  # the first of them


@dataclass(frozen=True)
class Origin:
    """Who wrote a stream, for the events read from it."""

    display: str
    host: str | None
    host_source: str
    year: int | None = None


def max_line_bytes() -> int:
    """The longest line read whole (``--max-line-bytes``, passed to every scanning process in
    ``LOGANALYZER_MAX_LINE_BYTES``): a longer line is cut there and counted."""
    text = os.environ.get(MAX_LINE_ENV, "")
    return int(text) if text.isdigit() and int(text) >= MIN_MAX_LINE else MAX_LINE


class ByteSource(Protocol):
    """What :func:`scan_stream` reads from: a binary file, or a byte range of one
    (``engine._Range``); ``read1`` is used too where the stream has it."""

    def read(self, size: int = -1, /) -> bytes: ...


def scan_stream(stream: ByteSource, origin: Origin, compression: str | None = None,
                beyond: IO[bytes] | None = None, fold: bool = True) -> ScanResult:
    """Scan one decompressed binary stream. Memory stays within a few chunks whatever the
    line lengths: a line longer than :func:`max_line_bytes` keeps only its first bytes.
    ``beyond`` (a byte range of a file: the rest of the file) gives the further lines of a
    record still open at the stream's end. ``fold``: see :class:`ScanState`."""
    result = ScanResult(FileReport(origin.display, origin.host, origin.host_source, compression))
    state = ScanState(origin, result, fold)
    read_into(stream, state, beyond)
    return finish(result, state.nul_bytes)


def read_into(stream: ByteSource, state: ScanState, beyond: IO[bytes] | None = None) -> None:
    """:func:`scan_stream`'s reading, into ``state`` and its result, which is left
    unfinished (no closing warnings; ``state.nul_bytes`` holds the NUL bytes seen): the byte
    ranges of one file are joined, then finished once (``engine.join_ranges``)."""
    result, origin = state.result, state.origin
    cap = max_line_bytes()
    carry = b""
    long: _LongLine | None = None  # a line past the cap, being read to its end
    while True:
        data, error = _read_chunk(stream)
        result.file.bytes += len(data)
        chunk = data
        if long is not None and chunk:
            end = chunk.find(b"\n")
            long.see(chunk if end == -1 else chunk[:end])
            if end == -1:
                chunk = b""
            else:
                state.end_long(long)
                long, chunk = None, chunk[end + 1:]
        if chunk:
            buf = carry + chunk if carry else chunk
            cut = buf.rfind(b"\n") + 1
            if cut:
                state.block(buf[:cut], cap)
            carry = buf[cut:]
            if len(carry) > cap:
                long = _LongLine(carry[:cap])
                long.see(carry[cap:])
                carry = b""
        if error is not None:
            result.warnings.append(
                f"{origin.display}: unreadable after {result.file.bytes} bytes of log "
                f"({describe_read_error(error)}); everything before that was read")
            break
        if not data:
            break
    if long is not None:
        state.end_long(long)
    elif carry:
        state.block(carry + b"\n", cap)
    if beyond is not None:
        state.follow(physical_lines(beyond, cap), state.line_base)
    state.close()
    result.file.lines = state.line_base


class _LongLine:
    """A line longer than the cap: its first ``cap`` bytes, and whether it holds a catalogue
    anchor anywhere (as the search tools see it), found without keeping the rest."""

    EDGE = max(len(a) for a in ANCHORS) - 1  # an anchor cut by a chunk boundary

    def __init__(self, head: bytes) -> None:
        self.head = head
        self.nul = 0  # NUL bytes after the head (the head's own are counted by end_long)
        self.key = any(a in head for a in ANCHORS)
        self.edge = head[-self.EDGE:]

    def see(self, part: bytes) -> None:
        """More of the line (never kept)."""
        self.nul += part.count(b"\x00")
        if not self.key and part:
            window = self.edge + part
            self.key = any(a in window for a in ANCHORS)
            self.edge = window[-self.EDGE:]


def finish(result: ScanResult, nul_bytes: int) -> ScanResult:
    """The closing warnings and counts every way of scanning shares."""
    display = result.file.path
    if nul_bytes:
        result.warnings.append(f"{display}: {nul_bytes} NUL bytes (binary data or a "
                               "crash-padded region) were skipped")
    if result.cut_lines:
        cap = max_line_bytes()
        result.warnings.append(
            f"{display}: {result.cut_lines} line(s) holding a catalogue key are longer than "
            f"{cap:,} bytes (the first is line {result.first_cut}); only their first {cap:,} "
            "bytes were read (--max-line-bytes)")
        result.cut_lines = 0
    for (host, instance), count in result.capped.items():
        result.warnings.append(
            f"{display}: {count} 'Increasing downtime' lines of instance {instance} on "
            f"{host} after the first {STEP_CAP:,} of one ramp were counted, not kept: nova "
            f"logs at most steps + 1 per migration, and loganalyzer models up to {STEP_CAP:,}")
    result.capped = {}
    if result.file.bytes == 0 and not result.warnings:
        result.warnings.append(f"{display}: empty file")
    result.file.events = result.events.rows
    if result.unlisted:
        result.warnings.append(
            f"{display}: {result.unlisted} more unrecognized lines were counted, not listed "
            f"(the first {MAX_UNRECOGNIZED:,} are)")
    result.file.unrecognized = len(result.unrecognized) + result.unlisted
    return result


def append(whole: ScanResult, part: ScanResult) -> ScanResult:
    """``part`` (the bytes after ``whole``'s) appended to ``whole``, line numbers made
    continuous: byte ranges of one file, or a cached file and its new tail."""
    offset = whole.file.lines
    columns = part.events.finish()
    for name in ("line", "last_line", "dump_last_line"):
        if name in columns:
            columns[name] = [n + offset if n is not None else None for n in columns[name]]
    for row in part.unrecognized:
        row["line"] += offset
    for result in (whole, part):
        keyed(result.events)
    _join_runs(whole, part)
    _join_repeats(whole, part)
    whole.events.extend(part.events)
    whole.unrecognized.extend(part.unrecognized)
    whole.warnings = [w for w in whole.warnings if not w.endswith(": empty file")]
    whole.warnings.extend(w for w in part.warnings if not w.endswith(": empty file"))
    whole.file.lines += part.file.lines
    whole.file.bytes += part.file.bytes
    whole.file.folded += part.file.folded
    if whole.file.bytes == 0:
        whole.warnings.append(f"{whole.file.path}: empty file")
    whole.file.events = whole.events.rows
    whole.file.unrecognized += part.file.unrecognized
    return whole


RUN_ENDS = ("repeats", "last_line", "last_time", "last_ts", "last_elapsed_s")
KEY_COLUMNS = ("kind", "host", "instance", "pid", "message_id")


def keyed(events: Columns) -> None:
    """Give ``events`` the columns the joins read, empty ones where no event had the field
    (a range or a cached file of start-up dump lines alone has no ``instance``)."""
    data = events.finish()
    for name in KEY_COLUMNS:
        if name not in data:
            data[name] = [None] * events.rows


def _join_runs(whole: ScanResult, part: ScanResult) -> None:
    """A run of repeated monitor lines cut by the boundary between ``whole`` and ``part``
    (two byte ranges, a cached file and its tail) folded into one row, as one pass would."""
    ahead, behind = whole.events.finish(), part.events.finish()
    if "repeats" not in ahead or "repeats" not in behind:  # (none when not folding)
        return
    last: dict[tuple[Any, Any], int] = {}  # per migration, the open run at the end of whole
    i: int | None
    for i, kind in enumerate(ahead["kind"]):
        if kind == "downtime_state" and ahead["repeats"][i] is not None:
            last[(ahead["host"][i], ahead["instance"][i])] = i
    first: dict[tuple[Any, Any], int] = {}
    for j, kind in enumerate(behind["kind"]):
        key = (behind["host"][j], behind["instance"][j])
        if kind == "downtime_state" and behind["repeats"][j] is not None and key not in first:
            first[key] = j
    joined = set()
    for key, j in first.items():
        i = last.get(key)
        if i is None or not continues(ahead["last_elapsed_s"][i], behind["elapsed_s"][j]):
            continue
        if _row_signature(ahead, i) != _row_signature(behind, j):
            continue
        ahead["repeats"][i] += behind["repeats"][j]
        for name in RUN_ENDS[1:]:
            ahead[name][i] = behind[name][j]
        joined.add(j)
    _drop_rows(part, behind, joined)


def _join_repeats(whole: ScanResult, part: ScanResult) -> None:
    """Runs of repeated monitor lines (:meth:`ScanState._fold_repeat`) cut by the boundary
    between ``whole`` and ``part`` joined into one row, as one pass would."""
    ahead, behind = whole.events.finish(), part.events.finish()
    if "repeats" not in behind:  # (none when not folding)
        return
    open_runs: dict[tuple[Any, Any], dict[tuple[Any, Any], int]] = {}
    for i, kind in enumerate(ahead.get("kind", ())):
        key = (ahead["host"][i], ahead["instance"][i])
        if kind in REPEATING_KINDS and "repeats" in ahead:
            open_runs.setdefault(key, {})[(ahead["message_id"][i], ahead["pid"][i])] = i
        elif kind != "downtime_state":
            open_runs.pop(key, None)
    joined: set[int] = set()
    ended: set[tuple[Any, Any]] = set()
    for j, kind in enumerate(behind["kind"]):
        key = (behind["host"][j], behind["instance"][j])
        if kind not in REPEATING_KINDS:
            if kind != "downtime_state":
                ended.add(key)
            continue
        if key in ended:
            continue
        i = open_runs.get(key, {}).pop((behind["message_id"][j], behind["pid"][j]), -1)
        if i < 0:
            continue
        ahead["repeats"][i] += behind["repeats"][j]
        for name in ("last_line", "last_time", "last_ts"):
            ahead[name][i] = behind[name][j]
        joined.add(j)
    _drop_rows(part, behind, joined)


def _drop_rows(part: ScanResult, columns: dict[str, list[Any]], joined: set[int]) -> None:
    """Remove the rows of ``part`` that were joined into runs of the part before it."""
    if not joined:
        return
    for name, values in columns.items():
        columns[name] = [v for j, v in enumerate(values) if j not in joined]
    part.events.rows -= len(joined)
    part.file.folded += len(joined)


def _row_signature(columns: dict[str, list[Any]], row: int) -> tuple[Any, ...]:
    current = columns["current_ms"][row] if "current_ms" in columns else None
    return run_signature(current, columns["steps"][row], columns["pid"][row],
                         columns["elapsed_s"][row])


def _read_chunk(stream: ByteSource) -> tuple[bytes, BaseException | None]:
    """About ``CHUNK`` bytes, gathered from ``read1`` calls where the stream has them, so
    that a decompression error late in a chunk still returns the bytes before it."""
    read1 = getattr(stream, "read1", None)
    if read1 is None:
        try:
            return stream.read(CHUNK), None
        except READ_ERRORS as exc:
            return b"", exc
    pieces: list[bytes] = []
    size = 0
    while size < CHUNK:
        try:
            piece = read1(CHUNK - size)
        except READ_ERRORS as exc:
            return b"".join(pieces), exc
        if not piece:
            break
        pieces.append(piece)
        size += len(piece)
    return b"".join(pieces), None


@dataclass
class _Open:
    """An event whose message may go on over the following physical lines (see
    :func:`loganalyzer.logs.grammar.continuation`)."""

    row: int
    pid: str | None
    logger: str | None
    time: str | None
    first: str | None  # the error text of its first line
    lines: list[str] = field(default_factory=list)
    blank: int = 0  # blank lines seen after the last line kept (kept only if text follows)
    last_line: int = 0
    chars: int = 0


@dataclass
class _Run:
    """Consecutive ``Current … steps`` lines of one migration that say the same thing."""

    row: int  # the event row that stands for the run
    signature: tuple[Any, ...]  # see run_signature
    elapsed_s: int  # at the run's last line
    # For the fast path (State._fold_fast): the run's fields as logged, and the elapsed
    # seconds it may reach before its signature can change.
    logged: tuple[bytes, bytes, bytes] = (b"", b"", b"")  # (pid, current, step list)
    until_s: float = 0.0


@dataclass
class _DumpRow:
    """A host's start-up dump as this stream has read it: the row its lines fold into."""

    row: int  # the config_dump row lines of this process fold into
    pid: Any
    logger: Any
    names: set[str]  # the options of the dump so far (host_facts' rule: one more starts one)
    started: bool  # the stream read the dump's start (else its first lines may continue a
    # dump of the bytes before this stream's: each stays a row of its own, see _dump_line)


DUMP_SHARED = 4096  # distinct (option, value) pairs and option tuples shared between rows
_DUMP_STAMP = re.compile(rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+")  # a plain dump line's
CLAIM_FIELDS = frozenset({Kind.CONF_HOST.value, Kind.CONF_MY_IP.value})  # (dump row fields)


def _cell(data: dict[str, list[Any]], name: str, row: int) -> Any:
    """Row ``row`` of column ``name`` (None where the column does not reach it)."""
    column = data.get(name)
    return column[row] if column is not None and len(column) > row else None


def _fast_limits(signature: tuple[Any, ...], elapsed_s: int) -> float:
    """Below which elapsed second a run begun at ``elapsed_s`` keeps ``signature``: the next
    due time, or this very second when the run is near one (see run_signature)."""
    if signature[4] is not None:
        return elapsed_s + 1
    return min((at for at, _ in signature[1] if at > elapsed_s), default=math.inf)


def run_signature(current_ms: Any, steps: Any, pid: Any, elapsed_s: int) -> tuple[Any, ...]:
    """What consecutive ``Current … steps`` lines must share to fold into one run: the
    current downtime, the step list, the process and how many steps had fallen due. In the
    first seconds after a step falls due each elapsed second is a run of its own, so the
    ramp comparison still sees the first iteration past a step's due time (its tolerance is
    at most 5 s, see ``migrations._starts``) to the second."""
    try:
        ramp, ats = _ramp(steps)
    except TypeError:  # (not hashable: a list of lists)
        ramp, ats = _ramp.__wrapped__(steps)
    if ats is not None and type(elapsed_s) is int:  # the due times, sorted: counted faster
        due = bisect.bisect_right(ats, elapsed_s)
        near_due = due > bisect.bisect_left(ats, elapsed_s - NEAR_DUE_S)
    else:
        due = sum(1 for at, _ in ramp if at <= elapsed_s)
        near_due = any(at <= elapsed_s <= at + NEAR_DUE_S for at, _ in ramp)
    return (current_ms, ramp, pid, due, elapsed_s if near_due else None)


@functools.lru_cache(maxsize=256)
def _ramp(steps: Any) -> tuple[tuple[tuple[Any, ...], ...], list[int] | None]:
    """A step list as a tuple of tuples, and its due times sorted when all are ints (one
    list is logged on every monitor iteration of a migration)."""
    ramp = tuple(tuple(step) for step in steps)
    ats = [at for at, _ in ramp]
    return ramp, sorted(ats) if all(type(at) is int for at in ats) else None


def _steps_text(steps: tuple[tuple[int, int], ...]) -> bytes:
    """The step list as nova logs it (``str`` of a list of tuples)."""
    return str(list(steps)).encode()


_cached_steps_text = functools.lru_cache(maxsize=256)(_steps_text)


def _logged_steps(steps: tuple[tuple[int, int], ...]) -> bytes:
    """:func:`_steps_text`, once per distinct step list."""
    try:
        return _cached_steps_text(steps)
    except TypeError:  # (not hashable)
        return _steps_text(steps)


# ``2024-05-01 12:00:00.500 4242 DEBUG nova.virt.libvirt.migration [ctx] [instance: U]
# Current 50 elapsed 7 steps [(0, 50), …]``: oslo.log's default layout, nothing around it.
_PLAIN_STATE = re.compile(
    rb"(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) (?P<pid>\d+) DEBUG "
    rb"nova\.virt\.libvirt\.migration \[[^\]]*\] \[instance: (?P<instance>[0-9a-f-]{36})\] "
    rb"Current (?P<current>None|\d+) elapsed (?P<elapsed>\d+) steps (?P<steps>\[[^\]]*\])"
    rb"(?: update_downtime \S+)?\s*\Z")


def continues(last_elapsed_s: int, elapsed_s: int) -> bool:
    """Whether a line ``elapsed_s`` can continue a run whose last line was at
    ``last_elapsed_s``: time neither goes back (a new migration) nor jumps (a stall)."""
    return 0 <= elapsed_s - last_elapsed_s <= FOLD_GAP_S


class ScanState:
    """Per-stream scanning state: line numbering, the collected results and the open runs of
    repeated monitor lines. ``fold`` False keeps every line as its own event, repeated
    monitor and step lines too (tests compare the analyses both ways)."""

    def __init__(self, origin: Origin, result: ScanResult, fold: bool = True) -> None:
        self.origin = origin
        self.result = result
        self.fold = fold
        self.line_base = 0  # lines before the current block
        self.nul_bytes = 0
        self.runs: dict[tuple[str | None, str | None], _Run] = {}
        self.fast_runs: dict[bytes, _Run] = {}  # this file's own host's runs by instance
        # Open runs of the other repeated monitor lines, per migration and message form.
        self.repeats: dict[tuple[Any, Any], dict[tuple[str, Any], int]] = {}
        # per (host, instance): the last kept step line's row, (downtime, after) and how
        # many steps its ramp has kept
        self.steps: dict[tuple[Any, Any], tuple[int, tuple[Any, Any], int]] = {}
        self.latest: dict[tuple[Any, Any], int] = {}  # per (host, instance): its last row
        self.step_copy: tuple[bytes, tuple[Any, Any]] = (b"", (None, None))  # last step line
        self.open: _Open | None = None  # the last event, while its message may go on
        self.dumps: dict[Any, _DumpRow] = {}  # per host: its start-up dump's open row
        self.shared: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # see _shared
        self.dump_fast: tuple[bytes, int] | None = None  # see _fold_dump_fast

    def block(self, block: bytes, cap: int = MAX_LINE) -> None:
        """Scan a block that ends with a newline; a line longer than ``cap`` is cut there.
        Only lines holding an anchor are parsed, and the lines right after one whose message
        may go on (:meth:`follow`)."""
        candidates: dict[int, int] = {}
        for key in ANCHORS:
            pos = block.find(key)
            while pos != -1:
                start = block.rfind(b"\n", 0, pos) + 1
                end = block.find(b"\n", pos)
                candidates[start] = end
                pos = block.find(key, end)
        if b"\x00" in block:
            self.nul_bytes += block.count(b"\x00")
        line = self.line_base
        if self.open is not None:  # a record open at the end of the block before
            self.follow(_lines(block, 0, candidates, cap), line)
        previous = 0
        for start in sorted(candidates):
            line += block.count(b"\n", previous, start)
            previous = start
            stop = end = candidates[start]
            long = end - start > cap
            if long:
                self.cut(line + 1)
                end = start + cap
            self.line_text(block[start:end], line + 1, long)
            if self.open is not None:
                self.follow(_lines(block, stop + 1, candidates, cap), line + 1)
        self.line_base += block.count(b"\n")

    def follow(self, lines: Iterable[bytes], number: int) -> bool:
        """Join the physical lines after line ``number`` (bytes, with or without their
        newline) to the open record while they continue it; a line holding an anchor is
        always a record of its own. False once the record is closed, True while it is still
        open when ``lines`` run out."""
        record = self.open
        if record is None:
            return False
        for raw in lines:
            number += 1
            if len(record.lines) + record.blank >= MAX_CONTINUATION_LINES or any(
                    key in raw for key in ANCHORS):
                break
            text = continuation(raw.rstrip(b"\r\n").decode("utf-8", "replace"),
                                record.pid, record.logger, record.time)
            if text is None:
                break
            if not text.strip():
                record.blank += 1
                continue
            record.lines.extend([""] * record.blank)
            record.blank = 0
            record.lines.append(text)
            record.last_line = number
            record.chars += len(text) + 1
            if record.chars >= MAX_CONTINUATION_CHARS:
                break
        else:
            return True
        self.close()
        return False

    def close(self) -> None:
        """The open record is complete: its further lines join its ``error``."""
        record, self.open = self.open, None
        if record is None or not record.lines:
            return
        text = "\n".join(record.lines)[:MAX_CONTINUATION_CHARS]
        events = self.result.events
        events.put(record.row, "error", f"{record.first}\n{text}" if record.first else text)
        events.put(record.row, "last_line", record.last_line)

    def cut(self, number: int) -> None:
        """Line ``number``, a candidate, is longer than the cap: counted for the warning."""
        self.result.cut_lines += 1
        self.result.first_cut = self.result.first_cut or number

    def end_long(self, long: _LongLine) -> None:
        """The end of a line longer than the cap: parsed from its head when it is a
        candidate; one line either way."""
        self.nul_bytes += long.nul + long.head.count(b"\x00")
        if long.key:
            self.cut(self.line_base + 1)
            self.line_text(long.head, self.line_base + 1, True)
        elif self.open is not None:  # a further line of the open record, cut as all are
            self.follow([long.head], self.line_base)
        self.line_base += 1

    def line_text(self, raw: bytes, number: int, cut: bool = False) -> None:
        """Parse one candidate line (its bytes, without the newline; ``cut``: the first
        bytes of a longer line)."""
        if self.open is not None:
            self.close()
        if self.fast_runs and b" Current " in raw and self._fold_fast(raw, number):
            return
        if raw == self.step_copy[0] and self._fold_copy(number):
            return
        if self.dump_fast is not None and self._fold_dump_fast(raw, number):
            return
        text = raw.decode("utf-8", "replace")
        stripped = text.lstrip("\x00 \t")
        found: Any = ()
        event: dict[str, Any] | None
        dump_layout = False  # read by parse_dump_line: oslo.log's plain layout
        try:
            if b" log_opt_values /" in raw and (dumped := parse_dump_line(text)):
                event = dumped  # a start-up dump line: the grammar's fields, found faster
                dump_layout = True
            elif stripped.startswith("{"):
                event, message = parse_json(stripped, keys_in)
                if event is None:  # (the keys only tell an unrecognized line from noise)
                    found = keys_in(message) if message is not None else keys_in(text)
            else:  # (the keys are listed only when the quick way hands over)
                event = parse_quick(text)
                if event is None:
                    found = keys_in(text)
                    event = parse_text(text, found) if found else None
        except ImplausibleValue as exc:
            self._unrecognized({"file": self.origin.display, "line": number,
                                "text": text[:MAX_TEXT], "reason": str(exc)})
            return
        if event is None:
            if found:
                self._unrecognized(
                    {"file": self.origin.display, "line": number, "text": text[:MAX_TEXT]})
            elif cut:  # the key is in the part past the cap, which was not kept
                self._unrecognized(
                    {"file": self.origin.display, "line": number, "text": text[:MAX_TEXT],
                     "reason": f"a catalogue key lies past the first {len(raw):,} bytes of "
                     "this line, which are all that was read (--max-line-bytes)"})
            return
        finished = self._finish(event, number)
        if finished["kind"] in DUMP_LINE_KINDS:
            self._dump_line(finished)
            self._dump_header(raw, finished, dump_layout)
            return
        if self.fold and finished["kind"] == "downtime_state" and self._fold(finished):
            return
        if self.fold and (self.repeats or finished["kind"] in REPEATING_KINDS) \
                and self._fold_repeat(finished):  # (no open run: nothing to end or extend)
            return
        key = (finished.get("host"), finished.get("instance"))
        if finished["kind"] == "downtime_step" and self._step_held(finished, key, raw):
            return
        self.latest[key] = self.result.events.rows
        if finished["message_id"] in CONTINUED:
            self.open = _Open(self.result.events.rows, finished.get("pid"),
                              finished.get("logger"), finished.get("time"),
                              finished.get("error"))
        self.result.events.append(finished)

    def _fold_repeat(self, event: dict[str, Any]) -> bool:
        """Fold a monitor line nova repeats every iteration (``No current step``, ``Downtime
        does not need to change``, ``Operation thread is still running``, ``Migration not
        running yet``: the catalogue's ``repeats``) into the row of the same line before it.
        A run of one form goes on until another line of the migration (not a ``Current …
        steps`` one) comes; its row counts ``repeats`` and keeps the last line and time.
        True when folded; any other line of the migration ends its runs."""
        key = (event.get("host"), event.get("instance"))
        if event["kind"] not in REPEATING_KINDS:
            if event["kind"] != "downtime_state":
                self.repeats.pop(key, None)
            return False
        runs = self.repeats.setdefault(key, {})
        form = (event["message_id"], event.get("pid"))
        row = runs.get(form)
        if row is None:
            event.update(repeats=1, last_line=event["line"], last_time=event["time"],
                         last_ts=event["ts"])
            runs[form] = self.result.events.rows
            return False
        self._count_line(row, event["line"], event["time"], event["ts"])
        return True

    def _dump_line(self, event: dict[str, Any]) -> None:
        """A ``config_option``, ``config_files``, ``conf_host`` or ``conf_my_ip`` line
        (oslo.config's ``log_opt_values`` dump, printed on every service start) folded into
        its dump's one ``config_dump`` row: the first line's fields, ``options``
        (``(option, value)`` pairs in line order), ``files`` (the ``config files:`` list),
        ``conf_host`` and ``conf_my_ip`` (nova's ``host`` and ``my_ip``), ``dump_lines`` (how
        many lines it holds) and ``dump_last_line``/``dump_last_time``/``dump_last_ts`` (its
        last line's).

        A dump starts at ``config files:`` or when an option repeats (the rule of
        ``analysis.evidence.host_facts``); a line of another process starts a row that goes
        on with the same dump. Until the stream has read a dump's start its lines are rows
        of their own: they may continue a dump read before this stream (a byte range, a
        polled or cached tail), which ``host_facts`` joins by the same rule (a row holds one
        ``host`` and one ``my_ip`` line: another starts a row that goes on). The columns the
        lines would have made as rows are made when they would have been (empty): the other
        rows' fields keep their order in every output."""
        events = self.result.events
        data = events.data
        for name in event:
            if name not in data:
                data[name] = []  # (padded by Columns as rows come)
        host = event.get("host")
        kind = event["kind"]
        option = event.get("option")
        held = self.dumps.get(host)
        starts = kind == Kind.CONFIG_FILES or (held is not None and option in held.names)
        claim = kind in CLAIM_FIELDS  # nova's host name or address: a field of the row
        if held is not None and not starts and held.started and held.pid == event.get("pid") \
                and held.logger == event.get("logger") and not (claim and _cell(
                    data, kind, held.row) is not None):
            row = held.row
            data["dump_lines"][row] += 1
            data["dump_last_line"][row] = event["line"]
            data["dump_last_time"][row] = event["time"]
            data["dump_last_ts"][row] = event["ts"]
        else:
            out = {k: v for k, v in event.items() if k not in ("option", "value")}
            out.update(kind=Kind.CONFIG_DUMP.value, options=(), dump_lines=1,
                       dump_last_line=event["line"], dump_last_time=event["time"],
                       dump_last_ts=event["ts"])
            if held is None or starts:
                held = self.dumps[host] = _DumpRow(events.rows, None, None, set(), starts)
            held.row, held.pid, held.logger = events.rows, out.get("pid"), out.get("logger")
            events.append(out)
        self._dump_value(held, kind, option, event.get("value"))

    def _dump_header(self, raw: bytes, event: dict[str, Any], dump_layout: bool) -> None:
        """After a plain dump line read by ``parse_dump_line`` (``dump_layout``; any other
        parse, ``parse_quick``'s included, leaves the fast path off): its bytes between the
        time and the message (`` pid DEBUG logger [ctx] ``) and its row, while that row is
        its host's open, started one (:meth:`_fold_dump_fast`)."""
        self.dump_fast = None
        held = self.dumps.get(self.origin.host)
        if not dump_layout or held is None or not held.started or \
                event.get("host") != self.origin.host:
            return
        stamp = raw.find(b" ", 11)
        close = raw.find(b"] ", stamp)
        if stamp > 0 and close > 0:
            self.dump_fast = (raw[stamp:close + 2], held.row)

    def _fold_dump_fast(self, raw: bytes, number: int) -> bool:
        """A plain dump line of the process, logger and context of the open dump row, that
        goes on with it, folded without decoding the header again: its message is parsed by
        the grammar's dump cache (``grammar.dump_message``) and the line checked as
        ``parse_dump_line`` checks it (a test compares the tables with and without). False:
        the line takes the full path."""
        assert self.dump_fast is not None
        header, row = self.dump_fast
        held = self.dumps.get(self.origin.host)
        if held is None or held.row != row:
            return False
        stamp = raw.find(b" ", 11)
        start = stamp + len(header)
        if stamp < 0 or raw[stamp:start] != header or not _DUMP_STAMP.fullmatch(raw, 0, stamp):
            return False
        parsed = dump_message(raw[start:].decode("utf-8", "replace"))
        if parsed is None:
            return False
        fields = dict(parsed)
        kind, option = fields["kind"], fields.get("option")
        data = self.result.events.data
        if kind == Kind.CONFIG_FILES or option in held.names or (
                kind in CLAIM_FIELDS and _cell(data, kind, row) is not None):
            return False
        for name in fields:
            if name not in data:
                data[name] = []  # (the columns the full path makes, as _dump_line)
        time = raw[:stamp].decode()
        data["dump_lines"][row] += 1
        data["dump_last_line"][row] = number
        data["dump_last_time"][row] = data["dump_last_ts"][row] = time
        self._dump_value(held, kind, option, fields.get("value"))
        return True

    def _dump_value(self, held: _DumpRow, kind: str, option: Any, value: Any) -> None:
        """A dump line's value into its row: nova's host name or address as a field of
        their own, an option's as one more ``(option, value)`` pair of ``options``."""
        if kind in CLAIM_FIELDS:
            self.result.events.put(held.row, kind, value)
        elif option is not None:
            held.names.add(option)
            column = self.result.events.data["options"]
            column[held.row] = self._shared(column[held.row] + (self._shared(
                (option, value),),))

    def _shared(self, value: tuple[Any, ...]) -> tuple[Any, ...]:
        """``value``, or the equal tuple an earlier dump row holds (every restart prints the
        same options: their rows then share one tuple)."""
        shared = self.shared
        found = shared.get(value)
        if found is None:
            if len(shared) >= DUMP_SHARED:
                return value
            found = shared[value] = value
        return found

    def _unrecognized(self, row: dict[str, Any]) -> None:
        """A row for ``unrecognized``, or a count once MAX_UNRECOGNIZED are listed (memory
        follows what is kept: a file of junk lines holding keys keeps 10,000 rows)."""
        if len(self.result.unrecognized) < MAX_UNRECOGNIZED:
            self.result.unrecognized.append(row)
        else:
            self.result.unlisted += 1

    def _step_held(self, event: dict[str, Any], key: tuple[Any, Any], raw: bytes) -> bool:
        """An ``Increasing downtime`` line that is not a row of its own: True when it repeats
        the instance's last event, a step line alike (folded into that row's ``repeats``:
        nova logs a step once, so these are copies) or when its ramp holds STEP_CAP steps
        (counted in a warning: nova logs at most steps + 1 per ramp, a new one starting at
        ``after 0 sec``). Memory then follows the steps kept, not the lines read."""
        value = (event.get("downtime_ms"), event.get("after_s"))
        last = self.steps.get(key)
        if self.fold and last is not None and last[1] == value \
                and self.latest.get(key) == last[0]:
            self._fold_step(last[0], event["line"], event["time"], event["ts"])
            self.step_copy = (raw, key)
            return True
        kept = 1 if last is None or value[1] == 0 else last[2] + 1
        if kept > STEP_CAP:
            self.result.capped[key] = self.result.capped.get(key, 0) + 1
            return True
        self.steps[key] = (self.result.events.rows, value, kept)
        self.step_copy = (raw, key)
        return False

    def _fold_step(self, row: int, number: int, time: Any, ts: Any) -> None:
        data = self.result.events.data
        for name in ("repeats", "last_line", "last_time", "last_ts"):
            column = data.setdefault(name, [])
            if len(column) <= row:
                column.extend([None] * (row + 1 - len(column)))
        if data["repeats"][row] is None:
            data["repeats"][row] = 1
        self._count_line(row, number, time, ts)

    def _count_line(self, row: int, number: int, time: Any, ts: Any) -> None:
        """One more line folded into ``row``: its count and its last line and time move on
        (every folding path: monitor runs, repeated forms, copied step lines)."""
        data = self.result.events.data
        data["repeats"][row] += 1
        data["last_line"][row] = number
        data["last_time"][row] = time
        data["last_ts"][row] = ts
        self.result.file.folded += 1

    def _fold_copy(self, number: int) -> bool:
        """The same bytes as the last step line, folded without the grammar when that line
        is its instance's last row (the full path would fold it the same way)."""
        key = self.step_copy[1]
        last = self.steps.get(key)
        if not self.fold or last is None or self.latest.get(key) != last[0]:
            return False
        data, row = self.result.events.data, last[0]
        ends = data.get("last_time")  # the copied line's own time: the row's latest
        if ends is not None and len(ends) > row and ends[row] is not None:
            time, ts = ends[row], data["last_ts"][row]
        else:
            time, ts = data["time"][row], data["ts"][row]
        self._fold_step(row, number, time, ts)
        return True

    def _fold(self, event: dict[str, Any]) -> bool:
        """Fold a DEBUG ``Current X elapsed Y steps […]`` line into the run it continues.

        nova's ``update_downtime`` logs that line on every monitor iteration (every 0.5 s,
        Newton and later), so a long migration writes thousands of identical ones. A run goes
        on while :func:`run_signature` stays the same and :func:`continues` holds; its first
        line's row keeps the run's last line, time and elapsed seconds and a ``repeats``
        count. The iterations at a run's two ends tell the ramp comparison what all its middle
        ones could (a test checks that analyses agree with and without folding). True when
        folded."""
        steps = event.get("steps")
        elapsed = event.get("elapsed_s")
        if not steps or elapsed is None:
            return False
        key = (event.get("host"), event.get("instance"))
        signature = run_signature(event.get("current_ms"), steps, event.get("pid"), elapsed)
        run = self.runs.get(key)
        if run is not None and run.signature == signature and continues(run.elapsed_s,
                                                                          elapsed):
            self._extend(run, event["line"], event["time"], event["ts"], elapsed)
            return True
        event.update(repeats=1, last_line=event["line"], last_time=event["time"],
                     last_ts=event["ts"], last_elapsed_s=elapsed)
        current = event.get("current_ms")
        run = self.runs[key] = _Run(
            self.result.events.rows, signature, elapsed,
            (str(event.get("pid")).encode(), str(current).encode(), _logged_steps(steps)),
            _fast_limits(signature, elapsed))
        if key[0] == self.origin.host and event.get("instance"):
            self.fast_runs[event["instance"].encode()] = run
        return False

    def _fold_fast(self, raw: bytes, number: int) -> bool:
        """A plain oslo.log ``Current … steps`` line that continues an open run, folded
        without the grammar: the same fields the full parse would compare (checked by a
        test against the full parse). False: the line takes the full path."""
        match = _PLAIN_STATE.match(raw)
        if match is None:
            return False
        stamp, pid, instance, current, elapsed_text, steps = match.groups()
        run = self.fast_runs.get(instance)
        if run is None or run.logged != (pid, current, steps):
            return False
        elapsed = int(elapsed_text)
        if not (continues(run.elapsed_s, elapsed) and elapsed < run.until_s):
            return False
        text = stamp.decode()  # oslo's own layout: the time as logged is the normalised one
        self._extend(run, number, text, text, elapsed)
        return True

    def _extend(self, run: _Run, number: int, time: str | None, ts: str | None,
                elapsed: int) -> None:
        """One more line for ``run``: its row's count and end move on."""
        self._count_line(run.row, number, time, ts)
        self.result.events.data["last_elapsed_s"][run.row] = elapsed
        run.elapsed_s = elapsed

    def _finish(self, event: dict[str, Any], number: int) -> dict[str, Any]:
        origin = self.origin
        out: dict[str, Any] = {"time": None, "ts": None}
        pop = event.pop
        raw_ts = pop("ts", None)
        syslog_ts = pop("env_syslog_ts", None)
        iso_ts = pop("env_iso_ts", None)
        epoch = pop("env_epoch_us", None)
        if raw_ts:
            out["time"] = raw_ts
            out["ts"] = raw_ts.replace("T", " ").replace(",", ".") \
                if "T" in raw_ts or "," in raw_ts else raw_ts
        elif iso_ts:
            out["time"] = iso_ts
            match = _ISO.match(iso_ts)
            out["ts"] = f"{match.group(1)} {match.group(2)}" if match else None
        elif syslog_ts:
            out["time"] = syslog_ts
            out["ts"] = _syslog_ts(syslog_ts, origin.year)
        elif epoch is not None:
            moment = datetime.fromtimestamp(epoch / 1_000_000, tz=UTC).replace(tzinfo=None)
            out["time"] = out["ts"] = moment.isoformat(sep=" ")
        env_host = pop("env_host", None)
        tag = pop("tag", None)
        if env_host:
            out["host"], out["host_source"] = sys.intern(env_host), "syslog"
        elif tag:
            out["host"], out["host_source"] = sys.intern(tag), "merged-log tag"
        else:
            host = origin.host
            out["host"] = sys.intern(host) if host is not None else None
            out["host_source"] = origin.host_source
        out["file"] = origin.display
        out["line"] = number
        pop("env_grep_path", None)
        pop("env_prefix", None)
        pop("env_ident", None)
        out.update(event)
        return out


def _lines(block: bytes, start: int, candidates: dict[int, int], cap: int) -> Iterator[bytes]:
    """The lines of ``block`` from offset ``start`` up to the next candidate line, each cut
    at ``cap`` bytes."""
    size = len(block)
    while start < size and start not in candidates:
        end = block.find(b"\n", start)
        yield block[start:min(end, start + cap)]
        start = end + 1


def physical_lines(stream: IO[bytes], cap: int) -> Iterator[bytes]:
    """The lines of a binary stream, each cut at ``cap`` bytes (the rest is read and
    dropped): the further lines of an open record, read where the scan did not read them."""
    while line := stream.readline(cap + 1):
        if len(line) > cap and not line.endswith(b"\n"):
            rest = line
            while rest and not rest.endswith(b"\n"):
                rest = stream.readline(1 << 20)
            line = line[:cap]
        yield line


def _syslog_ts(text: str, year: int | None) -> str | None:
    """``Jul 11 18:10:59`` in ``year`` (syslog carries no year: the file's mtime gives it)."""
    if year is None:
        return None
    month, day, hms = text.split()
    return f"{year:04d}-{_MONTH[month]:02d}-{int(day):02d} {hms}"

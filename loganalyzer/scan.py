"""Bytes to events: the byte-level prefilter, then the grammar on candidate lines only.

``scan_stream`` reads a binary stream in large chunks, finds the catalogue's literal keys with
``bytes.find``, and parses only the lines that hold one. Every such line becomes an event or
an *unrecognized* row (file and line number); every unreadable byte range is a warning naming
the file, and what was read before it is kept. Pure per input, so it can run anywhere.
"""

from __future__ import annotations

import lzma
import os
import re
import shutil
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from loganalyzer.catalog import keys as catalogue_keys
from loganalyzer.grammar import MONTHS, parse_json, parse_text
from loganalyzer.ingest.readers import UnsupportedCompression

CHUNK = 4 << 20
MAX_LINE = 64 << 20  # a "line" longer than this is cut, with a warning
MAX_TEXT = 2000  # characters of an unrecognized line kept for the report
KEYS: tuple[str, ...] = catalogue_keys()
# journald's JSON export writes MESSAGE as a list of byte values when the text holds control
# characters (colour escapes): such lines are candidates too, decoded before the key check.
JSON_MARKERS: tuple[bytes, ...] = (b'"MESSAGE":[', b'"MESSAGE": [')
# The byte prefilter searches for a few anchors rather than every key: each search is a pass
# over the data, and every catalogue message contains one of these (a test checks it). Lines
# found are then checked for the keys themselves.
ANCHORS: tuple[bytes, ...] = (
    b"igrat", b"owntime", b"ifecycle", b"steps [", b"Data remaining", b"compute node (version",
    b"config files: ", b"sync_power", b"Post-copy flag", b"interfaces to be plugged",
    *JSON_MARKERS)
KEY_BYTES: tuple[bytes, ...] = tuple(k.encode() for k in KEYS)
_MONTH = {m: i for i, m in enumerate(MONTHS, start=1)}
_ISO = re.compile(r"(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d(?:\.\d+)?)")


def keys_in(text: str) -> list[str]:
    """The catalogue keys that occur in ``text``."""
    return [k for k in KEYS if k in text]


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
    readable: bool = True  # False when the input could not be opened at all

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "host": self.host, "host_source": self.host_source,
                "compression": self.compression, "lines": self.lines, "bytes": self.bytes,
                "events": self.events, "unrecognized": self.unrecognized,
                "readable": self.readable}


@dataclass
class Columns:
    """Events collected column by column; a column appears when a field first does."""

    data: dict[str, list[Any]] = field(default_factory=dict)
    rows: int = 0

    def append(self, event: dict[str, Any]) -> None:
        n = self.rows
        for name, value in event.items():
            column = self.data.get(name)
            if column is None:
                column = self.data[name] = [None] * n
            elif len(column) < n:
                column.extend([None] * (n - len(column)))
            column.append(value)
        self.rows = n + 1

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


@dataclass(frozen=True)
class Origin:
    """Who wrote a stream, for the events read from it."""

    display: str
    host: str | None
    host_source: str
    year: int | None = None


def scan_stream(stream: IO[bytes], origin: Origin, compression: str | None = None) -> ScanResult:
    """Scan one decompressed binary stream."""
    result = ScanResult(FileReport(origin.display, origin.host, origin.host_source, compression))
    state = _State(origin, result)
    carry = b""
    while True:
        chunk, error = _read_chunk(stream)
        if chunk:
            result.file.bytes += len(chunk)
            buf = carry + chunk if carry else chunk
            cut = buf.rfind(b"\n") + 1
            if cut == 0:
                if len(buf) > MAX_LINE:
                    result.warnings.append(
                        f"{origin.display}: line {state.line_base + 1} is longer than "
                        f"{MAX_LINE >> 20} MiB; it was cut there")
                    state.block(buf + b"\n")
                    buf = b""
                carry = buf
            else:
                state.block(buf[:cut])
                carry = buf[cut:]
        if error is not None:
            result.warnings.append(
                f"{origin.display}: unreadable after {result.file.bytes} bytes of log "
                f"({_describe(error)}); everything before that was read")
            break
        if not chunk:
            break
    if carry:
        state.block(carry + b"\n")
    result.file.lines = state.line_base
    return _finish(result, state.nul_bytes)


def _finish(result: ScanResult, nul_bytes: int) -> ScanResult:
    """The closing warnings and counts every way of scanning shares."""
    display = result.file.path
    if nul_bytes:
        result.warnings.append(f"{display}: {nul_bytes} NUL bytes (binary data or a "
                               "crash-padded region) were skipped")
    if result.file.bytes == 0 and not result.warnings:
        result.warnings.append(f"{display}: empty file")
    result.file.events = result.events.rows
    result.file.unrecognized = len(result.unrecognized)
    return result


def append(whole: ScanResult, part: ScanResult) -> ScanResult:
    """``part`` (the bytes after ``whole``'s) appended to ``whole``, line numbers made
    continuous: byte ranges of one file, or a cached file and its new tail."""
    offset = whole.file.lines
    columns = part.events.finish()
    if "line" in columns:
        columns["line"] = [n + offset if n is not None else None for n in columns["line"]]
    for row in part.unrecognized:
        row["line"] += offset
    whole.events.extend(part.events)
    whole.unrecognized.extend(part.unrecognized)
    whole.warnings = [w for w in whole.warnings if not w.endswith(": empty file")]
    whole.warnings.extend(w for w in part.warnings if not w.endswith(": empty file"))
    whole.file.lines += part.file.lines
    whole.file.bytes += part.file.bytes
    if whole.file.bytes == 0:
        whole.warnings.append(f"{whole.file.path}: empty file")
    whole.file.events = whole.events.rows
    whole.file.unrecognized = len(whole.unrecognized)
    return whole


def _grep_command(grep: str) -> list[str]:
    args = [grep, "-F", "-n", "-a"]
    for anchor in ANCHORS:
        args += ["-e", anchor.decode()]
    return args


def _parse_grep_output(stream: IO[bytes], state: _State) -> None:
    for output in stream:
        number, _, raw = output.partition(b":")
        state.line_text(raw.rstrip(b"\n"), int(number))


def grep_available() -> str | None:
    """GNU grep, unless ``LOGANALYZER_NO_GREP`` is set (tests compare both paths)."""
    if os.environ.get("LOGANALYZER_NO_GREP"):
        return None
    return shutil.which("grep")


def scan_plain_file_with_grep(path: str, origin: Origin) -> ScanResult | None:
    """The prefilter run by ``grep -F`` (Aho–Corasick over all anchors at once, on another
    core) while this process parses the candidate lines it prints; ``wc -l`` counts lines
    alongside. For plain files without NUL bytes; None when grep is not there or the file
    is not such a file (the caller then scans in Python)."""
    grep = grep_available()
    wc = shutil.which("wc")
    if grep is None or wc is None:
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
    state = _State(origin, result)
    counter = subprocess.Popen([wc, "-l", path], stdout=subprocess.PIPE)
    with subprocess.Popen([*_grep_command(grep), path], stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        _parse_grep_output(proc.stdout, state)
    lines_text, _ = counter.communicate()
    if proc.returncode not in (0, 1) or counter.returncode != 0:
        return None
    result.file.bytes = size
    result.file.lines = int(lines_text.split()[0]) + (0 if last == b"\n" else 1)
    return _finish(result, 0)


DECOMPRESSORS = {"gzip": "gzip", "bzip2": "bzip2", "xz": "xz", "zstd": "zstd"}


def scan_compressed_file_with_grep(path: str, origin: Origin, compression: str
                                   ) -> ScanResult | None:
    """A compressed file through ``gzip -dc`` (or bzip2/xz/zstd) and ``grep -F``, each in
    its own process; a thread passes the decompressed bytes on to grep, counting lines and
    NUL bytes on the way, while this thread parses what grep prints. A decompressor error
    (a truncated file) is a warning; what came before it is used. None when the tools are
    not there."""
    grep = grep_available()
    tool = shutil.which(DECOMPRESSORS.get(compression, ""))
    if grep is None or (tool is None and compression != "gzip"):
        return None
    result = ScanResult(FileReport(origin.display, origin.host, origin.host_source,
                                   compression))
    state = _State(origin, result)
    counts: dict[str, Any] = {"lines": 0, "size": 0, "last": b"", "nul": 0, "problem": ""}
    with subprocess.Popen(_grep_command(grep), stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        sink = proc.stdin

        def relay() -> None:
            try:
                for chunk in (_gunzip(path, counts) if compression == "gzip"
                              else _tool_output(tool or "", path, counts)):
                    counts["lines"] += chunk.count(b"\n")
                    counts["size"] += len(chunk)
                    counts["last"] = chunk[-1:]
                    if b"\x00" in chunk:
                        counts["nul"] += chunk.count(b"\x00")
                    sink.write(chunk)
            except BrokenPipeError:
                pass
            finally:
                sink.close()

        relayer = threading.Thread(target=relay)
        relayer.start()
        _parse_grep_output(proc.stdout, state)
        relayer.join()
    if proc.returncode not in (0, 1):
        return None
    result.file.bytes = counts["size"]
    result.file.lines = counts["lines"] + (1 if counts["last"] not in (b"", b"\n") else 0)
    if counts["problem"]:
        reason = counts["problem"]
        result.warnings.append(
            f"{origin.display}: unreadable after {result.file.bytes} bytes of log "
            f"({reason}; truncated or corrupt); everything before that was read")
    return _finish(result, counts["nul"])


def _gunzip(path: str, counts: dict[str, Any]) -> Iterator[bytes]:
    """Decompressed chunks of a gzip file (every member), by zlib, which runs without the
    GIL and here about twice as fast as the gzip command. A truncated or corrupt file ends
    the chunks and leaves its reason in ``counts["problem"]``."""
    with open(path, "rb") as fh:
        inflater = zlib.decompressobj(wbits=47)
        pending = b""
        while True:
            data = pending or fh.read(1 << 22)
            pending = b""
            if not data:
                break
            try:
                out = inflater.decompress(data)
            except zlib.error as exc:
                counts["problem"] = f"gzip: {exc}"
                return
            if out:
                yield out
            if inflater.eof:
                pending = inflater.unused_data
                inflater = zlib.decompressobj(wbits=47)
                if not pending and not (pending := fh.read(1 << 22)):
                    return
        tail = inflater.flush()
        if tail:
            yield tail
        counts["problem"] = "gzip: the compressed data ends early"


def _tool_output(tool: str, path: str, counts: dict[str, Any]) -> Iterator[bytes]:
    """Decompressed chunks from ``tool -dc`` (bzip2, xz, zstd)."""
    with subprocess.Popen([tool, "-dc", path], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as source:
        assert source.stdout is not None and source.stderr is not None
        while chunk := source.stdout.read1(1 << 22):
            yield chunk
        problem = source.stderr.read().decode("utf-8", "replace").strip()
    if source.returncode != 0:
        counts["problem"] = problem.splitlines()[-1] if problem else f"{tool} failed"


READ_ERRORS = (EOFError, OSError, zlib.error, lzma.LZMAError, UnsupportedCompression)


def _read_chunk(stream: IO[bytes]) -> tuple[bytes, BaseException | None]:
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


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, EOFError):
        return "the compressed data ends early: truncated file"
    return text


class _State:
    """Per-stream scanning state: line numbering and the collected results."""

    def __init__(self, origin: Origin, result: ScanResult) -> None:
        self.origin = origin
        self.result = result
        self.line_base = 0  # lines before the current block
        self.nul_bytes = 0

    def block(self, block: bytes) -> None:
        """Scan a block that ends with a newline."""
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
        previous = 0
        for start in sorted(candidates):
            line += block.count(b"\n", previous, start)
            previous = start
            self.line_text(block[start:candidates[start]], line + 1)
        self.line_base += block.count(b"\n")

    def line_text(self, raw: bytes, number: int) -> None:
        """Parse one candidate line (its bytes, without the newline)."""
        text = raw.decode("utf-8", "replace")
        stripped = text.lstrip("\x00 \t")
        if stripped.startswith("{"):
            event, message = parse_json(stripped, keys_in)
            found = keys_in(message) if message is not None else keys_in(text)
        else:
            found = keys_in(text)
            event = parse_text(text, found) if found else None
        if event is None:
            if found:
                self.result.unrecognized.append(
                    {"file": self.origin.display, "line": number, "text": text[:MAX_TEXT]})
            return
        self.result.events.append(self._finish(event, number))

    def _finish(self, event: dict[str, Any], number: int) -> dict[str, Any]:
        origin = self.origin
        out: dict[str, Any] = {"time": None, "ts": None}
        raw_ts = event.pop("ts", None)
        syslog_ts = event.pop("env_syslog_ts", None)
        iso_ts = event.pop("env_iso_ts", None)
        epoch = event.pop("env_epoch_us", None)
        if raw_ts:
            out["time"] = raw_ts
            out["ts"] = raw_ts.replace("T", " ").replace(",", ".")
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
        env_host = event.pop("env_host", None)
        tag = event.pop("tag", None)
        if env_host:
            out["host"], out["host_source"] = env_host, "syslog"
        elif tag:
            out["host"], out["host_source"] = tag, "merged-log tag"
        else:
            out["host"], out["host_source"] = origin.host, origin.host_source
        out["file"] = origin.display
        out["line"] = number
        if out.get("host") is not None:
            out["host"] = sys.intern(out["host"])
        for name in ("env_grep_path", "env_prefix", "env_ident"):
            event.pop(name, None)
        out.update(event)
        return out


def _syslog_ts(text: str, year: int | None) -> str | None:
    """``Jul 11 18:10:59`` in ``year`` (syslog carries no year: the file's mtime gives it)."""
    if year is None:
        return None
    month, day, hms = text.split()
    return f"{year:04d}-{_MONTH[month]:02d}-{int(day):02d} {hms}"

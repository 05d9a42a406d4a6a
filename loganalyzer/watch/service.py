"""The ``watch`` loop: poll the followed inputs, scan the new lines, hold migrations until
they end, analyse and report them (JSON or table lines, Prometheus metrics), save the state.

Each poll's new lines go through the same scanner as every other command
(:func:`loganalyzer.logs.scan.scan_stream`), one chunk per file, with line numbers carried on
from the lines read before; finished migrations come from the same analysis
(:mod:`loganalyzer.watch.hold`), so what ``watch`` says about a migration is what
``migrations`` says about it afterwards.

The state file (``--state``) holds each followed file's identity and offset, the events of
the migrations in flight and the hosts' last start-up dumps. It is written atomically (a
temporary file beside it, then renamed over it) after every poll that read or reported
something (at most every ``STATE_INTERVAL_S``) and when the loop stops: SIGTERM saves it and
exits 0, and the next start resumes from it, reading what was written meanwhile.
"""

from __future__ import annotations

import gc
import io
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC
from typing import IO, Any

from loganalyzer.analysis.migrations import Options
from loganalyzer.logs.read import gather
from loganalyzer.logs.scan import ScanResult
from loganalyzer.watch.follow import Chunk, Follower
from loganalyzer.watch.hold import Holder, HostDump, Record
from loganalyzer.watch.hostfind import dump_findings
from loganalyzer.watch.libvirt_hold import KEEP_S, LibvirtHold, backlog
from loganalyzer.watch.scanpool import POOL_BYTES, ChunkScanner, origin_of, scan_bytes

STATE_VERSION = 2  # 2: holder.identity, holder.reported(_instances), libvirt
STATE_INTERVAL_S = 2.0
TEXTFILE_INTERVAL_S = 15.0
UNRECOGNIZED_LOGGED = 20  # unrecognized lines written to stderr per file; the rest counted
TOOL_BYTES = POOL_BYTES  # chunks this large are searched by the prefilter tool, in a pool
FULL_COLLECTION_S = 600.0  # a full garbage collection this often: the analysis's
# objects join the oldest generation uncounted (analysis.collecting.collector_paused), so in
# a process that runs for days Python's own rule might never start one
EVICT_INTERVAL_S = 10.0  # libvirt/QEMU records past their holding time let go this often


@dataclass
class WatchSettings:
    """What ``loganalyzer watch`` was told."""

    paths: list[str]
    hosts: dict[str, str] = field(default_factory=dict)
    options: Options = field(default_factory=Options)
    select: Callable[[dict[str, Any]], bool] = lambda row: True
    fmt: str = "json"
    start_at: str = "end"
    poll_s: float = 1.0
    settle_s: float = 90.0
    idle_timeout_s: float = 1800.0
    max_events: int = 200_000
    state: str | None = None
    once: bool = False
    journal: bool = False
    units: list[str] = field(default_factory=list)
    journal_files: list[str] = field(default_factory=list)
    metrics_port: int | None = None
    metrics_address: str = "127.0.0.1"
    textfile: str | None = None


class Watch:
    """One ``watch`` run."""

    def __init__(self, settings: WatchSettings, out: IO[str] | None = None,
                 err: IO[str] | None = None) -> None:
        self.settings = settings
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.follower = Follower(settings.paths, settings.hosts, settings.start_at)
        self.scanner = ChunkScanner()
        self.holder = Holder(settings.options, settings.settle_s, settings.idle_timeout_s,
                             settings.max_events)
        self.libvirt = LibvirtHold(max(KEEP_S, settings.settle_s + settings.idle_timeout_s +
                                       600.0))  # libvirt/QEMU records for the join
        self.holder.libvirt_for = self.libvirt.records_for
        self.holder.libvirt_learn = self.libvirt.learn
        self.journal: Any = None
        if settings.journal or settings.journal_files:
            from loganalyzer.watch.journal import JournalFollower

            self.journal = JournalFollower(settings.units, settings.journal_files,
                                           settings.start_at, follow=not settings.once)
        self.metrics: Any = None
        if settings.metrics_port is not None or settings.textfile:
            from loganalyzer.watch.metrics import Metrics

            self.metrics = Metrics()
        self.stop = threading.Event()
        self._unrecognized_logged: dict[str, int] = {}
        self._saved_at = 0.0
        self._textfile_at = 0.0
        self._state_dirty = False
        self._server: Any = None
        self._late_counted = 0
        self._evicted_at = 0.0
        self._duplicates_counted = 0
        self._opened = False  # a followed file was opened (--once: else nothing was read)

    # --- the loop -------------------------------------------------------------------------

    def run(self) -> int:
        """Run until SIGTERM/SIGINT (or, with ``once``, until the inputs are read): 0."""
        self._signals()
        self._load_state()
        if self.metrics is not None and self.settings.metrics_port is not None:
            try:
                self._server, port = self.metrics.serve(self.settings.metrics_address,
                                                        self.settings.metrics_port)
            except OSError as exc:
                from loganalyzer.errors import InputError

                raise InputError(f"--metrics-port {self.settings.metrics_port}: cannot listen "
                                 f"on {self.settings.metrics_address}: {exc.strerror}"
                                 ) from None
            self._say(f"metrics on http://{self.settings.metrics_address}:{port}/metrics")
        if self.journal is not None:
            self.journal.start()
        self._say("following " + ", ".join(self.settings.paths + (
            [_journal_named(self.settings)] if self.journal is not None else [])))
        collected = time.monotonic()
        try:
            while not self.stop.is_set():
                read = self.cycle()
                if time.monotonic() - collected >= FULL_COLLECTION_S:
                    gc.collect()  # see FULL_COLLECTION_S
                    collected = time.monotonic()
                if self.settings.once and not read and (self.journal is None or
                                                        self.journal.exhausted):
                    self.cycle(final=True)
                    break
                if (read and self.settings.once) or self.scanner.bytes >= POOL_BYTES:
                    continue  # catching up: the next poll at once
                if self.stop.wait(self.settings.poll_s):
                    break
        except BrokenPipeError:  # the reader of our output went away: stop as on SIGTERM
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, self.out.fileno())  # no second error when Python exits
            except (OSError, ValueError, io.UnsupportedOperation):
                pass
            finally:
                os.close(devnull)
        finally:
            self._save_state(force=True)
            self._write_textfile(force=True)
            if self._server is not None:
                self._server.shutdown()
                self._server.server_close()
            self.follower.close()
            self.scanner.close()
            if self.journal is not None:
                self.journal.close()
        self._say("stopped; state saved" if self.settings.state else "stopped")
        if self.settings.once and not self._opened_any():
            from loganalyzer.errors import InputError

            raise InputError("no input could be read: " + ", ".join(self.settings.paths + (
                [_journal_named(self.settings)] if self.journal is not None else [])))
        return 0

    def _opened_any(self) -> bool:
        """Whether any input given could be opened (a file followed, a readable folder, or
        a journal that journalctl read to its end); live, a missing path may appear later:
        only ``--once`` asks."""
        if self._opened or any(
                os.path.isdir(p) and os.access(p, os.R_OK | os.X_OK)
                for p in self.settings.paths):
            return True
        return self.journal is not None and not self.journal.failed

    def _signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return

        def handler(signum: int, frame: Any) -> None:
            self.stop.set()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def cycle(self, final: bool = False) -> bool:
        """One poll: read, scan, report what finished. True when new lines were read."""
        read = False
        for chunk, scanned in self.scanner.scan(self.follower.poll()):
            read = True
            self._guarded(chunk, scanned)
        if self.journal is not None:
            for chunk in self.journal.poll():
                read = True
                self._guarded(chunk)
            self._warn_all(self.journal.drain_warnings())
        self._warn_all(self.follower.warnings)
        self.follower.warnings.clear()
        self._opened = self._opened or bool(self.follower.files)
        self.holder.behind = backlog(self.follower.files.values())
        ready = self.holder.ready(final=final)
        for row in ready.rows:
            self.libvirt.claim(row)
        self._evict_libvirt()
        self._warn_all(ready.forced)
        self._warn_all(self.holder.errors)
        self.holder.errors.clear()
        for host, dump, previous in ready.dumps:
            self._dump(host, dump, previous)
        for row in ready.rows:
            if self.settings.select(row):
                self._migration(row)
        self.out.flush()
        if self.metrics is not None:
            self.metrics.files_watched.set(self.follower.watched + (
                1 if self.journal is not None else 0))
            self.metrics.in_flight.set(len(self.holder.instances))
            self.metrics.held_events.set(self.holder.held)
            self.metrics.late_lines.inc(self.holder.late - self._late_counted)
            self._late_counted = self.holder.late
            self.metrics.libvirt(self.libvirt)
            self.metrics.duplicate_lines.inc(self.holder.duplicates - self._duplicates_counted)
            self._duplicates_counted = self.holder.duplicates
            for host in self.metrics.hosts:  # labels since known as another host's names
                self.metrics.alias(host, self.holder.identity.name(host))
        if read or ready.rows or ready.dumps:
            self._state_dirty = True
        self._save_state()
        self._write_textfile(force=read or bool(ready.rows))
        return read

    def _evict_libvirt(self) -> None:
        """libvirt/QEMU records no migration can need any more let go (every
        ``EVICT_INTERVAL_S``, when no followed file has a backlog)."""
        now = time.monotonic()
        libvirt = self.libvirt
        if now - self._evicted_at < EVICT_INTERVAL_S or not (
                libvirt.held or libvirt.streams or libvirt.claims) or \
                backlog(self.follower.files.values(), libvirt_only=False):
            return
        self._evicted_at = now
        live = {_stream_of(tracked) for tracked in self.follower.files.values()}
        if self.journal is not None:
            live.add(_stream_of(self.journal.tracked))
        libvirt.evict(self.holder.oldest_held(), live)

    # --- one chunk of lines ---------------------------------------------------------------

    def _guarded(self, chunk: Chunk, scanned: ScanResult | None = None) -> None:
        """A chunk that cannot be read is a warning naming its lines, never the end."""
        try:
            self._chunk(chunk, scanned)
        except Exception as exc:  # a defect, or input no rule foresaw
            lines = chunk.data.count(b"\n")
            self._warn_all([f"{chunk.tracked.path}: lines {chunk.first_line + 1}–"
                            f"{chunk.first_line + lines} could not be read "
                            f"({type(exc).__name__}: {exc}); they were skipped"])

    def _chunk(self, chunk: Chunk, scanned: ScanResult | None = None) -> None:
        tracked = chunk.tracked
        if tracked.libvirt:
            self._unrecognized(tracked.host, self.libvirt.feed(
                _stream_of(tracked), tracked.path, tracked.host, tracked.host_source,
                tracked.year, tracked.libvirt, chunk.data, chunk.first_line))
            return
        if tracked.host_source == "journal" or _also_libvirt(tracked.path, chunk.data):
            # the journal (followed, or exported), syslog: libvirtd/virtqemud records too
            self._unrecognized(None, self.libvirt.feed(
                _stream_of(tracked), tracked.path, None, tracked.host_source, tracked.year,
                "libvirt", chunk.data, chunk.first_line))
        records, unrecognized, warnings = scan_chunk(chunk, scanned)
        self.holder.feed(_stream_of(tracked), records)
        self._warn_all(warnings)
        if self.metrics is not None:
            newest: dict[str, float] = {}
            for record in records:
                host = self.holder.identity.name(record["host"])
                if record["timestamp"] is not None:
                    stamp = record["timestamp"].replace(tzinfo=UTC).timestamp()
                    newest[host] = max(newest.get(host, stamp), stamp)
            for host, stamp in newest.items():
                self.metrics.host_seen(host)
                self.metrics.last_line.labels(host).set(stamp)
        self._unrecognized(tracked.host, unrecognized)

    def _unrecognized(self, host: str | None, unrecognized: list[dict[str, Any]]) -> None:
        host = self.holder.identity.name(host) if host else "unknown"
        for row in unrecognized:
            if self.metrics is not None:
                self.metrics.host_seen(host)
                self.metrics.unrecognized.labels(host).inc()
            logged = self._unrecognized_logged.get(row["file"], 0)
            self._unrecognized_logged[row["file"]] = logged + 1
            if logged < UNRECOGNIZED_LOGGED:
                why = row.get("reason") or "a catalogue key the grammar does not parse"
                self._warn(f"{row['file']}:{row['line']}: unrecognized line ({why}): "
                           f"{row['text'][:300]}")
            elif logged == UNRECOGNIZED_LOGGED:
                self._warn(f"{row['file']}: more unrecognized lines; they are counted in "
                           "loganalyzer_unrecognized_lines_total, not written here")

    # --- reports --------------------------------------------------------------------------

    def _migration(self, row: dict[str, Any]) -> None:
        from loganalyzer.output import watch_out

        self.out.write(watch_out.migration_line(row, self.settings.fmt) + "\n")
        if self.metrics is not None:
            self.metrics.migration(watch_out.public(row))

    def _dump(self, host: str, dump: HostDump, previous: HostDump | None) -> None:
        from loganalyzer.output import watch_out

        findings, running = dump_findings(host, dump, previous, self.holder.facts_of(host),
                                          self.settings.options)
        if self.metrics is not None:
            self.metrics.config(host, running, "startup dump")
        for finding in findings:
            self.out.write(watch_out.host_finding_line(finding, self.settings.fmt) + "\n")
            if self.metrics is not None:
                self.metrics.finding(host, finding["code"], finding["severity"])

    def _warn_all(self, warnings: Iterable[str]) -> None:
        for warning in warnings:
            self._warn(warning)
            if self.metrics is not None:
                self.metrics.read_warnings.inc()

    def _warn(self, text: str) -> None:
        self.err.write(f"loganalyzer: warning: {text}\n")
        self.err.flush()

    def _say(self, text: str) -> None:
        self.err.write(f"loganalyzer: watch: {text}\n")
        self.err.flush()

    # --- state ----------------------------------------------------------------------------

    def _load_state(self) -> None:
        path = self.settings.state
        if not path or not os.path.exists(path):
            return
        from loganalyzer.errors import InputError

        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise InputError(f"--state {path}: cannot read it ({exc}); move it away to start "
                             "afresh") from None
        not_state = InputError(f"--state {path}: not a loganalyzer watch state file "
                               f"(version {STATE_VERSION}); move it away to start afresh")
        if not isinstance(data, dict) or not isinstance(data.get("version"), int):
            raise not_state
        if data["version"] != STATE_VERSION:
            raise InputError(f"--state {path}: written by another version of loganalyzer "
                             f"watch (state version {data['version']}; this one reads "
                             f"{STATE_VERSION}); move it away to start afresh")
        try:  # a file of the right version but the wrong shape (edited, damaged)
            self.follower.restore(data.get("follower", {}))
            self.holder.restore(data.get("holder", {}))
            self.libvirt.restore(data.get("libvirt", {}))
            if self.journal is not None:
                self.journal.restore(data.get("journal", {}))
            files = len(data.get("follower", {}).get("files", []))
        except (KeyError, IndexError, TypeError, ValueError, AttributeError,
                OverflowError) as exc:  # (raised before the loop: the file is not rewritten)
            raise not_state from exc
        self._say(f"resumed from {path}: {files} "
                  f"file(s), {len(self.holder.instances)} migration(s) in flight")

    def _save_state(self, force: bool = False) -> None:
        path = self.settings.state
        if not path or not (self._state_dirty or force):
            return
        now = time.monotonic()
        if not force and now - self._saved_at < STATE_INTERVAL_S:
            return
        data = {"version": STATE_VERSION, "saved_at": time.time(),
                "paths": self.settings.paths, "follower": self.follower.to_json(),
                "holder": self.holder.to_json(), "libvirt": self.libvirt.to_json(),
                "journal": self.journal.to_json() if self.journal is not None else {}}
        try:
            write_atomically(path, json.dumps(data, ensure_ascii=False, default=str))
        except OSError as exc:  # a full disk: said, and tried again after the next poll
            self._warn_all([f"--state {path}: cannot write it: {exc.strerror}"])
            return
        self._saved_at = now
        self._state_dirty = False

    def _write_textfile(self, force: bool = False) -> None:
        if self.metrics is None or not self.settings.textfile:
            return
        now = time.monotonic()
        if not force and now - self._textfile_at < TEXTFILE_INTERVAL_S:
            return
        try:
            self.metrics.write_textfile(self.settings.textfile)
        except OSError as exc:
            self._warn_all([f"--textfile {self.settings.textfile}: cannot write: "
                            f"{exc.strerror}"])
        self._textfile_at = now


def _journal_named(settings: WatchSettings) -> str:
    """The journal as the "following …" line names it: its files, and the units read."""
    named = "the journal" if not settings.journal_files else \
        "the journal files " + ", ".join(settings.journal_files)
    units = settings.units
    if units:
        named += f" (unit{'s' if len(units) > 1 else ''} {', '.join(units)})"
    return named


def _also_libvirt(path: str, data: bytes) -> bool:
    """A followed syslog file or ``journalctl -o json`` export (sosreport's
    ``journalctl_…--output_json…``): ``migrations`` reads their libvirtd/virtqemud records
    too (a binary journal in a followed folder is not: ``--journal-file``)."""
    from loganalyzer.logs.ingest.discover import classify_name

    kind = classify_name(os.path.basename(path))
    return kind == "syslog" or (kind == "journal" and data[:1] == b"{")


def _stream_of(tracked: Any) -> str:
    """A followed file's identity as the holders key its state."""
    return f"{tracked.dev}:{tracked.ino}:{tracked.path if not tracked.dev else ''}"


def write_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, flushed to
    disk and renamed over it: a reader (or a crash) sees the old file or the new one."""
    folder = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except OSError:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def scan_chunk(chunk: Chunk, result: ScanResult | None = None
               ) -> tuple[list[Record], list[dict[str, Any]], list[str]]:
    """Events, unrecognized rows and warnings of one chunk, numbered as lines of its file.

    A large chunk (catching up on a backlog) goes through the prefilter tool (rg/grep on
    another core) from a temporary copy; a small one (following live) through Python's own
    prefilter. Both give the same events (the scanner's tests check the paths agree).
    ``result``: the chunk's scan when a pool worker made it (:mod:`watch.scanpool`)."""
    if result is None:
        result = scan_bytes(chunk.data, origin_of(chunk))
    warnings = [w for w in result.warnings if not w.endswith(": empty file")]
    unrecognized = result.unrecognized
    for row in unrecognized:
        row["line"] += chunk.first_line
    events = gather([result])
    columns = {name: values for name, values in events.columns.items()
               if any(v is not None for v in values)}
    records = []
    for index in range(events.rows):
        record = Record({name: values[index] for name, values in columns.items()
                         if values[index] is not None})
        for name in ("line", "last_line"):
            if record[name] is not None:
                record[name] += chunk.first_line
        records.append(record)
    return records, unrecognized, warnings

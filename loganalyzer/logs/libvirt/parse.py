"""libvirt and QEMU log lines to records: envelopes, the catalogue's messages, QMP JSON.

Envelopes understood (../shared/docs/libvirt-qemu-downtime-evidence.md §2–§4):

- libvirt's own file (``libvirtd.log``, ``virtqemud.log``): ``YYYY-MM-DD HH:MM:SS.mmm+0000:
  <tid>: <level> : <func>:<line> : <msg>`` — UTC; commands end with the raw ``\\r\\n`` libvirt
  sent, so ``SEND_MSG``/``IO_WRITE`` are followed by a continuation line `` fd=-1`` /
  `` len=… ret=… errno=0`` (deliberately ignored);
- journald's text rendering ``Mon DD HH:MM:SS host virtqemud[pid]: <msg>`` (host local time,
  no year) and ``-o short-iso``; journald's JSON export (``MESSAGE``, ``_HOSTNAME``,
  ``__REALTIME_TIMESTAMP`` in µs since the epoch, UTC) — only ``libvirtd``/``virtqemud``
  records are read, so a nova line is never taken for a libvirt one;
- QEMU's per-domain log: libvirt-written ``YYYY-MM-DD HH:MM:SS.mmm+0000: <msg>`` and QEMU's
  ``-msg timestamp=on`` ``YYYY-MM-DDTHH:MM:SS.uuuuuuZ qemu-system-x86_64: <msg>`` (both UTC);
  the command line (``-incoming defer`` on a destination) has no time of its own;
- raw QMP transcripts (one JSON object per line) and lines whose prefix was cut off.

Three clocks: libvirt's and journald's UTC, QMP's epoch seconds+microseconds (UTC from the QEMU
host's clock), and syslog's host-local time. A syslog file's local offset is learnt from its
QMP event timestamps (rounded to a quarter hour) and said in :attr:`FileParse.clock`.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from loganalyzer.logs.libvirt.catalog import (
    ANCHORS,
    IGNORED_CONTINUATION,
    MESSAGES,
    LibvirtMessage,
)

MAX_TEXT = 2000
LIBVIRT_IDENTS = frozenset({"libvirtd", "virtqemud", "virtproxyd"})
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH = {m: i for i, m in enumerate(MONTHS, start=1)}

# an excerpt's own line numbers ("  329344 2020-…") are not part of the log
_NUMBERED = re.compile(r"^\s*\d+ (?=\d{4}-\d\d-\d\d |\s)")
LIBVIRT_LINE = re.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)(?P<tz>[+-]\d{4}): "
    r"(?P<tid>\d+): (?P<level>debug|info|warning|error) : (?P<func>[\w.]+):(?P<lineno>\d+) : "
    r"(?P<msg>.*)$", re.S)
DOMAIN_LINE = re.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)(?P<tz>[+-]\d{4}): (?P<msg>.*)$", re.S)
QEMU_LINE = re.compile(
    r"^(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (?P<prog>[\w.-]+): (?P<msg>.*)$", re.S)
SYSLOG_LINE = re.compile(
    r"^(?P<mon>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) (?P<hms>\d\d:\d\d:\d\d(?:\.\d+)?) "
    r"(?P<host>\S+) (?P<ident>[\w.@-]+?)(?:\[(?P<pid>\d+)\])?: (?P<msg>.*)$", re.S)
SHORT_ISO_LINE = re.compile(
    r"^(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)(?P<tz>Z|[+-]\d\d:?\d\d)? "
    r"(?P<host>\S+) (?P<ident>[\w.@-]+?)(?:\[(?P<pid>\d+)\])?: (?P<msg>.*)$", re.S)
CUT_LINE = re.compile(r"^\s*(?P<func>[A-Za-z_]\w*):(?P<lineno>\d+) : (?P<msg>.*)$", re.S)

CONTINUATION = "continuation of a QMP command line"
DUP_COMMAND = "duplicate of a QMP command (IO_WRITE after SEND_MSG)"
DUP_MESSAGE = "duplicate of a QMP message (debug 'Line [...]')"
QMP_KINDS = ("qmp_send", "qmp_write", "qmp_reply", "qmp_event", "qmp_io_process", "qmp_line")


@dataclass
class Record:
    """One libvirt/QEMU message that matters for a migration.

    ``time`` is timezone-aware UTC when the line's clock is known, naive when it is a syslog
    local time whose offset could not be learnt (``clock`` says which). ``qmp`` is the parsed
    QMP object of monitor traffic; ``qmp_type`` ``command|reply|event``.
    """

    kind: str
    file: str
    line: int
    host: str | None
    host_source: str
    time: datetime | None
    clock: str  # libvirt-utc | journal-utc | qemu-utc | syslog-local | none
    level: str | None = None
    mon: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    qmp: dict[str, Any] | None = None
    qmp_type: str | None = None
    domain: str | None = None  # the domain a per-domain QEMU log belongs to
    raw: str | None = field(default=None, repr=False)  # the QMP text as logged (for twins)

    @property
    def qmp_time(self) -> datetime | None:
        """QEMU's own timestamp of an event (UTC, microseconds), else None."""
        stamp = (self.qmp or {}).get("timestamp") if self.qmp_type == "event" else None
        if not isinstance(stamp, dict):
            return None
        try:
            return datetime.fromtimestamp(int(stamp["seconds"]), UTC) + timedelta(
                microseconds=int(stamp["microseconds"]))
        except (KeyError, TypeError, ValueError, OverflowError, OSError):
            return None

    def when(self) -> datetime | None:
        """Best UTC time: QEMU's event timestamp, else the line's own (if UTC)."""
        qmp = self.qmp_time
        if qmp is not None:
            return qmp
        return self.time if self.time is not None and self.time.tzinfo is not None else None


@dataclass
class FileParse:
    """What one libvirt/QEMU input gave: records, and the accounting of every line."""

    path: str
    host: str | None
    host_source: str
    lines: int = 0
    bytes: int = 0
    records: list[Record] = field(default_factory=list)
    ignored: Counter[str] = field(default_factory=Counter)  # why lines were not read
    unrecognized: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    clock: str | None = None  # how this file's times were read (offsets applied)
    readable: bool = True
    last_time: datetime | None = field(default=None, repr=False)  # while parsing
    seen: set[str] = field(default_factory=set, repr=False)  # kinds read so far
    last_clock: str = field(default="none", repr=False)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "host": self.host, "host_source": self.host_source,
                "lines": self.lines, "bytes": self.bytes, "records": len(self.records),
                "ignored": dict(self.ignored), "unrecognized": len(self.unrecognized),
                "clock": self.clock, "readable": self.readable}


@dataclass
class _Envelope:
    msg: str
    time: datetime | None
    clock: str
    level: str | None = None
    host: str | None = None
    ident: str | None = None
    domain_log: bool = False


def _utc(ts: str, tz: str | None) -> datetime | None:
    try:
        value = datetime.fromisoformat(ts)
    except ValueError:
        return None
    if tz in (None, "", "Z", "+0000"):
        return value.replace(tzinfo=UTC)
    sign = 1 if tz[0] == "+" else -1
    digits = tz[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    return (value - sign * offset).replace(tzinfo=UTC)


def envelope(text: str, year: int | None = None) -> _Envelope | None:
    """The line's envelope, or None when it is nobody's line but libvirt's own message
    text would still be tried (cut-off prefixes, raw QMP). Lines of other programs in a
    syslog/journal file give an envelope with ``ident`` set and no libvirt message."""
    text = _NUMBERED.sub("", text, count=1)
    m = LIBVIRT_LINE.match(text)
    if m:
        return _Envelope(m["msg"], _utc(m["ts"], m["tz"]), "libvirt-utc", m["level"])
    m = QEMU_LINE.match(text)
    if m:
        return _Envelope(m["msg"], _utc(m["iso"][:-1], "Z"), "qemu-utc", domain_log=True)
    m = DOMAIN_LINE.match(text)
    if m:
        return _Envelope(m["msg"], _utc(m["ts"], m["tz"]), "libvirt-utc", domain_log=True)
    m = SYSLOG_LINE.match(text)
    if m and m["mon"] in _MONTH:
        try:
            hour, minute, second = (int(p) for p in m["hms"].split(".")[0].split(":"))
            when = datetime(year or 1900, _MONTH[m["mon"]], int(m["day"]),
                            hour, minute, second)
        except ValueError:
            when = None
        return _Envelope(m["msg"], when, "syslog-local", host=m["host"], ident=m["ident"])
    m = SHORT_ISO_LINE.match(text)
    if m:
        when = _utc(m["iso"], m["tz"]) if m["tz"] else _naive(m["iso"])
        return _Envelope(m["msg"], when, "syslog-local" if not m["tz"] else "journal-utc",
                         host=m["host"], ident=m["ident"])
    if text.startswith("{") and '"MESSAGE"' in text:
        return _journal_json(text)
    m = CUT_LINE.match(text)
    if m:
        return _Envelope(m["msg"], None, "none")
    return _Envelope(text.strip(), None, "none")


def _naive(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _journal_json(text: str) -> _Envelope | None:
    try:
        entry = json.loads(text)
    except ValueError:
        return None
    if not isinstance(entry, dict):
        return None
    message = entry.get("MESSAGE")
    if isinstance(message, list):  # journald exports non-UTF-8 messages as byte arrays
        try:
            message = bytes(message).decode("utf-8", "replace")
        except (TypeError, ValueError):
            return None
    if not isinstance(message, str):
        return None
    when = None
    stamp = entry.get("__REALTIME_TIMESTAMP")
    try:
        when = datetime.fromtimestamp(int(stamp) / 1e6, UTC) if stamp is not None else None
    except (TypeError, ValueError, OverflowError, OSError):
        when = None
    return _Envelope(message, when, "journal-utc", host=entry.get("_HOSTNAME"),
                     ident=str(entry.get("SYSLOG_IDENTIFIER") or entry.get("_COMM") or ""))


def message_of(msg: str) -> tuple[LibvirtMessage, re.Match[str]] | bool | None:
    """The catalogue message a libvirt message text is: (message, match); False when it
    holds no anchor; None when it holds one but matches no pattern."""
    anchored = [m for anchor, m in _BY_ANCHOR if anchor in msg]
    if not anchored:
        return False
    flat = msg.replace("\r\n", "\r").replace("\n", " ")
    for message in anchored:
        match = message.regex.search(flat)
        if match:
            return message, match
    return None


def _finite(text: str) -> float | None:
    """A JSON number as a float; None for one beyond a double (``1e999``)."""
    value = float(text)
    return value if math.isfinite(value) else None


# QMP is JSON, which has no NaN or infinities: Python's decoder accepts ``NaN``,
# ``Infinity`` and ``1e999``; here they read as null, so that no value downstream is NaN.
# (Hooks on constants and floats only: QMP has few floats; a hook on ints doubles the cost.)
_DECODER = json.JSONDecoder(parse_constant=lambda _: None, parse_float=_finite)
_BY_ANCHOR = tuple((m.anchor, m) for m in MESSAGES)


def _qmp(text: str) -> tuple[dict[str, Any] | None, str | None, str]:
    """(object, type, its text) of the QMP JSON a message starts with; what follows it (the
    ``\\r\\n`` libvirt logs, `` fd=-1``) is left. Several objects in one buffer: the first."""
    text = text.lstrip()
    try:
        value, end = _DECODER.raw_decode(text)
    except ValueError:
        return None, None, text
    raw = text[:end]
    if not isinstance(value, dict):
        return None, None, raw
    if "execute" in value:
        return value, "command", raw
    if "event" in value:
        return value, "event", raw
    if "return" in value or "error" in value:
        return value, "reply", raw
    return value, None, raw


def parse_line(text: str, file: str, line: int, host: str | None, host_source: str,
               year: int | None = None, domain: str | None = None
               ) -> Record | str | dict[str, Any]:
    """One physical line: a :class:`Record`, the reason it is ignored (a str), or an
    unrecognized row (a dict naming file, line and why)."""
    if text.startswith("# "):
        return "comment line (excerpt header)"
    if IGNORED_CONTINUATION.match(_NUMBERED.sub("", text, count=1).rstrip("\n")):
        return CONTINUATION
    env = envelope(text.rstrip("\r\n"), year)
    if env is None:
        return "journal record that is not JSON"
    if env.ident is not None and env.ident not in LIBVIRT_IDENTS and not (
            env.ident.startswith("libvirt") or env.ident.startswith("virt")):
        return "another program's line"
    found = message_of(env.msg)
    if found is False:
        return "no libvirt message of interest"
    if found is None or found is True:
        return {"file": file, "line": line, "text": text[:MAX_TEXT],
                "reason": "holds a libvirt message key but matches no known form"}
    message, match = found
    if message.origin in ("qemu-domain-log", "qemu-cmdline") and not (env.domain_log or domain):
        return "domain-log phrase outside a QEMU domain log"
    fields = {k: v for k, v in match.groupdict().items() if v is not None}
    if message.origin == "qemu-cmdline":  # every part of the command line on this line
        kind = "qemu_cmdline"
        for other in MESSAGES:
            if other.origin == "qemu-cmdline" and other.anchor in env.msg:
                more = other.regex.search(env.msg)
                if more:
                    fields.update({k: v for k, v in more.groupdict().items() if v})
        record = Record(kind, file, line, env.host or host, "syslog" if env.host else
                        host_source, env.time, env.clock, env.level, domain=domain,
                        fields=fields)
        return record
    record = Record(message.id, file, line, env.host or host,
                    "syslog" if env.host else host_source, env.time, env.clock, env.level,
                    domain=domain)
    record.mon = fields.pop("mon", None)
    raw = fields.pop("json", None)
    if raw is not None:
        record.qmp, record.qmp_type, record.raw = _qmp(raw)
        if record.qmp is None and message.id != "json_unparsable":
            return {"file": file, "line": line, "text": text[:MAX_TEXT],
                    "reason": "QMP JSON cut off or invalid"}
        if message.id == "json_unparsable":
            fields["text"] = raw[:200]
    for key in ("downtime_ms", "lineno"):
        if key in fields:
            fields[key] = int(fields[key])
    record.fields = fields
    return record


def _raw_qmp(text: str, file: str, line: int, host: str | None,
             host_source: str) -> Record | None:
    """A bare QMP object on its own line (a raw QMP session, a pasted reply)."""
    stripped = text.strip()
    if not stripped.startswith("{") or '"MESSAGE"' in stripped:
        return None
    qmp, kind, _ = _qmp(stripped)
    if qmp is None or kind is None:
        return None
    return Record({"command": "qmp_send", "reply": "qmp_reply", "event": "qmp_event"}[kind],
                  file, line, host, host_source, None, "none", qmp=qmp, qmp_type=kind)


# bare QMP objects at a line's start (raw QMP sessions, pasted replies)
RAW_QMP_STARTS = (b'\n{"return"', b'\n{"event"', b'\n{"execute"', b'\n{ "')
# what the prefilter looks for: one literal per family of anchors ("QEMU_MONITOR_" for all
# five probes); a QEMU command line's parts only in a per-domain log (they have no envelope)
_SHARED = ("QEMU_MONITOR_", "(VM: name=")
DAEMON_FIND = tuple(dict.fromkeys(
    a.encode() for a in (*_SHARED, *(m.anchor for m in MESSAGES if m.origin != "qemu-cmdline"
                                     and not any(x in m.anchor for x in _SHARED)))))
DOMAIN_FIND = DAEMON_FIND + tuple(m.anchor.encode() for m in MESSAGES
                                  if m.origin == "qemu-cmdline")


def _candidates(data: bytes, anchors: tuple[bytes, ...]) -> list[int]:
    """Start offsets of the lines of ``data`` holding an anchor, in order: ``bytes.find``
    per anchor (C speed; a regex alternation is several times slower)."""
    starts: set[int] = set()
    for anchor in anchors + RAW_QMP_STARTS:
        raw = anchor.startswith(b"\n")
        at = data.find(anchor)
        while at >= 0:
            start = at + 1 if raw else data.rfind(b"\n", 0, at) + 1
            starts.add(start)
            end = data.find(b"\n", at + 1)
            if end < 0:
                break
            at = data.find(anchor, end)
    if data[:1] == b"{":
        starts.add(0)
    return sorted(starts)


def parse_stream(chunks: Iterable[bytes], path: str, host: str | None, host_source: str,
                 year: int | None = None, domain: str | None = None) -> FileParse:
    """Parse a libvirt/QEMU log given as byte chunks. Lines without any catalogue anchor
    are counted as ignored without being decoded (a debug log is mostly noise)."""
    result = FileParse(path, host, host_source)
    number = 0  # lines before the current chunk
    rest = b""
    for chunk in chunks:
        result.bytes += len(chunk)
        data = rest + chunk
        cut = data.rfind(b"\n") + 1
        rest, data = data[cut:], data[:cut]
        number = _scan_block(data, number, result, year, domain)
    if rest:
        number = _scan_block(rest + b"\n", number, result, year, domain)
    result.lines = number
    return _finish(result)


def parse_candidates(candidates: Iterable[tuple[int, bytes]], lines: int, size: int,
                     path: str, host: str | None, host_source: str, year: int | None = None,
                     domain: str | None = None) -> FileParse:
    """The same as :func:`parse_stream` from the candidate lines a search tool printed
    (``(line number, bytes)``, see :data:`SEARCH_PATTERNS`) and the file's line count."""
    result = FileParse(path, host, host_source, bytes=size)
    for number, raw in candidates:
        if raw.startswith((b" fd=", b" len=")):
            result.ignored[CONTINUATION] += 1
        else:
            _take(raw, number, result, year, domain)
    result.lines = lines
    return _finish(result)


def parse_block(data: bytes, lines_before: int, state: FileParse, year: int | None = None,
                domain: str | None = None) -> list[Record]:
    """Whole lines of a file that grows (``watch``), numbered after ``lines_before``; the
    file's ``state`` (kinds seen for the debug twins, the last time for a command line) is
    carried from one block to the next. Returns the block's records before de-duplication
    (:class:`Deduper`) and local-clock learning; the lines it ignores are counted in
    ``state.ignored``, the unrecognized ones added to ``state.unrecognized``."""
    first = len(state.records)
    state.lines = _scan_block(data, lines_before, state, year, domain)
    state.bytes += len(data)
    records = state.records[first:]
    del state.records[first:]
    return records


def _finish(result: FileParse) -> FileParse:
    result.ignored["no libvirt message of interest"] += result.lines - len(result.records) - \
        len(result.unrecognized) - sum(result.ignored.values())
    _dedupe(result)
    _learn_local_clock(result)
    return result


def _scan_block(data: bytes, number: int, result: FileParse, year: int | None,
                domain: str | None) -> int:
    """Candidate lines of a block of whole lines; returns the lines counted so far."""
    position = 0
    for start in _candidates(data, DOMAIN_FIND if domain else DAEMON_FIND):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        number += data.count(b"\n", position, start)
        position = start
        _take(data[start:end], number + 1, result, year, domain)
    number += data.count(b"\n", position)
    # the continuation lines after a command's raw "\r\n" (no anchor: counted, not parsed)
    continued = sum(data.count(b"\n" + k) + data.startswith(k) for k in (b" fd=", b" len="))
    if continued:
        result.ignored[CONTINUATION] += continued
    return number


def _take(raw: bytes, line_no: int, result: FileParse, year: int | None,
          domain: str | None) -> None:
    """One candidate line into the file's records, ignored lines or unrecognized rows."""
    twin = _known_twin(raw, result.seen)
    if twin is not None:  # a debug duplicate of a kind already read in this file
        result.ignored[twin] += 1
        return
    text = raw.decode("utf-8", "replace")
    parsed = parse_line(text, result.path, line_no, result.host, result.host_source,
                        year, domain)
    if isinstance(parsed, str) and parsed == "no libvirt message of interest":
        raw_record = _raw_qmp(text, result.path, line_no, result.host, result.host_source)
        if raw_record is not None:
            parsed = raw_record
    if isinstance(parsed, Record):
        result.seen.add(parsed.kind if parsed.kind != "monitor_enter" else
                        f"monitor_{parsed.fields.get('verb')}")
        if parsed.time is not None:
            result.last_time, result.last_clock = parsed.time, parsed.clock
        elif parsed.kind == "qemu_cmdline":  # written just after "starting up"
            parsed.time, parsed.clock = result.last_time, result.last_clock
        result.records.append(parsed)
    elif isinstance(parsed, dict):
        result.unrecognized.append(parsed)
    else:
        result.ignored[parsed] += 1


def search_patterns(domain: bool) -> list[str]:
    """Regular expressions a search tool (rg) is given for the candidate lines of a file:
    the anchors, the continuation lines, bare QMP objects."""
    anchors = DOMAIN_FIND if domain else DAEMON_FIND
    return [re.escape(a.decode()) for a in anchors] + [
        r"^ (fd|len)=", r'^\{ ?"(return|event|execute|error)"']


_TWINS = ((b"QEMU_MONITOR_IO_WRITE:", ("qmp_send",), DUP_COMMAND),
          (b": Line [", ("qmp_reply", "qmp_event"), DUP_MESSAGE),
          (b"Exited monitor (mon=", ("monitor_Entering",), "monitor exit (its entry names it)"))


def _known_twin(raw: bytes, seen: set[str]) -> str | None:
    """Lines that only repeat what this file logs in another form, once that form was read:
    ``IO_WRITE`` after ``SEND_MSG`` (same command), debug ``Line [...]`` beside the
    ``RECV_*`` probes (same JSON), ``Exited monitor`` beside ``Entering monitor`` (at debug
    level they are half of the candidate lines). Returns why the line is ignored."""
    for marker, needs, why in _TWINS:
        if marker in raw and any(k in seen for k in needs):
            return why
    return None


def _dedupe(result: FileParse) -> None:
    """libvirt logs each QMP message twice at debug (``Line [...]`` and the probe) and each
    command twice (``SEND_MSG`` and ``IO_WRITE``): keep one of each (the probe line, which
    names the monitor). Twins are next to each other: only the last few are compared."""
    deduper = Deduper(result.ignored)
    result.records = [r for r in result.records if deduper.take(r)]


class Deduper:
    """:func:`_dedupe` one record at a time (``watch`` reads a file chunk by chunk): the
    same windows, carried from one chunk to the next."""

    def __init__(self, ignored: Counter[str]) -> None:
        self.ignored = ignored
        self.recent: dict[tuple[str, str], Record] = {}  # signature of the last messages
        self.order: list[tuple[str, str]] = []
        self.commands: set[tuple[str | None, str]] = set()
        self.command_order: list[tuple[str | None, str]] = []

    def take(self, record: Record) -> bool:
        """Whether to keep ``record``. A probe whose debug ``Line [...]`` twin was kept
        takes the twin's place: the kept record becomes the probe (changed in place) and
        False is returned."""
        if record.qmp is None:
            return True
        text = record.raw or json.dumps(record.qmp, sort_keys=True)
        if record.kind in ("qmp_send", "qmp_write"):
            key = (record.mon, text)
            if key in self.commands and record.kind == "qmp_write":
                self.ignored[DUP_COMMAND] += 1
                return False
            self.commands.add(key)
            self.command_order.append(key)
            if len(self.command_order) > 16:
                self.commands.discard(self.command_order.pop(0))
        elif record.kind in ("qmp_line", "qmp_reply", "qmp_event", "qmp_io_process"):
            signature = (record.qmp_type or "", text)
            twin = self.recent.get(signature)
            if twin is not None and (twin.kind == "qmp_line") != (record.kind == "qmp_line"):
                if twin.kind == "qmp_line":
                    vars(twin).update(vars(record))
                self.ignored[DUP_MESSAGE] += 1
                self.recent.pop(signature)
                return False
            self.recent[signature] = record
            self.order.append(signature)
            if len(self.order) > 8:
                old = self.order.pop(0)
                if old not in self.order:
                    self.recent.pop(old, None)
        return True


def _learn_local_clock(result: FileParse) -> None:
    """A syslog file's local-time offset from its QMP events (QEMU stamps them in UTC);
    its local times are then converted to UTC. Said in ``result.clock``. Syslog lines carry
    no year: QEMU's stamps give it too (the file's year is only a guess)."""
    local = [r for r in result.records if r.clock == "syslog-local" and r.time is not None
             and r.time.tzinfo is None]
    if not local:
        clocks = sorted({r.clock for r in result.records if r.clock != "none"})
        result.clock = ", ".join(clocks) if clocks else None
        return
    offsets: Counter[int] = Counter()
    years: Counter[int] = Counter()
    for record in local:
        qmp = record.qmp_time
        if qmp is None or record.time is None:
            continue
        try:
            shifted = record.time.replace(year=qmp.year)
        except ValueError:  # 29 February
            continue
        years[qmp.year - record.time.year] += 1
        minutes = round((shifted - qmp.replace(tzinfo=None)).total_seconds() / 900) * 15
        offsets[minutes] += 1
    if not offsets:
        result.clock = "syslog local time (offset to UTC unknown: no QMP event timestamps)"
        return
    minutes, count = offsets.most_common(1)[0]
    year_shift = years.most_common(1)[0][0]
    for record in local:
        assert record.time is not None
        try:
            moved = record.time.replace(year=record.time.year + year_shift)
        except ValueError:
            moved = record.time
        record.time = (moved - timedelta(minutes=minutes)).replace(tzinfo=UTC)
    sign = "+" if minutes >= 0 else "-"
    result.clock = (f"syslog local time read as UTC{sign}{abs(minutes) // 60:02d}:"
                    f"{abs(minutes) % 60:02d} (learnt from {count} QMP event timestamp"
                    f"{'s' if count != 1 else ''})")


def anchors() -> tuple[str, ...]:
    """The literals the prefilter looks for (for tests and tools)."""
    return ANCHORS

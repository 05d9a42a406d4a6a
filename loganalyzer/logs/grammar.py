"""The pyparsing grammar of nova-compute log lines, built from the message catalogue.

A line is an optional *envelope* (syslog / journald / grep / dataset prefix), an optional
coarse oslo.log *header* (timestamp, pid, level, logger, request context, instance), and a
*message*: one alternative per catalogue entry, each containing its literal key. DEBUG lines
carry a ``func path:line`` suffix (or devstack's ``{{(pid=N) func path:line}}``), removed
before the message is parsed. docs/nova.md §1 (oslo.log formats) and real_logs/INDEX.md (layouts).
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import pyparsing as pp

from loganalyzer.logs.anchors import KEYS, has_key, keys_in
from loganalyzer.logs.catalog import (
    BY_ID,
    CATALOG,
    FLOAT_FIELDS,
    INT_FIELDS,
    LIFECYCLE_CODES,
    Kind,
    Message,
)

LEVELS = r"DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|AUDIT|TRACE"
_TS = r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?"
_AFTER_TS = (
    r"(?:\[(?P<tag>[^\]\s]+)\] )?(?:(?P<pid>\d+) )?"
    rf"(?P<level>{LEVELS}) (?P<logger>[A-Za-z_][\w.]*)(?: |$)"
    r"(?:\[(?!instance: )(?P<ctx>[^\]]*)\] ?)?"
    r"(?:\[instance: (?P<instance>[^\]\s]+)\] ?)?"
)
# The coarse oslo.log header; the timestamp is optional (vendor KBs and devstack's journald
# format leave it out). Used by pyparsing at the start of the de-enveloped line.
HEADER_PATTERN = rf"(?:(?P<ts>{_TS}) )?" + _AFTER_TS
# The same with a timestamp required: searched for to find where an envelope ends.
HEADER_SEARCH = re.compile(rf"(?P<ts>{_TS}) " + _AFTER_TS)
_ENVELOPE_MAX = 600  # a header further into the line than this is message text

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SYSLOG = re.compile(
    r"(?:(?P<grep_path>[^\s:]+):)?"
    r"(?:(?P<syslog_ts>(?:" + "|".join(MONTHS) + r") [ \d]\d \d\d:\d\d:\d\d)"
    r"|(?P<iso_ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:?\d\d|Z)?))"
    r" (?P<host>\S+) (?P<ident>[^\s\[:]+)(?:\[(?P<spid>\d+)\])?: "
)
DEBUG_SUFFIX = re.compile(
    r"(?: \{\{\(pid=\d+\) (?P<func>\S+) (?P<path>\S+):(?P<lineno>\d+)\}\}"
    r"| (?:from \(pid=\d+\) )?(?P<func2>[\w<>.]+) (?P<path2>/\S+\.py):(?P<lineno2>\d+))$"
)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|#033\[[0-9;]*m")
_SUMMARY = pp.Regex(r": .*")("error_summary")


def _alternative(message: Message) -> pp.ParserElement:
    parts: list[pp.ParserElement] = []
    if message.prefix:
        parts.append(pp.Regex(message.prefix))
    parts.append(pp.Literal(message.key))
    if message.rest:
        # A fixed message ends at the end of the line or where oslo.log's ": Exc: text"
        # error summary starts, so lazy host patterns stretch to their real end.
        end = "" if message.free_text else r"(?=: |\Z)"
        parts.append(pp.Regex(message.rest + end))
    expr: pp.ParserElement = pp.And(parts)
    if not message.free_text:
        expr = expr + pp.Opt(_SUMMARY)
    expr = expr.leave_whitespace().set_name(message.id)
    return expr.add_parse_action(_tag(message.id))


def _tag(message_id: str) -> Any:
    """A parse action naming the catalogue entry that matched."""

    def action(_text: str, _loc: int, toks: pp.ParseResults) -> None:
        toks["message_id"] = message_id

    return action


HEADER = pp.Regex(HEADER_PATTERN).leave_whitespace().set_name("oslo header")
_BY_KEY: dict[str, list[Message]] = {}
for _m in CATALOG:
    _BY_KEY.setdefault(_m.key, []).append(_m)


class _PerKey(Mapping[str, Any]):
    """A table over the catalogue's keys whose values are built on first use: start-up
    does not compile the ~180 message regexes a run mostly never needs (a scan meets a
    few dozen keys)."""

    def __init__(self, build: Callable[[str], Any]) -> None:
        self._build = build
        self._built: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        try:
            return self._built[key]
        except KeyError:
            if key not in _BY_KEY:
                raise
            value = self._built[key] = self._build(key)
            return value

    def __iter__(self) -> Iterator[str]:
        return iter(_BY_KEY)

    def __len__(self) -> int:
        return len(_BY_KEY)


ALTERNATIVES: Mapping[str, list[pp.ParserElement]] = _PerKey(
    lambda key: [_alternative(m) for m in _BY_KEY[key]])
RECORDS: Mapping[str, pp.ParserElement] = _PerKey(
    lambda key: (pp.Opt(HEADER) + pp.MatchFirst(ALTERNATIVES[key]).leave_whitespace())
    .leave_whitespace()
    .parse_with_tabs()
    .set_name(f"record[{key}]"))


def to_regex(expr: pp.ParserElement) -> str:
    """The Python regex equivalent of a grammar expression built here (And, Opt, Regex,
    Literal; results names become named groups). pyparsing defines the grammar; the compiled
    form runs it at regex speed on the hot path, and a test checks that the two agree."""
    if isinstance(expr, pp.And):
        text = "".join(to_regex(e) for e in expr.exprs)
    elif isinstance(expr, pp.Opt):
        text = f"(?:{to_regex(expr.expr)})?"
    elif isinstance(expr, pp.Regex):
        text = f"(?:{expr.pattern})"
    elif isinstance(expr, pp.Literal):
        text = re.escape(expr.match)
    else:
        raise TypeError(f"cannot compile {type(expr).__name__} {expr}")
    if expr.resultsName:
        text = f"(?P<{expr.resultsName}>{text})"
    return text


_HEADER_REGEX: str = to_regex(pp.Opt(HEADER))
# Per key: the message alternatives, each compiled with the optional header in front.
COMPILED: Mapping[str, list[tuple[str, re.Pattern[str]]]] = _PerKey(
    lambda key: [(m.id, re.compile(_HEADER_REGEX + to_regex(alt) + r"\Z"))
                 for m, alt in zip(_BY_KEY[key], ALTERNATIVES[key], strict=True)])

_STEP = re.compile(r"\((\d+), (\d+)\)")
_MIGRATION_REPR = re.compile(r"migration=Migration\((?P<body>[^()]*(?:\([^()]*\)[^()]*)*)\)")


def clean(text: str) -> str:
    """Remove ANSI colour escapes (real ESC and syslog's ``#033[``), CR and NUL."""
    if "\x1b" in text or "#033[" in text:
        text = ANSI.sub("", text)
    if "\r" in text:
        text = text.replace("\r", "")
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text


def split_envelope(text: str) -> tuple[dict[str, str], str]:
    """Split a line into its envelope fields (syslog host, time, grep path) and the rest."""
    env: dict[str, str] = {}
    match = HEADER_SEARCH.search(text, 0, _ENVELOPE_MAX + 200)
    if match and match.start() <= _ENVELOPE_MAX:
        prefix, rest = text[: match.start()], text[match.start():]
        if prefix:
            sys_match = SYSLOG.search(prefix)
            if sys_match and sys_match.end() == len(prefix):
                env.update({k: v for k, v in sys_match.groupdict().items() if v})
            else:
                env["prefix"] = prefix.strip()
        return env, rest
    sys_match = SYSLOG.match(text)
    if sys_match:
        env.update({k: v for k, v in sys_match.groupdict().items() if v})
        return env, text[sys_match.end():]
    return env, text


def parse_text(text: str, keys: Sequence[str], reference: bool = False
               ) -> dict[str, Any] | None:
    """Parse one text line that contains the literal ``keys``; None when no catalogue
    message matches (the caller records it as unrecognized). ``reference`` parses with the
    pyparsing grammar itself instead of its compiled form (for tests)."""
    text = clean(text).rstrip("\n")
    if reference:
        env, rest = split_envelope(text)
        result = _parse_with_pyparsing(rest, keys)
    else:
        env, rest = _split_fast(text)
        result = _parse_fast(rest, keys)
    return _enveloped(result, env)


def parse_text_full(text: str, keys: Sequence[str]) -> dict[str, Any] | None:
    """:func:`parse_text` the long way: the envelope searched for and every record regex
    matched whole (header and message); what the fast way is tested against."""
    text = clean(text).rstrip("\n")
    env, rest = split_envelope(text)
    return _enveloped(_parse_record(rest, keys), env)


def _enveloped(result: dict[str, Any] | None, env: dict[str, str]
               ) -> dict[str, Any] | None:
    """A parsed record with its envelope's fields (``env_*``) added."""
    if result is None:
        return None
    for name in ("host", "syslog_ts", "iso_ts", "grep_path", "prefix", "ident"):
        if name in env:
            result[f"env_{name}"] = env[name]
    error = result.get("error")
    if "host" in env and isinstance(error, str) and "#012" in error:
        # rsyslog writes a message's newlines as #012 (EscapeControlCharactersOnReceive)
        result["error"] = error.replace("#012", "\n").replace("#011", "\t")
    return result


# --- the fast way through a line (tested to give exactly what the long way gives) -------
# An oslo.log line that starts with its time stamp has no envelope; a syslog line's envelope
# is matched where it starts. In both cases the header then found where the envelope ends is
# the leftmost one, which is what split_envelope's search finds (no header can start inside
# a syslog prefix: its tokens end in a space, ``[``, ``:`` or ``: ``, none of which a header's
# time stamp, level or logger can be followed by where the prefix has them).


def _split_fast(text: str) -> tuple[dict[str, str], str]:
    """:func:`split_envelope` without searching every position of the line for a header
    when the line starts with one or with a syslog prefix; any other line takes
    split_envelope itself."""
    if text[:1].isdigit() and HEADER_SEARCH.match(text, 0, _ENVELOPE_MAX + 200):
        return {}, text  # (a header at 0 is the leftmost one)
    sys_match = SYSLOG.match(text)
    if sys_match is None:
        return split_envelope(text)
    end = sys_match.end()
    if end > _ENVELOPE_MAX or not HEADER_SEARCH.match(text, end, _ENVELOPE_MAX + 200):
        return split_envelope(text)
    return {k: v for k, v in sys_match.groupdict().items() if v}, text[end:]


_HEADER_ALONE = re.compile(_HEADER_REGEX)  # the optional header, as every record starts
# _record_fields reads the header's groups in this order (a test checks how it treats them)
assert tuple(_HEADER_ALONE.groupindex) == ("ts", "tag", "pid", "level", "logger", "ctx",
                                           "instance")
assert _HEADER_ALONE.groups == len(_HEADER_ALONE.groupindex)  # (no unnamed groups)
_PLAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ,'-_=<>/;")


def _lead(message: Message) -> str:
    """Text every match of ``message`` starts with: its key, or the plain characters its
    prefix pattern starts with ("" when that cannot be told simply: then nothing is
    assumed)."""
    if not message.prefix:
        return message.key
    pattern, depth, i = message.prefix, 0, 0
    while i < len(pattern):  # a top-level "|" would let a match start otherwise
        char = pattern[i]
        if char == "\\":
            i += 1
        elif char == "[":
            i = pattern.find("]", i + 2)
            if i < 0:
                return ""
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            return ""
        i += 1
    lead = 0
    while lead < len(pattern) and pattern[lead] in _PLAIN:
        lead += 1
    if pattern[lead:lead + 1] in ("*", "+", "?", "{"):  # the last one is optional
        lead -= 1
    return pattern[:max(lead, 0)]


class _Alone:
    """A catalogue message compiled alone (no header in front) for :func:`_parse_fast`:
    its regex, what it starts with, its whole record regex, and per named group (by
    number) how :func:`_fields` treats the value: an int bound, 0 for a float, -1 to intern,
    None to keep as it is."""

    __slots__ = ("entry", "id", "lead", "pattern", "plan", "record")

    def __init__(self, message: Message, alternative: pp.ParserElement,
                 record: re.Pattern[str]) -> None:
        self.id = message.id
        self.pattern = re.compile(to_regex(alternative) + r"\Z")
        self.lead = _lead(message)
        self.record = record
        self.entry = message
        self.plan = tuple((index - 1, name, _treatment(name))
                          for name, index in self.pattern.groupindex.items())


def _treatment(name: str) -> int | None:
    if name in FLOAT_FIELDS:
        return 0
    if name in INT_FIELDS:
        return SECONDS_MAX if name in SECONDS_FIELDS else INT_MAX
    return -1 if name in REPEATED else None


# Per key: its messages compiled alone, in catalogue order
MESSAGES: Mapping[str, list[_Alone]] = _PerKey(
    lambda key: [_Alone(m, alt, record)
                 for m, alt, (_, record) in zip(_BY_KEY[key], ALTERNATIVES[key],
                                                COMPILED[key], strict=True)])


# --- a line parsed without listing its keys first ---------------------------------------
# When no catalogue key and no message's first words (a "needle") start inside a line's
# header, the long way tries first the keys that start where the header ends (longest
# first), then the keys further on whose messages start with a prefix found there; a message
# can match nowhere else. parse_quick tries exactly those, in that order.
def _needles_at() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[tuple[str, str], ...]],
                           tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(keys by their first three characters, longest first; (lead, key) of prefixed
    messages by the lead's first three characters; the leads; the needles starting with a
    space; the needles holding a ``]``)."""
    keys: dict[str, list[str]] = {}
    for key in sorted(KEYS, key=len, reverse=True):
        keys.setdefault(key[:3], []).append(key)
    leads: dict[str, list[tuple[str, str]]] = {}
    for message in CATALOG:
        if message.prefix:
            lead = _lead(message)
            pair = (lead, message.key)
            if pair not in leads.setdefault(lead[:3], []):
                leads[lead[:3]].append(pair)
    every_lead = tuple(sorted({lead for pairs in leads.values() for lead, _ in pairs}))
    needles = (*KEYS, *every_lead)
    return ({k: tuple(v) for k, v in keys.items()}, {k: tuple(v) for k, v in leads.items()},
            every_lead, tuple(n for n in needles if n.startswith(" ")),
            tuple(n for n in needles if "]" in n))


_KEYS_AT, _LEADS_AT, _LEADS, _SPACED, _BRACKETED = _needles_at()
_STARTS = frozenset(_KEYS_AT) | frozenset(_LEADS_AT)  # where a message can begin
_SPACED_AT: dict[str, tuple[str, ...]] = {}  # the needles starting with a space, by what follows
for _needle in _SPACED:
    _SPACED_AT[_needle[1:4]] = (*_SPACED_AT.get(_needle[1:4], ()), _needle)
_TS_CHARS = frozenset("0123456789-:.,T ")  # what a header's time stamp is made of
# needles that could start inside a time stamp: what comes before one of their spaces is
# made of time-stamp characters (the others can start only after the stamp's space)
_ODD = tuple(n for n in (*KEYS, *_LEADS) if any(
    n[j] == " " and set(n[:j]) <= _TS_CHARS for j in range(len(n))))
_QUICK = len(min(KEYS, key=len)) >= 3 and "" not in _LEADS \
    and all(len(lead) >= 3 for lead in _LEADS) \
    and not any(set(n) <= _TS_CHARS for n in (*KEYS, *_LEADS))  # else it always hands over


@functools.lru_cache(maxsize=4096)
def _holds_needle(header: str) -> bool:
    """Whether a key or a prefixed message's lead occurs in ``header`` (a header after its
    time stamp: the same few recur on every line of a request)."""
    return has_key(header) or any(lead in header for lead in _LEADS)


def parse_quick(text: str) -> dict[str, Any] | None:
    """What ``parse_text(text, keys_in(text))`` gives a line whose header ends with a
    bracket and holds no needle, found without listing the line's keys; None for any other
    line and when no message matches where the header ends (then the long way runs: it
    also tells an unrecognized line from noise)."""
    # the envelope split as _split_fast splits it; any other line goes the long way
    sys_match = None if text[:1].isdigit() else SYSLOG.match(text)  # oslo.log's or syslog's
    begin = 0 if sys_match is None else sys_match.end()
    if (begin == 0 and not text[:1].isdigit()) or begin > _ENVELOPE_MAX:
        return None
    found = HEADER_SEARCH.match(text, begin, _ENVELOPE_MAX + 200)
    if found is None or text[found.end():found.end() + 3] not in _STARTS:
        return None  # (most lines holding no key end here, before anything else is done)
    env = {k: v for k, v in sys_match.groupdict().items() if v} if sys_match else {}
    rest = text[begin:] if begin else text
    if not _QUICK or "\x1b" in text or "#033[" in text or "\r" in text or "\x00" in text \
            or text.endswith("\n"):
        return None  # (clean and rstrip would change it)
    body = _strip_debug_suffix(rest)
    header = _HEADER_ALONE.match(body)
    assert header is not None
    end = header.end()
    head = body[:end]
    if head[-2:] != "] ":
        return None  # (a needle could run on from the header's last word)
    stamp = header.end("ts") + 1 if header.start("ts") == 0 else 0
    if _holds_needle(head[stamp:]) if len(head) - stamp <= _CACHED_CHARS \
            else _holds_needle.__wrapped__(head[stamp:]):
        return None  # a needle starts after the time stamp, before the header's end
    for needle in _ODD:
        if needle in head:
            return None  # one starts in the time stamp
    start = body[end:end + 3]
    for needle in _SPACED_AT.get(start, ()):  # (the header ends with a space)
        if body.startswith(needle, end - 1):
            return None  # one runs on across the header's end from its space
    for needle in _BRACKETED:
        if -1 < body.find(needle, 0, end + len(needle) - 1) < end:
            return None  # or from its bracket
    for key in _KEYS_AT.get(start, ()):
        if body.startswith(key, end) and (fields := _message_at(header, body, key)):
            return _enveloped(fields, env)
    prefixed = [(body.find(key), -len(key), key) for lead, key in _LEADS_AT.get(start, ())
                if body.startswith(lead, end) and body.find(key) > end]
    for _, _, key in sorted(set(prefixed)):
        if fields := _message_at(header, body, key):
            return _enveloped(fields, env)
    return None


def _message_at(header: re.Match[str], body: str, key: str) -> dict[str, Any] | None:
    """The fields of the first of ``key``'s messages that matches where ``header`` ends."""
    for alone in MESSAGES[key]:
        match = alone.pattern.match(body, header.end())
        if match is not None:
            return _record_fields(header, match, alone)
    return None


def _parse_fast(rest: str, keys: Sequence[str]) -> dict[str, Any] | None:
    """:func:`_parse_record`, with the header matched once and each message from where it
    ends. The record regex ``header? message`` first tries the message where the header's
    first way of matching ends; only if the message fails there could it match where a
    shorter way ends (a bracket or space left out of the header, or no header at all), so
    the record regex itself runs only when the message's first words lie in the header."""
    body = _strip_debug_suffix(rest)
    ordered = sorted(keys, key=lambda k: (body.find(k), -len(k))) if len(keys) > 1 \
        else keys
    header = _HEADER_ALONE.match(body)  # (always matches: the header is optional)
    assert header is not None
    end = header.end()
    for key in ordered:
        for alone in MESSAGES.get(key, ()):
            match = alone.pattern.match(body, end)
            if match is not None:
                return _record_fields(header, match, alone)
            lead = alone.lead
            if end and -1 < body.find(lead, 0, end + len(lead) - 1) < end:
                match = alone.record.match(body)
                if match is not None:
                    found = {k: v for k, v in match.groupdict().items() if v is not None}
                    found["message_id"] = alone.id
                    return _fields(found)
    return None


def _record_fields(header: re.Match[str], message: re.Match[str], alone: _Alone
                   ) -> dict[str, Any]:
    """:func:`_fields` of a header and a message matched apart: the same fields in the same
    order, with the header's repeated texts interned and its context's request ids parsed
    once per distinct context."""
    ts, tag, pid, level, logger, ctx, instance = header.groups()
    out: dict[str, Any] = {}
    if ts:
        out["ts"] = ts
    if tag:
        out["tag"] = sys.intern(tag)
    if pid:
        out["pid"] = sys.intern(pid)
    if level:
        out["level"] = sys.intern(level)
    if logger:
        out["logger"] = sys.intern(logger)
    if instance:
        out["instance"] = sys.intern(instance)
    values = message.groups()
    for index, name, treatment in alone.plan:
        value = values[index]
        if value is None or value == "":
            continue
        if treatment is None:
            out[name] = value
        elif treatment > 0:
            number = int(value)
            out[name] = number if 0 <= number <= treatment else _number(name, value)
        elif treatment == 0:
            out[name] = _number(name, value)
        else:
            out[name] = sys.intern(value)
    out["message_id"] = alone.id
    entry = alone.entry
    out["kind"] = entry.kind.value
    if entry.constants:
        out.update(entry.constants)
    _derive(entry, out)  # (no "ctx" in out: its ids come last, as _context puts them)
    if ctx:
        out.update(_context_fields(ctx) if len(ctx) <= _CACHED_CHARS
                   else _context_fields.__wrapped__(ctx))
    return out


def _strip_debug_suffix(rest: str) -> str:
    if " DEBUG " not in rest[:400] and not rest.startswith("DEBUG "):
        return rest
    start = debug_suffix_start(rest)
    return rest if start is None else rest[:start]


_SUFFIX_FUNC = re.compile(r"[\w<>.]+")
_SUFFIX_PATH = re.compile(r"/\S+\.py:\d+")
_SUFFIX_FROM = re.compile(r" from \(pid=\d+\)")


def debug_suffix_start(rest: str) -> int | None:
    """Where :data:`DEBUG_SUFFIX` starts in ``rest`` (None: nowhere), found from the line's
    end: oslo.log's `` func /path.py:N`` suffix is its last two space-separated words, so
    only they (and a Folsom-era ``from (pid=N)`` before them) are looked at, where searching
    tries every position of the line. Devstack's ``{{…}}`` form and text with a newline
    take the regex itself (a test checks both ways agree)."""
    if rest.endswith("}}") or "\n" in rest:
        match = DEBUG_SUFFIX.search(rest)
        return match.start() if match else None
    path = rest.rfind(" ")
    func = rest.rfind(" ", 0, path)
    if func < 0 or not _SUFFIX_PATH.fullmatch(rest, path + 1) \
            or not _SUFFIX_FUNC.fullmatch(rest, func + 1, path):
        return None
    before = rest.rfind(" from (pid=", 0, func)
    if before >= 0 and _SUFFIX_FROM.fullmatch(rest, before, func):
        return before
    return func


def _parse_record(rest: str, keys: Sequence[str]) -> dict[str, Any] | None:
    body = _strip_debug_suffix(rest)
    ordered = sorted(keys, key=lambda k: (body.find(k), -len(k))) if len(keys) > 1 \
        else keys
    for key in ordered:
        for message_id, pattern in COMPILED.get(key, ()):
            match = pattern.match(body)
            if match:
                found = {k: v for k, v in match.groupdict().items() if v is not None}
                found["message_id"] = message_id
                return _fields(found)
    return None


# --- start-up dump lines without the grammar -------------------------------------------
# oslo.config's log_opt_values prints every option on every service start (a real node:
# ~17 candidate lines per restart, most of the lines a scan parses). In oslo.log's plain
# layout they are one form: header, ``<option> = <value>``, `` log_opt_values path:N``.
DUMP_KEYS = ("libvirt.live_migration_", "max_concurrent_live_migrations",
             "host" + " " * 27 + "= ", "my_ip" + " " * 26 + "= ", "config files: ")
_DUMP_HEAD = re.compile(
    r"(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) (?P<pid>\d+) DEBUG "
    r"(?P<logger>[A-Za-z_][\w.]*) \[(?!instance: )(?P<ctx>[^\]]*)\] "
    r"(?P<key>" + "|".join(re.escape(k) for k in DUMP_KEYS) + r")")
_DUMP_SUFFIX = " log_opt_values /"
_DUMP_SUFFIX_PATH = re.compile(r"\S+\.py:\d+")
# per dump key: its messages, each compiled alone (no header) as the grammar defines it
_DUMP_MESSAGES: Mapping[str, list[tuple[str, re.Pattern[str]]]] = _PerKey(
    lambda key: [(m.id, re.compile(to_regex(alt) + r"\Z"))
                 for m, alt in zip(_BY_KEY[key], ALTERNATIVES[key], strict=True)])


def parse_dump_line(text: str) -> dict[str, Any] | None:
    """The fields :func:`parse_text` gives a start-up dump line of oslo.log's plain layout
    (``… DEBUG oslo_service.service [ctx] libvirt.live_migration_downtime = 500
    log_opt_values /…/cfg.py:2587``) without the envelope search, the key search and the
    per-key record regexes, and with the message's fields and the context's request ids
    parsed once per distinct text (every restart prints the same options, with one context
    for all of them); None for any other line, which then takes the full path (a test checks
    both agree on every dump line of the real logs and on variations of them)."""
    match = _DUMP_HEAD.match(text)
    if match is None:
        return None
    end = text.rfind(_DUMP_SUFFIX)  # the suffix is the line's last two words
    if end < match.start("key") or not _DUMP_SUFFIX_PATH.fullmatch(
            text, end + len(_DUMP_SUFFIX)) or _needs_cleaning(text):
        return None
    message = _dump_message_of(match["key"], text[match.start("key"):end])
    if message is None:
        return None
    # in the order _fields gives them: header, message, then the context's request ids
    out: dict[str, Any] = {"ts": match["ts"], "pid": sys.intern(match["pid"]),
                           "level": "DEBUG", "logger": sys.intern(match["logger"])}
    out.update(message)
    ctx = match["ctx"]
    out.update(_context_fields(ctx) if len(ctx) <= _CACHED_CHARS
               else _context_fields.__wrapped__(ctx))
    return out


def dump_message(rest: str) -> tuple[tuple[str, Any], ...] | None:
    """The message fields :func:`parse_dump_line` gives a plain dump line whose text from its
    message on is ``rest`` (``libvirt.live_migration_downtime = 500 log_opt_values
    /…/cfg.py:2587``), its header known good (the scan's dump rows: the header of the line
    before); None where parse_dump_line would not take the line. Once per distinct text
    (every restart prints the same lines)."""
    return _dump_rest(rest) if len(rest) <= _CACHED_CHARS else _dump_rest.__wrapped__(rest)


@functools.lru_cache(maxsize=1024)
def _dump_rest(rest: str) -> tuple[tuple[str, Any], ...] | None:
    key = next((k for k in DUMP_KEYS if rest.startswith(k)), None)
    if key is None:
        return None
    end = rest.rfind(_DUMP_SUFFIX)
    if end < 0 or not _DUMP_SUFFIX_PATH.fullmatch(rest, end + len(_DUMP_SUFFIX)) or \
            _needs_cleaning(rest):
        return None
    return _dump_message_of(key, rest[:end])


def _needs_cleaning(text: str) -> bool:
    """Whether :func:`clean` would change ``text`` or it ends in Folsom's ``from (pid=N)``
    suffix form: such lines take the full path."""
    return "\x1b" in text or "#033[" in text or "\r" in text or "\x00" in text \
        or "(pid=" in text


_CACHED_CHARS = 1000  # longer texts are parsed each time: the caches hold short texts only


def _dump_message_of(key: str, message: str) -> tuple[tuple[str, Any], ...] | None:
    return _dump_message(key, message) if len(message) <= _CACHED_CHARS else \
        _dump_message.__wrapped__(key, message)


@functools.lru_cache(maxsize=1024)
def _dump_message(key: str, message: str) -> tuple[tuple[str, Any], ...] | None:
    """The fields of a dump line's message (shared by every line that prints it)."""
    for message_id, pattern in _DUMP_MESSAGES[key]:
        parts = pattern.match(message)
        if parts:
            found = {k: v for k, v in parts.groupdict().items() if v is not None}
            found["message_id"] = message_id
            return tuple(_fields(found).items())
    return None


@functools.lru_cache(maxsize=256)
def _context_fields(ctx: str) -> tuple[tuple[str, Any], ...]:
    """The request ids of a context bracket (:func:`_context`), once per distinct text."""
    if not ctx:
        return ()
    out = {"ctx": sys.intern(ctx)}
    _context(out)
    return tuple(out.items())


def _parse_with_pyparsing(rest: str, keys: Iterable[str]) -> dict[str, Any] | None:
    """:func:`_parse_record` through the pyparsing grammar itself: the reference the
    compiled form is tested against."""
    body = _strip_debug_suffix(rest)
    for key in sorted(keys, key=lambda k: (body.find(k), -len(k))):
        try:
            tokens = RECORDS[key].parse_string(body, parse_all=True)
        except pp.ParseException:
            continue
        return _fields(tokens.as_dict())
    return None


# Fields whose values repeat from line to line: kept once in memory (sys.intern).
REPEATED = frozenset({"level", "logger", "pid", "instance", "ctx", "tag", "dest_host",
                      "source_host", "state", "option"})


class ImplausibleValue(ValueError):
    """A number in a line beyond anything nova could have logged there; the message says
    which field and why (the line becomes an unrecognized row with that reason)."""


# Seconds (elapsed, after, timeouts, epochs): nova's are ``time.time()`` differences and
# epochs, so none reaches 2**32 s (year 2106) — and Python's datetime stops at year 9999.
SECONDS_FIELDS = frozenset({"after_s", "secs", "limit_s", "elapsed_s", "took_s",
                            "event_epoch"})
SECONDS_MAX = 1 << 32
# Every other integer: libvirt's counters and settings are 64-bit (virDomainJobInfo's
# unsigned long long, migrateSetMaxDowntime's); the event table keeps signed 64-bit ints.
INT_MAX = (1 << 63) - 1


def _number(name: str, value: str) -> int | float:
    """``value`` of field ``name`` as a number, or ImplausibleValue."""
    number: int | float = float(value) if name in FLOAT_FIELDS else int(value)
    limit = SECONDS_MAX if name in SECONDS_FIELDS else INT_MAX
    if not 0 <= number <= limit:  # also NaN and inf
        shown = value if len(value) <= 40 else f"{value[:20]}…({len(value)} digits)"
        what = "seconds (2**32 s is the year 2106)" if name in SECONDS_FIELDS else \
            "a 64-bit value (libvirt's counters and settings are no wider)"
        raise ImplausibleValue(f"{name} {shown} is beyond {what}: not a value nova logs")
    return number


def _fields(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if value is None or value == "":
            continue
        if name in INT_FIELDS or name in FLOAT_FIELDS:
            out[name] = _number(name, value)
        elif name in REPEATED:
            out[name] = sys.intern(value)
        else:
            out[name] = value
    message = BY_ID[out["message_id"]]
    out["kind"] = message.kind.value
    if message.constants:
        out.update(message.constants)
    _derive(message, out)
    return out


def _derive(message: Message, out: dict[str, Any]) -> None:
    """Fields computed from what was captured (constant ones come from the catalogue)."""
    if message.id == "lifecycle_numeric":
        out["state"] = LIFECYCLE_CODES.get(out["lifecycle_code"], "Unknown")
    elif message.id == "config_option" or message.kind == Kind.CONFIG_CLAMPED:
        out["option"] = "live_migration_" + out["option"]
    elif message.kind == Kind.DOWNTIME_STATE:
        # one shared tuple per distinct list; ``steps []`` (no ramp) logs nothing to capture
        out["steps"] = _steps(out.get("steps", ""))
        current = out.pop("current_ms")
        if current != "None":
            out["current_ms"] = _number("current_ms", current)
    elif "data" in out:  # the "… data is <LibvirtLiveMigrateData(…)>" lines
        _migration_fields(out)
    if "event_instance" in out and "instance" not in out:
        out["instance"] = out["event_instance"]
    out.pop("event_instance", None)
    if "error" in out and isinstance(out["error"], str) and out["error"].startswith(": "):
        out["error"] = out["error"][2:]
    if "ctx" in out:
        _context(out)


@functools.lru_cache(maxsize=256)
def _steps(text: str) -> tuple[tuple[int, int], ...]:
    """The step list of a ``Current … steps […]`` line (the same text every 0.5 s)."""
    return tuple((int(_number("after_s", a)), int(_number("downtime_ms", b)))  # int fields
                 for a, b in _STEP.findall(text))


def _migration_fields(out: dict[str, Any]) -> None:
    data = out.get("data", "")
    match = _MIGRATION_REPR.search(data)
    if match:
        body = match.group("body")
        for name, pattern in (("migration_uuid", r"(?:^|,)uuid=([0-9a-f-]{36})"),
                              ("migration_id", r"(?:^|,)id=(\d+)"),
                              ("migration_status", r"(?:^|,)status='?([\w ()-]+?)'?(?:,|$)"),
                              ("dest_host", r"(?:^|,)dest_compute='?([^',]+)'?"),
                              ("source_host", r"(?:^|,)source_compute='?([^',]+)'?")):
            found = re.search(pattern, body)
            if found:
                out[name] = (_number(name, found.group(1)) if name == "migration_id"
                             else found.group(1))
    block = re.search(r"block_migration=(True|False)", data)
    if block:
        out["block_migration"] = block.group(1) == "True"


def _context(out: dict[str, Any]) -> None:
    """Request ids from the context brackets of every era (docs/nova.md §1)."""
    parts = out.pop("ctx").split()
    if not parts or parts == ["-"]:
        return
    if len(parts) >= 2 and parts[1].startswith("req-") and (
        parts[0] == "None" or parts[0].startswith("req-")
    ):
        out["context_style"] = "global"
        if parts[0] != "None":
            out["global_request_id"] = sys.intern(parts[0])
        out["request_id"] = sys.intern(parts[1])
    elif parts[0].startswith("req-"):
        out["request_id"] = sys.intern(parts[0])
        if len(parts) == 6:  # user project domain user-domain project-domain: Kilo–Yoga
            out["context_style"] = "fields5"


def parse_json(text: str, keys_of: Any) -> tuple[dict[str, Any] | None, str | None]:
    """Parse a JSON line: a journald export record (``MESSAGE`` as text or byte list,
    which wraps an oslo or devstack line) or an oslo.log JSONFormatter record.

    Returns ``(event fields or None, message text or None)``; ``keys_of(text)`` gives the
    catalogue keys in a text. The text is None when the line is not a log record at all.
    """
    try:
        obj = json.loads(text)
    except ValueError:
        return None, None
    if not isinstance(obj, dict):
        return None, None
    if "MESSAGE" in obj:
        message = obj["MESSAGE"]
        if isinstance(message, list):
            try:
                message = bytes(message).decode("utf-8", "replace")
            except (TypeError, ValueError):
                return None, None
        if not isinstance(message, str):
            return None, None
        more = ""
        result = parse_quick(message) if keys_of is keys_in else None
        if result is None:
            keys = keys_of(message)
            if not keys:
                return None, message
            first, _, more = message.partition("\n")
            result = parse_text(first, keys_of(first)) if more else parse_text(message, keys)
        if result is not None:
            if more:
                _join_more(result, more)
            if obj.get("_HOSTNAME"):
                result.setdefault("env_host", str(obj["_HOSTNAME"]))
            stamp = obj.get("__REALTIME_TIMESTAMP")
            if stamp:
                digits = stamp if type(stamp) is str else str(stamp)
                if digits.isdigit():
                    result["env_epoch_us"] = int(_number("event_epoch", digits[:-6] or "0")
                                                 ) * 1_000_000 + int(digits[-6:])
        return result, message
    if "message" in obj and ("levelname" in obj or "asctime" in obj):
        message = str(obj["message"])
        keys = keys_of(message)
        if not keys:
            return None, message
        body, _, more = message.partition("\n")
        result = _parse_message_only(body, keys)
        if result is None:
            return None, message
        trace = obj.get("traceback")
        if isinstance(trace, list) and all(isinstance(x, str) for x in trace):
            more = "\n".join(x for x in [more, *(s.rstrip("\n") for s in trace)] if x)
        _join_more(result, more)
        _json_header(obj, result)
        return result, message
    return None, None


def _join_more(result: dict[str, Any], more: str) -> None:
    """The further lines of a JSON record's message (and its traceback) join the error of
    a message that may go on, as those of a text record do."""
    more = more.rstrip()
    if more and result.get("message_id") in CONTINUED:
        text = more[:MAX_CONTINUATION_CHARS]
        result["error"] = f"{result['error']}\n{text}" if result.get("error") else text


def _parse_message_only(body: str, keys: Iterable[str]) -> dict[str, Any] | None:
    for key in sorted(keys, key=lambda k: (body.find(k), -len(k))):
        alts = ALTERNATIVES.get(key, [])
        for alt in alts:
            try:
                tokens = alt.parse_string(body, parse_all=True)
            except pp.ParseException:
                continue
            return _fields(tokens.as_dict())
    return None


def _json_header(obj: dict[str, Any], result: dict[str, Any]) -> None:
    """Header fields of an oslo.log JSONFormatter record (docs/nova.md §1)."""
    asctime = obj.get("asctime")
    if asctime:
        msecs = obj.get("msecs")
        result["ts"] = f"{asctime}.{int(msecs):03d}" if isinstance(msecs, int | float) \
            and 0 <= msecs < 1000 else asctime  # not NaN, ±Infinity or out of range
    elif isinstance(obj.get("created"), int | float):
        result["env_epoch_us"] = int(_number("event_epoch", repr(obj["created"])) * 1_000_000)
    if obj.get("levelname"):
        result["level"] = str(obj["levelname"])
    if obj.get("name"):
        result["logger"] = str(obj["name"])
    if obj.get("process") is not None:
        result["pid"] = str(obj["process"])
    if obj.get("hostname"):
        result["env_host"] = str(obj["hostname"])
    raw_context, raw_extra = obj.get("context"), obj.get("extra")
    context: dict[str, Any] = raw_context if isinstance(raw_context, dict) else {}
    extra: dict[str, Any] = raw_extra if isinstance(raw_extra, dict) else {}
    for source in (context, extra):
        if source.get("request_id"):
            result["request_id"] = str(source["request_id"])
        if source.get("global_request_id"):
            result["global_request_id"] = str(source["global_request_id"])
    instance = extra.get("instance")
    if isinstance(instance, dict) and instance.get("uuid"):
        result.setdefault("instance", str(instance["uuid"]))
    for name in ("instance_uuid", "resource_uuid"):
        value = extra.get(name) or context.get(name)
        if value:
            result.setdefault("instance", str(value))


# --- records over several physical lines -------------------------------------------------
# Messages whose error text can go on over further lines: a libvirt error quoting QEMU's
# output (its own time stamps), a ProcessExecutionError's Command/Exit code/Stderr lines, or
# the traceback of LOG.exception.
CONTINUED = frozenset(m.id for m in CATALOG if "(?P<error>" in m.rest)
MAX_CONTINUATION_LINES = 200  # a record keeps at most this many further lines
MAX_CONTINUATION_CHARS = 20000  # … and at most this many characters of them
_NOT_A_PREFIX = re.compile(r"['\"]|: ")  # text before a header that makes it quoted text


def continuation(text: str, pid: str | None, logger: str | None, ts: str | None
                 ) -> str | None:
    """What a physical line adds to the message of the open record before it (pid, logger
    and time as that record logged them), or None when the line is a record of its own.

    oslo.log (all releases) writes the newlines of a message as they are, so its further
    lines carry no prefix (another program's time stamp inside them is message text); an
    exception's traceback gets ``logging_exception_prefix`` on every line: ``TRACE`` and the
    logger (Kilo and before), or ``ERROR`` with the record's own time, pid and logger. A
    JSON record, a syslog line and any other oslo line start records of their own."""
    text = clean(text)
    if text.startswith("{"):
        return None
    syslog = SYSLOG.match(text)
    if syslog and not syslog.group("host").endswith(":"):
        return None
    match = HEADER_SEARCH.search(text, 0, _ENVELOPE_MAX + 200)
    if match is None or match.start() > _ENVELOPE_MAX or _NOT_A_PREFIX.search(
            text, 0, match.start()):
        return text
    level = match.group("level")
    if match.group("pid") == pid and match.group("logger") == logger and (
            level == "TRACE" or (level == "ERROR" and match.group("ts") == ts)):
        return text[match.end():]
    return None

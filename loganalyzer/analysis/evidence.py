"""What the logs say about a host apart from its migrations: the configuration it printed at
start-up (oslo.config's ``log_opt_values`` dump, docs/nova.md §1), the nova version it announced
(``Starting compute node (version X)``), and which releases the message forms allow.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from loganalyzer.logs.catalog import FORM_BOUNDS as CATALOGUE_BOUNDS
from loganalyzer.nova.releases import (
    BY_MAJOR,
    RELEASES,
    ReleaseRef,
    UnknownRelease,
    parse_release,
)

NEWEST = 34


@dataclass(frozen=True)
class Dump:
    """One start-up configuration dump."""

    when: Any  # datetime or None
    file: str
    line: int
    values: dict[str, str]

    @property
    def where(self) -> str:
        return f"startup dump at {self.when} ({self.file}:{self.line})"


@dataclass
class HostFacts:
    """Dumps and announced versions of one host, in log order."""

    dumps: list[Dump] = field(default_factory=list)
    versions: list[tuple[Any, str]] = field(default_factory=list)
    startup: list[tuple[Any, str]] = field(default_factory=list)  # (time, kind) of start-up
    # lines that name an option's value (post-copy / auto-converge permitted)
    loggers: set[str] = field(default_factory=set)  # loggers of the dump lines
    # per list searched by time: (its length when indexed, its dated times, its dated items);
    # asked once per migration, a search no longer walks every dump of the host
    _index: dict[str, tuple[int, list[Any], list[Any]]] = field(
        default_factory=dict, repr=False, compare=False)

    def _latest(self, name: str, items: list[Any], when: datetime | None, key: Any) -> Any:
        """The last of ``items`` (this host's list ``name``) dated at or before ``when``
        (the last one when ``when`` is None; None when all are later); undated items count
        only when none is dated. Indexed once per list."""
        if not items:
            return None
        if when is None:
            return items[-1]
        index = self._index.get(name)
        if index is None or index[0] != len(items):
            dated = [(t, i) for t, i in ((key(i), i) for i in items) if t is not None]
            index = self._index[name] = (len(items), [t for t, _ in dated],
                                         [i for _, i in dated])
        _, times, dated_items = index
        if not times:
            return items[-1]
        at = bisect_right(times, when)
        return dated_items[at - 1] if at else None

    def startup_before(self, when: datetime | None) -> list[str]:
        """The kinds of the start-up lines of the last service start before ``when``."""
        start = self._latest("versions", self.versions, when, lambda v: v[0])
        since = start[0] if start is not None else None  # (indexed once, not per call)
        return [kind for t, kind in self.startup
                if (when is None or t is None or t <= when)
                and (since is None or t is None or t >= since)]

    def dump_before(self, when: datetime | None) -> Dump | None:
        """The most recent dump at or before ``when`` (the last one when ``when`` is None)."""
        return self._latest("dumps", self.dumps, when, lambda d: d.when)

    def version_before(self, when: datetime | None) -> ReleaseRef | None:
        item = self._latest("versions", self.versions, when, lambda v: v[0])
        if item is None:
            return None
        try:
            return parse_release(item[1])
        except UnknownRelease:
            return None


STARTUP_KINDS = ("postcopy_available", "postcopy_unsupported", "autoconverge_unsupported")
# a start-up dump: one folded row, or its lines where they were not folded
DUMP_KINDS = frozenset({"config_dump", "config_option", "config_files"})
HOST_FACT_KINDS = ("config_dump", "config_option", "config_files", "compute_start",
                   *STARTUP_KINDS)


def host_facts(records: Iterable[Mapping[str, Any]]) -> dict[str, HostFacts]:
    """Group the start-up dumps (``config_dump`` rows, and ``config_option`` and
    ``config_files`` lines one by one), ``compute_start`` and the start-up lines that name an
    option (:data:`STARTUP_KINDS`) by host.

    A dump starts at ``config files: [...]`` or when an option repeats (oslo.config's
    ``log_opt_values`` prints each option once per service start); its options are the
    ``[libvirt] live_migration_*`` lines and ``max_concurrent_live_migrations``. A dump the
    scan read as several rows (a byte range's or a polled tail's boundary, two files) is
    joined by the same rule: a row goes on with its host's dump unless it starts one.
    """
    facts: dict[str, HostFacts] = {}
    current: dict[str, dict[str, str]] = {}  # per host: the values of its open dump
    for record in records:
        host = record.get("host") or "unknown"
        host_facts_ = facts.get(host)
        if host_facts_ is None:
            host_facts_ = facts[host] = HostFacts()
        kind = record["kind"]
        if kind == "config_dump":
            _dump_row(host_facts_, current, host, record)
        elif kind == "compute_start":
            host_facts_.versions.append((record.get("timestamp"), record["version"]))
        elif kind in STARTUP_KINDS:
            host_facts_.startup.append((record.get("timestamp"), kind))
        elif kind == "config_files":
            current[host] = _new_dump(host_facts_, record)
        elif kind == "config_option":
            _dump_option(host_facts_, current, host, record, record["option"],
                         record["value"])
    return facts


def _dump_row(facts: HostFacts, current: dict[str, dict[str, str]], host: str,
              record: Mapping[str, Any]) -> None:
    """One ``config_dump`` row (``logs.scan``: a dump's lines of one process): it starts a
    dump with its ``config files:`` line, else its options go on with the host's dump as
    its lines would one by one."""
    options = record.get("options") or ()
    if record.get("files") is not None:
        current[host] = _new_dump(facts, record)
    values = current.get(host)
    if values is None or any(option in values for option, _ in options):
        for option, value in options:  # a dump starts within: line by line
            _dump_option(facts, current, host, record, option, value)
        return
    for option, value in options:  # (the scan's rows: all go on with the dump)
        values[option] = value.strip()
    if options and record.get("logger"):
        facts.loggers.add(str(record["logger"]))


def _dump_option(facts: HostFacts, current: dict[str, dict[str, str]], host: str,
                 record: Mapping[str, Any], option: str, value: str) -> None:
    values = current.get(host)
    if values is None or option in values:
        values = current[host] = _new_dump(facts, record)
    values[option] = value.strip()
    if record.get("logger"):
        facts.loggers.add(str(record["logger"]))


def _new_dump(facts: HostFacts, record: Mapping[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    facts.dumps.append(Dump(record.get("timestamp"), record.get("file", ""),
                            int(record.get("line") or 0), values))
    return values


# --- release bounds from message forms (docs/nova.md §2) ----------------------------------------

# message_id: (first major, last major, why) — the catalogue's release evidence
FORM_BOUNDS: dict[str, tuple[int, int, str]] = CATALOGUE_BOUNDS


# option names in a start-up dump (as host_facts keys them): the releases that have them
OPTION_BOUNDS: dict[str, tuple[int, int]] = {
    "live_migration_flag": (6, 13), "block_migration_flag": (6, 13),
    "live_migration_downtime": (12, NEWEST), "live_migration_progress_timeout": (12, 18),
    "live_migration_inbound_addr": (13, NEWEST), "live_migration_tunnelled": (13, NEWEST),
    "live_migration_permit_post_copy": (14, NEWEST),
    "live_migration_permit_auto_converge": (14, NEWEST),
    "live_migration_scheme": (15, NEWEST), "live_migration_timeout_action": (19, NEWEST),
    "live_migration_with_native_tls": (19, NEWEST),
    "live_migration_parallel_connections": (33, NEWEST),
}
# the logger of the start-up dump (docs/nova.md §1)
DUMP_LOGGERS: dict[str, tuple[int, int, str]] = {
    "nova.openstack.common.service": (6, 11, "Kilo or earlier (oslo.service from Liberty)"),
    "oslo_service.service": (12, 30, "Liberty – 2024.2"),
    "oslo_service.backend.eventlet.service": (31, 31, "2025.1"),
    "oslo_service.backend._eventlet.service": (32, NEWEST, "2025.2 or later"),
}
DEV_CYCLE_DAYS = 200  # a log written on day D ran a release tagged before D + one cycle
# the error summary oslo.log ≥ 3.27 (Pike) appends to WARNING+ lines logged while an
# exception is handled: "<message>: <ExceptionClass>: <first line of the message>"
_SUMMARY = re.compile(r": ([A-Za-z_][\w.]*): ")


@dataclass(frozen=True)
class Clue:
    """One thing a log says about its release: the majors it allows and why. A weak clue
    is used only when it agrees with the strong ones."""

    first: int
    last: int
    why: str
    weak: bool = False


@dataclass
class ReleaseEvidence:
    """The release range every clue allows, the reasons, and the Python nova ran on."""

    low: int
    high: int
    reasons: list[str]
    python: int | None = None
    contradiction: bool = False


def error_summary(error: str | None) -> str | None:
    """The exception class of oslo.log's error summary at the end of ``error`` (None when
    the text ends without one)."""
    if not error:
        return None
    first = error.split("\n", 1)[0]
    for match in _SUMMARY.finditer(error):
        head, tail = error[:match.start()], error[match.end():]
        if tail and (head.startswith(tail.split("\n", 1)[0]) or first.startswith(tail)):
            return match.group(1)
    return None


def release_clues(records: Iterable[Mapping[str, Any]], dump: Dump | None = None,
                  dump_loggers: Iterable[str] = ()) -> ReleaseEvidence:
    """The releases every clue in ``records`` (one migration's lines), its host's start-up
    dump and the dump's logger allow: message forms, the request-context style of the
    oslo.log era, oslo.log's error summary and the Python 2 or 3 name of the exception in
    it, logger names, the progress line's ``secs``, option names in the dump, and the date
    (a log cannot be older than its release's development)."""
    clues: list[Clue] = []
    seen: set[str] = set()
    python: int | None = None
    latest = None

    def once(key: str, clue: Clue) -> None:
        if key not in seen:
            seen.add(key)
            clues.append(clue)

    for record in records:
        message_id = record.get("message_id")
        if message_id in FORM_BOUNDS:
            once(message_id, Clue(*FORM_BOUNDS[message_id]))
        style = record.get("context_style")
        if style == "global":
            once("global", Clue(26, NEWEST, "the request context with a global request id is "
                                "oslo.log 4.8 (Zed) or later"))
        elif style == "fields5":
            once("fields5", Clue(11, 25, "the request context with five identity fields "
                                 "(user project domain user-domain project-domain) is Kilo – "
                                 "Yoga"))
        logger, kind = record.get("logger"), record.get("kind")
        if logger == "nova.virt.libvirt.migration":
            once("logger-migration", Clue(14, NEWEST, "logger nova.virt.libvirt.migration is "
                                          "Newton or later"))
        elif logger == "nova.virt.libvirt.driver" and kind in (
                "downtime_step", "completion_timeout", "progress_timeout"):
            once("logger-driver", Clue(12, 13, "'Increasing downtime'/timeout lines from "
                                       "nova.virt.libvirt.driver are Liberty – Mitaka"))
        if kind == "progress" and record.get("secs") and record["secs"] % 5:
            once("secs", Clue(23, NEWEST, f"'Migration running for {record['secs']} secs' is "
                              "real elapsed time: Wallaby or later"))
        if kind == "live_migration_failure" and record.get("error"):
            summary = error_summary(str(record["error"]))
            if summary is not None:
                once("summary", Clue(16, NEWEST, f"the error ends in oslo.log's error summary "
                                     f"(': {summary}: …'): Pike or later"))
                if summary == "libvirtError":
                    python = 2
                    once("py2", Clue(6, 20, "'libvirtError' without its module is how Python 2 "
                                     "names it: Train or earlier"))
                elif summary.startswith("libvirt."):
                    python = 3
                    once("py3", Clue(16, NEWEST, f"'{summary}' is how Python 3 names it"))
            elif record.get("timestamp") is not None:
                once("no-summary", Clue(6, 15, "'Live Migration failure' without the error "
                                        "summary oslo.log adds from Pike on: Ocata or earlier",
                                        weak=True))
        when = record.get("timestamp")
        if when is not None and (latest is None or when > latest):
            latest = when
    if dump is not None:
        for option in dump.values:
            if option in OPTION_BOUNDS:
                first, last = OPTION_BOUNDS[option]
                clues.append(Clue(first, last, f"the start-up dump has {option}"))
        if "live_migration_downtime" not in dump.values and len(dump.values) >= 3:
            clues.append(Clue(6, 11, "the start-up dump has no live_migration_downtime: "
                              "Kilo or earlier", weak=True))  # unless the dump was cut
    for logger in dump_loggers:
        if logger in DUMP_LOGGERS:
            first, last, era = DUMP_LOGGERS[logger]
            clues.append(Clue(first, last, f"the start-up dump is logged by {logger}: {era}"))
    if latest is not None:
        horizon = (latest + timedelta(days=DEV_CYCLE_DAYS)).date().isoformat()
        tagged = [r.major for r in RELEASES if r.date and r.date <= horizon]
        if tagged and max(tagged) < NEWEST - 1:  # the last release and master: no clue
            clues.append(Clue(6, max(tagged), f"the log is dated {latest.date()}: "
                              f"{BY_MAJOR[max(tagged)].label} or earlier", weak=True))
    return combine(clues, python)


def combine(clues: Sequence[Clue], python: int | None = None) -> ReleaseEvidence:
    """The range the strong clues allow, narrowed by the weak ones that agree with it."""
    low, high, reasons = 6, NEWEST, []
    for clue in clues:
        if not clue.weak:
            low, high = max(low, clue.first), min(high, clue.last)
            reasons.append(clue.why)
    contradiction = low > high
    for clue in clues:
        if clue.weak and not contradiction and max(low, clue.first) <= min(high, clue.last):
            low, high = max(low, clue.first), min(high, clue.last)
            reasons.append(clue.why)
    if reasons and not contradiction:
        low = max(low, 11)  # the oldest release whose monitor the analysis models
    return ReleaseEvidence(low, high, reasons, python, contradiction)


def release_bounds(records: Iterable[Mapping[str, Any]]) -> tuple[int, int, list[str]]:
    """The range of release majors the clues of ``records`` allow, and why."""
    found = release_clues(records)
    return (11 if not found.reasons else found.low), found.high, found.reasons

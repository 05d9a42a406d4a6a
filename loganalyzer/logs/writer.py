"""Writing log lines the way nova-compute and the tools around it write them.

The inverse of the grammar: oslo.log text lines of each era (request-context styles, DEBUG
suffix), and the envelopes real deployments wrap them in (syslog, journald short-iso and
JSON, devstack's journald format, oslo's JSON formatter, os-log-merger). Used by the
simulator and by the tests that check every catalogue message in every layout.
docs/nova.md §1; real_logs/INDEX.md for the layouts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from loganalyzer.logs.catalog import Message
from loganalyzer.logs.grammar import MONTHS

DEBUG_SITES = {
    "nova.virt.libvirt.driver": ("_live_migration", "nova/virt/libvirt/driver.py", 10400),
    "nova.virt.libvirt.migration": ("update_downtime", "nova/virt/libvirt/migration.py", 510),
    "nova.compute.manager": ("_do_live_migration", "nova/compute/manager.py", 8900),
    "nova.compute.resource_tracker": ("_update_usage_from_migration",
                                      "nova/compute/resource_tracker.py", 1300),
    "nova.virt.driver": ("emit_event", "nova/virt/driver.py", 1700),
    "nova.virt.libvirt.guest": ("get_job_info", "nova/virt/libvirt/guest.py", 976),
    "nova.virt.libvirt.host": ("for_domain", "nova/virt/libvirt/host.py", 138),
    "oslo_service.service": ("log_opt_values", "oslo_config/cfg.py", 2587),
    "nova.service": ("start", "nova/service.py", 160),
}


@dataclass(frozen=True)
class Record:
    """One log record, before formatting."""

    when: datetime
    level: str
    logger: str
    message: str
    pid: int = 4242
    instance: str | None = None
    request_id: str | None = None  # "req-…"; None prints the default format "[-]"
    user: str = "-"
    project: str = "-"
    global_request_id: str | None = None
    major: int = 29  # the release whose oslo.log formats the line
    site_packages: str = "/usr/lib/python3/dist-packages"
    site: tuple[str, str, int] | None = None  # DEBUG suffix (func, path, line); default by logger


def render_message(message: Message, fields: dict[str, object]) -> str:
    """A catalogue message's text from its nova format string."""
    return message.template % fields


def context(record: Record) -> str:
    """The request-context brackets of the record's era (docs/nova.md §1)."""
    if not record.request_id:
        return "[-]"
    if record.major >= 26:  # oslo.log 4.8: global id first, system_scope added
        glob = record.global_request_id or "None"
        return f"[{glob} {record.request_id} {record.user} {record.project} - - default default]"
    if record.major >= 12:
        return f"[{record.request_id} {record.user} {record.project} - default default]"
    return f"[{record.request_id} {record.user} {record.project}]"


def _utc(when: datetime) -> datetime:
    """Log times are written as UTC wall clock (naive times are taken as UTC, so output does
    not depend on the machine's time zone)."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _stamp(when: datetime) -> str:
    return f"{when:%Y-%m-%d %H:%M:%S}.{when.microsecond // 1000:03d}"


def debug_site(record: Record) -> tuple[str, str, int]:
    func, path, lineno = record.site or DEBUG_SITES.get(record.logger,
                                                        ("func", "nova/module.py", 1))
    return func, f"{record.site_packages}/{path}", lineno


def oslo_body(record: Record) -> str:
    """The part after timestamp and pid: level, logger, context, instance, message."""
    instance = f"[instance: {record.instance}] " if record.instance else ""
    return f"{record.level} {record.logger} {context(record)} {instance}{record.message}"


def oslo_line(record: Record) -> str:
    """oslo.log's default text format, with the DEBUG ``func path:line`` suffix."""
    line = f"{_stamp(record.when)} {record.pid} {oslo_body(record)}"
    if record.level == "DEBUG":
        func, path, lineno = debug_site(record)
        line += f" {func} {path}:{lineno}"
    return line


def syslog_line(line: str, when: datetime, host: str, ident: str = "nova-compute",
                pid: int = 4242) -> str:
    """rsyslog's traditional format in ``/var/log/messages``."""
    return f"{MONTHS[when.month - 1]} {when.day:2d} {when:%H:%M:%S} {host} {ident}[{pid}]: {line}"


def journal_short_iso(line: str, when: datetime, host: str, ident: str = "nova-compute",
                      pid: int = 4242) -> str:
    """``journalctl -o short-iso``."""
    return f"{when:%Y-%m-%dT%H:%M:%S}+0000 {host} {ident}[{pid}]: {line}"


def journal_json(line: str, when: datetime, host: str, as_bytes: bool = False,
                 pid: int = 4242) -> str:
    """``journalctl -o json``: MESSAGE as text, or as a list of byte values (what journald
    does when the text holds control characters such as colour escapes)."""
    epoch_us = int(_utc(when).timestamp() * 1_000_000)
    message: object = list(line.encode()) if as_bytes else line
    return json.dumps({"__REALTIME_TIMESTAMP": str(epoch_us), "_HOSTNAME": host,
                       "SYSLOG_IDENTIFIER": "nova-compute", "_PID": str(pid),
                       "MESSAGE": message}, separators=(",", ":"))


def devstack_journal(record: Record, host: str) -> str:
    """devstack's journald format: no oslo timestamp, ``{{(pid=N) func path:line}}``."""
    line = oslo_body(record)
    if record.level == "DEBUG":
        func, path, lineno = debug_site(record)
        line += f" {{{{(pid={record.pid}) {func} {path}:{lineno}}}}}"
    return syslog_line(line, record.when, host, pid=record.pid)


def oslo_json(record: Record, host: str) -> str:
    """oslo.log's JSONFormatter (``use_json = True``): no ``[instance:]`` prefix."""
    func, path, lineno = debug_site(record)
    payload: dict[str, object] = {
        "message": record.message,
        "asctime": f"{record.when:%Y-%m-%d %H:%M:%S}",
        "msecs": record.when.microsecond / 1000,
        "name": record.logger,
        "levelname": record.level,
        "funcname": func,
        "pathname": path,
        "lineno": lineno,
        "process": record.pid,
        "hostname": host,
        "created": _utc(record.when).timestamp(),
        "traceback": None,
        "context": {"request_id": record.request_id,
                    "global_request_id": record.global_request_id},
        "extra": {"instance": {"uuid": record.instance}} if record.instance else {},
    }
    return json.dumps(payload)


def merged_line(record: Record, tag: str) -> str:
    """os-log-merger output: microseconds and a ``[TAG]`` before the pid."""
    return f"{record.when:%Y-%m-%d %H:%M:%S.%f} [{tag}] {record.pid} {oslo_body(record)}"


def coloured(record: Record) -> Record:
    """devstack's coloured DEBUG/INFO: ANSI escapes around the level and the message end."""
    return replace(record, level=f"\x1b[01;36m{record.level}", message=f"{record.message}"
                   "\x1b[00m")

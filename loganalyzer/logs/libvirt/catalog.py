"""Every libvirt and QEMU log message loganalyzer reads, as data.

libvirt logs its QEMU monitor traffic through probes (``src/util/virprobe.h`` PROBE → info
level since ~1.2.x, debug before; sample 09 shows the older ``QEMU_MONITOR_IO_PROCESS``), the
public API's debug line per call (``virDomainMigrateSetMaxDowntime: dom=%p, (VM: name=%s,
uuid=%s), downtime=%llu``), the monitor lock's debug lines (``Entering monitor (mon=%p vm=%p
name=%s)``) and errors at the default level. QEMU's per-domain log
(``/var/log/libvirt/qemu/<domain>.log``) holds libvirt-written lines (``initiating migration``,
``shutting down, reason=migrated``) and QEMU's own. Sources: ../shared/docs/
libvirt-qemu-downtime-evidence.md §2–§3 and the real excerpts in real_logs/libvirt/.

A message is ``(id, anchor, pattern)``: the anchor is a literal every line of it contains
(the prefilter looks for anchors only); the pattern's named groups are its fields. A line that
holds an anchor but matches no pattern is *unrecognized* (listed, never dropped silently).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class LibvirtMessage:
    """One message form: its id, the literal the prefilter finds, the pattern of its text
    (after the line's envelope), and what it means for a migration."""

    id: str
    anchor: str
    pattern: str
    meaning: str
    origin: str  # libvirt-probe | libvirt-debug | libvirt-error | qemu-domain-log

    @property
    def regex(self) -> re.Pattern[str]:
        return _compiled(self.pattern)


_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    regex = _CACHE.get(pattern)
    if regex is None:
        regex = _CACHE[pattern] = re.compile(pattern)
    return regex


PTR = r"(?:0x)?[0-9a-fA-F]+|\(nil\)"
# (the raw "\r\n" libvirt logs after a command, then " fd=-1" / " len=… ret=… errno=0",
# follows the JSON: the parser reads one JSON object and leaves what comes after it)

MESSAGES: tuple[LibvirtMessage, ...] = (
    LibvirtMessage(
        "qmp_send", "QEMU_MONITOR_SEND_MSG:",
        rf"QEMU_MONITOR_SEND_MSG: mon=(?P<mon>{PTR}) msg=(?P<json>\{{.*)",
        "a QMP command libvirt sends (query-migrate, migrate-set-parameters, "
        "migrate_set_downtime, cont, …)", "libvirt-probe"),
    LibvirtMessage(
        "qmp_write", "QEMU_MONITOR_IO_WRITE:",
        rf"QEMU_MONITOR_IO_WRITE: mon=(?P<mon>{PTR}) buf=(?P<json>\{{.*)",
        "the same command as written to the socket (used when SEND_MSG is filtered out)",
        "libvirt-probe"),
    LibvirtMessage(
        "qmp_reply", "QEMU_MONITOR_RECV_REPLY:",
        rf"QEMU_MONITOR_RECV_REPLY: mon=(?P<mon>{PTR}) reply=(?P<json>\{{.*)",
        "a QMP reply (query-migrate's status, expected-downtime, downtime, ram stats; "
        "errors)", "libvirt-probe"),
    LibvirtMessage(
        "qmp_event", "QEMU_MONITOR_RECV_EVENT:",
        rf"QEMU_MONITOR_RECV_EVENT: mon=(?P<mon>{PTR}) event=(?P<json>\{{.*)",
        "a QMP event with QEMU's own timestamp (STOP, RESUME, MIGRATION, MIGRATION_PASS)",
        "libvirt-probe"),
    LibvirtMessage(
        "qmp_io_process", "QEMU_MONITOR_IO_PROCESS:",
        rf"QEMU_MONITOR_IO_PROCESS: mon=(?P<mon>{PTR}) buf=(?P<json>\{{.*)",
        "libvirt ≤ ~1.2: QMP bytes read, logged at debug (events and replies)",
        "libvirt-debug"),
    LibvirtMessage(
        "qmp_line", "Line [",
        r"^Line \[(?P<json>\{.*)\]",
        "debug duplicate of each QMP reply/event (qemuMonitorJSONIOProcessLine)",
        "libvirt-debug"),
    LibvirtMessage(
        "monitor_enter", "monitor (mon=",
        rf"(?P<verb>Entering|Exited) monitor \(mon=(?P<mon>{PTR}) vm=(?P<vm>{PTR}) "
        r"name=(?P<domain>[^)\s]+)\)",
        "joins a monitor pointer to its domain name (instance-XXXXXXXX)", "libvirt-debug"),
    LibvirtMessage(
        "api_set_max_downtime", "(VM: name=",
        r"dom=(?P<dom>\S+), \(VM: name=(?P<domain>[^,]+), uuid=(?P<uuid>[0-9a-fA-F-]{36})\), "
        r"downtime=(?P<downtime_ms>\d+), flags=(?P<flags>\S+)",
        "virDomainMigrateSetMaxDowntime: nova asking libvirt to raise the max downtime",
        "libvirt-debug"),
    LibvirtMessage(
        "api_domain", "(VM: name=",
        r"\(VM: name=(?P<domain>[^,]+), uuid=(?P<uuid>[0-9a-fA-F-]{36})\)",
        "any public API call on a domain: joins the domain name to nova's instance uuid",
        "libvirt-debug"),
    LibvirtMessage(
        "set_downtime_debug", "Setting migration downtime to",
        r"Setting migration downtime to (?P<downtime_ms>\d+) ?ms",
        "qemu driver about to send the downtime limit", "libvirt-debug"),
    LibvirtMessage(
        "qmp_command_failed", "unable to execute QEMU command",
        r"unable to execute QEMU command '(?P<command>[^']+)': (?P<error>.*?)\s*$",
        "a QMP command QEMU refused (logged at error level: visible at libvirt's default)",
        "libvirt-error"),
    LibvirtMessage(
        "json_unparsable", "cannot parse json",
        r"cannot parse json (?P<json>.*)",
        "a QMP reply libvirt could not parse (its statistics are lost)", "libvirt-error"),
    LibvirtMessage(
        "cpus_stopped_in_future", "stopped in the future",
        r"Guest's CPUs stopped in the future",
        "destination clock behind the source's: libvirt reports no downtime",
        "libvirt-error"),
    LibvirtMessage(
        "domain_initiating_migration", "initiating migration",
        r"^initiating migration\s*$",
        "source: libvirt starts the migration (QEMU domain log)", "qemu-domain-log"),
    LibvirtMessage(
        "domain_shutting_down", "shutting down, reason=",
        r"^shutting down, reason=(?P<reason>\S+)\s*$",
        "QEMU process ends; reason=migrated on the source after the destination resumed",
        "qemu-domain-log"),
    LibvirtMessage(
        "domain_starting_up", "starting up libvirt",
        r"^starting up libvirt version: (?P<version>[^,]+)(?:, package: [^,]*)?"
        r"(?:, qemu version: (?P<qemu_version>[^,]+))?.*$",
        "QEMU process start (libvirt and QEMU versions)", "qemu-domain-log"),
    # QEMU's command line as libvirt writes it into the domain log after "starting up": one
    # line (older libvirt) or one argument per line ending in " \\" (newer); its parts are
    # read together into one ``qemu_cmdline`` record.
    LibvirtMessage(
        "domain_incoming", "-incoming ",
        r"-incoming (?P<incoming>[^\s\\]+)",
        "destination: QEMU started to receive a migration", "qemu-cmdline"),
    LibvirtMessage(
        "domain_uuid", "-uuid ",
        r"-uuid (?P<uuid>[0-9a-fA-F]{8}-[0-9a-fA-F-]{27})",
        "the domain's uuid: nova's instance uuid", "qemu-cmdline"),
    LibvirtMessage(
        "domain_name", "-name guest=",
        r"-name guest=(?P<domain>[^,\s\\]+)",
        "the domain's name (instance-XXXXXXXX)", "qemu-cmdline"),
)

BY_ID = {m.id: m for m in MESSAGES}
ANCHORS: tuple[str, ...] = tuple(dict.fromkeys(m.anchor for m in MESSAGES))
ANCHOR_BYTES: tuple[bytes, ...] = tuple(a.encode() for a in ANCHORS)

# QMP commands that change the max downtime (facts: libvirt ≥ 6.5 uses migrate-set-parameters;
# older libvirt migrate_set_downtime in seconds; QEMU removed the latter in 6.0)
SET_DOWNTIME_COMMANDS = ("migrate-set-parameters", "migrate_set_downtime")
QEMU_DEFAULT_DOWNTIME_LIMIT_MS = 300  # migration/options.c DEFAULT_MIGRATE_SET_DOWNTIME

# Lines in a libvirt log that are deliberately not read (their kind for the accounting):
# everything else libvirt logs at debug is noise for a migration.
IGNORED_CONTINUATION = re.compile(r"^ (?:fd=-?\d+|len=\d+ ret=-?\d+ errno=\d+)\s*$")

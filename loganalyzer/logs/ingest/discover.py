"""Which files to read, in which order, and which host wrote each.

Folders are walked recursively. nova-compute logs are picked by name (``nova-compute.log*``,
``n-cpu.log*``, ``nova-compute*.log*``, ``nova_compute*``), syslog and journald text exports by
name (``messages*``, ``syslog*``, ``journalctl_*``), and other log-like files by a look at
their first 64 KiB. Tarballs (sosreports) are read in place. Rotated sets come oldest first.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from loganalyzer.logs.ingest.readers import read_head

NOVA_NAME = re.compile(r"^(?:nova-compute.*\.log.*|n-cpu\.log.*|nova_compute.*)$")
SYSLOG_NAME = re.compile(r"^(?:messages|syslog)(?:[.-].*)?$")
JOURNAL_NAME = re.compile(r"^journalctl[_-].*$")
# systemd's binary system journal, active and archived (user journals hold no nova-compute)
BINARY_JOURNAL_NAME = re.compile(r"^system(?:@[^/]*)?\.journal~?$")
LIBVIRT_NAME = re.compile(r"^(?:libvirtd|virtqemud|virtproxyd)(?:[._-].*)?$")
LIBVIRT_LOG = re.compile(r"\.(?:log|txt)(?:[.-].*)?$")
TAR_NAME = re.compile(r"\.(?:tar|tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tbz2|tar\.zst)$")
SNIFF_NAME = re.compile(r"(?:\.log|\.txt|\.json|\.out)(?:[.-].*)?$|\.(?:gz|xz|bz2|zst)$")
SNIFF_MARKERS = (b"nova.compute.", b"nova.virt.", b"nova-compute[", b"nova_compute[",
                 b"nova.service", b"Live Migration failure", b"(Lifecycle Event)")
# An oslo.log line of nova-compute's own loggers or the oslo libraries it logs through
# (an excerpt may hold nothing but an oslo_messaging traceback or TRACE lines).
OSLO_NOVA_LINE = re.compile(
    rb"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)? (?:\[[^\]\s]+\] )?(?:\d+ )?"
    rb"(?:DEBUG|INFO|AUDIT|WARNING|WARN|ERROR|CRITICAL|TRACE) "
    rb"(?:nova|oslo[._]\w+|keystoneauth1|keystonemiddleware|os_brick|os_vif|neutronclient)\.")
NOT_NOVA = "no nova-compute line in its first 64 KiB"
NOT_A_LOG_NAME = "its name is not a log's"
CONFIG_FILE = "a configuration file, not a log"
ROTATION = re.compile(
    r"^(?P<base>.+?)(?:[.-](?P<date>\d{8}(?:\d{2})?)|\.(?P<num>\d+))?"
    r"(?P<comp>\.(?:gz|bz2|xz|zst))?$"
)
GENERIC_DIRS = {"log", "logs", "nova", "kolla", "containers", "var", "tmp", ".", "", "real_logs",
                "sample_logs", "sos_commands"}


@dataclass(frozen=True)
class Input:
    """One log to read: a file on disk, a member of a tar archive, or stdin."""

    display: str  # the name users see: a path, "archive.tar.xz:member", or "-"
    path: str | None = None  # on-disk file (None for stdin and tar members)
    archive: str | None = None
    member: str | None = None
    host: str | None = None
    host_source: str = "unknown"  # --host | sosreport hostname | path | unknown
    year: int | None = None  # for syslog timestamps, which carry no year
    url: str | None = None  # an fsspec URL (s3://…, gs://…), read where it is
    stream: bool = False  # a pipe or FIFO (``<(cmd)``, ``mkfifo``): opened once, read once


@dataclass
class Plan:
    """Everything to read, grouped into jobs (one per file, archive or stdin)."""

    files: list[Input] = field(default_factory=list)
    archives: list[str] = field(default_factory=list)  # tarballs, read member by member
    stdin: Input | None = None
    warnings: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why) passed over
    libvirt: list[Input] = field(default_factory=list)  # libvirt/QEMU logs (logs/libvirt/)


def rotation_key(name: str) -> tuple[str, int, str, int]:
    """Sort key putting a rotated set in age order: ``.10.gz`` … ``.2.gz``, ``.1``, dated
    suffixes by date, then the current file."""
    match = ROTATION.match(name)
    if not match:
        return (name, 2, "", 0)
    base = match.group("base")
    if match.group("num"):
        return (base, 0, "", -int(match.group("num")))
    if match.group("date"):
        return (base, 1, match.group("date"), 0)
    return (base, 2, "", 0)


def classify_name(name: str, parent: str = "") -> str | None:
    """``nova``, ``syslog``, ``journal``, ``tar``, ``libvirt``, ``sniff`` or None (skip) from a
    file name."""
    if TAR_NAME.search(name):
        return "tar"
    if NOVA_NAME.match(name):
        return "nova"
    if SYSLOG_NAME.match(name):
        return "syslog"
    if JOURNAL_NAME.match(name) or BINARY_JOURNAL_NAME.match(name):
        return "journal"
    if LIBVIRT_NAME.match(name) or (parent in ("libvirt", "qemu") and LIBVIRT_LOG.search(name)):
        return "libvirt"  # read by loganalyzer.logs.libvirt, never as nova's
    if SNIFF_NAME.search(name) or parent in ("nova", "log", "logs"):
        return "sniff"
    return None


def looks_like_nova(head: bytes) -> bool:
    """True when the first bytes of a file carry nova-compute lines or catalogue messages."""
    return _markers().search(head) is not None or OSLO_NOVA_LINE.search(head) is not None


@functools.cache
def _markers() -> re.Pattern[bytes]:
    """The sniff markers and every catalogue key as one pattern (one pass over the head:
    a tarball of many small members is sniffed member by member)."""
    from loganalyzer.logs.anchors import KEY_BYTES

    return re.compile(b"|".join(re.escape(k) for k in (*SNIFF_MARKERS, *KEY_BYTES)))


def _clean_host(text: str) -> str | None:
    text = text.strip().strip("_-. ")
    return text or None


def host_from_path(path: str) -> str | None:
    """A host name from a path: the sosreport/deployment root above ``var/log``, else what
    remains of the file name once the log name is removed, else the parent folder."""
    parts = PurePosixPath(path.replace(os.sep, "/")).parts
    for i in range(len(parts) - 2, 0, -1):
        if parts[i] == "var" and parts[i + 1] == "log":
            root = parts[i - 1]
            if root in ("/", ""):
                break
            root = re.sub(r"^sosreport-", "", root)
            root = re.sub(r"-\d{4}-\d\d-\d\d-\w+$", "", root)
            return _clean_host(root)
    name = parts[-1] if parts else path
    if BINARY_JOURNAL_NAME.match(name):  # <machine-id>/system.journal: no host in the path
        return None  # (its records carry _HOSTNAME)
    match = ROTATION.match(name)
    stem = match.group("base") if match else name
    stem = re.sub(r"\.log$", "", stem)
    stem = re.sub(r"(?:nova-compute|nova_compute|n-cpu)", "", stem)
    host = _clean_host(stem)
    if host:
        return host
    parent = parts[-2] if len(parts) >= 2 else ""
    return None if parent.lower() in GENERIC_DIRS else _clean_host(parent)


def sosreport_root(path: str, stop: str) -> str | None:
    """The nearest folder above ``path`` (up to ``stop``) with a sosreport ``hostname``."""
    current = os.path.dirname(os.path.abspath(path))
    stop = os.path.abspath(stop)
    while True:
        if os.path.isfile(os.path.join(current, "hostname")) and (
            os.path.isdir(os.path.join(current, "sos_commands"))
            or os.path.isdir(os.path.join(current, "var"))
        ):
            return current
        if current == stop or os.path.dirname(current) == current:
            return None
        current = os.path.dirname(current)


def read_hostname(root: str) -> str | None:
    try:
        with open(os.path.join(root, "hostname"), encoding="utf-8", errors="replace") as fh:
            return _clean_host(fh.readline())
    except OSError:
        return None


def host_override(display: str, hosts: Mapping[str, str]) -> str | None:
    """``--host PATH=HOST``: an exact path, or a folder containing the file."""
    if display in hosts:
        return hosts[display]
    best = None
    for prefix, host in hosts.items():
        norm = prefix.rstrip("/") + "/"
        if display.startswith(norm) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, host)
    return best[1] if best else None


def _year(st: os.stat_result) -> int:
    import time

    return time.localtime(st.st_mtime).tm_year


def plan_inputs(paths: Sequence[str], hosts: Mapping[str, str] | None = None) -> Plan:
    """Expand the command line's paths into an ordered reading plan."""
    hosts = dict(hosts or {})
    plan = Plan()
    hostname_cache: dict[str, str | None] = {}
    for given in paths:
        if "://" in given:
            plan.files.extend(_remote(given, hosts, plan))
            continue
        if given == "-":
            _check_stdin()
            host = hosts.get("-")
            plan.stdin = Input("-", host=host, host_source="--host" if host else "unknown")
            continue
        st = _stat(given, plan)
        if st is None or _refused(given, st, plan):
            continue
        if stat.S_ISDIR(st.st_mode):
            before = (len(plan.archives), len(plan.skipped), len(plan.warnings),
                      len(plan.libvirt))
            found = _walk(given, hosts, hostname_cache, plan)
            if not found and before == (len(plan.archives), len(plan.skipped),
                                        len(plan.warnings), len(plan.libvirt)):
                plan.skipped.append((given, "empty folder"))
            plan.files.extend(found)
        elif TAR_NAME.search(given):
            plan.archives.append(given)
        elif classify_name(os.path.basename(given), os.path.basename(
                os.path.dirname(os.path.abspath(given)))) == "libvirt":
            plan.libvirt.append(_input_for(given, given, st, hosts, hostname_cache))
        else:
            item = _input_for(given, given, st, hosts, hostname_cache)
            if stat.S_ISFIFO(st.st_mode):
                item = replace(item, stream=True)
            plan.files.append(item)
    return plan


def _check_stdin() -> None:
    """``-`` with standard input closed (``<&-``): a usage error, said in one line."""
    import io
    import sys

    from loganalyzer.errors import InputError

    closed = sys.stdin is None
    try:
        if not closed:
            os.fstat(sys.stdin.fileno())
    except io.UnsupportedOperation:
        pass  # an in-memory stdin (tests, embedding): open
    except (OSError, ValueError):
        closed = True
    if closed:
        raise InputError("-: standard input is closed, so there is nothing to read "
                         "(give a file, or pipe the log in)")


# Files that never end or are not files: reading /dev/zero or /dev/urandom would not stop.
_NOT_FILES = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
              (stat.S_ISSOCK, "a socket"))


def _refused(path: str, st: os.stat_result, plan: Plan) -> bool:
    """True, with a warning naming ``path``, for devices and sockets (pipes, FIFOs and
    stdin are read: they end when their writer does)."""
    for test, what in _NOT_FILES:
        if test(st.st_mode):
            plan.warnings.append(f"{path}: {what}, not a log file: not read")
            return True
    return False


def _stat(path: str, plan: Plan) -> os.stat_result | None:
    """``os.stat(path)``, or None with a warning naming the path."""
    try:
        return os.stat(path)
    except OSError as exc:
        plan.warnings.append(f"{path}: cannot read: {exc.strerror}")
        return None


def _walk(root: str, hosts: Mapping[str, str], cache: dict[str, str | None],
          plan: Plan) -> list[Input]:
    found: list[Input] = []
    seen = _Folders(root)
    for dirpath, dirnames, filenames in os.walk(root, onerror=lambda e: plan.warnings.append(
            f"{e.filename}: cannot read folder: {e.strerror}"), followlinks=True):
        dirnames[:] = seen.to_walk(dirpath, sorted(dirnames), plan)
        parent = os.path.basename(dirpath)
        for name in sorted(filenames, key=rotation_key):
            full = os.path.join(dirpath, name)
            kind = classify_name(name, parent)
            if kind is None or name.endswith(".conf"):
                plan.skipped.append((full, CONFIG_FILE if name.endswith(".conf")
                                     else NOT_A_LOG_NAME))
                continue
            st = _stat(full, plan)
            if st is None or _refused(full, st, plan):
                continue
            if not stat.S_ISREG(st.st_mode):
                plan.warnings.append(f"{full}: a FIFO inside a folder: not read (give it "
                                     "by name to read it)")
                continue
            if kind == "tar":
                plan.archives.append(full)
                continue
            if kind == "libvirt":
                plan.libvirt.append(_input_for(full, root, st, hosts, cache))
                continue
            if kind == "sniff" and not _sniff(full, plan):
                continue
            found.append(_input_for(full, root, st, hosts, cache))
    return found


class _Folders:
    """The folders a walk has entered, by identity: linked folders (``var/log/nova`` linked
    elsewhere) are followed, a link back to a folder already walked (a loop, or the same
    folder twice) is named in a warning and not entered again."""

    def __init__(self, root: str) -> None:
        self.entered: set[tuple[int, int]] = set()
        try:
            st = os.stat(root)
            self.entered.add((st.st_dev, st.st_ino))
        except OSError:
            pass

    def to_walk(self, dirpath: str, names: list[str], plan: Plan) -> list[str]:
        keep = []
        for name in names:
            full = os.path.join(dirpath, name)
            try:
                st = os.stat(full)
            except OSError as exc:
                plan.warnings.append(f"{full}: cannot read folder: {exc.strerror}")
                continue
            identity = (st.st_dev, st.st_ino)
            if identity in self.entered:
                plan.warnings.append(f"{full}: links to {os.path.realpath(full)}, a folder "
                                     "already read: not read again")
                continue
            self.entered.add(identity)
            keep.append(name)
        return keep


def _remote(url: str, hosts: Mapping[str, str], plan: Plan) -> list[Input]:
    """Files behind an fsspec URL (object storage, HTTP, …), picked by name as in folders."""
    try:
        import fsspec
        from fsspec.core import url_to_fs
    except ImportError:
        plan.warnings.append(f"{url}: reading URLs needs fsspec (extra 'dask')")
        return []
    try:
        fs, root = url_to_fs(url)
        names = [p for p in fs.find(root)] if fs.isdir(root) else [root]
    except Exception as exc:  # fsspec backends raise their own (zip:// a BadZipFile)
        from loganalyzer.logs.ingest.urls import describe

        plan.warnings.append(f"{url}: cannot read: {describe(exc)}")
        return []
    del fsspec
    found = []
    for name in sorted(names, key=lambda n: rotation_key(n.rsplit("/", 1)[-1])):
        base = name.rsplit("/", 1)[-1]
        parent = name.rsplit("/", 2)[-2] if name.count("/") >= 1 else ""
        if len(names) > 1 and classify_name(base, parent) not in ("nova", "syslog", "journal"):
            plan.skipped.append((fs.unstrip_protocol(name), NOT_A_LOG_NAME))
            continue
        # the URL as given when it names one file: a chained URL (zip://m::file://a.zip)
        # keeps the part unstrip_protocol would drop
        full = url if name == root and len(names) == 1 else fs.unstrip_protocol(name)
        host = host_override(full, hosts) or host_from_path(name)
        found.append(Input(full, host=host, host_source="--host" if host_override(
            full, hosts) else "path" if host else "unknown", url=full))
    return found


def _sniff(path: str, plan: Plan) -> bool:
    """Whether a file found by a look at its content is a nova-compute log; a file that is
    not, or cannot be read, is noted in ``plan``."""
    try:
        with open(path, "rb") as raw:
            if looks_like_nova(read_head(raw)):
                return True
    except OSError as exc:
        plan.warnings.append(f"{path}: cannot read: {exc.strerror}")
        return False
    plan.skipped.append((path, NOT_NOVA))
    return False


def _input_for(path: str, root: str, st: os.stat_result, hosts: Mapping[str, str],
               cache: dict[str, str | None]) -> Input:
    host = host_override(path, hosts)
    if host:
        return Input(path, path=path, host=host, host_source="--host", year=_year(st))
    sos = sosreport_root(path, root if os.path.isdir(root) else os.path.dirname(path) or ".")
    if sos is not None:
        if sos not in cache:
            cache[sos] = read_hostname(sos)
        if cache[sos]:
            return Input(path, path=path, host=cache[sos], host_source="sosreport hostname",
                         year=_year(st))
    host = host_from_path(path)
    if host is None and os.path.abspath(path).startswith("/var/log/"):
        import socket

        return Input(path, path=path, host=socket.gethostname(), host_source="this machine",
                     year=_year(st))
    return Input(path, path=path, host=host, host_source="path" if host else "unknown",
                 year=_year(st))


def order_inputs(inputs: Iterable[Input]) -> list[Input]:
    """Stable age order inside each folder's rotated sets."""
    def key(item: Input) -> tuple[str, tuple[str, int, str, int]]:
        name = item.member or item.display
        folder, _, base = name.rpartition("/")
        return (folder, rotation_key(base))

    return sorted(inputs, key=key)

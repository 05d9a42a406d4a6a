"""Reading libvirt and QEMU logs beside nova's: which files, which host, and their records.

Picked by name (``libvirtd.log*``, ``virtqemud.log*``, devstack's ``libvirtd_log.txt``), by
folder (``…/libvirt/`` as kolla's ``/var/log/kolla/libvirt/`` and TripleO's
``/var/log/containers/libvirt/``; ``…/qemu/<domain>.log*`` per-domain QEMU logs, sosreport and
TripleO ``/var/log/containers/qemu/``), and inside syslog/journald exports and binary journals
(only ``libvirtd``/``virtqemud`` records). Compressed and rotated sets, sosreport folders and
tarballs as for nova's logs. These inputs are read in this process, after nova's (they are
small next to a debug nova log once prefiltered); a syslog export is read a second time here.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import tarfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO

from loganalyzer.logs.ingest.discover import (
    LIBVIRT_LOG,
    LIBVIRT_NAME,
    Input,
    Plan,
    classify_name,
    host_override,
    rotation_key,
)
from loganalyzer.logs.ingest.journal import JournalUnreadable, exported, is_journal
from loganalyzer.logs.ingest.readers import (
    READ_ERRORS,
    Peeked,
    UnsupportedCompression,
    describe_read_error,
    open_bytes,
    sniff_compression,
)
from loganalyzer.logs.libvirt.parse import (
    FileParse,
    Record,
    parse_candidates,
    parse_stream,
    search_patterns,
)

LIBVIRT_FOLDERS = ("libvirt",)
DOMAIN_FOLDERS = ("qemu",)
# folder names that are never a host's name
GENERIC = {"log", "logs", "var", "libvirt", "qemu", "kolla", "containers", "tmp", "", ".",
           "real_logs", "sample_logs", "sos_commands", "shared", "work", "home", "root",
           "mnt", "srv", "data"}
CHUNK = 4 << 20


def libvirt_kind(name: str, parent: str) -> str | None:
    """``libvirt`` (a libvirt daemon log), ``domain`` (a QEMU per-domain log) or None."""
    if parent in DOMAIN_FOLDERS and LIBVIRT_LOG.search(name):
        return "domain"
    if LIBVIRT_NAME.match(name) or (parent in LIBVIRT_FOLDERS and LIBVIRT_LOG.search(name)):
        return "libvirt"
    return None


def domain_of(name: str) -> str:
    """The domain a per-domain QEMU log belongs to: its name without ``.log`` and rotation."""
    base = rotation_key(name)[0]
    return re.sub(r"\.log$", "", base)


def host_from_libvirt_path(path: str) -> str | None:
    """A host name from a libvirt log's path: the root above ``var/log``, else the nearest
    folder that is not a generic log folder."""
    parts = PurePosixPath(path.replace(os.sep, "/")).parts
    for i in range(len(parts) - 2, 0, -1):
        if parts[i] == "var" and parts[i + 1] == "log":
            root = parts[i - 1]
            if root in ("/", ""):
                return None
            root = re.sub(r"^sosreport-", "", root)
            root = re.sub(r"-\d{4}-\d\d-\d\d-\w+$", "", root)
            return root.strip("_-. ") or None
    for part in reversed(parts[:-1]):
        if part.lower() not in GENERIC and not part.startswith("/"):
            return part
    return None


@dataclass
class LibvirtSet:
    """Every libvirt/QEMU record read, per-file accounting, and warnings."""

    records: list[Record] = field(default_factory=list)
    files: list[FileParse] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def unrecognized(self) -> list[dict[str, object]]:
        return [u for f in self.files for u in f.unrecognized]

    def add(self, parsed: FileParse) -> None:
        self.files.append(parsed)
        self.records.extend(parsed.records)
        self.warnings.extend(parsed.warnings)


def _chunks(stream: IO[bytes], parsed: FileParse) -> Iterator[bytes]:
    while True:
        try:
            chunk = stream.read(CHUNK)
        except READ_ERRORS as exc:
            parsed.warnings.append(f"{parsed.path}: unreadable past this point "
                                   f"({describe_read_error(exc)}); what came before is used")
            return
        if not chunk:
            return
        yield chunk


def parse_open(stream: IO[bytes], display: str, host: str | None, host_source: str,
               year: int | None, domain: str | None) -> FileParse:
    """Parse an opened (possibly compressed) byte stream."""
    holder = FileParse(display, host, host_source)
    try:
        plain, _ = open_bytes(stream)
    except UnsupportedCompression as exc:
        holder.readable = False
        holder.warnings.append(f"{display}: {exc}")
        return holder
    parsed = parse_stream(_chunks(plain, holder), display, host, host_source, year, domain)
    parsed.warnings = holder.warnings + parsed.warnings
    return parsed


def _host(item: Input) -> tuple[str | None, str]:
    """Discovery's host unless it came from the path: a libvirt log's file name is the
    daemon's, never the host's."""
    if item.host_source in ("path", "unknown", "this machine"):
        host = host_from_libvirt_path(item.display)
        if host:
            return host, "path"
        if item.host_source == "this machine":
            return item.host, item.host_source
        return None, "unknown"
    return item.host, item.host_source


def input_host(item: Input) -> tuple[str | None, str]:
    """The host (and how it is known) a libvirt/QEMU log found by discovery belongs to."""
    return _host(item)


def input_kind(item: Input) -> str:
    """``libvirt`` (a daemon log) or ``domain`` (a per-domain QEMU log)."""
    name = os.path.basename(item.display)
    parent = os.path.basename(os.path.dirname(item.display))
    return libvirt_kind(name, parent) or "libvirt"


def read_input(item: Input, kind: str) -> FileParse:
    """One libvirt log, domain log, syslog export or binary journal on disk."""
    host, source = _host(item) if kind != "syslog" else (item.host, item.host_source)
    name = os.path.basename(item.display)
    domain = domain_of(name) if kind == "domain" else None
    try:
        raw = open(item.path or item.display, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        parsed = FileParse(item.display, host, source, readable=False)
        parsed.warnings.append(f"{item.display}: cannot read: {exc.strerror}")
        return parsed
    with raw:
        head = raw.read(8)
        if is_journal(head):
            return _journal(item.path or item.display, item.display, host, source)
        if not sniff_compression(head):
            searched = _searched(item.path or item.display, item.display, host, source,
                                 item.year, domain)
            if searched is not None:
                return searched
        raw.seek(0)
        return parse_open(raw, item.display, host, source, item.year, domain)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0  # (read in Python, which says what is wrong)


def _searched(path: str, display: str, host: str | None, source: str, year: int | None,
              domain: str | None) -> FileParse | None:
    """A plain file through ripgrep (the prefilter nova's logs use: SIMD search on another
    core) when it is installed; None: read it in Python. Same results either way (tested)."""
    from loganalyzer.logs.prefilter import tool, worth_a_tool

    found = tool()
    if found is None or found[0] != "rg" or not worth_a_tool(_size(path), False):
        return None  # (a small file: Python reads it sooner than rg starts)
    args = [found[1], "--no-config", "--line-number", "--text", "--no-filename", "--color",
            "never", "--encoding", "none", "--threads", "1", "--no-mmap"]
    for pattern in search_patterns(domain is not None):
        args += ["-e", pattern]
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            lines = sum(block.count(b"\n") for block in iter(lambda: fh.read(CHUNK), b""))
            if size:
                fh.seek(size - 1)
                lines += fh.read(1) != b"\n"
        with subprocess.Popen([*args, path], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL) as search:
            assert search.stdout is not None
            parsed = parse_candidates(_numbered(search.stdout), lines, size, display, host,
                                      source, year, domain)
    except OSError:
        return None
    return parsed


def _numbered(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    for line in stream:
        number, _, text = line.partition(b":")
        yield int(number), text.rstrip(b"\n")


def _journal(path: str, display: str, host: str | None, source: str) -> FileParse:
    problems: list[str] = []
    try:
        with exported(path, problems) as stream:
            parsed = parse_stream(_chunks(stream, FileParse(display, host, source)), display,
                                  host, source)
    except JournalUnreadable as exc:
        parsed = FileParse(display, host, source, readable=False)
        parsed.warnings.append(f"{display}: {exc}")
    parsed.warnings.extend(f"{display}: journalctl: {p}" for p in problems)
    return parsed


def _journal_member(stream: IO[bytes], display: str, host: str | None) -> FileParse:
    import shutil
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".journal") as copy:
        shutil.copyfileobj(stream, copy, 1 << 20)
        copy.flush()
        return _journal(copy.name, display, host, "--host" if host else "unknown")


def read_archive(path: str, hosts: Mapping[str, str]) -> LibvirtSet:
    """The libvirt/QEMU logs and syslog exports inside a tarball (a sosreport), streamed."""
    found = LibvirtSet()
    hostnames: dict[str, str] = {}
    try:
        archive = tarfile.open(path, mode="r|*")  # noqa: SIM115 - closed in finally
    except (OSError, tarfile.TarError) as exc:
        found.warnings.append(f"{path}: cannot read archive: {exc}")
        return found
    parsed_members: list[FileParse] = []
    try:
        for member in archive:
            if not member.isfile():
                continue
            parts = member.name.split("/")
            name, parent = parts[-1], parts[-2] if len(parts) > 1 else ""
            if name == "hostname" and len(parts) == 2:
                handle = archive.extractfile(member)
                if handle is not None:
                    text = handle.read(256).decode("utf-8", "replace").strip()
                    if text:
                        hostnames[parts[0]] = text
                continue
            kind = libvirt_kind(name, parent) or (
                "syslog" if classify_name(name, parent) in ("syslog", "journal") else None)
            if kind is None:
                continue
            handle = archive.extractfile(member)
            if handle is None:
                continue
            display = f"{path}:{member.name}"
            host = host_override(display, hosts)
            head = handle.read(8)
            stream = io.BufferedReader(Peeked(head, handle))
            if is_journal(head):  # journalctl reads files: a temporary copy
                parsed_members.append(_journal_member(stream, display, host))
                continue
            parsed = parse_open(stream, display, host or host_from_libvirt_path(member.name),
                                "--host" if host else "path", None,
                                domain_of(name) if kind == "domain" else None)
            parsed_members.append(parsed)
    except (OSError, EOFError, tarfile.TarError) as exc:
        found.warnings.append(f"{path}: archive unreadable past this point ({exc}); the "
                              "members before it were read")
    finally:
        archive.close()
    for parsed in parsed_members:
        root = parsed.path[len(path) + 1:].split("/")[0]
        if parsed.host_source != "--host" and root in hostnames:
            parsed.host, parsed.host_source = hostnames[root], "sosreport hostname"
            for record in parsed.records:
                if record.host_source != "syslog":
                    record.host, record.host_source = parsed.host, parsed.host_source
        found.add(parsed)
    return found


def read_plan(plan: Plan, hosts: Mapping[str, str] | None = None) -> LibvirtSet:
    """Every libvirt/QEMU input of a reading plan: the libvirt files discovery set aside,
    the syslog/journal exports nova's reader also reads, and tarballs."""
    found = LibvirtSet()
    for item in plan.libvirt:
        name = os.path.basename(item.display)
        parent = os.path.basename(os.path.dirname(item.display))
        kind = libvirt_kind(name, parent) or "libvirt"
        found.add(read_input(item, kind))
    for item in plan.files:
        if item.path is None:
            continue
        name = os.path.basename(item.display)
        if classify_name(name) in ("syslog", "journal"):
            parsed = read_input(item, "syslog")
            if parsed.records or parsed.unrecognized:
                found.add(parsed)
    for archive in plan.archives:
        sub = read_archive(archive, hosts or {})
        found.files.extend(sub.files)
        found.records.extend(sub.records)
        found.warnings.extend(sub.warnings)
    return found


"""One input to a ScanResult: a file on disk, stdin, a URL, a binary journal or a tarball.

Unreadable input is a warning naming it, never an exception. The engine runs these per job.
"""

from __future__ import annotations

import io
import sys
import tarfile
import time
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING

from loganalyzer.logs.ingest.discover import (
    CONFIG_FILE,
    NOT_A_LOG_NAME,
    NOT_NOVA,
    Input,
    classify_name,
    host_from_path,
    host_override,
    looks_like_nova,
)
from loganalyzer.logs.ingest.journal import JournalUnreadable, exported, is_journal
from loganalyzer.logs.ingest.readers import Peeked, UnsupportedCompression, open_bytes
from loganalyzer.logs.ingest.tarstream import Archive
from loganalyzer.logs.scan import FileReport, Origin, ScanResult, scan_stream

if TYPE_CHECKING:
    pass

# integer columns that are not message fields (line numbers, a folded run's count and end)

def scan_input(item: Input, fold: bool = True) -> ScanResult:
    """Scan one file on disk (or stdin); unreadable input is a warning, never an exception.
    ``fold``: see :class:`~loganalyzer.logs.scan.ScanState`."""
    origin = Origin(item.display, item.host, item.host_source, item.year)
    if item.display == "-":
        stream, compression = open_bytes(sys.stdin.buffer)
        return scan_stream(stream, origin, compression, fold=fold)
    if item.url is not None:
        return _scan_url(item, origin, fold)
    assert item.path is not None
    try:
        raw = open(item.path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        result = ScanResult(FileReport(item.display, item.host, item.host_source,
                                       readable=False))
        result.warnings.append(f"{item.display}: cannot read: {exc.strerror}")
        return result
    with raw:
        head = raw.read(8)  # replayed, not sought back: pipes and FIFOs are read once
        if is_journal(head) and not item.stream:
            return _scan_journal(item.path, origin, fold)
        try:
            stream, compression = open_bytes(io.BufferedReader(Peeked(head, raw)))
        except UnsupportedCompression as exc:
            result = ScanResult(FileReport(item.display, item.host, item.host_source, "zstd",
                                           readable=False))
            result.warnings.append(f"{item.display}: {exc}")
            return result
        return scan_stream(stream, origin, compression, fold=fold)


def _scan_journal(path: str, origin: Origin, fold: bool = True) -> ScanResult:
    """A binary systemd journal, through journalctl's JSON export: ``lines`` are its
    records, ``bytes`` the size of the export."""
    problems: list[str] = []
    try:
        with exported(path, problems) as stream:
            result = scan_stream(stream, origin, "journal", fold=fold)
    except JournalUnreadable as exc:
        result = ScanResult(FileReport(origin.display, origin.host, origin.host_source,
                                       "journal", readable=False))
        result.warnings.append(f"{origin.display}: {exc}")
        return result
    result.warnings = [w for w in result.warnings if not w.endswith(": empty file")]
    result.warnings.extend(f"{origin.display}: journalctl: {p}" for p in problems)
    if result.file.bytes == 0:
        if problems:
            result.file.readable = False  # journalctl could not open it at all
        else:
            result.warnings.append(f"{origin.display}: the journal holds no records")
    return result


def _journal_member(stream: IO[bytes], origin: Origin, fold: bool = True) -> ScanResult:
    """A binary journal inside a tarball, copied to a temporary file for journalctl."""
    import shutil
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".journal") as copy:
        shutil.copyfileobj(stream, copy, 1 << 20)
        copy.flush()
        return _scan_journal(copy.name, origin, fold)


def _scan_url(item: Input, origin: Origin, fold: bool = True) -> ScanResult:
    import fsspec

    try:
        with fsspec.open(item.url, "rb") as raw:
            stream, compression = open_bytes(raw)
            return scan_stream(stream, origin, compression, fold=fold)
    except Exception as exc:  # fsspec backends raise their own, not only OSError
        from loganalyzer.logs.ingest.urls import describe

        result = ScanResult(FileReport(item.display, item.host, item.host_source,
                                       readable=False))
        result.warnings.append(f"{item.display}: cannot read: {describe(exc)}")
        return result


def scan_archive(path: str, hosts: Mapping[str, str], fold: bool = True
                 ) -> tuple[list[ScanResult], list[str]]:
    """Scan the nova-compute logs inside a tarball in one streaming pass.

    The sosreport's ``hostname`` member names the host of every log in it; it may come after
    the logs in the archive, so hosts are settled when the stream ends.
    """
    results: list[ScanResult] = []
    warnings: list[str] = []
    skipped: list[tuple[str, str]] = []  # members passed over, and why
    hostnames: dict[str, str] = {}  # sosreport root inside the archive -> hostname
    try:
        archive = Archive(path)
    except (OSError, EOFError, tarfile.TarError) as exc:
        return results, [f"{path}: cannot read archive: {exc}"]
    try:
        for member in archive:
            if not member.isfile():
                if not member.isdir():
                    skipped.append((f"{path}:{member.name}", "not a regular file (a link, "
                                    "device or FIFO member)"))
                continue
            parts = member.name.split("/")
            name = parts[-1]
            if name == "hostname" and len(parts) == 2:
                handle = archive.open(member)
                if handle is not None:
                    text = handle.read(256).decode("utf-8", "replace").strip()
                    if text:
                        hostnames[parts[0]] = text
                continue
            kind = classify_name(name, parts[-2] if len(parts) > 1 else "")
            if kind == "libvirt":  # read beside nova's logs (logs/libvirt)
                continue
            if kind in (None, "tar") or name.endswith(".conf"):
                skipped.append((f"{path}:{member.name}", CONFIG_FILE if name.endswith(".conf")
                                else NOT_A_LOG_NAME if kind is None
                                else "an archive inside an archive (not read)"))
                continue
            handle = archive.open(member)
            if handle is None:
                continue
            stream, compression = open_bytes(handle)
            display = f"{path}:{member.name}"
            if kind == "sniff":
                head = stream.read(65536)
                if not looks_like_nova(head):
                    skipped.append((display, NOT_NOVA))
                    continue
                stream = io.BufferedReader(Peeked(head, stream))
            year = time.localtime(member.mtime).tm_year
            host = host_override(display, hosts)
            origin = Origin(display, host or host_from_path(member.name),
                            "--host" if host else "path", year)
            head = stream.read(8)
            if is_journal(head):  # journalctl reads files: this one goes through a copy
                result = _journal_member(io.BufferedReader(Peeked(head, stream)), origin,
                                         fold)
            else:
                result = scan_stream(io.BufferedReader(Peeked(head, stream)), origin,
                                     compression, fold=fold)
            result.file.host_source = origin.host_source
            results.append(result)
    except (OSError, EOFError, tarfile.TarError) as exc:
        if archive.problem is None:
            warnings.append(f"{path}: archive unreadable past this point ({exc}); the "
                            "members before it were read")
    finally:
        archive.close()
    if archive.problem is not None:
        warnings.append(f"{path}: archive unreadable after {archive.read_bytes} bytes "
                        f"({archive.problem}); everything before that was read")
    for result in results:
        if result.file.host_source == "--host":
            continue
        root = result.file.path[len(path) + 1:].split("/")[0]
        if root in hostnames:
            _set_host(result, hostnames[root], "sosreport hostname")
    results.extend(ScanResult(FileReport(name, None, "unknown", skipped=why))
                   for name, why in skipped)
    return results, warnings


def _set_host(result: ScanResult, host: str, source: str) -> None:
    old = result.file.host
    result.file.host, result.file.host_source = host, source
    columns = result.events.finish()
    if "host" not in columns:
        return
    for i, (value, how) in enumerate(zip(columns["host"], columns["host_source"], strict=True)):
        if how != "syslog" and value == old:
            columns["host"][i] = host
            columns["host_source"][i] = source

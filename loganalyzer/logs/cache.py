"""``--cache DIR``: each input file's scan kept as Parquet, so a re-run reads only new or
changed files, and a log that only grew is scanned from where the last run stopped.

An entry (``DIR/<key>/events.parquet`` and ``meta.json``) is keyed by the file's path and
the host it is read as. Its fingerprint describes exactly the bytes that were scanned: the
size read to, the SHA-256 of the first 64 KiB and of the 64 KiB before that size, whether
that size ended a line, and the file's mtime, ctime and inode. A file that changed while it
was scanned is scanned again up to the size fingerprinted, so an entry never holds more (or
other) bytes than it says. An entry is reused while all of this is unchanged; ``touch``
cannot set ctime back, so a same-size edit with the mtime restored is noticed too. A plain
file that grew, whose first block and old last block are unchanged and whose old end was a
whole line, has only its new tail scanned; anything else is scanned again in full. With
``verify`` (``--cache-verify``) an entry also keeps the SHA-256 of every byte scanned, which
must match before the entry is reused (one more read of the file).

Cache files are written beside their place and renamed into it. A damaged entry (an edited
``meta.json``, a truncated Parquet file, two files from different runs) is a warning and a
fresh scan, never an error; a cache folder that cannot be written is one warning.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, fields
from typing import Any

from loganalyzer.atomic import replacing, write_text
from loganalyzer.logs.scan import Columns, FileReport, Origin, ScanResult

BLOCK = 65536
VERSION = 6  # 2: repeated monitor lines folded; 3: ctime, inode, token, sha256;
#             4: the catalogue of issue 14 (new forms, folded DEBUG monitor lines), the
#             conf_host/conf_my_ip events and the request-context style "fields5";
#             5: step lines folded and capped, unrecognized rows with a reason;
#             6: one config_dump row per start-up dump (options: (option, value) pairs)
TOKEN_KEY = b"loganalyzer.cache.token"  # in events.parquet's schema metadata and meta.json
FINGERPRINT: dict[str, Any] = {
    "size": int, "mtime_ns": int, "ctime_ns": int, "inode": int, "head": str, "tail": str,
    "ends_whole": bool, "compressed": bool, "sha256": (str, type(None))}
META: dict[str, Any] = {"path": str, "fingerprint": dict, "file": dict, "unrecognized": list,
                        "warnings": list, "rows": int, "token": str}
COUNTS = ("lines", "bytes", "events", "unrecognized", "folded")  # FileReport's counts
FILE_FIELDS = frozenset(f.name for f in fields(FileReport))


@dataclass(frozen=True)
class CacheUse:
    """A cache folder as this run uses it: ``writable`` False reads entries, keeps none."""

    folder: str
    writable: bool = True
    verify: bool = False


class Damaged(Exception):
    """A cache entry that cannot be trusted; ``str`` says why."""


def prepare(folder: str, verify: bool = False) -> tuple[CacheUse | None, str | None]:
    """How ``folder`` can be used, and the one warning to give when it cannot be fully: not
    a folder (no caching), not writable (entries there are read, none are kept)."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        return None, f"--cache {folder}: not a folder; nothing is cached this run"
    try:
        os.makedirs(folder, exist_ok=True)
        probe = os.path.join(folder, f".probe.{uuid.uuid4().hex[:8]}.tmp")
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.unlink(probe)
    except OSError as exc:
        if not os.path.isdir(folder):
            return None, (f"--cache {folder}: cannot make the folder ({exc.strerror}); "
                          "nothing is cached this run")
        return CacheUse(folder, False, verify), (
            f"--cache {folder}: cannot write there ({exc.strerror}); entries already there "
            "are used, nothing new is kept")
    return CacheUse(folder, True, verify), None


def _key(path: str, origin: Origin) -> str:
    import hashlib  # here: ~3 ms of start-up (OpenSSL) that a run without --cache skips

    text = json.dumps([os.path.abspath(path), origin.host, origin.host_source, origin.year,
                       VERSION])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _hash(fh: Any, start: int, size: int) -> str:
    import hashlib

    fh.seek(max(start, 0))
    return hashlib.sha256(fh.read(size)).hexdigest()


def full_hashes(path: str, ends: tuple[int, ...]) -> list[str]:
    """SHA-256 of bytes [0, end) of ``path`` for each of the increasing ``ends``, in one
    read (about 2 GB/s)."""
    import hashlib

    digest = hashlib.sha256()
    out: list[str] = []
    done = 0
    with open(path, "rb") as fh:
        for end in ends:
            while done < end:
                chunk = fh.read(min(1 << 20, end - done))
                if not chunk:
                    raise OSError(errno.EIO, f"{path} is shorter than {end} bytes")
                digest.update(chunk)
                done += len(chunk)
            out.append(digest.hexdigest())
    return out


def fingerprint(path: str) -> dict[str, Any]:
    """The file as it is now, up to its current size: the bytes a scan is to read."""
    from loganalyzer.logs.ingest.journal import is_journal
    from loganalyzer.logs.ingest.readers import sniff_compression

    with open(path, "rb") as fh:
        st = os.fstat(fh.fileno())
        size = st.st_size
        head = _hash(fh, 0, min(BLOCK, size))
        tail = _hash(fh, size - BLOCK, min(BLOCK, size))
        fh.seek(max(size - 1, 0))
        ends_whole = fh.read(1) == b"\n"
        fh.seek(0)
        magic = fh.read(8)  # compressed or a binary journal: never re-scanned from a tail
    return {"size": size, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns,
            "inode": st.st_ino, "head": head, "tail": tail, "ends_whole": ends_whole,
            "compressed": sniff_compression(magic) is not None or is_journal(magic),
            "sha256": None}


def unchanged_since(path: str, before: dict[str, Any]) -> bool:
    """Whether ``path`` still has the size, mtime and ctime of ``before``: nothing was
    written to it since (while it was scanned)."""
    st = os.stat(path)
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns) == (
        before["size"], before["mtime_ns"], before["ctime_ns"])


def load(use: CacheUse, path: str, origin: Origin
         ) -> tuple[ScanResult | None, int, dict[str, Any], str | None]:
    """(cached result or None, bytes it covers, the file's fingerprint now, a warning when
    the entry was damaged). A result covering fewer bytes than the file's size means: the
    file grew, scan from there and append to it."""
    now = fingerprint(path)
    entry = os.path.join(use.folder, _key(path, origin))
    try:
        with open(os.path.join(entry, "meta.json"), encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return None, 0, now, None
    except (OSError, UnicodeDecodeError) as exc:
        return None, 0, now, _damaged(path, entry, f"meta.json unreadable: {exc}")
    try:
        meta = _meta(text, path)
        cached = _read(entry, meta)
    except Damaged as exc:
        return None, 0, now, _damaged(path, entry, str(exc))
    covered = _covered(path, meta["fingerprint"], now, use.verify)
    return (cached if covered else None), covered, now, None


def _damaged(path: str, entry: str, why: str) -> str:
    return f"{path}: cache entry {entry} is damaged ({_short(why)}); scanned again"


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _covered(path: str, before: dict[str, Any], now: dict[str, Any], verify: bool) -> int:
    """How many bytes of ``path`` the entry ``before`` still stands for: all of them, the
    old size of a file that only grew, or 0. With ``verify`` the full hashes must agree
    (and ``now`` gains the file's)."""
    if all(before[k] == now[k] for k in ("size", "mtime_ns", "ctime_ns", "inode", "head",
                                          "tail")):
        if verify:
            if before["sha256"] is None:
                return 0
            now["sha256"] = full_hashes(path, (now["size"],))[0]
            if now["sha256"] != before["sha256"]:
                return 0
        return now["size"]
    grew = (not now["compressed"] and now["size"] > before["size"] >= 1
            and before["ends_whole"] and now["head"] == before["head"]
            and now["inode"] == before["inode"])
    if not grew:
        return 0
    with open(path, "rb") as fh:
        if _hash(fh, before["size"] - BLOCK, min(BLOCK, before["size"])) != before["tail"]:
            return 0
    if verify:
        if before["sha256"] is None:
            return 0
        old, new = full_hashes(path, (before["size"], now["size"]))
        if old != before["sha256"]:
            return 0
        now["sha256"] = new
    return int(before["size"])


def _shape(name: str, value: Any, spec: dict[str, Any]) -> None:
    if not isinstance(value, dict):
        raise Damaged(f"{name} is not an object")
    extra, missing = set(value) - set(spec), set(spec) - set(value)
    if extra or missing:
        raise Damaged(f"{name}: " + "; ".join(
            part for part in (extra and "unexpected " + ", ".join(sorted(extra)),
                              missing and "missing " + ", ".join(sorted(missing))) if part))
    for key, kind in spec.items():
        item = value[key]
        if not isinstance(item, kind) or (kind is int and isinstance(item, bool)):
            raise Damaged(f"{name}: {key} is {json.dumps(item)[:40]}")


def _meta(text: str, path: str) -> dict[str, Any]:
    """``meta.json`` parsed and checked key by key."""
    try:
        meta = json.loads(text)
    except ValueError as exc:
        raise Damaged(f"meta.json is not JSON: {exc}") from None
    _shape("meta.json", meta, META)
    _shape("fingerprint", meta["fingerprint"], FINGERPRINT)
    _shape("file", meta["file"], {name: object for name in FILE_FIELDS})
    for name in COUNTS:
        count = meta["file"][name]
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise Damaged(f"file: {name} is {json.dumps(count)[:40]}")
    if meta["rows"] != meta["file"]["events"]:
        raise Damaged(f"rows {meta['rows']} but {meta['file']['events']} events")
    if meta["path"] != os.path.abspath(path):
        raise Damaged("the entry is for another file")
    if not all(isinstance(w, str) for w in meta["warnings"]) or not all(
            isinstance(u, dict) and isinstance(u.get("line"), int)
            for u in meta["unrecognized"]):
        raise Damaged("warnings or unrecognized rows malformed")
    return meta


def _read(entry: str, meta: dict[str, Any]) -> ScanResult:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(os.path.join(entry, "events.parquet"))
    except (OSError, pa.ArrowException) as exc:
        raise Damaged(f"events.parquet unreadable: {exc}") from None
    token = (table.schema.metadata or {}).get(TOKEN_KEY)
    if token != meta["token"].encode():
        raise Damaged("events.parquet and meta.json were written by different runs")
    if table.num_rows != meta["rows"]:
        raise Damaged(f"meta.json says {meta['rows']} rows, events.parquet holds "
                      f"{table.num_rows}")
    data = table.to_pydict()
    if "options" in data:  # Parquet gives lists back: a dump row's pairs are tuples
        data["options"] = [None if v is None else tuple(tuple(p) for p in v)
                           for v in data["options"]]
    columns = Columns(data, meta["rows"])
    return ScanResult(FileReport(**meta["file"]), columns, meta["unrecognized"],
                      list(meta["warnings"]))


def store(use: CacheUse, path: str, origin: Origin, result: ScanResult,
          fingerprint: dict[str, Any]) -> str | None:
    """Keep ``result`` for ``path``; a warning when it could not be kept (the run goes on).
    Both files are replaced whole, and carry one token, so that a reader can tell a pair
    written by two runs at once."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    entry = os.path.join(use.folder, _key(path, origin))
    token = uuid.uuid4().hex
    table = pa.Table.from_pydict(result.events.finish())
    table = table.replace_schema_metadata({TOKEN_KEY: token.encode()})
    meta = {"path": os.path.abspath(path), "fingerprint": fingerprint,
            "file": asdict(result.file), "unrecognized": result.unrecognized,
            "warnings": result.warnings, "rows": result.events.rows, "token": token}
    try:
        os.makedirs(entry, exist_ok=True)
        with replacing(os.path.join(entry, "events.parquet"), binary=True, streamable=False,
                       durable=False) as fh:
            pq.write_table(table, fh)
        write_text(os.path.join(entry, "meta.json"), json.dumps(meta), durable=False)
    except (OSError, pa.ArrowException) as exc:
        return f"{path}: not kept in --cache {use.folder} ({getattr(exc, 'strerror', None) or exc})"
    return None


def info(cache_dir: str) -> list[dict[str, Any]]:
    """One summary per cached file (damaged entries left out)."""
    out: list[dict[str, Any]] = []
    if not os.path.isdir(cache_dir):
        return out
    for name in sorted(os.listdir(cache_dir)):
        folder = os.path.join(cache_dir, name)
        try:
            with open(os.path.join(folder, "meta.json"), encoding="utf-8") as fh:
                meta = json.loads(fh.read())
            _shape("meta.json", meta, META)
            size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
            out.append({"path": meta["path"], "bytes_scanned": meta["file"]["bytes"],
                        "lines": meta["file"]["lines"], "events": meta["rows"],
                        "cache_bytes": size})
        except (OSError, ValueError, KeyError, TypeError, Damaged):
            continue
    return out


def clear(cache_dir: str) -> int:
    """Remove every entry; returns how many there were."""
    if not os.path.isdir(cache_dir):
        return 0
    entries = [n for n in os.listdir(cache_dir)
               if os.path.isfile(os.path.join(cache_dir, n, "meta.json"))]
    for name in entries:
        shutil.rmtree(os.path.join(cache_dir, name), ignore_errors=True)
    return len(entries)

"""``--cache DIR``: each input file's scan kept as Parquet, so a re-run reads only new or
changed files, and a log that only grew is scanned from where the last run stopped.

An entry is keyed by the file's path and the host it is read as, and is valid while the
file's size, mtime and the hashes of its first and last 64 KiB are unchanged. A plain file
that grew, whose first block and old last block are unchanged and whose old end was a whole
line, has only its new tail scanned; anything else is scanned again in full.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict
from typing import Any

from loganalyzer.logs.scan import Columns, FileReport, Origin, ScanResult

BLOCK = 65536
VERSION = 3  # 2: repeated monitor lines folded (scan.ScanState._fold); 3: conf_host,
# conf_my_ip events and the request-context style (context_style "fields5")


def _key(path: str, origin: Origin) -> str:
    text = json.dumps([os.path.abspath(path), origin.host, origin.host_source, origin.year,
                       VERSION])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _hash(fh: Any, start: int, size: int) -> str:
    fh.seek(max(start, 0))
    return hashlib.sha256(fh.read(size)).hexdigest()


def _fingerprint(path: str) -> dict[str, Any]:
    st = os.stat(path)
    with open(path, "rb") as fh:
        head = _hash(fh, 0, BLOCK)
        tail = _hash(fh, st.st_size - BLOCK, BLOCK)
        fh.seek(max(st.st_size - 1, 0))
        ends_whole = fh.read(1) == b"\n"
        fh.seek(0)
        from loganalyzer.logs.ingest.journal import is_journal
        from loganalyzer.logs.ingest.readers import sniff_compression

        magic = fh.read(8)  # compressed or a binary journal: never re-scanned from a tail
        compressed = sniff_compression(magic) is not None or is_journal(magic)
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "head": head, "tail": tail,
            "ends_whole": ends_whole, "compressed": compressed}


def load(cache_dir: str, path: str, origin: Origin) -> tuple[ScanResult | None, int, dict]:
    """(cached result or None, bytes already covered, the file's fingerprint now).

    ``bytes covered`` > 0 with a result means: the file grew, scan from there and
    :func:`extend` the cached result."""
    now = _fingerprint(path)
    entry = os.path.join(cache_dir, _key(path, origin))
    meta_path = os.path.join(entry, "meta.json")
    try:
        with open(meta_path, encoding="utf-8") as fh:
            meta = json.load(fh)
        cached = _read(entry, meta)
    except (OSError, ValueError, KeyError):
        return None, 0, now
    before = meta["fingerprint"]
    if all(before[k] == now[k] for k in ("size", "mtime_ns", "head", "tail")):
        return cached, now["size"], now
    grew = (not now["compressed"] and now["size"] > before["size"] and before["ends_whole"]
            and now["head"] == before["head"] and before["size"] >= 1)
    if grew:
        with open(path, "rb") as fh:
            if _hash(fh, before["size"] - BLOCK, min(BLOCK, before["size"])) == before["tail"] \
                    or before["size"] < BLOCK:
                return cached, before["size"], now
    return None, 0, now


def store(cache_dir: str, path: str, origin: Origin, result: ScanResult,
          fingerprint: dict) -> None:
    """Keep ``result`` for ``path`` (best effort: a cache that cannot be written is skipped)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    entry = os.path.join(cache_dir, _key(path, origin))
    try:
        os.makedirs(entry, exist_ok=True)
        pq.write_table(pa.Table.from_pydict(result.events.finish()),
                       os.path.join(entry, "events.parquet"))
        meta = {"path": os.path.abspath(path), "fingerprint": fingerprint,
                "file": asdict(result.file), "unrecognized": result.unrecognized,
                "warnings": result.warnings, "rows": result.events.rows}
        with open(os.path.join(entry, "meta.json"), "w", encoding="utf-8") as fh:
            json.dump(meta, fh)
    except (OSError, pa.ArrowException):
        return


def _read(entry: str, meta: dict[str, Any]) -> ScanResult:
    import pyarrow.parquet as pq

    data = pq.read_table(os.path.join(entry, "events.parquet")).to_pydict()
    columns = Columns(data, meta["rows"])
    return ScanResult(FileReport(**meta["file"]), columns, meta["unrecognized"],
                      meta["warnings"])


def info(cache_dir: str) -> list[dict[str, Any]]:
    """One summary per cached file."""
    out = []
    if not os.path.isdir(cache_dir):
        return out
    for name in sorted(os.listdir(cache_dir)):
        meta_path = os.path.join(cache_dir, name, "meta.json")
        try:
            with open(meta_path, encoding="utf-8") as fh:
                meta = json.load(fh)
        except (OSError, ValueError):
            continue
        size = sum(os.path.getsize(os.path.join(cache_dir, name, f))
                   for f in os.listdir(os.path.join(cache_dir, name)))
        out.append({"path": meta["path"], "bytes_scanned": meta["file"]["bytes"],
                    "lines": meta["file"]["lines"], "events": meta["rows"],
                    "cache_bytes": size})
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

"""Opening log bytes: compression detected by magic bytes, never by file name.

logrotate's ``delaycompress`` leaves ``.1`` plain and admins rename files, so the first
bytes decide: gzip, bzip2, xz, zstd (when the ``zstandard`` package is installed) or plain.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from typing import IO

MAGIC = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}


class UnsupportedCompression(Exception):
    """A compression format this machine cannot read (zstd without ``zstandard``)."""


def sniff_compression(head: bytes) -> str | None:
    """The compression of a stream from its first bytes (None: plain)."""
    for magic, name in MAGIC.items():
        if head.startswith(magic):
            return name
    return None


def decompressing(raw: IO[bytes], compression: str | None) -> IO[bytes]:
    """Wrap a binary stream so that reading it yields the uncompressed bytes."""
    if compression is None:
        return raw
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if compression == "bzip2":
        return bz2.BZ2File(raw, mode="rb")
    if compression == "xz":
        return lzma.LZMAFile(raw, mode="rb")
    try:
        import zstandard
    except ImportError:
        raise UnsupportedCompression(
            "zstd-compressed; install the 'zstandard' package (extra 'zstd') to read it"
        ) from None
    return zstandard.ZstdDecompressor().stream_reader(raw)  # type: ignore[no-any-return]


class Peeked(io.RawIOBase):
    """A stream whose first bytes were read for sniffing, replayed before the rest."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


def open_bytes(raw: IO[bytes]) -> tuple[IO[bytes], str | None]:
    """Sniff and wrap ``raw``: returns the decompressed stream and the compression name."""
    head = raw.read(8)
    compression = sniff_compression(head)
    replay = io.BufferedReader(Peeked(head, raw), buffer_size=1 << 20)
    return decompressing(replay, compression), compression


def read_head(raw: IO[bytes], size: int = 65536) -> bytes:
    """Up to ``size`` decompressed bytes from the start of ``raw`` (for content sniffing)."""
    stream, _ = open_bytes(raw)
    try:
        return stream.read(size)
    except (OSError, EOFError, lzma.LZMAError, UnsupportedCompression):
        return b""

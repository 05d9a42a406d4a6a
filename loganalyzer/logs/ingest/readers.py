"""Opening log bytes: compression detected by magic bytes, never by file name.

logrotate's ``delaycompress`` leaves ``.1`` plain and admins rename files, so the first
bytes decide: gzip, bzip2, xz, zstd (when the ``zstandard`` package is installed) or plain.
"""

from __future__ import annotations

import bz2
import io
import lzma
import zlib
from typing import IO, Any

MAGIC = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}


class UnsupportedCompression(Exception):
    """A compression format this machine cannot read (zstd without ``zstandard``)."""


def _isal_error() -> tuple[type[BaseException], ...]:
    try:
        from isal.isal_zlib import error
    except ImportError:
        return ()
    return (error,)


# What reading a damaged stream raises: the decompressors' own errors and EOF (truncation).
READ_ERRORS: tuple[type[BaseException], ...] = (
    EOFError, OSError, zlib.error, lzma.LZMAError, UnsupportedCompression, *_isal_error())


def describe_read_error(exc: BaseException) -> str:
    """What went wrong reading a damaged stream, for the warning that names the file."""
    if isinstance(exc, EOFError):
        return "the compressed data ends early: truncated file"
    return str(exc) or type(exc).__name__


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
        return io.BufferedReader(GzipMembers(raw), buffer_size=1 << 20)
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


class GzipMembers(io.RawIOBase):
    """The uncompressed bytes of every gzip member in ``raw``, by ISA-L's inflate when the
    ``isal`` package is there (about twice zlib's speed), else zlib. Unlike ``GzipFile``
    readers, a truncated or corrupt stream first yields every byte decompressed before the
    damage, then raises (EOFError for a truncated one)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._inflater = _inflater()
        self._pending = b""  # decompressed; bytes from _offset on not yet returned
        self._offset = 0
        self._error: BaseException | None = None
        self._done = False
        self._fed = False  # whether the current member has been given any bytes

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while self._offset >= len(self._pending) and not self._done:
            self._fill()
        left = len(self._pending) - self._offset
        if left <= 0:
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            return 0
        n = min(len(buffer), left)
        buffer[:n] = memoryview(self._pending)[self._offset:self._offset + n]
        self._offset += n
        return n

    def _fill(self) -> None:
        data = b""
        if self._inflater.eof:  # a member ended: what follows starts the next one
            data = self._inflater.unused_data
            self._inflater, self._fed = _inflater(), False
        data = data or self._raw.read(1 << 20)
        if not data:
            self._done = True
            if self._fed:
                self._error = EOFError("the compressed data ends early: truncated file")
            return
        if not self._fed and not data.strip(b"\x00"):
            self._done = True  # NUL padding after the last member (backup tools add it)
            return
        self._fed = True
        try:
            self._pending, self._offset = self._inflater.decompress(data), 0
        except Exception as exc:  # zlib.error or isal's IsalError
            self._done = True
            self._error = OSError(f"corrupt gzip data ({exc})")


def _inflater() -> Any:
    try:
        from isal import isal_zlib
    except ImportError:
        return zlib.decompressobj(wbits=47)
    return isal_zlib.decompressobj(wbits=47)


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

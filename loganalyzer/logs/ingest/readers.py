"""Opening log bytes: compression detected by magic bytes, never by file name.

logrotate's ``delaycompress`` leaves ``.1`` plain and admins rename files, so the first
bytes decide: gzip, bzip2, xz, zstd (when the ``zstandard`` package is installed) or plain.
"""

from __future__ import annotations

import bz2
import io
import lzma
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

MAGIC = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
}


class Truncated(EOFError):
    """Data that ends before its format says it does; the message says which."""


class UnsupportedCompression(Exception):
    """A compression format this machine cannot read (zstd without ``zstandard``)."""


def _isal_error() -> tuple[type[BaseException], ...]:
    try:
        from isal.isal_zlib import error
    except ImportError:
        return ()
    # isal's stub declares ``error: Exception`` (an instance); at run time it is the class
    return (error,)  # type: ignore[return-value]


# What reading a damaged stream raises: the decompressors' own errors and EOF (truncation).
READ_ERRORS: tuple[type[BaseException], ...] = (
    EOFError, OSError, zlib.error, lzma.LZMAError, UnsupportedCompression, *_isal_error())


def describe_read_error(exc: BaseException) -> str:
    """What went wrong reading a damaged stream, for the warning that names the file."""
    if isinstance(exc, Truncated):
        return str(exc)
    if isinstance(exc, EOFError):
        return "the compressed data ends early: truncated file"
    return str(exc) or type(exc).__name__


def sniff_compression(head: bytes) -> str | None:
    """The compression of a stream from its first bytes (None: plain)."""
    for magic, name in MAGIC.items():
        if head.startswith(magic):
            return name
    return None


def file_compression(path: str) -> str | None:
    """The compression of the file at ``path`` from its first bytes (None: plain, or it
    cannot be opened — the reader that opens it next says why)."""
    try:
        with open(path, "rb") as raw:
            return sniff_compression(raw.read(8))
    except OSError:
        return None


def decompressing(raw: IO[bytes], compression: str | None) -> IO[bytes]:
    """Wrap a binary stream so that reading it yields the uncompressed bytes."""
    if compression is None:
        return raw
    if compression == "gzip":
        return io.BufferedReader(Members(raw, GZIP), buffer_size=1 << 20)
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
    return io.BufferedReader(Members(raw, _zstd_codec(zstandard)), buffer_size=1 << 20)


READ_SIZE = 1 << 20  # compressed bytes read from the source at a time
OUT_MAX = 1 << 20  # uncompressed bytes one decompression call may return (bombs stay small)


@dataclass(frozen=True)
class Codec:
    """How :class:`Members` drives one format's incremental decompressor."""

    name: str
    new: Callable[[], Any]  # a fresh decompressor for the next member / frame
    piece: int  # compressed bytes given to one call
    bounded: bool  # whether calls take ``max_length`` (else ``piece`` bounds the output)
    errors: tuple[type[BaseException], ...]
    copyable: bool  # whether the decompressor has ``copy()`` (exact salvage of damage)


# gzip by zlib, whose decompressor can be copied: on damage the failing piece is bisected
# to the byte, so every byte zlib can decode before the damage is returned, identically on
# every path (ISA-L's, faster, cannot be copied; the inflate worker uses it while the file
# is sound).
GZIP = Codec("gzip", lambda: zlib.decompressobj(wbits=47), 64 << 10, True, (zlib.error,),
             True)


def _zstd_codec(zstandard: Any) -> Codec:
    """zstd frames through ``decompressobj`` (which says when a frame ends, so a truncated
    file is told from a complete one). Its calls cannot bound their output: small pieces do
    (a zstd block of 4 bytes can stand for 128 KiB)."""
    return Codec("zstd", lambda: zstandard.ZstdDecompressor().decompressobj(), 2048, False,
                 (zstandard.ZstdError,), False)


class Members(io.RawIOBase):
    """The uncompressed bytes of every member (gzip) or frame (zstd) in ``raw``. A truncated
    or corrupt stream first yields every byte decompressed before the damage, then raises
    (EOFError when truncated, OSError when corrupt); NUL padding after the last member (backup
    tools add it) is ignored. Memory stays within a few MiB whatever the ratio."""

    def __init__(self, raw: IO[bytes], codec: Codec) -> None:
        self._raw = raw
        self._codec = codec
        self._decoder = codec.new()
        self._input = memoryview(b"")  # compressed bytes read and not yet decompressed
        self._pending = b""  # decompressed; bytes from _offset on not yet returned
        self._offset = 0
        self._error: BaseException | None = None
        self._done = False
        self._fed = False  # whether the current member has been given any bytes
        self._more = False  # the last call stopped at OUT_MAX: the decoder holds more
        self._careful = 0  # after damage: the piece size, halved down to the damaged byte

    def readable(self) -> bool:
        return True

    # io hands readinto a bytearray or memoryview (sliced below); typeshed's wider
    # WriteableBuffer has no slice assignment
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
        codec = self._codec
        if self._decoder.eof:  # a member ended: what follows starts the next one
            self._decoder, self._fed, self._more = codec.new(), False, False
        if not self._input and not self._more:
            self._input = memoryview(self._raw.read(READ_SIZE))
            if not self._input:
                self._done = True
                if self._fed:
                    self._error = Truncated("the compressed data ends early: truncated file")
                return
        if not self._fed and self._input[0] == 0:  # NUL padding (backup tools add it)
            self._input = memoryview(bytes(self._input).lstrip(b"\x00"))
            return
        piece = self._input[:self._careful or codec.piece]
        before = self._decoder.copy() if codec.copyable else None
        try:
            if codec.bounded:
                out = self._decoder.decompress(piece, OUT_MAX)
            else:
                out = self._decoder.decompress(piece)
        except codec.errors as exc:
            if before is not None and len(piece) > 1:
                self._decoder, self._careful = before, len(piece) // 2
                return  # again with the first half: nothing before the damage is lost
            self._done = True
            self._error = OSError(f"corrupt {codec.name} data ({exc})")
            return
        self._fed = self._fed or len(piece) > 0
        left = len(self._decoder.unconsumed_tail)
        if self._decoder.eof:
            left += len(self._decoder.unused_data)
        self._input = self._input[len(piece) - left:]
        self._more = codec.bounded and len(out) >= OUT_MAX
        self._pending, self._offset = out, 0


class Peeked(io.RawIOBase):
    """A stream whose first bytes were read for sniffing, replayed before the rest."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    # io hands readinto a bytearray or memoryview (sliced below); typeshed's wider
    # WriteableBuffer has no slice assignment
    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        # read1: one read of what is there, so that damage after it loses none of it
        data = getattr(self._rest, "read1", self._rest.read)(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


def open_bytes(raw: IO[bytes]) -> tuple[IO[bytes], str | None]:
    """Sniff and wrap ``raw``: returns the decompressed stream and the compression name."""
    head = raw.read(8)
    compression = sniff_compression(head)
    replay = io.BufferedReader(Peeked(head, raw), buffer_size=1 << 20)
    return decompressing(replay, compression), compression


def read_fully(stream: IO[bytes], size: int) -> bytes:
    """Up to ``size`` bytes: a decompressing stream may return fewer per call (one decoder
    step), so read until ``size`` or the end."""
    parts: list[bytes] = []
    got = 0
    while got < size:
        part = stream.read(size - got)
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def read_head(raw: IO[bytes], size: int = 65536) -> bytes:
    """Up to ``size`` decompressed bytes from the start of ``raw`` (for content sniffing)."""
    stream, _ = open_bytes(raw)
    try:
        return read_fully(stream, size)
    except (OSError, EOFError, lzma.LZMAError, UnsupportedCompression):
        return b""

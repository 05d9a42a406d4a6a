"""Tarballs read in one streaming pass, never extracted, and read up to any damage.

The archive's compression (gzip, bzip2, xz, zstd) is undone by :mod:`.readers`, so a damaged
or truncated tarball yields every byte before the damage; tarfile only parses the headers.
A member's data is read straight from the stream (tarfile's own member reader drops the
whole last read when the data ends early), so the member the damage falls in is used up to
the damage, as GNU tar recovers it, and the damage is a warning.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from typing import IO, Any

from loganalyzer.logs.ingest.readers import (
    READ_ERRORS,
    Truncated,
    describe_read_error,
    open_bytes,
)


class _Salvaging(io.RawIOBase):
    """The decompressed archive for tarfile: damage reads as the end of the data (tarfile
    would drop what it had gathered), and is kept in ``problem`` for the warning."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.problem: str | None = None
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    # io hands readinto a bytearray or memoryview (sliced below); typeshed's wider
    # WriteableBuffer has no slice assignment
    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.problem is not None:
            return 0
        try:
            # open_bytes' streams are all buffered (read1); IO[bytes] does not declare it
            data = self._stream.read1(len(buffer))  # type: ignore[attr-defined]
        except READ_ERRORS as exc:
            self.problem = describe_read_error(exc)
            return 0
        n = len(data)
        buffer[:n] = data
        self.read_bytes += n
        return n


class _MemberData(io.RawIOBase):
    """The data of the current member, read from the archive's stream; when the archive ends
    before the member does, every byte there was is returned, then EOFError."""

    def __init__(self, stream: Any, size: int) -> None:
        self._stream = stream  # tarfile's stream, positioned at the member's data
        self._left = size

    def readable(self) -> bool:
        return True

    # io hands readinto a bytearray or memoryview (sliced below); typeshed's wider
    # WriteableBuffer has no slice assignment
    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._left <= 0:
            return 0
        data = self._stream.read(min(len(buffer), self._left))
        if not data:
            self._left = 0
            raise Truncated("the archive ends inside this member: truncated archive")
        n = len(data)
        buffer[:n] = data
        self._left -= n
        return n


class Archive:
    """A tarball's members in order: ``for member in archive`` then :meth:`open` for the
    data of the current one. ``problem`` says why the archive ended early, if it did."""

    def __init__(self, path: str) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
        try:
            stream, _ = open_bytes(self._file)
            self._salvaging = _Salvaging(stream)
            self._tar = tarfile.open(  # noqa: SIM115 - closed by close()
                fileobj=io.BufferedReader(self._salvaging, 1 << 20), mode="r|")
        except BaseException:
            self._file.close()
            raise

    def __iter__(self) -> Iterator[tarfile.TarInfo]:
        return iter(self._tar)

    def open(self, member: tarfile.TarInfo) -> IO[bytes] | None:
        """The data of ``member`` (the one the iteration is at); None if it holds none."""
        stream = self._tar.fileobj
        if member.isfile() and not member.issparse() and stream is not None \
                and stream.tell() == member.offset_data:
            return io.BufferedReader(_MemberData(stream, member.size), 1 << 20)
        return self._tar.extractfile(member)

    @property
    def problem(self) -> str | None:
        """Why the archive's data ended early (truncated, corrupt), or None."""
        return self._salvaging.problem

    @property
    def read_bytes(self) -> int:
        """Uncompressed bytes of the archive read so far."""
        return self._salvaging.read_bytes

    def close(self) -> None:
        self._tar.close()
        self._file.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

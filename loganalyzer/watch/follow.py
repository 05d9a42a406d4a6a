"""Following log files as they grow, rotate and get compressed: byte offsets, file
identities and the state that lets a restart resume where the last run stopped.

A followed file is known by its identity (device and inode) and by a fingerprint of its
first bytes (a hash of up to ``HEAD_BYTES``), never by its name alone, because logrotate
moves names around:

- rotation by rename (``nova-compute.log`` → ``.1``, a new ``nova-compute.log``): the old
  identity is found again under its new name (or, when only a single file was given, through
  the descriptor kept open for it) and read to its end before the new file is read from 0;
- ``copytruncate``: the rotated copy (a new identity whose first bytes are the followed
  file's) supplies the lines between the last read and the copy; the truncated file is then
  read from 0 (a shorter file, or one whose first bytes changed, was truncated);
- ``.1`` compressed later (``.1.gz``): a compressed file whose decompressed first bytes are a
  known file's is that file; only the part past the recorded offset is read.

Only complete lines are consumed: the bytes after the last newline wait for the next poll.
"""

from __future__ import annotations

import glob
import hashlib
import os
import stat
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import IO, Any

from loganalyzer.logs.ingest.discover import Input, order_inputs, plan_inputs
from loganalyzer.logs.ingest.readers import (
    READ_ERRORS,
    describe_read_error,
    file_compression,
    open_bytes,
    read_fully,
)

HEAD_BYTES = 1024  # bytes of a file's beginning that identify it
READ_LIMIT = 16 << 20  # bytes read from one file in one poll (the rest waits)
RETIRED_KEPT = 64  # identities of files gone or rotated away, kept to recognise copies
DRAIN_POLLS = 30  # polls a file renamed out of sight is still read through its descriptor
REPLAN_S = 30.0  # folders planned again at least this often even when none changed


@dataclass
class Tracked:
    """One followed file: where it is, who it is and how far it was read."""

    path: str  # its name when last seen
    dev: int
    ino: int
    offset: int = 0  # bytes consumed: the end of the last complete line read
    lines: int = 0  # lines consumed (the next line's number is lines + 1)
    head: str = ""  # sha1 of its first head_len bytes
    head_len: int = 0
    host: str | None = None
    host_source: str = "unknown"
    year: int | None = None
    compressed: bool = False  # read once, whole (rotated and compressed: it never grows)
    libvirt: str | None = None  # libvirt | domain: a libvirt/QEMU log (watch/libvirt_hold.py)
    retired: bool = False  # no longer under a followed name
    _fd: IO[bytes] | None = field(default=None, repr=False, compare=False)
    _unseen: int = field(default=0, repr=False, compare=False)
    _copy_read: bool = field(default=False, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if not f.name.startswith("_")}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tracked:
        """A followed file from the state; ``TypeError`` when a field has the wrong type."""
        names = {f for f in cls.__dataclass_fields__ if not f.startswith("_")}
        tracked = cls(**{k: v for k, v in data.items() if k in names})
        for name, kinds in _FIELD_TYPES.items():
            value = getattr(tracked, name)
            if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
                raise TypeError(f"{name}: {value!r}")
        return tracked

    @property
    def identity(self) -> tuple[int, int]:
        return (self.dev, self.ino)

    def close(self) -> None:
        if self._fd is not None:
            self._fd.close()
            self._fd = None


_FIELD_TYPES: dict[str, tuple[type, ...]] = {  # what a state file's followed file holds
    "path": (str,), "dev": (int,), "ino": (int,), "offset": (int,), "lines": (int,),
    "head": (str,), "head_len": (int,), "host": (str, type(None)), "host_source": (str,),
    "year": (int, type(None)), "compressed": (bool,), "libvirt": (str, type(None)),
    "retired": (bool,)}


@dataclass
class Chunk:
    """Complete lines read from one file: their bytes and the number of the first one."""

    tracked: Tracked
    data: bytes
    first_line: int  # lines before ``data`` in its file


def _digest(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def _matches(head: bytes, tracked: Tracked) -> bool:
    """Whether ``head`` (a file's first bytes) begins as ``tracked`` did."""
    return tracked.head_len > 0 and len(head) >= tracked.head_len and \
        _digest(head[:tracked.head_len]) == tracked.head


class Follower:
    """The files under the given paths, polled for new complete lines.

    ``start_at`` says where files present at the first start (no state) begin: ``end``
    (like ``tail -F``: only lines written from now on) or ``beginning``. Files that appear
    later are read from their first line.
    """

    def __init__(self, paths: Sequence[str], hosts: dict[str, str] | None = None,
                 start_at: str = "end") -> None:
        self.paths = list(paths)
        self.hosts = dict(hosts or {})
        self.start_at = start_at
        self.files: dict[tuple[int, int], Tracked] = {}
        self.retired: list[Tracked] = []
        self.first_poll = True
        self._resuming = False
        self._planned: tuple[Any, float, list[Input]] | None = None  # (tree, when, inputs)
        self.warnings: list[str] = []  # said once each, drained by the caller
        self._said: set[str] = set()
        self._libvirt: set[str | None] = set()  # paths of libvirt/QEMU logs (planned apart)

    # --- state ---------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {"files": [t.to_json() for t in self.files.values()],
                "retired": [t.to_json() for t in self.retired[-RETIRED_KEPT:]]}

    def restore(self, data: dict[str, Any]) -> None:
        """Resume from a saved state: every file is looked for again by identity and
        fingerprint on the next poll (renamed, compressed or gone while nothing ran)."""
        self.first_poll = False
        self._resuming = True
        self.files = {}
        self.retired = [Tracked.from_json(d) for d in data.get("retired", [])]
        for item in data.get("files", []):
            tracked = Tracked.from_json(item)
            tracked.retired = True  # until found again on the next poll
            self.retired.append(tracked)

    @property
    def watched(self) -> int:
        return sum(1 for t in self.files.values() if not t.compressed)

    def close(self) -> None:
        for tracked in [*self.files.values(), *self.retired]:
            tracked.close()

    # --- polling -------------------------------------------------------------------------

    def poll(self) -> Iterator[Chunk]:
        """New complete lines of every file, oldest file of a rotated set first."""
        inputs = self._inputs()
        if self._resuming:
            self._resuming = False
            yield from self._resume_moved(inputs)
        found: list[tuple[Input, os.stat_result]] = []
        for item in inputs:
            try:
                st = os.stat(item.path or "")
            except OSError:
                continue  # gone between listing and stat: the next poll sees it
            if stat.S_ISREG(st.st_mode):
                found.append((item, st))
        seen = {(st.st_dev, st.st_ino) for _, st in found}
        tracked: Tracked | None
        for identity, tracked in list(self.files.items()):
            if identity in seen:
                continue
            # renamed out of the followed names, or deleted: drained through its descriptor
            # (before the file that took its name) for a while, as the writer may still be
            # writing to it, then retired
            if tracked._fd is not None:
                yield from self._read_plain(tracked, reopen=False)
            tracked._unseen += 1
            if tracked._fd is None or tracked._unseen > DRAIN_POLLS:
                tracked.close()
                tracked.retired = True
                del self.files[identity]
                self.retired.append(tracked)
        for item, st in found:
            assert item.path is not None
            identity = (st.st_dev, st.st_ino)
            tracked = self.files.get(identity)
            if tracked is not None and tracked.head_len and not tracked.compressed:
                head = _head(item.path, tracked.head_len)
                if head is not None and not _matches(head, tracked):
                    # same inode, other first bytes: truncated and written again (or reused)
                    yield from self._truncated(tracked, item, inputs)
            if tracked is None:
                tracked = yield from self._found(item, st, inputs)
                if tracked is None:
                    continue
            tracked.path = item.path
            tracked._unseen = 0
            if tracked.compressed:
                continue
            if st.st_size < tracked.offset:
                yield from self._truncated(tracked, item, inputs)
            yield from self._read_plain(tracked)
        self.retired = self.retired[-RETIRED_KEPT:]
        self.first_poll = False

    def _inputs(self) -> list[Input]:
        """The files to follow, oldest of a rotated set first. The folders are planned
        again (names matched, unknown files sniffed) only when one of them changed (a file
        created, renamed or removed changes its folder's mtime), or every ``REPLAN_S``."""
        signature = _tree_signature(self.paths)
        now = time.monotonic()
        # a folder changed in the last 2 s may change again within its mtime's resolution
        racy = time.time_ns() - 2_000_000_000
        if self._planned is not None and signature == self._planned[0] and \
                now - self._planned[1] < REPLAN_S and \
                not any(len(entry) == 2 and entry[1] is not None and entry[1] > racy
                        for entry in signature):
            return self._planned[2]
        plan = plan_inputs(self.paths, self.hosts)
        for warning in plan.warnings:
            self._warn(warning)
        for archive in plan.archives:
            self._warn(f"{archive}: archives are not followed (use `migrations` for them)")
        if plan.stdin is not None:
            self._warn("-: stdin is not followed by watch; give files or folders")
        inputs = [i for i in order_inputs(plan.files) if i.path is not None]
        libvirt = [i for i in order_inputs(plan.libvirt) if i.path is not None]
        self._libvirt = {i.path for i in libvirt}
        inputs += libvirt
        self._planned = (signature, now, inputs)
        return inputs

    def _found(self, item: Input, st: os.stat_result, inputs: list[Input]
               ) -> Generator[Chunk, None, Tracked | None]:
        """A file not followed yet: a known file under a new name or compressed, a
        rotated copy, or a new file; returns its record (None: unreadable)."""
        assert item.path is not None
        identity = (st.st_dev, st.st_ino)
        head = _head(item.path, HEAD_BYTES, decompress=True)
        if head is None:
            return None
        compression = file_compression(item.path)
        for old in self.retired:
            if old.identity == identity and not compression and (not old.head_len or
                                                                 _matches(head, old)):
                self.retired.remove(old)  # the same file, found again (a restart)
                old.retired = False
                old.path = item.path
                self.files[identity] = old
                if st.st_size < old.offset:
                    yield from self._truncated(old, item, inputs)
                return old
        known = [t for t in [*self.files.values(), *self.retired] if _matches(head, t)]
        tracked = Tracked(item.path, st.st_dev, st.st_ino, host=item.host,
                          host_source=item.host_source, year=item.year,
                          compressed=compression is not None)
        if item.path in self._libvirt:
            from loganalyzer.logs.libvirt.read import input_host, input_kind

            tracked.libvirt = input_kind(item)
            tracked.host, tracked.host_source = input_host(item)
        self.files[identity] = tracked
        if known:
            # a copy of a followed file (copytruncate, or .1 compressed): read what that
            # file's record has not, then this copy counts as read to its end
            source = max(known, key=lambda t: t.offset)
            tracked.host, tracked.host_source, tracked.year = (source.host, source.host_source,
                                                               source.year)
            tracked.head, tracked.head_len = source.head, source.head_len
            yield from self._read_copy(tracked, source)
            return tracked
        if self.first_poll and self.start_at == "end":
            if compression:
                self._fingerprint(tracked, HEAD_BYTES)
            else:
                self._skip_to_end(tracked)
            return tracked
        if compression:
            yield from self._read_whole(tracked)
            return tracked
        return tracked

    def _resume_moved(self, inputs: list[Input]) -> Iterator[Chunk]:
        """After a restart: a file that was being followed and is no longer under a
        followed name (renamed beside it, or renamed and compressed while nothing ran) is
        found by identity or fingerprint and read from its offset to its end."""
        here = set()
        for item in inputs:
            try:
                st = os.stat(item.path or "")
            except OSError:
                continue
            here.add((st.st_dev, st.st_ino))
        for old in [t for t in self.retired if t.retired and not t.compressed]:
            if old.identity in here:
                continue  # still followed under some name: the poll resumes it
            for sibling in _siblings(old.path, inputs):
                try:
                    st = os.stat(sibling)
                except OSError:
                    continue
                plain = file_compression(sibling) is None
                if plain and (st.st_dev, st.st_ino) != old.identity:
                    continue
                head = _head(sibling, HEAD_BYTES, decompress=True)
                if head is None or (old.head_len and not _matches(head, old)):
                    continue
                copy = Tracked(sibling, st.st_dev, st.st_ino, host=old.host,
                               host_source=old.host_source, year=old.year,
                               head=old.head, head_len=old.head_len)
                yield from self._read_copy(copy, old)
                if not plain or (st.st_dev, st.st_ino) not in here:
                    self.retired.append(copy)
                break
            else:
                self._warn(f"{old.path}: followed before the restart but no longer found "
                           f"(nor a rotated copy): lines after byte {old.offset} may be "
                           "missed")
            old.compressed = True  # dealt with: not looked for again

    def _truncated(self, tracked: Tracked, item: Input, inputs: list[Input]
                   ) -> Iterator[Chunk]:
        """``tracked`` was truncated in place (copytruncate): its rotated copy, if one is
        there, holds the lines between the last read and the copy (it may have been read
        already this poll, found as a new file before this one)."""
        for sibling in ([] if tracked._copy_read else _siblings(tracked.path, inputs)):
            try:
                st = os.stat(sibling)
            except OSError:
                continue
            if (st.st_dev, st.st_ino) in self.files or (st.st_dev, st.st_ino) == \
                    tracked.identity:
                continue
            head = _head(sibling, HEAD_BYTES, decompress=True)
            if head is None or not _matches(head, tracked):
                continue
            copy = Tracked(sibling, st.st_dev, st.st_ino, host=tracked.host,
                           host_source=tracked.host_source, year=tracked.year,
                           compressed=file_compression(sibling) is not None,
                           head=tracked.head, head_len=tracked.head_len)
            self.files[copy.identity] = copy
            yield from self._read_copy(copy, tracked)
            break
        else:
            if not tracked._copy_read and tracked.offset:
                self._warn(f"{tracked.path}: truncated at byte {tracked.offset} and no rotated "
                           "copy of it was found: lines written just before the truncation "
                           "may be missed")
        tracked.close()
        tracked._copy_read = False
        tracked.offset = tracked.lines = tracked.head_len = 0
        tracked.head = ""
        tracked.path = item.path or tracked.path

    def _read_copy(self, copy: Tracked, source: Tracked) -> Iterator[Chunk]:
        """Read ``copy`` (the same bytes as ``source`` began with) from ``source``'s offset
        to its end; both then count as read that far."""
        data = _read_range(copy.path, source.offset, self._warn)
        cut = data.rfind(b"\n") + 1
        data = data[:cut]
        if data:
            yield Chunk(source, data, source.lines)
        source.offset += len(data)
        source.lines += data.count(b"\n")
        copy.offset, copy.lines = source.offset, source.lines
        source._copy_read = True
        copy.compressed = True  # a rotated copy does not grow: never read again

    def _skip_to_end(self, tracked: Tracked) -> None:
        """Start at the end of a file present at the first start (``--start-at end``):
        its lines are counted for line numbers, not analysed."""
        try:
            with open(tracked.path, "rb") as raw:
                stream, _ = open_bytes(raw)
                lines = size = 0
                last = b""
                while block := stream.read(1 << 20):
                    lines += block.count(b"\n")
                    size += len(block)
                    last = block
        except READ_ERRORS as exc:
            self._warn(f"{tracked.path}: cannot read: {exc}")
            return
        # only whole lines: a line still being written is read on the next poll
        tail = len(last) - (last.rfind(b"\n") + 1) if last else 0
        tracked.offset, tracked.lines = size - tail, lines
        self._fingerprint(tracked)

    def _read_whole(self, tracked: Tracked) -> Iterator[Chunk]:
        data = _read_range(tracked.path, 0, self._warn)
        if data and not data.endswith(b"\n"):
            data += b"\n"
        if data:
            yield Chunk(tracked, data, 0)
        tracked.offset, tracked.lines = len(data), data.count(b"\n")

    def _read_plain(self, tracked: Tracked, reopen: bool = True) -> Iterator[Chunk]:
        """New complete lines of a plain file from its offset (at most ``READ_LIMIT``)."""
        if tracked._fd is None:
            if not reopen:
                return
            try:
                tracked._fd = open(tracked.path, "rb")  # noqa: SIM115 - kept for rotation
            except OSError as exc:
                self._warn(f"{tracked.path}: cannot read: {exc.strerror}")
                return
        try:
            tracked._fd.seek(tracked.offset)
            data = tracked._fd.read(READ_LIMIT)
        except OSError as exc:
            self._warn(f"{tracked.path}: cannot read: {exc.strerror}")
            tracked.close()
            return
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            return
        data = data[:cut]
        first = tracked.lines
        tracked.offset += len(data)
        tracked.lines += data.count(b"\n")
        if tracked.head_len < HEAD_BYTES:
            self._fingerprint(tracked)
        yield Chunk(tracked, data, first)

    def _fingerprint(self, tracked: Tracked, size: int | None = None) -> None:
        """Hash the file's first bytes: through its open descriptor when it has one (its
        name may already belong to the file that replaced it)."""
        size = min(HEAD_BYTES, tracked.offset) if size is None else size
        if tracked._fd is not None:
            try:
                head: bytes | None = os.pread(tracked._fd.fileno(), size, 0)
            except OSError:
                head = None
        else:
            head = _head(tracked.path, size, decompress=True)
        if head:
            tracked.head, tracked.head_len = _digest(head), len(head)

    def _warn(self, text: str) -> None:
        if text not in self._said:
            self._said.add(text)
            self.warnings.append(text)


def _tree_signature(paths: Sequence[str]) -> tuple[Any, ...]:
    """Each followed folder's (and subfolder's) ``(path, mtime)`` and each followed file's
    ``(path, None, inode)``: what changes when a file appears, is rotated or goes."""
    out: list[Any] = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            out.append((path, None))
            continue
        if not stat.S_ISDIR(st.st_mode):
            out.append((path, None, st.st_ino))
            continue
        for folder, _, _ in os.walk(path):
            try:
                out.append((folder, os.stat(folder).st_mtime_ns))
            except OSError:
                out.append((folder, None))
    return tuple(out)


def _head(path: str, size: int, decompress: bool = False) -> bytes | None:
    """The first ``size`` bytes of a file (decompressed when asked and compressed)."""
    try:
        with open(path, "rb") as raw:
            if not decompress:
                return raw.read(size)
            stream, _ = open_bytes(raw)
            return read_fully(stream, size)
    except READ_ERRORS:
        return None


def _read_range(path: str, start: int, warn: Any) -> bytes:
    """The (decompressed) bytes of ``path`` from ``start`` to its end; a damaged end is a
    warning and what came before it is returned."""
    pieces: list[bytes] = []
    try:
        with open(path, "rb") as raw:
            stream, compression = open_bytes(raw)
            if compression is None:
                raw.seek(start)
                return raw.read()
            skip = start
            while skip:
                got = stream.read(min(skip, 1 << 20))
                if not got:
                    break
                skip -= len(got)
            while True:
                try:
                    block = stream.read(1 << 20)
                except READ_ERRORS as exc:
                    warn(f"{path}: unreadable after {start + sum(map(len, pieces))} bytes "
                         f"({describe_read_error(exc)}); everything before that was read")
                    break
                if not block:
                    break
                pieces.append(block)
    except READ_ERRORS as exc:
        warn(f"{path}: cannot read: {exc}")
    return b"".join(pieces)


def _siblings(path: str, inputs: list[Input]) -> list[str]:
    """Where a rotated copy of ``path`` can be: the followed files beside it and the names
    logrotate gives (``path.1``, ``path.1.gz``, ``path-20240501``…)."""
    found = {i.path for i in inputs if i.path and i.path != path
             and os.path.dirname(i.path) == os.path.dirname(path)}
    found.update(p for p in glob.glob(glob.escape(path) + ".*") + glob.glob(
        glob.escape(path) + "-*") if os.path.isfile(p))
    found.discard(path)
    return sorted(found, key=lambda p: (len(p), p))

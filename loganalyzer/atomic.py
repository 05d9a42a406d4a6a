"""Files written whole or not at all: every output goes to a temporary file beside its target
and is renamed onto it only once complete, so a failed or interrupted write (full disk,
Ctrl-C, SIGTERM, SIGKILL) leaves whatever was at the target as it was, and no path the user
named is ever removed (a SIGKILL may leave the hidden ``.NAME.XXXXXXXX.tmp`` beside it).

A target that is not a regular file is never replaced: a folder is refused; a character
device, FIFO or socket (``/dev/null``, a named pipe) is written into directly when the caller
can stream (text) and refused otherwise (Parquet). A symlink is followed: the file it points
to is replaced and the link stays. ``-`` and ``/dev/stdout`` (``/dev/fd/1``,
``/proc/self/fd/1``) mean the standard output stream: written to, never renamed over.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import IO, Any

STDOUT_NAMES = frozenset({"-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"})
TEMP_SUFFIX = ".tmp"


class TargetError(OSError):
    """A target that cannot be replaced (a folder; a device where a regular file is needed).
    ``strerror`` says what it is."""


def is_stdout(path: str | None) -> bool:
    """Whether ``path`` names the standard output stream rather than a file."""
    return path is None or path in STDOUT_NAMES


def kind_of(mode: int) -> str:
    """What a ``st_mode`` is, in words."""
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISREG, "a regular file")):
        if test(mode):
            return name
    return "not a regular file"


def resolve(path: str, streamable: bool) -> tuple[str, bool]:
    """(the path to write, whether to replace it by a rename). Symlinks are followed; a
    regular file or a missing path is replaced; a device, FIFO or socket is written into
    when ``streamable``; anything else raises :class:`TargetError`."""
    real = os.path.realpath(path)
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        return real, True
    if stat.S_ISREG(mode):
        return real, True
    if stat.S_ISDIR(mode) or not streamable:
        what = kind_of(mode)
        if real != os.path.abspath(path):
            what += f" (the link leads to {real})"
        if stat.S_ISDIR(mode):
            raise TargetError(errno.EISDIR, f"it is {what}")
        raise TargetError(errno.EINVAL, f"it is {what}; this format is written to a regular "
                                        "file, or to stdout with -o -")
    return real, False


@contextmanager
def replacing(path: str, binary: bool = False, streamable: bool = True, durable: bool = True,
              make_folder: bool = False) -> Iterator[IO[Any]]:
    """A handle whose contents replace ``path`` when the block ends without an exception;
    on any exception (KeyboardInterrupt too) the temporary file is removed and the target is
    untouched. ``durable``: fsync before the rename. Raises OSError (:class:`TargetError`
    for a target that cannot be replaced)."""
    real, by_rename = resolve(path, streamable)
    mode = "wb" if binary else "w"
    encoding = None if binary else "utf-8"
    if not by_rename:
        with open(real, mode, encoding=encoding) as fh:
            yield fh
        return
    folder = os.path.dirname(real)
    if make_folder and folder:
        os.makedirs(folder, exist_ok=True)
    temp = os.path.join(folder, f".{os.path.basename(real)}.{os.urandom(4).hex()}{TEMP_SUFFIX}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        _keep_owner_and_mode(fd, real)
        with open(fd, mode, encoding=encoding) as fh:
            yield fh
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(temp, real)
    except BaseException:
        with suppress(OSError):
            os.unlink(temp)
        raise


def _keep_owner_and_mode(fd: int, real: str) -> None:
    """A replaced file keeps its permission bits and, where we may set it, its owner."""
    try:
        before = os.stat(real)
    except OSError:
        return
    os.fchmod(fd, stat.S_IMODE(before.st_mode))
    with suppress(OSError):  # not root: the file becomes ours, as a fresh write makes it
        os.fchown(fd, before.st_uid, before.st_gid)


def write_bytes(path: str, data: bytes, durable: bool = True, make_folder: bool = False
                ) -> None:
    """``data`` as the whole content of the regular file ``path``, atomically."""
    with replacing(path, binary=True, streamable=False, durable=durable,
                   make_folder=make_folder) as fh:
        fh.write(data)


def write_text(path: str, text: str, durable: bool = True, make_folder: bool = False) -> None:
    """``text`` (UTF-8) as the whole content of ``path``, atomically."""
    with replacing(path, durable=durable, make_folder=make_folder) as fh:
        fh.write(text)

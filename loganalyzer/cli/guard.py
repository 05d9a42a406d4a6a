"""A command stopped from outside, or whose output cannot be written, ends with one line on
stderr and a documented exit code, never a traceback: Ctrl-C (SIGINT) exits 130 and SIGTERM
143 (128 + the signal), after the workers of a process pool are gone and any output file
being written is removed unfinished (the previous one stays); a full disk or an I/O error on
stdout exits 2."""

from __future__ import annotations

import errno
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer

from loganalyzer.errors import EXIT_USAGE

# errors only a write gives (a closed pipe, EPIPE, is the SIGPIPE rule's); EIO, which a read
# can give too, counts only when flushing stdout
WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


class Stopped(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so that it unwinds as for Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _stop(signum: int, frame: Any) -> None:
    raise Stopped(signum)


@contextmanager
def guarded() -> Iterator[None]:
    """Run a command: SIGTERM unwinds like Ctrl-C; an interrupt or a failed write to stdout
    becomes ``loganalyzer: ...`` and its exit code."""
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _stop) if main else None
    try:
        try:
            yield
        finally:
            if main:
                signal.signal(signal.SIGTERM, previous or signal.SIG_DFL)
        _flush_stdout()
    except typer.Exit:
        _flush_stdout()
        raise
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        typer.echo(f"loganalyzer: stopped by {signal.Signals(signum).name}", err=True)
        raise typer.Exit(128 + signum) from None
    except OSError as exc:
        if exc.errno not in WRITE_ERRORS:
            raise
        give_up_stdout()
        typer.echo(f"loganalyzer: cannot write the output: {exc.strerror}", err=True)
        raise typer.Exit(EXIT_USAGE) from None


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except OSError as exc:
        if exc.errno not in WRITE_ERRORS | {errno.EIO}:
            raise
        give_up_stdout()
        typer.echo(f"loganalyzer: cannot write to stdout: {exc.strerror}", err=True)
        raise typer.Exit(EXIT_USAGE) from None


def give_up_stdout() -> None:
    """What stdout still buffers goes nowhere (its reader is gone or the disk is full), so
    that the interpreter's last flush at exit does not fail a second time."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (a test runner's stream)

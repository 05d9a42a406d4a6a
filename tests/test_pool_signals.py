"""A pool worker that a signal reaches before its initializer ran ends quietly with
128 + signal (Ctrl-C goes to the whole process group; an interrupted run's stop() sends
SIGTERM to every worker): with the parent's handlers it raised and multiprocessing printed
a traceback beside the one-line message (seen under load in test_interrupts.py)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from loganalyzer.logs.engine import executor


class Raised(BaseException):
    """What the parent's SIGTERM handler raises (as cli.shell's Stopped does)."""


def _raise(signum: int, frame: object) -> None:
    raise Raised(signum)


def _child_status(signum: int) -> int:
    """Fork a child (as a pool forks a worker) that signals itself before anything else."""
    pid = os.fork()
    if pid == 0:  # the child: what the inherited handler does decides the exit status
        try:
            os.kill(os.getpid(), signum)
            time.sleep(5)
            os._exit(0)
        except BaseException:
            os._exit(99)  # it raised: a worker would have printed a traceback
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_worker_forked_inside_a_pool_ends_quietly_on_a_signal(signum: int) -> None:
    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        with executor("process", workers=1):
            assert _child_status(signum) == 128 + signum
        assert signal.getsignal(signal.SIGTERM) is _raise  # restored after the pool
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_the_parent_keeps_its_own_handlers_inside_a_pool() -> None:
    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        with pytest.raises(Raised), executor("process", workers=1):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        with pytest.raises(KeyboardInterrupt), executor("process", workers=1):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
    finally:
        signal.signal(signal.SIGTERM, previous)

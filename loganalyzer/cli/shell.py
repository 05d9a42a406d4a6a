"""How the command line behaves around the commands, where typer (0.29) would differ: usage
errors as one line (not a box); a closed output pipe ends quietly (exit 0, not 1, the
findings code); Ctrl-C exits 130 and SIGTERM 143 (128 + the signal) with one line, a full
disk or an I/O error on stdout 2; arguments are shown by name (``PATH...``), not by Python
type. Everything else is typer's and click's."""

from __future__ import annotations

import errno
import functools
import inspect
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from typer import _click as click  # the click typer vendors (its exceptions and classes)
from typer._click.exceptions import NoArgsIsHelpError, NoSuchOption, UsageError
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from loganalyzer.cli import values
from loganalyzer.commands import TEXTS
from loganalyzer.errors import EXIT_OK, EXIT_USAGE, InputError
from loganalyzer.output import common

# errors only a write gives (a closed pipe, EPIPE, is the SIGPIPE rule's); EIO, which a read
# can give too, counts only when flushing stdout
WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


class _Argument(TyperArgument):
    """An argument shown by its name alone (``PATH...``), without a Python type."""

    def display_type_rich(self, ctx: click.core.Context) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        if self.nargs != 1 and not name.endswith("..."):
            name += "..."
        return name if self.required else f"[{name}]"


@functools.cache
def shown(name: str) -> str:
    """The help of command ``name`` (its text in :mod:`loganalyzer.commands`) in typer's
    rich markup: the paragraphs, then the examples indented."""
    from rich.markup import escape

    text = TEXTS[name]
    examples = ["  " + escape(e).replace("\n", "\n  ") for e in text.examples]
    return inspect.cleandoc("\n\n".join([
        escape(text.summary), *[escape(text.details)] * bool(text.details),
        *["[b]Examples[/b]", *examples] * bool(examples)]))


class _Shared:
    """What every command and group of the app shares: arguments by name, ``-h/--help``
    without a value word, a closed pipe noticed while writing help, values coerced without
    pydantic where typer's result is certain (:mod:`loganalyzer.cli.values`), and the help
    given as its name in :mod:`loganalyzer.commands`, made when shown (rich is imported for
    help and tables only)."""

    _help: str | None = None

    @property
    def help(self) -> str | None:
        return None if self._help is None else shown(self._help)

    @help.setter
    def help(self, name: str | None) -> None:
        self._help = name

    def format_help(self, ctx: click.core.Context, formatter: Any) -> None:
        from rich.console import Console

        quits = Console.on_broken_pipe  # rich exits 1 (the findings code) on a closed pipe
        Console.on_broken_pipe = _pipe_closed  # type: ignore[method-assign,assignment]
        try:
            super().format_help(ctx, formatter)  # type: ignore[misc]
        finally:
            Console.on_broken_pipe = quits  # type: ignore[method-assign]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:  # type: ignore[attr-defined]
            if isinstance(param, TyperArgument):
                param.__class__ = _Argument
            values.install(param)

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _pipe_watch():
            return super().make_context(*args, **kwargs)  # type: ignore[misc]

    def get_help_option(self: Any, ctx: click.core.Context) -> TyperOption | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.metavar = ""
            values.install(option)
        return option


class Command(_Shared, TyperCommand):
    """A command of the app, run :func:`guarded`."""

    def invoke(self, ctx: click.core.Context) -> Any:
        with _pipe_watch(), guarded():
            return super().invoke(ctx)


class Stopped(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so that it unwinds as for Ctrl-C."""

    signum = signal.SIGTERM


def _stop(signum: int, frame: Any) -> None:
    raise Stopped(signal.Signals(signum).name)


@contextmanager
def guarded() -> Iterator[None]:
    """Run a command: the one place library errors become command-line ones
    (:class:`InputError`: ``loganalyzer: <message>`` and its exit code, 2); SIGTERM unwinds
    like Ctrl-C; an interrupt or a failed write to stdout is told the same way."""
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _stop) if main else None
    try:
        try:
            yield
        finally:
            if main:
                signal.signal(signal.SIGTERM, previous or signal.SIG_DFL)
    except typer.Exit:
        _flush_stdout()
        raise
    except InputError as exc:
        _give_up(str(exc), exc.exit_code, stdout=False)
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        _give_up(f"stopped by {signal.Signals(signum).name}", 128 + signum, stdout=False)
    except OSError as exc:
        if exc.errno not in WRITE_ERRORS:
            raise
        _give_up(f"cannot write the output: {exc.strerror}", EXIT_USAGE)
    _flush_stdout()


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except OSError as exc:
        if exc.errno not in WRITE_ERRORS | {errno.EIO}:
            raise
        _give_up(f"cannot write to stdout: {exc.strerror}", EXIT_USAGE)


def _give_up(message: str, code: int, stdout: bool = True) -> None:
    if stdout:
        give_up_stdout()
    typer.echo(f"loganalyzer: {message}", err=True)
    raise typer.Exit(code)


def give_up_stdout() -> None:
    """What stdout still buffers goes nowhere (its reader is gone or the disk is full), so
    that the interpreter's last flush at exit does not fail a second time."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (a test runner's stream)


class _ClosedPipe(Exception):
    """stdout's reader went away (raised past click, which would exit 1 on EPIPE)."""


@contextmanager
def _pipe_watch() -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        if isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE:
            raise _ClosedPipe from None
        raise


class Group(_Shared, TyperGroup):
    """The app (and the ``cache`` group): usage errors, closed pipes and interrupts are
    handled here, once for every command."""

    def main(self, *args: Any, **extra: Any) -> Any:
        standalone = extra.get("standalone_mode", True)
        extra["standalone_mode"] = False  # click's errors come here, to be told on one line
        if not standalone:
            return super().main(*args, **extra)
        extra["prog_name"] = extra.get("prog_name") or "loganalyzer"
        common.COLOR = None
        common.ON_BROKEN_PIPE = _pipe_closed  # rich would exit 1 (the findings code)
        try:
            with _pipe_watch():
                code = super().main(*args, **extra)
                sys.stdout.flush()  # a closed pipe shows here rather than at exit
        except NoArgsIsHelpError as exc:
            exc.show()
            code = EXIT_USAGE
        except click.ClickException as exc:
            click.echo(f"loganalyzer: {usage_message(exc)}", err=True)
            code = exc.exit_code
        except click.core.Abort:
            code = 130
        except _ClosedPipe:
            give_up_stdout()  # nothing more to say, nor at exit
            code = EXIT_OK  # a reader that stopped reading (``… | head``) is not a failure
        finally:
            common.ON_BROKEN_PIPE = None
        sys.exit(code if isinstance(code, int) else EXIT_OK)


def _pipe_closed(console: Any) -> None:
    """rich's console found stdout's reader gone: let :class:`Group` end quietly."""
    if not console.quiet:
        raise BrokenPipeError(errno.EPIPE, "stdout closed")


def usage_message(exc: click.ClickException) -> str:
    """One line naming the command and the option, and what is wrong: a suggestion where
    click has one (``predict: no such option --downtim (did you mean --downtime?)``), else a
    pointer to ``--help``."""
    text = " ".join(exc.format_message().split())
    if not isinstance(exc, UsageError):
        return text
    path = exc.ctx.command_path if exc.ctx else ""
    where = f"{path.split(' ', 1)[1]}: " if " " in path else ""
    if isinstance(exc, NoSuchOption):
        text = f"no such option {exc.option_name}"
        if exc.possibilities:
            return f"{where}{text} (did you mean {' or '.join(sorted(exc.possibilities))}?)"
    else:
        text = text[:1].lower() + text[1:].rstrip(".")
        text = text.replace("'", "") if text.startswith("no such command") else text
    return f"{where}{text}; see --help"

"""How the command line behaves around the commands, where typer (0.29) would differ: usage
errors as one line (not a box), a closed output pipe ends quietly (not exit 1, the findings
code), ``--color/--no-color`` on every command, and help naming values in words (``MS``,
``PATH``) rather than Python types (``<int>``). Everything else is typer's and click's.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import wraps
from typing import Annotated, Any

import typer
from typer import _click as click  # the click typer vendors (its exceptions and classes)
from typer._click.core import Abort
from typer._click.exceptions import NoArgsIsHelpError, NoSuchOption, UsageError
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from loganalyzer.cli.guard import give_up_stdout, guarded
from loganalyzer.errors import EXIT_OK, EXIT_USAGE, InputError
from loganalyzer.output import common

# The word shown for an option's value, by option; others get their click type's name.
WORDS = {
    "--downtime": "MS", "--steps": "INTEGER", "--delay": "SECONDS",
    "--completion-timeout": "SECONDS", "--memory-mb": "MB", "--data-gb": "GIB",
    "--disk-gb": "GIB", "--config": "PATH", "--config-dir": "PATH", "--output": "PATH",
    "--cache": "PATH", "--since": "TIME", "--until": "TIME", "--start": "TIME",
    "--release": "RELEASE", "--format": "FORMAT", "--host": "HOST", "--instance": "UUID",
    "--kind": "KIND", "--engine": "ENGINE", "--scheduler": "ADDRESS", "--variant": "VARIANT",
    "--python": "2|3", "--timeout-action": "ACTION", "--late-threshold": "SECONDS",
    "--budget": "SECONDS", "--png": "PATH", "--logs": "PATH", "--seed": "INTEGER",
}
SIGPIPE_EXIT = EXIT_OK  # a reader that stopped reading (``… | head``) is not a failure


def _set_color(_ctx: click.core.Context, _param: click.core.Parameter, value: bool | None) -> None:
    if value is not None or common.COLOR is None:
        common.COLOR = value


def _color_option() -> click.core.Parameter:
    """``--color/--no-color`` as typer builds it (so its help renders like the others)."""
    probe = typer.Typer(add_completion=False)

    @probe.command()
    def _probe(color: Annotated[bool | None, typer.Option(
            "--color/--no-color", help="Colour in tables: default on a terminal unless "
            "NO_COLOR is set.", show_default=False)] = None) -> None:
        """Probe."""

    [option] = [p for p in typer.main.get_command(probe).params if p.name == "color"]
    option.expose_value = False
    option.callback = _set_color
    option.metavar = ""
    return option


class _Argument(TyperArgument):
    """An argument shown by its name alone (``PATH...``), without a Python type."""

    def display_type_rich(self, ctx: click.core.Context) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        if self.nargs != 1 and not name.endswith("..."):
            name += "..."
        return name if self.required else f"[{name}]"


def _in_words(params: list[click.core.Parameter]) -> None:
    """Metavars in words for every option and argument of a command."""
    for param in params:
        if isinstance(param, TyperArgument):
            param.__class__ = _Argument
            if param.metavar is None:
                param.metavar = "PATH" if param.name == "paths" else (param.name or "").upper()
        elif isinstance(param, TyperOption) and param.metavar is None:
            if param.is_flag or param.count:
                param.metavar = ""
            else:
                long = next((o for o in param.opts if o.startswith("--")), "")
                param.metavar = WORDS.get(long) or _type_word(param)


def _type_word(param: TyperOption) -> str:
    """INTEGER, NUMBER, TEXT… from the option's annotation (a list: its element's)."""
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    args = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
    while args and not isinstance(annotation, type):
        annotation = args[0]
        args = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
    name = getattr(annotation, "__name__", "")
    return {"int": "INTEGER", "float": "NUMBER", "str": "TEXT", "Path": "PATH",
            "bool": "BOOLEAN"}.get(name, "VALUE")


class _Words:
    """What every command and group of the app shares: help in words, ``--color``."""

    def _prepare(self: Any) -> None:
        _in_words(self.params)
        if not any(p.name == "color" for p in self.params):
            self.params.append(_color_option())

    def get_help_option(self: Any, ctx: click.core.Context) -> TyperOption | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.metavar = ""
        return option


class Command(_Words, TyperCommand):
    """A command of the app; its library errors become CLI errors (:func:`_reporting`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepare()
        if self.callback is not None:
            self.callback = _reporting(self.callback)


def _reporting(func: Callable[..., Any]) -> Callable[..., Any]:
    """The one place library errors become command-line ones: :class:`InputError` turns into
    ``loganalyzer: <message>`` and its exit code (2); interrupts and failed writes to stdout
    are :func:`loganalyzer.cli.guard.guarded`'s."""

    @wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            with guarded():
                return func(*args, **kwargs)
        except InputError as exc:
            typer.echo(f"loganalyzer: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None

    return run


class _ClosedPipe(Exception):
    """stdout's reader went away (raised past typer, which would exit 1 on EPIPE)."""


def _broken_pipe(exc: OSError) -> bool:
    return isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE


@contextmanager
def _pipe_watch() -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        if _broken_pipe(exc):
            raise _ClosedPipe from None
        raise


class Group(_Words, TyperGroup):
    """The app (and the ``cache`` group): usage errors, closed pipes and interrupts are
    handled here, once for every command."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepare()

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _pipe_watch():  # --help into a closed pipe
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _pipe_watch():
            return super().invoke(ctx)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        extra["windows_expand_args"] = windows_expand_args
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        common.COLOR = None
        from rich.console import Console

        quits = Console.on_broken_pipe  # rich exits 1 (the findings code) on a closed pipe
        Console.on_broken_pipe = _pipe_closed  # type: ignore[method-assign,assignment]
        try:
            code = super().main(args, prog_name or "loganalyzer", complete_var, False, **extra)
            _flush()
        except NoArgsIsHelpError as exc:
            exc.show()
            code = EXIT_USAGE
        except UsageError as exc:
            click.echo(f"loganalyzer: {usage_message(exc)}", err=True)
            code = EXIT_USAGE
        except click.ClickException as exc:
            click.echo(f"loganalyzer: {_one_line(exc.format_message())}", err=True)
            code = exc.exit_code
        except Abort:
            code = 130
        except _ClosedPipe:
            code = _closed_pipe()
        except OSError as exc:
            if not _broken_pipe(exc):
                raise
            code = _closed_pipe()
        finally:
            Console.on_broken_pipe = quits  # type: ignore[method-assign]
        sys.exit(code if isinstance(code, int) else EXIT_OK)


def _pipe_closed(console: Any) -> None:
    """rich's console found stdout's reader gone: let :class:`Group` end quietly."""
    if not console.quiet:
        raise BrokenPipeError(errno.EPIPE, "stdout closed")


def _flush() -> None:
    """Flush stdout now, so a closed pipe shows here rather than at interpreter exit."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _closed_pipe()
        raise SystemExit(SIGPIPE_EXIT) from None


def _closed_pipe() -> int:
    give_up_stdout()  # the reader of stdout went away: nothing more to say, nor at exit
    return SIGPIPE_EXIT


def _one_line(text: str) -> str:
    return " ".join(text.split())


def usage_message(exc: UsageError) -> str:
    """One line naming the command and the option, and what is wrong: a suggestion where
    click has one (``predict: no such option --downtim (did you mean --downtime?)``), else a
    pointer to ``--help``."""
    path = exc.ctx.command_path if exc.ctx else ""
    where = f"{path.split(' ', 1)[1]}: " if " " in path else ""
    if isinstance(exc, NoSuchOption) and exc.possibilities:
        return (f"{where}no such option {exc.option_name} "
                f"(did you mean {' or '.join(sorted(exc.possibilities))}?)")
    if isinstance(exc, NoSuchOption):
        text = f"no such option {exc.option_name}"
    else:
        text = _one_line(exc.format_message()).rstrip(".")
        text = text[:1].lower() + text[1:]
        if text.startswith("no such command"):
            text = text.replace("'", "")
    return f"{where}{text}; see --help"

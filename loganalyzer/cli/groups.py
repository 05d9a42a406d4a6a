"""Options as the commands take them: ``@uses(CONFIG, MODEL, …)`` adds the options declared
as data in the library (:class:`loganalyzer.flags.Flag` tuples beside the calls they feed)
to a command's signature, which typer reads, and calls the command with their values by the
library's keyword names: an option not given is left out (the library's default holds), a
value outside its choices is refused, and the ``build`` of :class:`Options` (a library
function) turns their values into the library's parameters."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Annotated, Any

import typer

from loganalyzer import api
from loganalyzer.analysis import flags as analysis_flags
from loganalyzer.config import flags as config_flags
from loganalyzer.flags import COLOR, Flag, checked
from loganalyzer.logs import flags as log_flags
from loganalyzer.output import common


@dataclass(frozen=True)
class Options:
    """Options and the library function making the call's keyword arguments of their values."""

    flags: tuple[Flag, ...]
    build: Callable[..., dict[str, Any]] = dict


CONFIG = Options(config_flags.CONFIGURATION, config_flags.declaration)
READING = Options(log_flags.READING, api.reading_options)
HOSTS = Options((log_flags.HOST,), api.host_options)  # watch: it reads by itself
MODEL, GUEST, SELECTION = config_flags.MODEL, analysis_flags.GUEST, analysis_flags.SELECTION


def uses(*groups: Options | tuple[Flag, ...]) -> Callable[[Callable[..., Any]], Any]:
    """Give a command (or group) the options of ``groups`` (a plain tuple: its own, passed as
    given), and ``--color/--no-color``."""
    parts = [g if isinstance(g, Options) else Options(g) for g in groups]

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(func, eval_str=True)
        own = [p for p in signature.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
        options = [_parameter(flag) for part in parts for flag in part.flags]

        @wraps(func)
        def command(**values: Any) -> Any:
            if (color := values.pop("color")) is not None:  # else the group's, or by terminal
                common.COLOR = color
            given = {p.name: values.pop(p.name) for p in own}
            for part in parts:
                given.update(part.build(**{f.name: values[f.name] for f in part.flags
                                           if values[f.name] is not None}))
            checked(tuple(f for part in parts for f in part.flags), values, sys.stdout.isatty())
            return func(**given)

        new = signature.replace(parameters=[*own, *options, _parameter(COLOR)])
        command.__signature__ = new  # type: ignore[attr-defined]  # read by typer
        command.__annotations__ = {p.name: p.annotation for p in new.parameters.values()}
        return command

    return decorate


def _parameter(flag: Flag) -> inspect.Parameter:
    """The parameter typer reads as ``flag``'s option (an argument when it has no flags)."""
    default = inspect.Parameter.empty if flag.required else flag.default
    if not flag.flags:
        argument = typer.Argument(help=flag.help, show_default=False, metavar=flag.metavar)
        return inspect.Parameter(flag.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                 annotation=Annotated[flag.kind, argument], default=default)
    option = typer.Option(*flag.flags, help=flag.help, rich_help_panel=flag.panel,
                          metavar=flag.word, show_default=flag.default is not None,
                          hidden=flag.hidden)
    return inspect.Parameter(flag.name, inspect.Parameter.KEYWORD_ONLY,
                             annotation=Annotated[flag.kind, option], default=default)


def say(line: str) -> None:
    """A warning or note of the library, on stderr."""
    typer.echo(f"loganalyzer: {line}", err=True)

"""Option groups: the options several commands share, declared once and handed to a command
as one object.

``@uses(CONFIG, MODEL, …)`` adds a group's options to a command's signature (typer reads the
signature) and calls the command with one value per group instead. The options are data in
the library: :class:`loganalyzer.flags.Flag` tuples beside the calls they feed, and the
``[libvirt]`` flags from :data:`loganalyzer.nova.options.OPTIONS` (every option with a
``short`` name becomes ``--short`` with its own help and unit), so a new option is one line
of data, not an edit of every command.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Annotated, Any, TypeVar

import typer

from loganalyzer.analysis import flags as analysis_flags
from loganalyzer.config import flags as config_flags
from loganalyzer.flags import Flag
from loganalyzer.logs import flags as log_flags
from loganalyzer.nova.options import OPTIONS, OptionSpec

F = TypeVar("F", bound=Callable[..., Any])
KEYWORD = inspect.Parameter.KEYWORD_ONLY


@dataclass(frozen=True)
class Group:
    """Options handed to a command as one value: ``param`` names that value, ``build`` makes
    it from the options' values (by parameter name)."""

    param: str
    options: tuple[inspect.Parameter, ...]
    build: Callable[[dict[str, Any]], Any]


def uses(*groups: Group) -> Callable[[F], F]:
    """Give a command the options of ``groups``; it receives one value per group."""

    def decorate(func: F) -> F:
        signature = inspect.signature(func, eval_str=True)
        taken = {g.param for g in groups}
        own = [p for p in signature.parameters.values() if p.name not in taken]
        added = [option for group in groups for option in group.options]

        @wraps(func)
        def command(**values: Any) -> Any:
            for group in groups:
                mine = {o.name: values.pop(o.name) for o in group.options}
                values[group.param] = group.build(mine)
            return func(**values)

        new = signature.replace(parameters=[*own, *added])
        command.__signature__ = new  # type: ignore[attr-defined]  # read by typer
        command.__annotations__ = {p.name: p.annotation for p in new.parameters.values()}
        return command  # type: ignore[return-value]

    return decorate


def _option(name: str, annotation: Any, default: Any = None) -> inspect.Parameter:
    return inspect.Parameter(name, KEYWORD, annotation=annotation, default=default)


def _opts(flags: tuple[Flag, ...]) -> tuple[inspect.Parameter, ...]:
    """Keyword parameters declaring the options ``flags`` describe."""
    return tuple(_option(f.name, Annotated[f.kind, typer.Option(
        *f.flags, help=f.help, rich_help_panel=f.panel, metavar=f.metavar,
        hidden=f.hidden)],
        inspect.Parameter.empty if f.required else f.default) for f in flags)


def flag_group(param: str, flags: tuple[Flag, ...]) -> Group:
    """The options a library call declares (:class:`loganalyzer.flags.Flag`), handed to the
    command as one dict of keyword arguments."""
    return Group(param, _opts(flags), dict)


# --- the configuration: files, folders and the [libvirt] flags ----------------------------

@dataclass(frozen=True)
class Configuration:
    """What the user declared: nova.conf files, conf folders, and flag values by nova's
    option names (``live_migration_downtime``)."""

    files: list[str] = field(default_factory=list)
    dirs: list[str] = field(default_factory=list)
    flags: dict[str, Any] = field(default_factory=dict)

    @property
    def given(self) -> bool:
        return bool(self.files or self.dirs or self.flags)


METAVARS = {"ms": "MS", "s per GiB": "SECONDS", "s": "SECONDS", "MiB/s": "MIB/S"}


def _flag(spec: OptionSpec) -> inspect.Parameter:
    """``--short`` for a nova option: its name and unit as help, ``--x/--no-x`` for a bool."""
    unit = f" ({spec.unit})" if spec.unit else ""
    help_text = f"{spec.name}{unit}."
    if spec.kind == "bool":
        declared: Any = Annotated[bool | None, typer.Option(
            f"--{spec.short}/--no-{spec.short}", help=help_text, show_default=False,
            rich_help_panel="Configuration")]
    else:
        kind = int if spec.kind == "int" else str
        metavar = (spec.short.split("-")[-1].upper() if spec.choices
                   else METAVARS.get(spec.unit, "INTEGER" if kind is int else "TEXT"))
        declared = Annotated[kind | None, typer.Option(
            f"--{spec.short}", help=help_text, rich_help_panel="Configuration",
            metavar=metavar)]
    return _option(spec.short.replace("-", "_"), declared)


FLAGGED = tuple(spec for spec in OPTIONS if spec.short)

CONFIG = Group("configuration", (
    *_opts(config_flags.CONFIGURATION), *(_flag(spec) for spec in FLAGGED),
), lambda v: Configuration(list(v["config"] or []), list(v["config_dir"] or []), {
    spec.name: v[spec.short.replace("-", "_")] for spec in FLAGGED
    if v[spec.short.replace("-", "_")] is not None}))


# --- the nova model: release and Python ------------------------------------------------------

@dataclass(frozen=True)
class Model:
    """The nova release (name, number or series) and the Python it ran on, as given."""

    release: str | None = None
    python: int | None = None


MODEL = Group("model", _opts(config_flags.MODEL), lambda v: Model(v["release"], v["python"]))


# --- reading logs ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Input:
    """How logs are read, the hosts named for paths, and the hosts to keep."""

    reading: Any  # loganalyzer.api.Reading
    hosts: dict[str, str] = field(default_factory=dict)  # PATH -> HOST
    host_filter: list[str] = field(default_factory=list)


def _input(values: dict[str, Any]) -> Input:
    from loganalyzer.api import Reading
    from loganalyzer.logs.read import parse_host_options

    given = values["host"] or []
    reading = Reading(values["engine"], values["scheduler"], values["cache"],
                      progress=not values["quiet"], cache_verify=values["cache_verify"],
                      max_line_bytes=values["max_line_bytes"]) if "engine" in values else Reading()
    return Input(reading, parse_host_options([h for h in given if "=" in h]),
                 [h for h in given if "=" not in h])


HOSTS = Group("source", _opts((log_flags.HOST,)), _input)  # watch: it reads by itself
READING = Group("source", _opts(log_flags.READING), _input)


# --- what the analysis is told, and which migrations to keep --------------------------------

@dataclass(frozen=True)
class Analysis:
    """The guests' size when known, when a step counts as late, and the selection."""

    memory_mb: int | None = None
    disk_gb: list[float] = field(default_factory=list)
    late_threshold_s: float = 10.0
    instance: list[str] = field(default_factory=list)
    since: str | None = None
    until: str | None = None


def _analysis(values: dict[str, Any]) -> Analysis:
    return Analysis(values["memory_mb"], list(values["disk_gb"] or []),
                    values["late_threshold"], list(values.get("instance") or []),
                    values.get("since"), values.get("until"))


GUEST, SELECTION = _opts(analysis_flags.GUEST), _opts(analysis_flags.SELECTION)
ANALYSIS = Group("analysis", (*GUEST, *SELECTION), _analysis)
ANALYSIS_ONE = Group("analysis", GUEST, _analysis)  # show: the instance is its own option

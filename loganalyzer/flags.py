"""A command's options described as data next to the library call they feed: the keyword
argument, its flags, type, default, help and the word help shows for its value. The CLI
builds its options from these (:func:`loganalyzer.cli.groups.uses`), so a new option is one
entry here."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_args

from loganalyzer.atomic import is_stdout
from loganalyzer.errors import InputError

REQUIRED = ...  # the default of an option that must be given
BINARY = ("parquet",)  # formats never written to a terminal
TYPE_WORDS = {int: "INTEGER", float: "NUMBER", str: "TEXT", bool: ""}  # a bool is a switch


@dataclass(frozen=True)
class Flag:
    """One option (without ``flags``: an argument): ``name`` is the library's keyword
    argument, ``kind`` its type as typer reads it (``int | None``, ``list[str] | None``),
    ``choices`` the values it accepts."""

    name: str
    flags: tuple[str, ...]
    kind: Any
    default: Any
    help: str
    panel: str | None = None
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    hidden: bool = False  # accepted, not listed by --help (a compatible spelling)
    positive: bool = False  # a number: above 0 (every number must be finite)
    at_least: float = -math.inf  # a number: its lowest sane value (0: a size that may be none)
    at_most: float = math.inf  # a number: its sane top

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def word(self) -> str:
        """The value's name in help: ``metavar``, else its type's (a list: its element's)."""
        if self.metavar is not None:
            return self.metavar
        kind = self.kind
        while args := [a for a in get_args(kind) if a is not type(None)]:
            kind = args[0]
        return TYPE_WORDS.get(kind, "VALUE")


def number_checked(flag: Flag, value: float) -> None:
    """:class:`InputError` unless a number flag's ``value`` is finite (NaN and infinity pass
    every ``<= 0`` test and break waits, timestamps and nova's arithmetic), above 0 for a
    ``positive`` flag and at most its ``at_most``: ``--poll nan: not a finite number``."""
    name = flag.flags[0] if flag.flags else flag.name
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{name} {value!r}: not a number")
    if not math.isfinite(value):
        raise InputError(f"{name} {value:g}: not a finite number")
    if flag.positive and value <= 0:
        raise InputError(f"{name} {value:g}: must be positive")
    if value < flag.at_least:
        raise InputError(f"{name} {value:g}: must be at least {flag.at_least:g}")
    if value > flag.at_most:
        top = f"{int(flag.at_most):,}" if flag.at_most == int(flag.at_most) else \
            f"{flag.at_most:g}"
        raise InputError(f"{name} {value:g}: at most {top}")


def is_number(flag: Flag) -> bool:
    """Whether ``flag`` takes numbers with a fraction (``float``, ``float | None``,
    ``list[float] | None``)."""
    kinds, found = [flag.kind], False
    while kinds:
        kind = kinds.pop()
        found |= kind is float
        kinds += get_args(kind)
    return found


def checked(flags: tuple[Flag, ...], values: Mapping[str, Any], terminal: bool = False) -> None:
    """:class:`InputError` for a value outside its flag's choices (``--format xml: not one
    of table | json``), a number that is not finite or outside its flag's range
    (:func:`number_checked`), and a binary format bound for stdout on a ``terminal``. The
    command line checks every option with it; the library calls check their numbers."""
    for flag in flags:
        value = values.get(flag.name)
        if flag.choices and value is not None and value not in flag.choices:
            raise InputError(f"{flag.flags[0]} {value}: not one of {' | '.join(flag.choices)}")
        if is_number(flag) and value is not None:
            for number in value if isinstance(value, list | tuple) else [value]:
                number_checked(flag, number)
    if values.get("fmt") in BINARY and terminal and is_stdout(values.get("output")):
        raise InputError(f"--format {values['fmt']} writes binary data: give --output FILE or "
                         "redirect")


def formats(*choices: str, default: str = "table") -> Flag:
    """``--format/-f`` (keyword ``fmt``) with its choices in the help."""
    return Flag("fmt", ("--format", "-f"), str, default, "Output: " + " | ".join(choices) + ".",
                metavar="FORMAT", choices=choices)


OUTPUT = Flag("output", ("--output", "-o"), str | None, None, "Write to this file instead of "
              "stdout (required for parquet on a terminal).", metavar="FILE")
COLOR = Flag("color", ("--color/--no-color",), bool | None, None,
             "Colour in tables: default on a terminal unless NO_COLOR is set.")

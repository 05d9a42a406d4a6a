"""A command's options described as data next to the library call they feed: the keyword
argument, its flags, type, default, help and the word help shows for its value. The CLI
builds its options from these (:func:`loganalyzer.cli.groups.uses`), so a new option is one
entry here."""

from __future__ import annotations

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


def checked(flags: tuple[Flag, ...], values: Mapping[str, Any], terminal: bool = False) -> None:
    """:class:`InputError` for a value outside its flag's choices (``--format xml: not one
    of table | json``), and for a binary format bound for stdout on a ``terminal``."""
    for flag in flags:
        value = values.get(flag.name)
        if flag.choices and value is not None and value not in flag.choices:
            raise InputError(f"{flag.flags[0]} {value}: not one of {' | '.join(flag.choices)}")
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

"""A command's options described as data next to the library call they feed: the keyword
argument, its flags, type, default and help. The CLI builds its options from these
(:func:`loganalyzer.cli.groups.flag_group`), so a new option is one entry here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REQUIRED = ...  # the default of an option that must be given


@dataclass(frozen=True)
class Flag:
    """One option: ``name`` is the library's keyword argument, ``kind`` its type as typer
    reads it (``int | None``, ``list[str] | None``)."""

    name: str
    flags: tuple[str, ...]
    kind: Any
    default: Any
    help: str
    panel: str | None = None
    metavar: str | None = None
    hidden: bool = False  # accepted, not listed by --help (a compatible spelling)

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


def formats(*choices: str, default: str = "table") -> Flag:
    """``--format/-f`` (keyword ``fmt``) with its choices in the help."""
    return Flag("fmt", ("--format", "-f"), str, default, "Output: " + " | ".join(choices) + ".")


OUTPUT = Flag("output", ("--output", "-o"), str | None, None, "Write to this file instead of "
              "stdout (required for parquet on a terminal).", metavar="FILE")

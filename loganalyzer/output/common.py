"""Helpers every renderer shares: a rich console on a stream, JSON and CSV writers, and
where output goes (stdout, or a file replaced whole: :mod:`loganalyzer.atomic`)."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

COLOR: bool | None = None  # --color / --no-color; None: on a terminal unless NO_COLOR is set
# what a console does when its reader has gone (rich's ``Console.on_broken_pipe``, given the
# console): the command line's (cli/shell.py), else rich's own (exit 1)
ON_BROKEN_PIPE: Callable[[Any], None] | None = None


def colour_wanted(is_tty: bool) -> bool:
    """``--color``/``--no-color`` when given, else colour on a terminal unless the
    ``NO_COLOR`` environment variable is set (no-color.org)."""
    if COLOR is not None:
        return COLOR
    return is_tty and not os.environ.get("NO_COLOR")


def console(stream: IO[str]) -> Console:
    """A rich console on ``stream``: colour as :func:`colour_wanted` says; the terminal's
    width, or ``COLUMNS``, else 160 columns when writing to a file or pipe. Markup is off:
    text from configs and logs is printed as it is."""
    from rich.console import Console

    is_tty = hasattr(stream, "isatty") and stream.isatty()
    colour = colour_wanted(is_tty)
    columns = os.environ.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() and int(columns) > 0 else None if is_tty else 160
    out = Console(file=stream, width=width, highlight=False, markup=False, soft_wrap=False,
                  no_color=not colour, color_system=("standard" if not is_tty else "auto")
                  if colour else None, force_terminal=True if colour and not is_tty else None)
    if ON_BROKEN_PIPE is not None:
        out.on_broken_pipe = functools.partial(ON_BROKEN_PIPE, out)  # type: ignore[method-assign]
    return out


LONG_LIST = 100  # elements: a document with a longer list is written one element a line


def write_json(data: Any, stream: IO[str]) -> None:
    """``data`` as JSON indented by 2; a document with a long list (a large ``migrations``
    run) instead has a key a line and each list element on one compact line, because
    Python's indenting encoder is pure Python and was the slowest step of a large run (the
    C encoder writes each element, and elements stream out one at a time)."""
    values = data.values() if isinstance(data, dict) else [data]
    if not any(isinstance(v, list) and len(v) > LONG_LIST for v in values):
        stream.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
        return

    dump = json.JSONEncoder(ensure_ascii=False, default=str).encode  # json.dumps's, made once

    def write(value: Any) -> None:
        if not isinstance(value, list) or not value:
            stream.write(dump(value))
            return
        stream.write("[\n")
        for index, item in enumerate(value):
            stream.write(("  " if index == 0 else ",\n  ") + dump(item))
        stream.write("\n]")

    if isinstance(data, dict):
        stream.write("{\n")
        for index, (key, value) in enumerate(data.items()):
            stream.write(("" if index == 0 else ",\n") + dump(str(key)) + ": ")
            write(value)
        stream.write("\n}\n")
    else:
        write(data)
        stream.write("\n")


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], stream: IO[str]) -> None:
    import csv

    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])


@contextmanager
def output_file(path: str | None, binary: bool = False, option: str = "--output",
                make_folder: bool = False) -> Iterator[IO[Any]]:
    """Where a command writes: stdout for None, ``-`` or ``/dev/stdout``; else a temporary
    file renamed onto ``path`` once complete, so a failed write (full disk, missing or
    read-only folder, interrupt) leaves ``path`` as it was. Binary output (Parquet) is
    refused for a target that is not a regular file; text may go into a device or FIFO.
    Every failure is an :class:`InputError` naming ``option`` and ``path``."""
    from loganalyzer.atomic import is_stdout, replacing
    from loganalyzer.errors import InputError

    if is_stdout(path):
        yield sys.stdout.buffer if binary else sys.stdout
        return
    assert path is not None
    try:
        with replacing(path, binary=binary, streamable=not binary,
                       make_folder=make_folder) as fh:
            yield fh
    except OSError as exc:
        raise InputError(f"{option} {path}: cannot write: {exc.strerror or exc}") from None

"""Helpers every renderer shares: a rich console on a stream, JSON and CSV writers."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import IO, Any

from rich.console import Console


def console(stream: IO[str]) -> Console:
    """A rich console on ``stream``: colour only on a terminal, 160 columns when writing to
    a file or pipe. Markup is off: text from configs and logs is printed as it is."""
    is_tty = hasattr(stream, "isatty") and stream.isatty()
    return Console(file=stream, width=None if is_tty else 160, highlight=False, markup=False,
                   soft_wrap=False, no_color=not is_tty)


def write_json(data: Any, stream: IO[str]) -> None:
    json.dump(data, stream, indent=2, ensure_ascii=False, default=str)
    stream.write("\n")


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], stream: IO[str]) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])

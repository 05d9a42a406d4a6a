"""``cache info``: the files a cache holds, as a table or JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import IO, Any

from loganalyzer.output.common import console, write_json


def info(entries: Sequence[Mapping[str, Any]], cache: str, fmt: str, stream: IO[str]) -> None:
    if fmt == "json":
        write_json(entries, stream)
        return
    out = console(stream)
    for entry in entries:
        out.print(f"{entry['path']}: {entry['bytes_scanned']} bytes, {entry['lines']} lines, "
                  f"{entry['events']} events ({entry['cache_bytes']} bytes cached)")
    out.print(f"{len(entries)} file(s) in {cache}")

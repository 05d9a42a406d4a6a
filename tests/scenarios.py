"""Scenario logs for the migration analysis, narrated by the project's own nova replay so
that they stay exact, and read back through the real scanner."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime

from loganalyzer.analysis.migrations import Options, analyse
from loganalyzer.logs import writer as lw
from loganalyzer.logs.read import EventSet, gather
from loganalyzer.logs.scan import Origin, scan_stream
from loganalyzer.nova.releases import parse_release
from loganalyzer.nova.settings import Settings
from loganalyzer.simulate.narrate import Narration, Script, iterations, narrate

T0 = datetime(2024, 5, 1, 12, 0, 0)
VM1 = "7b7edae6-f878-4756-a858-86f836d02c33"
VM2 = "0f0e0d0c-0b0a-4909-8807-060504030201"


def script(release: str = "ussuri", duration: float = 700.0, converge: float | None = 650.0,
           stalls: dict[float, float] | None = None, **kw) -> Script:
    """A narrator's script; ``downtime=``, ``steps=``, ``completion_timeout=`` … (the fields
    of :class:`Settings`) set the options in force."""
    options = {k: kw.pop(k) for k in [f.name for f in fields(Settings)] if k in kw}
    return Script(parse_release(release).release, kw.pop("start", T0),
                  iterations(duration, stalls), converge, kw.pop("data_gb", 4.0),
                  Settings(**options), **kw)


def lines(records: Iterable[lw.Record], debug: bool = True) -> str:
    return "".join(lw.oslo_line(r) + "\n" for r in records if debug or r.level != "DEBUG")


def host_logs(narrations: Iterable[tuple[Script, Narration]], debug: bool = True,
              extra: dict[str, list[lw.Record]] | None = None) -> dict[str, str]:
    """Each host's log text, records of all migrations merged in time order."""
    per_host: dict[str, list[lw.Record]] = {h: list(r) for h, r in (extra or {}).items()}
    for s, n in narrations:
        per_host.setdefault(s.source_host, []).extend(n.source)
        per_host.setdefault(s.dest_host, []).extend(n.dest)
    return {host: lines(sorted(records, key=lambda r: r.when), debug)
            for host, records in per_host.items()}


def events_of(logs: dict[str, str], fold: bool = True) -> EventSet:
    results = [scan_stream(io.BytesIO(text.encode()), Origin(f"{host}.log", host, "--host"),
                           fold=fold)
               for host, text in logs.items()]
    return gather(results)


def migrations(scripts: Iterable[Script], options: Options | None = None, debug: bool = True,
               extra: dict[str, list[lw.Record]] | None = None,
               only: set[str] | None = None) -> list[dict]:
    narrated = [(s, narrate(s)) for s in scripts]
    logs = host_logs(narrated, debug, extra)
    if only is not None:
        logs = {h: t for h, t in logs.items() if h in only}
    return analyse(events_of(logs).records(), options or Options())


def codes(row: dict) -> list[str]:
    return [f["code"] for f in row["findings"]]

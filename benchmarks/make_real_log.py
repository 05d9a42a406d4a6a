"""Write a large nova-compute.log made of a real node's content (used by bench.py).

The body is ``../shared/real_logs/hotsos_ussuri_nova-compute.log.1`` — a real Ussuri compute
node's DEBUG log: start-up config dumps on every restart, periodic tasks, RPC reconnects,
resource-tracker and libvirt noise, tracebacks — repeated with its timestamps moved on so the
copies follow each other in time. Simulated Ussuri live migrations (source-side lines, as
nova writes them at DEBUG) are merged in by time, a few per copy, so the analysis has work to
do. What the prefilter lets through is then what a real node would make it read.

    python benchmarks/make_real_log.py /tmp/real-node.log --size-mb 1024 --migrations 300
"""

from __future__ import annotations

import argparse
import heapq
import os
import random
import re
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) ")
FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def real_body(shared: Path) -> list[tuple[float, str]]:
    """(seconds from the log's first line, text after the timestamp) per line; continuation
    lines (no timestamp of their own) carry their record's offset and an empty stamp."""
    path = shared / "real_logs" / "hotsos_ussuri_nova-compute.log.1"
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    first = None
    body: list[tuple[float, str]] = []
    offset = 0.0
    for line in lines:
        match = STAMP.match(line)
        if match:
            moment = datetime.strptime(match.group(1), FORMAT)
            first = first or moment
            offset = (moment - first).total_seconds()
            body.append((offset, line[match.end():]))
        else:
            body.append((offset, "\0" + line))  # "\0": a continuation line, no stamp
    return body


def _copy(body: list[tuple[float, str]], base: datetime) -> Iterator[tuple[datetime, str]]:
    for offset, text in body:
        when = base + timedelta(seconds=offset)
        if text.startswith("\0"):
            yield when, text[1:]
        else:
            yield when, when.strftime(FORMAT)[:-3] + " " + text


def _migrations(base: datetime, span_s: float, count: int, rng: random.Random
                ) -> list[tuple[datetime, str]]:
    from loganalyzer.logs import writer as lw
    from loganalyzer.nova.releases import parse_release
    from loganalyzer.nova.settings import Settings
    from loganalyzer.simulate.logs import script_for
    from loganalyzer.simulate.model import Guest, simulate
    from loganalyzer.simulate.narrate import narrate

    release = parse_release("ussuri").release
    settings = Settings(downtime=1000, steps=10, delay=30, completion_timeout=200)
    out: list[tuple[datetime, str]] = []
    for _ in range(count):
        guest = Guest(rng.choice((2048, 4096)), dirty_rate_mibs=rng.uniform(20, 400),
                      working_set_mb=rng.randint(128, 1500))
        result = simulate(guest, rng.choice((250.0, 500.0, 1000.0)), settings, release, 3,
                          seed=rng.randrange(1 << 30), max_duration_s=900)
        start = base + timedelta(seconds=rng.uniform(0, max(span_s - 900, 1)))
        script = script_for(result, guest, settings, release, 3, start,
                            source_host="cmp-1", dest_host="cmp-2")
        out.extend((r.when, lw.oslo_line(r)) for r in narrate(script).source)
    out.sort(key=lambda pair: pair[0])
    return out


def write_log(path: str, size_mb: int, migrations: int, shared: Path, seed: int = 0) -> int:
    """Copies of the real body with migrations merged in until ``size_mb``; returns the
    number of migrations written."""
    rng = random.Random(seed)
    body = real_body(shared)
    span = body[-1][0] + 60.0
    copy_bytes = sum(len(text) + 25 for _, text in body)
    copies = max(1, size_mb * 1048576 // copy_bytes)
    per_copy, extra = divmod(migrations, copies)
    base = datetime(2022, 2, 4, 9, 37, 50)
    written = 0
    target = size_mb * 1048576
    with open(path, "w", encoding="utf-8") as fh:
        index = 0
        while fh.tell() < target:
            count = per_copy + (1 if index < extra else 0)
            merged = heapq.merge(_copy(body, base), _migrations(base, span, count, rng),
                                 key=lambda pair: pair[0])
            fh.writelines(text + "\n" for _, text in merged)
            written += count
            base += timedelta(seconds=span)
            index += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--migrations", type=int, default=300)
    parser.add_argument("--shared", default=os.environ.get("LOGANALYZER_SHARED",
                                                           str(REPO.parent / "shared")))
    args = parser.parse_args()
    shared = Path(args.shared)
    if not (shared / "real_logs").is_dir():
        sys.exit(f"{shared}/real_logs not found (set --shared or LOGANALYZER_SHARED)")
    n = write_log(args.path, args.size_mb, args.migrations, shared)
    print(f"{args.path}: {os.path.getsize(args.path) / 1048576:.0f} MB, {n} migrations")


if __name__ == "__main__":
    main()

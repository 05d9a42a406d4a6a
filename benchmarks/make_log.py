"""Write a large nova-compute.log with the simulator: a DEBUG compute node's background lines
at a real node's mix and a few hundred live migrations (used by bench.py)."""

from __future__ import annotations

import argparse
import os
import random
from datetime import timedelta

from loganalyzer.nova.releases import parse_release
from loganalyzer.nova.settings import Settings
from loganalyzer.simulate.fleet import DAY
from loganalyzer.simulate.logs import noise, render, script_for
from loganalyzer.simulate.model import Guest, simulate
from loganalyzer.simulate.narrate import narrate


def write_log(path: str, size_mb: int, migrations: int, seed: int = 0) -> int:
    """Append simulated hours until the file reaches ``size_mb``; returns migrations written."""
    rng = random.Random(seed)
    release = parse_release("2023.1").release
    settings = Settings(downtime=1000, steps=10, delay=30, completion_timeout=200)
    target = size_mb * 1048576
    written = 0
    when = DAY
    hours = max(1, size_mb // 14)  # ~14 MB an hour at 20 DEBUG lines a second
    per_chunk = max(1, round(migrations / hours))
    with open(path, "w") as fh:
        while fh.tell() < target:
            records = []
            for _ in range(per_chunk):
                guest = Guest(rng.choice((2048, 4096)), dirty_rate_mibs=rng.uniform(20, 400),
                              working_set_mb=rng.randint(128, 1500))
                result = simulate(guest, rng.choice((250.0, 500.0, 1000.0)), settings, release,
                                  3, seed=rng.randrange(1 << 30), max_duration_s=900)
                start = when + timedelta(seconds=rng.uniform(0, 3000))
                script = script_for(result, guest, settings, release, 3, start,
                                    source_host="cmp-1", dest_host="cmp-2")
                records.extend(narrate(script).source)
                written += 1
            records += noise("cmp-1", when, when + timedelta(hours=1), True, rng, 27,
                             per_second=20)
            for line in render(sorted(records, key=lambda r: r.when), "plain", "cmp-1", True):
                fh.write(line + "\n")
            when += timedelta(hours=1)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--migrations", type=int, default=300)
    args = parser.parse_args()
    n = write_log(args.path, args.size_mb, args.migrations)
    print(f"{args.path}: {os.path.getsize(args.path) / 1048576:.0f} MB, {n} migrations")


if __name__ == "__main__":
    main()

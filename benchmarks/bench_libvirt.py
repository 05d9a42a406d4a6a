"""Speed of reading a libvirt debug log (the part of ``migrations`` that reads libvirt/QEMU
logs) against ``grep -F -c QEMU_MONITOR_`` on the same file, same run.

Writes (or reuses) a simulated libvirt debug log of about --size-mb: the source host's
``virtqemud.log`` of simulated migrations (QMP traffic of nova's 2 Hz ``jobStats`` poll, the
debug duplicates, libvirt's debug chatter) repeated, padded with debug noise so that about
one line in eight holds a QMP message. Run by hand (not part of the tests):

    python benchmarks/bench_libvirt.py --size-mb 200 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import tempfile
import time
from datetime import datetime

from loganalyzer.logs.ingest.discover import Input
from loganalyzer.logs.libvirt.read import read_input
from loganalyzer.nova.releases import parse_release
from loganalyzer.nova.settings import Settings
from loganalyzer.simulate import libvirt_logs
from loganalyzer.simulate.logs import script_for
from loganalyzer.simulate.model import Guest, simulate
from loganalyzer.simulate.narrate import narrate

NOISE = (b"2026-11-02 07:59:58.304+0000: 2381: debug : virObjectRef:402 : OBJECT_REF: "
         b"obj=0x7f00c4001234\n")


def write_log(path: str, size_mb: int) -> None:
    release = parse_release("2023.1").release
    guest = Guest(4096, (), 300.0, None)
    settings = Settings(downtime=500, steps=5, delay=5)
    result = simulate(guest, 1000.0, settings, release, 3, seed=1)
    script = script_for(result, guest, settings, release, 3, datetime(2026, 11, 2, 8))
    lines = libvirt_logs.LibvirtLines()
    libvirt_logs.write_migration(lines, script, narrate(script), result, "debug",
                                 random.Random(1), link_mibs=1000.0, dirty_rate_mibs=300.0)
    block = "".join(line + "\n" for line in lines.sorted_daemon(script.source_host)).encode()
    block += NOISE * (len(block) * 6 // len(NOISE))
    with open(path, "wb") as out:
        written = 0
        while written < size_mb << 20:
            out.write(block)
            written += len(block)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "la-bench-libvirt"))
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    path = os.path.join(args.dir, f"virtqemud-{args.size_mb}.log")
    if not os.path.exists(path):
        write_log(path, args.size_mb)
    size = os.path.getsize(path) / 1e6
    grep, ours = [], []
    for _ in range(args.rounds):
        start = time.perf_counter()
        subprocess.run(["grep", "-F", "-c", "QEMU_MONITOR_", path], capture_output=True)
        grep.append(time.perf_counter() - start)
        start = time.perf_counter()
        parsed = read_input(Input(path, path=path), "libvirt")
        ours.append(time.perf_counter() - start)
    g, o = statistics.median(grep), statistics.median(ours)
    print(f"{size:.0f} MB libvirt debug log, {parsed.lines} lines, {len(parsed.records)} "
          f"records, median of {args.rounds} rounds")
    print(f"grep -F -c     {g:7.2f} s  {size / g:7.0f} MB/s")
    print(f"libvirt read   {o:7.2f} s  {size / o:7.0f} MB/s  ({o / g:.1f}x grep)")


if __name__ == "__main__":
    main()

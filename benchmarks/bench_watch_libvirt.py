"""``loganalyzer watch`` following libvirt/QEMU logs beside nova's: time, CPU and peak memory of
catching up on a simulated fleet whose libvirt logs are at debug level, against the same
fleet without libvirt logs (the nova logs are the same: libvirt has its own random stream)
and against ``migrations`` on it; how many of watch's objects carry the QEMU-measured pause
``migrations`` gives, and what the libvirt holder held and let go (its metrics, written with
``--textfile``). Run by hand (not part of the tests):

    python benchmarks/bench_watch_libvirt.py --hosts 10 --migrations 100 --live 200
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_watch import key, timed  # the same timing and row identity


def qemu_part(row: dict) -> tuple:
    """What QEMU measured, as the JSON says it."""
    switchover = row.get("switchover") or {}
    return (switchover.get("evidence"),
            switchover.get("seconds") if switchover.get("evidence") == "qemu-events" else None,
            row.get("qemu_downtime_ms"), row.get("qemu_downtime_limit_ms"),
            json.dumps(row.get("qemu_expected_downtime_ms")),
            json.dumps(row.get("memory_history")))


def simulate(folder: str, hosts: int, migrations: int, level: str) -> None:
    if not os.path.isdir(folder):
        subprocess.run([sys.executable, "-m", "loganalyzer", "simulate", "--fleet", str(hosts),
                        "--migrations", str(migrations), "--out", folder, "--seed", "11",
                        "--libvirt-log", level], check=True, stdout=subprocess.DEVNULL)


def size_mb(folder: str, libvirt: bool | None = None) -> float:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(folder) for f in fs
               if libvirt is None or (("/libvirt" in d) == libvirt)) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--migrations", type=int, default=100)
    parser.add_argument("--keep", help="write the fleets under this folder (reused)")
    parser.add_argument("--live", type=int, default=0, metavar="SLICES",
                        help="also follow the debug fleet written in SLICES slices")
    options = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bench-watch-libvirt-")
    base = options.keep or work
    debug, off = os.path.join(base, "debug"), os.path.join(base, "off")
    simulate(debug, options.hosts, options.migrations, "debug")
    simulate(off, options.hosts, options.migrations, "off")
    textfile = os.path.join(work, "textfile")
    os.makedirs(textfile)
    cases = [
        ("migrations (libvirt debug)", ["migrations", debug, "-q", "-f", "json"], "m.json"),
        ("watch --once (libvirt debug)", ["watch", debug, "--once", "--start-at", "beginning",
                                          "--textfile", textfile], "w.jsonl"),
        ("watch --once (no libvirt logs)", ["watch", off, "--once", "--start-at",
                                            "beginning"], "w-off.jsonl"),
    ]
    print(f"{options.hosts} hosts, {options.migrations} migrations: nova logs "
          f"{size_mb(debug, False):.0f} MB, libvirt/QEMU logs (debug) {size_mb(debug, True):.0f}"
          f" MB; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"{'case':<34}{'wall s':>8}{'CPU s':>8}{'peak RSS MB':>13}")
    for name, args, out in cases:
        wall, cpu, rss = timed(args, os.path.join(work, out))
        print(f"{name:<34}{wall:>8.2f}{cpu:>8.2f}{rss:>13}")
    with open(os.path.join(work, "m.json"), encoding="utf-8") as fh:
        offline = {key(r): r for r in json.load(fh)["migrations"]}
    with open(os.path.join(work, "w.jsonl"), encoding="utf-8") as fh:
        watched = {key(r): r for r in map(json.loads, fh) if "host_finding" not in r}
    measured = sum(1 for r in offline.values()
                   if (r.get("switchover") or {}).get("evidence") == "qemu-events")
    same_qemu = sum(1 for k, r in offline.items() if k in watched and
                    qemu_part(watched[k]) == qemu_part(r))
    print(f"migrations {len(offline)}, watch {len(watched)}; measured by QEMU: {measured}; "
          f"QEMU part identical (evidence, pause, downtime, limit, series): "
          f"{same_qemu}/{len(offline)}")
    with open(os.path.join(textfile, "loganalyzer.prom"), encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("loganalyzer_libvirt_") and not line.startswith("#"):
                print("  " + line.rstrip())
    if options.live:
        live(debug, os.path.join(work, "live"), options.live)
    shutil.rmtree(work, ignore_errors=True)


def live(fleet: str, target: str, pieces: int) -> None:
    """Following live: the fleet's files appended in ``pieces`` slices of log time (every
    file up to the same moment), a poll after each; the most libvirt records held at once."""
    import io
    import re
    from datetime import datetime

    from loganalyzer.watch.service import Watch, WatchSettings

    stamp = re.compile(rb"(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)")
    files: dict[str, list[tuple[bytes, bytes]]] = {}
    for folder, _, names in os.walk(fleet):
        for name in names:
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, fleet)
            os.makedirs(os.path.dirname(os.path.join(target, relative)), exist_ok=True)
            last, lines = b"", []
            with open(path, "rb") as fh:
                for line in fh:
                    found = stamp.search(line, 0, 300)
                    last = found.group(1) + b" " + found.group(2) if found else last
                    lines.append((last, line))
            if not any(t for t, _ in lines):
                shutil.copyfile(path, os.path.join(target, relative))
            else:
                files[relative] = lines
    times = sorted(t for lines in files.values() for t, _ in lines if t)
    first, last_time = (datetime.fromisoformat(times[0].decode()),
                        datetime.fromisoformat(times[-1].decode()))
    watch = Watch(WatchSettings([target], start_at="beginning", settle_s=0.2, poll_s=0),
                  out=io.StringIO(), err=io.StringIO())
    done = dict.fromkeys(files, 0)
    most = 0
    start = time.process_time()
    for piece in range(1, pieces + 1):
        bound = (first + (last_time - first) * piece / pieces).isoformat(sep=" ").encode()
        for relative, lines in files.items():
            upto = done[relative]
            while upto < len(lines) and (piece == pieces or lines[upto][0] < bound):
                upto += 1
            with open(os.path.join(target, relative), "ab") as fh:
                fh.writelines(line for _, line in lines[done[relative]:upto])
            done[relative] = upto
        while watch.cycle():
            most = max(most, watch.libvirt.held_count)
        time.sleep(0.25)  # the settle time passes as wall time without a line
        watch.cycle()
        most = max(most, watch.libvirt.held_count)
    watch.cycle(final=True)
    reported = watch.out.getvalue().count("\n")
    print(f"live, {pieces} slices: {reported} lines reported, CPU {time.process_time() - start:.1f}"
          f" s; libvirt records held at most {most}, at the end {watch.libvirt.held_count}; "
          f"late {watch.libvirt.late}")


if __name__ == "__main__":
    main()

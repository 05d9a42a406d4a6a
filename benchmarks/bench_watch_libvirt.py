"""``loganalyzer watch`` following libvirt/QEMU logs beside nova's: time, CPU and peak memory of
catching up on a simulated fleet whose libvirt logs are at debug level, against the same
fleet without libvirt logs (the nova logs are the same: libvirt has its own random stream)
and against ``migrations`` on it; how many of watch's objects carry the QEMU-measured pause
``migrations`` gives, and what the libvirt holder held and let go (its metrics, written with
``--textfile``). Run by hand (not part of the tests):

    python benchmarks/bench_watch_libvirt.py --hosts 10 --migrations 100
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

TIME = shutil.which("time") or "/usr/bin/time"


def timed(args: list[str], stdout: str) -> tuple[float, float, int]:
    """(wall seconds, CPU user+sys seconds, peak RSS in MB) of ``python -m loganalyzer
    ARGS`` > stdout."""
    report = stdout + ".time"
    start = time.monotonic()
    with open(stdout, "w", encoding="utf-8") as out:
        subprocess.run([TIME, "-f", "%U %S %M", "-o", report, sys.executable, "-m",
                        "loganalyzer", *args], stdout=out, stderr=subprocess.DEVNULL,
                       check=True)
    wall = time.monotonic() - start
    with open(report, encoding="utf-8") as fh:
        user, system, rss_kb = fh.read().split()[-3:]
    return wall, float(user) + float(system), int(rss_kb) // 1024


def key(row: dict) -> tuple[str, str, str]:
    return (row.get("instance") or "", row.get("start") or "", row.get("source_host") or "")


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
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

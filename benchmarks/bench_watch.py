"""``loganalyzer watch`` against ``migrations`` on the same simulated fleet: the time and peak
memory of catching up on a backlog (``watch --once --start-at beginning``), and how many of
the reported objects are identical to the ``migrations --format json`` ones (the others may
differ only in the pooled clock offset of a host pair: README "Watching a fleet"). Run by
hand (not part of the tests):

    python benchmarks/bench_watch.py --hosts 20 --migrations 300
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TIME = shutil.which("time") or "/usr/bin/time"


def timed(args: list[str], stdout: str) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds (user+sys, children included), peak RSS in MB) of
    ``python -m loganalyzer ARGS`` > stdout."""
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--migrations", type=int, default=300)
    parser.add_argument("--keep", help="write the fleet here (reused when present)")
    parser.add_argument("--repeat", type=int, default=1, help="run both this many times, "
                        "alternately, and report the fastest and the median (a loaded "
                        "machine's noise)")
    options = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bench-watch-")
    fleet = options.keep or os.path.join(work, "fleet")
    if not os.path.isdir(fleet):
        subprocess.run([sys.executable, "-m", "loganalyzer", "simulate", "--fleet",
                        str(options.hosts), "--migrations", str(options.migrations), "--out",
                        fleet, "--debug"], check=True, stdout=subprocess.DEVNULL)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(fleet) for f in fs)
    offline_path, watch_path = os.path.join(work, "m.json"), os.path.join(work, "w.jsonl")
    m_runs, w_runs = [], []
    for _ in range(max(options.repeat, 1)):
        m_runs.append(timed(["migrations", fleet, "-q", "-f", "json"], offline_path))
        w_runs.append(timed(["watch", fleet, "--once", "--start-at", "beginning"],
                            watch_path))
    m_wall, m_cpu, m_rss = min(m_runs)
    w_wall, w_cpu, w_rss = min(w_runs)
    with open(offline_path, encoding="utf-8") as fh:
        offline = {key(r): r for r in json.load(fh)["migrations"]}
    with open(watch_path, encoding="utf-8") as fh:
        watched = {key(r): r for r in map(json.loads, fh) if "host_finding" not in r}
    same = sum(1 for k, r in offline.items() if watched.get(k) == r)
    clock_only = sum(1 for k, r in offline.items() if k in watched and watched[k] != r and
                     {f for f in set(r) | set(watched[k]) if r.get(f) != watched[k].get(f)}
                     <= {"switchover", "findings"})
    print(f"{size / 1e6:.0f} MB, {options.hosts} hosts, {len(offline)} migrations, "
          f"{os.cpu_count()} cores")
    print(f"{'case':<34}{'seconds':>9}{'CPU s':>8}{'MB/s':>8}{'peak RSS MB':>13}")
    print(f"{'migrations --format json':<34}{m_wall:>9.2f}{m_cpu:>8.2f}"
          f"{size / 1e6 / m_wall:>8.0f}{m_rss:>13}")
    print(f"{'watch --once --start-at beginning':<34}{w_wall:>9.2f}{w_cpu:>8.2f}"
          f"{size / 1e6 / w_wall:>8.0f}{w_rss:>13}")
    print(f"watch / migrations: {w_wall / m_wall:.2f}x wall, {w_cpu / m_cpu:.2f}x CPU"
          + (" (fastest of each)" if len(m_runs) > 1 else ""))
    if len(m_runs) > 1:
        m_median = statistics.median(r[0] for r in m_runs)
        w_median = statistics.median(r[0] for r in w_runs)
        print(f"median of {len(m_runs)}: migrations {m_median:.2f} s, watch {w_median:.2f} s, "
              f"{w_median / m_median:.2f}x wall")
    print(f"objects identical {same}/{len(offline)}, differing only in switchover/findings "
          f"{clock_only}, missing {len(set(offline) - set(watched))}, extra "
          f"{len(set(watched) - set(offline))}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

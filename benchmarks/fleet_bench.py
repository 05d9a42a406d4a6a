"""Fleet scale: time and peak memory of ``simulate --fleet``, ``migrations`` and ``report`` on
simulated fleets of growing size, and the cost per migration (it should stay flat).

    python benchmarks/fleet_bench.py --sizes 300 3000 --hosts 120

Each size writes a fleet of --hosts hosts (sosreport-like trees, a few drifted hosts) with
that many migrations into --folder (reused when present), then runs ``migrations --format
json`` and ``report`` on it. Run by hand (not part of the tests).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

TIME = "/usr/bin/time"


def run(cmd: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS MB) of one command."""
    with tempfile.NamedTemporaryFile("r") as rss:
        start = time.perf_counter()
        subprocess.run([TIME, "-f", "%M", "-o", rss.name, *cmd], check=True,
                       stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        kb = int(rss.read().strip().splitlines()[-1])
    return wall, kb // 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 3000])
    parser.add_argument("--hosts", type=int, default=120)
    parser.add_argument("--folder", default=os.path.join(tempfile.gettempdir(), "lafleet"))
    args = parser.parse_args()
    la = [sys.executable, "-m", "loganalyzer"]
    rows = []
    for size in args.sizes:
        fleet = os.path.join(args.folder, f"fleet-{args.hosts}-{size}")
        if os.path.isdir(fleet):
            sim = (float("nan"), 0)
        else:
            sim = run([*la, "simulate", "--fleet", str(args.hosts), "--migrations", str(size),
                       "--out", fleet])
        conf = os.path.join(fleet, "nova.conf")
        declared = ["--config", conf] if os.path.exists(conf) else []
        mig = run([*la, "migrations", fleet, "-q", "-f", "json", "-o",
                   os.path.join(args.folder, "out.json")])
        rep = run([*la, "report", fleet, *declared, "-q", "-o",
                   os.path.join(args.folder, "report.html")])
        mb = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(fleet)
                 for f in fs) / 1048576
        rows.append((size, mb, sim, mig, rep))
    print(f"\n{args.hosts} hosts, {os.cpu_count()} cores (simulate: nan = fleet reused)")
    print(f"{'migrations':>10} {'MB':>6} {'simulate s':>10} {'MB':>5} {'migrations s':>12} "
          f"{'ms/mig':>7} {'MB':>5} {'report s':>9} {'MB':>5}")
    for size, mb, sim, mig, rep in rows:
        print(f"{size:10d} {mb:6.0f} {sim[0]:10.1f} {sim[1]:5d} {mig[0]:12.2f} "
              f"{mig[0] * 1000 / size:7.2f} {mig[1]:5d} {rep[0]:9.2f} {rep[1]:5d}")


if __name__ == "__main__":
    main()

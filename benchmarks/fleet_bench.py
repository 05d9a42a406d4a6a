"""Fleet scale: time and peak memory of ``simulate --fleet``, ``migrations`` and ``report`` on
simulated fleets of growing size, the cost per migration (it should stay flat), and where
the time goes (reading, per-migration analysis, JSON, the report page).

    python benchmarks/fleet_bench.py --sizes 300 3000 30000 --hosts 120

Each size writes a fleet of --hosts hosts (sosreport-like trees, a few drifted hosts) with
that many migrations into --folder (reused when present: simulate then shows nan), then runs
``migrations --format json`` and ``report`` on it, and once more in one process, phase by
phase. Wall seconds, CPU seconds (user + sys, the reading's worker processes and search
tool included) and peak RSS; on a loaded machine the CPU figures are the steadier ones.
Run by hand (not part of the tests).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

TIME = "/usr/bin/time"
HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd: list[str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, peak RSS MB) of one command."""
    with tempfile.NamedTemporaryFile("r") as rss:
        start = time.perf_counter()
        subprocess.run([TIME, "-f", "%U %S %M", "-o", rss.name, *cmd], check=True,
                       stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        user, system, kb = rss.read().strip().splitlines()[-1].split()
    return wall, float(user) + float(system), int(kb) // 1024


def phases(fleet: str) -> dict[str, float]:
    """CPU seconds of each phase in one process (with the declared nova.conf, as ``report``
    runs): read (worker processes included), analyse, JSON, report page; peak RSS MB."""
    sys.path.insert(0, os.path.dirname(HERE))
    from loganalyzer.api import Reading, analyse, checked_declaration
    from loganalyzer.config.prediction import resolve_model
    from loganalyzer.output import migrations_out
    from loganalyzer.report.publish import shown
    from loganalyzer.report.render import build_page

    def cpu() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    out: dict[str, float] = {}
    conf = os.path.join(fleet, "nova.conf")
    config = [conf] if os.path.exists(conf) else []
    declared = checked_declaration(config, [], {}, None, None)
    start = cpu()
    events = Reading().read([fleet])
    out["read"], start = cpu() - start, cpu()
    rows, events = analyse(events, declared=declared)
    out["analyse"], start = cpu() - start, cpu()
    with open(os.devnull, "w") as sink:
        migrations_out.write(rows, [*events.warnings, *events.analysis_warnings], "json", sink,
                             events.host_aliases, events.duplicates_dropped)
    out["json"], start = cpu() - start, cpu()
    build_page(rows, events, "fleet", *shown(declared, resolve_model(None, None, None).release))
    out["report"] = cpu() - start
    out["migrations"] = len(rows)
    out["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 3000])
    parser.add_argument("--hosts", type=int, default=120)
    parser.add_argument("--folder", default=os.path.join(tempfile.gettempdir(), "lafleet"))
    parser.add_argument("--phases-of", help=argparse.SUPPRESS)  # the in-process run
    args = parser.parse_args()
    if args.phases_of:
        print(json.dumps(phases(args.phases_of)))
        return
    la = [sys.executable, "-m", "loganalyzer"]
    rows = []
    for size in args.sizes:
        fleet = os.path.join(args.folder, f"fleet-{args.hosts}-{size}")
        if os.path.isdir(fleet):
            sim = (float("nan"), float("nan"), 0)
        else:
            sim = run([*la, "simulate", "--fleet", str(args.hosts), "--migrations", str(size),
                       "--out", fleet])
        conf = os.path.join(fleet, "nova.conf")
        declared = ["--config", conf] if os.path.exists(conf) else []
        mig = run([*la, "migrations", fleet, "-q", "-f", "json", "-o",
                   os.path.join(args.folder, "out.json")])
        rep = run([*la, "report", fleet, *declared, "-q", "-o",
                   os.path.join(args.folder, "report.html")])
        split = json.loads(subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--phases-of", fleet], check=True,
            capture_output=True, text=True).stdout)
        mb = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(fleet)
                 for f in fs) / 1048576
        page = os.path.getsize(os.path.join(args.folder, "report.html")) / 1048576
        rows.append((size, mb, sim, mig, rep, split, page))
    print(f"\n{args.hosts} hosts, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} (simulate: nan = fleet reused)")
    print("commands: wall s / CPU s (user+sys, children included) / peak RSS MB")
    print(f"{'migrations':>10} {'log MB':>6} {'simulate':>18} {'migrations json':>18} "
          f"{'report':>18} {'page MB':>7}")
    for size, mb, sim, mig, rep, _, page in rows:
        print(f"{size:10d} {mb:6.0f} " + " ".join(
            f"{w:6.1f} {c:6.1f} {m:4d}" for w, c, m in (sim, mig, rep)) + f" {page:7.1f}")
    print("\nin one process, CPU s: read (workers included) / analyse / JSON / report page;"
          " ms of analysis per migration; peak RSS MB")
    print(f"{'migrations':>10} {'read':>7} {'analyse':>7} {'json':>7} {'report':>7} "
          f"{'ms/mig':>7} {'RSS':>6}")
    for size, *_, split, _ in rows:
        print(f"{size:10d} {split['read']:7.2f} {split['analyse']:7.2f} {split['json']:7.2f} "
              f"{split['report']:7.2f} {split['analyse'] * 1000 / size:7.3f} "
              f"{split['rss']:6.0f}")


if __name__ == "__main__":
    main()

"""The reading phase alone (``loganalyzer.logs.read.collect``): wall and CPU seconds (this
process, its pool workers and the search tools they start), per engine and prefilter, and
for several source trees alternating in one run (before/after a change):

    python benchmarks/read_bench.py /tmp/sr/labench/real-node.log --rounds 3 \\
        --tree /tmp/base --tree . --way auto --way local
    python benchmarks/read_bench.py --crossover /tmp/sr/labench/real-node.log

Ways: ``auto`` (what ``--engine auto`` picks), ``local``, ``process``, and ``python`` (auto
with ``LOGANALYZER_PREFILTER=python``). Each measurement runs in a fresh interpreter after
its imports, so the figures are the reading's own. ``--crossover`` times one file of
several sizes read by the prefilter tool (rg + wc, or the inflate worker for gzip) against
Python's own search, per file: where ``prefilter.worth_a_tool`` draws its line.
Run by hand (not part of the tests); on a loaded machine the CPU figures are the steadier.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

ONE_READ = r"""
import json, os, sys, time
import loganalyzer.api  # noqa: F401  (imports before the clock starts)
from loganalyzer.logs.read import collect
def cpu():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
paths, engine = json.loads(sys.argv[1]), sys.argv[2]
wall, start = time.perf_counter(), cpu()
events = collect(paths, engine=engine)
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": cpu() - start,
                  "events": events.rows}))
"""

ONE_FILE = r"""
import json, os, sys, time
from loganalyzer.logs.ingest.discover import Input
from loganalyzer.logs.prefilter import scan_compressed_file, scan_plain_file
from loganalyzer.logs.scan import Origin
from loganalyzer.logs.sources import scan_input
def cpu():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
path, way, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
origin = Origin(path, None, "path")
scan_input(Input(path, path))  # warm: grammar regexes, page cache
wall, start = time.perf_counter(), cpu()
for _ in range(rounds):
    if way == "python":
        scan_input(Input(path, path))
    elif path.endswith(".gz"):
        scan_compressed_file(path, origin, "gzip")
    else:
        scan_plain_file(path, origin)
print(json.dumps({"wall": (time.perf_counter() - wall) / rounds,
                  "cpu": (cpu() - start) / rounds}))
"""


def measure(tree: str, code: str, args: list[str], env: dict[str, str]) -> dict[str, float]:
    environment = dict(os.environ, PYTHONPATH=os.path.abspath(tree), **env)
    done = subprocess.run([sys.executable, "-c", code, *args], env=environment, check=True,
                          capture_output=True, text=True, cwd=tempfile.gettempdir())
    return json.loads(done.stdout.strip().splitlines()[-1])


def ways(paths: list[str], trees: list[str], names: list[str], rounds: int) -> None:
    seen: dict[tuple[str, str], list[dict[str, float]]] = {}
    for _ in range(rounds):
        for tree in trees:
            for way in names:
                env = {"LOGANALYZER_PREFILTER": "python"} if way == "python" else {}
                engine = "auto" if way == "python" else way
                seen.setdefault((tree, way), []).append(
                    measure(tree, ONE_READ, [json.dumps(paths), engine], env))
    print(f"reading {' '.join(paths)}: median of {rounds}, alternating (min-max)")
    print(f"{'tree':40} {'way':8} {'wall s':>16} {'CPU s':>16} {'events':>8}")
    for (tree, way), runs in seen.items():
        walls, cpus = [r["wall"] for r in runs], [r["cpu"] for r in runs]
        print(f"{tree[-40:]:40} {way:8} "
              f"{statistics.median(walls):6.2f} ({min(walls):.2f}-{max(walls):.2f})"
              f" {statistics.median(cpus):6.2f} ({min(cpus):.2f}-{max(cpus):.2f})"
              f" {int(runs[0]['events']):8d}")


def crossover(log: str, tree: str, rounds: int) -> None:
    """Per-file cost of the tool against Python, for slices of ``log`` of several sizes."""
    print(f"one file, per read, mean of {rounds} reads (slices of {log})")
    print(f"{'size KB':>8} {'kind':6} {'python ms':>18} {'tool ms':>18}  (wall / CPU)")
    with tempfile.TemporaryDirectory() as folder, open(log, "rb") as source:
        source.seek(os.path.getsize(log) // 2)
        source.readline()
        for kb in (64, 256, 512, 1024, 2048, 4096, 8192):
            data = source.read(kb << 10)
            data = data[:data.rfind(b"\n") + 1]
            plain = os.path.join(folder, f"{kb}.log")
            with open(plain, "wb") as fh:
                fh.write(data)
            packed = os.path.join(folder, f"{kb}.log.gz")
            with gzip.open(packed, "wb") as fh:
                fh.write(data)
            for path, kind in ((plain, "plain"), (packed, "gzip")):
                python = measure(tree, ONE_FILE, [path, "python", str(rounds)], {})
                tool = measure(tree, ONE_FILE, [path, "tool", str(rounds)], {})
                size = os.path.getsize(path) >> 10
                print(f"{size:8d} {kind:6} {python['wall'] * 1e3:8.1f} /{python['cpu'] * 1e3:7.1f}"
                      f"  {tool['wall'] * 1e3:8.1f} /{tool['cpu'] * 1e3:7.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tree", action="append", help="source tree (default: this one)")
    parser.add_argument("--way", action="append", choices=["auto", "local", "process",
                                                           "python"])
    parser.add_argument("--crossover", metavar="LOG")
    args = parser.parse_args()
    trees = args.tree or [os.path.dirname(HERE)]
    if args.crossover:
        crossover(args.crossover, trees[-1], max(args.rounds, 5))
    if args.paths:
        ways(args.paths, trees, args.way or ["auto"], args.rounds)


if __name__ == "__main__":
    main()

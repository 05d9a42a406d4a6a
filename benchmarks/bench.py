"""Speed and memory of loganalyzer against ``grep -F -c`` on the same files, same run.

Two kinds of content (``--content simulated|real|both``, default both):

- *real*: a log of --size-mb made of a real Ussuri compute node's lines (``make_real_log.py``:
  start-up config dumps on every restart, periodic tasks, RPC noise) with a few hundred
  simulated migrations merged in, and the same three times over; ``loganalyzer migrations``
  is timed against ``grep -F -c`` and against lnav's SQL per-migration summary
  (``lnav_summary.sql``, when lnav is installed) on the same file.
- *simulated*: a simulated DEBUG nova-compute.log of --size-mb with a few hundred
  migrations, its gzip copy, the same log as 20 rotated files, a 3× larger log (the log three
  times over: 3× the migrations) and the log padded to 3× with background lines only (the
  same migrations).

Commands run alternating, with a warm page cache; the tables give seconds, MB/s, the ratio to
grep and peak RSS. Run by hand (not part of the tests):

    python benchmarks/bench.py --size-mb 1024 --rounds 3
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from make_log import write_log  # noqa: E402
from make_real_log import write_log as write_real_log  # noqa: E402

TIME = shutil.which("time") or "/usr/bin/time"


def run(cmd: list[str]) -> tuple[float, int, float]:
    """(wall seconds, peak RSS in MB, CPU seconds: user + system, with the children it waited
    for, such as rg) of one command; a leading ``NAME=VALUE`` word sets an environment
    variable for it. CPU seconds vary less than wall seconds on a shared machine."""
    env = dict(os.environ)
    while cmd and "=" in cmd[0] and not cmd[0].startswith("-"):
        name, _, value = cmd[0].partition("=")
        env[name] = value
        cmd = cmd[1:]
    with tempfile.NamedTemporaryFile("r") as rss:
        start = time.perf_counter()
        # output to a pipe, not /dev/null: GNU grep stops at the first match when its
        # output is /dev/null
        subprocess.run([TIME, "-f", "%M %U %S", "-o", rss.name, *cmd], check=True,
                       stdout=subprocess.PIPE, env=env)
        wall = time.perf_counter() - start
        kb, user, system = rss.read().strip().splitlines()[-1].split()
    return wall, int(kb) // 1024, float(user) + float(system)


def prepare(folder: str, size_mb: int, migrations: int) -> dict[str, str]:
    os.makedirs(folder, exist_ok=True)
    big = os.path.join(folder, "nova-compute.log")
    if not os.path.exists(big):
        print(f"writing {size_mb} MB log …", flush=True)
        write_log(big, size_mb, migrations)
    packed = big + ".gz"
    if not os.path.exists(packed):
        with open(big, "rb") as src, gzip.open(packed, "wb", compresslevel=6) as dst:
            shutil.copyfileobj(src, dst, 1 << 24)
    rotated = os.path.join(folder, "rotated")
    if not os.path.isdir(rotated):
        os.makedirs(rotated)
        with open(big, "rb") as src:
            data = src.read()
        cuts = [0]
        for k in range(1, 20):
            cuts.append(data.index(b"\n", len(data) * k // 20) + 1)
        cuts.append(len(data))
        for age, (a, b) in enumerate(reversed(list(itertools.pairwise(cuts)))):
            name = "nova-compute.log" + ("" if age == 0 else f".{age}")
            chunk = data[a:b]
            if age >= 2:
                with gzip.open(os.path.join(rotated, name + ".gz"), "wb", 6) as fh:
                    fh.write(chunk)
            else:
                with open(os.path.join(rotated, name), "wb") as fh:
                    fh.write(chunk)
        del data
    triple = os.path.join(folder, "triple", "nova-compute.log")
    if not os.path.exists(triple):
        os.makedirs(os.path.dirname(triple), exist_ok=True)
        with open(triple, "wb") as dst:
            for _ in range(3):
                with open(big, "rb") as src:
                    shutil.copyfileobj(src, dst, 1 << 24)
    padded = os.path.join(folder, "padded", "nova-compute.log")
    if not os.path.exists(padded):
        # the same migrations in 3x the bytes: the 1 GB log, then twice its lines that hold
        # no prefilter anchor (background noise)
        os.makedirs(os.path.dirname(padded), exist_ok=True)
        from loganalyzer.logs.anchors import ANCHORS

        with open(padded, "wb") as dst:
            with open(big, "rb") as src:
                shutil.copyfileobj(src, dst, 1 << 24)
            for _ in range(2):
                with open(big, "rb") as src:
                    for line in src:
                        if not any(a in line for a in ANCHORS):
                            dst.write(line)
    return {"big": big, "gz": packed, "rotated": rotated, "triple": triple, "padded": padded}


def measure(cases: dict[str, list[str]], sizes: dict[str, int], rounds: int
            ) -> tuple[dict[str, float], dict[str, int], dict[str, float]]:
    """Median wall seconds, peak RSS (MB) and median CPU seconds per case, alternating one
    of each per round."""
    timings: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    rss: dict[str, int] = {name: 0 for name in cases}
    for _ in range(rounds):
        for name, cmd in cases.items():
            wall, peak, seconds = run(cmd)
            timings[name].append(wall)
            cpu[name].append(seconds)
            rss[name] = max(rss[name], peak)
    return ({name: statistics.median(w) for name, w in timings.items()}, rss,
            {name: statistics.median(c) for name, c in cpu.items()})


def table(title: str, walls: dict[str, float], rss: dict[str, int], sizes: dict[str, int],
          grep: str, cpu: dict[str, float]) -> None:
    print(f"\n{title}")
    print(f"{'case':42} {'seconds':>8} {'MB/s':>8} {'x grep':>7} {'peak RSS MB':>12} "
          f"{'CPU s':>7}")
    for name, wall in walls.items():
        speed = f"{sizes[name] / 1048576 / wall:.0f}" if sizes.get(name) else "-"
        ratio = f"{wall / walls[grep]:.1f}" if sizes.get(name) else "-"
        print(f"{name:42} {wall:8.2f} {speed:>8} {ratio:>7} {rss[name]:12d} "
              f"{cpu[name]:7.2f}")


def real_node(args: argparse.Namespace, la: list[str]) -> None:
    """The real-node content: grep, loganalyzer, lnav's SQL summary, and 3x the size."""
    from pathlib import Path

    shared = Path(os.environ.get("LOGANALYZER_SHARED", Path(HERE).parent.parent / "shared"))
    if not (shared / "real_logs").is_dir():
        print(f"\nreal-node content skipped: {shared}/real_logs not found")
        return
    os.makedirs(args.folder, exist_ok=True)
    real = os.path.join(args.folder, "real-node.log")
    triple = os.path.join(args.folder, "real-node-3x.log")
    if not os.path.exists(real):
        print(f"writing {args.size_mb} MB real-node log …", flush=True)
        write_real_log(real, args.size_mb, args.migrations, shared)
    if not os.path.exists(triple):
        print(f"writing {3 * args.size_mb} MB real-node log …", flush=True)
        write_real_log(triple, 3 * args.size_mb, 3 * args.migrations, shared, seed=1)
    same = os.path.join(args.folder, "real-node-3x-same.log")  # 3x the noise, same migrations
    if not os.path.exists(same):
        print(f"writing {3 * args.size_mb} MB real-node log (same migrations) …", flush=True)
        write_real_log(same, 3 * args.size_mb, args.migrations, shared)
    out = os.path.join(args.folder, "out-real.json")
    cases = {
        "grep -F -c (real node)": ["grep", "-F", "-c", "Increasing downtime", real],
        "migrations json (real node)": [*la, "migrations", real, "-q", "-f", "json", "-o",
                                        out],
        "migrations json (real node, 3x)": [*la, "migrations", triple, "-q", "-f", "json",
                                            "-o", out],
        "migrations json (real node, 3x noise)": [*la, "migrations", same, "-q", "-f",
                                                  "json", "-o", out],
    }
    lnav = shutil.which("lnav")
    if lnav:
        with open(os.path.join(HERE, "lnav_summary.sql"), encoding="utf-8") as fh:
            query = " ".join(line for line in fh.read().splitlines()
                             if not line.startswith("--"))
        cases["lnav SQL summary (real node)"] = [lnav, "-n", "-c", ";" + query, real]
    sizes = {name: os.path.getsize(real) for name in cases}
    sizes["migrations json (real node, 3x)"] = os.path.getsize(triple)
    sizes["migrations json (real node, 3x noise)"] = os.path.getsize(same)
    subprocess.run(["cat", real, triple, same], stdout=subprocess.DEVNULL, check=True)
    walls, rss, cpu = measure(cases, sizes, args.rounds)
    table(f"real-node content: {sizes['grep -F -c (real node)'] / 1048576:.0f} MB, "
          f"{os.cpu_count()} cores, median of {args.rounds} rounds, warm cache",
          walls, rss, sizes, "grep -F -c (real node)", cpu)
    base = max(rss["migrations json (real node)"], 1)
    print(f"RSS 3x vs 1x: {rss['migrations json (real node, 3x)'] / base:.2f} (3x the "
          f"migrations too); 3x the noise, same migrations: "
          f"{rss['migrations json (real node, 3x noise)'] / base:.2f}")
    if lnav:
        ratio = walls["lnav SQL summary (real node)"] / walls["migrations json (real node)"]
        print(f"lnav / loganalyzer: {ratio:.1f}x")


def compile_package(python: str) -> None:
    """Bytecode for the package the runs import, as an installed package has it: with
    PYTHONDONTWRITEBYTECODE set (this project's machine sets it) every run would compile
    the package from source again (~75 ms)."""
    where = subprocess.run([python, "-c", "import loganalyzer, os; "
                            "print(os.path.dirname(loganalyzer.__file__))"],
                           capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([python, "-m", "compileall", "-q", where], stdout=subprocess.DEVNULL,
                   check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--migrations", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--content", choices=("simulated", "real", "both"), default="both")
    parser.add_argument("--folder", default=os.path.join(tempfile.gettempdir(), "labench"))
    args = parser.parse_args()
    la = [sys.executable, "-m", "loganalyzer"]
    compile_package(la[0])
    if args.content in ("real", "both"):
        real_node(args, la)
    if args.content == "real":
        return
    files = prepare(args.folder, args.size_mb, args.migrations)
    out = os.path.join(args.folder, "out")
    cases = {
        "grep -F -c": ["grep", "-F", "-c", "Increasing downtime", files["big"]],
        "scan (parquet)": [*la, "scan", files["big"], "-q", "-f", "parquet", "-o",
                           out + ".parquet"],
        "migrations json": [*la, "migrations", files["big"], "-q", "-f", "json", "-o",
                            out + ".json"],
        "migrations json, gzip": [*la, "migrations", files["gz"], "-q", "-f", "json", "-o",
                                  out + ".json"],
        "migrations json, 20 rotated": [*la, "migrations", files["rotated"], "-q", "-f",
                                        "json", "-o", out + ".json"],
        "migrations json, 3x size": [*la, "migrations", files["triple"], "-q", "-f", "json",
                                     "-o", out + ".json"],
        "migrations json, 3x size, same migrations": [*la, "migrations", files["padded"],
                                                      "-q", "-f", "json", "-o",
                                                      out + ".json"],
        # no rg/grep (as for fsspec URLs): Python's own prefilter, byte ranges on both cores
        "migrations json, no prefilter tool": ["LOGANALYZER_PREFILTER=python", *la,
                                               "migrations", files["big"], "-q", "-f", "json",
                                               "-o", out + ".json"],
        "--help": [*la, "--help"],
    }
    sizes = {name: os.path.getsize(files["big"]) for name in cases}
    sizes["migrations json, 3x size"] = os.path.getsize(files["triple"])
    sizes["migrations json, 3x size, same migrations"] = os.path.getsize(files["padded"])
    subprocess.run(["cat", files["big"], files["triple"], files["padded"]],
                   stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    timings: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    rss: dict[str, int] = {name: 0 for name in cases}
    for _ in range(args.rounds):
        for name, cmd in cases.items():  # alternating: one of each per round
            wall, peak, seconds = run(cmd)
            timings[name].append(wall)
            cpu[name].append(seconds)
            rss[name] = max(rss[name], peak)
    grep = statistics.median(timings["grep -F -c"])
    from loganalyzer.logs.prefilter import tool

    found = tool()
    print(f"\nprefilter tool: {found[1] if found else 'none (Python)'}")
    print(f"{os.path.getsize(files['big']) / 1048576:.0f} MB log, {os.cpu_count()} cores, "
          f"median of {args.rounds} rounds, warm cache")
    print(f"{'case':42} {'seconds':>8} {'MB/s':>8} {'x grep':>7} {'peak RSS MB':>12} "
          f"{'CPU s':>7}")
    for name, walls in timings.items():
        wall = statistics.median(walls)
        speed = "-" if name == "--help" else f"{sizes[name] / 1048576 / wall:.0f}"
        ratio = "-" if name == "--help" else f"{wall / grep:.1f}"
        print(f"{name:42} {wall:8.2f} {speed:>8} {ratio:>7} {rss[name]:12d} "
              f"{statistics.median(cpu[name]):7.2f}")
    base = max(rss["migrations json"], 1)
    print(f"RSS 3x size vs 1x: {rss['migrations json, 3x size'] / base:.2f} (3x the "
          f"migrations too); same migrations in 3x the bytes: "
          f"{rss['migrations json, 3x size, same migrations'] / base:.2f}")


if __name__ == "__main__":
    main()

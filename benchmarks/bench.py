"""Speed and memory of loganalyzer against ``grep -F -c`` on the same files, same run.

Writes (or reuses) a simulated DEBUG nova-compute.log of --size-mb with a few hundred
migrations, its gzip copy, the same log as 20 rotated files, a 3× larger log (the log three
times over: 3× the migrations) and the log padded to 3× with background lines only (the same
migrations); then runs,
alternating and with a warm page cache, ``grep -F -c 'Increasing downtime'``, ``loganalyzer
scan`` and ``loganalyzer migrations --format json``, and prints MB/s, the ratio to grep and
peak RSS. Run by hand (not part of the tests):

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

TIME = shutil.which("time") or "/usr/bin/time"


def run(cmd: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in MB) of one command; a leading ``NAME=VALUE`` word sets an
    environment variable for it."""
    env = dict(os.environ)
    while cmd and "=" in cmd[0] and not cmd[0].startswith("-"):
        name, _, value = cmd[0].partition("=")
        env[name] = value
        cmd = cmd[1:]
    with tempfile.NamedTemporaryFile("r") as rss:
        start = time.perf_counter()
        # output to a pipe, not /dev/null: GNU grep stops at the first match when its
        # output is /dev/null
        subprocess.run([TIME, "-f", "%M", "-o", rss.name, *cmd], check=True,
                       stdout=subprocess.PIPE, env=env)
        wall = time.perf_counter() - start
        kb = int(rss.read().strip().splitlines()[-1])
    return wall, kb // 1024


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--migrations", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--folder", default=os.path.join(tempfile.gettempdir(), "labench"))
    args = parser.parse_args()
    files = prepare(args.folder, args.size_mb, args.migrations)
    la = [sys.executable, "-m", "loganalyzer"]
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
    rss: dict[str, int] = {name: 0 for name in cases}
    for _ in range(args.rounds):
        for name, cmd in cases.items():  # alternating: one of each per round
            wall, peak = run(cmd)
            timings[name].append(wall)
            rss[name] = max(rss[name], peak)
    grep = statistics.median(timings["grep -F -c"])
    from loganalyzer.logs.prefilter import tool

    found = tool()
    print(f"\nprefilter tool: {found[1] if found else 'none (Python)'}")
    print(f"{os.path.getsize(files['big']) / 1048576:.0f} MB log, {os.cpu_count()} cores, "
          f"median of {args.rounds} rounds, warm cache")
    print(f"{'case':42} {'seconds':>8} {'MB/s':>8} {'x grep':>7} {'peak RSS MB':>12}")
    for name, walls in timings.items():
        wall = statistics.median(walls)
        speed = "-" if name == "--help" else f"{sizes[name] / 1048576 / wall:.0f}"
        ratio = "-" if name == "--help" else f"{wall / grep:.1f}"
        print(f"{name:42} {wall:8.2f} {speed:>8} {ratio:>7} {rss[name]:12d}")
    base = max(rss["migrations json"], 1)
    print(f"RSS 3x size vs 1x: {rss['migrations json, 3x size'] / base:.2f} (3x the "
          f"migrations too); same migrations in 3x the bytes: "
          f"{rss['migrations json, 3x size, same migrations'] / base:.2f}")


if __name__ == "__main__":
    main()

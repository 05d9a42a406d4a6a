"""Time and peak memory of loganalyzer on hostile inputs (issue 13, C19–C23), at the sizes
the issue measured; the tests run the same cases small.

- ``steps``: ``migrations`` on one migration that logged N distinct downtime steps
  (5,000 / 10,000 / 20,000: 2.6 / 8.9 / 35 s when the comparison was quadratic);
- ``repeats``: ``migrations`` on --size-mb of one ``Increasing downtime`` line repeated
  (1 GB took > 6 GB RSS);
- ``long-line``: ``scan`` of a --line-mb line without a newline (4 GB: > 3 GB RSS in rg);
- ``huge-steps``: ``predict --steps 99999999999999999999`` (killed at 23 GB);
- ``device``: ``scan /dev/zero`` (never finished).

Peak RSS is that of the process tree (GNU time: the largest of the command and the tools it
waited for). Run by hand (not part of the tests):

    python benchmarks/limits.py --size-mb 1024 --line-mb 4096
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TIME = shutil.which("time") or "/usr/bin/time"
LINE = ("2024-05-01 12:00:00.000 4242 INFO nova.virt.libvirt.migration [-] [instance: "
        "7b7edae6-f878-4756-a858-86f836d02c33] Increasing downtime to {ms} ms after {after} "
        "sec elapsed time\n")


def run(args: list[str]) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in MB, exit code) of ``python -m loganalyzer ARGS``."""
    env = {**os.environ, "PYTHONPATH": REPO}
    with tempfile.NamedTemporaryFile("r") as rss:
        start = time.perf_counter()
        done = subprocess.run([TIME, "-f", "%M", "-o", rss.name, sys.executable, "-m",
                               "loganalyzer", *args], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=env, check=False)
        wall = time.perf_counter() - start
        kb = int(rss.read().strip().splitlines()[-1])
    return wall, kb // 1024, done.returncode


def write_steps(path: str, count: int) -> None:
    with open(path, "w") as fh:
        for i in range(count):
            seconds = i // 2
            fh.write(LINE.replace("12:00:00.000", f"{12 + seconds // 3600:02d}:"
                                  f"{seconds // 60 % 60:02d}:{seconds % 60:02d}."
                                  f"{500 * (i % 2):03d}").format(ms=50 + i, after=i))


def write_repeats(path: str, size_mb: int) -> None:
    block = LINE.format(ms=50, after=0).encode() * 8192
    with open(path, "wb") as fh:
        while fh.tell() < size_mb << 20:
            fh.write(block)


def write_long_line(path: str, line_mb: int) -> None:
    block = b"a" * (1 << 20)
    with open(path, "wb") as fh:
        fh.write(LINE.format(ms=95, after=150).encode()[:-1] + b" ")
        for _ in range(line_mb):
            fh.write(block)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="repeated step lines")
    parser.add_argument("--line-mb", type=int, default=4096, help="the line without newline")
    parser.add_argument("--steps", type=int, nargs="*", default=[5000, 10000, 20000])
    parser.add_argument("--dir", default=None, help="where the inputs go (default: a temp dir)")
    ns = parser.parse_args()
    folder = ns.dir or tempfile.mkdtemp(prefix="loganalyzer-limits-")
    os.makedirs(folder, exist_ok=True)
    print(f"{'case':44s} {'seconds':>8s} {'peak RSS MB':>12s} {'exit':>5s}", flush=True)

    def show(name: str, args: list[str]) -> None:
        wall, rss, code = run(args)
        print(f"{name:44s} {wall:8.2f} {rss:12d} {code:5d}", flush=True)

    for count in ns.steps:
        path = os.path.join(folder, f"steps-{count}.log")
        write_steps(path, count)
        show(f"migrations, {count} distinct step lines", ["migrations", "-f", "json", path])
        os.remove(path)
    path = os.path.join(folder, "repeats.log")
    write_repeats(path, ns.size_mb)
    show(f"migrations, {ns.size_mb} MB of one step line", ["migrations", "-f", "json", path])
    os.remove(path)
    path = os.path.join(folder, "long.log")
    write_long_line(path, ns.line_mb)
    show(f"scan, one {ns.line_mb} MB line (rg)", ["scan", "-f", "json", path])
    os.remove(path)
    show("predict --steps 99999999999999999999",
         ["predict", "--memory-mb", "4096", "--steps", "99999999999999999999"])
    if os.path.exists("/dev/zero"):
        show("scan /dev/zero", ["scan", "/dev/zero"])
    if not ns.dir:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

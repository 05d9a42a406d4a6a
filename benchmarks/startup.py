"""The fixed cost of a command: what ``loganalyzer`` spends before and around reading a byte.

    python benchmarks/startup.py --runs 9
    python benchmarks/startup.py --runs 9 --base /tmp/round5   # against another checkout

Runs each command ``--runs`` times, alternating (and alternating with the ``--base``
checkout when given), from an empty folder with the checkout first on ``sys.path``, and
prints the median wall and CPU seconds (user + sys, child processes such as the search tool
included) of each, and the CPU beyond ``python -c pass``. Then ``python -X importtime`` of
``migrations`` on a one-line log: import self time by top package (``loganalyzer.<sub>``
apart), beside ``python -c pass``'s. On a shared machine the CPU figures are the steadier
ones, and only figures taken in the same run compare; import times are ``-X importtime``'s
(which adds its own overhead). Bytecode is written and used as an installed package's would
be (``PYTHONDONTWRITEBYTECODE`` is dropped, and every command runs once before the timed
runs); ``--source`` keeps the environment's setting. Run by hand (not part of the tests).
"""

from __future__ import annotations

import argparse
import collections
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the first line of a sample log: one migration's progress line
LINE = ("2026-11-02 08:22:36.827 4242 INFO nova.virt.libvirt.driver [-] [instance: "
        "c2ce6f44-7ed4-457b-9e2f-eb89414c343c] Migration running for 150 secs, memory 94% "
        "remaining; (bytes processed=41110994944, remaining=2147483648, total=34359738368)\n")
PASS = "python -c pass"


def commands(folder: str) -> dict[str, list[str]]:
    """The commands measured: name -> arguments after ``python``."""
    log = os.path.join(folder, "one.log")
    with open(log, "w", encoding="utf-8") as out:
        out.write(LINE)
    sample = os.path.join(ROOT, "sample_logs")
    la = ["-m", "loganalyzer"]
    return {
        PASS: ["-c", "pass"],
        "import typer, its rich help (floor)": ["-c", "import typer.main, typer.rich_utils"],
        "--help": [*la, "--help"],
        "migrations --help": [*la, "migrations", "--help"],
        "verify --help": [*la, "verify", "--help"],
        "--version": [*la, "--version"],
        "migrations one-line log, json": [*la, "migrations", log, "-q", "-f", "json", "-o",
                                          os.path.join(folder, "out.json")],
        "migrations one-line log, table": [*la, "migrations", log, "-q"],
        "predict --downtime 500": [*la, "predict", "--downtime", "500", "-f", "json"],
        "migrations sample_logs --config": [*la, "migrations", sample, "-q", "-f", "json",
                                            "--config", os.path.join(sample, "nova.conf")],
    }


def environment(tree: str, source: bool) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": tree, "NO_COLOR": "1"}
    if not source:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run(args: list[str], folder: str, env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of ``python args`` (CPU: user + sys, children included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=folder, env=env, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def import_self_times(args: list[str], folder: str,
                      env: dict[str, str]) -> collections.Counter[str]:
    """Self time (ms) of ``-X importtime`` per top package of the modules ``args`` import."""
    done = subprocess.run([sys.executable, "-X", "importtime", *args], cwd=folder, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          check=False)
    totals: collections.Counter[str] = collections.Counter()
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = line.removeprefix("import time:").split("|")
        parts = name.strip().split(".")
        top = ".".join(parts[:2]) if parts[0] == "loganalyzer" and len(parts) > 1 else parts[0]
        totals[top] += int(self_us) / 1000
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--base", help="another checkout to measure alongside, alternating")
    parser.add_argument("--top", type=int, default=25, help="packages listed by import time")
    parser.add_argument("--source", action="store_true",
                        help="keep PYTHONDONTWRITEBYTECODE (compile from source when set)")
    options = parser.parse_args()
    trees = {"this": ROOT, **({"base": os.path.abspath(options.base)} if options.base else {})}
    envs = {label: environment(tree, options.source) for label, tree in trees.items()}
    with tempfile.TemporaryDirectory(prefix="la-startup-") as folder:
        cases = commands(folder)
        times: dict[tuple[str, str], list[tuple[float, float]]] = collections.defaultdict(list)
        for args in cases.values():  # bytecode written (unless --source), caches warm
            for env in envs.values():
                run(args, folder, env)
        for _ in range(options.runs):
            for name, args in cases.items():
                for label, env in envs.items():
                    times[label, name].append(run(args, folder, env))
        wall = {k: statistics.median(w for w, _ in t) for k, t in times.items()}
        cpu = {k: statistics.median(c for _, c in t) for k, t in times.items()}
        how = "source" if os.environ.get("PYTHONDONTWRITEBYTECODE") and options.source \
            else "bytecode"
        print(f"median of {options.runs} runs from {how}; load average "
              f"{os.getloadavg()[0]:.1f}; " + "; ".join(f"{k}: {v}" for k, v in trees.items()))
        print(f"{'command':36}" + "".join(f" {label + ' wall':>10} {label + ' CPU':>9} "
                                          f"{label + ' -pass':>10}" for label in trees))
        for name in cases:
            print(f"{name:36}" + "".join(
                f" {wall[label, name]:10.3f} {cpu[label, name]:9.3f} "
                f"{cpu[label, name] - cpu[label, PASS]:10.3f}" for label in trees))

        command = cases["migrations one-line log, json"]
        for label, env in envs.items():
            imports = import_self_times(command, folder, env)
            bare = import_self_times(cases[PASS], folder, env)
            print(f"\n{label}: import self time (ms, -X importtime) of `migrations` on a "
                  f"one-line log: {sum(imports.values()):.0f} ms, {len(imports)} packages; "
                  f"`python -c pass`: {sum(bare.values()):.0f} ms")
            for name, ms in imports.most_common(options.top):
                print(f"{ms:8.1f}  {name}")


if __name__ == "__main__":
    main()

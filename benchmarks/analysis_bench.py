"""CPU seconds and memory of the migration analysis alone, in one process per round.

Each round is a fresh process (cold caches, as a command runs): it reads the input once
(local engine, not timed), then times ``api.analyse`` (the analysis: dedup, timelines, host
facts, rows, correlation), the ``migrations`` JSON writer and, with ``--report``, the report
page build. ``--memory`` adds a round under tracemalloc: the peak of Python memory allocated
by the analysis above what the events already held, what is still allocated when it
returns, and what is left of that after a full collection (garbage cycles).
``--against DIR`` runs the same rounds with another checkout's code (e.g. a ``git archive``
of an older tag), alternating with this one, so both see the same machine load::

    python benchmarks/analysis_bench.py /tmp/sf/fleet-120-3000 /tmp/sr/labench/real-node.log \\
        --rounds 3 --against /tmp/base --memory

Run it from outside a checkout (``python -m`` would put the current folder first).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def one_round(path: str, memory: bool, report: bool) -> dict[str, float]:
    """The in-process figures of one round (run in a child process)."""
    from loganalyzer.api import Reading, analyse
    from loganalyzer.output import migrations_out

    events = Reading(engine="local").read([path])
    out: dict[str, float] = {"events": float(events.rows)}
    if memory:
        import tracemalloc

        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
    start = time.process_time()
    rows, events = analyse(events)
    out["analyse"] = time.process_time() - start
    out["migrations"] = float(len(rows))
    if memory:
        import gc

        held, peak = tracemalloc.get_traced_memory()
        gc.collect()  # what the result keeps, without garbage cycles not yet collected
        kept = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        out["peak_mb"] = (peak - before) / 1048576
        out["held_mb"] = (held - before) / 1048576
        out["kept_mb"] = (kept - before) / 1048576
        return out
    start = time.process_time()
    with open(os.devnull, "w") as sink:
        migrations_out.write(rows, [*events.warnings, *events.analysis_warnings], "json", sink,
                             events.host_aliases, events.duplicates_dropped)
    out["json"] = time.process_time() - start
    if report:
        from loganalyzer.api import declared_for_report
        from loganalyzer.report.render import build_page

        declared, sources = declared_for_report([], [], {}, None, None)
        start = time.process_time()
        build_page(rows, events, "bench", declared, sources)
        out["page"] = time.process_time() - start
    return out


def child(code: str, path: str, memory: bool, report: bool) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=code)
    argv = [sys.executable, os.path.abspath(__file__), "--round-of", path]
    argv += ["--memory"] if memory else []
    argv += ["--report"] if report else []
    done = subprocess.run(argv, env=env, check=True, capture_output=True, text=True,
                          cwd="/")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="*")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", help="another checkout's folder, timed alternately")
    parser.add_argument("--memory", action="store_true", help="also one tracemalloc round")
    parser.add_argument("--report", action="store_true", help="also time the report page")
    parser.add_argument("--round-of", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.round_of:
        print(json.dumps(one_round(args.round_of, args.memory, args.report)))
        return
    codes = [("this", os.path.dirname(HERE))]
    if args.against:
        codes.insert(0, ("against", os.path.abspath(args.against)))
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; CPU seconds "
          f"(process time), median of {args.rounds} rounds [min-max]")
    for path in args.inputs:
        runs: dict[str, list[dict[str, float]]] = {name: [] for name, _ in codes}
        for _ in range(args.rounds):
            for name, code in codes:
                runs[name].append(child(code, path, False, args.report))
        for name, code in codes:
            got = runs[name]
            first = got[0]
            line = (f"{os.path.basename(path.rstrip('/')):>18} {name:>7}: "
                    f"{int(first['events'])} events, {int(first['migrations'])} migrations; ")
            for phase in ("analyse", "json", "page"):
                if phase in first:
                    values = [g[phase] for g in got]
                    line += (f"{phase} {statistics.median(values):.3f} "
                             f"[{min(values):.3f}-{max(values):.3f}] ")
            per = statistics.median(g["analyse"] for g in got)
            line += (f"= {per * 1e6 / first['events']:.1f} us/event, "
                     f"{per * 1e3 / max(first['migrations'], 1):.3f} ms/migration")
            if args.memory:
                mem = child(code, path, True, False)
                line += (f"; tracemalloc peak {mem['peak_mb']:.1f} MB, held {mem['held_mb']:.1f}"
                         f" MB (after a full collection {mem['kept_mb']:.1f} MB)")
            print(line, flush=True)


if __name__ == "__main__":
    main()

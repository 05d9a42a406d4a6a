"""The HTML report at fleet scale: generation time, page size, load time in headless Chromium,
and how long the migrations table takes to sort, filter and search (target: 100 ms each).

The fleet is ``sample_logs``' migrations copied to --migrations rows with distinct instances
and hosts spread over --hosts (the analysis is not what is measured here). Run by hand, not
part of the tests:

    python benchmarks/report_scale.py --migrations 10000 --hosts 120 --rounds 5
    python benchmarks/report_scale.py --page report.html --rounds 3   # a report already written
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from loganalyzer.analysis.migrations import Declared, Options, analyse  # noqa: E402
from loganalyzer.logs.read import collect  # noqa: E402
from loganalyzer.report.render import build_page, write  # noqa: E402

REPO = os.path.dirname(HERE)
# one user action each: the table is updated synchronously, so the time until the click or
# input returns is the time until the rows are on screen (charts are redrawn afterwards)
ACTIONS = {
    "sort by duration": "document.querySelector(\"th[data-sort='duration'] button\").click()",
    "sort by host": "document.querySelector(\"th[data-sort='route'] button\").click()",
    "filter outcome": ("(() => { const s = document.getElementById('filter-outcome');"
                       " s.value = s.value ? '' : 'cancelled';"
                       " s.dispatchEvent(new Event('input')); })()"),
    "filter host": ("(() => { const s = document.getElementById('filter-host');"
                    " s.value = s.value ? '' : s.options[5].value;"
                    " s.dispatchEvent(new Event('input')); })()"),
    "search 4 characters": ("(() => { const s = document.getElementById('filter-search');"
                            " s.value = s.value ? '' : '00a1';"
                            " s.dispatchEvent(new Event('input')); })()"),
}


def fleet_rows(n: int, hosts: int) -> tuple[list[dict], object]:
    events = collect([os.path.join(REPO, "sample_logs")])
    rows = analyse(events.records(), Options(declared=Declared(
        files=[os.path.join(REPO, "sample_logs", "nova.conf")])))
    many = []
    for i in range(n):
        base = rows[i % len(rows)]
        row = copy.deepcopy({k: v for k, v in base.items() if k != "_events"})
        row["_events"] = base["_events"]  # read-only: shared
        row["instance"] = f"{i:08x}-0000-4000-8000-000000000000"
        row["source_host"] = f"cmp-{i % hosts:03d}"
        row["dest_host"] = f"cmp-{(i * 7 + 1) % hosts:03d}"
        many.append(row)
    return many, events


def measure(path: str, rounds: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    timings: dict[str, list[float]] = {name: [] for name in ["load", *ACTIONS]}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--headless", "--no-sandbox",
                                                   "--disable-gpu"])
        for _ in range(rounds):
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            start = time.perf_counter()
            page.goto("file://" + path)
            page.wait_for_function("window.__report && document.querySelector("
                                   "'#chart-timeline svg')")
            timings["load"].append((time.perf_counter() - start) * 1000)
            for name, action in ACTIONS.items():
                elapsed = page.evaluate(f"() => {{ const t = performance.now(); {action}; "
                                        "return performance.now() - t; }")
                timings[name].append(elapsed)
                page.wait_for_timeout(300)  # let the charts redraw before the next action
            page.close()
        browser.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--migrations", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=120)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--page", help="measure this report (e.g. one `loganalyzer report` "
                        "wrote for a simulated fleet) instead of building one")
    args = parser.parse_args()
    if args.page:
        path = os.path.abspath(args.page)
        timings = measure(path, args.rounds)
        print(f"{path}: page size {os.path.getsize(path) / 2**20:.1f} MiB")
        show(timings)
        return
    rows, events = fleet_rows(args.migrations, args.hosts)
    start = time.perf_counter()
    html, _ = build_page(rows, events, "fleet", None, "benchmark")
    generation = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "fleet.html")
        write(path, html)
        size = os.path.getsize(path)
        timings = measure(path, args.rounds)
    print(f"{args.migrations} migrations on {args.hosts} hosts")
    print(f"generation (build_page): {generation:.2f} s; page size {size / 2**20:.1f} MiB")
    show(timings)


def show(timings: dict[str, list[float]]) -> None:
    for name, values in timings.items():
        print(f"{name:>22}: median {statistics.median(values):7.1f} ms, "
              f"max {max(values):7.1f} ms over {len(values)} rounds")


if __name__ == "__main__":
    main()

"""The per-line cost of parsing: microseconds a candidate line spends in
``ScanState.line_text`` (decode, key search, envelope, header and message regexes, fields,
folding, the column append), by the line's layout and what it became.

    python benchmarks/parse_cost.py                       # the real logs and a fleet's files
    python benchmarks/parse_cost.py FILE... --rounds 5    # any files (plain, syslog, JSON)

(with the tree to measure first on PYTHONPATH; it reads ../shared/real_logs, or
$LOGANALYZER_SHARED/real_logs, and /tmp/sf/fleet-120-3000 when there)

The candidate lines are the ones the prefilter passes (the catalogue's anchors, searched in
Python as ``ScanState.block`` does); each file's lines are parsed ``--rounds`` times, each round
by a fresh scanning state, and the fastest round's per-line times are kept. Layouts: ``plain``
(oslo.log's own, a time stamp first), ``json`` (journald / oslo JSON records), ``env`` (syslog,
grep output and other prefixes). Outcomes: ``event:<kind>``, ``dump`` (start-up option dump
rows), ``folded`` (repeated monitor lines folded into a row), ``rejected`` (no key, or a key the
grammar did not match). Run by hand (not part of the tests); CPU-bound and single-threaded.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from pathlib import Path

from loganalyzer.logs.anchors import ANCHORS
from loganalyzer.logs.scan import FileReport, Origin, ScanResult, ScanState

HERE = Path(__file__).resolve().parent
FLEET = "/tmp/sf/fleet-120-3000"


def default_inputs() -> list[Path]:
    """Every real log (``$LOGANALYZER_SHARED`` or ../shared) and one file of each layout of
    the simulated fleet at /tmp/sf/fleet-120-3000 when present."""
    out: list[Path] = []
    env = os.environ.get("LOGANALYZER_SHARED")
    for shared in ([Path(env)] if env else []) + [HERE.parent.parent / "shared"]:
        if (shared / "real_logs").is_dir():
            out += sorted(p for p in (shared / "real_logs").iterdir()
                          if p.is_file() and ".log" in p.name)
            break
    fleet = Path(FLEET)
    if fleet.is_dir():
        for pattern in ("*/var/log/nova/nova-compute.log", "*/var/log/messages",
                        "*/sos_commands/logs/journalctl_*"):
            out += sorted(fleet.glob(pattern))[:3]
    return out


def candidates(data: bytes) -> list[tuple[int, bytes]]:
    """(line number, bytes) of every line holding an anchor."""
    out = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if any(a in line for a in ANCHORS):
            out.append((number, line))
    return out


def layout(raw: bytes) -> str:
    text = raw.lstrip(b"\x00 \t")
    if text.startswith(b"{"):
        return "json"
    return "plain" if text[:4].isdigit() else "env"


def one_round(path: Path, lines: list[tuple[int, bytes]]
              ) -> tuple[list[float], list[str]]:
    """Per-line seconds and outcomes of one pass with a fresh state."""
    origin = Origin(str(path), "host-1", "file", 2024)
    result = ScanResult(FileReport(str(path), "host-1", "file", None))
    state = ScanState(origin, result, True)
    clock = time.perf_counter
    costs: list[float] = []
    outcomes: list[str] = []
    events = result.events
    for number, raw in lines:
        rows, folded = events.rows, result.file.folded
        start = clock()
        state.line_text(raw, number)
        costs.append(clock() - start)
        if events.rows > rows:
            kind = events.data["kind"][-1]
            outcomes.append("dump" if b" log_opt_values " in raw else f"event:{kind}")
        elif result.file.folded > folded:
            outcomes.append("folded")
        else:
            outcomes.append("rejected")
    return costs, outcomes


def measure(paths: list[Path], rounds: int) -> dict[tuple[str, str], list[float]]:
    """Per (layout, outcome): [lines, seconds of the fastest round per line summed]."""
    table: dict[tuple[str, str], list[float]] = collections.defaultdict(lambda: [0, 0.0])
    for path in paths:
        lines = candidates(path.read_bytes())
        best: list[float] | None = None
        outcomes: list[str] = []
        for _ in range(rounds):
            costs, outcomes = one_round(path, lines)
            best = costs if best is None else [min(a, b) for a, b in zip(best, costs,
                                                                         strict=True)]
        for (_, raw), cost, outcome in zip(lines, best or [], outcomes, strict=True):
            row = table[(layout(raw), outcome)]
            row[0] += 1
            row[1] += cost
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    paths = args.files or default_inputs()
    if not paths:
        sys.exit("no input: give files, or have ../shared/real_logs or " + FLEET)
    start = time.process_time()
    table = measure(paths, args.rounds)
    cpu = time.process_time() - start
    print(f"{len(paths)} files, {args.rounds} rounds, {cpu:.1f} s CPU")
    print(f"{'layout':6} {'outcome':32} {'lines':>8} {'us/line':>8} {'ms':>8}")
    totals: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])
    for (where, outcome), (count, seconds) in sorted(table.items(),
                                                     key=lambda kv: -kv[1][1]):
        print(f"{where:6} {outcome:32} {int(count):8d} {seconds / count * 1e6:8.1f} "
              f"{seconds * 1e3:8.1f}")
        group = "events" if outcome.startswith("event:") else outcome
        totals[f"{where} {group}"][0] += count
        totals[f"{where} {group}"][1] += seconds
    print("by layout (events: every event:<kind> row above)")
    for name, (count, seconds) in sorted(totals.items()):
        print(f"  {name:24} {int(count):8d} {seconds / count * 1e6:8.1f} us/line")


if __name__ == "__main__":
    main()

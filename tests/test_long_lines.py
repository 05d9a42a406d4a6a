"""Lines longer than ``--max-line-bytes`` (issue 13, C20): cut there on every path, one
warning per file, the right line count, and memory bounded whatever the line's length."""

from __future__ import annotations

import gzip
import io
import resource
import sys

import pytest

from loganalyzer.api import Reading
from loganalyzer.errors import InputError
from loganalyzer.logs import prefilter
from loganalyzer.logs.read import EventSet
from tests.helpers import step_line

CAP = 4096


def read(paths: list[str], tool: str, monkeypatch, cap: int | None = CAP) -> EventSet:
    monkeypatch.setenv("LOGANALYZER_PREFILTER", tool)
    if tool != "python" and (prefilter.tool() or ("",))[0] != tool:
        pytest.skip(f"{tool} is not installed")
    return Reading("local", max_line_bytes=cap).read(paths)


def summary(events: EventSet) -> tuple:
    columns = {k: v for k, v in events.columns.items() if k not in ("file", "host", "host_source")}
    return (columns, [(f.lines, f.bytes, f.events, f.unrecognized) for f in events.files],
            [w.split(": ", 1)[1] for w in events.warnings], events.unrecognized and
            [(u["line"], u["text"]) for u in events.unrecognized])


def long_lines_log() -> bytes:
    """Ordinary step lines between long lines: long with a step at their start (parsed from
    their first bytes), long with the key only past the cap (a candidate for the tools, but
    its first bytes hold nothing), long without any key."""
    out = []
    for n in range(6):
        out.append(step_line(n).encode())
        out.append(step_line(n).encode() + b" " + b"x" * 20_000)
        out.append(b"y" * 10_000 + b" Increasing downtime to 5 ms after 0 sec elapsed time")
        out.append(b"z" * 30_000)
    return b"\n".join(out) + b"\n"


@pytest.mark.parametrize("tool", ["rg", "grep"])
def test_long_lines_read_alike_on_every_path(tool, tmp_path, monkeypatch):
    data = long_lines_log()
    plain = tmp_path / "nova-compute.log"
    plain.write_bytes(data)
    packed = tmp_path / "gz" / "nova-compute.log.1.gz"
    packed.parent.mkdir()
    packed.write_bytes(gzip.compress(data))
    reference = read([str(plain)], "python", monkeypatch)
    assert reference.files[0].lines == 24 and reference.rows == 6
    assert [u["line"] for u in reference.unrecognized] == [2, 3, 6, 7, 10, 11, 14, 15, 18, 19,
                                                           22, 23]
    assert "lies past the first 4,096 bytes" in reference.unrecognized[1]["reason"]
    (warning,) = reference.warnings
    assert warning == (f"{plain}: 12 line(s) holding a catalogue key are longer than 4,096 "
                       "bytes (the first is line 2); only their first 4,096 bytes were read "
                       "(--max-line-bytes)")
    for path in (plain, packed):
        assert summary(read([str(path)], tool, monkeypatch)) == summary(reference)
    with open(plain, "rb") as raw:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(raw))
        assert summary(read(["-"], "python", monkeypatch)) == summary(reference)


@pytest.mark.parametrize("tool", ["rg", "grep", "python"])
def test_a_file_without_newlines_is_one_line(tool, tmp_path, monkeypatch):
    """Not 151 warnings and ``lines: 151``: one line, one warning."""
    path = tmp_path / "nova-compute.log"
    path.write_bytes(step_line(3).encode() + b" " + b"q" * 3_000_000)
    events = read([str(path)], tool, monkeypatch)
    assert events.files[0].lines == 1 and events.files[0].bytes == path.stat().st_size
    assert [(u["line"], u["text"][:30]) for u in events.unrecognized] == [
        (1, step_line(3)[:30])]  # the step with text after it: its first bytes, unrecognized
    assert len(events.warnings) == 1 and "(the first is line 1)" in events.warnings[0]


def test_the_default_cap_and_its_bounds(tmp_path, monkeypatch):
    from loganalyzer.logs.scan import MAX_LINE, max_line_bytes

    monkeypatch.delenv("LOGANALYZER_MAX_LINE_BYTES", raising=False)
    assert max_line_bytes() == MAX_LINE == 1 << 20
    path = tmp_path / "nova-compute.log"
    path.write_bytes(step_line(1).encode() + b" " + b"w" * (MAX_LINE + 10) + b"\n")
    events = read([str(path)], "python", monkeypatch, cap=None)
    assert "longer than 1,048,576 bytes" in events.warnings[0]
    with pytest.raises(InputError, match="--max-line-bytes 100: at least 4096"):
        Reading("local", max_line_bytes=100).read([str(path)])


@pytest.mark.slow
@pytest.mark.parametrize("tool", ["rg", "grep"])
def test_a_line_longer_than_the_tools_memory_is_read_in_bounded_memory(tool, tmp_path,
                                                                       monkeypatch):
    """A 160 MB line (benchmarks/limits.py runs 4 GB): the search tool may not hold it (its
    address space is capped), the file is read in Python instead, in bounded memory."""
    monkeypatch.setattr(prefilter, "TOOL_MEMORY", 48 << 20)
    path = tmp_path / "nova-compute.log"
    with open(path, "wb") as fh:
        fh.write(step_line(2).encode() + b"\n" + step_line(4).encode() + b" ")
        for _ in range(160):
            fh.write(b"a" * (1 << 20))
        fh.write(b"\n" + step_line(5).encode() + b"\n")
    tried = []
    original = prefilter.scan_plain_file
    monkeypatch.setattr(prefilter, "scan_plain_file",
                        lambda *a, **k: tried.append(original(*a, **k)) or tried[-1])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    events = read([str(path)], tool, monkeypatch, cap=None)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert tried == [None]  # the tool gave up: Python read the file
    assert grown_mb < 60
    assert events.files[0].lines == 3 and events.columns["downtime_ms"] == [140, 275]
    assert [u["line"] for u in events.unrecognized] == [2]
    assert any("line(s) holding a catalogue key are longer" in w for w in events.warnings)

"""Damaged and truncated compressed input (issue 13, A3–A5): every read path recovers every
byte before the damage, identically, with one warning naming the input.

The damaged files are generated here. The oracle for "everything before the damage" is the
system's own decompressor (``zcat`` …) where it is installed, and the plain bytes themselves:
what is read must be the start of the original log, at least as long as the tool's output.
"""

from __future__ import annotations

import bz2
import gzip
import importlib.util
import io
import lzma
import shutil
import subprocess
import sys
import tarfile
import zlib
from datetime import timedelta
from pathlib import Path

import pytest

from loganalyzer.logs import prefilter
from loganalyzer.logs.read import EventSet, collect
from tests.helpers import T0, noise_line, step_line

PATHS = ["rg", "grep", "python", "stdin", "tar", "url"]


def log_bytes(lines: int = 12_000) -> bytes:
    """A log of noise with a downtime step every 100 lines (~2 MB)."""
    out = []
    for i in range(lines):
        out.append(noise_line(T0 + timedelta(seconds=i), i))
        if i % 100 == 0:
            out.append(step_line(i // 100 % 10, T0 + timedelta(seconds=i)))
    return "".join(line if line.endswith("\n") else line + "\n" for line in out).encode()


def comparable(events: EventSet) -> dict[str, list[object]]:
    """The event columns without the input's name and host (each path has its own)."""
    return {k: v for k, v in events.columns.items() if k not in ("file", "host", "host_source")}


def read_by(path_kind: str, path: Path, tmp_path: Path, monkeypatch) -> EventSet:
    """``path`` read the way ``path_kind`` says."""
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "python" if path_kind not in ("rg", "grep")
                       else path_kind)
    if path_kind in ("rg", "grep"):
        found = prefilter.tool()
        if found is None or found[0] != path_kind:
            pytest.skip(f"{path_kind} is not installed")
        return collect([str(path)], engine="local")
    if path_kind == "python":
        return collect([str(path)], engine="local")
    if path_kind == "stdin":
        with open(path, "rb") as raw:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(raw))
            return collect(["-"], engine="local")
    if path_kind == "tar":
        archive = tmp_path / f"{path.name}.tar"
        with tarfile.open(archive, "w") as tar:
            tar.add(path, arcname=f"var/log/nova/{path.name}")
        return collect([str(archive)], engine="local")
    pytest.importorskip("fsspec")
    return collect([path.resolve().as_uri()], engine="local")


def system_output(tool: str, path: Path) -> bytes | None:
    """What the system's decompressor writes for a damaged file (None: not installed)."""
    if shutil.which(tool) is None:
        return None
    with open(path, "rb") as raw:
        return subprocess.run([tool], stdin=raw, capture_output=True, check=False).stdout


def damaged_gzips(tmp_path: Path) -> dict[str, tuple[Path, bytes]]:
    """The three damages of issue 13 A3, each with the original log."""
    data = log_bytes()
    packed = gzip.compress(data)
    files = {}
    trailer = bytearray(packed)
    trailer[-6] ^= 0x01  # one bit of the CRC: zcat writes everything, then complains
    files["trailer"] = (trailer, data)
    block = bytearray(packed)
    block[len(block) // 2:len(block) // 2 + 24] = b"\xff" * 24  # a broken deflate block
    files["block"] = (block, data)
    small = log_bytes(1_500)
    small_packed = bytearray(gzip.compress(small))
    small_packed[len(small_packed) // 2:len(small_packed) // 2 + 8] = bytes(8)
    files["small"] = (small_packed, small)
    out = {}
    for name, (damaged, original) in files.items():
        path = tmp_path / name / "nova-compute.log.1.gz"
        path.parent.mkdir()
        path.write_bytes(bytes(damaged))
        out[name] = (path, original)
    return out


def decodable(packed: bytes) -> bytes:
    """Every byte zlib decodes from ``packed`` before it finds the damage, fed one byte at
    a time (the slow, obviously complete way)."""
    decoder, out = zlib.decompressobj(wbits=47), []
    for i in range(len(packed)):
        try:
            out.append(decoder.decompress(packed[i:i + 1]))
        except zlib.error:
            break
    return b"".join(out)


@pytest.mark.parametrize("damage", ["trailer", "block", "small"])
def test_a_damaged_gzip_reads_alike_on_every_path(damage, tmp_path, monkeypatch):
    path, original = damaged_gzips(tmp_path)[damage]
    expected = decodable(path.read_bytes())
    zcat = system_output("zcat", path)
    if zcat is not None:
        assert expected.startswith(zcat)  # the oracle is no shorter than zcat's output
    plain = tmp_path / "recovered" / "nova-compute.log"
    plain.parent.mkdir()
    plain.write_bytes(expected)
    reference = comparable(read_by("python", plain, tmp_path, monkeypatch))
    seen = []
    for kind in PATHS:
        try:
            events = read_by(kind, path, tmp_path, monkeypatch)
        except pytest.skip.Exception:
            continue
        assert len(events.files) == 1, kind
        read = events.files[0]
        assert (read.bytes, read.lines) == (len(expected), expected.count(b"\n") + (
            0 if expected.endswith(b"\n") else 1)), kind
        assert comparable(events) == reference, kind
        warned = [w for w in events.warnings if "unreadable after" in w]
        name = "-" if kind == "stdin" else path.name
        assert len(warned) == 1 and name in warned[0] and "gzip" in warned[0], \
            (kind, events.warnings)
        seen.append(kind)
    assert {"python", "stdin", "tar"} <= set(seen)
    if damage == "trailer":  # only the checksum is wrong: every byte of the log is there
        assert expected == original


def compressors() -> dict[str, tuple[object, str]]:
    found = {"gz": (gzip.compress, "zcat"), "bz2": (bz2.compress, "bzcat"),
             "xz": (lzma.compress, "xzcat")}
    if importlib.util.find_spec("zstandard"):
        import zstandard

        found["zst"] = (zstandard.ZstdCompressor().compress, "zstdcat")
    return found


@pytest.mark.parametrize("suffix", ["gz", "bz2", "xz", "zst"])
def test_a_truncated_file_of_every_codec_warns_and_keeps_the_start(suffix, tmp_path,
                                                                  monkeypatch):
    """Cut at 60 %: a warning naming the input on files and stdin, and every byte before the
    cut used (at least what the system's decompressor writes)."""
    codecs = compressors()
    if suffix not in codecs:
        pytest.skip("zstandard is not installed")
    compress, tool = codecs[suffix]
    original = log_bytes()
    packed = compress(original)  # type: ignore[operator]
    path = tmp_path / f"nova-compute.log.1.{suffix}"
    path.write_bytes(packed[: len(packed) * 6 // 10])
    expected = system_output(tool, path)
    seen = {}
    for kind in ("rg", "grep", "python", "stdin"):
        try:
            events = read_by(kind, path, tmp_path, monkeypatch)
        except pytest.skip.Exception:
            continue
        read = events.files[0]
        assert 0 < read.bytes < len(original), kind
        if expected is not None:
            assert read.bytes >= len(expected), (kind, read.bytes, len(expected))
        name = "-" if kind == "stdin" else str(path)
        assert events.warnings == [
            f"{name}: unreadable after {read.bytes} bytes of log (the compressed data ends "
            "early: truncated file); everything before that was read"], kind
        seen[kind] = (comparable(events), read.bytes, read.lines)
    assert all(got == seen["python"] for got in seen.values())
    assert seen["python"][0]["kind"]  # the steps before the cut are there


def test_a_truncated_sosreport_tarball_keeps_the_member_cut_in_the_middle(tmp_path):
    """A ``.tar.gz`` sosreport cut at 60 %: the log it cuts is read up to the damage (as
    GNU tar recovers it), with warnings; never "no input could be read"."""
    original = log_bytes()
    root = tmp_path / "sosreport-cmp1-2024-05-01-abcdef"
    (root / "var/log/nova").mkdir(parents=True)
    (root / "var/log/nova/nova-compute.log").write_bytes(original)
    (root / "hostname").write_text("cmp1\n")
    archive = tmp_path / "sosreport.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(root, arcname=root.name)
    packed = archive.read_bytes()
    archive.write_bytes(packed[: len(packed) * 6 // 10])
    events = collect([str(archive)], engine="local")
    assert events.read_anything
    (read,) = events.files
    assert read.path == f"{archive}:{root.name}/var/log/nova/nova-compute.log"
    assert read.host == "cmp1" and 0 < read.bytes < len(original)
    gnu_tar = shutil.which("tar")
    if gnu_tar:
        recovered = subprocess.run([gnu_tar, "-xzOf", str(archive)], capture_output=True,
                                   check=False).stdout
        assert read.bytes >= len(recovered) > 0
    plain = tmp_path / "plain.log"
    plain.write_bytes(original[: read.bytes])
    assert comparable(collect([str(plain)], engine="local"))["kind"] == \
        events.columns["kind"]
    assert any(w.startswith(f"{archive}: archive unreadable after") for w in events.warnings)
    assert any(w.startswith(f"{read.path}: unreadable after {read.bytes} bytes")
               for w in events.warnings)

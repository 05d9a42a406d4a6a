"""Sources and layouts: folders, rotation, compression by magic, sosreports, stdin, bad input."""

from __future__ import annotations

import bz2
import gzip
import importlib.util
import io
import lzma
import os
import tarfile
from datetime import timedelta

import pytest

from loganalyzer.errors import InputError
from loganalyzer.logs.ingest.discover import classify_name, host_from_path, rotation_key
from loganalyzer.logs.read import collect, parse_host_options
from loganalyzer.logs.scan import CHUNK, Origin, scan_stream
from tests.helpers import T0, noise_line, step_line


def write(path, text: str | bytes, opener=open) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = text.encode() if isinstance(text, str) else text
    with opener(path, "wb") as fh:
        fh.write(data)
    return str(path)


def log(*lines: str) -> str:
    return "".join(line + "\n" for line in lines)


def test_rotated_set_in_age_order_with_compression_by_magic(tmp_path):
    folder = tmp_path / "cmp1"
    # step 0 is oldest (.3.gz), step 3 is the current file
    write(folder / "nova-compute.log.3.gz", log(step_line(0)), gzip.open)
    write(folder / "nova-compute.log.2.gz", log(step_line(1)), bz2.open)  # misnamed: bzip2
    write(folder / "nova-compute.log.1", log(step_line(2)), gzip.open)  # gzip without .gz
    write(folder / "nova-compute.log", log(noise_line(T0), step_line(3)))
    events = collect([str(tmp_path)])
    names = [os.path.basename(f.path) for f in events.files]
    assert names == ["nova-compute.log.3.gz", "nova-compute.log.2.gz", "nova-compute.log.1",
                     "nova-compute.log"]
    assert [f.compression for f in events.files] == ["gzip", "bzip2", "gzip", None]
    assert events.events["downtime_ms"].tolist() == [50, 95, 140, 185]
    assert events.events["line"].tolist() == [1, 1, 1, 2]
    assert set(events.events["host"]) == {"cmp1"}
    assert not events.warnings


def test_rotation_keys():
    names = ["nova-compute.log", "nova-compute.log.1", "nova-compute.log.10.gz",
             "nova-compute.log.2.gz", "nova-compute.log-20240601.gz", "nova-compute.log-20240530"]
    assert sorted(names, key=rotation_key) == [
        "nova-compute.log.10.gz", "nova-compute.log.2.gz", "nova-compute.log.1",
        "nova-compute.log-20240530", "nova-compute.log-20240601.gz", "nova-compute.log"]


def test_xz_and_zstd(tmp_path):
    write(tmp_path / "a" / "nova-compute.log.4.xz", log(step_line(0)), lzma.open)
    zst = tmp_path / "b" / "nova-compute.log.1.zst"
    os.makedirs(zst.parent)
    zst.write_bytes(b"\x28\xb5\x2f\xfd" + b"\x00" * 16)
    events = collect([str(tmp_path)])
    assert events.events["downtime_ms"].tolist() == [50]
    if importlib.util.find_spec("zstandard") is None:
        assert any("zstandard" in w and str(zst) in w for w in events.warnings)
    else:
        assert any(str(zst) in w for w in events.warnings)  # corrupt frame: a warning


@pytest.mark.parametrize(("name", "kind"), [
    ("nova-compute.log", "nova"), ("n-cpu.log.1", "nova"), ("nova-compute-ironic.log.2.gz", "nova"),
    ("nova_compute.json", "nova"), ("messages-20240711", "syslog"), ("syslog.1", "syslog"),
    ("journalctl_--no-pager_--unit_nova-compute", "journal"), ("other.log", "sniff"),
    ("sosreport.tar.xz", "tar"), ("README", None), ("nova-api.py", None),
])
def test_classify_name(name, kind):
    assert classify_name(name) == kind


def test_folder_picks_by_name_and_content(tmp_path):
    write(tmp_path / "n-cpu.log", log(step_line(0)))
    write(tmp_path / "custom-name.log", log(step_line(1)))  # sniffed: has nova lines
    write(tmp_path / "unrelated.log", log("2024-05-01 12:00:00 kernel: Increasing downtime"))
    write(tmp_path / "README", log(step_line(2)))  # not a log name: skipped
    events = collect([str(tmp_path)])
    assert sorted(os.path.basename(f.path) for f in events.files) == [
        "custom-name.log", "n-cpu.log"]
    assert {os.path.basename(f.path): f.skipped for f in events.passed_over} == {
        "README": "its name is not a log's",
        "unrelated.log": "no nova-compute line in its first 64 KiB"}


def test_sosreport_folder_layouts(tmp_path):
    root = tmp_path / "sosreport-compute-1-2024-07-11-abcdef"
    write(root / "hostname", "compute-1.example.org\n")
    os.makedirs(root / "sos_commands" / "logs")
    write(root / "var/log/kolla/nova/nova-compute.log", log(step_line(0)))
    write(root / "var/log/containers/nova/nova-compute.log.1", log(step_line(1)))
    from loganalyzer.logs import writer as lw

    journal = lw.syslog_line(step_line(2), T0, "compute-1")
    write(root / "sos_commands/logs/journalctl_--no-pager", log(journal))
    events = collect([str(tmp_path)])
    frame = events.events.sort_values("downtime_ms")
    assert frame["host"].tolist() == ["compute-1.example.org", "compute-1.example.org",
                                      "compute-1"]
    assert frame["host_source"].tolist() == ["sosreport hostname", "sosreport hostname",
                                             "syslog"]


def test_sosreport_tarball_read_in_place(tmp_path):
    archive = tmp_path / "sosreport-compute-2.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        for name, data in (
            ("sosreport-compute-2/var/log/nova/nova-compute.log.1", log(step_line(0))),
            ("sosreport-compute-2/var/log/nova/nova-compute.log",
             log(noise_line(T0), step_line(1))),
            ("sosreport-compute-2/etc/nova/nova.conf", "[libvirt]\n"),
            ("sosreport-compute-2/hostname", "compute-2.example.org\n"),  # after the logs
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data.encode())
            info.mtime = 1714564800
            tar.addfile(info, io.BytesIO(data.encode()))
    before = set(os.listdir(tmp_path))
    events = collect([str(archive)])
    assert set(os.listdir(tmp_path)) == before  # nothing extracted
    assert events.events["downtime_ms"].tolist() == [50, 95]
    assert set(events.events["host"]) == {"compute-2.example.org"}
    assert {f.path.split(":", 1)[1] for f in events.files} == {
        "sosreport-compute-2/var/log/nova/nova-compute.log.1",
        "sosreport-compute-2/var/log/nova/nova-compute.log"}
    assert {f.path.split(":", 1)[1]: f.skipped for f in events.passed_over} == {
        "sosreport-compute-2/etc/nova/nova.conf": "a configuration file, not a log"}
    assert events.events["file"].iloc[0].startswith(str(archive) + ":")


def test_host_option_for_file_and_folder(tmp_path):
    a = write(tmp_path / "x" / "nova-compute.log", log(step_line(0)))
    write(tmp_path / "y" / "nova-compute.log", log(step_line(1)))
    hosts = parse_host_options([f"{a}=alpha", f"{tmp_path / 'y'}/=beta"])
    events = collect([str(tmp_path)], hosts)
    assert events.events["host"].tolist() == ["alpha", "beta"]
    assert set(events.events["host_source"]) == {"--host"}
    with pytest.raises(InputError, match="--host nohost: expected PATH=HOST"):
        parse_host_options(["nohost"])


def test_host_from_path():
    assert host_from_path("sosreport-compute-1-2024-07-11-rujznhs/var/log/messages") == \
        "compute-1"
    assert host_from_path("/logs/cmp3/nova-compute.log.2.gz") == "cmp3"
    assert host_from_path("/logs/cmp3/cmp3-nova-compute.log") == "cmp3"
    assert host_from_path("/var/log/nova/nova-compute.log") is None


def test_truncated_gzip_keeps_what_was_read(tmp_path):
    lines = [step_line(i % 10, T0 + timedelta(seconds=i)) for i in range(20000)]
    data = gzip.compress(log(*lines).encode())
    path = write(tmp_path / "nova-compute.log.1.gz", data[: len(data) * 2 // 3])
    events = collect([path])
    assert 0 < len(events.events) < 20000
    assert events.events["line"].tolist() == list(range(1, len(events.events) + 1))
    assert len(events.warnings) == 1
    assert path in events.warnings[0] and "truncated" in events.warnings[0]


def test_binary_junk_nul_bytes_and_invalid_utf8(tmp_path):
    junk = bytes(range(256)) * 64 + b"\x00" * 100
    text = (log(step_line(0)).encode() + junk + b"\n" + b"\xff\xfe bad \xc3\x28 bytes\n"
            + log(step_line(1).replace("elapsed time", "elapsed time")).encode()
            .replace(b"[instance:", b"\xc3\x28 [instance:"))
    path = write(tmp_path / "nova-compute.log", text)
    events = collect([path])
    assert events.events["downtime_ms"].tolist()[0] == 50
    assert any("NUL bytes" in w and path in w for w in events.warnings)


def test_empty_unreadable_and_missing(tmp_path):
    empty = write(tmp_path / "nova-compute.log", b"")
    dangling = tmp_path / "n-cpu.log"
    os.symlink(tmp_path / "gone", dangling)
    events = collect([empty, str(dangling), str(tmp_path / "absent.log")])
    assert any(empty in w and "empty" in w for w in events.warnings)
    assert any(str(dangling) in w and "cannot read" in w for w in events.warnings)
    assert any("absent.log" in w for w in events.warnings)
    assert events.read_anything
    assert not collect([str(dangling)]).read_anything


def test_ten_megabyte_line(tmp_path):
    huge = "x" * (10 << 20) + " Increasing downtime to 50 ms after 0 sec elapsed time"
    path = write(tmp_path / "nova-compute.log", log(step_line(0), huge, step_line(1)))
    events = collect([path])
    assert events.events["downtime_ms"].tolist() == [50, 95]
    assert events.events["line"].tolist() == [1, 3]
    assert [(u["line"], len(u["text"])) for u in events.unrecognized] == [(2, 2000)]


class Dribble(io.RawIOBase):
    """A stream that hands out its bytes in small, uneven reads."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self.data, self.sizes, self.i = data, sizes, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        n = self.sizes[self.i % len(self.sizes)]
        self.i += 1
        out, self.data = self.data[:n], self.data[n:]
        return out


def test_reads_that_split_lines_anywhere():
    lines = [step_line(i % 11, T0 + timedelta(seconds=i)) for i in range(300)]
    data = log(*lines).encode()
    whole = scan_stream(io.BytesIO(data), Origin("a", None, "unknown"))
    split = scan_stream(Dribble(data, [1, 7, 333, 2, 4096]), Origin("a", None, "unknown"))
    assert whole.events.finish() == split.events.finish()
    assert whole.file.lines == split.file.lines == 300
    assert len(data) < CHUNK  # the dribble, not the chunk size, exercises the carry


def test_chunk_boundaries(monkeypatch):
    import loganalyzer.logs.scan as scan_module

    lines = [step_line(i % 11, T0 + timedelta(seconds=i)) for i in range(300)]
    data = log(*lines).encode()
    monkeypatch.setattr(scan_module, "CHUNK", 97)
    result = scan_module.scan_stream(io.BytesIO(data), Origin("a", None, "unknown"))
    assert result.events.rows == 300
    assert result.events.finish()["line"] == list(range(1, 301))

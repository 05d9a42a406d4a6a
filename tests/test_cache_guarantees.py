"""What ``--cache`` guarantees (issue 13: A2, A9, B17, D27): an entry describes exactly the
bytes scanned, even of a log written to during the scan; a same-size edit with the mtime set
back is noticed, and ``--cache-verify`` notices any edit; a damaged entry is a warning and a
fresh scan; a cache folder that cannot be used is one warning."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import threading
import time

import pandas as pd
import pytest
from typer.testing import CliRunner

from loganalyzer.cli import app
from loganalyzer.logs.read import collect
from tests.conftest import REPO
from tests.scenarios import host_logs, script

runner = CliRunner()


@pytest.fixture(scope="module")
def log_text(tmp_path_factory) -> bytes:
    """A few MB of DEBUG log holding several migrations."""
    from loganalyzer.simulate.narrate import narrate

    text = ""
    for i in range(6):
        s = script(instance=f"00000000-0000-4000-8000-00000000000{i}", duration=900,
                   converge=800, start=pd.Timestamp("2024-05-01 12:00") +
                   pd.Timedelta(hours=i))
        text += host_logs([(s, narrate(s))])["compute-1"]
    return text.encode()


def same(a, b) -> None:
    pd.testing.assert_frame_equal(a.events, b.events)
    assert a.unrecognized == b.unrecognized
    assert [f.to_json() for f in a.files] == [f.to_json() for f in b.files]


def entry_meta(cache) -> tuple[str, dict]:
    (name,) = [n for n in os.listdir(cache) if not n.startswith(".")]
    path = os.path.join(cache, name, "meta.json")
    with open(path, encoding="utf-8") as fh:
        return path, json.load(fh)


@pytest.mark.parametrize("prefilter", ["auto", "python"])
def test_a_log_written_during_the_scan_is_cached_for_the_bytes_scanned(
        tmp_path, log_text, monkeypatch, prefilter):
    monkeypatch.setenv("LOGANALYZER_PREFILTER", prefilter)
    half = log_text.index(b"\n", len(log_text) // 3) + 1
    log = tmp_path / "nova-compute.log"
    log.write_bytes(log_text[:half])
    lines = log_text[half:].splitlines(keepends=True)
    stop = threading.Event()

    def writer() -> None:  # nova-compute still logging: whole lines, one write each
        with open(log, "ab", buffering=0) as fh:
            for number, line in enumerate(itertools.cycle(lines)):
                if stop.is_set():
                    return
                fh.write(line)
                if number % 20 == 0:
                    time.sleep(0.0005)

    cache = str(tmp_path / "cache")
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        during = collect([str(log)], cache_dir=cache)
    finally:
        stop.set()
        thread.join()
    written = log.read_bytes()
    _, meta = entry_meta(cache)
    scanned = meta["fingerprint"]["size"]
    assert meta["file"]["bytes"] == scanned == during.files[0].bytes
    assert len(written) > scanned, "the writer should still have been appending"
    # the cached result is a scan of exactly that prefix ...
    log.write_bytes(written[:scanned])
    same(during, collect([str(log)]))
    # ... and a re-run after the writer finished reads the rest exactly once
    log.write_bytes(written)
    same(collect([str(log)], cache_dir=cache), collect([str(log)]))


def middle_edit(data: bytes) -> bytes:
    """The same size, one downtime value changed far from the first and last 64 KiB."""
    at = data.index(b"Increasing downtime to ", len(data) // 2) + len("Increasing downtime to ")
    digit = data[at:at + 1]
    assert digit.isdigit()
    return data[:at] + (b"9" if digit != b"9" else b"8") + data[at + 1:]


def test_a_same_size_edit_with_the_mtime_set_back_is_noticed(tmp_path, log_text):
    log = tmp_path / "nova-compute.log"
    log.write_bytes(log_text)
    cache = str(tmp_path / "cache")
    collect([str(log)], cache_dir=cache)
    before = os.stat(log)
    log.write_bytes(middle_edit(log_text))
    os.utime(log, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(log).st_size == before.st_size
    fresh = collect([str(log)])
    same(collect([str(log)], cache_dir=cache), fresh)


def test_cache_verify_notices_an_edit_before_the_old_end_of_a_grown_log(tmp_path, log_text):
    cut = log_text.index(b"\n", len(log_text) * 2 // 3) + 1
    log = tmp_path / "nova-compute.log"
    log.write_bytes(log_text[:cut])
    cache = str(tmp_path / "cache")
    first = collect([str(log)], cache_dir=cache, cache_verify=True)
    assert entry_meta(cache)[1]["fingerprint"]["sha256"]
    same(collect([str(log)], cache_dir=cache, cache_verify=True), first)  # reused
    log.write_bytes(middle_edit(log_text[:cut]) + log_text[cut:])  # edited, then grew
    same(collect([str(log)], cache_dir=cache, cache_verify=True), collect([str(log)]))


def damage_meta(key: str, value):
    def edit(entry: str) -> None:
        path = os.path.join(entry, "meta.json")
        with open(path, encoding="utf-8") as fh:
            meta = json.load(fh)
        parent, _, name = key.rpartition(".")
        (meta[parent] if parent else meta)[name] = value
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(meta, fh)
    return edit


def truncate_parquet(entry: str) -> None:
    path = os.path.join(entry, "events.parquet")
    size = os.path.getsize(path)
    with open(path, "r+b") as fh:
        fh.truncate(size // 2)


def other_runs_parquet(entry: str) -> None:
    """events.parquet replaced by another run's (a different token)."""
    import pyarrow.parquet as pq

    path = os.path.join(entry, "events.parquet")
    table = pq.read_table(path)
    pq.write_table(table.replace_schema_metadata(
        {b"loganalyzer.cache.token": b"another run"}), path)


@pytest.mark.parametrize("damage", [
    damage_meta("fingerprint", None), damage_meta("extra", 1), damage_meta("rows", 3),
    damage_meta("file.bytes", "lots"), damage_meta("fingerprint.size", None),
    damage_meta("file.extra", 0), truncate_parquet, other_runs_parquet],
    ids=["fingerprint-null", "extra-key", "rows", "file-bytes", "size-null", "file-extra",
         "truncated-parquet", "other-run"])
def test_a_damaged_entry_is_a_warning_and_a_rescan(tmp_path, log_text, damage):
    log = tmp_path / "nova-compute.log"
    log.write_bytes(log_text)
    cache = str(tmp_path / "cache")
    collect([str(log)], cache_dir=cache)
    meta_path, _ = entry_meta(cache)
    damage(os.path.dirname(meta_path))
    again = collect([str(log)], cache_dir=cache)
    fresh = collect([str(log)])
    assert [w for w in again.warnings if "is damaged" in w and "scanned again" in w], \
        again.warnings
    again.warnings = [w for w in again.warnings if "is damaged" not in w]
    same(again, fresh)
    same(collect([str(log)], cache_dir=cache), fresh)  # and the entry was written anew


def test_a_damaged_entry_through_the_command_line(tmp_path):
    sample = str(REPO / "sample_logs")
    cache = str(tmp_path / "cache")
    first = runner.invoke(app, ["migrations", sample, "-q", "-f", "json", "--cache", cache])
    for name in os.listdir(cache):
        damage_meta("rows", 0)(os.path.join(cache, name))
    again = runner.invoke(app, ["migrations", sample, "-q", "-f", "json", "--cache", cache])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["migrations"] == json.loads(first.stdout)["migrations"]
    assert "is damaged" in again.stderr


def test_a_cache_path_that_is_a_file_is_one_warning(tmp_path, log_text):
    logs = []
    for i in range(3):
        log = tmp_path / f"h{i}" / "nova-compute.log"
        log.parent.mkdir()
        log.write_bytes(log_text)
        logs.append(str(log))
    plain = tmp_path / "not-a-folder"
    plain.write_text("x")
    read = collect(logs, cache_dir=str(plain))
    assert [w for w in read.warnings if "--cache" in w] == [
        f"--cache {plain}: not a folder; nothing is cached this run"]
    same(read, collect(logs))
    assert plain.read_text() == "x"


def test_a_read_only_cache_folder_is_one_warning_and_still_read(tmp_path, log_text):
    log = tmp_path / "nova-compute.log"
    log.write_bytes(log_text)
    folder = tmp_path / "ro"
    folder.mkdir()
    cache = folder / "cache"
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        first = collect([str(log)], cache_dir=str(cache))
        assert not [w for w in first.warnings if "--cache" in w]
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        second = collect([str(log), str(log) + ".missing"], cache_dir=str(cache))
        assert [w for w in second.warnings if "--cache" in w] == [
            f"--cache {cache}: cannot write there (Read-only file system); entries already "
            "there are used, nothing new is kept"]
        log.write_bytes(middle_edit(log_text))  # changed: scanned, and not kept
        third = collect([str(log)], cache_dir=str(cache))
        third.warnings = [w for w in third.warnings if "--cache" not in w]
        same(third, collect([str(log)]))
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_cache_verify_on_the_command_line(tmp_path):
    sample = str(REPO / "sample_logs")
    cache = str(tmp_path / "cache")
    for _ in range(2):
        result = runner.invoke(app, ["migrations", sample, "-q", "-f", "json", "--cache", cache,
                                     "--cache-verify"])
        assert result.exit_code == 0, result.output
    metas = []
    for name in os.listdir(cache):
        with open(os.path.join(cache, name, "meta.json"), encoding="utf-8") as fh:
            metas.append(json.load(fh))
    assert metas and all(len(m["fingerprint"]["sha256"]) == 64 for m in metas)

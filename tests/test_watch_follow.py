"""Following files (loganalyzer.watch.follow): growth, partial lines, rotation by rename and
by copytruncate, rotated copies compressed later, truncation, restarts from the state."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import time
from pathlib import Path

from loganalyzer.watch.follow import Follower


def line(n: int) -> bytes:
    return (f"2024-05-01 12:00:{n % 60:02d}.000 4242 INFO nova.compute.manager [-] "
            f"line {n:05d} with some text to give it a size\n").encode()


def block(first: int, count: int) -> bytes:
    return b"".join(line(n) for n in range(first, first + count))


def poll(follower: Follower) -> list[tuple[str, bytes, int]]:
    return [(os.path.basename(c.tracked.path), c.data, c.first_line) for c in follower.poll()]


def data_of(chunks: list[tuple[str, bytes, int]]) -> bytes:
    return b"".join(c[1] for c in chunks)


def test_growth_is_read_in_whole_lines_with_line_numbers(tmp_path: Path):
    log = tmp_path / "nova-compute.log"
    log.write_bytes(block(0, 10))
    follower = Follower([str(log)], start_at="beginning")
    assert data_of(poll(follower)) == block(0, 10)
    with open(log, "ab") as fh:
        fh.write(block(10, 5) + b"2024-05-01 12:00:15.000 4242 INFO half a li")
    chunks = poll(follower)
    assert data_of(chunks) == block(10, 5) and chunks[0][2] == 10  # 10 lines before
    with open(log, "ab") as fh:
        fh.write(b"ne\n")
    assert data_of(poll(follower)) == b"2024-05-01 12:00:15.000 4242 INFO half a line\n"
    assert poll(follower) == []


def test_start_at_end_skips_what_is_there_and_numbers_lines_on(tmp_path: Path):
    log = tmp_path / "nova-compute.log"
    log.write_bytes(block(0, 7))
    follower = Follower([str(log)], start_at="end")
    assert poll(follower) == []
    with open(log, "ab") as fh:
        fh.write(block(7, 2))
    assert poll(follower) == [("nova-compute.log", block(7, 2), 7)]


def test_rename_rotation_reads_the_old_file_to_its_end_first(tmp_path: Path):
    folder = tmp_path / "compute-1"
    folder.mkdir()
    log = folder / "nova-compute.log"
    log.write_bytes(block(0, 5))
    follower = Follower([str(folder)], start_at="beginning")
    poll(follower)
    with open(log, "ab") as fh:  # written just before the rename
        fh.write(block(5, 3))
    os.rename(log, folder / "nova-compute.log.1")
    log.write_bytes(block(8, 4))
    chunks = poll(follower)
    assert [(name, first) for name, _, first in chunks] == [("nova-compute.log.1", 5),
                                                            ("nova-compute.log", 0)]
    assert data_of(chunks) == block(5, 7)
    # logrotate compresses .1 at the next rotation: nothing is read twice
    with gzip.open(folder / "nova-compute.log.1.gz", "wb") as fh:
        fh.write((folder / "nova-compute.log.1").read_bytes())
    os.remove(folder / "nova-compute.log.1")
    assert poll(follower) == []


def test_a_single_file_renamed_away_is_drained_through_its_descriptor(tmp_path: Path):
    log = tmp_path / "nova-compute.log"
    log.write_bytes(block(0, 3))
    follower = Follower([str(log)], start_at="beginning")
    poll(follower)
    with open(log, "ab") as fh:
        fh.write(block(3, 2))
    os.rename(log, tmp_path / "elsewhere.old")  # not a followed name
    log.write_bytes(block(5, 1))
    assert data_of(poll(follower)) == block(3, 3)


def test_copytruncate_reads_the_lines_between_the_last_poll_and_the_copy(tmp_path: Path):
    folder = tmp_path / "compute-1"
    folder.mkdir()
    log = folder / "nova-compute.log"
    log.write_bytes(block(0, 20))
    follower = Follower([str(folder)], start_at="beginning")
    assert data_of(poll(follower)) == block(0, 20)
    with open(log, "ab") as fh:
        fh.write(block(20, 4))  # written after the last poll, before logrotate ran
    shutil.copyfile(log, folder / "nova-compute.log.1")
    with open(log, "wb"):
        pass  # truncated in place (same inode)
    with open(log, "ab") as fh:
        fh.write(block(24, 2))
    chunks = poll(follower)
    assert data_of(chunks) == block(20, 6)
    assert chunks[-1][2] == 0  # the truncated file starts its line numbers again
    assert follower.warnings == []
    assert poll(follower) == []


def test_a_file_truncated_and_regrown_past_the_offset_is_read_from_its_start(tmp_path: Path):
    log = tmp_path / "nova-compute.log"
    log.write_bytes(block(0, 5))
    follower = Follower([str(log)], start_at="beginning")
    poll(follower)
    log.write_bytes(block(100, 12))  # same inode, other first bytes, longer than before
    assert data_of(poll(follower)) == block(100, 12)
    assert any("truncated" in w for w in follower.warnings)  # and no copy was found


def test_restart_finds_a_file_renamed_and_compressed_while_nothing_ran(tmp_path: Path):
    folder = tmp_path / "compute-1"
    folder.mkdir()
    log = folder / "nova-compute.log"
    log.write_bytes(block(0, 10))
    first = Follower([str(folder)], start_at="beginning")
    poll(first)
    state = json.loads(json.dumps(first.to_json()))
    first.close()
    # while stopped: more lines, rotation, compression of the rotated file, a new file
    with open(log, "ab") as fh:
        fh.write(block(10, 6))
    with gzip.open(folder / "nova-compute.log.1.gz", "wb") as fh:
        fh.write(log.read_bytes())
    os.remove(log)
    log.write_bytes(block(16, 3))
    second = Follower([str(folder)], start_at="beginning")
    second.restore(state)
    chunks = poll(second)
    assert data_of(chunks) == block(10, 9)
    assert chunks[0][2] == 10  # the old file's line numbers go on
    assert poll(second) == []


def test_restart_resumes_a_file_by_identity(tmp_path: Path):
    log = tmp_path / "nova-compute.log"
    log.write_bytes(block(0, 4))
    first = Follower([str(log)], start_at="beginning")
    poll(first)
    state = first.to_json()
    first.close()
    with open(log, "ab") as fh:
        fh.write(block(4, 2))
    second = Follower([str(log)], start_at="end")  # start_at no longer applies
    second.restore(state)
    assert poll(second) == [("nova-compute.log", block(4, 2), 4)]


def test_folders_are_planned_again_only_when_they_change(tmp_path: Path, monkeypatch):
    import loganalyzer.watch.follow as follow

    folder = tmp_path / "compute-1"
    folder.mkdir()
    (folder / "nova-compute.log").write_bytes(block(0, 2))
    follower = Follower([str(tmp_path)], start_at="beginning")
    planned = []
    real = follow.plan_inputs
    monkeypatch.setattr(follow, "plan_inputs", lambda *a: planned.append(1) or real(*a))
    poll(follower)
    old = time.time() - 10  # the folders changed long ago: no racy timestamps
    for path in (tmp_path, folder):
        os.utime(path, (old, old))
    poll(follower)
    poll(follower)
    assert len(planned) == 2  # the first poll, and once after the mtimes changed
    (folder / "nova-compute.log.1").write_bytes(block(2, 1))  # a new file: the folder changed
    assert data_of(poll(follower)) == block(2, 1)
    assert len(planned) == 3

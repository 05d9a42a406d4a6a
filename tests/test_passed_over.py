"""Nothing is skipped silently, and "nothing found" is not "unreadable": every file passed
over is listed with its reason (and counted on stderr), any oslo-format nova line makes a
nova log, no migration found is exit 0 with a line saying so, exit 2 only when no input
could be read (and the message names it)."""

from __future__ import annotations

import io
import json
import os
import tarfile

import pytest
from typer.testing import CliRunner

from loganalyzer.cli import app

runner = CliRunner()
# A nova-compute excerpt holding nothing but an oslo.messaging RPC traceback (old and new).
RPC = "2016-08-19 10:01:02.345 4242 ERROR oslo_messaging.rpc.server "
RPC_ONLY = (f"{RPC}[req-1 - - - - -] Exception during message handling\n"
            f"{RPC}Traceback (most recent call last):\n"
            f'{RPC}  File "/usr/lib/python2.7/dist-packages/oslo_messaging/rpc/server.py", '
            "line 133, in _process_incoming\n")
TRACE_ONLY = """\
2015-03-02 09:00:00.001 1717 TRACE oslo.messaging.rpc.dispatcher Traceback (most recent call last):
2015-03-02 09:00:00.001 1717 TRACE oslo.messaging.rpc.dispatcher   File "x.py", line 1, in f
"""


def test_excerpts_of_only_rpc_tracebacks_are_read(tmp_path):
    (tmp_path / "compute-excerpt.txt").write_text(RPC_ONLY)
    (tmp_path / "bug-1234.log").write_text(TRACE_ONLY)
    result = runner.invoke(app, ["scan", str(tmp_path), "-f", "json"])
    assert result.exit_code == 0, result.output
    files = json.loads(result.stdout)["files"]
    assert sorted(os.path.basename(f["path"]) for f in files if "skipped" not in f) == [
        "bug-1234.log", "compute-excerpt.txt"]
    assert [f["lines"] for f in files] == [2, 3]


def test_every_file_passed_over_is_listed_with_its_reason(tmp_path):
    (tmp_path / "nova-compute.log").write_text(RPC_ONLY)
    (tmp_path / "cinder-volume.log").write_text("2016-08-19 10:01:02 hello from cinder\n")
    (tmp_path / "notes.conf").write_text("x = 1\n")
    result = runner.invoke(app, ["scan", str(tmp_path), "-f", "json"])
    assert result.exit_code == 0
    skipped = {os.path.basename(f["path"]): f["skipped"]
               for f in json.loads(result.stdout)["files"] if "skipped" in f}
    assert skipped == {"cinder-volume.log": "no nova-compute line in its first 64 KiB",
                       "notes.conf": "a configuration file, not a log"}
    assert "passed over 2 file(s) that are not nova-compute logs" in result.stderr


def test_a_folder_of_other_logs_is_read_not_unreadable(tmp_path):
    for name in ("a.log", "b.log"):
        (tmp_path / name).write_text("2016-08-19 10:01:02 something else\n")
    result = runner.invoke(app, ["migrations", str(tmp_path)])
    assert result.exit_code == 0
    assert "no input could be read" not in result.stderr
    assert "no nova-compute log among the input: passed over 2 file(s)" in result.stderr
    assert "a.log" in result.stderr and "b.log" in result.stderr
    assert "no live migration found" in result.stderr


def test_a_tarball_of_links_and_nested_archives_says_what_it_held(tmp_path):
    path = tmp_path / "odd.tar"
    with tarfile.open(path, "w") as tar:
        link = tarfile.TarInfo("var/log/nova/nova-compute.log")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
        inner = tarfile.TarInfo("inner.tar.gz")
        inner.size = 3
        tar.addfile(inner, io.BytesIO(b"abc"))
    result = runner.invoke(app, ["scan", str(path), "-f", "json"])
    assert result.exit_code == 0
    reasons = {f["path"]: f["skipped"] for f in json.loads(result.stdout)["files"]}
    assert reasons == {
        f"{path}:var/log/nova/nova-compute.log":
            "not a regular file (a link, device or FIFO member)",
        f"{path}:inner.tar.gz": "an archive inside an archive (not read)"}
    assert "passed over 2 file(s)" in result.stderr and "nova-compute.log" in result.stderr


def test_an_empty_folder_and_empty_stdin_behave_alike(tmp_path):
    folder = runner.invoke(app, ["migrations", str(tmp_path)])
    stdin = runner.invoke(app, ["migrations", "-"], input="")
    assert folder.exit_code == stdin.exit_code == 0
    assert "no live migration found" in folder.stderr
    assert "no live migration found" in stdin.stderr
    assert f"{tmp_path}: empty folder" in folder.stderr or "empty folder" in folder.stderr


def test_no_input_names_the_path(tmp_path):
    missing = str(tmp_path / "nowhere")
    for command in ("scan", "migrations", "report"):
        args = [command, missing] + (["-o", str(tmp_path / "r.html")]
                                     if command == "report" else [])
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert f"no input could be read: {missing}" in result.stderr, command


def test_cache_info_and_clear_on_a_missing_folder_alike(tmp_path):
    missing = str(tmp_path / "nope")
    info = runner.invoke(app, ["cache", "info", "--cache", missing])
    clear = runner.invoke(app, ["cache", "clear", "--cache", missing])
    assert info.exit_code == clear.exit_code == 2
    assert info.stderr == clear.stderr == f"loganalyzer: --cache {missing}: no such folder\n"


def test_files_behind_a_url_passed_over_are_listed():
    fsspec = pytest.importorskip("fsspec")
    memory = fsspec.filesystem("memory")
    memory.pipe("/passed/cmp-1/nova-compute.log", RPC_ONLY.encode())
    memory.pipe("/passed/cmp-1/README", b"not a log")
    from loganalyzer.logs.read import collect

    events = collect(["memory://passed"], engine="local")
    assert [(f.path, f.skipped) for f in events.passed_over] == [
        ("memory:///passed/cmp-1/README", "its name is not a log's")]

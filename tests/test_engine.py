"""Engines give identical results: this process, a process pool with byte ranges, a real Dask
LocalCluster (the prefilter tools are compared in test_prefilter); and the cache reuses,
extends and invalidates."""

from __future__ import annotations

import itertools
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import loganalyzer.logs.engine as engine_mod
from loganalyzer.cli import app
from loganalyzer.logs.read import collect
from tests.conftest import REPO
from tests.scenarios import host_logs, script

runner = CliRunner()


@pytest.fixture(scope="module")
def big_log(tmp_path_factory):
    """A few MB of DEBUG log holding several migrations."""
    from loganalyzer.simulate.narrate import narrate

    folder = tmp_path_factory.mktemp("big")
    text = ""
    for i in range(6):
        s = script(instance=f"00000000-0000-4000-8000-00000000000{i}", duration=900,
                   converge=800, start=pd.Timestamp("2024-05-01 12:00") +
                   pd.Timedelta(hours=i))
        text += host_logs([(s, narrate(s))])["compute-1"]
    path = folder / "nova-compute.log"
    path.write_text(text)
    return str(path)


def same(a, b) -> None:
    pd.testing.assert_frame_equal(a.events, b.events)
    assert a.unrecognized == b.unrecognized
    assert [f.to_json() for f in a.files] == [f.to_json() for f in b.files]


def test_byte_ranges_in_a_process_pool_match_one_pass(big_log, monkeypatch):
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
    reference = collect([big_log], engine="local")
    monkeypatch.setattr(engine_mod, "SPLIT_BYTES", 100_000)
    from loganalyzer.logs.ingest.discover import plan_inputs

    assert len(engine_mod.plan_jobs(plan_inputs([big_log]).files, 2)) > 1
    split = collect([big_log], engine="process")
    same(reference, split)
    assert reference.events["line"].is_monotonic_increasing


def test_ranges_cut_at_line_starts(big_log):
    with open(big_log, "rb") as fh:
        data = fh.read()
    cuts = engine_mod._line_cuts(big_log, len(data), 5)
    assert cuts[0][0] == 0 and cuts[-1][1] == len(data)
    for (start, end), (next_start, _) in itertools.pairwise(cuts):
        assert end == next_start and data[start - 1:start] in (b"", b"\n")


def test_real_logs_same_in_this_process_and_a_pool(real_logs, monkeypatch):
    prefiltered = collect([str(real_logs)], engine="local")
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
    same(prefiltered, collect([str(real_logs)], engine="process"))


def test_dask_local_cluster_matches_local(big_log):
    pytest.importorskip("distributed")
    paths = [str(REPO / "sample_logs"), big_log]
    same(collect(paths, engine="local"), collect(paths, engine="dask"))


def test_cache_reuses_extends_and_invalidates(tmp_path, big_log):
    log = tmp_path / "nova-compute.log"
    with open(big_log, "rb") as fh:
        data = fh.read()
    half = data[: data.index(b"\n", len(data) // 2) + 1]
    log.write_bytes(half)
    cache = str(tmp_path / "cache")
    first = collect([str(log)], cache_dir=cache)
    again = collect([str(log)], cache_dir=cache)
    same(first, again)
    log.write_bytes(data)  # the log grew
    grown = collect([str(log)], cache_dir=cache)
    same(grown, collect([str(log)]))
    log.write_bytes(data.replace(b"Increasing downtime", b"Increasing downtimf", 1))
    changed = collect([str(log)], cache_dir=cache)
    same(changed, collect([str(log)]))
    info = json.loads(runner.invoke(app, ["cache", "info", "--cache", cache, "-f", "json"])
                      .stdout)
    assert [e["path"] for e in info] == [str(log)]
    assert info[0]["bytes_scanned"] == len(data)
    cleared = runner.invoke(app, ["cache", "clear", "--cache", cache])
    assert "removed 1 cached file(s)" in cleared.stdout
    assert json.loads(runner.invoke(app, ["cache", "info", "--cache", cache, "-f", "json"])
                      .stdout) == []


def test_engine_options(tmp_path):
    sample = str(REPO / "sample_logs")
    bad = runner.invoke(app, ["scan", sample, "--engine", "spark"])
    assert bad.exit_code == 2 and "--engine spark" in bad.stderr
    lonely = runner.invoke(app, ["scan", sample, "--scheduler", "tcp://127.0.0.1:1"])
    assert lonely.exit_code == 2 and "--scheduler goes with --engine dask" in lonely.stderr
    ok = runner.invoke(app, ["migrations", sample, "--engine", "process", "-q", "-f", "json",
                             "--cache", str(tmp_path / "c")])
    assert ok.exit_code == 0 and len(json.loads(ok.stdout)["migrations"]) == 7


def test_fsspec_urls_are_read_where_they_are(tmp_path):
    fsspec = pytest.importorskip("fsspec")
    memory = fsspec.filesystem("memory")
    sample = REPO / "sample_logs" / "sosreport-compute-1" / "var" / "log" / "nova"
    for path in sample.iterdir():
        memory.pipe(f"/logs/cmp-1/{path.name}", path.read_bytes())
    memory.pipe("/logs/cmp-1/README", b"not a log")
    remote = collect(["memory://logs"], engine="local")
    local = collect([str(sample)], engine="local")
    assert [f.path for f in remote.files] == [f"memory:///logs/cmp-1/{p.name}" for p in
                                              sorted(sample.iterdir(), key=lambda p: (
                                                  0 if p.name.endswith(".gz") else
                                                  1 if p.name.endswith(".1") else 2))]
    assert remote.events["kind"].tolist() == local.events["kind"].tolist()
    assert set(remote.events["host"]) == {"cmp-1"}
    missing = collect(["memory://nothing-here"], engine="local")
    assert not missing.read_anything and missing.warnings

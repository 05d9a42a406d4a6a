"""``watch --state``: a state file of the wrong shape (valid JSON another version or a
hand edit left) is one line naming it and exit 2, never a traceback, whichever part of it
is wrong; a state of another layout version is refused in one line too."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from loganalyzer.errors import InputError
from loganalyzer.watch.service import STATE_VERSION, Watch, WatchSettings
from tests.conftest import REPO
from tests.watch_helpers import run_cli

WRONG = ("x", [[1]])  # a word where a table or number belongs; a table of the wrong shape


@pytest.fixture(scope="module")
def good_state(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A state file ``watch --once`` wrote on the sample logs (libvirt's records too)."""
    path = tmp_path_factory.mktemp("state") / "state.json"
    proc = run_cli("watch", "--once", "--start-at", "beginning", "--state", str(path),
                   str(REPO / "sample_logs"))
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert data["libvirt"]["claims"] and data["holder"]["identity"]["sources"]
    return data


def mutations(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The state with one part replaced by a value of the wrong type, one part at a time:
    every key of every section, every key of the identity, and fields of a followed file,
    a held event and a libvirt stream (a word is not put where a word was)."""
    places: list[tuple[str, ...]] = []
    for section in ("follower", "holder", "libvirt"):
        places += [(section, key) for key in data[section]]
    places += [("holder", "identity", key) for key in data["holder"]["identity"]]
    places += [("follower", "files", 0, key) for key in ("offset", "dev", "lines", "head")]
    instance = next(iter(data["holder"]["instances"]))
    places += [("holder", "instances", instance), ("holder", "instances", instance, 0)]
    stream = next(iter(data["libvirt"]["streams"]))
    places += [("libvirt", "streams", stream, key) for key in
               data["libvirt"]["streams"][stream]]
    for place in places:
        for wrong in WRONG:
            changed = copy.deepcopy(data)
            parent: Any = changed
            for step in place[:-1]:
                parent = parent[step]
            if isinstance(parent[place[-1]], str) and isinstance(wrong, str):
                continue  # a word where a word belongs: the right type
            parent[place[-1]] = wrong
            yield f"{'.'.join(map(str, place))} = {wrong!r}", changed


def outcome(state: Path, folder: Path) -> str:
    """What ``watch --once --state STATE FOLDER`` ends with: the InputError's message (exit
    2), or "exit N", or "traceback: …" (the test fails). (In a thread: no signal handlers.)"""
    watch = Watch(WatchSettings([str(folder)], state=str(state), once=True))
    with ThreadPoolExecutor(1) as pool:
        try:
            return f"exit {pool.submit(watch.run).result()}"
        except InputError as exc:
            return str(exc)
        except Exception as exc:  # listed: the test fails naming each
            return f"traceback: {type(exc).__name__}: {exc}"


def test_a_state_of_the_wrong_shape_is_one_line_and_exit_2(good_state: dict[str, Any],
                                                           tmp_path: Path):
    state = tmp_path / "state.json"
    accepted = []
    for where, changed in mutations(good_state):
        state.write_text(json.dumps(changed), encoding="utf-8")
        said = outcome(state, tmp_path)
        if said != f"--state {state}: not a loganalyzer watch state file (version " \
                   f"{STATE_VERSION}); move it away to start afresh":
            accepted.append(f"{where}: {said}")
    assert not accepted, "\n".join(accepted)


def test_a_state_of_another_layout_version_is_refused_in_one_line(
        good_state: dict[str, Any], tmp_path: Path):
    assert STATE_VERSION >= 2  # the layout grew (holder.identity, .reported, libvirt)
    state = tmp_path / "state.json"
    state.write_text(json.dumps({**good_state, "version": 1}), encoding="utf-8")
    proc = run_cli("watch", "--once", "--state", str(state), str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1] == (
        f"loganalyzer: --state {state}: written by another version of loganalyzer watch "
        f"(state version 1; this one reads {STATE_VERSION}); move it away to start afresh")


def test_the_state_watch_writes_reads_back(good_state: dict[str, Any], tmp_path: Path):
    state = tmp_path / "state.json"
    state.write_text(json.dumps(good_state), encoding="utf-8")
    assert outcome(state, tmp_path) == "exit 0"


def test_watch_starts_full_garbage_collections_itself(tmp_path, monkeypatch):
    """The analysis's objects join the oldest generation without counting towards Python's
    rule for a full collection (analysis.collecting): a watch running for days starts one
    itself every FULL_COLLECTION_S, so garbage cycles do not pile up."""
    import gc
    import io

    from loganalyzer.watch import service
    from tests.conftest import REPO

    def full_collections() -> int:
        return gc.get_stats()[2]["collections"]

    def collections_in_a_run(every_s: float) -> int:
        monkeypatch.setattr(service, "FULL_COLLECTION_S", every_s)
        gc.collect()
        before = full_collections()
        watch = service.Watch(service.WatchSettings([str(REPO / "sample_logs")],
                                                    start_at="beginning", once=True,
                                                    metrics_port=None),
                              out=io.StringIO(), err=io.StringIO())
        assert watch.run() == 0
        return full_collections() - before

    assert collections_in_a_run(0.0) > 0
    assert collections_in_a_run(1e9) == 0

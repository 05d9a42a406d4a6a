"""analysis.collecting.collector_paused: what a block built joins the oldest generation when
the collector comes back on (issue 16, round 5: the first allocation after the analysis
started a young-generation collection that walked everything the analysis had built)."""

from __future__ import annotations

import gc

from loganalyzer.analysis.collecting import collector_paused


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_what_the_block_built_is_old_and_no_young_collection_is_due():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        built = [Node() for _ in range(50_000)]
    assert gc.isenabled()
    young = gc.get_count()[0]
    assert young < gc.get_threshold()[0], young  # no collection of 50,000 young objects due
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert all(id(node) in oldest for node in built[::997])


def test_garbage_cycles_made_in_the_block_are_still_collected():
    import weakref

    with collector_paused():
        a, b = Node(), Node()
        a.other, b.other = b, a
        alive = weakref.ref(a)
        del a, b
    assert alive() is not None  # a cycle: reference counting cannot free it
    gc.collect()
    assert alive() is None


def test_nested_and_already_off_are_left_as_they_were():
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


COLD_ANALYSIS = """
import gc, sys
from loganalyzer.api import Reading, analyse
from loganalyzer.logs.read import Event
events = Reading(engine="local").read([sys.argv[1]])
rows, events = analyse(events)
gc.set_debug(gc.DEBUG_SAVEALL)
gc.collect()
print(len(rows), sum(isinstance(o, Event) for o in gc.garbage))
"""


def test_a_cold_analysis_leaves_no_garbage_holding_the_events():
    """In a fresh interpreter the configuration code's first run imports oslo.config, whose
    import leaves garbage cycles holding the frames on the stack: analysis.migrations.warm_up
    runs it before the analysis holds anything (else every event stayed alive until a full
    collection, which a command never reaches)."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", COLD_ANALYSIS, str(REPO / "sample_logs")],
                          capture_output=True, text=True, check=True, env=env, cwd=str(REPO))
    rows, held = done.stdout.split()
    assert int(rows) > 0 and int(held) == 0, done.stdout

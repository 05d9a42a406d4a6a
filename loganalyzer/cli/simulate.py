"""The ``simulate`` command: a migration driven as nova drives it, its logs, a fleet."""

from __future__ import annotations

import sys
from typing import Any

from loganalyzer.cli.groups import CONFIG, MODEL, uses
from loganalyzer.flags import formats
from loganalyzer.simulate.run import FLAGS


@uses((*FLAGS, formats("table", "json")), CONFIG, MODEL)
def simulate(*, fmt: str, **given: Any) -> None:
    """Simulate a live migration the way nova drives it, write its logs, or answer what-if.

    [b]Examples[/b]

      loganalyzer simulate --memory-mb 8192 --dirty-rate 300 --bandwidth 500 --what-if

      loganalyzer simulate --release stein --python 2 --out /tmp/logs --debug --layout syslog

      loganalyzer simulate --fleet 20 --migrations 200 --out /tmp/fleet

      loganalyzer simulate --sample --out sample_logs
    """
    from loganalyzer.output import simulate_out
    from loganalyzer.simulate.run import run

    summary = run(**given)
    simulate_out.result(summary, fmt, sys.stdout)
    if "what_if" in summary and fmt != "json":
        simulate_out.what_if(summary["what_if"], given.get("budget"), fmt, sys.stdout)

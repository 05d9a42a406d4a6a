"""The ``simulate`` command: a migration driven as nova drives it, its logs, a fleet."""

from __future__ import annotations

import sys
from typing import Any

from loganalyzer.cli import groups as g
from loganalyzer.cli.options import check_format
from loganalyzer.flags import formats
from loganalyzer.simulate.run import FLAGS


@g.uses(g.flag_group("options", (*FLAGS, formats("table", "json"))), g.CONFIG, g.MODEL)
def simulate(options: dict[str, Any], configuration: g.Configuration, model: g.Model) -> None:
    """Simulate a live migration the way nova drives it, write its logs, or answer what-if.

    [b]Examples[/b]

      loganalyzer simulate --memory-mb 8192 --dirty-rate 300 --bandwidth 500 --what-if

      loganalyzer simulate --release stein --python 2 --out /tmp/logs --debug --layout syslog

      loganalyzer simulate --fleet 20 --migrations 200 --out /tmp/fleet

      loganalyzer simulate --sample --out sample_logs
    """
    from loganalyzer.output import simulate_out
    from loganalyzer.simulate.run import run

    fmt = check_format(options.pop("fmt"), ("table", "json"))
    summary = run(config=configuration.files, config_dir=configuration.dirs,
                  flags=configuration.flags, release=model.release, python=model.python,
                  **options)
    simulate_out.result(summary, fmt, sys.stdout)
    if "what_if" in summary and fmt != "json":
        simulate_out.what_if(summary["what_if"], options["budget"], fmt, sys.stdout)

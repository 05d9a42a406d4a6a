"""The commands over a configuration and the nova model, reading no log: ``predict``, ``lint``
and ``simulate``."""

from __future__ import annotations

import sys
from typing import Any

import typer

from loganalyzer import api
from loganalyzer.cli.groups import CONFIG, MODEL, uses
from loganalyzer.config import flags
from loganalyzer.errors import EXIT_FINDINGS, EXIT_OK
from loganalyzer.simulate import run as simulation


@uses(flags.PREDICT, CONFIG, MODEL)
def predict(*, fmt: str, start: str | None = None, **given: Any) -> None:
    """Predict the downtime ramp and timeout nova computes for a guest.

    [b]Examples[/b]

      loganalyzer predict --downtime 5000 --steps 7 --delay 75 --memory-mb 4096 --release train

      loganalyzer predict --config /etc/nova/nova.conf --memory-mb 16384 --format json

      loganalyzer predict --data-gb 3 --variant exponential --start 2024-05-01T12:00:00
    """
    from loganalyzer.output import predict_out

    when = simulation.parse_start(start)  # before the configuration is read: the first error wins
    predict_out.write(api.predict(**given), fmt, when, sys.stdout)


@uses(flags.LINT, CONFIG, MODEL)
def lint(*, fmt: str, **given: Any) -> None:
    """Check a configuration for guests of given sizes; exit 1 when anything is a warning.

    [b]Examples[/b]

      loganalyzer lint --config /etc/nova/nova.conf --release 2023.1

      loganalyzer lint --steps 30 --completion-timeout 400 --memory-mb 4096:65536
    """
    from loganalyzer.output import lint_out

    result = api.lint(**given)
    lint_out.write(result.model, result.config, result.guests, result.findings, fmt, sys.stdout)
    raise typer.Exit(EXIT_FINDINGS if result.warned else EXIT_OK)


@uses(simulation.FLAGS, CONFIG, MODEL)
def simulate(*, fmt: str, **given: Any) -> None:
    """Simulate a live migration the way nova drives it, write its logs, or answer what-if.

    [b]Examples[/b]

      loganalyzer simulate --memory-mb 8192 --dirty-rate 300 --bandwidth 500 --what-if

      loganalyzer simulate --release stein --python 2 --out /tmp/logs --debug --layout syslog

      loganalyzer simulate --fleet 20 --migrations 200 --out /tmp/fleet

      loganalyzer simulate --sample --out sample_logs
    """
    from loganalyzer.output import simulate_out

    simulate_out.write(simulation.run(**given), fmt, given.get("budget"), sys.stdout)

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
    from loganalyzer.output import predict_out

    when = simulation.parse_start(start)  # before the configuration is read: the first error wins
    predict_out.write(api.predict(**given), fmt, when, sys.stdout)


@uses(flags.LINT, CONFIG, MODEL)
def lint(*, fmt: str, **given: Any) -> None:
    from loganalyzer.output import lint_out

    result = api.lint(**given)
    lint_out.write(result.model, result.config, result.guests, result.findings, fmt, sys.stdout)
    raise typer.Exit(EXIT_FINDINGS if result.warned else EXIT_OK)


@uses(simulation.FLAGS, CONFIG, MODEL)
def simulate(*, fmt: str, **given: Any) -> None:
    from loganalyzer.output import simulate_out

    simulate_out.write(simulation.run(**given), fmt, given.get("budget"), sys.stdout)

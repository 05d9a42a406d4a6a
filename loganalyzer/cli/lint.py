"""The ``lint`` command: configuration findings for guests of given sizes."""

from __future__ import annotations

import sys
from typing import Any

import typer

from loganalyzer.cli.groups import CONFIG, MODEL, Configuration, Model, flag_group, uses
from loganalyzer.cli.options import check_format
from loganalyzer.config import flags as config_flags
from loganalyzer.errors import EXIT_FINDINGS, EXIT_OK


@uses(flag_group("options", config_flags.LINT), CONFIG, MODEL)
def lint(options: dict[str, Any], configuration: Configuration, model: Model) -> None:
    """Check a configuration for guests of given sizes; exit 1 when anything is a warning.

    [b]Examples[/b]

      loganalyzer lint --config /etc/nova/nova.conf --release 2023.1

      loganalyzer lint --steps 30 --completion-timeout 400 --memory-mb 4096:65536
    """
    from loganalyzer.api import lint as run_lint
    from loganalyzer.config.sizes import memory_sizes
    from loganalyzer.findings import has_warnings
    from loganalyzer.output import lint_out

    fmt = check_format(options["fmt"], ("table", "json", "csv"))
    sizes = memory_sizes(options["memory_mb"]) if options["memory_mb"] else None
    result = run_lint(memory_mb=sizes, data_gb=options["data_gb"] or [],
                      disk_gb=options["disk_gb"] or [], variant=options["variant"],
                      config=configuration.files, config_dir=configuration.dirs,
                      release=model.release, python=model.python, flags=configuration.flags)
    lint_out.write(result.model, result.config, result.guests, result.findings, fmt,
                   sys.stdout)
    raise typer.Exit(EXIT_FINDINGS if has_warnings(result.findings) else EXIT_OK)

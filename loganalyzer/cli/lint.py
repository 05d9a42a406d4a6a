"""The ``lint`` command: configuration findings for guests of given sizes."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from loganalyzer.cli.groups import CONFIG, MODEL, Configuration, Model, uses
from loganalyzer.cli.options import DiskGb, TableJsonCsv, VariantOpt, check_format
from loganalyzer.errors import EXIT_FINDINGS, EXIT_OK


@uses(CONFIG, MODEL)
def lint(
    configuration: Configuration,
    model: Model,
    memory_mb: Annotated[list[str] | None, typer.Option(
        "--memory-mb", help="Guest RAM in MB, or a range MIN:MAX checked at MIN, each power "
        "of two between, and MAX (repeatable). Default: 2048:65536.",
        rich_help_panel="Guest", metavar="MB")] = None,
    data_gb: Annotated[list[float] | None, typer.Option(
        "--data-gb", help="nova's data_gb directly (repeatable).",
        rich_help_panel="Guest", metavar="GIB")] = None,
    disk_gb: DiskGb = None,
    variant: VariantOpt = None,
    fmt: TableJsonCsv = "table",
) -> None:
    """Check a configuration for guests of given sizes; exit 1 when anything is a warning.

    [b]Examples[/b]

      loganalyzer lint --config /etc/nova/nova.conf --release 2023.1

      loganalyzer lint --steps 30 --completion-timeout 400 --memory-mb 4096:65536
    """
    from loganalyzer.api import lint as run_lint
    from loganalyzer.config.sizes import memory_sizes
    from loganalyzer.findings import has_warnings
    from loganalyzer.output import lint_out

    check_format(fmt, ("table", "json", "csv"))
    sizes = memory_sizes(memory_mb) if memory_mb else None
    result = run_lint(memory_mb=sizes, data_gb=data_gb or [], disk_gb=disk_gb or [],
                      config=configuration.files, config_dir=configuration.dirs,
                      release=model.release, variant=variant, python=model.python,
                      flags=configuration.flags)
    lint_out.write(result.model, result.config, result.guests, result.findings, fmt,
                   sys.stdout)
    raise typer.Exit(EXIT_FINDINGS if has_warnings(result.findings) else EXIT_OK)

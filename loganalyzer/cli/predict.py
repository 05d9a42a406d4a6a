"""The ``predict`` command: the ramp nova computes for a guest."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from loganalyzer.cli.groups import CONFIG, MODEL, Configuration, Model, uses
from loganalyzer.cli.options import DiskGb, TableJsonCsv, VariantOpt, check_format


@uses(CONFIG, MODEL)
def predict(
    configuration: Configuration,
    model: Model,
    memory_mb: Annotated[int | None, typer.Option(
        "--memory-mb", help="Guest RAM in MB (the flavor's memory_mb).",
        rich_help_panel="Guest", metavar="MB")] = None,
    data_gb: Annotated[float | None, typer.Option(
        "--data-gb", help="nova's data_gb directly (RAM + block-migrated disks, GiB).",
        rich_help_panel="Guest", metavar="GIB")] = None,
    disk_gb: DiskGb = None,
    variant: VariantOpt = None,
    start: Annotated[str | None, typer.Option(
        "--start", help="Migration start (ISO 8601): adds wall-clock times.",
        metavar="TIME")] = None,
    fmt: TableJsonCsv = "table",
) -> None:
    """Predict the downtime ramp and timeout nova computes for a guest.

    [b]Examples[/b]

      loganalyzer predict --downtime 5000 --steps 7 --delay 75 --memory-mb 4096 --release train

      loganalyzer predict --config /etc/nova/nova.conf --memory-mb 16384 --format json

      loganalyzer predict --data-gb 3 --variant exponential --start 2024-05-01T12:00:00
    """
    from loganalyzer.api import predict as run_predict
    from loganalyzer.output import predict_out
    from loganalyzer.simulate.run import parse_start

    check_format(fmt, ("table", "json", "csv"))
    when = parse_start(start)
    result = run_predict(memory_mb=memory_mb, data_gb=data_gb, disk_gb=disk_gb or [],
                         config=configuration.files, config_dir=configuration.dirs,
                         release=model.release, variant=variant, python=model.python,
                         flags=configuration.flags)
    predict_out.write(result, fmt, when, sys.stdout)

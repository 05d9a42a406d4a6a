"""The ``predict`` command: the ramp nova computes for a guest."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from loganalyzer.cli.options import (
    AutoConverge,
    CompletionTimeout,
    ConfigDirs,
    ConfigFiles,
    Delay,
    DiskGb,
    Downtime,
    FormatOpt,
    PostCopy,
    PythonOpt,
    ReleaseOpt,
    Steps,
    TimeoutAction,
    VariantOpt,
    check_format,
    config_flags,
    parse_start,
    reports_input_errors,
)


@reports_input_errors
def predict(
    memory_mb: Annotated[int | None, typer.Option(
        "--memory-mb", help="Guest RAM in MB (the flavor's memory_mb).",
        rich_help_panel="Guest")] = None,
    data_gb: Annotated[float | None, typer.Option(
        "--data-gb", help="nova's data_gb directly (RAM + block-migrated disks, GiB).",
        rich_help_panel="Guest")] = None,
    disk_gb: DiskGb = None,
    config: ConfigFiles = None,
    config_dir: ConfigDirs = None,
    downtime: Downtime = None,
    steps: Steps = None,
    delay: Delay = None,
    completion_timeout: CompletionTimeout = None,
    timeout_action: TimeoutAction = None,
    post_copy: PostCopy = None,
    auto_converge: AutoConverge = None,
    release: ReleaseOpt = None,
    variant: VariantOpt = None,
    python: PythonOpt = None,
    start: Annotated[str | None, typer.Option(
        "--start", help="Migration start (ISO 8601): adds wall-clock times.")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Predict the downtime ramp and timeout nova computes for a guest.

    [b]Examples[/b]

      loganalyzer predict --downtime 5000 --steps 7 --delay 75 --memory-mb 4096 --release train

      loganalyzer predict --config /etc/nova/nova.conf --memory-mb 16384 --format json

      loganalyzer predict --data-gb 3 --variant exponential --start 2024-05-01T12:00:00
    """
    from loganalyzer.config.load import load_config
    from loganalyzer.config.prediction import guest_size, resolve_model
    from loganalyzer.config.prediction import predict as run_predict
    from loganalyzer.output import predict_out

    check_format(fmt, ("table", "json", "csv"))
    when = parse_start(start)
    model = resolve_model(release, variant, python)
    flags = config_flags(downtime=downtime, steps=steps, delay=delay,
                   completion_timeout=completion_timeout, timeout_action=timeout_action,
                   post_copy=post_copy, auto_converge=auto_converge)
    conf = load_config(model.release, config or [], config_dir or [], flags)
    py = model.variant.python if model.variant else model.release.default_python
    guest = guest_size(memory_mb, data_gb, disk_gb or [], py)
    result = run_predict(model, conf, guest)
    predict_out.write(result, fmt, when, sys.stdout)

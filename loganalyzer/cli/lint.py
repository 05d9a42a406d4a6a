"""The ``lint`` command: configuration findings for guests of given sizes."""

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
    memory_sizes,
    reports_input_errors,
)
from loganalyzer.errors import EXIT_FINDINGS, EXIT_OK


@reports_input_errors
def lint(
    memory_mb: Annotated[list[str] | None, typer.Option(
        "--memory-mb", help="Guest RAM in MB, or a range MIN:MAX checked at MIN, each power "
        "of two between, and MAX (repeatable). Default: 2048:65536.",
        rich_help_panel="Guest")] = None,
    data_gb: Annotated[list[float] | None, typer.Option(
        "--data-gb", help="nova's data_gb directly (repeatable).",
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
    fmt: FormatOpt = "table",
) -> None:
    """Check a configuration for guests of given sizes; exit 1 when anything is a warning.

    [b]Examples[/b]

      loganalyzer lint --config /etc/nova/nova.conf --release 2023.1

      loganalyzer lint --steps 30 --completion-timeout 400 --memory-mb 4096:65536
    """
    from loganalyzer.config.lint import lint as run_lint
    from loganalyzer.config.load import load_config
    from loganalyzer.config.prediction import guest_size, resolve_model
    from loganalyzer.findings import has_warnings
    from loganalyzer.output import lint_out

    check_format(fmt, ("table", "json", "csv"))
    model = resolve_model(release, variant, python)
    flags = config_flags(downtime=downtime, steps=steps, delay=delay,
                   completion_timeout=completion_timeout, timeout_action=timeout_action,
                   post_copy=post_copy, auto_converge=auto_converge)
    conf = load_config(model.release, config or [], config_dir or [], flags)
    py = model.variant.python if model.variant else model.release.default_python
    guests = [guest_size(None, gb, [], py) for gb in data_gb or []]
    if not data_gb or memory_mb:
        for mb in memory_sizes(memory_mb or ["2048:65536"]):
            guests.append(guest_size(mb, None, disk_gb or [], py))
    findings = run_lint(model, conf, guests)
    lint_out.write(model, conf, guests, findings, fmt, sys.stdout)
    raise typer.Exit(EXIT_FINDINGS if has_warnings(findings) else EXIT_OK)

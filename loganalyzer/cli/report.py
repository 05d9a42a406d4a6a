"""The ``report`` command: the self-contained HTML report."""

from __future__ import annotations

import os
from collections import Counter
from typing import Annotated

import typer

from loganalyzer.cli.options import (
    MAX_LINE_DEFAULT,
    AutoConverge,
    CacheOpt,
    CompletionTimeout,
    ConfigDirs,
    ConfigFiles,
    Delay,
    DiskGb,
    Downtime,
    EngineOpt,
    HostFilterOpt,
    InstanceOpt,
    LateOpt,
    MaxLineOpt,
    MemoryOpt,
    Paths,
    PostCopy,
    PythonOpt,
    QuietOpt,
    ReleaseOpt,
    SchedulerOpt,
    SinceOpt,
    Steps,
    TimeoutAction,
    UntilOpt,
    analyse_paths,
    config_flags,
    reading,
    reports_input_errors,
)
from loganalyzer.errors import InputError


@reports_input_errors
def report(
    paths: Paths,
    config: ConfigFiles = None,
    config_dir: ConfigDirs = None,
    downtime: Downtime = None,
    steps: Steps = None,
    delay: Delay = None,
    completion_timeout: CompletionTimeout = None,
    timeout_action: TimeoutAction = None,
    post_copy: PostCopy = None,
    auto_converge: AutoConverge = None,
    memory_mb: MemoryOpt = None,
    disk_gb: DiskGb = None,
    release: ReleaseOpt = None,
    python: PythonOpt = None,
    instance: InstanceOpt = None,
    host: HostFilterOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    late_threshold: LateOpt = 10.0,
    engine: EngineOpt = "auto",
    scheduler: SchedulerOpt = None,
    cache: CacheOpt = None,
    quiet: QuietOpt = False,
    max_line_bytes: MaxLineOpt = MAX_LINE_DEFAULT,
    title: Annotated[str, typer.Option("--title", help="The report's title.")
                     ] = "nova live migrations",
    output: Annotated[str | None, typer.Option(
        "--output", "-o", help="The HTML file (default reports/loganalyzer-<date>.html).")
    ] = None,
    png: Annotated[str | None, typer.Option(
        "--png", help="Also write the fleet charts as PNG files into this folder (extra "
        "'images': kaleido and a Chromium on the machine).")] = None,
) -> None:
    """Write one self-contained HTML report for ops reviews (offline, no CDN).

    Header with inputs and what was not understood, fleet summary and charts, a
    configuration-drift table, a sortable/filterable migrations table, and a drill-down per
    migration (its ramp over the predicted one, memory remaining, events, findings).

    [b]Examples[/b]

      loganalyzer report sample_logs --config sample_logs/nova.conf -o reports/sample.html

      loganalyzer report /srv/sosreports/ --release 2023.1 --png reports/png/
    """
    from datetime import date

    from loganalyzer.report.charts import write_pngs
    from loganalyzer.report.render import build_page, write

    flags = config_flags(downtime=downtime, steps=steps, delay=delay,
                   completion_timeout=completion_timeout, timeout_action=timeout_action,
                   post_copy=post_copy, auto_converge=auto_converge)
    rows, events = analyse_paths(
        paths, host, config, config_dir, flags, memory_mb, disk_gb, release, python,
        instance, since, until, late_threshold,
        reading(engine, scheduler, cache, quiet, max_line_bytes))
    from loganalyzer.api import declared_for_report

    declared, sources = declared_for_report(config or [], config_dir or [], flags, release,
                                            python)
    target = output or os.path.join("reports", f"loganalyzer-{date.today().isoformat()}.html")
    html, figures = build_page(rows, events, title, declared, sources)
    try:
        write(target, html)
    except OSError as exc:
        raise InputError(f"--output {target}: cannot write: {exc.strerror}") from None
    outcomes = ", ".join(f"{k} {v}" for k, v in Counter(r["outcome"] for r in rows).items())
    mismatches = sum(1 for r in rows if r["ramp_verdict"] == "mismatch")
    typer.echo(f"{target}: {len(rows)} migrations ({outcomes or 'none'}), {mismatches} ramp "
               f"mismatches, {len(events.unrecognized)} unrecognized lines, "
               f"{len(events.warnings)} warnings")
    if png:
        for path in write_pngs(figures, png):
            typer.echo(path)

"""The ``migrations``, ``show`` and ``verify`` commands: one row per migration, one in
full, and the rollout check."""

from __future__ import annotations

import sys
from typing import Any

import typer

from loganalyzer.analysis import flags
from loganalyzer.cli import groups as g
from loganalyzer.cli.options import Paths, analyse_paths, check_format, refuse_binary_on_terminal
from loganalyzer.errors import EXIT_FINDINGS, EXIT_OK, InputError


@g.uses(g.flag_group("options", flags.MIGRATIONS), g.CONFIG, g.MODEL, g.ANALYSIS, g.READING)
def migrations(paths: Paths, options: dict[str, Any], configuration: g.Configuration,
               model: g.Model, analysis: g.Analysis, source: g.Input) -> None:
    """One row per live migration: hosts, outcome, flags, observed vs predicted ramp.

    The configuration each migration ran with is the declared one (--config, --config-dir,
    flags) when given, else the host's last start-up dump before it, else the release's
    defaults. data_gb comes from --memory-mb or is inferred from the logs. Hosts go by the
    name nova gives them (aliases listed), a line read twice counts once, and a migration
    whose start or end is not in the log shows a lower bound ("≥ 2400 s").

    [b]Examples[/b]

      loganalyzer migrations /var/log/nova/ --format json

      loganalyzer migrations sosreports/ --config nova.conf --release 2023.1 --memory-mb 8192
    """
    from loganalyzer.output import migrations_out
    from loganalyzer.output.common import output_file

    fmt = check_format(options["fmt"], ("table", "json", "csv", "parquet"))
    output = options["output"]
    refuse_binary_on_terminal(fmt, output)
    rows, events = analyse_paths(paths, configuration, model, source, analysis)
    if fmt == "parquet":
        migrations_out.write_parquet(rows, output)
        return
    with output_file(output) as stream:
        migrations_out.write(rows, [*events.warnings, *events.analysis_warnings], fmt, stream,
                             events.host_aliases, events.duplicates_dropped)


@g.uses(g.flag_group("options", flags.SHOW), g.CONFIG, g.MODEL, g.ANALYSIS_ONE, g.READING)
def show(paths: Paths, options: dict[str, Any], configuration: g.Configuration,
         model: g.Model, analysis: g.Analysis, source: g.Input) -> None:
    """One migration in full: events of both hosts, steps observed vs predicted, findings.

    [b]Examples[/b]

      loganalyzer show /var/log/nova/ --instance 7b7edae6

      loganalyzer show logs/ --instance 7b7edae6 --n 2 --config nova.conf
    """
    from loganalyzer.output import migrations_out
    from loganalyzer.output.common import write_json

    fmt = check_format(options["fmt"], ("table", "json"))
    instance, n = options["instance"], options["n"]
    rows, _ = analyse_paths(paths, configuration, model, source, analysis, [instance])
    if not rows:
        raise InputError(f"--instance {instance}: no migration of that instance in the input")
    position = n if n is not None else len(rows)
    if not 1 <= position <= len(rows):
        raise InputError(f"--n {n}: the instance has {len(rows)} migration(s)")
    row = rows[position - 1]
    if fmt == "json":
        data = migrations_out.public(row)
        data["events_detail"] = [{k: v for k, v in e.items() if v is not None}
                                 for e in row.get("_events", [])]
        write_json(data, sys.stdout)
        return
    migrations_out.show(row, position, len(rows), sys.stdout)


@g.uses(g.flag_group("options", flags.VERIFY), g.CONFIG, g.MODEL, g.ANALYSIS, g.READING)
def verify(paths: Paths, options: dict[str, Any], configuration: g.Configuration,
           model: g.Model, analysis: g.Analysis, source: g.Input) -> None:
    """After a config rollout: exit 0 when at least one migration was verified and every
    verified migration passed; 1 when any failed (its ramp does not match, the host runs
    another configuration, its behaviour or timeout limit contradicts the configuration, the
    configuration is unknown) or when nothing was verified (no migration selected, or none
    with a downtime ramp: 'nothing verified: …'), unless --allow-empty; 2 on bad input.

    [b]Examples[/b]

      loganalyzer verify /var/log/nova/ --config /etc/nova/nova.conf --since 2024-05-01

      loganalyzer verify sosreports/ --downtime 5000 --steps 7 --delay 75 --release train
    """
    from loganalyzer.analysis.verify import verify as run_verify
    from loganalyzer.output import migrations_out

    fmt = check_format(options["fmt"], ("table", "json"))
    rows, _ = analyse_paths(paths, configuration, model, source, analysis)
    verdict = run_verify(rows, options["allow_empty"])
    migrations_out.verify(verdict, sys.stdout, fmt)
    raise typer.Exit(EXIT_OK if verdict.ok else EXIT_FINDINGS)

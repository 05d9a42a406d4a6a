"""The ``migrations``, ``show`` and ``verify`` commands: one row per migration, one in
full, and the rollout check."""

from __future__ import annotations

import sys
from typing import Any

import typer

from loganalyzer.analysis import flags
from loganalyzer.cli import groups as g
from loganalyzer.errors import EXIT_FINDINGS, EXIT_OK


@g.uses(flags.MIGRATIONS, g.CONFIG, g.MODEL, g.GUEST, g.SELECTION, g.READING)
def migrations(paths: g.Paths, *, fmt: str, output: str | None = None, **given: Any) -> None:
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
    from loganalyzer.api import analyse_noting
    from loganalyzer.output import migrations_out
    from loganalyzer.output.common import output_file

    g.refuse_binary_on_terminal(fmt, output)
    rows, events = analyse_noting(paths, g.say, **given)
    if fmt == "parquet":
        migrations_out.write_parquet(rows, output)
        return
    with output_file(output) as stream:
        migrations_out.write(rows, [*events.warnings, *events.analysis_warnings], fmt, stream,
                             events.host_aliases, events.duplicates_dropped)


@g.uses(flags.SHOW, g.CONFIG, g.MODEL, g.GUEST, g.READING)
def show(paths: g.Paths, *, fmt: str, instance: str, n: int | None = None, **given: Any) -> None:
    """One migration in full: events of both hosts, steps observed vs predicted, findings.

    [b]Examples[/b]

      loganalyzer show /var/log/nova/ --instance 7b7edae6

      loganalyzer show logs/ --instance 7b7edae6 --n 2 --config nova.conf
    """
    from loganalyzer.api import analyse_noting, pick
    from loganalyzer.output import migrations_out

    rows, _ = analyse_noting(paths, g.say, instance=[instance], **given)
    row, position = pick(rows, instance, n)
    if fmt == "json":
        migrations_out.show_json(row, sys.stdout)
    else:
        migrations_out.show(row, position, len(rows), sys.stdout)


@g.uses(flags.VERIFY, g.CONFIG, g.MODEL, g.GUEST, g.SELECTION, g.READING)
def verify(paths: g.Paths, *, fmt: str, allow_empty: bool, **given: Any) -> None:
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
    from loganalyzer.api import analyse_noting
    from loganalyzer.output import migrations_out

    verdict = run_verify(analyse_noting(paths, g.say, **given)[0], allow_empty)
    migrations_out.verify(verdict, sys.stdout, fmt)
    raise typer.Exit(EXIT_OK if verdict.ok else EXIT_FINDINGS)

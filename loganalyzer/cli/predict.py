"""The ``predict`` command: the ramp nova computes for a guest."""

from __future__ import annotations

import sys
from typing import Any

from loganalyzer.cli.groups import CONFIG, MODEL, Configuration, Model, flag_group, uses
from loganalyzer.cli.options import check_format
from loganalyzer.config import flags as config_flags


@uses(flag_group("options", config_flags.PREDICT), CONFIG, MODEL)
def predict(options: dict[str, Any], configuration: Configuration, model: Model) -> None:
    """Predict the downtime ramp and timeout nova computes for a guest.

    [b]Examples[/b]

      loganalyzer predict --downtime 5000 --steps 7 --delay 75 --memory-mb 4096 --release train

      loganalyzer predict --config /etc/nova/nova.conf --memory-mb 16384 --format json

      loganalyzer predict --data-gb 3 --variant exponential --start 2024-05-01T12:00:00
    """
    from loganalyzer.api import predict as run_predict
    from loganalyzer.output import predict_out
    from loganalyzer.simulate.run import parse_start

    fmt = check_format(options["fmt"], ("table", "json", "csv"))
    when = parse_start(options["start"])
    result = run_predict(memory_mb=options["memory_mb"], data_gb=options["data_gb"],
                         disk_gb=options["disk_gb"] or [], variant=options["variant"],
                         config=configuration.files, config_dir=configuration.dirs,
                         release=model.release, python=model.python, flags=configuration.flags)
    predict_out.write(result, fmt, when, sys.stdout)

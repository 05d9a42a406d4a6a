"""What the analysis is told about the guests, and which migrations to keep, as options
(data: the CLI builds ``--memory-mb``, ``--since``… from these)."""

from __future__ import annotations

from loganalyzer.config.flags import DISK_GB
from loganalyzer.flags import OUTPUT, REQUIRED, Flag, formats
from loganalyzer.logs.flags import PATHS

GUEST = (
    Flag("memory_mb", ("--memory-mb",), int | None, None,
         "The guests' RAM in MB (else data_gb is inferred from the logs).", "Guest", "MB"),
    DISK_GB,
    Flag("late_threshold_s", ("--late-threshold",), float, 10.0,
         "Seconds after which an applied step counts as late.", "Selection", "SECONDS"),
)
SELECTION = (
    Flag("instance", ("--instance",), list[str] | None, None,
         "Only this instance (a UUID or its first characters; repeatable).", "Selection", "UUID"),
    Flag("since", ("--since",), str | None, None, "Only migrations starting at or after this "
         "time (ISO 8601, log-local time).", "Selection", "TIME"),
    Flag("until", ("--until",), str | None, None,
         "Only migrations starting at or before this time.", "Selection", "TIME"),
)
MIGRATIONS = (PATHS, formats("table", "json", "csv", "parquet"), OUTPUT)
SHOW = (
    PATHS,
    Flag("instance", ("--instance",), str, REQUIRED,
         "The instance (UUID or its first characters).", metavar="UUID"),
    Flag("n", ("--n",), int | None, None,
         "Which of the instance's migrations, 1 = first (default: the last)."),
    formats("table", "json"),
)
VERIFY = (
    PATHS,
    Flag("allow_empty", ("--allow-empty",), bool, False, "Pass (exit 0) when nothing could be "
         "verified: no migration selected, or none with a downtime ramp."),
    formats("table", "json"),
)

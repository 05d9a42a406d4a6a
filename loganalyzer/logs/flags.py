"""Which logs are read and how, as options (data: the CLI builds the PATH arguments,
``--host``, ``--engine``, ``--cache``… from these; :class:`loganalyzer.api.Reading` takes the
values), ``scan``'s own options, and those of ``cache info`` / ``cache clear``."""

from __future__ import annotations

from loganalyzer.flags import OUTPUT, REQUIRED, Flag, formats

PATHS = Flag("paths", (), list[str], REQUIRED, "Log files, folders (searched recursively), "
             "sosreport tarballs, or - for stdin.", metavar="PATH...")

MAX_LINE_DEFAULT = 1 << 20  # = loganalyzer.logs.scan.MAX_LINE (not imported: --help stays light)
PERFORMANCE = "Performance"
HOST = Flag("host", ("--host",), list[str] | None, None, "PATH=HOST names the host of a file or "
            "of every file under a folder ('-=HOST' for stdin); a plain HOST keeps only "
            "migrations from or to it (repeatable).", "Input", "HOST")
READING = (
    HOST,
    Flag("engine", ("--engine",), str, "auto",
         "Where files are scanned: auto | local | process (all cores) | dask.", PERFORMANCE,
         "ENGINE"),
    Flag("scheduler", ("--scheduler",), str | None, None, "Address of a Dask scheduler (with "
         "--engine dask; else a local cluster is started).", PERFORMANCE, "ADDRESS"),
    Flag("cache", ("--cache",), str | None, None,
         "Keep each file's events here; re-runs read only new or grown files.", PERFORMANCE,
         "PATH"),
    Flag("cache_verify", ("--cache-verify",), bool, False, "Reuse a --cache entry only when a "
         "SHA-256 of the whole file matches (one more read of each file; notices any edit).",
         PERFORMANCE),
    Flag("max_line_bytes", ("--max-line-bytes",), int, MAX_LINE_DEFAULT, "A line longer than "
         "this is cut there (its first bytes are read; one warning per file). Bounds memory "
         "whatever the input.", PERFORMANCE, "BYTES"),
    Flag("quiet", ("--quiet", "-q"), bool, False, "No progress bar.", PERFORMANCE),
)
SCAN = (
    PATHS,
    Flag("kind", ("--kind",), list[str] | None, None, "Only events of this kind (repeatable).",
         "Selection", "KIND"),
    Flag("unrecognized", ("--unrecognized",), bool, False, "List the lines a catalogue key "
         "matched but the grammar did not (table; with csv, write them instead of events)."),
    Flag("limit", ("--limit",), int, 500, "Rows in the table view (0: all)."),
    formats("table", "json", "csv", "parquet"), OUTPUT,
)
CACHE = (Flag("cache", ("--cache",), str, REQUIRED, "The cache folder.", metavar="DIR"),)
# cache info's --format: its help has always read "table | json", not formats()' "Output: …"
CACHE_INFO = (*CACHE, Flag("fmt", ("--format", "-f"), str, "table", "table | json",
                           metavar="FORMAT", choices=("table", "json")))

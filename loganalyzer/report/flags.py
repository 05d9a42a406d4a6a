"""``loganalyzer report``'s own options, as data (the CLI builds them)."""

from __future__ import annotations

from loganalyzer.flags import Flag
from loganalyzer.logs.flags import PATHS

REPORT = (
    PATHS,
    Flag("title", ("--title",), str, "nova live migrations", "The report's title."),
    Flag("output", ("--output", "-o"), str | None, None,
         "The HTML file (default reports/loganalyzer-<date>.html).", metavar="FILE"),
    Flag("png", ("--png",), str | None, None, "Also write the fleet charts as PNG files into "
         "this folder (extra 'images': kaleido and a Chromium on the machine).", metavar="DIR"),
)

"""What each command imports: --help stays light, and the analysis (migrations, verify, show)
never imports pandas — the event table is built only for scan and report (README "Speed")."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

PROBE = """
import json, sys
from loganalyzer.cli import main
sys.argv = ["loganalyzer", *{args!r}]
try:
    main()
except SystemExit:
    pass
heavy = ("pandas", "pyarrow", "plotly", "pyparsing", "oslo_config", "distributed", "pydantic",
         "rich", "hashlib")
print(json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
"""


def loaded(*args: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(args=list(args))], cwd=REPO,
                          capture_output=True, text=True, check=False)
    return json.loads(proc.stderr.strip().splitlines()[-1])


def test_help_loads_none_of_the_heavy_libraries():
    assert loaded("--help") == ["rich"]  # typer renders help with rich


@pytest.mark.parametrize("command", [["migrations", "-o", "OUT"], ["verify"],
                                     ["show", "--instance", "e4b06ce6"]])
def test_the_analysis_does_not_import_pandas(command, tmp_path):
    words = [str(tmp_path / "out.json") if w == "OUT" else w for w in command]
    modules = loaded(*words[:1], "sample_logs", "--config", "sample_logs/nova.conf", "-q",
                     "-f", "json", *words[1:])
    assert "pandas" not in modules and "pyarrow" not in modules
    assert "pydantic" not in modules  # typer's adapters are not built for plain values
    assert "rich" not in modules  # JSON: no table, no help
    assert "pyparsing" in modules  # it did read the logs


@pytest.mark.parametrize("command", ["migrations", "verify", "report"])
def test_a_commands_help_loads_none_of_the_heavy_libraries(command):
    assert loaded(command, "--help") == ["rich"]


def test_a_log_without_a_start_up_dump_is_analysed_without_oslo_config(tmp_path):
    """No nova.conf given and none in the log: the release's defaults, without importing
    oslo.config (benchmarks/startup.py)."""
    log = tmp_path / "nova-compute.log"
    log.write_text((REPO / "sample_logs" / "sosreport-compute-1" / "var" / "log" / "nova" /
                    "nova-compute.log").read_text().splitlines()[0] + "\n")
    assert loaded("migrations", str(log), "-q", "-f", "json", "-o",
                  str(tmp_path / "out.json")) == ["pyparsing"]


def test_scan_builds_the_pandas_table(tmp_path):
    assert "pandas" in loaded("scan", "sample_logs", "-q", "-f", "json", "-o",
                              str(tmp_path / "out.json"))

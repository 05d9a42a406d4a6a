"""The public API is what the CLI is built on: its JSON equals the CLI's, and the README's
Python example runs as written."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

import loganalyzer
from loganalyzer.analysis.contract import Migration, ObservedStep
from loganalyzer.cli import app
from tests.conftest import REPO

SAMPLES = str(REPO / "sample_logs")
CONF = str(REPO / "sample_logs" / "nova.conf")


def cli_json(*args: str) -> list[dict]:
    out = CliRunner().invoke(app, ["migrations", *args, "-q", "-f", "json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)["migrations"]


def test_api_migrations_equal_the_cli_json_on_the_samples():
    api = loganalyzer.migrations([SAMPLES], config=[CONF])
    assert [m.to_json() for m in api] == cli_json(SAMPLES, "--config", CONF)
    assert len(api) > 0 and all(isinstance(m, Migration) for m in api)
    assert all(isinstance(s, ObservedStep) for m in api for s in m.observed_steps)


def test_api_migrations_equal_the_cli_json_on_the_real_logs(real_logs):
    api = loganalyzer.migrations(str(real_logs))
    assert [m.to_json() for m in api] == cli_json(str(real_logs))


def test_read_then_migrations_is_the_same_as_paths():
    events = loganalyzer.read(SAMPLES)
    assert loganalyzer.migrations(events, downtime=500) == loganalyzer.migrations(
        SAMPLES, downtime=500)
    passed, failing = loganalyzer.verify(events, config=[CONF])
    assert passed == (not failing)
    frame = events.to_pandas()
    assert len(frame) == events.rows and {"kind", "host", "timestamp"} <= set(frame.columns)


def test_predict_gives_nova_steps():
    # nova's worked example: 5000 ms, 7 steps, delay 75, 4 GiB, Python 2 arithmetic.
    result = loganalyzer.predict(memory_mb=4096, downtime=5000, steps=7, delay=75,
                                 variant="linear-py2")
    assert [s.downtime_ms for s in result.steps] == [714, 1326, 1938, 2550, 3162, 3774,
                                                     4386, 4998]
    assert [s.after_s for s in result.steps] == [300 * i for i in range(8)]


def test_library_errors_name_what_is_wrong():
    with pytest.raises(loganalyzer.api.InputError, match="unknown option"):
        loganalyzer.predict(memory_mb=4096, downtim=5000)


def test_the_readme_python_example_runs(tmp_path, monkeypatch):
    text = (REPO / "README.md").read_text()
    block = re.search(r"<!-- api-example -->\n```python\n(.*?)```", text, re.S)
    assert block, "README has no api-example block"
    monkeypatch.chdir(REPO)
    namespace: dict = {"__name__": "readme_example"}
    exec(compile(block.group(1), "README.md", "exec"), namespace)
    assert namespace["rows"] and "mismatches" in namespace


def test_a_migration_reads_like_its_json_element():
    """``m["field"]`` and ``m.get`` give what the JSON element holds (nested records too)."""
    (first, *_) = loganalyzer.migrations([SAMPLES], config=[CONF])
    element = first.to_json()
    for key, value in element.items():
        got = first[key]
        assert (got.to_json() if hasattr(got, "to_json") else
                [g.to_json() if hasattr(g, "to_json") else g for g in got]
                if isinstance(got, list) else
                {k: v.to_json() if hasattr(v, "to_json") else v for k, v in got.items()}
                if isinstance(got, dict) else got) == value
    assert "no-such-field" not in first and first.get("no-such-field", 7) == 7
    with pytest.raises(KeyError):
        first["no-such-field"]

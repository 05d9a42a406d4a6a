"""Absurd values in log lines (issue 13, B10, B11): never a traceback in any command; a
number beyond anything nova could log is an unrecognized row that says why."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from loganalyzer.cli import app
from loganalyzer.logs import writer as lw
from loganalyzer.logs.grammar import ImplausibleValue, parse_text
from loganalyzer.logs.scan import Origin, ScanResult, ScanState
from tests.scenarios import T0, VM1, host_logs, lines, narrate, script

runner = CliRunner()
MIG = "nova.virt.libvirt.migration"


def record(seconds: float, level: str, text: str, logger: str = MIG) -> lw.Record:
    return lw.Record(T0 + timedelta(seconds=seconds), level, logger, text, instance=VM1)


HOSTILE = [
    record(20, "DEBUG", "Current None elapsed 20 steps []"),
    record(21, "INFO", "Increasing downtime to 1000000000000000000000000000000 ms after 150 "
           "sec elapsed time"),
    record(22, "INFO", "Increasing downtime to 95 ms after 100000000000000000000000 sec "
           "elapsed time"),
    record(23, "INFO", "Increasing downtime to 95 ms after 1e23 sec elapsed time"),
    record(24, "DEBUG", "Current 50 elapsed 99999999999999999999 steps [(0, 50), (150, 95)]"),
    record(25, "DEBUG", "Current 50 elapsed 25 steps [(0, 50), (99999999999999999999999, 95)]"),
    record(26, "INFO", "Migration running for 30 secs, memory 50% remaining; (bytes "
           "processed=1, remaining=2, total=100000000000000000000000000000000000000)",
           logger="nova.virt.libvirt.driver"),
]


@pytest.fixture
def hostile_log(tmp_path):
    s = script(duration=400, converge=380)
    text = host_logs([(s, narrate(s))])[s.source_host] + lines(HOSTILE)
    path = tmp_path / "nova-compute.log"
    path.write_text(text)
    return str(path)


def test_an_empty_step_list_is_an_event():
    """nova's update_downtime with no steps (its own ``no_steps`` test) logs ``steps []``."""
    event = parse_text(lw.oslo_line(HOSTILE[0]), ["steps ["])
    assert event is not None and event["kind"] == "downtime_state"
    assert event["steps"] == () and event["elapsed_s"] == 20


@pytest.mark.parametrize("index", [1, 2, 4, 5, 6])
def test_a_number_beyond_anything_nova_logs_is_unrecognized_with_a_reason(index):
    line = lw.oslo_line(HOSTILE[index])
    with pytest.raises(ImplausibleValue):
        from loganalyzer.logs.anchors import keys_in

        parse_text(line, keys_in(line))
    result = ScanResult(None)  # type: ignore[arg-type]
    ScanState(Origin("x.log", "h", "--host"), result).line_text(line.encode(), 7)
    (row,) = result.unrecognized
    assert row["line"] == 7 and "not a value nova logs" in row["reason"]
    assert result.events.rows == 0


@pytest.mark.parametrize("command", [
    ["scan", "-f", "json"], ["scan"], ["scan", "--unrecognized"], ["migrations", "-f", "json"],
    ["migrations"], ["show", "--instance", VM1], ["verify"], ["report", "-o", "{tmp}/r.html"]])
def test_no_command_breaks_on_hostile_values(command, hostile_log, tmp_path):
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    result = runner.invoke(app, [args[0], hostile_log, *args[1:]])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    if args[:3] == ["scan", "-f", "json"]:
        data = json.loads(result.stdout)
        reasons = [u.get("reason") for u in data["unrecognized"]]
        assert sum(1 for r in reasons if r and "not a value nova logs" in r) == 5
        assert any(e["kind"] == "downtime_state" and e.get("steps") == []
                   for e in data["events"])


@pytest.mark.parametrize("tool", ["rg", "python"])
def test_unrecognized_rows_are_listed_up_to_a_bound_and_all_counted(tool, tmp_path,
                                                                    monkeypatch):
    """A file of junk lines holding catalogue keys keeps 10,000 rows; the rest is a count."""
    from loganalyzer.logs import prefilter
    from loganalyzer.logs.read import collect
    from loganalyzer.logs.scan import MAX_UNRECOGNIZED

    monkeypatch.setenv("LOGANALYZER_PREFILTER", tool)
    if tool == "rg" and (prefilter.tool() or ("",))[0] != "rg":
        pytest.skip("rg is not installed")
    line = lw.oslo_line(record(1, "INFO", "Increasing downtime to lots ms after 0 sec "
                               "elapsed time"))
    path = tmp_path / "nova-compute.log"
    path.write_text((line + "\n") * (MAX_UNRECOGNIZED + 5))
    events = collect([str(path)], engine="local")
    assert len(events.unrecognized) == MAX_UNRECOGNIZED
    assert events.files[0].unrecognized == MAX_UNRECOGNIZED + 5
    assert events.warnings == [f"{path}: 5 more unrecognized lines were counted, not listed "
                               "(the first 10,000 are)"]

"""The CLI is a thin face over the library (issue 15 §1): the library calls take plain values
and say what is wrong by flag; each option is declared once, as data beside its call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loganalyzer.cli import app
from loganalyzer.errors import InputError
from loganalyzer.flags import Flag
from loganalyzer.simulate.run import FLAGS as SIMULATE_FLAGS
from loganalyzer.simulate.run import run as simulate_run
from loganalyzer.watch.settings import FLAGS as WATCH_FLAGS
from loganalyzer.watch.settings import watch_settings
from tests.conftest import REPO


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"layout": "xml"}, "--layout xml: not one of"),
    ({"libvirt_log": "loud"}, "--libvirt-log loud: not one of debug | info | off"),
    ({"fleet": 3}, "--fleet and --sample write files: give --out DIR"),
    ({"stall": ["10"]}, "--stall 10: expected AT:SECONDS"),
    ({"memory_mb": 0}, "--memory-mb and --bandwidth must be positive"),
])
def test_simulate_run_refuses_bad_values_naming_the_flag(kwargs, message):
    with pytest.raises(InputError, match=message):
        simulate_run(**kwargs)


def test_simulate_run_is_what_the_command_prints():
    """The library call and the command give the same summary for the same values."""
    summary = simulate_run(memory_mb=2048, dirty_rate=100.0, seed=3)
    result = CliRunner().invoke(app, ["simulate", "--memory-mb", "2048", "--dirty-rate", "100",
                                      "--seed", "3", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads(json.dumps(summary))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "nothing to follow"),
    ({"paths": ["x"], "poll": 0}, "--poll 0: must be positive"),
    ({"paths": ["x"], "units": ["nova-compute"]}, "--unit goes with --journal"),
    ({"paths": ["x"], "max_events": 0}, "--max-events 0: must be at least 1"),
    ({"paths": ["x"], "metrics_port": 70000}, "--metrics-port 70000: not a TCP port"),
    ({"paths": ["x"], "fmt": "csv"}, "--format csv: not one of json | table"),
])
def test_watch_settings_refuse_bad_values_naming_the_flag(kwargs, message):
    with pytest.raises(InputError, match=message):
        watch_settings(**kwargs)


def test_watch_settings_carry_what_they_were_given(tmp_path: Path):
    settings = watch_settings(paths=[str(tmp_path)], poll=2.5, units=None, host=["compute-1"],
                              state=str(tmp_path / "state.json"))
    assert (settings.paths, settings.poll_s, settings.units) == ([str(tmp_path)], 2.5, [])
    assert settings.select({"source_host": "compute-1"})
    assert not settings.select({"source_host": "compute-2", "dest_host": "compute-3"})


@pytest.mark.parametrize("flags", [SIMULATE_FLAGS, WATCH_FLAGS])
def test_each_declared_flag_is_a_keyword_of_its_library_call(flags: tuple[Flag, ...]):
    """A Flag names the keyword argument it feeds: a typo would fail only at run time."""
    import inspect

    call = simulate_run if flags is SIMULATE_FLAGS else watch_settings
    accepted = set(inspect.signature(call).parameters)
    assert {f.name for f in flags} - {"fmt"} <= accepted


def test_the_cli_layer_stays_thin():
    """Orchestration and option data live in the library; cli/ is option wiring, error
    handling and printing (1,674 lines at tag round2)."""
    modules = (REPO / "loganalyzer" / "cli").glob("*.py")
    total = sum(len(p.read_text().splitlines()) for p in modules)
    assert total <= 1100, total

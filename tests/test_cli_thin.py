"""The CLI is a thin face over the library (issue 15 §1): the library calls take plain values
and say what is wrong by flag; each option is declared once, as data beside its call."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from loganalyzer import api
from loganalyzer.analysis import flags as analysis_flags
from loganalyzer.cli import app
from loganalyzer.commands import TEXTS
from loganalyzer.config import flags as config_flags
from loganalyzer.errors import InputError
from loganalyzer.flags import Flag, checked, formats
from loganalyzer.logs import flags as logs_flags
from loganalyzer.report import flags as report_flags
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


@pytest.mark.parametrize(("flags", "call", "for_the_cli"), [
    (config_flags.PREDICT, api.predict, {"fmt", "start"}),
    (config_flags.LINT, api.lint, {"fmt"}),
    (config_flags.MODEL, api.predict, set()),
    (analysis_flags.GUEST + analysis_flags.SELECTION, api.analyse, set()),
    (analysis_flags.MIGRATIONS, api.analyse_noting, {"fmt", "output"}),
    (analysis_flags.SHOW, api.show_noting, {"fmt"}),
    (analysis_flags.VERIFY, api.verify_noting, {"fmt"}),
    (logs_flags.SCAN, api.scan_noting, {"fmt", "output", "unrecognized", "limit"}),
    (logs_flags.READING, api.reading_options, set()),
    (report_flags.REPORT, api.publish_report, {"png"}),
])
def test_the_options_of_the_log_commands_are_keywords_of_their_calls(flags, call, for_the_cli):
    """Every option a command hands to the library names a keyword of the call (a
    ``Reading`` field for the reading options); the rest the command uses itself."""
    import dataclasses
    import inspect

    accepted = set(inspect.signature(call).parameters)
    accepted |= {f.name for f in dataclasses.fields(api.Reading)}
    assert {f.name for f in flags} - for_the_cli <= accepted


def test_configuration_flags_become_the_library_declaration():
    """--config/--config-dir and the [libvirt] flags become ``config``, ``config_dir`` and
    ``flags`` by nova's option names, in nova.conf's terms."""
    given = config_flags.declaration(config=["a.conf"], downtime=5000, post_copy=False)
    assert given == {"config": ["a.conf"], "config_dir": [], "flags": {
        "live_migration_downtime": 5000, "live_migration_permit_post_copy": False}}
    names = {f.name for f in config_flags.CONFIGURATION} - {"config", "config_dir"}
    assert names == set(config_flags.LIBVIRT)


def test_flag_words_and_checks():
    """Help names a value by its metavar or its type; choices and binary formats are checked
    by the flag data, naming the flag."""
    assert [f.word for f in config_flags.CONFIGURATION if f.name in ("steps", "post_copy")] \
        == ["INTEGER", ""]
    assert Flag("x", ("--x",), list[float] | None, None, "").word == "NUMBER"
    fmt = formats("table", "parquet")
    checked((fmt,), {"fmt": "parquet", "output": None})  # not a terminal: fine
    with pytest.raises(InputError, match=r"--format xml: not one of table \| parquet"):
        checked((fmt,), {"fmt": "xml"})
    with pytest.raises(InputError, match="--format parquet writes binary data"):
        checked((fmt,), {"fmt": "parquet", "output": "-"}, terminal=True)


def test_lint_takes_sizes_as_the_command_line_gives_them():
    """``memory_mb`` as text is what ``lint --memory-mb`` takes: a size or a MIN:MAX range."""
    result = api.lint(memory_mb=["2048:8192"], steps=30)
    assert [g.data_gb for g in result.guests] == [2.0, 4.0, 8.0]
    assert [g.data_gb for g in api.lint(memory_mb=[8192, 2048]).guests] == [8.0, 2.0]
    assert result.warned == any(f.severity != "info" for f in result.findings)
    with pytest.raises(InputError, match="--memory-mb x:y: not a number of MB"):
        api.lint(memory_mb=["x:y"])


def test_show_picks_one_migration_of_the_instance():
    rows = [{"start": "1"}, {"start": "2"}]
    assert api.pick(rows, "7b", None) == (rows[1], 2)
    assert api.pick(rows, "7b", 1) == (rows[0], 1)
    with pytest.raises(InputError, match="--n 3: the instance has 2 migration"):
        api.pick(rows, "7b", 3)
    with pytest.raises(InputError, match="--instance 7b: no migration of that instance"):
        api.pick([], "7b", None)


def test_cache_calls_refuse_a_missing_folder(tmp_path: Path):
    assert api.cache_entries(str(tmp_path)) == []
    assert api.clear_cache(str(tmp_path)) == 0
    for call in (api.cache_entries, api.clear_cache):
        with pytest.raises(InputError, match=r"--cache .*nothing: no such folder"):
            call(str(tmp_path / "nothing"))


@pytest.fixture
def config_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The releases oslo.config reads the declared configuration for, in order."""
    import loganalyzer.analysis.migrations as migrations_module

    loads: list[str] = []
    load = migrations_module.load_config

    def counted(release, *args, **kwargs):
        loads.append(release.name)
        return load(release, *args, **kwargs)

    monkeypatch.setattr(migrations_module, "load_config", counted)
    return loads


def test_report_reads_the_declared_configuration_once_per_release(config_loads, tmp_path):
    """The configuration checked before the logs are read is the one the report shows: no
    release's configuration is read twice (the report's own once read it again)."""
    result = CliRunner().invoke(app, ["report", str(REPO / "sample_logs"), "-q", "--config",
                                      str(REPO / "sample_logs" / "nova.conf"), "-o",
                                      str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert config_loads and len(config_loads) == len(set(config_loads)), config_loads
    api.report(str(REPO / "sample_logs"), out=str(tmp_path / "api.html"),
               config=[str(REPO / "sample_logs" / "nova.conf")])
    assert len(config_loads) == 2 * len(set(config_loads)), config_loads


def test_the_cli_layer_stays_thin():
    """Orchestration, option data and help texts live in the library; cli/ is option wiring,
    error handling and printing (1,674 lines at tag round2, 1,066 at round4, 597 at clithin2,
    477 at clithin3; +86 at startup5: values.py, typer's coercion without pydantic, and the
    help made when shown, so that a command imports neither pydantic nor rich for it)."""
    modules = (REPO / "loganalyzer" / "cli").glob("*.py")
    total = sum(len(p.read_text().splitlines()) for p in modules)
    assert total <= 577, total


def _commands(group: Any, path: str) -> dict[str, Any]:
    """Every command and group under ``group`` by the words typed after ``loganalyzer``."""
    found = {path: group}
    for name, command in getattr(group, "commands", {}).items():
        found.update(_commands(command, f"{path} {name}".removeprefix("loganalyzer ")))
    return found


def test_every_command_has_its_text_in_the_library_and_every_text_a_command():
    assert set(_commands(typer.main.get_command(app), "loganalyzer")) == set(TEXTS)


@pytest.mark.parametrize("name", sorted(TEXTS))
def test_a_commands_help_shows_its_text(name):
    """``--help`` shows the summary, details and examples of :mod:`loganalyzer.commands`
    (plain text there: ``[libvirt]`` is shown, not taken for markup)."""
    words = name.split()[1:] if name == "loganalyzer" else name.split()
    result = CliRunner().invoke(app, [*words, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    shown = " ".join(result.output.split())
    text = TEXTS[name]
    for part in (text.summary, text.details, *text.examples):
        assert " ".join(part.split()) in shown, part
    assert ("Examples" in shown) == bool(text.examples)


@pytest.mark.parametrize(("name", "example"), [
    (text.name, example) for text in TEXTS.values() for example in text.examples])
def test_each_example_is_a_command_line_the_command_accepts(name, example):
    """An example names its own command and only options it has, with values of their types
    (parsed as the command line parses it; nothing is run, so choices are not checked)."""
    words = shlex.split(example.replace("\\\n", " "))
    words = words[len(words) - words[::-1].index("loganalyzer"):]  # after a pipe: its last
    assert words[:len(name.split())] == name.split(), example
    command = _commands(typer.main.get_command(app), "loganalyzer")[name]
    command.make_context(name, words[len(name.split()):])

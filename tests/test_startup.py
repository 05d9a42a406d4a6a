"""The fixed cost of a command (issue 16): option values coerced without building pydantic
adapters (:mod:`loganalyzer.cli.values`) give what typer's own coercion gives, and the
configuration is typed by oslo.config once per distinct text, and not at all when there is
nothing to type (:mod:`loganalyzer.config.load`). What is imported is checked in
tests/test_imports.py; the time it takes by benchmarks/startup.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer._coercion import build_runtime_param, resolve_type_descriptor
from typer.models import OptionInfo
from typer.testing import CliRunner

from loganalyzer.cli import app, values
from loganalyzer.config import load
from loganalyzer.config.load import config_from_values, load_config
from loganalyzer.nova.options import GROUP, OPTIONS
from loganalyzer.nova.releases import RELEASES, parse_release
from tests.conftest import REPO

KINDS = (int, float, str, list[str], list[float])
EDGES = ("0", "-0", "7", "-12", "500", "0500", "+5", " 5", "5 ", "5_000", "1e3", "1.5", "-2.25",
         "1.", ".5", "nan", "inf", "-inf", "1.0", "١٢", "", "abc", "9" * 18, "9" * 19, "9" * 40,
         "0.1", "1" + "0" * 17 + ".5", "-0.0", "0.30000000000000004", "2.675", "a\udcff",
         "x\x00y")


def typers(kind: Any, value: Any) -> tuple[str, Any]:
    """What typer's own coercion (its pydantic adapter) makes of ``value``: ("ok", value)
    or ("error", message)."""
    descriptor = resolve_type_descriptor(kind, OptionInfo())
    try:
        return "ok", build_runtime_param(descriptor)._coerce_value(value, None, None)  # type: ignore[arg-type]
    except Exception as exc:
        return "error", type(exc).__name__


def same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, list):
        return isinstance(theirs, list) and len(ours) == len(theirs) and all(
            same(a, b) for a, b in zip(ours, theirs, strict=True))
    return type(ours) is type(theirs) and repr(ours) == repr(theirs)  # -0.0, nan: by repr


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_plain_values_are_what_typers_own_coercion_makes_of_them(kind):
    taken = 0
    for text in EDGES:
        for value in (text, [text], (text, "3"), 5, 2.5, True, None):
            ours = values.plain(kind, value)
            if ours is values.NOT_PLAIN:
                continue
            taken += 1
            status, theirs = typers(kind, value)
            assert status == "ok" and same(ours, theirs), (kind, value, ours, theirs)
    assert taken >= 4  # the plain path was taken, not skipped


@given(st.one_of(st.from_regex(values.PLAIN_FLOAT, fullmatch=True),
                 st.from_regex(values.PLAIN_INT, fullmatch=True),
                 st.text(alphabet="0123456789.-+e_ ", max_size=12), st.text(max_size=8)))
def test_numbers_taken_plain_are_typers_numbers(text):
    for kind in (int, float, list[float]):
        value = [text] if kind == list[float] else text
        ours = values.plain(kind, value)
        if ours is not values.NOT_PLAIN:
            status, theirs = typers(kind, value)
            assert status == "ok" and same(ours, theirs), (kind, text, ours, theirs)


# command lines whose values go both ways: plain, and through typer's own coercion
LINES = [
    ["predict", "--downtime", "500", "--memory-mb", "4096", "-f", "json"],
    ["predict", "--downtime", " 800", "--steps", "5_0", "--memory-mb", "4096", "-f", "json"],
    ["predict", "--downtime", "abc", "--memory-mb", "4096"],
    ["predict", "--downtime", "1e3", "--memory-mb", "4096"],
    ["predict", "--downtime", "-0", "--memory-mb", "4096"],
    ["predict", "--data-gb", "2.5", "-f", "json"],
    ["predict", "--data-gb", "nan"],
    ["predict", "--data-gb", " 3"],
    ["predict", "--data-gb", "x"],
    ["lint", "--memory-mb", "4096:65536", "--data-gb", "1.5", "--data-gb", "7", "-f", "json"],
    ["lint", "--data-gb", "1.5", "--data-gb", "seven"],
    ["simulate", "--memory-mb", "2048", "--dirty-rate", "1_0", "--what-if", "-f", "json"],
    ["predict", "--memory-mb", "4096", "--no-color", "--downtime", "9" * 30],
]


@pytest.mark.parametrize("line", LINES, ids=" ".join)
def test_commands_give_what_they_gave_with_typers_own_coercion(line, monkeypatch):
    ours = CliRunner().invoke(app, line)
    with monkeypatch.context() as patch:
        patch.setattr(values, "install", lambda param: None)
        theirs = CliRunner().invoke(app, line)
    assert (ours.exit_code, ours.output) == (theirs.exit_code, theirs.output)
    assert ours.exception is None or isinstance(ours.exception, SystemExit), ours.exception


def test_every_option_gets_the_plain_coercion():
    import typer.main

    command = typer.main.get_command(app)
    found = [p for sub in command.commands.values()  # type: ignore[attr-defined]
             for p in sub.params]
    assert found and all(isinstance(p._runtime_param, values.PlainValues) for p in found)


def test_the_defaults_are_what_oslo_config_gives(tmp_path: Path):
    """Without a file, the release's defaults are taken without oslo.config: the same values
    (and types) it gives for an option no file sets, in every release."""
    from oslo_config import cfg

    empty = tmp_path / "nova.conf"
    empty.write_text("[libvirt]\n")
    for release in RELEASES:
        conf = cfg.ConfigOpts()
        existing = [o for o in OPTIONS if o.exists_in(release)]
        conf.register_opts([load._oslo_type(o, release) for o in existing], group=GROUP)
        conf(args=[], default_config_files=[], default_config_dirs=[], use_env=False)
        ours = load_config(release)
        read = load_config(release, [str(empty)])
        assert list(ours.settings) == [o.name for o in existing]
        for spec in existing:
            theirs = conf[GROUP][spec.name]
            for setting in (ours.settings[spec.name], read.settings[spec.name]):
                assert type(setting.value) is type(theirs) and setting.value == theirs
                assert setting.source == f"default for {release.label}"


def test_the_defaults_are_not_shared_between_configurations():
    train = parse_release("train").release
    first = load_config(train, flags={"live_migration_downtime": 900})
    second = load_config(train)
    assert first.value("live_migration_downtime") == 900
    assert second.value("live_migration_downtime") == 500


def test_a_repeated_option_text_is_typed_once(monkeypatch):
    """A log repeats its start-up dump on every restart: each distinct text of an option is
    typed by oslo.config once, and gives the same values and problems every time."""
    release = parse_release("ussuri").release
    calls: list[str] = []
    oslo_type = load._oslo_type

    def counted(spec, rel):
        calls.append(spec.name)
        return oslo_type(spec, rel)

    monkeypatch.setattr(load, "_oslo_type", counted)
    load._typed_once.cache_clear()
    dump = {"live_migration_downtime": "700", "live_migration_downtime_steps": "x",
            "live_migration_permit_post_copy": "True", "live_migration_timeout_action": "abort"}
    results = [config_from_values(release, dump, f"restart {n}") for n in range(3)]
    assert sorted(calls) == sorted(dump)
    first, problems = results[0]
    assert first.value("live_migration_downtime") == 700
    assert first.value("live_migration_permit_post_copy") is True
    assert problems == ["live_migration_downtime_steps = x (restart 0): not an integer"]
    for n, (config, found) in enumerate(results):
        assert config.settings == {name: load.Setting(s.value, f"restart {n}", s.raw)
                                   if s.source == "restart 0" else s
                                   for name, s in first.settings.items()}
        assert found == [p.replace("restart 0", f"restart {n}") for p in problems]


def test_long_option_texts_are_typed_and_not_kept():
    release = parse_release("ussuri").release
    load._typed_once.cache_clear()
    text = "1" * (load.CACHED_TEXT + 1)
    config, problems = config_from_values(release, {"live_migration_downtime": text}, "dump")
    assert config.value("live_migration_downtime") == int(text) and problems == []
    assert load._typed_once.cache_info().currsize == 0


@pytest.mark.parametrize("args", [["--help"], [], ["cache"], ["verify", "-h"],
                                  ["predict", "--memory-mb", "4096", "--no-color"]])
def test_help_and_tables_end_quietly_on_a_closed_pipe(args):
    """rich is imported only to write help or a table, and the closed-pipe rule (exit 0,
    nothing on stderr) holds for both: typer's help consoles and the library's tables."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first write
    proc = subprocess.run([sys.executable, "-m", "loganalyzer", *args], cwd=REPO,
                          stdout=write, stderr=subprocess.PIPE, text=True, check=False)
    os.close(write)
    assert (proc.returncode, proc.stderr) == (0, "")


def test_the_help_is_the_commands_text_in_markup():
    import typer.main

    from loganalyzer.cli.shell import shown
    from loganalyzer.commands import TEXTS

    group = typer.main.get_command(app)
    helps = {"loganalyzer": group.help}
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        helps[name] = command.help
        for sub, inner in getattr(command, "commands", {}).items():
            helps[f"{name} {sub}"] = inner.help
    assert set(helps) == set(TEXTS)
    assert helps == {name: shown(name) for name in TEXTS}
    assert r"\[libvirt]" in helps["loganalyzer"] and "[b]Examples[/b]" in helps["predict"]

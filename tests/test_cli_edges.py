"""Edges of the command line and the library calls under it (review4 #1, #3, #9, #10): a
UUID prefix that several instances share, numbers that are not finite or not sane, values
checked before any log is read, and help paragraphs that rich can wrap."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import loganalyzer
from loganalyzer import api
from loganalyzer.analysis import flags as analysis_flags
from loganalyzer.cli import app
from loganalyzer.commands import TEXTS
from loganalyzer.config import flags as config_flags
from loganalyzer.errors import InputError
from loganalyzer.flags import Flag, checked, is_number
from loganalyzer.logs import flags as logs_flags
from loganalyzer.nova.sizing import data_gb
from loganalyzer.report import flags as report_flags
from loganalyzer.simulate.run import FLAGS as SIMULATE_FLAGS
from loganalyzer.watch.settings import FLAGS as WATCH_FLAGS
from loganalyzer.watch.settings import watch_settings
from tests.conftest import REPO

runner = CliRunner()
SAMPLE = str(REPO / "sample_logs")


def one_line_error(args: list[str]) -> str:
    """The command's stderr, after checking it is one ``loganalyzer:`` line and exit 2."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("loganalyzer: ") and "Traceback" not in result.stderr
    return result.stderr


# --- #1: show --instance PREFIX of several instances --------------------------------------

def test_show_refuses_a_prefix_that_several_instances_share():
    """In the sample logs ``c`` starts c2ce6f44-… and c381e88f-…: show names both and asks
    for more of the UUID instead of labelling one guest's migration as the other's."""
    result = runner.invoke(app, ["show", SAMPLE, "-q", "--instance", "c"])
    assert result.exit_code == 2, result.output
    last = result.stderr.splitlines()[-1]
    assert last == ("loganalyzer: --instance c: matches 2 instances "
                    "(c2ce6f44-7ed4-457b-9e2f-eb89414c343c, "
                    "c381e88f-38c0-48fd-8712-b8bc076f3787); give more of the UUID"), last
    assert result.stdout == ""
    for prefix in ("c2", "c381e88f-38c0-48fd-8712-b8bc076f3787"):
        chosen = runner.invoke(app, ["show", SAMPLE, "-q", "--instance", prefix, "-f", "json"])
        assert chosen.exit_code == 0, chosen.output
        assert prefix in chosen.stdout


def test_pick_names_the_first_few_instances_a_prefix_matches():
    rows = [{"instance": f"c{i}aaaaaa"} for i in range(5)] + [{"instance": "c0aaaaaa"}]
    with pytest.raises(InputError, match=r"^--instance c: matches 5 instances \(c0aaaaaa, "
                       r"c1aaaaaa, c2aaaaaa and 2 more\); give more of the UUID$"):
        api.pick(rows, "c", None)
    assert api.pick(rows[:1] + rows[-1:], "c0", None) == (rows[-1], 2)


@pytest.mark.parametrize("prefix", ["", "  "])
def test_show_refuses_an_empty_instance_before_reading(prefix):
    error = one_line_error(["show", SAMPLE, "--instance", prefix])
    assert "--instance: empty; give the instance's UUID or its first characters" in error
    with pytest.raises(InputError, match="--instance: empty"):
        api.pick([{"instance": "c2ce6f44"}], prefix, None)


# --- #3: numbers that are not finite or not sane ------------------------------------------

@pytest.mark.parametrize(("args", "expected"), [
    (["predict", "--data-gb", "nan"], "--data-gb nan: not a finite number"),
    (["predict", "--data-gb", "inf"], "--data-gb inf: not a finite number"),
    (["predict", "--data-gb", "1e7"], "--data-gb 1e+07: at most 1,048,576"),
    (["predict", "--memory-mb", "4096", "--disk-gb", "-2"], "--disk-gb -2: must be at least 0"),
    (["lint", "--data-gb", "inf"], "--data-gb inf: not a finite number"),
    (["lint", "--disk-gb", "nan"], "--disk-gb nan: not a finite number"),
    (["migrations", SAMPLE, "--disk-gb", "nan"], "--disk-gb nan: not a finite number"),
    (["migrations", SAMPLE, "--late-threshold", "nan"],
     "--late-threshold nan: not a finite number"),
    (["verify", SAMPLE, "--disk-gb", "inf"], "--disk-gb inf: not a finite number"),
    (["watch", "{tmp}", "--poll", "nan"], "--poll nan: not a finite number"),
    (["watch", "{tmp}", "--poll", "inf"], "--poll inf: not a finite number"),
    (["watch", "{tmp}", "--poll", "1e10"], "--poll 1e+10: at most 3,600"),
    (["watch", "{tmp}", "--settle", "nan"], "--settle nan: not a finite number"),
    (["watch", "{tmp}", "--idle-timeout", "nan"], "--idle-timeout nan: not a finite number"),
    (["watch", "{tmp}", "--idle-timeout", "-1"], "--idle-timeout -1: must be positive"),
    (["simulate", "--dirty-rate", "nan"], "--dirty-rate nan: not a finite number"),
])
def test_a_number_flag_refuses_nan_infinity_and_insane_values(args, expected, tmp_path: Path):
    """One line naming the flag and value, exit 2, nothing read (no note before it): NaN
    passes every ``<= 0`` test, ``--poll nan`` spun a core and ``--poll inf`` overflowed."""
    error = one_line_error([a.replace("{tmp}", str(tmp_path)) for a in args])
    assert error == f"loganalyzer: {expected}\n"


def _flag_tuples() -> list[tuple[Flag, ...]]:
    return [config_flags.CONFIGURATION, config_flags.MODEL, config_flags.PREDICT,
            config_flags.LINT, analysis_flags.GUEST, analysis_flags.SELECTION,
            analysis_flags.MIGRATIONS, analysis_flags.SHOW, analysis_flags.VERIFY,
            logs_flags.SCAN, logs_flags.READING, report_flags.REPORT, SIMULATE_FLAGS,
            WATCH_FLAGS]


@pytest.mark.parametrize("flag", sorted(
    {f for group in _flag_tuples() for f in group if is_number(f)}, key=lambda f: f.name),
    ids=lambda f: f.flags[0])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_every_number_flag_is_checked_finite(flag: Flag, value: float):
    """The shared check covers every Flag of type float (single or repeatable)."""
    many = flag.kind is not float and "list" in str(flag.kind)
    with pytest.raises(InputError, match=f"^{flag.flags[0]} .*: not a finite number$"):
        checked((flag,), {flag.name: [1.0, value] if many else value})
    checked((flag,), {flag.name: [1.0] if many else 1.0})  # a sane value passes


def test_the_number_flags_found_are_the_ones_expected():
    names = {f.flags[0] for group in _flag_tuples() for f in group if is_number(f)}
    assert {"--data-gb", "--disk-gb", "--late-threshold", "--poll", "--settle",
            "--idle-timeout", "--dirty-rate", "--bandwidth", "--budget", "--drift"} <= names
    assert "--memory-mb" not in names and "--steps" not in names


@pytest.mark.parametrize(("call", "expected"), [
    (lambda: loganalyzer.predict(data_gb=math.nan), "--data-gb nan: not a finite number"),
    (lambda: loganalyzer.predict(memory_mb=4096, disk_gb=[math.inf]), "--disk-gb inf"),
    (lambda: loganalyzer.predict(data_gb=1e300), "--data-gb 1e+300: at most"),
    (lambda: loganalyzer.lint(data_gb=[math.inf]), "--data-gb inf: not a finite number"),
    (lambda: loganalyzer.lint(disk_gb=[math.nan]), "--disk-gb nan: not a finite number"),
    (lambda: loganalyzer.migrations(SAMPLE, disk_gb=[math.nan]), "--disk-gb nan"),
    (lambda: loganalyzer.migrations(SAMPLE, late_threshold_s=math.inf), "--late-threshold"),
    (lambda: watch_settings(paths=["x"], poll=math.nan), "--poll nan: not a finite number"),
    (lambda: watch_settings(paths=["x"], poll=1e10), "--poll 1e+10: at most 3,600"),
    (lambda: watch_settings(paths=["x"], settle=math.nan), "--settle nan"),
    (lambda: watch_settings(paths=["x"], idle_timeout=math.inf), "--idle-timeout inf"),
    (lambda: watch_settings(paths=["x"], disk_gb=[math.nan]), "--disk-gb nan"),
    (lambda: api.predict(data_gb="3"), "--data-gb '3': not a number"),  # type: ignore[arg-type]
])
def test_the_library_calls_raise_input_error_for_such_numbers(call: Any, expected: str):
    """Not ValueError from nova's arithmetic or OverflowError from a wait."""
    with pytest.raises(InputError, match=expected.replace("+", r"\+").replace("(", r"\(")):
        call()


def test_sane_numbers_still_pass():
    assert loganalyzer.predict(data_gb=3.5).guest.data_gb == 3.5
    # a disk file of 0 bytes is a size nova takes (it counts each disk as at least 2 GiB)
    assert loganalyzer.predict(memory_mb=4096, disk_gb=[0]).guest.data_gb == \
        data_gb(4096, [0]) == 6.0
    assert watch_settings(paths=["x"], poll=0.5, settle=3, idle_timeout=3600).poll_s == 0.5


# --- #9: values checked before any log is read --------------------------------------------

@pytest.mark.parametrize("args", [
    ["verify", SAMPLE, "--since", "garbage"],
    ["migrations", SAMPLE, "--until", "garbage"],
    ["report", SAMPLE, "-o", "{tmp}/r.html", "--since", "garbage"],
    ["show", SAMPLE, "--instance", "5d1", "--since", "garbage"],
    ["show", SAMPLE, "--instance", "5d1", "--n", "0"],
    ["show", SAMPLE, "--instance", "5d1", "--n", "-3"],
    ["migrations", SAMPLE, "--memory-mb", "0"],
])
def test_a_bad_window_or_position_fails_before_any_log_is_read(args, tmp_path: Path):
    """The error is the only line: no reading note ("passed over …") came before it, so no
    log was read (the sample logs give notes when read), and no report was written."""
    error = one_line_error([a.replace("{tmp}", str(tmp_path)) for a in args])
    assert args[-2] in error
    assert not (tmp_path / "r.html").exists()


def test_show_n_below_one_says_what_n_counts():
    error = one_line_error(["show", SAMPLE, "--instance", "5d1", "--n", "0"])
    assert error == "loganalyzer: --n 0: must be at least 1 (1 = the instance's first " \
        "migration)\n"


def test_the_library_checks_the_window_before_reading(tmp_path: Path):
    """A FIFO would block a reader: the window is refused before it is opened."""
    import os

    fifo = tmp_path / "fifo.log"
    os.mkfifo(fifo)
    said: list[str] = []
    with pytest.raises(InputError, match="--since garbage"):
        api.analyse_noting([str(fifo)], said.append, since="garbage")
    with pytest.raises(InputError, match="--n 0"):
        api.show_noting([str(fifo)], said.append, instance="5d1", n=0)
    with pytest.raises(InputError, match="--disk-gb nan"):
        api.verify_noting([str(fifo)], said.append, disk_gb=[math.nan])
    assert said == []


# --- #10: help paragraphs rich can wrap ---------------------------------------------------

@pytest.mark.parametrize("name", sorted(TEXTS))
def test_no_help_paragraph_holds_a_line_break(name):
    """Rich keeps a newline inside a paragraph, so a text wrapped by hand breaks mid-line
    in a terminal of another width: paragraphs are single lines (examples may continue)."""
    text = TEXTS[name]
    assert "\n" not in text.summary, text.summary
    for paragraph in text.details.split("\n\n"):
        assert "\n" not in paragraph, paragraph


@pytest.mark.parametrize("name", sorted(set(TEXTS) - {"loganalyzer"}))
def test_a_wide_terminal_shows_each_summary_on_one_line(name):
    words = name.split()
    result = runner.invoke(app, [*words, "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert any(TEXTS[name].summary in line for line in result.output.splitlines()), name


def test_verify_has_a_one_sentence_summary():
    summary = TEXTS["verify"].summary
    assert summary.count(". ") == 0 and summary.endswith(".") and len(summary) <= 90
    listing = runner.invoke(app, ["--help"], env={"COLUMNS": "100"}).output
    assert [line for line in listing.splitlines() if "rollout" in line] == [
        next(line for line in listing.splitlines() if "verify" in line)]

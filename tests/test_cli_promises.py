"""The command line's promises: usage errors are one line naming the option (with a
suggestion), exit 2; a closed output pipe ends quietly (exit 0) for every command; NO_COLOR
and --color/--no-color are honoured everywhere; help names values in words; piped tables
honour COLUMNS; simulate prints no None or []; --what-if states and follows its ranking; a
nova.conf among the inputs is mentioned."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from loganalyzer.cli import app
from tests.conftest import REPO

runner = CliRunner()
SAMPLE = str(REPO / "sample_logs")
CONF = str(REPO / "sample_logs" / "nova.conf")
COMMANDS = {
    "predict": ["predict", "--memory-mb", "4096"],
    "lint": ["lint", "--config", CONF],
    "scan": ["scan", SAMPLE],
    "migrations": ["migrations", SAMPLE],
    "show": ["show", SAMPLE, "--instance", "5d1"],
    "verify": ["verify", SAMPLE, "--config", CONF],
    "simulate": ["simulate", "--memory-mb", "8192", "--what-if"],
    "report": ["report", SAMPLE, "-o", "{tmp}/r.html"],
    "cache": ["cache", "info", "--cache", "{tmp}"],
    "help": ["migrations", "--help"],
    "version": ["--version"],
    "clear": ["cache", "clear", "--cache", "{tmp}"],
    "json": ["scan", SAMPLE, "-f", "json"],
}


def run(args: list[str], env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loganalyzer", *args], cwd=REPO,
                          capture_output=True, text=True, env={**os.environ, **(env or {})},
                          check=False, **kw)


@pytest.mark.parametrize(("args", "expected"), [
    (["predict", "--downtim", "5"], "no such option --downtim (did you mean --downtime?)"),
    (["predict", "--steps", "x"], "invalid value for '--steps'"),
    (["migrations"], "missing argument 'PATH"),
    (["nonsense"], "no such command nonsense"),
])
def test_usage_errors_are_one_line(args, expected):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("loganalyzer: ")
    assert expected in result.stderr
    assert "╭" not in result.output and "Usage:" not in result.output


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_closed_pipe_ends_quietly(name, tmp_path):
    args = [a.replace("{tmp}", str(tmp_path)) for a in COMMANDS[name]]
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first write
    proc = subprocess.run([sys.executable, "-m", "loganalyzer", *args], cwd=REPO,
                          stdout=write, stderr=subprocess.PIPE, text=True, check=False)
    os.close(write)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "Error" not in proc.stderr


def on_a_terminal(args: list[str], env: dict[str, str]) -> bytes:
    """stdout of a command run on a pseudo-terminal."""
    leader, follower = pty.openpty()
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    proc = subprocess.Popen([sys.executable, "-m", "loganalyzer", *args], cwd=REPO,
                            stdout=follower, stderr=subprocess.DEVNULL,
                            env={**base, "COLUMNS": "150", **env})
    os.close(follower)
    out = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=60)
    os.close(leader)
    return out


def test_no_color_is_honoured_on_a_terminal():
    term = {"TERM": "xterm-256color"}
    assert b"\x1b[" in on_a_terminal(COMMANDS["lint"], term)  # colour by default
    for name in ("lint", "migrations", "verify"):
        assert b"\x1b[" not in on_a_terminal(COMMANDS[name], {**term, "NO_COLOR": "1"}), name
    assert b"\x1b[" not in on_a_terminal([*COMMANDS["migrations"], "--no-color"], term)


def test_color_can_be_asked_for_in_a_pipe():
    result = run([*COMMANDS["lint"], "--color"])
    assert "\x1b[" in result.stdout
    assert "\x1b[" not in run(COMMANDS["lint"]).stdout
    assert "\x1b[" in run(["--color", *COMMANDS["lint"]]).stdout


@pytest.mark.parametrize("command", ["predict", "lint", "scan", "migrations", "show", "verify",
                                     "simulate", "report", "cache info", "cache clear"])
def test_help_names_values_in_words(command):
    result = runner.invoke(app, [*command.split(), "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for python_type in ("<int>", "<bool>", "<str>", "<float>", "<list[", "{paths}"):
        assert python_type not in result.stdout, (command, python_type)
    assert "--color" in result.stdout and "Examples" in result.stdout


def test_help_words_for_values():
    text = runner.invoke(app, ["migrations", "--help"], env={"COLUMNS": "200"}).stdout
    assert "Usage: loganalyzer migrations [OPTIONS] PATH..." in text
    line = next(x for x in text.splitlines() if "--downtime" in x)
    assert " MS " in line
    assert "[libvirt]" in runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).stdout


def test_piped_tables_honour_columns():
    for columns in ("100", "130"):
        out = run(COMMANDS["lint"], env={"COLUMNS": columns}).stdout
        assert max(len(line) for line in out.splitlines()) == int(columns)


def test_simulate_prints_no_python_values():
    out = run(["simulate", "--memory-mb", "8192", "--dirty-rate", "300", "--bandwidth",
               "500"]).stdout
    assert "None" not in out and "[]" not in out
    assert "timeout_at_s: -" in out


def test_what_if_states_its_ranking_and_follows_it():
    from loganalyzer.simulate.whatif import RANKING, rank

    guest = ["simulate", "--memory-mb", "2048", "--dirty-rate", "900", "--bandwidth", "300",
             "--what-if"]
    data = json.loads(run([*guest, "--budget", "100", "-f", "json"]).stdout)
    rows = data["what_if"]
    assert data["what_if_ranking"] == RANKING
    assert rows == sorted(rows, key=rank)
    outcomes = [r["outcome"] == "completed" for r in rows]
    assert True in outcomes and False in outcomes
    assert outcomes == sorted(outcomes, reverse=True)  # failures last
    assert RANKING in run(guest, env={"COLUMNS": "400"}).stdout


def test_a_nova_conf_among_the_inputs_is_mentioned():
    result = runner.invoke(app, ["migrations", SAMPLE])
    assert "sample_logs/nova.conf found among the inputs and not used" in result.stderr
    given = runner.invoke(app, ["migrations", SAMPLE, "--config", CONF])
    assert "found among the inputs" not in given.stderr

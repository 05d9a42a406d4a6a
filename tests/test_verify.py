"""verify never passes on nothing, and says what failed and why in one vocabulary (issue 12).
The pass/fail rule is analysis.verify.verify; the command only prints its verdict."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from loganalyzer.analysis.verify import verify
from loganalyzer.cli import app
from loganalyzer.nova.releases import parse_release
from loganalyzer.simulate.narrate import narrate, startup
from tests.helpers import noise_line
from tests.scenarios import T0, VM1, VM2, host_logs, script

runner = CliRunner()
WORKED = ["--downtime", "5000", "--steps", "7", "--delay", "75", "--release", "train",
          "--python", "2"]


def run(*args):
    return runner.invoke(app, list(args))


def write_logs(tmp_path, texts):
    paths = []
    for host, text in texts.items():
        folder = tmp_path / host
        folder.mkdir()
        (folder / "nova-compute.log").write_text(text)
        paths.append(str(folder))
    return paths


@pytest.fixture
def logs(tmp_path):
    """Two migrations (compute-1 → compute-2) whose ramps follow 5000/7/75 on Train, py2."""
    first = script("train", duration=2400, converge=2300, python=2, downtime=5000, steps=7,
                   instance=VM1)
    second = script("train", duration=2400, converge=2300, python=2, downtime=5000, steps=7,
                    instance=VM2, start=T0 + timedelta(hours=2))
    return write_logs(tmp_path, host_logs([(s, narrate(s)) for s in (first, second)],
                                          debug=False))


def test_a_check_that_checked_something_passes(logs):
    ok = run("verify", *logs, *WORKED)
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.strip().splitlines()[-1] == "OK: 2 of 2 migrations verified, all passed"


@pytest.mark.parametrize("selection", [
    ["--instance", "zzzz"],  # no such instance
    ["--host", "compute-9"],  # a mistyped host
    ["--since", "2030-01-01T00:00:00"],  # the future
])
def test_nothing_selected_is_not_a_pass(logs, selection):
    result = run("verify", *logs, *WORKED, *selection)
    assert result.exit_code == 1, result.output
    assert result.stdout.strip() == "nothing verified: no migration selected"
    allowed = run("verify", *logs, *WORKED, *selection, "--allow-empty")
    assert allowed.exit_code == 0
    assert "nothing verified" in allowed.stdout


def test_a_log_without_migrations_verifies_nothing(tmp_path):
    log = tmp_path / "nova-compute.log"
    log.write_text("".join(noise_line(T0 + timedelta(seconds=i), i) for i in range(5)))
    result = run("verify", str(log), *WORKED)
    assert result.exit_code == 1
    assert result.stdout.strip() == "nothing verified: no migration selected"
    data = json.loads(run("verify", str(log), *WORKED, "-f", "json").stdout)
    assert data["ok"] is False and data["nothing_verified"] is True


def test_migrations_without_ramps_verify_nothing(real_logs):
    """The real Juno logs: two migrations, Juno has no downtime ramp."""
    juno = [str(real_logs / f"os-log-merger_juno_hp-ms-01-{h}_nova-compute.log")
            for h in ("c29", "c30")]
    result = run("verify", *juno, "--downtime", "500")
    assert result.exit_code == 1, result.output
    assert result.stdout.strip() == ("nothing verified: 2 migrations selected, none with a "
                                     "downtime ramp")
    assert run("verify", *juno, "--downtime", "500", "--allow-empty").exit_code == 0


def test_running_configuration_difference_is_a_failure_in_one_vocabulary(tmp_path):
    """The ramp matches the declared configuration, the host's dump says another completion
    timeout: the table and the last line both say it failed, and why."""
    s = script("ussuri", instance=VM1, completion_timeout=600)
    dump = startup(parse_release("ussuri").release, T0 - timedelta(days=1), {
        "live_migration_downtime": 500, "live_migration_downtime_steps": 10,
        "live_migration_downtime_delay": 75, "live_migration_completion_timeout": 600},
        "21.2.3")
    paths = write_logs(tmp_path, host_logs([(s, narrate(s))], extra={"compute-1": dump}))
    result = run("verify", *paths, "--completion-timeout", "800")
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "failed (running configuration differs)" in out
    assert "running configuration differs 1" in out.split("per host")[1]
    assert out.strip().splitlines()[-1] == ("FAILED: 1 of 1 verified migrations failed "
                                            "(running configuration differs 1); 1 selected")
    data = json.loads(run("verify", *paths, "--completion-timeout", "800", "-f",
                          "json").stdout)
    assert data["hosts"]["compute-1"]["failed"] == 1
    assert data["hosts"]["compute-1"]["reasons"] == {"running configuration differs": 1}


def test_verdict_rule():
    def row(verdict, *codes, host="a"):
        return {"source_host": host, "ramp_verdict": verdict,
                "findings": [{"code": c, "severity": "warning", "message": ""} for c in codes]}

    assert verify([]).ok is False and verify([], allow_empty=True).ok is True
    none = verify([row("no_ramp"), row("no_ramp")])
    assert none.nothing_verified and not none.ok
    assert none.line() == "nothing verified: 2 migrations selected, none with a downtime ramp"
    mixed = verify([row("match"), row("no_ramp"), row("match", "running-config-differs")])
    assert (mixed.selected, mixed.verified, len(mixed.failures)) == (3, 2, 1)
    assert mixed.failures[0].reasons == ("running configuration differs",)
    assert not mixed.ok
    passed = verify([row("match"), row("no_ramp")])
    assert passed.ok and passed.line() == ("OK: 1 of 2 migrations verified, all passed, 1 not "
                                           "verified (no downtime ramp)")
    behaviour = verify([row("no_ramp", "config-implied-by-behaviour")])
    assert behaviour.failures[0].reasons == ("behaviour contradicts configuration",)


def test_the_api_never_passes_on_nothing(tmp_path):
    import loganalyzer

    log = tmp_path / "nova-compute.log"
    log.write_text(noise_line(T0))
    assert loganalyzer.verify(str(log), downtime=500) == (False, [])
    assert loganalyzer.verify(str(log), downtime=500, allow_empty=True) == (True, [])

"""Hosts are who nova says they are, and the same line read twice counts once (issue 12;
issue 13 A.7). Real oracles: the os-log-merger Juno logs (two hosts, their merge)."""

from __future__ import annotations

import json
from datetime import timedelta

from typer.testing import CliRunner

from loganalyzer.cli import app
from loganalyzer.simulate.narrate import narrate
from tests.scenarios import VM1, host_logs, script

runner = CliRunner()
C29 = "hp-ms-01-c29.moonshot1.lab.eng.rdu.redhat.com"
C30 = "hp-ms-01-c30.moonshot1.lab.eng.rdu.redhat.com"


def migrations_json(*args):
    result = runner.invoke(app, ["migrations", *args, "-f", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def juno(real_logs, *names):
    return [str(real_logs / f"os-log-merger_juno_{n}") for n in names]


def test_one_host_one_name_across_per_host_logs_and_their_merge(real_logs):
    paths = juno(real_logs, "hp-ms-01-c29_nova-compute.log", "hp-ms-01-c30_nova-compute.log",
                 "mergedlogs-compute_migration-window.log")
    data = migrations_json(*paths)
    rows = data["migrations"]
    assert [(r["source_host"], r["dest_host"]) for r in rows] == [(C30, C29), (C29, C30)]
    assert {r["outcome"] for r in rows} == {"completed"}
    hosts = {h for r in rows for h in (r["source_host"], r["dest_host"], r["dest_log_host"])}
    assert hosts == {C29, C30}
    aliases = data["host_aliases"]
    assert "COMPUTE29" in aliases[C29] and "os-log-merger_juno_hp-ms-01-c29" in aliases[C29]
    assert "COMPUTE30" in aliases[C30] and "10.12.27.30" in aliases[C30]
    assert data["duplicates_dropped"] > 0
    alone = migrations_json(*paths[:2])["migrations"]
    for merged, single in zip(rows, alone, strict=True):
        assert (merged["start"], merged["end"], merged["events"]) == (
            single["start"], single["end"], single["events"])


def test_a_single_log_is_named_by_its_dump(real_logs):
    """The c30 log alone: its dump says ``host = hp-ms-01-c30…``, not its file name."""
    data = migrations_json(*juno(real_logs, "hp-ms-01-c30_nova-compute.log"))
    assert data["migrations"][0]["source_host"] == C30
    assert data["host_aliases"][C30] == ["10.12.27.30", "os-log-merger_juno_hp-ms-01-c30"]


def test_select_by_any_alias(real_logs):
    paths = juno(real_logs, "hp-ms-01-c29_nova-compute.log", "hp-ms-01-c30_nova-compute.log",
                 "mergedlogs-compute_migration-window.log")
    for name in ("COMPUTE29", "hp-ms-01-c29", C29):
        rows = migrations_json(*paths, "--host", name)["migrations"]
        assert len(rows) == 2 and all(C29 in (r["source_host"], r["dest_host"]) for r in rows)


def one_migration(tmp_path):
    s = script(instance=VM1, duration=1000, converge=900)
    text = host_logs([(s, narrate(s))])["compute-1"]
    path = tmp_path / "compute-1" / "nova-compute.log"
    path.parent.mkdir()
    path.write_text(text)
    return path, text


def test_the_same_file_twice_is_one_migration(tmp_path):
    path, _ = one_migration(tmp_path)
    once = migrations_json(str(path))
    twice = migrations_json(str(path), str(path))
    assert len(twice["migrations"]) == 1
    assert twice["migrations"][0]["start"] == once["migrations"][0]["start"]
    assert twice["migrations"][0]["duration_s"] == once["migrations"][0]["duration_s"]
    assert twice["duplicates_dropped"] > 0 and once["duplicates_dropped"] == 0


def test_every_line_doubled_is_one_migration(tmp_path):
    path, text = one_migration(tmp_path)
    once = migrations_json(str(path))["migrations"]
    path.write_text("".join(line + "\n" + line + "\n" for line in text.splitlines()))
    doubled = migrations_json(str(path))
    (row,) = doubled["migrations"]
    assert (row["start"], row["duration_s"], row["outcome"]) == (
        once[0]["start"], once[0]["duration_s"], "completed")
    assert doubled["duplicates_dropped"] > 0


def test_a_line_stamped_an_hour_early_is_a_warning_not_a_migration(tmp_path):
    path, text = one_migration(tmp_path)
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if "Migration operation has completed" in line)
    stamp = lines[index][:23]
    from datetime import datetime

    early = (datetime.fromisoformat(stamp) - timedelta(hours=1)).isoformat(
        sep=" ", timespec="milliseconds")
    lines[index] = early + lines[index][23:]
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["migrations", str(path), "-f", "json"])
    assert result.exit_code == 0
    (row,) = json.loads(result.stdout)["migrations"]
    assert row["outcome"] == "completed" and row["duration_s"] > 800
    assert "out of time order" in result.stderr and f":{index + 1}:" in result.stderr

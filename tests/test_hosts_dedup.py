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


def test_two_hosts_with_identical_startup_dumps_stay_two_hosts():
    """Containers restarted by one playbook: the same pid, the same millisecond, the same
    options. Lines alike are not the same lines when they come from two named hosts."""
    from datetime import datetime

    from loganalyzer.analysis.dedup import prepare

    when = datetime(2024, 5, 1, 12, 0, 0, 123000)

    def dump(label, name):
        base = {"host": label, "host_source": "sosreport hostname", "timestamp": when,
                "pid": "2", "logger": "oslo_service.service"}
        return [{**base, "kind": "config_option", "option": "live_migration_downtime",
                 "value": "500", "line": 1},
                {**base, "kind": "config_option", "option": "live_migration_downtime_steps",
                 "value": "10", "line": 2},
                {**base, "kind": "conf_host", "value": name, "line": 3}]

    prepared = prepare(dump("compute-1", "compute-1.example.org")
                       + dump("compute-2", "compute-2.example.org"))
    assert prepared.duplicates_dropped == 0
    assert {r["host"] for r in prepared.records} == {"compute-1.example.org",
                                                    "compute-2.example.org"}


def test_two_copies_of_one_log_under_two_names_are_one_host(tmp_path):
    path, text = one_migration(tmp_path)
    copy = tmp_path / "backup-of-compute-1" / "nova-compute.log"
    copy.parent.mkdir()
    copy.write_text(text)
    data = migrations_json(str(path.parent), str(copy.parent))
    (row,) = data["migrations"]
    assert data["duplicates_dropped"] > 0
    names = {row["source_host"], *data["host_aliases"][row["source_host"]]}
    assert names == {"compute-1", "backup-of-compute-1"}  # equal labels: the one read first


def test_the_event_table_and_the_report_use_one_name_per_host(real_logs):
    from loganalyzer.api import analyse
    from loganalyzer.report.drift import fleet_drift

    paths = juno(real_logs, "hp-ms-01-c29_nova-compute.log", "hp-ms-01-c30_nova-compute.log",
                 "mergedlogs-compute_migration-window.log")
    rows, events = analyse(paths)
    assert set(events.to_pandas()["host"]) == {C29, C30}
    table = fleet_drift(rows, events.records(), None)
    assert {entry["host"] for entry in table["hosts"]} == {C29, C30}


def test_a_sosreport_hostname_is_an_alias_of_nova_s_host(tmp_path):
    """A sosreport says ``compute-1``; nova's dump says ``host = compute-1.example.org``."""
    from loganalyzer.logs import writer as lw

    s = script(instance=VM1, duration=1000, converge=900)
    dump = [lw.Record(s.start - timedelta(hours=1), "DEBUG", "oslo_service.service",
                      f"{name:<30} = {value}")
            for name, value in (("host", "compute-1.example.org"), ("my_ip", "192.0.2.11"))]
    text = host_logs([(s, narrate(s))], extra={"compute-1": dump})["compute-1"]
    sos = tmp_path / "sosreport-c1-2024"
    (sos / "var" / "log" / "nova").mkdir(parents=True)
    (sos / "hostname").write_text("compute-1\n")
    (sos / "var" / "log" / "nova" / "nova-compute.log").write_text(text)
    data = migrations_json(str(sos))
    (row,) = data["migrations"]
    assert row["source_host"] == "compute-1.example.org"
    assert data["host_aliases"] == {"compute-1.example.org": ["192.0.2.11", "compute-1"]}
    assert [r["instance"] for r in migrations_json(str(sos), "--host", "compute-1")[
        "migrations"]] == [VM1]


def test_a_line_stamped_an_hour_late_keeps_its_place(tmp_path):
    """A progress line stamped an hour late: it does not stretch the migration to an hour."""
    from datetime import datetime

    path, text = one_migration(tmp_path)
    once = migrations_json(str(path))["migrations"][0]
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if "Migration running for" in line)
    late = (datetime.fromisoformat(lines[index][:23]) + timedelta(hours=1)).isoformat(
        sep=" ", timespec="milliseconds")
    lines[index] = late + lines[index][23:]
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["migrations", str(path), "-f", "json"])
    (row,) = json.loads(result.stdout)["migrations"]
    assert (row["start"], row["duration_s"]) == (once["start"], once["duration_s"])
    assert "after the line after it" in result.stderr


def test_a_log_followed_across_a_rotation_keeps_its_new_lines():
    """``watch`` labels lines with the followed file's name: after a rotation the numbers
    start again with new lines (kept); a file read twice starts again with lines already
    read (dropped)."""
    from datetime import datetime, timedelta

    from loganalyzer.analysis.dedup import prepare

    base = datetime(2024, 5, 1, 12)

    def line(n: int, text: str) -> dict:
        return {"file": "nova-compute.log", "line": n, "host": "compute-a", "instance": VM1,
                "kind": "progress", "message_id": "progress", "pid": "42", "text": text,
                "time": str(base + timedelta(seconds=10 * len(text))),
                "timestamp": base + timedelta(seconds=10 * len(text))}

    first = [line(1, "a"), line(2, "bb"), line(3, "ccc")]
    rotated = [line(1, "dddd"), line(2, "eeeee")]
    assert prepare([*first, *rotated]).duplicates_dropped == 0
    assert len(prepare([*first, *rotated]).records) == 5
    again = prepare([*first, *first])
    assert again.duplicates_dropped == 3 and len(again.records) == 3

"""A start-up dump is one ``config_dump`` row (logs.scan): it holds every option line's value
in line order, and a dump the scan read as several rows (a byte range's boundary, the
``--cache``d file and its new tail, two files, watch's polls) gives the same
:class:`~loganalyzer.analysis.evidence.Dump` objects as one pass and as its lines read one
by one (host_facts' rule: a dump starts at ``config files:`` or when an option repeats)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loganalyzer.analysis.evidence import host_facts
from loganalyzer.analysis.migrations import Options
from loganalyzer.logs.anchors import keys_in
from loganalyzer.logs.grammar import parse_text
from loganalyzer.logs.read import collect, gather
from loganalyzer.logs.scan import Origin, ScanResult, append, scan_stream
from loganalyzer.watch.hold import Holder
from tests.test_watch_hold import chunks, feed

CTX = "req-9d84e8ef-0d1d-4190-aec0-4dec0cfdb2bc - - - - -"
CFG = "log_opt_values /usr/lib/python3/dist-packages/oslo_config/cfg.py:2580"


def line(second: float, text: str, pid: int = 4242, logger: str = "oslo_service.service"
         ) -> str:
    stamp = f"2024-05-01 12:00:{second:06.3f}"
    return f"{stamp} {pid} DEBUG {logger} [{CTX}] {text} {CFG}\n"


def option(second: float, name: str, value: str, pid: int = 4242) -> str:
    return line(second, f"libvirt.{name} = {value}", pid)


def dump(second: float, downtime: str, pid: int = 4242, files: bool = True) -> list[str]:
    """One service start's dump: what the analysis reads of it, with the options it does
    not read (no rows) and nova's own host name (its own row) among them."""
    out = [line(second, "config files: ['/etc/nova/nova.conf']", pid)] if files else []
    out += [line(second + 0.001, "allow_resize_to_same_host      = False", pid),
            line(second + 0.002, "host                           = compute-1.example.org",
                 pid),
            line(second + 0.003, "max_concurrent_live_migrations = 1", pid),
            line(second + 0.004, "migrate_max_retries            = -1", pid),
            option(second + 0.005, "live_migration_bandwidth", "0", pid),
            option(second + 0.006, "live_migration_downtime", downtime, pid),
            option(second + 0.007, "live_migration_downtime_delay", "75", pid),
            option(second + 0.008, "live_migration_downtime_steps", "10", pid),
            option(second + 0.009, "live_migration_permit_post_copy", "False", pid)]
    return out


def node_log() -> list[str]:
    """Three starts and a dump cut oddly: a dump whose ``config files:`` line is missing (it
    starts when an option repeats), and two processes of one host printing theirs at once
    (their lines interleaved)."""
    lines = [line(1, "Starting compute node (version 21.2.3)")]
    lines += dump(2, "500")
    lines += ["2024-05-01 12:00:03.000 4242 INFO nova.compute.manager [-] something else\n"]
    lines += dump(4, "700", files=False)
    a, b = dump(10, "800", pid=1), dump(10.5, "900", pid=2)
    lines += [x for pair in zip(a, b, strict=True) for x in pair]
    lines += dump(20, "1000")
    return lines


ORIGIN = Origin("node.log", "compute-1", "path")


def scanned(lines: list[str], origin: Origin = ORIGIN) -> ScanResult:
    return scan_stream(io.BytesIO("".join(lines).encode()), origin)


def one_by_one(lines: list[str], origin: Origin = ORIGIN) -> ScanResult:
    """The lines scanned each as a stream of its own, joined as byte ranges are: every dump
    line its own row, as every dump line was before dump rows (the reference)."""
    whole = scanned(lines[:1], origin)
    for text in lines[1:]:
        whole = append(whole, scanned([text], origin))
    return whole


def dumps_of(*results: ScanResult) -> tuple[list[tuple], set[str]]:
    facts = host_facts(gather(list(results)).records())["compute-1"]
    return [(d.when, d.file, d.line, list(d.values.items())) for d in facts.dumps], \
        facts.loggers


def test_one_row_per_dump_and_process_holding_every_option_in_line_order():
    result = scanned(node_log())
    columns = result.events.finish()
    rows = [i for i, kind in enumerate(columns["kind"]) if kind == "config_dump"]
    # a start: one row (two processes printing at once: a row each time the process changes,
    # host_facts joining them as it joined their lines)
    # (the second start has no "config files:" line: its host line goes on with the dump
    # before, which holds one already, in a row of its own; max_concurrent then repeats)
    assert [columns["dump_lines"][i] for i in (rows[0], rows[1], rows[2], rows[-1])] == \
        [8, 1, 6, 8]
    assert sum(columns["dump_lines"][i] for i in rows) == 39  # every dump line, once
    first = rows[0]
    assert (columns["line"][first], columns["dump_last_line"][first]) == (2, 11)
    assert columns["dump_lines"][first] == 8  # config files, host, max_concurrent, 5 libvirt
    assert columns["conf_host"][first] == "compute-1.example.org"  # nova's name for itself
    assert columns["files"][first] == "['/etc/nova/nova.conf']"
    assert columns["options"][first] == (
        ("max_concurrent_live_migrations", "1"), ("live_migration_bandwidth", "0"),
        ("live_migration_downtime", "500"), ("live_migration_downtime_delay", "75"),
        ("live_migration_downtime_steps", "10"), ("live_migration_permit_post_copy", "False"))
    assert columns["time"][first] == "2024-05-01 12:00:02.000"
    assert columns["dump_last_time"][first] == "2024-05-01 12:00:02.009"
    assert set(columns["kind"]) == {"compute_start", "config_dump"}
    assert "option" not in [k for k in columns if columns[k] and any(
        v is not None for v in columns[k])]  # no config_option rows
    # every restart prints the same options: rows share their tuples
    assert columns["options"][rows[0]][0] is columns["options"][rows[-1]][0]


def test_dumps_are_the_dumps_of_the_lines_read_one_by_one():
    lines = node_log()
    expected = dumps_of(one_by_one(lines))
    assert [d[2] for d in expected[0]][:2] == [2, 15]  # 15: max_concurrent repeats
    assert dumps_of(scanned(lines)) == expected


@pytest.mark.parametrize("cut", range(1, 40))
def test_a_dump_cut_by_a_byte_range_boundary_is_joined(cut):
    lines = node_log()
    expected = dumps_of(one_by_one(lines))
    assert dumps_of(append(scanned(lines[:cut]), scanned(lines[cut:]))) == expected


@pytest.mark.parametrize("cut", [3, 8, 14, 22, 29])
def test_a_dump_cut_between_two_files_is_joined(cut):
    lines = node_log()
    second = Origin("node.log.1", "compute-1", "path")
    expected = dumps_of(one_by_one(lines[:cut]), one_by_one(lines[cut:], second))
    got = dumps_of(scanned(lines[:cut]), scanned(lines[cut:], second))
    assert got == expected
    assert any(d[1] == "node.log.1" for d in got[0])


def test_the_cached_file_and_its_appended_tail_give_the_dumps_of_one_pass(tmp_path):
    quiet = "2024-05-01 11:00:00.000 4242 INFO nova.compute.manager [-] something else\n"
    lines = [quiet] * 1000 + node_log()  # (a head past the cache's fingerprinted first block)
    log = tmp_path / "nova-compute.log"
    log.write_text("".join(lines[:1017]), encoding="utf-8")
    cache = str(tmp_path / "cache")
    collect([str(log)], cache_dir=cache)  # the head kept
    with log.open("a", encoding="utf-8") as fh:
        fh.write("".join(lines[1017:]))
    cached = collect([str(log)], cache_dir=cache)
    fresh = collect([str(log)])
    assert cached.files[0].events > fresh.files[0].events  # the tail was read on its own
    kept = host_facts(cached.records())
    one = host_facts(fresh.records())
    assert kept.keys() == one.keys()
    for host in kept:
        assert [(d.when, d.line, d.values) for d in kept[host].dumps] == \
            [(d.when, d.line, d.values) for d in one[host].dumps]


def test_watch_reports_the_dumps_one_pass_reports_however_the_polls_cut_them():
    text = "".join(node_log())
    one_pass, many = Holder(Options()), Holder(Options())
    feed(one_pass, chunks(text, "compute-1", 1)[0])
    for chunk in chunks(text, "compute-1", 13):
        feed(many, chunk)
    got = [(h, d.key, d.values, d.when) for h, d, _ in many.ready(now=0.0, final=True).dumps]
    want = [(h, d.key, d.values, d.when)
            for h, d, _ in one_pass.ready(now=0.0, final=True).dumps]
    assert got == want and len(got) == 2  # (watch keeps DUMPS_KEPT a host)
    assert got[0][1] == ("compute-1.log", 41)  # a dump begun by a process change


def test_scan_writes_the_options_as_a_dict_in_json_csv_and_parquet(tmp_path):
    from typer.testing import CliRunner

    from loganalyzer.cli.app import app

    log = tmp_path / "nova-compute.log"
    log.write_text("".join(dump(2, "500")), encoding="utf-8")
    runner = CliRunner()
    out = runner.invoke(app, ["scan", str(log), "-f", "json", "--kind", "config_dump"])
    assert out.exit_code == 0, out.output
    [event] = json.loads(out.stdout)["events"]
    assert event["options"]["live_migration_downtime"] == "500"
    assert next(iter(event["options"])) == "max_concurrent_live_migrations"
    assert (event["dump_lines"], event["line"], event["dump_last_line"]) == (8, 1, 10)
    table = tmp_path / "events.parquet"
    out = runner.invoke(app, ["scan", str(log), "-f", "parquet", "-o", str(table)])
    assert out.exit_code == 0, out.output
    read = pq.read_table(table)
    assert str(read.schema.field("options").type).startswith("map<string, string")
    [options] = [o for o in read.column("options").to_pylist() if o is not None]
    assert dict(options)["live_migration_downtime"] == "500"
    out = runner.invoke(app, ["scan", str(log), "-f", "csv", "--kind", "config_dump"])
    assert out.exit_code == 0, out.output
    header, row = out.stdout.splitlines()[:2]
    assert "options" in header.split(",") and '""live_migration_downtime"": ""500""' in row


def test_every_option_line_of_the_real_logs_is_in_a_dump_row(real_logs: Path):
    """Each ``config_option`` line, parsed alone by the grammar, is one (option, value) of
    a dump row of its host, in line order; nothing else is."""
    for path in sorted(real_logs.glob("*.log*")):
        expected: list[tuple[str, str]] = []
        for text in path.read_text("utf-8", "replace").splitlines():
            if " = " in text or "config files: " in text:
                found = keys_in(text)
                event = parse_text(text, found) if found else None
                if event is not None and event["kind"] == "config_option":
                    expected.append((event["option"], event["value"]))
        events = collect([str(path)], engine="local")
        options = [pair for kind, pairs in zip(events.columns["kind"],
                                               events.columns.get("options") or
                                               [None] * events.rows, strict=True)
                   if kind == "config_dump" for pair in pairs]
        assert sorted(options) == sorted(expected), path.name
        if "merged" not in path.name:  # one host: line order is row order
            assert options == expected, path.name


# Real-node noise the prefilter lets through (issue 16): the periodic task that cleans up
# incomplete migrations and its lines, dump lines of options the analysis does not read.
NOISE = ("_cleanup_incomplete_migrations", "Cleaning up deleted instances with incomplete "
         "migration", "migrate_max_retries", "live_migration_retry_count",
         "workarounds.enable_numa_live_migration", " cert ")


def test_real_node_noise_does_not_become_rows(real_logs: Path):
    path = real_logs / "hotsos_ussuri_nova-compute.log.1"
    lines = path.read_text("utf-8", "replace").splitlines()
    noise = {n for n, text in enumerate(lines, start=1) if any(k in text for k in NOISE)}
    assert len(noise) >= 20
    events = collect([str(path)], engine="local")
    assert not noise & set(events.columns["line"])
    assert not noise & {r["line"] for r in events.unrecognized}
    dumped = {o for pairs in events.columns["options"] if pairs for o, _ in pairs}
    assert not {"migrate_max_retries", "live_migration_retry_count"} & dumped


# --- the dump fold fast path (ScanState._fold_dump_fast) -----------------------------------

VARIANTS = (
    option(1, "live_migration_downtime", "500"),
    option(1, "live_migration_downtime", "700"),  # a repeat: a new dump
    option(1, "live_migration_bandwidth", "0"),
    option(1, "live_migration_uri", "qemu+ssh://nova@%s/system?keyfile=/x y"),
    line(1, "max_concurrent_live_migrations = 1"),
    line(1, "host                           = compute-1.example.org"),
    line(1, "my_ip                          = 10.0.0.128"),
    line(1, "config files: ['/etc/nova/nova.conf']"),
    line(1, "migrate_max_retries            = -1"),
    option(1, "live_migration_downtime_steps", "10", pid=77),  # another process
    line(1, "libvirt.live_migration_tunnelled = False", logger="oslo_service.other"),
    option(1, "live_migration_downtime_delay", "75").replace(CTX, "req-2 - - - - -"),
    option(1, "live_migration_timeout_action", "abort").replace(".000 ", ".000123 "),
    option(1, "live_migration_scheme", "ssh").replace("2024-05-01", "2024-O5-01"),
    option(1, "live_migration_permit_post_copy", "True\x1b[00m"),
    option(1, "live_migration_inbound_addr", "x (pid=3)"),
    option(1, "live_migration_with_native_tls", "False").replace(" log_opt_values", ""),
    option(1, "live_migration_completion_timeout", "800").replace("cfg.py:2580", "cfg.py"),
    "2024-05-01 12:00:01.000 4242 INFO nova.compute.manager [-] something else\n",
)


def table(lines: list[str], monkeypatch: pytest.MonkeyPatch | None = None) -> dict:
    import loganalyzer.logs.scan as scan_mod

    if monkeypatch is not None:
        monkeypatch.setattr(scan_mod.ScanState, "_fold_dump_fast", lambda *_: False)
    result = scanned(lines)
    if monkeypatch is not None:
        monkeypatch.undo()
    columns = result.events.finish()
    return {"columns": list(columns.items()), "unrecognized": result.unrecognized}


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(VARIANTS), min_size=1, max_size=40))
def test_the_dump_fold_fast_path_gives_the_table_of_the_full_path(monkeypatch, lines):
    assert table(lines) == table(lines, monkeypatch)


def test_the_dump_fold_fast_path_is_taken_and_agrees_on_the_real_logs(real_logs: Path,
                                                                     monkeypatch):
    import loganalyzer.logs.scan as scan_mod

    taken = []
    fast = scan_mod.ScanState._fold_dump_fast

    def counted(self, raw, number):
        done = fast(self, raw, number)
        taken.append(done)
        return done

    for path in sorted(real_logs.glob("*.log*")):
        lines = path.read_text("utf-8", "replace").splitlines(keepends=True)
        monkeypatch.setattr(scan_mod.ScanState, "_fold_dump_fast", counted)
        mine = table(lines)
        monkeypatch.undo()
        assert mine == table(lines, monkeypatch), path.name
    assert sum(taken) > 100


@pytest.mark.parametrize("kind", ["config_option", "config_files", "conf_host", "conf_my_ip"])
def test_asking_for_a_dump_line_kind_says_where_those_lines_went(kind):
    """The kinds of a dump's lines never come as events of their own: asking for one is a
    usage error that names config_dump, not an empty answer."""
    import subprocess
    import sys

    from tests.conftest import REPO

    done = subprocess.run([sys.executable, "-m", "loganalyzer", "scan", str(REPO / "sample_logs"),
                           "--kind", kind, "-q", "-f", "json"], capture_output=True, text=True,
                          cwd=str(REPO))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        f"loganalyzer: --kind {kind}: a start-up dump's lines are one config_dump event per "
        "dump (its options, files, conf_host and conf_my_ip): use --kind config_dump")

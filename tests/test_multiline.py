"""A record whose message goes on over further physical lines keeps them: libvirt/QEMU
output with its own time stamps, unprefixed traceback lines, ``TRACE`` lines (Kilo and
before) and the ``ERROR`` exception prefix (later). Every way through a file joins the same
lines: rg, grep, Python, compressed input, byte ranges of a pool, the cache."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import loganalyzer.logs.engine as engine_mod
from loganalyzer.cli import app
from loganalyzer.logs.ingest.discover import plan_inputs
from loganalyzer.logs.read import collect, gather

runner = CliRunner()
U = "0b6a1d7e-4a9f-4c65-9d2a-3f0e7b1c2d3e"
PREFIX = (f"7 ERROR nova.virt.libvirt.driver [None req-4856de26-8128-4079-a229-b04674fced35 "
          f"- - - - - -] [instance: {U}]")
# The shape of a swtpm failure: libvirt quotes QEMU's stderr, one line per QEMU message.
SWTPM = [
    f"2023-01-10 11:59:59.000 7 INFO nova.compute.manager [None req-1 - - - - - -] "
    f"[instance: {U}] Took 1.00 seconds for pre_live_migration on destination host dst-1.",
    f"2023-01-10 12:00:00.123 {PREFIX} Live Migration failure: internal error: process exited "
    "while connecting to monitor: 2023-01-10T12:00:00.045817Z qemu-kvm: Domain id=5 is "
    "tainted: high-privileges",
    "2023-01-10T12:00:00.089134Z qemu-kvm: -chardev socket,id=chrtpm,path=/run/libvirt/qemu/"
    "swtpm/5-instance-00000005-swtpm.sock: Failed to connect socket /run/libvirt/qemu/swtpm/"
    "5-instance-00000005-swtpm.sock: Connection refused: libvirt.libvirtError: internal "
    "error: process exited while connecting to monitor",
    f"2023-01-10 12:00:00.200 7 DEBUG nova.virt.libvirt.driver [None req-1 - - - - - -] "
    f"[instance: {U}] Migration operation thread notification thread_finished",
    f"2023-01-10 12:00:00.626 {PREFIX} Migration operation has aborted",
]


def write(tmp_path, lines: list[str], name: str = "nova-compute.log") -> str:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def failures(events) -> list[dict]:
    return [dict(e) for e in events.records() if e["kind"] in (
        "live_migration_failure", "live_migration_failed", "pre_live_migration_failed")]


def test_the_cause_on_a_further_line_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
    [failure] = failures(collect([write(tmp_path, SWTPM)]))
    assert failure["error"].startswith("internal error: process exited")
    assert failure["error"].splitlines()[1] == SWTPM[2]
    assert "Connection refused" in failure["error"]
    assert (failure["line"], failure["last_line"]) == (2, 3)


def test_the_real_qemu_closed_monitor_failure_keeps_its_qemu_line(real_logs, monkeypatch):
    """pastebin zrBSLtMn: the QEMU message comes after a blank line."""
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
    path = real_logs / "pastebin_zrBSLtMn_2017_live-migration-qemu-closed-monitor.log"
    [failure] = failures(collect([str(path)]))
    assert failure["error"].endswith("qemu-kvm: can't apply global "
                                     "Broadwell-x86_64-cpu.cmt=off: Property '.cmt' not found")
    assert failure["last_line"] == 3


def test_trace_lines_and_the_exception_prefix_join_their_record(tmp_path, monkeypatch):
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
    kilo = "2015-09-14 18:46:18.378 4242 {} nova.compute.manager [instance: " + U + "] {}"
    ussuri = "2022-02-04 10:21:58.881 284971 {} nova.compute.manager [instance: " + U + "] {}"
    lines = [
        kilo.format("ERROR", "Live migration failed."),
        kilo.format("TRACE", "Traceback (most recent call last):"),
        kilo.format("TRACE", '  File "/opt/stack/nova/nova/compute/manager.py", line 5316'),
        kilo.format("TRACE", "RemoteError: Remote error: IOError broken pipe"),
        kilo.format("INFO", "an unrelated line"),
        ussuri.format("ERROR", "Live migration failed."),
        ussuri.format("ERROR", "Traceback (most recent call last):"),
        ussuri.format("ERROR", "libvirt.libvirtError: Cannot recv data: Connection reset"),
        ussuri.replace("58.881", "58.990").format("ERROR", "a later record"),
    ]
    kilo_failure, ussuri_failure = failures(collect([write(tmp_path, lines)]))
    assert kilo_failure["error"].splitlines() == [
        "Traceback (most recent call last):",
        '  File "/opt/stack/nova/nova/compute/manager.py", line 5316',
        "RemoteError: Remote error: IOError broken pipe"]
    assert kilo_failure["last_line"] == 4
    assert ussuri_failure["error"].endswith("Cannot recv data: Connection reset")
    assert "a later record" not in ussuri_failure["error"]


def test_an_unprefixed_traceback_joins_and_the_next_record_ends_it(tmp_path, real_logs,
                                                                  monkeypatch):
    """The unprefixed traceback of pastebin q31zqiiE after a failure line of atmosphere's."""
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
    trace = (real_logs / "pastebin_q31zqiiE_devstack2016_debug-with-unprefixed-traceback.log"
             ).read_text().splitlines()[1:]
    first = (real_logs / "github_atmosphere_issue2553_openstack-helm_live-migration-tls-"
             "failure.log").read_text().splitlines()[:2]
    [failure] = failures(collect([write(tmp_path, [first[0], *trace, first[1]])]))
    assert failure["error"].splitlines()[1:] == [t for t in trace if t.strip()][:len(
        failure["error"].splitlines()) - 1]
    assert failure["error"].splitlines()[1] == "Traceback (most recent call last):"
    assert failure["last_line"] == 1 + len(trace)


def test_a_line_holding_a_message_key_is_a_record_of_its_own(tmp_path, monkeypatch):
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
    lines = [SWTPM[1], "Migration operation has aborted", SWTPM[2]]
    events = collect([write(tmp_path, lines)])
    [failure] = failures(events)
    assert "\n" not in failure["error"] and failure.get("last_line") is None


def test_a_multi_line_journald_message_keeps_its_lines(tmp_path, monkeypatch):
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
    record = {"MESSAGE": SWTPM[1] + "\n" + SWTPM[2], "_HOSTNAME": "cmp-1",
              "__REALTIME_TIMESTAMP": "1673352000123000"}
    [failure] = failures(collect([write(tmp_path, [json.dumps(record)], "journal.json.log")]))
    assert failure["error"].endswith("while connecting to monitor")
    assert "Connection refused" in failure["error"]


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(a.events, b.events)
    assert a.unrecognized == b.unrecognized
    assert [f.to_json() for f in a.files] == [f.to_json() for f in b.files]


def _many(n: int) -> list[str]:
    """``SWTPM`` ``n`` times, each failure followed by a traceback, padding between."""
    out = []
    for i in range(n):
        out += [*SWTPM[:3], "", "Traceback (most recent call last):",
                f'  File "x.py", line {i}', "", *SWTPM[3:]]
        out += [f"2023-01-10 12:00:01.{i % 1000:03d} 7 DEBUG nova.compute.manager [-] "
                f"padding {j}" for j in range(40)]
    return out


@pytest.mark.parametrize("tool", ["rg", "grep"])
@pytest.mark.parametrize("compress", [False, True])
def test_every_prefilter_path_joins_the_same_lines(tool, compress, tmp_path, monkeypatch):
    from loganalyzer.logs import prefilter

    lines = _many(30)
    if compress:
        with gzip.open(tmp_path / "nova-compute.log.1.gz", "wt") as fh:
            fh.write("\n".join(lines) + "\n")
        path = str(tmp_path / "nova-compute.log.1.gz")
    else:
        path = write(tmp_path, lines)
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
    reference = collect([path], engine="local")
    assert all("x.py" in f["error"] for f in failures(reference))
    monkeypatch.setenv("LOGANALYZER_PREFILTER", tool)
    if prefilter.tool() is None or prefilter.tool()[0] != tool:
        pytest.skip(f"{tool} is not installed")
    _same(collect([path], engine="local"), reference)


def test_byte_ranges_and_the_cache_join_the_same_lines(tmp_path, monkeypatch):
    """A range that ends inside a record's further lines, and a cached file grown by lines
    that continue its last record."""
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
    path = write(tmp_path, _many(30))
    reference = collect([path], engine="local")
    assert all("x.py" in f["error"] for f in failures(reference))
    [item] = plan_inputs([path]).files
    with open(path, "rb") as fh:
        data = fh.read()
    for cut_line in (2, 3, 4, 5, 45, 46):
        cut = sum(len(x) + 1 for x in data.split(b"\n")[:cut_line])
        jobs = [engine_mod.Job(item, 0, cut, 0, 2), engine_mod.Job(item, cut, len(data), 1, 2)]
        merged = engine_mod.merge_ranges(jobs, [engine_mod.run_job(j) for j in jobs])
        _same(gather(merged), reference)
    cache = str(tmp_path / "cache")
    grown = tmp_path / "grown" / "nova-compute.log"
    grown.parent.mkdir()
    grown.write_text("\n".join(SWTPM[:2]) + "\n")
    collect([str(grown)], cache_dir=cache)
    with open(grown, "a") as fh:
        fh.write("\n".join(SWTPM[2:]) + "\n")
    _same(collect([str(grown)], cache_dir=cache), collect([str(grown)]))


def test_migrations_json_and_show_print_every_line(tmp_path):
    path = write(tmp_path, SWTPM)
    result = runner.invoke(app, ["migrations", path, "-f", "json"])
    document = json.loads(result.stdout)
    rows = document["migrations"] if isinstance(document, dict) else document
    assert "Connection refused" in rows[0]["error"]
    shown = runner.invoke(app, ["show", path, "--instance", U[:8]], env={"COLUMNS": "400"})
    assert "Domain id=5 is tainted: high-privileges" in shown.stdout
    assert "Failed to connect socket" in shown.stdout
    table = shown.stdout[shown.stdout.index("events ("):]  # the events table, not the header
    assert "swtpm.sock: Connection refused" in table
    html = tmp_path / "r.html"
    assert runner.invoke(app, ["report", path, "-o", str(html)]).exit_code == 0
    assert "swtpm.sock: Connection refused" in html.read_text()


def test_rsyslog_escaped_newlines_become_lines(tmp_path, monkeypatch):
    """rsyslog writes a multi-line message on one line with #012 for each newline."""
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
    line = ("Jan 10 12:00:00 cmp-1 nova-compute[7]: " + SWTPM[1].split(" ", 2)[2] + "#012"
            + SWTPM[2])
    [failure] = failures(collect([write(tmp_path, [line], "messages")]))
    assert failure["error"].splitlines()[1] == SWTPM[2]


@pytest.mark.parametrize("tool", ["rg", "grep"])
def test_a_cut_first_line_still_keeps_its_further_lines(tool, real_logs, tmp_path,
                                                        monkeypatch):
    """--max-line-bytes cuts the long QEMU command line of zrBSLtMn; the QEMU line after
    it joins the record on every path alike."""
    from loganalyzer.logs import prefilter

    monkeypatch.setenv("LOGANALYZER_MAX_LINE_BYTES", "4096")
    path = str(real_logs / "pastebin_zrBSLtMn_2017_live-migration-qemu-closed-monitor.log")
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
    reference = collect([path], engine="local")
    [failure] = failures(reference)
    assert failure["error"].endswith("Property '.cmt' not found")
    monkeypatch.setenv("LOGANALYZER_PREFILTER", tool)
    if prefilter.tool() is None or prefilter.tool()[0] != tool:
        pytest.skip(f"{tool} is not installed")
    _same(collect([path], engine="local"), reference)


@pytest.mark.parametrize("tool", ["rg", "grep"])
def test_a_compressed_file_keeps_one_further_line_without_reading_it_again(tool, tmp_path,
                                                                            monkeypatch):
    """A compressed file cannot be read again from a record's end: the tool prints each
    candidate's next line too, so a record whose cause is on one further line (or on none)
    is finished on the tool's path (it was read a second time, all of it in Python: 96
    MB/s of gzip). The events are those of Python's own path."""
    from loganalyzer.logs import prefilter
    from loganalyzer.logs.scan import Origin

    lines: list[str] = []
    for i in range(30):
        lines += SWTPM if i % 2 else [SWTPM[0], SWTPM[1], *SWTPM[3:]]
        lines += [f"2023-01-10 12:00:01.{i:03d} 7 DEBUG nova.compute.manager [-] pad {j}"
                  for j in range(5)]
    path = tmp_path / "nova-compute.log.1.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    monkeypatch.setenv("LOGANALYZER_PREFILTER", "python")
    reference = collect([str(path)], engine="local")
    assert len(failures(reference)) == 30
    monkeypatch.setenv("LOGANALYZER_PREFILTER", tool)
    if prefilter.tool() is None or prefilter.tool()[0] != tool:
        pytest.skip(f"{tool} is not installed")
    on_the_tools_path = prefilter.scan_compressed_file(
        str(path), Origin(str(path), "h", "path", None), "gzip")
    assert on_the_tools_path is not None
    _same(collect([str(path)], engine="local"), reference)

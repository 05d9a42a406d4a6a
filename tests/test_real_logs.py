"""The real logs in ../shared/real_logs as oracles for reading (skipped when absent)."""

from __future__ import annotations

import pandas as pd
import pytest

from loganalyzer.logs.read import collect

JUNO_VM = "a18a5824-4215-4e24-bcfc-cb9f89f6bcbd"
# Read off the files by eye: the two hosts interleave the operation thread differently.
# (the first iterations' "Operation thread is still running" / "Migration not running yet"
# fold into one row each; "… can be safely ignored" follows the success line)
C30_SOURCE = ["monitor_started", "operation_thread_running", "migration_not_running", "progress",
              "lifecycle", "operation_completed", "post_live_migration_started",
              "operation_thread_finished", "operation_thread_notification", "lifecycle",
              "migration_succeeded", "domain_not_found_notice", "monitor_done"]
C29_SOURCE = ["monitor_started", "operation_thread_running", "migration_not_running", "progress",
              "lifecycle", "operation_thread_finished", "operation_thread_notification",
              "progress", "lifecycle", "operation_completed", "post_live_migration_started",
              "migration_succeeded", "domain_not_found_notice", "monitor_done"]
# Neither holds a nova-compute line: syslog lines of other daemons, and an oslo_messaging
# pre-check error with no nova logger in the file (INDEX.md).
NOT_NOVA_COMPUTE = {"github_nova-operator_pr777_var-log-messages-excerpt.log"}
# Files whose lines the person who posted them damaged (terminal wrapping): INDEX.md.
DAMAGED = {"pastebin_Ly9kT60T_devstack2015_pre-live-migration-failed_terminal-wrapped.log"}


@pytest.fixture(scope="module")
def everything():
    from tests.conftest import shared_dir

    shared = shared_dir()
    if shared is None:
        pytest.skip("../shared/real_logs is not present")
    return collect([str(shared / "real_logs")])


def events_of(everything, name: str) -> pd.DataFrame:
    frame = everything.events
    return frame[frame["file"].str.endswith("/" + name)]


def window(frame: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    return frame[(frame["timestamp"] >= start) & (frame["timestamp"] <= end)]


def test_no_unrecognized_lines_where_lines_are_whole(everything):
    damaged = {row["file"].rsplit("/", 1)[-1] for row in everything.unrecognized}
    assert damaged <= DAMAGED
    assert not everything.warnings


def test_every_file_is_read(everything, real_logs):
    top = [f for f in everything.files if "/libvirt/" not in f.path]
    assert len(top) == len(everything.files)  # libvirt/ is read by logs.libvirt, never as nova
    read = {f.path.rsplit("/", 1)[-1] for f in top}
    on_disk = {p.name for p in real_logs.glob("*.log*")}
    assert read == on_disk - NOT_NOVA_COMPUTE
    # an excerpt holding only an oslo_messaging.rpc.server line is a nova-compute log
    assert "pastebin_ix6q0xL3_2016_migration-error-listen-address.log" in read
    passed = {f.path.rsplit("/", 1)[-1]: f.skipped for f in everything.passed_over
              if "/libvirt/" not in f.path}
    assert passed == {"INDEX.md": "its name is not a log's",
                      **dict.fromkeys(NOT_NOVA_COMPUTE, "no nova-compute line in its first "
                                                        "64 KiB")}
    for report in top:
        text = (real_logs / report.path.rsplit("/", 1)[-1]).read_bytes()
        assert report.bytes == len(text)
        assert report.lines == text.count(b"\n") + (0 if text.endswith(b"\n") else 1)
    libvirt = {f.path.rsplit("/", 1)[-1]: f for f in everything.libvirt.files
               if "/libvirt/" in f.path}
    assert set(libvirt) == {p.name for p in (real_logs / "libvirt").iterdir()
                            if p.name != "INDEX.md"}
    for name, report in libvirt.items():
        text = (real_logs / "libvirt" / name).read_bytes()
        assert report.bytes == len(text)
        assert report.lines == text.count(b"\n") + (0 if text.endswith(b"\n") else 1)


@pytest.mark.parametrize(("name", "start", "end", "dest", "sequence"), [
    ("os-log-merger_juno_hp-ms-01-c30_nova-compute.log", "2015-10-29 10:53:06",
     "2015-10-29 10:53:19", "hp-ms-01-c29.moonshot1.lab.eng.rdu.redhat.com", C30_SOURCE),
    ("os-log-merger_juno_hp-ms-01-c29_nova-compute.log", "2015-10-29 10:54:21",
     "2015-10-29 10:54:36", "hp-ms-01-c30.moonshot1.lab.eng.rdu.redhat.com", C29_SOURCE),
])
def test_juno_source_sequences(everything, name, start, end, dest, sequence):
    frame = window(events_of(everything, name), start, end)
    frame = frame[(frame["instance"] == JUNO_VM)
                  & ~frame["kind"].isin(["sync_power_pending_task", "lifecycle_emitted"])]
    assert frame["kind"].tolist() == sequence
    assert frame[frame["kind"] == "lifecycle"]["state"].tolist() == ["Paused", "Stopped"]
    assert frame[frame["kind"] == "migration_succeeded"]["dest_host"].item() == dest
    progress = frame[frame["kind"] == "progress"].iloc[0]
    assert (progress["level"], progress["secs"], progress["total_bytes"]) == ("INFO", 0, 0)


@pytest.mark.parametrize(("name", "at", "states"), [
    ("os-log-merger_juno_hp-ms-01-c29_nova-compute.log", "2015-10-29 10:53:17",
     ["Started", "Resumed", "Resumed"]),
    ("os-log-merger_juno_hp-ms-01-c30_nova-compute.log", "2015-10-29 10:54:34",
     ["Started", "Resumed"]),
])
def test_juno_destination_sides(everything, name, at, states):
    frame = events_of(everything, name)
    post = frame[frame["kind"] == "post_operation_started"]
    assert len(post) == 1
    assert str(post["timestamp"].item()).startswith(at)
    assert post["request_id"].item().startswith("req-")
    before = frame[(frame["timestamp"] < post["timestamp"].item())
                   & (frame["timestamp"] > post["timestamp"].item() - pd.Timedelta("30s"))
                   & (frame["kind"] == "lifecycle")]
    assert before["state"].tolist() == states


def test_juno_release_and_dump(everything):
    frame = events_of(everything, "os-log-merger_juno_hp-ms-01-c30_nova-compute.log")
    assert frame[frame["kind"] == "compute_start"]["version"].tolist() == ["2014.2.3-31.el7ost"]
    [dump] = frame[frame["kind"] == "config_dump"]["options"]
    assert dump["live_migration_bandwidth"] == "0"
    assert dump["live_migration_uri"] == "qemu+tcp://nova@%s/system"
    assert "VIR_MIGRATE_TUNNELLED" in dump["live_migration_flag"]


def test_merged_log_hosts_from_tags(everything):
    frame = events_of(everything, "os-log-merger_juno_mergedlogs-compute_migration-window.log")
    assert set(frame["host"]) == {"COMPUTE29", "COMPUTE30"}
    assert set(frame["host_source"]) == {"merged-log tag"}
    succeeded = frame[frame["kind"] == "migration_succeeded"]
    assert succeeded["host"].tolist() == ["COMPUTE30", "COMPUTE29"]
    assert str(succeeded["timestamp"].iloc[0]) == "2015-10-29 10:53:18.591000"


def test_rocky_timeout_and_cancel(everything):
    frame = events_of(everything, "pastebin_3mxSVnRR_rocky_live-migration-timeout-abort.log")
    assert frame["kind"].tolist() == ["progress", "completion_timeout", "operation_cancelled",
                                      "live_migration_failure"]
    assert frame["limit_s"].dropna().tolist() == [2400]
    assert frame["total_bytes"].dropna().tolist() == [3226542080]
    assert "canceled by client" in frame["error"].dropna().item()
    assert set(frame["instance"]) == {"ead8ecc3-f473-4672-a67b-c44534c6042d"}


def test_queens_post_copy_switch(everything):
    frame = events_of(everything, "pastebin_cY82PP34_queens_post-copy-switch.log")
    assert frame["kind"].tolist() == ["postcopy_switch", "lifecycle", "sync_power_pending_task",
                                      "operation_completed"]
    assert frame["state"].dropna().tolist() == ["Paused"]


def test_platform9_lines_without_timestamps(everything):
    frame = events_of(everything,
                      "platform9_kb_large-volume-backed-instances_live-migration-timeout.log")
    assert frame["kind"].tolist() == ["pre_live_migration_took", "downtime_step", "progress",
                                      "progress", "data_remaining", "completion_timeout"]
    assert frame["time"].isna().all() and frame["timestamp"].isna().all()
    assert frame["took_s"].dropna().tolist() == [5.12]
    assert frame["downtime_ms"].dropna().tolist() == [50]
    assert frame["limit_s"].dropna().tolist() == [12800]
    assert frame["line"].tolist() == [1, 2, 4, 6, 7, 8]


def test_rhoso_grep_and_syslog_prefixed(everything):
    frame = events_of(everything, "github_nova-operator_pr777_grep-of-var-log-messages.log")
    assert frame["kind"].tolist() == ["live_migration_failure",
                                      "post_live_migration_at_dest_failed"]
    assert set(frame["host"]) == {"np0004787595"}
    assert set(frame["host_source"]) == {"syslog"}
    # nova's own UTC clock, not the syslog's local 18:10
    assert frame["time"].tolist() == ["2024-07-11 22:10:59.946", "2024-07-11 22:11:06.965"]
    assert not frame["error"].iloc[0].endswith("#033[00m")
    assert frame["dest_host"].iloc[1] == "compute-2.ci-rdo.local"
    assert frame["global_request_id"].isna().all()
    assert set(frame["request_id"]) == {"req-590602d0-1d3d-4ac9-b000-cdd98a2400b4"}


def test_ussuri_startup_dump(everything):
    frame = events_of(everything, "hotsos_ussuri_nova-compute_config-dump.log")
    [dump] = frame[frame["kind"] == "config_dump"]["options"]  # one row: every line's value
    assert list(dump.items()) == list({
        "max_concurrent_live_migrations": "1",
        "live_migration_bandwidth": "0",
        "live_migration_completion_timeout": "800",
        "live_migration_downtime": "500",
        "live_migration_downtime_delay": "75",
        "live_migration_downtime_steps": "10",
        "live_migration_inbound_addr": "10.0.0.128",
        "live_migration_permit_auto_converge": "False",
        "live_migration_permit_post_copy": "False",
        "live_migration_scheme": "ssh",
        "live_migration_timeout_action": "abort",
        "live_migration_tunnelled": "False",
        "live_migration_uri": "None",
        "live_migration_with_native_tls": "False",
    }.items())
    whole = events_of(everything, "hotsos_ussuri_nova-compute.log.1")
    dumps = whole[whole["kind"] == "config_dump"]
    assert len(dumps) == 8 and dumps["files"].notna().all()
    assert set(whole[whole["kind"] == "compute_start"]["version"]) <= {"21.2.3"}


def test_message_only_ramp(everything):
    frame = events_of(everything, "chinese-notes_downtime-steps_message-only.log")
    assert frame["downtime_ms"].tolist() == [714, 1326, 1938, 2550, 3162, 3774, 4386, 4998]
    assert frame["after_s"].tolist() == list(range(0, 2101, 300))


def test_havana_numeric_lifecycle_and_crlf_dataset(everything):
    havana = events_of(everything, "pastebin_VNuRvU1t_havana2014_lifecycle-event-numeric.log")
    assert havana[havana["kind"] == "lifecycle"]["state"].tolist() == ["Stopped"]
    loghub = events_of(everything, "loghub_OpenStack_2k_nova-compute-lines.log")
    lifecycle = loghub[loghub["kind"] == "lifecycle"]
    assert len(lifecycle) == 109
    assert set(lifecycle["state"]) == {"Started", "Paused", "Resumed", "Stopped"}
    assert lifecycle["instance"].notna().all()


def test_failures_with_error_text(everything):
    frame = everything.events
    failures = frame[frame["kind"] == "live_migration_failure"]
    errors = " | ".join(failures["error"])
    for text in ("Host key verification failed", "Postcopy is not supported",
                 "Failed to verify peer's certificate", "End of file while reading data",
                 "qemu unexpectedly closed the monitor"):
        assert text in errors
    aborted = frame[frame["kind"] == "operation_aborted"]
    assert len(aborted) == 5

"""What each command says about itself, as data: its summary, what else to know and its
examples, in the order ``loganalyzer --help`` lists the commands. The command line
(:mod:`loganalyzer.cli`) shows these texts as each command's help; the options' own help is
declared beside the library calls they feed (``*/flags.py``). Plain text: the command line
adds the markup. A new command is a record here, its options in a flags module, a function in
``cli/planning.py`` or ``cli/reading.py`` over one library call, and a line in ``cli/app.py``;
tests check that every command has a text, every text a command, and that each example parses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommandText:
    """One command's help: ``summary`` (the first paragraph, also its line in the list of
    commands), ``details`` (further paragraphs) and ``examples`` (command lines)."""

    name: str  # as typed after ``loganalyzer``
    summary: str
    details: str = ""
    examples: tuple[str, ...] = ()


APP = CommandText(
    "loganalyzer",
    "Analyse nova-compute live migrations: predict what a [libvirt] configuration does, "
    "check it, and compare it with what the logs show.")

PREDICT = CommandText(
    "predict",
    "Predict the downtime ramp and timeout nova computes for a guest.",
    examples=(
        "loganalyzer predict --downtime 5000 --steps 7 --delay 75 --memory-mb 4096 --release train",
        "loganalyzer predict --config /etc/nova/nova.conf --memory-mb 16384 --format json",
        "loganalyzer predict --data-gb 3 --variant exponential --start 2024-05-01T12:00:00"))

LINT = CommandText(
    "lint",
    "Check a configuration for guests of given sizes; exit 1 when anything is a warning.",
    examples=(
        "loganalyzer lint --config /etc/nova/nova.conf --release 2023.1",
        "loganalyzer lint --steps 30 --completion-timeout 400 --memory-mb 4096:65536"))

SCAN = CommandText(
    "scan",
    "Read nova-compute logs and list their live-migration events.",
    "Reads plain, rotated and compressed files (gzip, bzip2, xz, zstd), folders, sosreports "
    "(folders or tarballs, read in place), syslog/journald exports and oslo JSON logs. "
    "Warnings go to stderr. Exit 0, or 2 when no input could be read at all.",
    examples=(
        "loganalyzer scan /var/log/nova/",
        "loganalyzer scan sosreport-compute-1.tar.xz --kind downtime_step -f csv",
        "journalctl -u nova-compute -o json | loganalyzer scan - --host -=compute-1 -f json"))

MIGRATIONS = CommandText(
    "migrations",
    "One row per live migration: hosts, outcome, flags, observed vs predicted ramp.",
    "The configuration each migration ran with is the declared one (--config, --config-dir, "
    "flags) when given, else the host's last start-up dump before it, else the release's "
    "defaults. data_gb comes from --memory-mb or is inferred from the logs. Hosts go by the "
    "name nova gives them (aliases listed), a line read twice counts once, and a migration "
    'whose start or end is not in the log shows a lower bound ("≥ 2400 s").',
    examples=(
        "loganalyzer migrations /var/log/nova/ --format json",
        "loganalyzer migrations sosreports/ --config nova.conf --release 2023.1 --memory-mb 8192"))

SHOW = CommandText(
    "show",
    "One migration in full: events of both hosts, steps observed vs predicted, findings.",
    examples=(
        "loganalyzer show /var/log/nova/ --instance 7b7edae6",
        "loganalyzer show logs/ --instance 7b7edae6 --n 2 --config nova.conf"))

VERIFY = CommandText(
    "verify",
    "After a config rollout: check that the migrations in the logs ran as configured.",
    "Exit 0 when at least one migration was verified and every verified migration passed; 1 "
    "when any failed (its ramp does not match, the host runs another configuration, its "
    "behaviour or timeout limit contradicts the configuration, the configuration is unknown) "
    "or when nothing was verified (no migration selected, or none with a downtime ramp: "
    "'nothing verified: …'), unless --allow-empty; 2 on bad input.",
    examples=(
        "loganalyzer verify /var/log/nova/ --config /etc/nova/nova.conf --since 2024-05-01",
        "loganalyzer verify sosreports/ --downtime 5000 --steps 7 --delay 75 --release train"))

SIMULATE = CommandText(
    "simulate",
    "Simulate a live migration the way nova drives it, write its logs, or answer what-if.",
    examples=(
        "loganalyzer simulate --memory-mb 8192 --dirty-rate 300 --bandwidth 500 --what-if",
        "loganalyzer simulate --release stein --python 2 --out /tmp/logs --debug --layout syslog",
        "loganalyzer simulate --fleet 20 --migrations 200 --out /tmp/fleet",
        "loganalyzer simulate --sample --out sample_logs"))

REPORT = CommandText(
    "report",
    "Write one self-contained HTML report for ops reviews (offline, no CDN).",
    "Header with inputs and what was not understood, fleet summary and charts, a "
    "configuration-drift table, a sortable/filterable migrations table, and a drill-down per "
    "migration (its ramp over the predicted one, memory remaining, events, findings).",
    examples=(
        "loganalyzer report sample_logs --config sample_logs/nova.conf -o reports/sample.html",
        "loganalyzer report /srv/sosreports/ --release 2023.1 --png reports/png/"))

WATCH = CommandText(
    "watch",
    "Follow nova-compute logs and report each live migration when it ends, as "
    "`migrations` would report it, and each host finding (configuration changed at a restart, "
    "drift from --config); export Prometheus metrics.",
    "JSON: one line per finished migration (the `migrations --format json` object) and one "
    'per host finding ({"host_finding": {...}}). SIGTERM saves the state and exits 0.',
    examples=(
        "loganalyzer watch /var/log/nova/ --config /etc/nova/nova.conf --metrics-port 9787 \\\n"
        "  --state /var/lib/loganalyzer/watch.json",
        "loganalyzer watch --journal nova-compute --textfile /var/lib/node_exporter",
        "loganalyzer watch /var/log/remote/ --format table"))

CACHE = CommandText(
    "cache",
    "Inspect or empty a --cache folder.",
    examples=("loganalyzer cache info --cache ~/.cache/loganalyzer",
              "loganalyzer cache clear --cache ~/.cache/loganalyzer"))

CACHE_INFO = CommandText(
    "cache info",
    "List the files a cache holds: path, bytes and lines scanned, events, cache size.",
    "Exit 0, or 2 when the folder does not exist.",
    examples=(
        "loganalyzer cache info --cache ~/.cache/loganalyzer",
        "loganalyzer cache info --cache /mnt/logs/.loganalyzer-cache -f json"))

CACHE_CLEAR = CommandText(
    "cache clear",
    "Remove every entry of a cache.",
    "Exit 0, or 2 when the folder does not exist.",
    examples=("loganalyzer cache clear --cache ~/.cache/loganalyzer",))

TEXTS = {text.name: text for text in (
    APP, PREDICT, LINT, SCAN, MIGRATIONS, SHOW, VERIFY, SIMULATE, REPORT, WATCH,
    CACHE, CACHE_INFO, CACHE_CLEAR)}

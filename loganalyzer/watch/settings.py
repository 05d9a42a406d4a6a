"""``watch``'s settings from plain values, checked: :class:`InputError` names the flag."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from loganalyzer.analysis.flags import GUEST
from loganalyzer.errors import InputError
from loganalyzer.flags import Flag, checked, formats

if TYPE_CHECKING:
    from loganalyzer.watch.service import WatchSettings

FOLLOW, METRICS = "Following", "Metrics"
FLAGS = (  # watch_settings()'s own options as the command line shows them
    Flag("paths", (), list[str] | None, None, "nova-compute log files and folders to follow, "
         "with the libvirt/QEMU logs among them (folders: new files are picked up; rotation "
         "by rename or copytruncate and compression of rotated files are followed).",
         metavar="PATH"),
    Flag("journal", ("--journal",), bool, False,
         "--journal [UNIT]: follow the systemd journal (journalctl -f -o json); with a unit "
         "(--journal nova-compute, --journal=devstack@n-cpu; repeatable) only that unit. A "
         "word after --journal that names an existing file or folder is a path to follow.",
         FOLLOW),
    Flag("units", ("--unit",), list[str] | None, None, "With --journal: only this systemd unit "
         "(repeatable); the older spelling of --journal UNIT.", FOLLOW, hidden=True),
    Flag("journal_files", ("--journal-file",), list[str] | None, None, "Follow this journal "
         "file or the journals under this folder instead of the machine's (repeatable; e.g. "
         "what systemd-journal-remote writes).", FOLLOW),
    Flag("state", ("--state",), str | None, None, "State file: offsets, file identities and "
         "migrations in flight; a restart resumes from it (nothing counted twice, nothing "
         "missed).", FOLLOW),
    Flag("start_at", ("--start-at",), str, "end", "Without a state: begin files present at "
         "start at their 'end' (only new lines) or 'beginning'.", FOLLOW),
    Flag("once", ("--once",), bool, False, "Read what the inputs hold now, report every "
         "migration in them (those in flight as they stand) and exit.", FOLLOW),
    Flag("poll", ("--poll",), float, 1.0, "Seconds between polls of the inputs.", FOLLOW,
         positive=True, at_most=3600.0),
    Flag("settle", ("--settle",), float, 90.0, "Seconds (log time, or quiet wall time) a "
         "migration's outcome waits for its last lines (the source's VM Stopped, the "
         "destination's) before it is reported.", FOLLOW, positive=True, at_most=86400.0),
    Flag("idle_timeout", ("--idle-timeout",), float, 1800.0, "Seconds without a line after "
         "which a migration without an outcome is reported as it stands (outcome unknown).",
         FOLLOW, positive=True, at_most=7 * 86400.0),
    Flag("max_events", ("--max-events",), int, 200_000, "Events held for migrations in flight "
         "at most; past it the oldest are reported as they stand.", FOLLOW),
    Flag("metrics_port", ("--metrics-port",), int | None, None, "Serve Prometheus metrics on "
         "this port (0: any free port, printed on stderr).", METRICS),
    Flag("metrics_address", ("--metrics-address",), str, "127.0.0.1",
         "Address the metrics server listens on.", METRICS),
    Flag("textfile", ("--textfile",), str | None, None, "Write the metrics into "
         "DIR/loganalyzer.prom for node_exporter's textfile collector (atomically).", METRICS),
    formats("json", "table", default="json"),
)


UNIT_NAME = re.compile(r"[A-Za-z0-9:_.\\@*?\[\]-]+\Z")  # systemd unit names and patterns


def journal_args(args: Sequence[str]) -> tuple[list[str], list[str]]:
    """``watch``'s arguments with ``--journal UNIT`` and ``--journal=UNIT`` spelled
    ``--journal --unit UNIT`` (typer gives no option an optional value), and notes for
    stderr. The word after ``--journal`` is its unit when it could name a unit (no ``/``, not
    an option) and names no existing file or folder; else it is a path to follow (a note says
    so when it could have been a unit: ``--journal=NAME`` then forces the unit).
    ``--journal=`` with no unit, or with a ``/`` in it, is an :class:`InputError`."""
    out: list[str] = []
    notes: list[str] = []
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        if word == "--":
            out += args[index - 1:]
            break
        if word.startswith("--journal="):
            unit = word.partition("=")[2]
            if not unit:
                raise InputError("--journal=: no unit after '='; write --journal alone for "
                                 "the whole journal, or --journal=UNIT")
            if "/" in unit:
                raise InputError(f"--journal={unit}: a unit name has no '/'; give the path "
                                 "without --journal=")
            out += ["--journal", "--unit", unit]
            continue
        out.append(word)
        if word != "--journal" or index >= len(args):
            continue
        after = args[index]
        if after.startswith("-") or not UNIT_NAME.match(after):
            continue
        if os.path.exists(after):
            notes.append(f"--journal {after}: {after} exists here, so it is followed as a "
                         f"path; write --journal={after} for the systemd unit")
            continue
        out += ["--unit", after]
        index += 1
    return out, notes


def watch_settings(*, paths: Sequence[str] | None = (), journal: bool = False,
                   units: Sequence[str] | None = (),
                   journal_files: Sequence[str] | None = (),
                   state: str | None = None, start_at: str = "end", once: bool = False,
                   poll: float = 1.0, settle: float = 90.0, idle_timeout: float = 1800.0,
                   max_events: int = 200_000, metrics_port: int | None = None,
                   metrics_address: str = "127.0.0.1", textfile: str | None = None,
                   fmt: str = "json", config: Sequence[str] = (),
                   config_dir: Sequence[str] = (), flags: Mapping[str, Any] | None = None,
                   release: str | None = None, python: int | None = None,
                   memory_mb: int | None = None, disk_gb: Sequence[float] = (),
                   late_threshold_s: float = 10.0, hosts: Mapping[str, str] | None = None,
                   instance: Sequence[str] = (), host: Sequence[str] = (),
                   since: str | None = None, until: str | None = None) -> WatchSettings:
    """A :class:`WatchSettings`; bad values, and a bad configuration, fail here before
    anything is followed."""
    from loganalyzer.analysis.migrations import Options
    from loganalyzer.api import checked_declaration, selected
    from loganalyzer.logs.select import parse_time
    from loganalyzer.watch.service import WatchSettings

    if fmt not in ("json", "table"):
        raise InputError(f"--format {fmt}: not one of json | table")
    if start_at not in ("end", "beginning"):
        raise InputError(f"--start-at {start_at}: not one of end | beginning")
    if not paths and not journal and not journal_files:
        raise InputError("nothing to follow: give log files or folders, or --journal")
    if units and not journal:
        raise InputError("--unit goes with --journal")
    checked(FLAGS + GUEST, {"poll": poll, "settle": settle, "idle_timeout": idle_timeout,
                            "disk_gb": list(disk_gb), "late_threshold_s": late_threshold_s})
    if max_events < 1:
        raise InputError(f"--max-events {max_events}: must be at least 1")
    if metrics_port is not None and not 0 <= metrics_port <= 65535:
        raise InputError(f"--metrics-port {metrics_port}: not a TCP port")
    if textfile is not None and not os.path.isdir(textfile):
        raise InputError(f"--textfile {textfile}: no such folder")
    if state is not None:
        folder = os.path.dirname(os.path.abspath(state))
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
            raise InputError(f"--state {state}: its folder {folder} does not exist or is "
                             "not writable (the state is written beside it, then renamed)")
        if os.path.isdir(state):
            raise InputError(f"--state {state}: a folder; give a file name")
    if memory_mb is not None and memory_mb <= 0:
        raise InputError(f"--memory-mb {memory_mb}: must be positive")
    declared = checked_declaration(config, config_dir, flags, release, python)
    window = parse_time("--since", since), parse_time("--until", until)
    instances, host_filter = list(instance), list(host)

    def select(row: dict[str, Any]) -> bool:
        return selected(row, instances, host_filter, *window)

    return WatchSettings(
        paths=list(paths or ()), hosts=dict(hosts or {}),
        options=Options(declared=declared, release=release, python=python,
                        memory_mb=memory_mb, disk_gb=list(disk_gb),
                        late_threshold_s=late_threshold_s),
        select=select, fmt=fmt, start_at=start_at, poll_s=poll, settle_s=settle,
        idle_timeout_s=idle_timeout, max_events=max_events, state=state, once=once,
        journal=journal, units=list(units or ()), journal_files=list(journal_files or ()),
        metrics_port=metrics_port, metrics_address=metrics_address, textfile=textfile)

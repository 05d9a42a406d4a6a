"""``watch``'s settings from plain values, checked: :class:`InputError` names the flag."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from loganalyzer.errors import InputError
from loganalyzer.watch.service import WatchSettings


def watch_settings(*, paths: Sequence[str] = (), journal: bool = False,
                   units: Sequence[str] = (), journal_files: Sequence[str] = (),
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
    from loganalyzer.analysis.migrations import Declared, Options
    from loganalyzer.api import selected
    from loganalyzer.config.prediction import resolve_model
    from loganalyzer.logs.select import parse_time

    if start_at not in ("end", "beginning"):
        raise InputError(f"--start-at {start_at}: not one of end | beginning")
    if not paths and not journal and not journal_files:
        raise InputError("nothing to follow: give log files or folders, or --journal")
    if units and not journal:
        raise InputError("--unit goes with --journal")
    for name, value in (("--poll", poll), ("--settle", settle),
                        ("--idle-timeout", idle_timeout)):
        if value <= 0:
            raise InputError(f"{name} {value}: must be positive")
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
    resolved = resolve_model(release, None, python)
    declared = Declared(list(config), list(config_dir), dict(flags or {}))
    if declared.given:
        declared.for_release(resolved.release)  # bad files and values fail before any read
    window = parse_time("--since", since), parse_time("--until", until)
    instances, host_filter = list(instance), list(host)

    def select(row: dict[str, Any]) -> bool:
        return selected(row, instances, host_filter, *window)

    return WatchSettings(
        paths=list(paths), hosts=dict(hosts or {}),
        options=Options(declared=declared, release=release, python=python,
                        memory_mb=memory_mb, disk_gb=list(disk_gb),
                        late_threshold_s=late_threshold_s),
        select=select, fmt=fmt, start_at=start_at, poll_s=poll, settle_s=settle,
        idle_timeout_s=idle_timeout, max_events=max_events, state=state, once=once,
        journal=journal, units=list(units), journal_files=list(journal_files),
        metrics_port=metrics_port, metrics_address=metrics_address, textfile=textfile)

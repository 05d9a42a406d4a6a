"""Selecting events: by kind, instance, host and time window (shared by every command)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from loganalyzer.errors import InputError
from loganalyzer.logs.catalog import DUMP_LINE_KINDS, KINDS, Kind

if TYPE_CHECKING:
    import pandas as pd


def parse_time(option: str, text: str | None) -> datetime | None:
    """``--since``/``--until`` values: ISO 8601 date or date and time, as logged (local)."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        raise InputError(
            f"{option} {text}: not a timestamp (use ISO 8601, e.g. 2024-05-01 or "
            "2024-05-01T12:00:00)"
        ) from None


def check_kinds(kinds: Sequence[str]) -> None:
    for kind in kinds:
        if kind in DUMP_LINE_KINDS:  # (logs.scan folds them into their dump's one row)
            raise InputError(f"--kind {kind}: a start-up dump's lines are one "
                             f"{Kind.CONFIG_DUMP.value} event per dump (its options, files, "
                             f"conf_host and conf_my_ip): use --kind {Kind.CONFIG_DUMP.value}")
        if kind not in KINDS:
            raise InputError(f"--kind {kind}: unknown event kind (known: {', '.join(KINDS)})")


def select_events(
    frame: pd.DataFrame,
    kinds: Sequence[str] = (),
    instances: Sequence[str] = (),
    hosts: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
) -> pd.DataFrame:
    """Rows of ``frame`` matching every given criterion. An instance matches by prefix, so
    the first 8 characters of a UUID are enough. Events without a timestamp are dropped
    when a time window is given."""
    mask = frame["kind"].notna()
    if kinds:
        mask &= frame["kind"].isin(list(kinds))
    if instances:
        inst = frame["instance"].fillna("")
        hit = inst.str.startswith(instances[0])
        for prefix in instances[1:]:
            hit |= inst.str.startswith(prefix)
        mask &= hit
    if hosts:
        mask &= frame["host"].isin(list(hosts))
    if since is not None:
        mask &= frame["timestamp"] >= since
    if until is not None:
        mask &= frame["timestamp"] <= until
    return frame[mask]

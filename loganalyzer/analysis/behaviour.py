"""Option values a migration's own lines prove, whatever the configuration says.

nova only switches to post-copy when ``live_migration_permit_post_copy`` is True
(``trigger_postcopy_switch``, Newton+); a switch or a pause right after ``Live migration not
completed after N sec`` is ``live_migration_timeout_action = force_complete`` (Stein 19.0.0+,
``should_trigger_timeout_action``); the service's start-up lines ``The
live_migration_permit_post_copy is set to True …`` and ``The
live_migration_permit_auto_converge is set to True, but it is not supported.``
(``_parse_migration_flags``, Newton+) name their option's value; the printed limit N is
``int(live_migration_completion_timeout × data_gb)`` (docs/nova.md §6). When the configuration in
force says otherwise, the log wins: a ``config-implied-by-behaviour`` finding names the
option, the value proved, the evidence and the source contradicted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loganalyzer.analysis.timeline import Segment
from loganalyzer.findings import Finding

POST_COPY = "live_migration_permit_post_copy"
AUTO_CONVERGE = "live_migration_permit_auto_converge"
TIMEOUT_ACTION = "live_migration_timeout_action"
COMPLETION_TIMEOUT = "live_migration_completion_timeout"
STARTUP_PROOF = {
    "postcopy_available": (POST_COPY, True, "the service started saying 'The "
                           "live_migration_permit_post_copy is set to True and post copy live "
                           "migration is available …'"),
    "postcopy_unsupported": (POST_COPY, True, "the service started saying 'The "
                             "live_migration_permit_post_copy is set to True, but it is not "
                             "supported.'"),
    "autoconverge_unsupported": (AUTO_CONVERGE, True, "the service started saying 'The "
                                 "live_migration_permit_auto_converge is set to True, but it "
                                 "is not supported.'"),
}


@dataclass(frozen=True)
class Implied:
    """An option value the log proves, and how."""

    option: str
    value: Any
    evidence: str


def _when(event: Mapping[str, Any] | None) -> datetime | None:
    return event.get("timestamp") if event is not None else None


def implied(segment: Segment, startup: Sequence[str],
            timeout_action_exists: bool, size: float | None, size_source: str | None,
            paused: bool) -> list[Implied]:
    """The option values proved by one migration's events (``segment``) and its host's last
    start-up lines (``startup``: their kinds)."""
    found: dict[str, Implied] = {}
    events = segment.events
    switch = next((events[p] for p, kind in segment.kinds_at("postcopy_switch", "lifecycle")
                   if kind == "postcopy_switch"
                   or events[p].get("state") == "Postcopy started"), None)
    timeout = segment.first("completion_timeout")
    if switch is not None:
        found[POST_COPY] = Implied(POST_COPY, True, "nova switched to post-copy")
    for kind in startup:
        if kind in STARTUP_PROOF:
            option, value, why = STARTUP_PROOF[kind]
            found.setdefault(option, Implied(option, value, why))
    if timeout is not None and timeout_action_exists:
        after, switched = _when(timeout), _when(switch)
        switched_after = switch is not None and (
            after is None or switched is None or switched >= after)
        if switched_after or paused:
            what = "switched to post-copy" if switched_after else "paused the guest"
            found[TIMEOUT_ACTION] = Implied(
                TIMEOUT_ACTION, "force_complete",
                f"nova {what} after 'Live migration not completed after "
                f"{timeout.get('limit_s')} sec'")
    if timeout is not None and size and timeout.get("limit_s") is not None and not (
            size_source or "").startswith("completion-timeout limit"):
        limit = int(timeout["limit_s"])
        values = [c for c in range(max(int(limit / size) - 1, 0), int(limit / size) + 3)
                  if int(c * size) == limit]
        if values:
            found[COMPLETION_TIMEOUT] = Implied(
                COMPLETION_TIMEOUT, values[0],
                f"nova's limit {limit} s = int(live_migration_completion_timeout × data_gb "
                f"{size:g} from {size_source})")
    return list(found.values())


def contradictions(proved: Sequence[Implied], config: Any, size: float | None
                   ) -> list[Finding]:
    """One ``config-implied-by-behaviour`` finding naming each proved value the configuration
    in force (``config``: an :class:`EffectiveConfig`) does not hold, and its source."""
    parts = []
    for item in proved:
        setting = config.settings.get(item.option)
        have = setting.value if setting is not None else None
        if item.option == COMPLETION_TIMEOUT and have is not None and size:
            if int(have * size) == int(item.value * size):
                continue
        elif have == item.value:
            continue
        source = setting.source if setting is not None else "not an option of this release"
        parts.append(f"{item.option}: the log proves {item.value} ({item.evidence}); the "
                     f"configuration in force says {have} ({source})")
    if not parts:
        return []
    return [Finding("config-implied-by-behaviour", "warning", ". ".join(parts) + ".")]

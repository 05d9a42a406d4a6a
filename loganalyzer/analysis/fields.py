"""One field of every event at once.

The analysis's passes over all events (dedup, host names, timelines) each read one or two
fields of every event: from an :class:`~loganalyzer.logs.read.EventSet`'s
:class:`~loganalyzer.logs.read.Records` that is the column itself, read once, where asking
each view costs a call per event and field; any other sequence of events (``watch``'s
records, dicts in tests) is read event by event, with the same result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from loganalyzer.logs.read import Records


def column(records: Sequence[Mapping[str, Any]], name: str) -> list[Any]:
    """``[event.get(name) for event in records]`` (None where an event has no such field);
    the list returned may be the events' own column: read it, never change it."""
    if isinstance(records, Records):
        return records.column(name)
    return [event.get(name) for event in records]

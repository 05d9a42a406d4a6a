"""Who each followed host is and which lines are the same line, learned as lines arrive.

``migrations`` decides both over all its input at once (:func:`analysis.dedup.prepare` and
:func:`analysis.hosts.resolve`); ``watch`` keeps what those decisions are made from —
each label's source, the names nova gave it (``host = …``/``my_ip = …`` of the start-up dump,
``During the sync_power process the instance has moved …``) and how many migration lines two
labels share — and resolves them again whenever one of them changes, with the same rules
(``resolve``, ``SAME_LINES_MIN``/``SAME_LINES_SHARE``). A line is the same line when its
canonical host and :func:`analysis.dedup.line_key` are; of its copies the one read from the
file that ``migrations`` reads first (:func:`logs.ingest.discover.order_inputs`) is kept.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from loganalyzer.analysis.hosts import SAME_LINES_MIN, SAME_LINES_SHARE, HostIdentity, resolve
from loganalyzer.logs.ingest.discover import rotation_key

CLAIM_KINDS = frozenset({"conf_host", "conf_my_ip", "sync_power_moved"})
OWNERS_KEPT = 200_000  # line keys remembered with the label that logged them first


@functools.lru_cache(maxsize=4096)
def file_order(name: str | None) -> tuple[str, tuple[str, int, str, int]]:
    """Where ``migrations`` reads the file ``name`` (the key of ``order_inputs``)."""
    folder, _, base = (name or "").rpartition("/")
    return (folder, rotation_key(base))


class Identity:
    """The hosts' names and the labels that share their lines, kept up to date."""

    def __init__(self) -> None:
        self.sources: dict[str, str] = {}  # label -> its source, in the order first seen
        self.claims: dict[tuple[str, str, str], None] = {}  # (label, kind, name nova gave)
        self.owner: dict[int, str] = {}  # line key -> the label that logged it first
        self.shared: Counter[tuple[str, str]] = Counter()
        self.per_label: Counter[str] = Counter()
        self._same: set[tuple[str, str]] = set()
        self._paired: set[str] = set()  # the labels of the pairs in _same
        self._current = HostIdentity()
        self._names: dict[str, str] = {}  # label -> canonical name, as last resolved
        self._stale = False
        self._recheck = False  # a paired label's count moved: is each pair still one host?

    # --- learning -----------------------------------------------------------------------

    def see(self, event: Mapping[str, Any], key: int | None) -> bool:
        """One event as read (``key``: its line key, None without a timestamp). True when it
        counted the line as shared with another label (a caller must not count it again)."""
        label = event["host"]
        if not label:
            return False
        if label not in self.sources:
            self.sources[label] = str(event["host_source"] or "path")
            self._stale = True
        kind = event["kind"]
        if kind in CLAIM_KINDS:
            value = event["dest_host"] if kind == "sync_power_moved" else event["value"]
            self._claim(label, kind, value)
        elif kind == "config_dump":  # a start-up dump's row (logs.scan): its host, my_ip lines
            self._claim(label, "conf_host", event["conf_host"])
            self._claim(label, "conf_my_ip", event["conf_my_ip"])
        if key is None or not event["instance"]:
            return False  # as prepare: a migration's lines (two hosts' dumps can be alike)
        self.per_label[label] += 1
        if label in self._paired:
            self._recheck = True
        first = self.owner.setdefault(key, label)
        counted = first != label
        if counted:
            self.share(first, label)
        if len(self.owner) > OWNERS_KEPT:  # the oldest half forgotten (a dict keeps order)
            for old in list(self.owner)[:OWNERS_KEPT // 2]:
                del self.owner[old]
        return counted

    def _claim(self, label: str, kind: str, value: Any) -> None:
        if value and (label, kind, str(value)) not in self.claims:
            self.claims[(label, kind, str(value))] = None
            self._stale = True

    def share(self, name: str, label: str) -> None:
        """``label`` logged a line that ``name`` logged before (the label that read it first,
        or a host's canonical name known from the state: the line itself is not held)."""
        if name == label:
            return
        pair = (name, label) if name <= label else (label, name)
        self.shared[pair] += 1
        if pair not in self._same and self._is_same(pair):
            self._same.add(pair)
            self._paired.update(pair)
            self._stale = True

    def _is_same(self, pair: tuple[str, str]) -> bool:
        a, b = pair
        count = self.shared[pair]
        return count >= SAME_LINES_MIN and \
            count >= SAME_LINES_SHARE * min(self.per_label[a], self.per_label[b])

    # --- answers ------------------------------------------------------------------------

    @property
    def current(self) -> HostIdentity:
        """The identity as resolved from what was read so far."""
        if self._recheck:
            # a pair stops counting as one host when one label's own lines outgrew what
            # they share (the rule prepare applies over the whole input)
            self._recheck = False
            same = {pair for pair in self._same if self._is_same(pair)}
            if same != self._same:
                self._same, self._stale = same, True
                self._paired = {label for pair in same for label in pair}
        if self._stale:
            records: list[dict[str, Any]] = [
                {"host": label, "host_source": source} for label, source in self.sources.items()]
            for label, kind, name in self.claims:
                records.append({"host": label, "kind": kind, "value": name, "dest_host": name})
            self._current = resolve(records, sorted(self._same))
            self._names = {}
            self._stale = False
        return self._current

    def name(self, label: str | None) -> str:
        """The canonical name of ``label`` ("unknown" for none)."""
        if not label:
            return "unknown"
        if self._stale or self._recheck:
            self.current  # noqa: B018 (resolves again)
        found = self._names.get(label)
        if found is None:
            found = self._names[label] = self._current.name(label) or label
        return found

    def labels_of(self, hosts: Iterable[str]) -> set[str]:
        """Every label that resolves to one of ``hosts``."""
        wanted = set(hosts)
        return {label for label in self.sources if self.name(label) in wanted} | wanted

    def aliases(self) -> dict[str, list[str]]:
        return {host: names for host, names in sorted(self.current.aliases.items()) if names}

    # --- state --------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {"sources": self.sources, "claims": [list(c) for c in self.claims],
                "shared": [[a, b, n] for (a, b), n in self.shared.items()],
                "per_label": dict(self.per_label), "same": [list(p) for p in self._same]}

    def restore(self, data: Mapping[str, Any]) -> None:
        self.sources = dict(data.get("sources", {}))
        self.claims = {(str(a), str(b), str(c)): None for a, b, c in data.get("claims", [])}
        self.shared = Counter({(a, b): int(n) for a, b, n in data.get("shared", [])})
        self.per_label = Counter({k: int(v) for k, v in data.get("per_label", {}).items()})
        self._same = {(a, b) for a, b in data.get("same", [])}
        self._paired = {label for pair in self._same for label in pair}
        self.owner = {}
        self._stale = self._recheck = True


def unique(records: Sequence[Any], name: Any, keys: Any) -> tuple[list[Any], int]:
    """``records`` with each line once — per (canonical host, line key), the copy from the
    file ``migrations`` reads first — in their order, and how many copies were left out.
    ``name(label)`` gives a canonical host, ``keys(record)`` a line key (None: no time)."""
    best: dict[tuple[str, int], tuple[tuple[Any, ...], int]] = {}
    for index, record in enumerate(records):
        key = keys(record)
        if key is None:
            continue
        slot = (name(record["host"]), key)
        rank = (file_order(record["file"]), index)
        held = best.get(slot)
        if held is None or rank < held[0]:
            best[slot] = (rank, index)
    if len(best) == sum(1 for r in records if keys(r) is not None):
        return list(records), 0
    keep = {index for _, index in best.values()}
    out = [r for i, r in enumerate(records) if keys(r) is None or i in keep]
    return out, len(records) - len(out)


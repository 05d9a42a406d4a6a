"""Who a log's host is: nova's own name for it, and every other name it goes by.

A host label comes with each event (``--host``, a syslog prefix, an os-log-merger tag, a
sosreport ``hostname``, the machine, or the path). nova says who it is itself: the start-up
dump's ``host = …`` (``CONF.host``) and ``my_ip = …`` (oslo.config ``log_opt_values``,
docs/nova.md §1), and ``During the sync_power process the instance has moved from host X
to host Y``,
which the host named Y logs (``_sync_instance_power_state``, docs/nova.md §2). Labels whose lines
are the same lines (a per-host log and an os-log-merger merge of it) are one host too. All
the names of one host resolve to one canonical name: the user's ``--host`` when given, else
nova's ``CONF.host``, else the strongest label; the others are listed as its aliases.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from loganalyzer.analysis.fields import column

# label sources, strongest first (nova's own names rank between the user's and the labels)
SOURCE_RANK = {"--host": 0, "nova": 1, "syslog": 2, "sosreport hostname": 3,
               "merged-log tag": 4, "this machine": 5, "path": 6, "unknown": 7}
NAME_KINDS = ("conf_host", "sync_power_moved")
NAMING_KINDS = frozenset({"conf_host", "conf_my_ip", "sync_power_moved",  # what resolve reads
                          "config_dump"})
SAME_LINES_SHARE = 0.5  # labels sharing this share of the smaller one's lines are one host
SAME_LINES_MIN = 2


@functools.lru_cache(maxsize=4096)  # called per event; a fleet has a few hundred names
def short(name: str) -> str:
    """The short host name (``a`` of ``a.example.org``); an IP address stays whole."""
    lowered = name.lower()
    try:
        ipaddress.ip_address(lowered)
        return lowered
    except ValueError:
        return lowered.split(".", 1)[0]


@dataclass
class HostIdentity:
    """Every name seen, resolved to one canonical name per physical host."""

    canonical: dict[str, str] = field(default_factory=dict)  # short(name) -> canonical
    aliases: dict[str, list[str]] = field(default_factory=dict)  # canonical -> other names
    warnings: list[str] = field(default_factory=list)

    def name(self, host: str | None) -> str | None:
        """The canonical name of ``host`` (itself when unknown)."""
        if not host:
            return host
        return self.canonical.get(short(host), host)

    def names_of(self, host: str) -> set[str]:
        """``host`` and all its aliases (for selecting by any of them)."""
        canonical = self.name(host) or host
        return {canonical, *self.aliases.get(canonical, ())}


class _Groups:
    """Union-find over names compared by :func:`short`."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, name: str) -> str:
        key = short(name)
        self.parent.setdefault(key, key)
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def resolve(records: Iterable[Mapping[str, Any]],
            same_lines: Iterable[tuple[str, str]] = ()) -> HostIdentity:
    """The host identity of ``records`` (events with ``host``, ``host_source``, ``kind``);
    ``same_lines`` are pairs of labels that logged the same lines."""
    sources: dict[str, str] = {}  # label -> its source
    claims: dict[str, dict[str, set[str]]] = {}  # label -> kind -> names nova gave
    records = records if isinstance(records, Sequence) else list(records)
    for label, kind, record in zip(column(records, "host"), column(records, "kind"), records,
                                   strict=True):
        if not label:
            continue
        if label not in sources:
            sources[label] = str(record.get("host_source") or "path")
        if kind not in NAMING_KINDS:
            continue
        if kind == "conf_host" and record.get("value"):
            claims.setdefault(label, {}).setdefault("host", set()).add(str(record["value"]))
        elif kind == "conf_my_ip" and record.get("value"):
            claims.setdefault(label, {}).setdefault("my_ip", set()).add(str(record["value"]))
        elif kind == "sync_power_moved" and record.get("dest_host"):
            claims.setdefault(label, {}).setdefault("moved", set()).add(str(record["dest_host"]))
        elif kind == "config_dump":  # a start-up dump's row (logs.scan): its host, my_ip lines
            for field, claim in (("conf_host", "host"), ("conf_my_ip", "my_ip")):
                if record.get(field):
                    claims.setdefault(label, {}).setdefault(claim, set()).add(str(record[field]))
    groups = _Groups()
    rank: dict[str, tuple[int, str]] = {}  # name -> (rank, how)
    identity = HostIdentity()

    order: dict[str, int] = {}

    def offer(name: str, source: str) -> None:
        groups.find(name)
        order.setdefault(name, len(order))
        value = (SOURCE_RANK.get(source, len(SOURCE_RANK)), name)
        if name not in rank or value < rank[name]:
            rank[name] = value

    for label, source in sources.items():
        offer(label, source)
    for label, found in claims.items():
        names = found.get("host", set()) | found.get("moved", set())
        if len({short(n) for n in names}) > 1:
            identity.warnings.append(
                f"host {label}: nova calls it {' and '.join(sorted(names))} (lines of several "
                "hosts under one name): kept as one host named by its label")
            continue
        for name in names:
            offer(name, "nova")
            groups.union(label, name)
        ips = found.get("my_ip", set())
        if len(ips) == 1 and names:
            (ip,) = ips
            offer(ip, "unknown")  # an address is an alias, never the name
            groups.union(label, ip)
    named = {label: {short(n) for n in found.get("host", set()) | found.get("moved", set())}
             for label, found in claims.items()}
    for a, b in same_lines:
        if named.get(a) and named.get(b) and named[a] != named[b]:
            continue  # nova names them differently: two hosts, whatever their lines
        groups.union(a, b)
    members: dict[str, list[str]] = {}
    for name in rank:
        members.setdefault(groups.find(name), []).append(name)
    for group in members.values():
        # strongest source, then the fuller name, then the name read first
        best = min(group, key=lambda n: (rank[n][0], -n.count("."), order[n]))
        others = sorted({n for n in group if n != best}, key=str.lower)
        identity.aliases[best] = others
        for name in group:
            identity.canonical[short(name)] = best
    return identity

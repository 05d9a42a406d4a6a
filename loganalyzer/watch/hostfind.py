"""Findings about a host rather than a migration, from its start-up dumps: the running
configuration changed at a restart, or differs from the declared one.

The drift rule is the one ``migrations`` applies to each migration's dump
(``running-config-differs``: an option the dump printed whose value differs from the
declared one, typed by oslo.config for the host's release); ``watch`` says it as soon as the
dump is logged, before any migration runs on the host.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from loganalyzer.analysis.evidence import host_facts
from loganalyzer.analysis.migrations import Options
from loganalyzer.config.load import config_from_values
from loganalyzer.nova.options import RAMP_OPTIONS
from loganalyzer.nova.releases import BY_MAJOR, Release, parse_release
from loganalyzer.watch.hold import HostDump


def host_release(facts: Sequence[Mapping[str, Any]], options: Options) -> Release:
    """The release a host's dump is typed with: ``--release``, else the version the host
    announced last, else the newest."""
    if options.release:
        return parse_release(options.release).release
    found = host_facts(e for e in facts if e["kind"] == "compute_start")
    for held in found.values():
        ref = held.version_before(None)
        if ref is not None:
            return ref.release
    return BY_MAJOR[max(BY_MAJOR)]


def dump_findings(host: str, dump: HostDump, previous: HostDump | None,
                  facts: Sequence[Mapping[str, Any]], options: Options
                  ) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """(host findings, the ramp options the dump printed) for a newly complete dump."""
    findings: list[dict[str, Any]] = []
    running = {name: dump.values[name] for name in RAMP_OPTIONS if name in dump.values}
    base = {"host": host, "time": dump.when, "where": dump.where}
    if previous is not None:
        for name in RAMP_OPTIONS:
            old, new = previous.values.get(name), dump.values.get(name)
            if old == new or (old is None or new is None):
                continue
            findings.append({**base, "code": "running-config-changed", "severity": "warning",
                             "option": name, "value": new, "previous": old,
                             "message": f"{name}: {old} → {new} at a restart of nova-compute "
                                        f"({dump.where}; before: {previous.where})."})
    declared = options.declared
    if declared.given:
        release = host_release(facts, options)
        have, _ = config_from_values(release, dump.values, dump.where)
        want = declared.for_release(release)
        for name in RAMP_OPTIONS:
            wanted, had = want.settings.get(name), have.settings.get(name)
            if wanted is None or had is None or name not in dump.values:
                continue
            if wanted.value != had.value:
                findings.append({
                    **base, "code": "running-config-differs", "severity": "warning",
                    "option": name, "value": dump.values[name], "declared": wanted.value,
                    "message": f"{name}: declared {wanted.value} ({wanted.source}) but the "
                               f"host runs {had.value} ({had.source})."})
    return findings, running

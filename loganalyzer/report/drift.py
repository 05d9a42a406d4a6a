"""Configuration drift the report can act on: a baseline (the declared configuration, else the
fleet's majority per release), each host's running (start-up dump), inferred and ramp-checked
configuration against it, and which hosts drift.

A host drifts when its last start-up dump, its inferred ramp or its logged ramps disagree with
the baseline. Logged ramps are checked against the ramp nova would compute from the baseline
(``nova.virt.libvirt.migration.downtime_steps``, Ocata+; Liberty–Newton's exponential form),
so a host whose single logged step gives no inference still counts when that step is not on
the baseline ramp.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from loganalyzer.analysis.evidence import host_facts
from loganalyzer.nova.ramp import downtime_steps

DRIFT_OPTIONS = ("live_migration_downtime", "live_migration_downtime_steps",
                 "live_migration_downtime_delay", "live_migration_completion_timeout",
                 "live_migration_timeout_action", "live_migration_permit_post_copy",
                 "live_migration_permit_auto_converge")
RAMP_OPTIONS = DRIFT_OPTIONS[:3]
SHORT = {name: name.removeprefix("live_migration_").replace("permit_", "")
         for name in DRIFT_OPTIONS}
MIN_RELEASE_HOSTS = 3  # a release needs this many voting hosts for its own majority


def norm(value: Any) -> str | None:
    """A value as one comparable text: booleans and numbers as oslo.config prints them."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered
    try:
        number = float(text)
    except ValueError:
        return lowered
    return str(int(number)) if number == int(number) else str(number)


def _host_release(rows: Sequence[Mapping[str, Any]]) -> str | None:
    releases = Counter(r.get("release") for r in rows if r.get("release"))
    return releases.most_common(1)[0][0] if releases else None


def _size_trusted(row: Mapping[str, Any]) -> bool:
    """False when data_gb came from the step spacing or the timeout limit, which assumed the
    row's own delay or timeout (so a delay inferred from it says nothing new)."""
    size = row.get("data_gb") or {}
    return bool(size.get("value")) and not re.search(r"delay|completion-timeout",
                                                     str(size.get("source") or ""))


def _inferences(rows: Sequence[Mapping[str, Any]]) -> Counter[tuple[Any, Any, Any]]:
    return Counter((r["inferred"]["downtime"], r["inferred"]["steps"],
                    r["inferred"].get("delay") if _size_trusted(r) else None)
                   for r in rows if (r.get("inferred") or {}).get("downtime") is not None)


def _consistent(inferred: Mapping[str, Any], downtime: str | None, steps: str | None) -> bool:
    """Whether the baseline downtime/steps is one of the ramps the logged steps allow."""
    if downtime is None or steps is None:
        return True
    candidates = [{"steps": inferred.get("steps"), "downtime_range": inferred.get(
        "downtime_range") or [inferred.get("downtime"), inferred.get("downtime")]},
        *(inferred.get("alternatives") or [])]
    for candidate in candidates:
        low, high = (candidate.get("downtime_range") or [None, None])[:2]
        if norm(candidate.get("steps")) == steps and low is not None and high is not None \
                and float(low) <= float(downtime) <= float(high):
            return True
    return False


def _value(row: Mapping[str, Any], name: str) -> Any:
    return ((row.get("config") or {}).get(name) or {}).get("value")


def ramp_check(row: Mapping[str, Any], base: Mapping[str, str | None]) -> str:
    """``agree``, ``disagree`` or ``unknown``: do the migration's logged steps lie on the ramp
    the baseline configuration gives for this guest?"""
    observed = row.get("observed_steps") or []
    if not observed:
        return "unknown"
    wanted = {name: base.get(name) or norm(_value(row, name)) for name in RAMP_OPTIONS}
    if all(wanted[n] == norm(_value(row, n)) for n in RAMP_OPTIONS):
        verdict = row.get("ramp_verdict")
        return {"match": "agree", "mismatch": "disagree"}.get(verdict or "", "unknown")
    if any(wanted[n] is None for n in RAMP_OPTIONS):
        return "unknown"
    try:
        downtime, steps, delay = (int(float(wanted[n] or 0)) for n in RAMP_OPTIONS)
    except ValueError:
        return "unknown"
    size = (row.get("data_gb") or {}).get("value")
    # against another baseline, a size that assumed the row's own delay or timeout allows
    # checking only the step values (by index)
    trusted = _size_trusted(row)
    interval = (row.get("inferred") or {}).get("step_interval_s")
    variants = [row["variant"]] if row.get("variant") else ["linear-py3", "linear-py2"]
    logged = [(int(s.get("after_s") or 0), s.get("downtime_ms")) for s in observed]
    for variant in variants:
        try:
            ramp = downtime_steps(downtime, steps, delay, float(size or 1), variant)
        except ValueError:
            return "unknown"
        if _on_ramp(logged, ramp, trusted, interval):
            return "agree"
    return "disagree"


def _on_ramp(logged: Sequence[tuple[int, Any]], ramp: Sequence[Sequence[int]], trusted: bool,
             interval: Any) -> bool:
    if trusted:
        return all((a, v) in {(int(x), int(y)) for x, y in ramp} for a, v in logged)
    if interval:
        values = [int(y) for _, y in ramp]
        indices = [round(a / interval) for a, _ in logged]
        return all(i < len(values) and values[i] == v
                   for i, (_, v) in zip(indices, logged, strict=True))
    return all(v in {int(y) for _, y in ramp} for _, v in logged)


def _host_value(dump: Mapping[str, str] | None, inferred: tuple[Any, Any, Any] | None,
                name: str) -> str | None:
    if dump and name in dump:
        return norm(dump[name])
    if inferred and name in RAMP_OPTIONS:
        return norm(inferred[RAMP_OPTIONS.index(name)])
    return None


def _majority(votes: list[str]) -> dict[str, Any] | None:
    counted = Counter(votes).most_common()
    if not counted:
        return None
    value, n = counted[0]
    tie = len(counted) > 1 and counted[1][1] == n
    return {"value": None if tie else value, "votes": n, "of": len(votes),
            "tie": [v for v, k in counted if k == n] if tie else []}


def baseline(hosts: Mapping[str, dict[str, Any]], declared: Mapping[str, Any] | None,
             ) -> tuple[dict[str | None, dict[str, dict[str, Any]]], str]:
    """The baseline per release (key None: the whole fleet) and a sentence saying whence."""
    if declared is not None:
        values: dict[str, dict[str, Any]] = {
            name: {"value": norm(declared.get(name)), "votes": None, "of": None, "tie": []}
            for name in DRIFT_OPTIONS if declared.get(name) is not None}
        return {None: values}, "the declared configuration"
    by_release: dict[str | None, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for info in hosts.values():
        for name in DRIFT_OPTIONS:
            vote = _host_value(info["dump"], info["inferred"], name)
            if vote is not None:
                by_release[info["release"]][name].append(vote)
                by_release[None][name].append(vote)
    result: dict[str | None, dict[str, dict[str, Any]]] = {}
    for release, votes in by_release.items():
        if release is not None and max((len(v) for v in votes.values()), default=0) \
                < MIN_RELEASE_HOSTS:
            continue
        result[release] = {name: m for name, v in votes.items() if (m := _majority(v))}
    voters = sum(1 for info in hosts.values()
                 if info["dump"] or info["inferred"])
    return result, (f"the fleet's majority per release (start-up dumps and inferred ramps of "
                    f"{voters} host(s); releases with fewer than {MIN_RELEASE_HOSTS} such "
                    "hosts use the whole fleet's majority)")


def _history(dumps: Sequence[Any]) -> list[dict[str, Any]]:
    """Each start-up dump with the drift options it changed."""
    history: list[dict[str, Any]] = []
    before: dict[str, Any] = {}
    for dump in dumps:
        values = {n: norm(dump.values[n]) for n in DRIFT_OPTIONS if n in dump.values}
        changed = {SHORT[n]: v for n, v in values.items() if before.get(n) != v}
        history.append({"when": str(dump.when) if dump.when is not None else None,
                        "where": f"{dump.file}:{dump.line}", "changed": changed})
        before.update(values)
    return history


def fleet_drift(rows: Sequence[Mapping[str, Any]], records: Iterable[Mapping[str, Any]],
                declared: Mapping[str, Any] | None) -> dict[str, Any]:
    """The drift table: baseline, per host its options (baseline vs running vs inferred with
    alternatives) and ramp checks, and whether it drifted (with the reasons)."""
    facts = host_facts(r for r in records if r["kind"] in ("config_dump", "config_option",
                                                             "config_files", "compute_start"))
    by_host: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        if row.get("source_host"):
            by_host[row["source_host"]].append(row)
    names = sorted(set(by_host) | {h for h, f in facts.items() if f.dumps and h != "unknown"})
    hosts: dict[str, dict[str, Any]] = {}
    for host in names:
        mine = by_host.get(host, [])
        dump = facts[host].dump_before(None) if host in facts else None
        inferred = _inferences(mine)
        hosts[host] = {"rows": mine, "release": _host_release(mine),
                       "dump": dump.values if dump else None, "dump_where": dump.where
                       if dump else None, "inferences": inferred,
                       "inferred": inferred.most_common(1)[0][0] if inferred else None,
                       "history": _history(facts[host].dumps) if host in facts else []}
    bases, source = baseline(hosts, declared)
    table = [_host_row(host, info, bases.get(info["release"]) or bases.get(None) or {},
                       declared is not None)
             for host, info in hosts.items()]
    table.sort(key=lambda h: (not h["drifted"], -h["disagree"], h["host"]))
    return {"source": source, "declared": declared is not None,
            "baseline": {str(k): {SHORT[n]: v for n, v in b.items()} for k, b in bases.items()
                         if k is not None},
            "fleet_baseline": {SHORT[n]: v for n, v in (bases.get(None) or {}).items()},
            "hosts": table, "drifted": [h["host"] for h in table if h["drifted"]]}


def _host_row(host: str, info: dict[str, Any], base: Mapping[str, dict[str, Any]],
              declared: bool) -> dict[str, Any]:
    wanted = {name: (base.get(name) or {}).get("value") for name in DRIFT_OPTIONS}
    checks = Counter(ramp_check(r, wanted) for r in info["rows"])
    options, reasons = [], []
    inferred_rows = [r["inferred"] for r in info["rows"]
                     if (r.get("inferred") or {}).get("downtime") is not None]
    for name in DRIFT_OPTIONS:
        running = norm(info["dump"].get(name)) if info["dump"] and name in info["dump"] else None
        guess = info["inferred"][RAMP_OPTIONS.index(name)] if info["inferred"] and \
            name in RAMP_OPTIONS else None
        alternatives: list[str] = []
        sure = None
        if guess is not None:
            distinct = sorted({norm(k[RAMP_OPTIONS.index(name)]) or "—"
                               for k in info["inferences"]})
            alternatives = [v for v in distinct if v != norm(guess)]
            if name in RAMP_OPTIONS[:2]:
                for inferred in inferred_rows:
                    for alt in inferred.get("alternatives") or []:
                        value = alt.get("steps") if name.endswith("steps") else \
                            "–".join(str(x) for x in sorted(set(alt.get("downtime_range")
                                                                or [])))
                        if value is not None and str(value) not in alternatives \
                                and norm(value) != norm(guess):
                            alternatives.append(str(value))
            sure = (f"{info['inferences'].most_common(1)[0][1]} of "
                    f"{sum(info['inferences'].values())} inferring migration(s)")
        want = wanted[name]
        differs_running = want is not None and running is not None and running != want
        differs_inferred = (want is not None and guess is not None and norm(guess) != want
                            and not (name in RAMP_OPTIONS[:2] and all(
                                _consistent(i, wanted[RAMP_OPTIONS[0]],
                                            wanted[RAMP_OPTIONS[1]]) for i in inferred_rows)))
        if differs_running:
            reasons.append(f"{SHORT[name]} {running} (start-up dump) vs {want}")
        elif differs_inferred:
            reasons.append(f"{SHORT[name]} ≈{norm(guess)} (inferred) vs {want}")
        options.append({"option": name, "short": SHORT[name], "baseline": want,
                        "baseline_votes": (base.get(name) or {}).get("votes"),
                        "baseline_of": (base.get(name) or {}).get("of"),
                        "baseline_tie": (base.get(name) or {}).get("tie") or [],
                        "running": running, "inferred": norm(guess),
                        "alternatives": alternatives, "sure": sure,
                        "differs": differs_running or differs_inferred})
    disagree, agree = checks.get("disagree", 0), checks.get("agree", 0)
    if disagree and disagree >= agree:
        reasons.append(f"{disagree} of {disagree + agree} checked ramp(s) off the baseline ramp")
    return {"host": host, "release": info["release"], "migrations": len(info["rows"]),
            "running_source": info["dump_where"], "agree": agree, "disagree": disagree,
            "unchecked": checks.get("unknown", 0),
            "mismatches": sum(1 for r in info["rows"] if r.get("ramp_verdict") == "mismatch"),
            "options": options, "history": info["history"], "reasons": reasons,
            "drifted": bool(reasons), "declared": declared}

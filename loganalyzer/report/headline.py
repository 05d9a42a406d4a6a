"""The report's headline: what needs action and where, in a few lines.

It names the hosts whose running configuration differs from the baseline (and only those);
failures by error class, completion timeouts, guests paused or switched to post-copy (by
instance), and findings grouped by code are counted, each linking to the rows behind it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from loganalyzer.report.stats import error_class, number

ACTION_SEVERITIES = ("error", "warning")
MAX_NAMED = 40  # hosts named in full; more are counted (the drift table lists them all)
MAX_GUESTS = 6

# how a pause figure was obtained (switchover.evidence), said plainly on the page
TIERS = {"qemu-events": "measured by QEMU (STOP → RESUME)",
         "lifecycle-events": "estimated from nova's lifecycle events"}


def _join(items: Sequence[str]) -> str:
    return ", ".join(items)


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def findings_by_code(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Errors and warnings grouped by code: how many, in how many migrations, on which hosts
    (counted per host), most frequent first."""
    counts: Counter[str] = Counter()
    migrations: Counter[str] = Counter()
    hosts: dict[str, Counter[str]] = defaultdict(Counter)
    severity: dict[str, str] = {}
    for row in rows:
        seen = set()
        for finding in row.get("findings") or []:
            if finding.get("severity") not in ACTION_SEVERITIES:
                continue
            code = finding["code"]
            counts[code] += 1
            severity[code] = finding["severity"]
            hosts[code][row.get("source_host") or "unknown host"] += 1
            if code not in seen:
                migrations[code] += 1
                seen.add(code)
    return [{"code": code, "severity": severity[code], "count": n,
             "migrations": migrations[code], "hosts": dict(hosts[code].most_common())}
            for code, n in counts.most_common()]


def headline(rows: Sequence[Mapping[str, Any]], drift: Mapping[str, Any]) -> dict[str, Any]:
    """Lines of the headline, each ``{"level", "text", "links": [{"text", "href"}], "tail"}``;
    ``hosts`` are the hosts it names as needing action."""
    lines: list[dict[str, Any]] = []
    drifted = [h for h in drift["hosts"] if h["drifted"]]
    hosts = [h["host"] for h in drifted]
    checked = len(drift["hosts"])
    if drifted:
        named = drifted[:MAX_NAMED]
        lines.append({
            "level": "error",
            "text": f"{len(drifted)} of {checked} hosts {'runs' if len(drifted) == 1 else 'run'} "
                    f"a configuration that differs from the baseline ({drift['source']}):",
            "links": [{"text": h["host"], "href": "#host=" + quote(h["host"], safe=""),
                       "note": "; ".join(h["reasons"][:2])} for h in named],
            "tail": (f"and {len(drifted) - len(named)} more in the drift table"
                     if len(drifted) > len(named) else "")})
    elif checked:
        lines.append({"level": "ok", "text": f"All {checked} hosts with configuration evidence "
                      f"run the baseline ({drift['source']}).", "links": [], "tail": ""})
    failed = [r for r in rows if r.get("outcome") == "failed"]
    if failed:
        classes = Counter(error_class(r) or "no error logged" for r in failed)
        lines.append({"level": "error", "text": f"{_plural(len(failed), 'migration')} failed: "
                      + _join([f"{c} ×{n}" for c, n in classes.most_common()]),
                      "links": [{"text": "show them", "href": "#outcome=failed", "note": ""}],
                      "tail": ""})
    timeouts = [r for r in rows if r.get("timeout_hit")]
    if timeouts:
        outcomes = Counter(r.get("outcome") for r in timeouts)
        lines.append({"level": "warning", "text": f"{_plural(len(timeouts), 'migration')} "
                      "ran past live_migration_completion_timeout: "
                      + _join([f"{o} {n}" for o, n in outcomes.most_common()]),
                      "links": [{"text": "show them", "href": "#flag=timeout", "note": ""}],
                      "tail": ""})
    for flag, what in (("paused", "paused by force-complete (the guest stops until the copy "
                        "ends)"), ("post_copy", "switched to post-copy")):
        mine = [r for r in rows if r.get(flag)]
        if not mine:
            continue
        links = []
        for r in mine[:MAX_GUESTS]:
            sw = r.get("switchover") or {}
            tier = TIERS.get(sw.get("evidence") or "lifecycle-events", "")
            note = (f"pause ≈ {number(sw['seconds'], 's')} ± "
                    f"{number(sw['uncertainty_s'], 's')}, {tier}"
                    if sw.get("seconds") is not None and sw.get("uncertainty_s") is not None
                    else f"pause ≈ {number(sw['seconds'], 's')}, {tier}"
                    if sw.get("seconds") is not None
                    else "no pause estimate: the destination's resume was not logged")
            links.append({"text": (r.get("instance") or "?")[:8],
                          "href": "#m=" + quote(r.get("instance") or "", safe=""),
                          "note": note})
        lines.append({"level": "warning",
                      "text": f"{_plural(len(mine), 'guest')} {what}:", "links": links,
                      "tail": f"and {len(mine) - MAX_GUESTS} more" if len(mine) > MAX_GUESTS
                      else ""})
    grouped = findings_by_code(rows)
    if grouped:
        lines.append({"level": "info", "text": "Findings: " + _join(
            [f"{g['code']} ×{g['count']} ({_plural(len(g['hosts']), 'host')})"
             for g in grouped[:6]]) + (f", {len(grouped) - 6} more codes"
                                       if len(grouped) > 6 else ""),
            "links": [{"text": "by host", "href": "#findings", "note": ""}], "tail": ""})
    if not any(line["level"] in ("error", "warning") for line in lines):
        lines.insert(0, {"level": "ok", "text": "Nothing needs action: "
                         f"{_plural(len(rows), 'migration')}, none failed, no drifted host, "
                         "no completion timeout, no paused or post-copy guest.",
                         "links": [], "tail": ""})
    return {"lines": lines, "hosts": hosts, "findings": grouped}

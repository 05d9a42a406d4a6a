"""Lines of ``watch``: one per finished migration (JSON: exactly the ``migrations`` JSON
object) or per host finding (JSON: ``{"host_finding": {...}}``); ``table``: one line a
person reads."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from loganalyzer.output.migrations_out import duration, public

__all__ = ["host_finding_line", "migration_line", "public"]


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


def migration_line(row: Mapping[str, Any], fmt: str) -> str:
    """One finished migration."""
    data = public(dict(row))
    if fmt == "json":
        return _json(data)
    flags = [name for name, on in (("timeout", data.get("timeout_hit")),
                                   ("post-copy", data.get("post_copy")),
                                   ("paused", data.get("paused"))) if on]
    final = data.get("final_downtime_ms")
    codes = sorted({f["code"] for f in data.get("findings") or []
                    if f.get("severity") in ("warning", "error")})
    parts = [
        str(data.get("end") or data.get("start") or "-"),
        f"{data.get('source_host') or '?'} → {data.get('dest_host') or '?'}",
        str(data.get("instance") or "-"),
        str(data.get("outcome")),
        duration(data),  # a lower bound rounded down, as migrations' table rounds it
        f"ramp {data.get('ramp_verdict')}",
        f"final {final} ms" if final is not None else "no step",
    ]
    if flags:
        parts.append(",".join(flags))
    if codes:
        parts.append("findings: " + ", ".join(codes))
    return "  ".join(parts)


def host_finding_line(finding: Mapping[str, Any], fmt: str) -> str:
    """One finding about a host (its running configuration)."""
    if fmt == "json":
        return _json({"host_finding": dict(finding)})
    return (f"{finding.get('time') or '-'}  {finding['host']}  {finding['severity']} "
            f"{finding['code']}: {finding['message']}")

"""The guest's pause in ``show``: the figure, its evidence tier and uncertainty, and what
libvirt/QEMU logged (the limits QEMU held, QEMU's own downtime, the memory copy)."""

from __future__ import annotations

from typing import Any

TIERS = {"qemu-events": "measured by QEMU",
         "lifecycle-events": "estimated from nova's lifecycle events"}


def tier(switchover: dict[str, Any]) -> str:
    """How the pause was obtained, in words."""
    return TIERS.get(str(switchover.get("evidence") or "lifecycle-events"), TIERS[
        "lifecycle-events"])


def pause(out: Any, row: dict[str, Any]) -> None:
    """Print the switchover (guest pause) block of one migration."""
    from rich.table import Table

    sw = row.get("switchover")
    if sw:
        spread = sw.get("uncertainty_s")
        plus = f" ± {spread} s" if spread is not None else " (uncertainty unbounded)"
        out.print(f"guest pause ({tier(sw)}): {sw['seconds']} s{plus}, from {sw['start']} "
                  f"to {sw['end']}")
        out.print(f"  clock offset destination − source {sw.get('clock_offset_s')} s; "
                  f"{sw.get('basis')}; {sw.get('note')}")
        if sw.get("evidence") == "qemu-events":
            out.print(f"  at least {sw.get('lower_bound_s')} s (the source's STOP to its "
                      "MIGRATION completed, or QEMU's downtime figure)")
            if sw.get("lifecycle_seconds") is not None:
                out.print(f"  nova's lifecycle events alone would say {sw['lifecycle_seconds']} s")
    elif row.get("qemu_downtime_ms") is None:
        out.print("guest pause: not known (no lifecycle events or QEMU events on both hosts)")
    qemu = row.get("qemu") or {}
    if row.get("qemu_downtime_ms") is not None:
        out.print(f"QEMU's own downtime figure: {row['qemu_downtime_ms']} ms (measured on the "
                  "source only: a lower bound of the pause)")
    if row.get("qemu_downtime_limit_ms") is not None:
        out.print(f"downtime limit QEMU held when the guest stopped: "
                  f"{row['qemu_downtime_limit_ms']} ms ({qemu.get('downtime_limit_source')})")
    if qemu:
        out.print(f"libvirt/QEMU evidence joined by {qemu.get('joined_by')}; clocks: "
                  + "; ".join(qemu.get("clocks") or []))
    limits = qemu.get("downtime_limits") or []
    if limits:
        table = Table(title="downtime limits libvirt sent to QEMU")
        for name in ("time", "ms", "command", "accepted"):
            table.add_column(name)
        for change in limits:
            accepted = {True: "yes", False: f"no: {change.get('error')}", None: "no reply"}
            table.add_row(str(change["time"]), str(change["downtime_ms"]), change["command"],
                          accepted[change.get("ok")])
        out.print(table)
    history = row.get("memory_history") or []
    if history:
        last = history[-1]
        replies = qemu.get("query_migrate_replies") or len(history)
        out.print(f"memory copy: {replies} query-migrate replies ({len(history)} kept); last "
                  f"at {last['time']}: "
                  f"{last['remaining_bytes']} bytes remaining, {last['dirty_pages_rate']} "
                  f"dirty pages/s, {last['mbps']} Mbps")
    for problem in qemu.get("problems") or []:
        out.print(f"  QEMU/libvirt: {problem}")

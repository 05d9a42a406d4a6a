"""``verify``: whether the selected migrations show the configuration in force, as a verdict
the command line only prints.

A migration is *verified* when something was checked against the configuration: its logged
downtime ramp (``ramp_verdict`` match or mismatch), or a check that failed. It *fails* for a
reason from :data:`REASONS` (a ramp that does not match, a running configuration that differs
from the declared one, a completion-timeout limit the configuration cannot produce, behaviour
the configuration cannot produce, a configuration that could not be determined). A check that
checked nothing does not pass: the verdict is "nothing verified" (exit 1) unless the caller
allows an empty selection.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# finding code or ramp verdict -> the reason, as every view of the verdict words it
REASONS: dict[str, str] = {
    "mismatch": "ramp mismatch",
    "unknown_config": "configuration unknown",
    "running-config-differs": "running configuration differs",
    "timeout-limit-mismatch": "timeout limit mismatch",
    "config-implied-by-behaviour": "behaviour contradicts configuration",
}
RAMP_CHECKED = ("match", "mismatch")


@dataclass(frozen=True)
class Failure:
    """One migration that failed, and why (reasons in :data:`REASONS` words)."""

    migration: Mapping[str, Any]
    reasons: tuple[str, ...]


@dataclass
class HostTally:
    """What ``verify`` found for one source host."""

    migrations: int = 0
    verified: int = 0
    passed: int = 0
    failed: int = 0
    not_verified: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        return {"migrations": self.migrations, "verified": self.verified,
                "passed": self.passed, "failed": self.failed,
                "not_verified": self.not_verified, "reasons": dict(self.reasons)}


@dataclass
class Verdict:
    """The outcome of :func:`verify`: what was selected, verified, passed and failed."""

    selected: int
    verified: int
    failures: list[Failure]
    hosts: dict[str, HostTally]
    allow_empty: bool = False

    @property
    def nothing_verified(self) -> bool:
        return self.verified == 0

    @property
    def ok(self) -> bool:
        return not self.failures and (not self.nothing_verified or self.allow_empty)

    @property
    def reasons(self) -> Counter[str]:
        return Counter(r for f in self.failures for r in f.reasons)

    @property
    def not_verified(self) -> int:
        return self.selected - self.verified

    def line(self) -> str:
        """The one-line conclusion (the same words as the per-host table)."""
        if self.failures:
            why = ", ".join(f"{reason} {n}" for reason, n in self.reasons.most_common())
            return (f"FAILED: {len(self.failures)} of {self.verified} verified migrations "
                    f"failed ({why}); {self.selected} selected")
        if self.nothing_verified:
            prefix = "OK (--allow-empty): " if self.allow_empty else ""
            what = ("no migration selected" if self.selected == 0 else
                    f"{self.selected} migration{'s' if self.selected != 1 else ''} selected, "
                    "none with a downtime ramp")
            return f"{prefix}nothing verified: {what}"
        rest = f", {self.not_verified} not verified (no downtime ramp)" \
            if self.not_verified else ""
        return f"OK: {self.verified} of {self.selected} migrations verified, all passed{rest}"

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "result": self.line(), "selected": self.selected,
                "verified": self.verified, "passed": self.verified - len(self.failures),
                "failed": len(self.failures), "not_verified": self.not_verified,
                "nothing_verified": self.nothing_verified,
                "reasons": dict(self.reasons),
                "hosts": {h: t.to_json() for h, t in sorted(self.hosts.items())}}


def reasons_of(migration: Mapping[str, Any]) -> tuple[str, ...]:
    """Why one migration fails verification (empty: it does not)."""
    found = []
    verdict = migration.get("ramp_verdict")
    if verdict in REASONS:
        found.append(REASONS[verdict])
    codes = {f.get("code") for f in migration.get("findings") or ()}
    for code, reason in REASONS.items():
        if code in codes and reason not in found:
            found.append(reason)
    return tuple(found)


def verify(migrations: Sequence[Mapping[str, Any]], allow_empty: bool = False) -> Verdict:
    """The verdict on ``migrations`` (the rows of :func:`migrations.analyse`, selected).

    Passes only when at least one migration was verified and none failed; with
    ``allow_empty`` a selection where nothing could be verified passes too.
    """
    failures: list[Failure] = []
    hosts: dict[str, HostTally] = {}
    verified = 0
    for row in migrations:
        tally = hosts.setdefault(str(row.get("source_host") or row.get("dest_host") or "?"),
                                 HostTally())
        tally.migrations += 1
        reasons = reasons_of(row)
        if reasons or row.get("ramp_verdict") in RAMP_CHECKED:
            verified += 1
            tally.verified += 1
        else:
            tally.not_verified += 1
            continue
        if reasons:
            failures.append(Failure(row, reasons))
            tally.failed += 1
            tally.reasons.update(reasons)
        else:
            tally.passed += 1
    return Verdict(len(migrations), verified, failures, hosts, allow_empty)

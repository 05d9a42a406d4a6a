"""Findings: sentences with numbers, a stable code and a severity."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

SEVERITIES = ("info", "warning", "error")


@dataclass(frozen=True)
class Code:
    """A finding code: its usual severity and what it means to an operator."""

    code: str
    severity: str
    meaning: str


# Every code the project emits, in one place: README's table and the report's legend are
# built from it, and a test checks that nothing emits a code missing here.
CODES: dict[str, Code] = {c.code: c for c in (
    # configuration (lint)
    Code("no-ramp-in-release", "info", "the release has no downtime ramp (before Liberty)"),
    Code("ramp-exceeds-completion-timeout", "warning",
         "the ramp reaches its maximum only after the completion timeout"),
    Code("ramp-max-not-converged", "warning",
         "the guest is unlikely to converge even at the ramp's maximum"),
    Code("first-step-below-qemu-default", "info",
         "the first step is below QEMU's own 300 ms default"),
    Code("force-complete-pauses", "warning",
         "timeout_action=force_complete without post-copy pauses the guest"),
    Code("auto-converge-ignored", "info", "auto-converge is not used when post-copy is allowed"),
    Code("option-not-in-release", "warning", "an option that the chosen release does not have"),
    Code("completion-timeout-off", "warning", "live_migration_completion_timeout is 0 (off)"),
    Code("progress-timeout-deprecated", "info", "live_migration_progress_timeout is deprecated"),
    Code("value-at-minimum", "info", "a value at nova's minimum"),
    Code("value-clamped", "warning", "a value below the minimum that nova clamps"),
    Code("bandwidth-unlimited", "info", "live_migration_bandwidth 0: no cap"),
    Code("value-beyond-model", "error",
         "a value beyond anything nova could run with (the model stops there)"),
    # one migration: the ramp
    Code("step-value-mismatch", "error", "a logged step's value differs from the prediction"),
    Code("step-time-mismatch", "error", "a logged step at a time the predicted ramp has none"),
    Code("step-late", "warning", "a step applied late: the monitor loop was stalled"),
    Code("step-early", "error", "a step logged before it was due"),
    Code("extra-steps", "error", "more steps logged than the ramp has"),
    Code("step-missing", "error", "a step that should have been applied was not"),
    Code("steps-skipped", "info", "steps skipped by a late monitor, as nova does (Newton+)"),
    Code("step-list-mismatch", "error", "nova's own DEBUG step list differs from the prediction"),
    Code("variant-matched", "info", "which ramp arithmetic the logged ramp matches"),
    Code("config-inferred", "info", "the configuration the logged ramp implies"),
    Code("config-implied-by-behaviour", "warning",
         "the log proves an option value the configuration in force does not have"),
    # one migration: configuration, size, timeout, outcome
    Code("running-config-differs", "warning", "the host runs another configuration than declared"),
    Code("dump-value-invalid", "warning", "a start-up dump value that nova would not accept"),
    Code("data-gb-sources-disagree", "warning", "the guest-size evidence disagrees"),
    Code("config-from-defaults", "info",
         "no configuration given or dumped: the release's defaults were used (named)"),
    Code("timeout-limit-mismatch", "error",
         "nova's printed completion-timeout limit differs from the configuration's"),
    Code("completion-timeout-hit", "warning", "the completion timeout was reached"),
    Code("post-copy-switch", "info", "the migration switched to post-copy"),
    Code("force-complete-paused", "warning", "the guest was paused to force completion"),
    # the log itself
    Code("log-starts-mid-migration", "info", "the log begins after the migration started"),
    Code("log-ends-mid-migration", "info", "the log ends before the migration ended"),
    Code("no-outcome-before-next", "warning", "a migration without an outcome before the next"),
    Code("destination-only", "info", "only the destination's lines are in the input"),
    Code("clock-constraints-inconsistent", "warning",
         "the two hosts' clocks cannot satisfy the orderings nova's lines imply"),
    Code("nothing-verified", "error", "verify selected nothing it could check"),
    # libvirt and QEMU evidence
    Code("step-not-applied", "error", "a nova step that libvirt never sent to QEMU"),
    Code("step-applied-late", "warning", "a nova step that libvirt sent to QEMU late"),
    Code("pause-exceeds-limit", "warning", "the guest's real pause exceeded the limit in force"),
    Code("downtime-set-failed", "warning", "nova could not raise the max downtime"),
    Code("qemu-downtime-post-copy", "info",
         "post-copy: QEMU's downtime is the switch only; the guest then stalls on pages"),
    Code("qemu-downtime-paused", "info",
         "force-complete paused the guest: STOP to RESUME is the real pause"),
    Code("dest-clock-behind", "info",
         "the destination's clock was behind; the pause is corrected by the clock offset"),
    Code("note", "info", "a note on how a value was obtained"),
)}


@dataclass(frozen=True)
class Finding:
    """One thing worth telling an operator. ``code`` is stable across versions."""

    code: str
    severity: str  # info | warning | error
    message: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def markdown_table() -> str:
    """The README's table of finding codes (a test checks the README holds exactly this)."""
    rows = [f"| `{c.code}` | {c.severity} | {c.meaning} |" for c in CODES.values()]
    return "\n".join(["| code | severity | meaning |", "|---|---|---|", *rows])


def worst(findings: Iterable[Finding]) -> str | None:
    """The highest severity among ``findings`` (None when there are none)."""
    ranks = [SEVERITIES.index(f.severity) for f in findings]
    return SEVERITIES[max(ranks)] if ranks else None


def has_warnings(findings: Iterable[Finding]) -> bool:
    """True when anything is a warning or an error: what makes a checking command exit 1."""
    return any(f.severity != "info" for f in findings)

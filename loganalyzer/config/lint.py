"""``lint``: what a configuration will do to guests of given sizes, before any migration runs.

Each rule cites the nova behaviour it rests on (docs/nova.md §3, §5, §6).
"""

from __future__ import annotations

from collections.abc import Sequence

from loganalyzer.config.load import EffectiveConfig
from loganalyzer.config.prediction import GuestSize, Model, Prediction, predict
from loganalyzer.findings import Finding
from loganalyzer.nova.options import BY_NAME, beyond_model

QEMU_DEFAULT_DOWNTIME_MS = 300  # QEMU's own max downtime when nothing sets it


def lint(model: Model, config: EffectiveConfig, guests: Sequence[GuestSize]) -> list[Finding]:
    """Findings for ``config`` under ``model``, size-dependent ones checked per guest."""
    findings = _config_findings(model, config)
    if model.variant is None:
        findings.append(Finding(
            "no-ramp-in-release", "info",
            f"{model.release.label} has no downtime ramp: it arrived in Liberty 12.0.0",
        ))
        return findings
    too_long = beyond_model("live_migration_downtime_steps",
                            config.value("live_migration_downtime_steps"))
    if too_long:  # no ramp to check per guest size
        findings.append(Finding("value-beyond-model", "error", too_long + "."))
        return findings
    per_size: dict[str, list[tuple[GuestSize, Finding]]] = {}
    for guest in guests:
        for finding in _size_findings(predict(model, config, guest)):
            per_size.setdefault(finding.code, []).append((guest, finding))
    for entries in per_size.values():
        guest, first = entries[0]
        message = f"For data_gb {guest.data_gb:g}: {first.message}"
        if len(entries) > 1:
            others = ", ".join(f"{g.data_gb:g}" for g, _ in entries[1:])
            message += f" Likewise for data_gb {others}."
        findings.append(Finding(first.code, first.severity, message))
    return findings


def _config_findings(model: Model, config: EffectiveConfig) -> list[Finding]:
    release = model.release
    value = config.value
    out: list[Finding] = []
    for name, source, raw in config.unknown_in_release:
        out.append(Finding(
            "option-not-in-release", "warning",
            f"{name} = {raw} ({source}) does not exist in {release.label}: nova ignores it.",
        ))
    for note in config.notes:
        out.append(Finding("value-clamped", "warning", note + "."))
    for spec in BY_NAME.values():
        setting = config.settings.get(spec.name)
        minimum = spec.min_in(release)
        if setting is None or minimum is None or setting.value != minimum:
            continue
        if setting.source.startswith("default for"):
            continue
        out.append(Finding(
            "value-at-minimum", "info",
            f"{spec.name} = {setting.value} ({setting.source}) is at nova's minimum for "
            f"{release.label}.",
        ))
    if (release.has_timeout_action
            and value("live_migration_timeout_action") == "force_complete"
            and not value("live_migration_permit_post_copy")):
        out.append(Finding(
            "force-complete-pauses", "warning",
            "live_migration_timeout_action = force_complete without "
            "live_migration_permit_post_copy pauses the guest when the completion timeout "
            "hits: it stays paused until the remaining memory is copied (seconds to minutes "
            "of downtime, not milliseconds), and nova re-issues the pause every 0.5 s.",
        ))
    if value("live_migration_permit_auto_converge") and value("live_migration_permit_post_copy"):
        out.append(Finding(
            "auto-converge-ignored", "warning",
            "live_migration_permit_auto_converge is ignored while "
            "live_migration_permit_post_copy is set and post-copy is available: nova adds "
            "VIR_MIGRATE_AUTO_CONVERGE only when post-copy is not enabled.",
        ))
    if release.has_downtime_steps and value("live_migration_completion_timeout") == 0:
        out.append(Finding(
            "completion-timeout-off", "warning",
            "live_migration_completion_timeout = 0 turns the timeout off: a migration that "
            "never converges runs until someone aborts it.",
        ))
    progress = value("live_migration_progress_timeout")
    if progress and release.major >= 15:
        out.append(Finding(
            "progress-timeout-deprecated", "warning",
            f"live_migration_progress_timeout = {progress}: deprecated in Ocata 15.0.0 "
            "(\"Serious bugs found in this feature\") and removed in Stein 19.0.0; it can "
            "abort migrations that are still progressing.",
        ))
    if value("live_migration_bandwidth") == 0:
        out.append(Finding(
            "bandwidth-unlimited", "info",
            "live_migration_bandwidth = 0: nova sets no cap, so the hypervisor's default "
            "applies (effectively unlimited with current libvirt/QEMU).",
        ))
    return out


def _size_findings(pred: Prediction) -> list[Finding]:
    out: list[Finding] = []
    _, first_ms = pred.steps[0]
    if first_ms < QEMU_DEFAULT_DOWNTIME_MS and len(pred.steps) > 1:
        out.append(Finding(
            "first-step-below-qemu-default", "info",
            f"the first step allows {first_ms} ms, below QEMU's default of "
            f"{QEMU_DEFAULT_DOWNTIME_MS} ms, for the first {pred.steps[1][0]} s: short "
            "migrations of busy guests converge later than they would without nova's ramp.",
        ))
    late = pred.late_steps()
    if late:
        action = pred.config.value("live_migration_timeout_action") or "abort"
        first_index, (first_late_after, first_late_ms) = late[0]
        consequence = {
            "abort": "the migration is cancelled then, so these steps can never apply",
            "force_complete": "force-complete (post-copy or pause) happens first, so these "
            "steps never help pre-copy converge",
        }[action]
        out.append(Finding(
            "ramp-exceeds-completion-timeout", "warning",
            f"the ramp reaches its maximum {pred.ramp_max_ms} ms at {pred.ramp_end_s} s, "
            f"after the completion timeout at {pred.completion_timeout_s} s; steps "
            f"{first_index}–{len(pred.steps) - 1} ({first_late_ms}–{pred.ramp_max_ms} ms, due "
            f"from {first_late_after} s) come too late: {consequence}.",
        ))
    return out

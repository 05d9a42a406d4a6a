"""Findings: sentences with numbers, a stable code and a severity."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

SEVERITIES = ("info", "warning", "error")


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


def worst(findings: Iterable[Finding]) -> str | None:
    """The highest severity among ``findings`` (None when there are none)."""
    ranks = [SEVERITIES.index(f.severity) for f in findings]
    return SEVERITIES[max(ranks)] if ranks else None


def has_warnings(findings: Iterable[Finding]) -> bool:
    """True when anything is a warning or an error: what makes a checking command exit 1."""
    return any(f.severity != "info" for f in findings)

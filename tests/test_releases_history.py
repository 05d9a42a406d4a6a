"""Release switches read from nova's history (docs/nova-history.md)."""

from __future__ import annotations

from loganalyzer.nova.options import BY_NAME
from loganalyzer.nova.releases import RELEASES, parse_release


def test_reraised_operation_errors_from_32_2_and_33():
    """bf1201cc57 (future.result() after the monitor): 32.2.0 on 2025.2, and 33.0.0 on."""
    flamingo = parse_release("2025.2").release
    assert not flamingo.reraises_operation_errors(0)
    assert not flamingo.reraises_operation_errors(1)
    assert flamingo.reraises_operation_errors(2)
    assert parse_release("2026.1").release.reraises_operation_errors()
    assert not parse_release("2025.1").release.reraises_operation_errors(3)


def test_default_progress_timeout_agrees_with_the_option_table():
    option = BY_NAME["live_migration_progress_timeout"]
    for release in RELEASES:
        expected = option.default_in(release) if option.exists_in(release) else 0
        assert release.default_progress_timeout_s == (expected or 0), release.label
    assert parse_release("newton").release.default_progress_timeout_s == 150
    assert parse_release("ocata").release.default_progress_timeout_s == 0

"""The release table: names, numbers, Python, variants and message-form switches."""

from __future__ import annotations

import pytest

from loganalyzer.nova.options import BY_NAME
from loganalyzer.nova.releases import RELEASES, UnknownRelease, Variant, parse_release


@pytest.mark.parametrize(("text", "major", "minor"), [
    ("train", 20, None), ("Train", 20, None), ("20", 20, None), ("20.4.1", 20, 4),
    ("2023.1", 27, None), ("antelope", 27, None), ("27.0.0", 27, 0), ("2026.1", 33, None),
    ("gazpacho", 33, None), ("master", 34, None), ("kilo", 11, None), ("2015.1", 11, None),
    ("2014.2.3-31.el7ost", 10, None), ("2:21.2.3-0ubuntu1", 21, 2), ("12.0.0", 12, 0),
])
def test_parse_release(text, major, minor):
    ref = parse_release(text)
    assert ref.release.major == major
    assert ref.minor == minor


@pytest.mark.parametrize("text", ["", "banana", "99", "2031.1", "11"])
def test_unknown_release(text):
    with pytest.raises(UnknownRelease):
        parse_release(text)


def test_table_is_ordered_and_complete():
    majors = [r.major for r in RELEASES]
    assert majors == sorted(majors)
    assert majors[-1] == 34 and set(range(11, 35)) <= set(majors)


def test_python_eras():
    """py2 only up to Ocata; either for Pike–Train; py3 from Ussuri."""
    for r in RELEASES:
        if r.major <= 15:
            assert r.pythons == (2,)
        elif r.major <= 20:
            assert r.pythons == (2, 3)
        else:
            assert r.pythons == (3,)


@pytest.mark.parametrize(("major", "python", "variant"), [
    (11, None, None), (12, None, Variant.EXPONENTIAL), (14, None, Variant.EXPONENTIAL),
    (15, None, Variant.LINEAR_PY2), (18, 2, Variant.LINEAR_PY2), (18, 3, Variant.LINEAR_PY3),
    (20, None, Variant.LINEAR_PY2), (21, None, Variant.LINEAR_PY3), (34, None, Variant.LINEAR_PY3),
])
def test_variant_per_release(major, python, variant):
    release = parse_release(str(major) if major >= 12 else "kilo").release
    assert release.variant(python) == variant


def test_message_form_switches():
    rel = {r.major: r for r in RELEASES}
    assert not rel[12].downtime_message_has_space and rel[13].downtime_message_has_space
    assert rel[12].step_application == "pop" and rel[14].step_application == "update_downtime"
    assert not rel[19].progress_has_disk and rel[20].progress_has_disk
    assert not rel[22].progress_secs_is_elapsed and rel[23].progress_secs_is_elapsed
    assert rel[18].has_stuck_timeout and not rel[19].has_stuck_timeout
    assert rel[19].migration_completed_event(1) and not rel[19].migration_completed_event(0)
    assert rel[21].migration_completed_event() and not rel[18].migration_completed_event(5)
    assert rel[18].source_context_lost and not rel[27].source_context_lost
    assert [r.clamp_policy for r in (rel[12], rel[15], rel[16])] == ["silent", "warn", "reject"]


def test_option_history():
    rel = {r.major: r for r in RELEASES}
    progress = BY_NAME["live_migration_progress_timeout"]
    assert progress.default_in(rel[14]) == 150 and progress.default_in(rel[15]) == 0
    assert progress.exists_in(rel[18]) and not progress.exists_in(rel[19])
    action = BY_NAME["live_migration_timeout_action"]
    assert not action.exists_in(rel[18]) and action.default_in(rel[19]) == "abort"
    delay = BY_NAME["live_migration_downtime_delay"]
    assert delay.clamp_in(rel[15]) == 10 and delay.min_in(rel[15]) is None
    assert delay.min_in(rel[16]) == 3 and delay.clamp_in(rel[16]) is None
    assert BY_NAME["live_migration_permit_post_copy"].exists_in(rel[14])
    assert not BY_NAME["live_migration_permit_post_copy"].exists_in(rel[13])
    assert BY_NAME["live_migration_tunnelled"].default_in(rel[13]) is None
    assert BY_NAME["live_migration_tunnelled"].default_in(rel[14]) is False

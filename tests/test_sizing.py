"""data_gb and the limits derived from it (docs/nova.md §4, §6)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loganalyzer.nova.sizing import GI, completion_timeout_s, data_gb, step_interval_s


@pytest.mark.parametrize("python", [2, 3])
def test_nova_plain(python):
    """test_live_migration_data_gb_plain: flavor 2048 MB, no disks -> 2."""
    assert data_gb(2048, python=python) == 2


@pytest.mark.parametrize("python", [2, 3])
def test_nova_block(python):
    """test_live_migration_data_gb_block: RAM 2 + 10 GiB disk + 1.5 GiB volume floored to 2."""
    assert data_gb(2048, [10 * GI, int(1.5 * GI)], python=python) == 14


def test_block_device_counts_two():
    """Block devices stat as 0 bytes, so each counts as 2 GiB."""
    assert data_gb(4096, [0, 0], python=3) == 8


@pytest.mark.parametrize(("mb", "py2", "py3"), [(2560, 2, 2.5), (1536, 2, 2), (6144, 6, 6.0),
                                                 (5000, 4, 5000 / 1024)])
def test_python2_floors(mb, py2, py3):
    assert data_gb(mb, python=2) == py2
    assert isinstance(data_gb(mb, python=2), int)
    assert data_gb(mb, python=3) == pytest.approx(py3)


def test_completion_timeout_limit():
    assert completion_timeout_s(800, 4) == 3200
    assert completion_timeout_s(800, 2) == 1600
    assert completion_timeout_s(800, 2.7) == 2160
    assert completion_timeout_s(0, 16) == 0


def test_step_interval():
    assert step_interval_s(75, 4) == 300
    assert step_interval_s(75, 2.5) == 187


@given(st.integers(min_value=1, max_value=4_000_000),
       st.lists(st.integers(min_value=0, max_value=2**44), max_size=5))
def test_floor_and_order(mb, disks):
    py2 = data_gb(mb, disks, python=2)
    py3 = data_gb(mb, disks, python=3)
    assert py2 <= py3
    assert py2 >= 2 + 2 * len(disks)
    assert py3 - py2 < 1 + len(disks)

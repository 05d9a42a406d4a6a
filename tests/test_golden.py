"""The answers on the sample logs and several real logs equal the committed golden files
(tests/golden/; regenerate with ``python -m tests.golden`` after an intended change)."""

from __future__ import annotations

import json

import pytest

from tests.golden import CASES, GOLDEN, current


@pytest.mark.parametrize("case", sorted(CASES))
def test_answers_equal_the_golden_file(case):
    path = GOLDEN / f"{case}.json"
    got = current(case)
    if got is None:
        pytest.skip("../shared/real_logs is not present")
    assert path.exists(), f"no golden file for {case}: run python -m tests.golden"
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert len(got) == len(expected)
    for index, (mine, golden) in enumerate(zip(got, expected, strict=True)):
        assert mine == golden, f"{case}: migration {index} ({golden.get('instance')})"

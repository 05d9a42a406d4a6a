"""Shared fixtures. Tests that read ../shared skip cleanly when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path | None:
    """``$LOGANALYZER_SHARED`` or ``../shared`` beside the repository, when present."""
    env = os.environ.get("LOGANALYZER_SHARED")
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared")
    for path in candidates:
        if (path / "real_logs").is_dir():
            return path
    return None


@pytest.fixture
def real_logs() -> Path:
    """The real-log folder of ../shared; the test is skipped when it is absent."""
    shared = shared_dir()
    if shared is None:
        pytest.skip("../shared/real_logs is not present (fresh clone outside CI)")
    return shared / "real_logs"


# Property tests check behaviour, not speed: no per-example deadline (CI machines vary).
from hypothesis import settings  # noqa: E402

settings.register_profile("loganalyzer", deadline=None)
settings.load_profile("loganalyzer")

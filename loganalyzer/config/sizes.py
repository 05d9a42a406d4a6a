"""Guest sizes as ``lint --memory-mb`` takes them: single sizes and MIN:MAX ranges."""

from __future__ import annotations

from collections.abc import Sequence

from loganalyzer.errors import InputError


def memory_sizes(values: Sequence[str]) -> list[int]:
    """``--memory-mb`` values and MIN:MAX ranges as the sizes lint checks: each end and every
    power of two between."""
    sizes: list[int] = []
    for text in values:
        low, sep, high = text.partition(":")
        try:
            lo = int(low)
            hi = int(high) if sep else lo
        except ValueError:
            raise InputError(
                f"--memory-mb {text}: not a number of MB or a MIN:MAX range"
            ) from None
        if lo <= 0 or hi < lo:
            raise InputError(f"--memory-mb {text}: sizes must be positive and MIN <= MAX")
        sizes.append(lo)
        power = 1
        while power <= lo:
            power *= 2
        while power < hi:
            sizes.append(power)
            power *= 2
        if hi != lo:
            sizes.append(hi)
    return sorted(set(sizes))

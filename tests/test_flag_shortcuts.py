"""Shortcuts in the flag pass that skip a median when the answer is known without it (issue 14,
fourth pass): the same answers as the full computation."""

from __future__ import annotations

import numpy as np

from wbr.analysis.flag_week import MIN_BASE_SHARE, _small_base


def _small_base_in_full(cy: np.ndarray, base: np.ndarray, start: int) -> bool:
    """_small_base as it was: every base against the median week."""
    read = np.isfinite(cy[start:]) & np.isfinite(base[start:])
    if not read.any():
        return False
    bases = base[start:][read]
    typical = float(np.median(np.abs(cy[start:][read])))
    return bool((bases <= 0).any() or (bases < MIN_BASE_SHARE * typical).any())


def test_small_base_answers_as_the_median_does() -> None:
    rng = np.random.default_rng(14)
    answers = set()
    for case in range(3000):
        n = int(rng.integers(1, 60))
        cy = rng.normal(100, 60, n) * rng.choice([1.0, 0.01, 1e6])
        base = rng.normal(100, 60, n) * rng.choice([1.0, 0.2, 1e-3])
        if case % 3 == 0:
            cy = np.abs(cy)
            base = np.abs(base) + 1
        for values in (cy, base):
            values[rng.random(n) < 0.15] = np.nan
        if case % 7 == 0:
            cy[rng.random(n) < 0.3] = 0.0
        if case % 11 == 0:
            base[: n // 2] = np.inf
        start = int(rng.integers(0, n))
        found = _small_base(cy, base, start)
        assert found == _small_base_in_full(cy, base, start), case
        answers.add(found)
    assert answers == {True, False}

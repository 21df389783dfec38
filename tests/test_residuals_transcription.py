"""The numpy transcription of statsmodels' STL (residuals.py) gives the same residuals, bit for
bit, so screening with it never changes a flag; a deck citing no day never imports statsmodels.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from wbr.analysis import residuals
from wbr.analysis.residuals import stl_residuals


def _windows(seed: int, count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        n = 7 * int(rng.integers(5, 14))  # 5 to 13 weeks, as residual_fit uses
        week = 1 + 0.2 * np.sin(np.arange(n) * 2 * np.pi / 7)
        kind = i % 5
        if kind == 0:
            x = np.log(100 * week * rng.lognormal(0, 0.05, n))
        elif kind == 1:  # a few wild days
            x = np.log(100 * week * rng.lognormal(0, 0.05, n))
            x[rng.integers(0, n, 3)] += rng.normal(0, 1, 3)
        elif kind == 2:  # heavy tails: robustness weights of zero
            x = rng.standard_cauchy(n)
        elif kind == 3:  # the scored week shifted
            x = np.log(100 * week * rng.lognormal(0, 0.05, n))
            x[-7:] += 0.5
        else:  # steps and ties
            x = rng.integers(0, 3, n).astype(float)
        out.append(x)
    out += [np.zeros(35), np.full(91, 5.0), np.tile(np.arange(7.0), 13)]
    return out


@pytest.mark.skipif(not residuals._transcription_checked(), reason="statsmodels not in STL_CHECKED")
def test_numpy_stl_is_statsmodels_stl_to_the_last_bit() -> None:
    for x in _windows(seed=1, count=400):
        assert np.array_equal(stl_residuals(x, "numpy"), stl_residuals(x, "statsmodels"))


def test_a_deck_without_an_unusual_day_does_not_import_statsmodels(tmp_path) -> None:
    script = (
        "import sys, numpy as np\n"
        "from wbr.analysis.residuals import stl_residuals\n"
        "stl_residuals(np.log(np.linspace(1, 2, 91)), 'numpy')\n"
        "print('statsmodels.tsa.seasonal' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(not residuals._transcription_checked())

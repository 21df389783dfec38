"""A young history's trend: each week against the robust line through the weeks just before it.

Owns the check that stands in for YoY while a metric has less than a year of history. Without
last year, XmR judges the raw weekly values against a level locked from the first weeks, so a
metric that grows, or that is rising into its season, trips its limits week after week. Here
each week is compared with the Theil-Sen line (median of pairwise slopes, robust to an unusual
week) through the TREND_WEEKS weeks before it, extrapolated one week: its forecast error. XmR
limits of those errors (xmr.py) say how far a week strays from its own recent trend by chance.
flags.py raises a raw signal of a young metric only when the errors show it too: a blizzard
week stands out from the trend, a steady climb does not.
"""

from __future__ import annotations

import numpy as np

# Weeks the line is fitted to: long enough that one odd week barely moves a median slope, short
# enough to follow a season's bend. Chosen on the development data (benchmarks/README.md).
TREND_WEEKS = 6


def trend_errors(values: np.ndarray, weeks: int = TREND_WEEKS) -> tuple[np.ndarray, np.ndarray]:
    """(error, forecast) of each week against the Theil-Sen line through the `weeks` before it.

    Logs for a positive series (errors are relative, forecasts in the metric's units). NaN where
    the window is incomplete or the week itself is missing.
    """
    x = np.asarray(values, dtype=float)
    log = bool(len(x)) and bool((x[~np.isnan(x)] > 0).all())
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(x) if log else x.copy()
    error = np.full(len(y), np.nan)
    forecast = np.full(len(y), np.nan)
    if len(y) <= weeks:
        return error, forecast
    windows = np.lib.stride_tricks.sliding_window_view(y[:-1], weeks)  # window i predicts i+weeks
    i, j = np.triu_indices(weeks, 1)
    slopes = (windows[:, j] - windows[:, i]) / (j - i)
    slope = np.median(slopes, axis=1)
    centre = (weeks - 1) / 2
    level = np.median(windows - slope[:, None] * (np.arange(weeks) - centre), axis=1)
    ahead = level + slope * (weeks - centre)  # one week past the window's last week
    ahead[np.isnan(windows).any(axis=1)] = np.nan
    error[weeks:] = y[weeks:] - ahead
    forecast[weeks:] = np.exp(ahead) if log else ahead
    return error, forecast

"""The seasonal-trend fit behind the daily residual flags, as a curve over every day it saw.

The flags (wbr/analysis/flags.py via residuals.residual_days) score the deck's week against a
robust STL fit of that week and the RESIDUAL_WEEKS weeks before it, and keep only the seven scored
days. The explore view draws the whole fit: the same window, the same STL settings and the same
centring, so on the scored days `expected` is exactly the number a seasonal flag cites (a test
holds the two together).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from wbr.analysis.residuals import RESIDUAL_WEEKS, fit_window

SCORED_DAYS = 7


def seasonal_fit(daily: pd.Series, week_end: dt.date, z: float = 1.0) -> pd.DataFrame | None:
    """Every day of the window the flags fit for the week ending `week_end`: columns value
    (NaN = missing), expected (the fit), lower and upper (the band of robust z `z`: with the
    metric's seasonal_z, the band a seasonal flag cites), scored (the week's own days), z (robust
    z of the residual, NaN before the scored days); None when the history is too short or too
    gappy for the flags to fit it."""
    end = pd.Timestamp(week_end)
    found = fit_window(daily, week_end, SCORED_DAYS, RESIDUAL_WEEKS)
    if found is None:
        return None
    values, present, log, filled = found.values, found.present, found.log, found.filled
    resid, centre, scale = found.resid, found.centre, found.scale
    fit = filled - (resid - centre)  # on a missing day the fit is read off the interpolation
    low, high = fit - z * scale, fit + z * scale
    expected, lower, upper = (np.exp(a) for a in (fit, low, high)) if log else (fit, low, high)
    scored = np.zeros(len(values), dtype=bool)
    scored[-SCORED_DAYS:] = True
    score = np.where(scored & present, (resid - centre) / scale, np.nan)
    index = pd.date_range(end - pd.Timedelta(days=len(values) - 1), end, name="date")
    return pd.DataFrame(
        {
            "value": values,
            "expected": expected,
            "lower": lower,
            "upper": upper,
            "scored": scored,
            "z": score,
        },
        index=index,
    )

"""A plan file read at the wrong grain: monthly or weekly rows given without `grain:`.

Read as daily, a plan dated on the 1st of each month counts each month's plan for its 1st day
only, so every window's plan is N/A and nothing says why. This module recognises such a file
and says exactly what to write in wbr.yaml.
"""

from __future__ import annotations

import pandas as pd

from wbr.engine.config import WEEKDAYS, Config
from wbr.errors import DataError


def _source_line(config: Config, grain: str) -> str:
    """The `plan:` entry of wbr.yaml with the grain added."""
    source = config.sources.plan
    assert source is not None and source.path is not None
    settings = f"path: {source.path.as_posix()}, format: {source.format}"
    if source.duplicates != "error":
        settings += f", duplicates: {source.duplicates}"
    return f"plan: {{{settings}, grain: {grain}}}"


def check_plan_grain(config: Config, plan: pd.DataFrame | None) -> None:
    """Raise DataError when a plan read as daily has every date on the 1st of a month (monthly
    rows) or on the week end, at most one per week (weekly rows); `plan` is the daily frame."""
    source = config.sources.plan
    if plan is None or source is None or source.grain != "daily" or source.path is None:
        return
    days = pd.DatetimeIndex(plan.dropna(how="all").index).unique().sort_values()
    if len(days) < 2:
        return
    span = f"{days[0]:%Y-%m-%d} .. {days[-1]:%Y-%m-%d}"
    path = config.resolve(source.path)
    if (days.day == 1).all():
        found, grain = f"every plan date is the 1st of a month ({span})", "monthly"
        effect = "each month's plan would count for its 1st day only"
    elif (days.day_of_week == config.calendar.week_end_weekday).all() and (
        (days[1:] - days[:-1]).min() >= pd.Timedelta(days=7)
    ):
        weekday = WEEKDAYS[config.calendar.week_end_weekday].title()
        found, grain = f"every plan date is a week end ({weekday}, one a week, {span})", "weekly"
        effect = "each week's plan would count for its last day only"
    else:
        return
    raise DataError(
        f"{path}: {found}, but sources.plan has no grain, so it is read as daily: {effect} and "
        f"every plan would be N/A. For {grain} plan rows write, under sources: "
        f"{_source_line(config, grain)}"
    )

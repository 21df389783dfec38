"""Is the data complete through the week ending? The check behind `--require-complete`.

A Monday job may start before the warehouse has loaded Sunday. `wbr run --require-complete` and
`wbr send --require-complete` then stop with exit code 3 and one line naming the metrics that are
not complete, so a scheduler can retry later instead of mailing a deck of N/As.

The week checked is the one asked for (`--week` or the config's `week_ending`); for `latest` it is
the last week that has ended before today in the deck's time zone, not the latest week in the
data: a week with no data at all yet must fail the check, not quietly give last week's deck again.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import cast

import pandas as pd

from wbr.engine.calendar import MONTH_ABBR, Calendar
from wbr.engine.config import Config
from wbr.engine.sources import Dataset
from wbr.errors import DataError


@dataclass(frozen=True)
class Readiness:
    """The week checked and, per base metric that is not complete through it, why."""

    week_ending: dt.date
    incomplete: dict[str, str]

    @property
    def complete(self) -> bool:
        """True when every base metric has every day of the week."""
        return not self.incomplete

    def line(self) -> str:
        """'not complete through Sat 21 Nov 2026: orders, visits (data through Fri 20 Nov);
        returns (missing Wed 18 Nov)': metrics with the same reason named together."""
        by_reason: dict[str, list[str]] = {}
        for metric, why in self.incomplete.items():
            by_reason.setdefault(why, []).append(metric)
        listed = "; ".join(f"{', '.join(metrics)} ({why})" for why, metrics in by_reason.items())
        return f"not complete through {_day(self.week_ending, year=True)}: {listed}"


def _day(day: dt.date, year: bool = False) -> str:
    text = f"{day:%a} {day.day} {MONTH_ABBR[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def today_in(config: Config) -> dt.date:
    """Today's date in the deck's time zone (`calendar.time_zone`)."""
    return dt.datetime.now(zoneinfo.ZoneInfo(config.calendar.time_zone)).date()


def week_to_check(config: Config, requested: str | dt.date | None, today: dt.date) -> dt.date:
    """The requested week ending, or for `latest` the last week that ended before `today`."""
    wanted = config.week_ending if requested is None else requested
    if isinstance(wanted, dt.date):
        return wanted
    if wanted.strip().lower() != "latest":
        try:
            return dt.date.fromisoformat(wanted.strip())
        except ValueError:
            raise DataError(
                f"week ending: expected 'latest' or YYYY-MM-DD, got {wanted!r}"
            ) from None
    calendar = Calendar.from_config(config.calendar)
    return calendar.week_end_on_or_before(today - dt.timedelta(days=1))


def check_week(config: Config, dataset: Dataset, week_ending: dt.date) -> Readiness:
    """Which base metrics lack a day of the week ending `week_ending`, and from when."""
    days = pd.date_range(week_ending - dt.timedelta(days=6), week_ending)
    metrics = config.base_metrics()
    week = dataset.actuals.reindex(index=days, columns=metrics)
    present = week.notna().to_numpy()
    incomplete = {}
    for i, metric in enumerate(metrics):
        loaded = present[:, i]
        if loaded.all():
            continue
        count = int(loaded.sum())
        if loaded[:count].all():  # the week loaded up to a day, nothing after: still loading
            if count:
                incomplete[metric] = f"data through {_day(days[count - 1].date())}"
            else:
                earlier = (
                    dataset.actuals[metric].loc[: days[0]]
                    if metric in dataset.actuals.columns
                    else None
                )
                # a DatetimeIndex: its last valid label is a Timestamp (pandas types it Hashable)
                last = (
                    None
                    if earlier is None
                    else cast("pd.Timestamp | None", earlier.last_valid_index())
                )
                incomplete[metric] = f"data through {_day(last.date())}" if last else "no data"
        else:
            gaps = [_day(day.date()) for day, ok in zip(days, loaded, strict=True) if not ok]
            incomplete[metric] = f"missing {', '.join(gaps)}"
    return Readiness(week_ending, incomplete)

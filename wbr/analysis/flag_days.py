"""The daily side of the flag pass: the deck's week's residual days, whether an unusual day recurs a
year back (the same way, at a comparable size, as the same event), and the seasonal residual Flag.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from wbr.analysis.flag_week import (
    PY_DAYS,
    RECUR_DAYS,
    RECUR_SIZE,
    RECUR_Z,
    SCREEN_SHARE,
    YEAR_AWARE_DAYS,
    MetricWeek,
    SetAside,
    events_words,
)
from wbr.analysis.residuals import (
    RESIDUAL_WEEKS,
    ResidualDay,
    daily_window,
    residual_days,
    short_fit_widening,
    weekday_residuals,
    weekday_screen,
)
from wbr.engine.compare import favourable
from wbr.engine.deck import Flag

# ----------------------------------------------------------------------------- daily residuals


def day_words(week: MetricWeek, day: ResidualDay) -> str:
    """One day in words: weekday, date, value, what the fit expected, the change and z."""
    ratio = day.value / day.expected if day.expected else float("nan")
    # ten times the expected day reads as "62 times"; +6097% is a number nobody can say
    change = f"{ratio:.0f} times" if ratio >= 10 else f"{(ratio - 1) * 100:+.0f}%"
    return (
        f"{day.date:%a} {day.date.isoformat()} {week.value(day.value)} vs about"
        f" {week.value(day.expected)} expected ({change}, robust z {day.z:+.1f})"
    )


class FitDeferred(Exception):
    """WeekDays was told to defer its STL fit and needs one: fit it with others', then ask again."""


class WeekDays:
    """The deck's week's daily residuals (the STL fit, see wbr/analysis/residuals.py), and a year
    or two back, each fitted at most once.

    `ahead`: the week's residual days, fitted with other metrics' (residuals.fit_windows); with
    `defer`, a week that needs a fit it was not given raises FitDeferred instead of fitting."""

    def __init__(
        self, week: MetricWeek, ahead: tuple[ResidualDay, ...] | None = None, defer: bool = False
    ) -> None:
        self.week = week
        self._current: tuple[ResidualDay, ...] | None = None
        self._ahead = ahead
        self._defer = defer
        self._intermittent: bool | None = None
        self._prior: dict[int, list[tuple[dt.date, float, float]]] = {}

    def screen(self) -> bool:
        """Cheap look: does a day of the week stand out from the same weekdays before it?"""
        if self.week.screened is False:  # worked out for every metric at once: no, whatever
            return False  # `intermittent` says (its median is then not taken: most metrics)
        if self.intermittent:
            return False
        if self.week.screened is not None:
            return self.week.screened
        daily = self.week.history.daily
        end = self.week.rows.last
        weeks = min(RESIDUAL_WEEKS, int(daily.index.searchsorted(end, "right")) // 7)
        values = daily_window(daily, end, weeks * 7) if weeks >= 5 else None
        if values is None or np.isnan(values[-7:]).all():
            return False
        bar = SCREEN_SHARE * self.week.settings.seasonal_z
        return bool(np.nanmax(np.abs(weekday_screen(values))) >= bar)

    @property
    def fitted(self) -> bool:
        """Has the deck's week been fitted already (to place a weekly signal)?"""
        return self._current is not None

    @property
    def current(self) -> tuple[ResidualDay, ...]:
        """The week's days against the STL fit (none for an intermittent series)."""
        if self._current is None:
            if self.intermittent:
                self._current = ()
            elif self._ahead is not None:
                self._current = self._ahead
            elif self._defer:
                raise FitDeferred
            else:
                self._current = residual_days(self.week.history.daily, self.week.week_end)
        return self._current

    @property
    def intermittent(self) -> bool:
        """Is the metric 0 on at least half the days of the fit's window (rain hours, snow
        hours)? Its typical day is then 0 and the residuals' robust scale is about 0, so any
        day with activity reaches a robust z of thousands: only its weeks can be judged."""
        if self._intermittent is None:
            daily = self.week.history.daily
            stop = int(daily.index.searchsorted(self.week.rows.last, side="right"))
            window = daily.to_numpy(dtype=float)[max(0, stop - RESIDUAL_WEEKS * 7) : stop]
            found = window[np.isfinite(window)]
            self._intermittent = bool(len(found)) and float(np.median(found)) == 0.0
        return self._intermittent

    def beyond(self, z: float) -> bool:
        """Does a day of the week reach robust z `z` (either sign)?"""
        return any(abs(day.z) >= z for day in self.current)

    def recurs(self, day: ResidualDay) -> tuple[dt.date, float] | None:
        """The day a year or two back (364 days a year, give or take 3) that stood out the same
        way: (date, z) from the cheap weekday fit of that year's weeks, or None.

        The same way means the same direction, a comparable size (RECUR_SIZE) and, when the
        events file names either day, the same event: an unrelated storm a year earlier does
        not make this year's hurricane routine.
        """
        now = self.week.names_near(day.date)
        for years in (1, 2):
            if years not in self._prior:
                self._prior[years] = self._prior_days(years)
            target = day.date - dt.timedelta(days=years * PY_DAYS)
            for when, z, residual in self._prior[years]:
                if abs((when - target).days) > RECUR_DAYS or abs(z) < RECUR_Z or z * day.z <= 0:
                    continue
                size = abs(residual) / abs(day.residual) if day.residual else math.inf
                if not RECUR_SIZE[0] <= size <= RECUR_SIZE[1]:
                    continue
                then = self.week.names_near(when)
                if (now or then) and not now & then:
                    continue
                return when, z
        return None

    def recurs_on_date(self, day: ResidualDay) -> dt.date | None:
        """Last year's same calendar date (or its 364-day twin) if the day's YoY against it is
        routine (within RECUR_Z robust sd of the daily YoY of the YEAR_AWARE_DAYS before, and
        less than half the day's residual) and that date stood out from the same weekday of the
        two weeks either side of it the same way, at least half as much (positive series, log
        units). The
        year-aware check: a holiday can look ordinary in last year's weekday fit (Christmas on a
        Sunday looks like a Sunday) yet the day matches last year's date."""
        if day.value <= 0 or not self.week.names_near(day.date) <= self._names_a_year_back(day):
            return None
        daily = self.week.history.daily
        end = pd.Timestamp(day.date)
        now = daily_window(daily, end - pd.Timedelta(days=7), YEAR_AWARE_DAYS)
        then = daily_window(daily, end - pd.Timedelta(days=PY_DAYS + 7), YEAR_AWARE_DAYS)
        if now is None or then is None:
            return None
        usable = (now > 0) & (then > 0)
        if usable.sum() < YEAR_AWARE_DAYS // 2:
            return None
        ratios = np.log(now[usable] / then[usable])
        centre = float(np.median(ratios))
        spread = 1.4826 * float(np.median(np.abs(ratios - centre)))
        if not spread > 0:
            return None
        twins = [day.date - dt.timedelta(days=PY_DAYS)]
        try:
            twins.append(day.date.replace(year=day.date.year - 1))
        except ValueError:  # 29 February
            twins.append(day.date - dt.timedelta(days=365))
        for twin in twins:
            at = pd.Timestamp(twin)
            if at not in daily.index:
                continue
            value = float(daily[at])
            weeks = daily_window(daily, at + pd.Timedelta(days=14), 29)
            around = None if weeks is None else weeks[[0, 7, 21, 28]]
            if value <= 0 or not day.log or around is None or not (around > 0).all():
                continue
            # last year's date stood out from the same weekday of the two weeks either side, the
            # same way and about as much (a station's Monday is not compared with its Sunday)
            odd = math.log(value) - float(np.mean(np.log(around)))
            # (a day's own noise is the daily YoY's spread over sqrt 2: two days in each ratio)
            big = max(0.5 * abs(day.residual), RECUR_Z * spread / math.sqrt(2))
            if odd * day.residual <= 0 or abs(odd) < big:
                continue
            # last year's date must explain most of the day's residual, not only be within noise
            left = abs(math.log(day.value / value) - centre)
            if left < RECUR_Z * spread and left < 0.5 * abs(day.residual):
                return twin
        return None

    def _names_a_year_back(self, day: ResidualDay) -> set[str]:
        """The events named around last year's date (364 days back, give or take RECUR_DAYS)."""
        names: set[str] = set()
        for k in range(-RECUR_DAYS, RECUR_DAYS + 1):
            names |= self.week.names_near(day.date - dt.timedelta(days=PY_DAYS + k))
        return names

    def _prior_days(self, years: int) -> list[tuple[dt.date, float, float]]:
        """(date, z, residual) of the weeks before, of and after the deck's week `years` back."""
        end = self.week.rows.last - pd.Timedelta(days=years * PY_DAYS - 7)
        values = daily_window(self.week.history.daily, end, (RESIDUAL_WEEKS + 3) * 7)
        if values is None or np.isnan(values).mean() > 0.2:
            return []
        z, residual = weekday_residuals(values, 3)
        first = end - pd.Timedelta(days=20)
        return [
            ((first + pd.Timedelta(days=i)).date(), float(z[i]), float(residual[i]))
            for i in range(21)
            if np.isfinite(z[i])
        ]

    def why_not(self, day: ResidualDay) -> SetAside | None:
        """Why an unusual day is no exception (it recurs a year back, a known recurring event)."""
        prior = self.recurs(day)
        if prior is not None:
            return SetAside(
                "recurring",
                f"seasonal: {prior[0].isoformat()} stood out the same way (z {prior[1]:+.1f})",
                py_days=(prior[0],),
            )
        twin = self.recurs_on_date(day)
        if twin is not None:
            return SetAside(
                "recurring",
                f"seasonal: the day's YoY against {twin.isoformat()} is routine",
                py_days=(twin,),
            )
        found = self.week.events_near(day.date, day.date)
        if found:
            return SetAside("event", f"known event {events_words(found)}", events=found)
        return None


def _fit_words(day: ResidualDay) -> str:
    """What the fit saw: a full window, or a young metric's few weeks and the wider band."""
    if day.weeks >= RESIDUAL_WEEKS:
        return f"up to {RESIDUAL_WEEKS} weeks before"
    widening = short_fit_widening(day.weeks)
    return (
        f"the {day.weeks} weeks before (all the history there is; the band is {widening:.2f}x"
        f" wider than a {RESIDUAL_WEEKS}-week fit's)"
    )


def residual_flag(week: MetricWeek, day: ResidualDay, one_off_z: float | None = None) -> Flag:
    """A seasonal residual flag: the day, its value and the band the fit expected (at
    `one_off_z` for a day the events file names as a one-off)."""
    z = one_off_z if one_off_z is not None else week.settings.seasonal_z
    bar = f"robust z {z:g}" + (", the bar for a day with a one-off event" if one_off_z else "")
    lower, upper = day.band(z)
    return Flag(
        "seasonal",
        "residual",
        day.date,
        day.value,
        lower,
        upper,
        favourable(day.z, week.metric.polarity),
        f"daily values: {day_words(week, day)}; outside the band {week.value(lower)} to"
        f" {week.value(upper)} ({bar}) of a robust STL seasonal-trend fit of"
        f" {_fit_words(day)}",
        series="daily",
        days=(day.date,),
        mean=day.expected,
        direction="up" if day.z > 0 else "down",
        events=week.texts_near(day.date),
    )

"""The business calendar: week ends, week numbers, fiscal quarters and years, prior-year alignment.

Every window the deck reports is a closed date range `Window(start, end)` made here, so the rules
for weeks, months and period-to-date (and their prior-year twins) live in one place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wbr.engine.config import WEEKDAYS, CalendarConfig

PY_WEEK_OFFSET = dt.timedelta(days=364)
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Window:
    """A closed range of calendar days [start, end]."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        """Number of days in the window."""
        return (self.end - self.start).days + 1


def one_year_earlier(day: dt.date) -> dt.date:
    """The same calendar date a year earlier; Feb 29 becomes Feb 28."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    """(year, month) moved by `delta` months."""
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def month_window(year: int, month: int) -> Window:
    """All days of a calendar month."""
    next_year, next_month = add_months(year, month, 1)
    return Window(dt.date(year, month, 1), dt.date(next_year, next_month, 1) - dt.timedelta(days=1))


@dataclass(frozen=True)
class Calendar:
    """Calendar rules from the config: week end weekday, fiscal year start, PTD alignment."""

    week_end_weekday: int = 5
    fiscal_year_start_month: int = 1
    ptd_alignment: str = "calendar_date"

    @classmethod
    def from_config(cls, config: CalendarConfig) -> Calendar:
        """Calendar from the `calendar:` block of wbr.yaml."""
        return cls(config.week_end_weekday, config.fiscal_year_start_month, config.ptd_alignment)

    @property
    def week_end_day(self) -> str:
        """Name of the last day of a week, e.g. 'saturday'."""
        return WEEKDAYS[self.week_end_weekday]

    def is_week_end(self, day: dt.date) -> bool:
        """True when `day` is the configured last day of a week."""
        return day.weekday() == self.week_end_weekday

    def week_end_on_or_before(self, day: dt.date) -> dt.date:
        """The last week end on or before `day`."""
        return day - dt.timedelta(days=(day.weekday() - self.week_end_weekday) % 7)

    def week(self, week_end: dt.date) -> Window:
        """The 7 days ending on `week_end`."""
        return Window(week_end - dt.timedelta(days=6), week_end)

    def week_number(self, week_end: dt.date) -> int:
        """Week number from the calendar: week N is the week holding the year's N-th Thursday.

        With Monday-Sunday weeks this is exactly ISO 8601; with any other week end it is the ISO
        week of the week's Thursday (week ending Sat 25 Sep 2021 is week 38, Sat 21 Nov 2026 is
        week 47). A year holds 52 or 53 weeks; week 53 is never relabelled week 1.
        """
        thursday = week_end - dt.timedelta(days=(week_end.weekday() - 3) % 7)
        return (thursday.timetuple().tm_yday - 1) // 7 + 1

    def fiscal_year_start(self, day: dt.date) -> dt.date:
        """First day of the fiscal year containing `day`."""
        start_month = self.fiscal_year_start_month
        year = day.year if day.month >= start_month else day.year - 1
        return dt.date(year, start_month, 1)

    def fiscal_year(self, day: dt.date) -> int:
        """Fiscal year label: the calendar year in which the fiscal year ends."""
        start = self.fiscal_year_start(day)
        return start.year if self.fiscal_year_start_month == 1 else start.year + 1

    def fiscal_quarter_start(self, day: dt.date) -> dt.date:
        """First day of the fiscal quarter containing `day`."""
        months_in = (day.month - self.fiscal_year_start_month) % 12
        year, month = add_months(day.year, day.month, -(months_in % 3))
        return dt.date(year, month, 1)

    def fiscal_quarter(self, day: dt.date) -> int:
        """Fiscal quarter number 1..4 of `day`."""
        return (day.month - self.fiscal_year_start_month) % 12 // 3 + 1

    def period_to_date(self, week_ending: dt.date) -> dict[str, Window]:
        """MTD, QTD and YTD windows ending on `week_ending`."""
        return {
            "mtd": Window(week_ending.replace(day=1), week_ending),
            "qtd": Window(self.fiscal_quarter_start(week_ending), week_ending),
            "ytd": Window(self.fiscal_year_start(week_ending), week_ending),
        }

    def prior_year_ptd(self, window: Window) -> Window:
        """Last year's twin of a period-to-date window, by the configured alignment."""
        if self.ptd_alignment == "shift_364":
            return Window(window.start - PY_WEEK_OFFSET, window.end - PY_WEEK_OFFSET)
        return Window(one_year_earlier(window.start), one_year_earlier(window.end))

    @staticmethod
    def prior_year_week(week_end: dt.date) -> dt.date:
        """End of last year's comparable week: 364 days earlier, same weekday."""
        return week_end - PY_WEEK_OFFSET

    @staticmethod
    def trailing_complete_months(week_ending: dt.date, count: int = 12) -> list[tuple[int, int]]:
        """The `count` most recent months that have ended by `week_ending`, oldest first."""
        last_day = month_window(week_ending.year, week_ending.month).end
        year, month = week_ending.year, week_ending.month
        if week_ending != last_day:
            year, month = add_months(year, month, -1)
        return [add_months(year, month, -offset) for offset in range(count - 1, -1, -1)]

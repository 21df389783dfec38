"""Calendar vectors (the week ending 2021-09-25 and its windows), week numbers, fiscal periods."""

from __future__ import annotations

import datetime as dt

import pytest

from wbr.engine.calendar import Calendar, Window, one_year_earlier

D = dt.date
SATURDAY_WEEKS = Calendar(week_end_weekday=5)


def test_last_week_is_sunday_to_saturday():
    assert SATURDAY_WEEKS.week(D(2021, 9, 25)) == Window(D(2021, 9, 19), D(2021, 9, 25))


def test_week_ending_2021_09_25_is_week_38():
    assert SATURDAY_WEEKS.week_number(D(2021, 9, 25)) == 38
    assert int(D(2021, 9, 25).strftime("%U")) == 38


def test_week_ending_sat_21_nov_2026_is_week_47():
    assert SATURDAY_WEEKS.week_number(D(2026, 11, 21)) == 47


def test_prior_year_week_is_364_days_earlier():
    py_end = SATURDAY_WEEKS.prior_year_week(D(2021, 9, 25))
    assert SATURDAY_WEEKS.week(py_end) == Window(D(2020, 9, 20), D(2020, 9, 26))


def test_mtd_and_its_prior_year_by_calendar_date_and_shift_364():
    mtd = SATURDAY_WEEKS.period_to_date(D(2021, 9, 25))["mtd"]
    assert mtd == Window(D(2021, 9, 1), D(2021, 9, 25))
    assert mtd.days == 25
    assert SATURDAY_WEEKS.prior_year_ptd(mtd) == Window(D(2020, 9, 1), D(2020, 9, 25))
    shifted = Calendar(5, 1, "shift_364").prior_year_ptd(mtd)
    assert shifted == Window(D(2020, 9, 2), D(2020, 9, 26))


def test_qtd_and_prior_year_qtd():
    qtd = SATURDAY_WEEKS.period_to_date(D(2021, 9, 25))["qtd"]
    assert qtd == Window(D(2021, 7, 1), D(2021, 9, 25))
    assert SATURDAY_WEEKS.prior_year_ptd(qtd) == Window(D(2020, 7, 1), D(2020, 9, 25))


def test_ytd_day_counts_across_a_leap_year():
    ytd = SATURDAY_WEEKS.period_to_date(D(2021, 9, 25))["ytd"]
    assert ytd.days == 268
    assert SATURDAY_WEEKS.prior_year_ptd(ytd).days == 269


def test_feb_29_clamps_to_feb_28():
    assert one_year_earlier(D(2024, 2, 29)) == D(2023, 2, 28)
    assert one_year_earlier(D(2025, 2, 28)) == D(2024, 2, 28)
    ptd = Calendar(5).prior_year_ptd(Window(D(2028, 2, 1), D(2028, 2, 29)))
    assert ptd == Window(D(2027, 2, 1), D(2027, 2, 28))


@pytest.mark.parametrize("year", [2020, 2026])
def test_iso_years_with_week_53(year):
    sunday_weeks = Calendar(week_end_weekday=6)
    last_sunday = D(year, 12, 31) - dt.timedelta(days=(D(year, 12, 31).weekday() - 6) % 7)
    week_53_end = (
        last_sunday if last_sunday.isocalendar()[1] == 53 else last_sunday + dt.timedelta(7)
    )
    assert sunday_weeks.week_number(week_53_end) == 53
    assert week_53_end.isocalendar()[:2] == (year, 53)


def test_sunday_weeks_match_iso_8601_for_ten_years():
    sunday_weeks = Calendar(week_end_weekday=6)
    day = D(2019, 1, 6)
    while day < D(2029, 1, 1):
        assert sunday_weeks.week_number(day) == day.isocalendar()[1]
        day += dt.timedelta(days=7)


def test_week_53_is_never_relabelled_week_1():
    sunday_weeks = Calendar(week_end_weekday=6)
    assert sunday_weeks.week_number(D(2027, 1, 3)) == 53
    assert sunday_weeks.week_number(D(2027, 1, 10)) == 1


def test_latest_week_end_on_or_before():
    assert SATURDAY_WEEKS.week_end_on_or_before(D(2021, 9, 25)) == D(2021, 9, 25)
    assert SATURDAY_WEEKS.week_end_on_or_before(D(2021, 9, 24)) == D(2021, 9, 18)
    assert Calendar(4).week_end_on_or_before(D(2021, 9, 25)) == D(2021, 9, 24)


@pytest.mark.parametrize(
    ("fy_start", "day", "quarter_start", "year_start", "fiscal_year", "quarter"),
    [
        (1, D(2026, 11, 21), D(2026, 10, 1), D(2026, 1, 1), 2026, 4),
        (4, D(2026, 11, 21), D(2026, 10, 1), D(2026, 4, 1), 2027, 3),
        (4, D(2026, 2, 14), D(2026, 1, 1), D(2025, 4, 1), 2026, 4),
        (2, D(2026, 12, 31), D(2026, 11, 1), D(2026, 2, 1), 2027, 4),
        (2, D(2026, 1, 31), D(2025, 11, 1), D(2025, 2, 1), 2026, 4),
        (10, D(2026, 9, 30), D(2026, 7, 1), D(2025, 10, 1), 2026, 4),
    ],
)
def test_fiscal_quarters_and_years(fy_start, day, quarter_start, year_start, fiscal_year, quarter):
    calendar = Calendar(5, fy_start)
    assert calendar.fiscal_quarter_start(day) == quarter_start
    assert calendar.fiscal_year_start(day) == year_start
    assert calendar.fiscal_year(day) == fiscal_year
    assert calendar.fiscal_quarter(day) == quarter


def test_trailing_months_count_a_month_ending_on_the_week_end():
    assert SATURDAY_WEEKS.trailing_complete_months(D(2021, 10, 2))[-1] == (2021, 9)
    assert SATURDAY_WEEKS.trailing_complete_months(D(2022, 4, 30))[-1] == (2022, 4)
    months = SATURDAY_WEEKS.trailing_complete_months(D(2026, 1, 3))
    assert months[0] == (2025, 1) and months[-1] == (2025, 12) and len(months) == 12

"""Signal, not noise (issue 9): typed flag evidence, days before the history, recurrence of the
same kind, year-aware day checks, base effects, neutral plans, rare counts and the question cap.
Each test is one bullet of the issue and failed before its change."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from tests.test_flags import WEEK, business, flat, history_from_daily
from wbr.analysis.flags import assess_metric
from wbr.analysis.questions.engine import Facts, ask, rank, story
from wbr.analysis.residuals import RESIDUAL_WEEKS, residual_days, short_fit_widening
from wbr.analysis.rule_flags import data_flags, plan_flags
from wbr.engine.build import build_deck
from wbr.engine.config import FlagSettings, MetricConfig, load_config
from wbr.engine.deck import Deck, Flag, Question
from wbr.engine.series import MetricHistory

SETTINGS = FlagSettings()
VOLUME = MetricConfig(label="Rides")


def write_deck(folder: Path, columns: dict[str, pd.Series], events: str = "", extra: str = ""):
    """A wide actuals file, an events file and a wbr.yaml with one block per column."""
    wide = pd.DataFrame(columns)
    wide.index.name = "date"
    wide.to_csv(folder / "actuals.csv", float_format="%.4f")
    (folder / "events.csv").write_text("date,metric,description\n" + events)
    metrics = "\n".join(f"  {name}: {{section: S}}" for name in columns)
    (folder / "wbr.yaml").write_text(
        "title: t\nsources:\n  actuals: {path: actuals.csv, format: wide}\n"
        f"  events: {{path: events.csv}}\nmetrics:\n{metrics}\n{extra}"
    )
    return load_config(folder / "wbr.yaml")


# ----------------------------------------------------------------------------- typed evidence


def test_flags_carry_typed_evidence_and_questions_read_it_not_the_words():
    daily = business(21, noise=0.05)
    daily.iloc[-3] *= 0.1  # Thursday of the deck's week collapses
    found = assess_metric(history_from_daily(daily), VOLUME, SETTINGS)
    day = daily.index[-3].date()
    cited = [f for f in found.flags if day in f.days]
    assert cited, [f.detail for f in found.flags]
    assert {f.series for f in cited} <= {"raw", "yoy", "daily"}
    assert all(f.direction == "down" for f in cited)
    # a question reads Flag.series: words that do not say "YoY" do not matter
    h = history_from_daily(daily)
    flag = Flag("xmr", "outside_limits", WEEK.date(), 50.0, -5.0, 20.0, True, "x", series="yoy")
    block = build_block(h, (flag,))
    facts = Facts(block, h, VOLUME, _config(), WEEK.date())
    assert any("YoY growth" in q.text for q in ask(facts) if q.id == "Q12")


def test_deck_json_keeps_old_flags_readable_and_writes_the_new_fields(tmp_path):
    shocked = business(3)
    shocked.iloc[-2] *= 4.0
    config = write_deck(tmp_path, {"rides": shocked})
    deck = build_deck(config, week_ending=WEEK.date())
    data = json.loads(deck.to_json())
    assert data["blocks"][0]["flags"]
    for block in data["blocks"]:
        for flag in block["flags"]:
            assert {"series", "days", "py_days", "set_aside", "events"} <= flag.keys()
            for key in ("series", "days", "py_days", "mean", "direction", "set_aside", "events"):
                flag.pop(key, None)  # a deck.json written before these fields existed
            flag.pop("normal_base_yoy", None)
    assert Deck.from_dict(data).week_ending == WEEK.date()


# ----------------------------------------------------------------------------- before the history


def test_days_before_the_history_are_not_missing(tmp_path):
    days = pd.date_range(end=WEEK, periods=400, freq="D")  # 13 months: PY windows reach before
    rng = np.random.default_rng(5)
    config = write_deck(tmp_path, {"rides": pd.Series(rng.normal(1000, 30, 400), index=days)})
    block = build_deck(config, week_ending=WEEK.date()).blocks[0]
    assert block.status.complete and block.status.missing_days == ()
    assert block.status.history_starts == days[0].date()
    assert block.box.ytd_yoy is None  # no PY: N/A, with its reason in the status
    assert not [f for f in block.flags if f.type == "data"]
    asked = block.questions + block.more_questions
    assert not [q for q in asked if "missing" in q.text], [q.text for q in asked]


# ----------------------------------------------------------------------------- recurrence


def _closure_near_an_unrelated_storm(seed: int) -> tuple[pd.Series, list[tuple[dt.date, str]]]:
    daily = business(seed, noise=0.05)
    day = daily.index[-4]
    daily[day] *= 0.01  # the system is closed
    storm = day - pd.Timedelta(days=366)  # a year earlier, 2 days off the 364-day twin
    daily[storm] *= 0.2
    return daily, [(day.date(), "Hurricane: system closed"), (storm.date(), "Snowstorm")]


def test_a_one_off_closure_is_not_set_aside_by_a_different_storm_a_year_earlier(tmp_path):
    daily, events = _closure_near_an_unrelated_storm(31)
    listed = "".join(f"{day},,{text}\n" for day, text in events)
    config = write_deck(tmp_path, {"rides": daily}, listed)
    block = build_deck(config, week_ending=WEEK.date()).blocks[0]
    day = events[0][0]
    raised = [f for f in block.flags if f.type == "seasonal" and day.isoformat() in f.detail]
    assert raised, [f.detail for f in block.flags]
    assert not any("not raised" in f.detail for f in raised)
    assert any("Hurricane: system closed" in getattr(f, "events", ()) for f in raised)


def test_a_day_does_not_recur_when_last_year_was_much_smaller():
    # no events file: last year's dip was a fifth of this one's size in log terms
    daily, _ = _closure_near_an_unrelated_storm(32)
    storm = daily.index[-4] - pd.Timedelta(days=366)
    daily[storm] = daily[storm] / 0.2 * 0.7  # a -30% day a year earlier
    found = assess_metric(history_from_daily(daily), VOLUME, SETTINGS)
    assert any(daily.index[-4].date() in f.days for f in found.flags)


# ----------------------------------------------------------------------------- annual peaks


def test_an_annual_peak_that_looks_like_a_sunday_last_year_is_not_flagged():
    # Sundays run at 3x; a holiday on the same date every year also runs at 3x. Last year the
    # date was a Sunday, so last year's weekday fit saw nothing: only the date shows it recurs.
    days = pd.date_range("2022-09-01", "2025-12-27", freq="D")
    rng = np.random.default_rng(8)
    base = np.where(days.day_of_week == 6, 3000.0, 1000.0) * np.exp(rng.normal(0, 0.04, len(days)))
    daily = pd.Series(base, index=days)
    holiday = [pd.Timestamp(f"{y}-12-24") for y in (2022, 2023, 2024, 2025)]
    for day in holiday:
        if day.day_of_week != 6:
            daily[day] *= 3.0
    assert pd.Timestamp("2024-12-24").day_of_week == 1  # Tuesday: but see 2023
    history = history_from_daily(daily.loc[:"2024-12-28"])
    assert pd.Timestamp("2023-12-24").day_of_week == 6  # last year: a Sunday
    found = assess_metric(history, VOLUME, FlagSettings(xmr=False))
    assert not [f for f in found.flags if f.type == "seasonal"], [f.detail for f in found.flags]
    assert [f for f in found.explained if f.set_aside == "recurring"]


# ----------------------------------------------------------------------------- base effects


def test_a_base_effect_is_asked_about_citing_last_years_day(tmp_path):
    daily = business(41, noise=0.04, amplitude=0.0, growth=0.1)
    storm = WEEK - pd.Timedelta(days=364 + 2)
    daily[storm] *= 0.05  # last year's storm day
    config = write_deck(tmp_path, {"rides": daily}, f"{storm.date()},,Snowstorm\n")
    block = build_deck(config, week_ending=WEEK.date()).blocks[0]
    asked = block.questions + block.more_questions
    base = [q for q in asked if q.id == "Q10"]
    assert base, [q.text for q in asked]
    assert storm.date().isoformat() in base[0].text and "'Snowstorm'" in base[0].text
    assert not [q for q in asked if "missing" in q.text or "raise the bar" in q.text]


# ----------------------------------------------------------------------------- neutral plans


def _plan_history(cy: list[float], plan: list[float]) -> MetricHistory:
    ends = pd.date_range(end=WEEK, periods=len(cy), freq="7D")
    weekly = pd.DataFrame({"cy": cy, "py": np.nan, "plan": plan, "complete": True}, index=ends)
    daily = pd.Series(1.0, index=pd.date_range(end=WEEK, periods=7 * len(cy), freq="D"))
    return MetricHistory("share", weekly, daily)


def test_a_neutral_metric_is_off_plan_either_way_and_only_beyond_the_threshold():
    neutral = MetricConfig(label="Share", polarity="neutral")
    ahead = plan_flags(_plan_history([100.0] * 5 + [110.0], [100.0] * 6), neutral, SETTINGS)
    assert [f.rule for f in ahead] == ["miss"]
    assert "off plan (either way)" in ahead[0].detail and "behind" not in ahead[0].detail
    assert ahead[0].direction == "above"
    # 1% off plan every week is inside the 2% band: no streak, no widening gap
    small = plan_flags(_plan_history([101.0, 99.0, 101.0, 99.0], [100.0] * 4), neutral, SETTINGS)
    assert small == []


# ----------------------------------------------------------------------------- rare counts


def _rare(seed: int, rate: float) -> pd.Series:
    rng = np.random.default_rng(seed)
    days = pd.date_range(end=WEEK, periods=3 * 364, freq="D")
    return pd.Series(rng.poisson(rate, len(days)).astype(float), index=days)


def test_rare_counts_get_count_limits_and_no_absurd_numbers():
    flagged = 0
    for seed in range(8):
        found = assess_metric(history_from_daily(_rare(seed, 0.15)), VOLUME, SETTINGS)
        flagged += bool(found.flags)
        for flag in found.flags + found.explained:
            assert "robust z" not in flag.detail and "limits 0 to 0" not in flag.detail
    assert flagged <= 1
    burst = _rare(3, 0.15)
    burst.iloc[-5:-1] = 2.0  # 8 in a week that averages 1
    found = assess_metric(history_from_daily(burst), VOLUME, SETTINGS)
    assert [(f.series, f.rule) for f in found.flags] == [("count", "outside_limits")]


def test_a_zero_heavy_count_is_not_stuck_at_zero():
    daily = _rare(5, 0.05)
    daily.iloc[-28:] = 0.0  # four quiet weeks: routine for a count that is 0 most weeks
    assert data_flags(history_from_daily(daily), VOLUME, SETTINGS) == []
    daily = _rare(6, 0.4)
    daily.iloc[-21:] = 0.0
    daily.iloc[[-21, -14, -7]] = 3.0  # 3 a week, three weeks running: a rare count's chance
    assert data_flags(history_from_daily(daily), VOLUME, SETTINGS) == []


def _weather(seed: int, winter_only: bool, wet_share: float | None = None) -> pd.Series:
    """Hours of rain (any season) or snow (winter only) a day: 0 on most days, 1-14 on others;
    about 12-16 a week on average by default, so not a rare count."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(end=WEEK, periods=3 * 364, freq="D")
    share = wet_share if wet_share is not None else (0.55 if winter_only else 0.3)
    wet = rng.random(len(days)) < share
    if winter_only:
        wet &= days.month.isin([11, 12, 1, 2, 3])
    hours = np.where(wet, rng.integers(1, 15, len(days)), 0).astype(float)
    return pd.Series(hours, index=days)


def test_an_uneven_count_is_judged_against_its_own_spread_not_a_steady_rate():
    # snow hours: about 9 a week over a year (a rare count), all of it in winter and a wet day at
    # a time; a steady rate of 9 a week would make every snowy winter week an exception
    flagged = 0
    for seed in range(8):
        snow = _weather(seed, winter_only=True, wet_share=0.4)
        found = assess_metric(history_from_daily(snow), VOLUME, SETTINGS)
        flagged += bool(found.flags)
    assert flagged <= 1
    blizzard = _weather(3, winter_only=True, wet_share=0.4)
    blizzard.iloc[-7:] = 24.0  # a week of snow all day, every day
    found = assess_metric(history_from_daily(blizzard), VOLUME, SETTINGS)
    assert [(f.series, f.rule) for f in found.flags] == [("count", "outside_limits")]
    assert "weeks as uneven as the last 52 (mean" in found.flags[0].detail


def test_a_season_of_zeros_is_not_stuck_where_zero_is_a_common_day():
    snow = _weather(1, winter_only=True)
    snow = snow[snow.index <= pd.Timestamp("2025-09-27")]  # 26 snowless weeks to the deck's week
    flags = data_flags(history_from_daily(snow), VOLUME, SETTINGS)
    assert "stuck" not in {f.rule for f in flags}
    # a metric rarely zero by day whose weeks turn 0: the pipeline may well be stuck
    daily = flat(seed=4, weeks=60)
    daily.iloc[-21:] = 0.0
    assert "stuck" in {f.rule for f in data_flags(history_from_daily(daily), VOLUME, SETTINGS)}


def test_an_intermittent_series_is_judged_by_its_weeks_not_by_robust_z_of_days():
    # rain hours: the typical day is 0, so the daily fit's robust scale is about 0 and a wet day
    # reached robust z in the thousands; its weeks are what can be judged
    for seed in range(6):
        rain = _weather(seed, winter_only=False)
        rain.iloc[-3:] = 14.0  # three very wet days
        found = assess_metric(history_from_daily(rain), VOLUME, SETTINGS)
        for flag in found.flags + found.explained:
            assert flag.series != "daily" and "robust z" not in flag.detail, flag.detail


def test_growth_on_a_base_near_zero_is_not_charted_as_a_percent():
    # last year's week of 0-3 hours against a typical 20: +600% and -95% are not a process
    for seed in range(6):
        for winter_only in (False, True):
            found = assess_metric(history_from_daily(_weather(seed, winter_only)), VOLUME, SETTINGS)
            assert found.xmr_series != "yoy"
            for flag in found.flags + found.explained:
                assert not re.search(r"\d,\d{3}(\.\d)?%", flag.detail), flag.detail
    # a business metric keeps its YoY chart
    assert assess_metric(history_from_daily(business(2)), VOLUME, SETTINGS).xmr_series == "yoy"


# ----------------------------------------------------------------------------- question cap


def _question(qid: str, text: str, severity: int = 2) -> Question:
    return Question(qid, severity, text)


def test_at_most_three_questions_each_on_its_own_topic_with_a_number():
    asked = (
        _question("Q26", "Data 3/7 days?", 5),
        _question("Q12", "Outside limits at 5.2K?", 4),
        _question("Q14", "A jump of 1.2K?"),  # the same move as Q12
        _question("Q37", "Flagged and unexplained. What is going on?", 1),  # no number
        _question("Q13", "Above 100 for 8 weeks?"),
        _question("Q22", "Rate moved 40 bps?"),
    )
    from wbr.analysis.questions import select

    top, more = select(asked)
    assert [q.id for q in top] == ["Q26", "Q12", "Q13"]
    assert [q.id for q in more] == ["Q14", "Q37", "Q22"]


def _three_same_shocks(tmp_path):
    """A deck of three metrics with the same shock on the same day (one story, three blocks)."""
    shocked = {}
    for i in range(3):
        daily = business(50 + i, noise=0.05)
        daily.iloc[-3] *= 4.0
        shocked[f"m{i}"] = daily
    return build_deck(write_deck(tmp_path, shocked), week_ending=WEEK.date())


def test_the_deck_list_takes_one_question_per_block_first(tmp_path):
    deck = _three_same_shocks(tmp_path)
    assert all(len(b.questions) <= 3 for b in deck.blocks)
    assert any(b.more_questions for b in deck.blocks)
    asking = {b.metric for b in deck.blocks if b.questions}
    # each asking block once (as the listed block or in `also`) before any block's second question
    covered: list[str] = []
    for q in deck.questions:
        if set(covered) == asking:
            break
        covered += [q.metric, *q.also]
    assert sorted(covered) == sorted(asking)
    assert rank(deck.blocks) == deck.questions


def test_the_same_question_of_correlated_blocks_is_listed_once_naming_the_others(tmp_path):
    deck = _three_same_shocks(tmp_path)  # one story, told once in the deck's list
    top = deck.questions[0]
    assert (top.metric, top.also) == ("m0", ("m1", "m2"))
    asked = {b.metric: b.questions[0] for b in deck.blocks}
    assert {q.id for q in asked.values()} == {top.id}
    # each block still asks it with its own numbers
    assert len({q.text for q in asked.values()}) == 3
    assert all(q.metric not in q.also for q in deck.questions)
    listed = [(q.id, q.metric) for q in deck.questions] + [
        (q.id, m) for q in deck.questions for m in q.also
    ]
    every = [(q.id, b.metric) for b in deck.blocks for q in b.questions]
    assert sorted(set(listed)) == sorted(set(every))


def test_a_story_leaves_out_the_block_the_figures_the_months_and_brackets():
    one = "Demand YoY growth slowed from +6.4% in Apr 2012 to -2.6% in Jun 2012. Which inputs?"
    two = "Peak demand YoY growth slowed from +3.1% in May 2012 to -1.0% in Jun 2012. Why?"
    assert story(one, "Demand") == story(two, "Peak demand")
    other_day = "Demand on Sat 2012-01-28 was 2.15 GWh, outside its range (2.29 GWh to 194 GWh)."
    assert story(other_day, "Demand") != story(other_day.replace("01-28", "01-27"), "Demand")
    flagged = "Demand is flagged (an unusual day; last week 5.61K GWh) with no commentary."
    also = "Peak is flagged (outside its limits) with no commentary."
    assert story(flagged, "Demand") == story(also, "Peak")


# ----------------------------------------------------------------------------- helpers


def _config():
    from tests.test_questions import CONFIG

    return CONFIG


def build_block(h: MetricHistory, flags: tuple[Flag, ...]):
    from tests.test_questions import block

    return block(h, flags=flags)


# ----------------------------------------------------------------------------- young histories


def _young(seed: int, weeks: int = 30) -> pd.Series:
    """Seven months of a metric that grows and swings with its season: no YoY yet."""
    return business(seed, years=weeks * 7 / 365, noise=0.06, amplitude=0.25, growth=0.25)


def test_a_young_metric_is_not_flagged_for_its_trend_or_season():
    flagged = []
    for seed in range(12):
        found = assess_metric(history_from_daily(_young(seed)), VOLUME, SETTINGS)
        assert found.xmr_series == "raw"  # no YoY chart: the raw weekly values are judged
        if any(f.type in ("xmr", "seasonal") for f in found.flags):
            flagged.append([f.detail[:80] for f in found.flags])
    assert len(flagged) <= 1, flagged
    # what was set aside says why: the week followed its recent trend, and what that predicted
    found = assess_metric(history_from_daily(_young(1)), VOLUME, SETTINGS)
    point = [f for f in found.explained if f.rule == "outside_limits"]
    assert [f.set_aside for f in point] == ["trend"]
    assert "the 6 weeks before it predict about" in point[0].detail


def test_a_young_metric_still_flags_a_closure_day_and_a_whole_week_drop():
    for seed in range(4):
        daily = _young(seed)
        daily.iloc[-4] *= 0.1  # a blizzard: Wednesday of the deck's week
        found = assess_metric(history_from_daily(daily), VOLUME, SETTINGS)
        day = daily.index[-4].date()
        assert any(day in f.days for f in found.flags), [f.detail for f in found.flags]
        daily = _young(seed)
        daily.iloc[-7:] *= 0.6  # the whole week down 40%: no single day stands out
        found = assess_metric(history_from_daily(daily), VOLUME, SETTINGS)
        assert any(f.type == "xmr" and f.direction == "down" for f in found.flags), seed


def test_a_young_history_does_not_call_a_common_zero_rare():
    rng = np.random.default_rng(4)
    days = pd.date_range(end=WEEK, periods=10 * 7, freq="D")
    storms = pd.Series(rng.poisson(0.15, len(days)).astype(float), index=days)
    storms.iloc[-7:] = 0.0  # a quiet week, as most weeks are
    assert [f for f in data_flags(history_from_daily(storms), VOLUME, SETTINGS)] == []
    # a metric that is never zero in its first weeks and is zero now is still a data flag
    orders = flat(weeks=10)
    orders.iloc[-2] = 0.0
    assert [f.rule for f in data_flags(history_from_daily(orders), VOLUME, SETTINGS)] == ["zero"]


def test_a_metric_in_its_first_weeks_flags_a_closure_day_not_its_growth():
    # 10 weeks: too few for the trend check, so a weekly signal needs an unusual day behind it
    flagged = []
    for seed in range(8):
        found = assess_metric(history_from_daily(_young(seed, weeks=10)), VOLUME, SETTINGS)
        flagged += [(seed, f.rule) for f in found.flags if f.type == "xmr"]
        assert all(f.set_aside != "trend" or "too few weeks" in f.detail for f in found.explained)
    assert flagged == []
    daily = _young(2, weeks=10)
    daily.iloc[-4] *= 0.1
    found = assess_metric(history_from_daily(daily), VOLUME, SETTINGS)
    day = daily.index[-4].date()
    assert {f.type for f in found.flags if day in f.days} == {"xmr", "seasonal"}


def test_a_plain_day_in_a_short_fit_is_no_more_unusual_than_in_a_full_one():
    # 5 weeks of history: the daily fit sees 4 weeks before the deck's week, and its scale comes
    # from 28 residuals. Before the short-fit widening, 3 of these 120 plain weeks had a day beyond
    # robust z 5 (the seasonal flag's bar) and 7 beyond z 4; a 12-week fit has about 1 in 1,000.
    largest = []
    for seed in range(120):
        daily = business(seed, years=0.2, noise=0.06, amplitude=0.25, growth=0.25)
        days = residual_days(daily[daily.index > WEEK - pd.Timedelta(weeks=5)], WEEK.date())
        assert len(days) == 7 and days[0].weeks == 4
        largest.append(max(abs(d.z) for d in days))
    z = np.array(largest)
    assert (z >= SETTINGS.seasonal_z).sum() == 0, np.sort(z)[-5:]
    assert (z >= 4).sum() <= 2, np.sort(z)[-5:]
    assert short_fit_widening(RESIDUAL_WEEKS) == 1.0 == short_fit_widening(20)


def test_a_closure_day_in_a_short_history_is_still_flagged_and_cited():
    for weeks in (5, 6, 8):
        for seed in range(3):
            daily = _young(seed, weeks=weeks)
            daily.iloc[-4] *= 0.2  # Wednesday of the deck's week: -80%
            found = assess_metric(history_from_daily(daily), VOLUME, SETTINGS)
            day = daily.index[-4].date()
            cited = [f for f in found.flags if f.type == "seasonal" and day in f.days]
            assert cited, (weeks, seed, [f.detail for f in found.flags + found.explained])
            # the flag says how little the fit saw and that its band is wider for it
            assert f"the {weeks - 1} weeks before (all the history there is" in cited[0].detail


def test_a_metric_that_starts_later_than_its_file_is_fitted_on_its_own_weeks(tmp_path):
    # a wide file whose other column has years of history: the young column's blank days before
    # its first value are before its history, not missing days that leave the fit too gappy
    old = business(5)
    young = _young(3, weeks=8).reindex(old.index)
    young.iloc[-4] *= 0.2  # Wednesday of the deck's week: -80%
    config = write_deck(tmp_path, {"old": old, "young": young})
    block = build_deck(config, week_ending=WEEK.date()).block("young")
    day = young.index[-4].date()
    cited = [f for f in block.flags if f.type == "seasonal" and day in f.days]
    assert cited, [f.detail for f in block.flags]
    assert "the 7 weeks before (all the history there is" in cited[0].detail


def test_a_holiday_week_low_on_a_commuter_metric_recurs_by_its_weekday_a_year_back():
    # weekdays 1000, weekends 100 (a station); every year the weekdays from 27 December to
    # 2 January run at a third. The earlier years' closures were recorded, this year's is not, so
    # only the year-aware check can set this Monday aside: last year's twin (Mon 2024-01-01)
    # stood out against the Mondays two weeks either side of it, though not against its
    # neighbouring weekend days
    days = pd.date_range("2021-09-01", "2025-01-04", freq="D")
    rng = np.random.default_rng(5)
    weekday = days.day_of_week < 5
    daily = pd.Series(
        np.where(weekday, 1000.0, 100.0) * np.exp(rng.normal(0, 0.03, len(days))), index=days
    )
    year_end = ((days.month == 12) & (days.day >= 27)) | ((days.month == 1) & (days.day <= 2))
    low = weekday & year_end
    daily[low] *= 0.35
    recorded = [(d.date(), "Year-end closure") for d in days[low] if d < pd.Timestamp("2024-01-05")]
    found = assess_metric(
        history_from_daily(daily), VOLUME, FlagSettings(xmr=False), named=recorded
    )
    monday = dt.date(2024, 12, 30)
    assert not [f for f in found.flags if f.type == "seasonal" and monday in f.days]
    aside = [f for f in found.explained if monday in f.days]
    assert [f.set_aside for f in aside] == ["recurring"]
    assert "YoY against 2024-01-01 is routine" in aside[0].detail

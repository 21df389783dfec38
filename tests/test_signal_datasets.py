"""The held-out real data of benchmarks/signal_eval.py: the daily file is made as its SOURCE.md
says, and the events the evaluation checks are in the shipped events file."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wbr.engine.config import load_config
from wbr.engine.sources import load_data

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import signal_datasets  # noqa: E402

START = pd.Timestamp(signal_datasets.METRO_FIRST_DAY)


def _hourly(days: int = 21) -> pd.DataFrame:
    """Source-shaped rows: every day of a weekday has the same hourly shape times its level."""
    rng = np.random.default_rng(0)
    shape = rng.uniform(0.5, 2.0, (7, 24))
    rows = []
    for d in range(days):
        day = START + pd.Timedelta(days=d)
        level = 100 + 10 * d
        for h in range(24):
            rows.append(
                {
                    "holiday": "None",
                    "temp": 273.15 + h,
                    "rain_1h": 0.0,
                    "snow_1h": 0.0,
                    "clouds_all": 50,
                    "weather_main": "Snow" if (d, h) == (3, 5) else "Clear",
                    "weather_description": "x",
                    "date_time": (day + pd.Timedelta(hours=h)).strftime("%Y-%m-%d %H:%M:%S"),
                    "traffic_volume": round(float(level * shape[day.day_of_week, h])),
                }
            )
    return pd.DataFrame(rows)


def _drop(raw: pd.DataFrame, day: int, hours) -> pd.DataFrame:
    stamps = {
        (START + pd.Timedelta(days=day, hours=h)).strftime("%Y-%m-%d %H:%M:%S") for h in hours
    }
    return raw[~raw["date_time"].isin(stamps)]


def test_a_whole_day_is_its_plain_sum_and_weather_is_per_day():
    raw = _hourly()
    daily = signal_datasets.metro_daily(raw)
    first = raw[raw["date_time"].str.startswith(START.strftime("%Y-%m-%d"))]
    assert daily.loc[START, "vehicles"] == first["traffic_volume"].sum()
    assert daily.loc[START, "am_peak"] == first["traffic_volume"].iloc[6:10].sum()
    assert daily.loc[START, "temp_c"] == pytest.approx(11.5)
    assert daily.loc[START + pd.Timedelta(days=3), "snow_hours"] == 1
    assert daily.loc[START, "snow_hours"] == 0
    # days after the source's rows end are missing, not zero
    assert np.isnan(daily.loc[START + pd.Timedelta(days=30), "vehicles"])
    assert np.isnan(daily.loc[START + pd.Timedelta(days=30), "snow_hours"])


def test_missing_hours_are_estimated_from_the_usual_shape_and_a_low_day_stays_low():
    raw = _hourly()
    whole = signal_datasets.metro_daily(raw)
    # day 10 loses every other hour; its rows are also halved (a real dip): the estimate keeps
    # both the level and the dip, because the missing hours are scaled by their usual share
    hit = raw.copy()
    on_day = hit["date_time"].str.startswith((START + pd.Timedelta(days=10)).strftime("%Y-%m-%d"))
    hit.loc[on_day, "traffic_volume"] = (hit.loc[on_day, "traffic_volume"] / 2).round()
    hit = _drop(hit, 10, range(1, 24, 2))
    estimated = signal_datasets.metro_daily(hit)
    day = START + pd.Timedelta(days=10)
    assert estimated.loc[day, "vehicles"] == pytest.approx(whole.loc[day, "vehicles"] / 2, rel=0.01)


def test_a_window_whose_observed_hours_usually_carry_under_half_is_blank():
    raw = _drop(_hourly(), 12, range(0, 20))  # only 20:00-23:59 left
    daily = signal_datasets.metro_daily(raw)
    day = START + pd.Timedelta(days=12)
    assert np.isnan(daily.loc[day, "vehicles"])
    assert np.isnan(daily.loc[day, "am_peak"])
    assert daily.loc[day, "rain_hours"] == 0  # weather of the hours seen is kept


def test_repeated_hours_with_different_counts_are_an_error():
    raw = _hourly()
    twin = raw.iloc[[5]].assign(traffic_volume=raw["traffic_volume"].iloc[5] + 1)
    with pytest.raises(ValueError, match="different traffic volumes for hour"):
        signal_datasets.metro_daily(pd.concat([raw, twin]))


def test_the_shipped_dataset_loads_and_names_every_checked_event():
    for spec in signal_datasets.HELD_OUT:
        folder = BENCHMARKS / "data" / spec.name
        config = load_config(folder / "wbr.yaml")
        load_data(config)
        named = set(pd.read_csv(folder / "events.csv")["date"])
        for label, (week_end, day, metrics) in spec.events.items():
            assert day.isoformat() in named, label
            assert week_end.weekday() == 5 and 0 <= (week_end - day).days < 7, label
            assert set(metrics) <= set(config.metrics), label
        assert (folder / "SOURCE.md").exists()
    names = {spec.name for spec in signal_datasets.HELD_OUT}
    assert set(signal_datasets.NOT_YET_RUN) <= names  # kept for one run: only names held out


# ----------------------------------------------------------------------------- uk_grid

GRID_COLUMNS = ("ND", "I014_ND", "TSD", "ENGLAND_WALES_DEMAND", "EMBEDDED_WIND_GENERATION")
GRID_COLUMNS += ("EMBEDDED_WIND_CAPACITY", "EMBEDDED_SOLAR_GENERATION", "EMBEDDED_SOLAR_CAPACITY")


def _half_hours(first: str, days: int = 3) -> pd.DataFrame:
    """UKgrid-shaped rows: 48 half-hours a day, ND rising through the day, the rest from it."""
    rows = []
    for d in range(days):
        day = pd.Timestamp(first) + pd.Timedelta(days=d)
        for p in range(48):
            nd = 20_000 + 100 * p + 1_000 * d
            rows.append(
                {
                    "TIMESTAMP": (day + pd.Timedelta(minutes=30 * p)).strftime("%Y-%m-%d %H:%M:%S"),
                    "ND": str(nd),
                    "I014_ND": str(nd),
                    "TSD": str(nd + 1_000),
                    "ENGLAND_WALES_DEMAND": str(nd - 2_000),
                    "EMBEDDED_WIND_GENERATION": "500",
                    "EMBEDDED_WIND_CAPACITY": "4000",
                    "EMBEDDED_SOLAR_GENERATION": "100" if 12 <= p < 36 else "0",
                    "EMBEDDED_SOLAR_CAPACITY": "1000",
                }
            )
    return pd.DataFrame(rows, columns=["TIMESTAMP", *GRID_COLUMNS])


def test_uk_grid_a_day_is_its_half_hours_in_gwh_and_its_peak():
    first = signal_datasets.SOLAR_FIRST_DAY
    daily = signal_datasets.uk_grid_daily(_half_hours(first))
    day = pd.Timestamp(first) + pd.Timedelta(days=1)
    nd = 20_000 * 48 + 100 * sum(range(48)) + 1_000 * 48  # MW over the half-hours of day 1
    assert daily.loc[day, "demand"] == pytest.approx(nd / 2_000)  # x 0.5 h, in GWh
    assert daily.loc[day, "transmission_demand"] == pytest.approx((nd + 48_000) / 2_000)
    assert daily.loc[day, "england_wales_demand"] == pytest.approx((nd - 96_000) / 2_000)
    assert daily.loc[day, "peak_demand"] == 20_000 + 4_700 + 1_000
    assert daily.loc[day, "embedded_wind"] == pytest.approx(12.0)
    assert daily.loc[day, "embedded_solar"] == pytest.approx(1.2)
    assert list(daily.columns) == [
        "demand",
        "transmission_demand",
        "england_wales_demand",
        "peak_demand",
        "embedded_wind",
        "embedded_solar",
    ]
    # days the rows do not reach are blank, not zero
    assert np.isnan(daily.loc[pd.Timestamp(first) + pd.Timedelta(days=10), "demand"])


def test_uk_grid_solar_is_blank_before_its_estimate_starts():
    first = pd.Timestamp(signal_datasets.SOLAR_FIRST_DAY) - pd.Timedelta(days=1)
    daily = signal_datasets.uk_grid_daily(_half_hours(first.strftime("%Y-%m-%d")))
    assert np.isnan(daily.loc[first, "embedded_solar"])
    assert daily.loc[first, "embedded_wind"] == pytest.approx(12.0)
    assert daily.loc[first + pd.Timedelta(days=1), "embedded_solar"] == pytest.approx(1.2)


def test_uk_grid_a_short_clock_change_day_counts_and_a_gappy_one_is_blank():
    raw = _half_hours(signal_datasets.SOLAR_FIRST_DAY)
    first = pd.Timestamp(signal_datasets.SOLAR_FIRST_DAY)
    # day 0 as the package keys a spring clock change: the last 2 of 48 periods are empty
    spring = raw.index[46:48]
    raw.loc[spring, list(GRID_COLUMNS)] = "NA"
    # day 2: ND has only 40 half-hours; the other columns are whole
    raw.loc[raw.index[96 + 40 : 144], "ND"] = ""
    daily = signal_datasets.uk_grid_daily(raw)
    assert daily.loc[first, "demand"] == pytest.approx(
        sum(20_000 + 100 * p for p in range(46)) / 2_000
    )
    day2 = first + pd.Timedelta(days=2)
    assert np.isnan(daily.loc[day2, "demand"]) and np.isnan(daily.loc[day2, "peak_demand"])
    assert not np.isnan(daily.loc[day2, "transmission_demand"])


def test_uk_grid_a_repeated_half_hour_is_an_error():
    raw = _half_hours(signal_datasets.SOLAR_FIRST_DAY)
    with pytest.raises(ValueError, match="repeated half-hour"):
        signal_datasets.uk_grid_daily(pd.concat([raw, raw.iloc[[7]]]))


def test_the_shipped_uk_grid_file_has_every_day_and_consistent_totals():
    daily = pd.read_csv(BENCHMARKS / "data" / "uk_grid" / "daily.csv", index_col="date")
    days = pd.date_range(signal_datasets.GRID_FIRST_DAY, signal_datasets.GRID_LAST_DAY)
    assert list(daily.index) == [d.strftime("%Y-%m-%d") for d in days]
    solar_blank = daily.index < signal_datasets.SOLAR_FIRST_DAY
    assert daily.loc[solar_blank, "embedded_solar"].isna().all()
    assert daily.drop(columns="embedded_solar").notna().all().all()
    assert daily.loc[~solar_blank, "embedded_solar"].notna().all()
    # a day's energy cannot exceed its peak held for 24 hours; England and Wales are part of GB
    assert (daily["demand"] <= daily["peak_demand"] * 24 / 1_000).all()
    assert (daily["england_wales_demand"] < daily["demand"]).all()


# ----------------------------------------------------------------------------- melbourne_footfall

FOOT_NAMES = {sid: name for sid, name in signal_datasets.FOOT_SENSORS.values()}
FOOT_NAMES |= signal_datasets.DOCKLANDS_SENSORS | {1: "Bourke Street Mall (North)"}


def _sensor_days(days: int = 3) -> pd.DataFrame:
    """Prophet-shaped rows: sensor s counts 1,000 x s + the day's number, every day."""
    first = pd.Timestamp(signal_datasets.FOOT_FIRST_DAY)
    rows = [
        {
            "sensor_id": sid,
            "ds": (first + pd.Timedelta(days=d)).strftime("%Y-%m-%d"),
            "y": 1_000 * sid + d,
            "sensor_description": name,
        }
        for sid, name in FOOT_NAMES.items()
        for d in range(days)
    ]
    return pd.DataFrame(rows)


def test_melbourne_a_day_is_each_sensor_and_the_five_cbd_sensors_summed():
    daily = signal_datasets.melbourne_daily(_sensor_days())
    day = pd.Timestamp(signal_datasets.FOOT_FIRST_DAY) + pd.Timedelta(days=1)
    assert list(daily.columns) == [
        "pedestrians",
        "bourke_st_mall",
        "flinders_st",
        "princes_bridge",
        "southern_cross",
        "flagstaff",
        "docklands",
    ]
    assert daily.loc[day, "bourke_st_mall"] == 2_001
    assert daily.loc[day, "flagstaff"] == 13_001
    assert daily.loc[day, "pedestrians"] == (2 + 5 + 6 + 9 + 13) * 1_000 + 5
    assert daily.loc[day, "docklands"] == (8 + 11) * 1_000 + 2  # sensor 1 is not used
    assert len(daily) == 2_557  # every day of 2010-2016; days the rows do not reach are blank
    assert np.isnan(daily.loc[day + pd.Timedelta(days=10), "pedestrians"])


def test_melbourne_a_sum_is_blank_on_a_day_one_of_its_sensors_did_not_count():
    raw = _sensor_days()
    day = pd.Timestamp(signal_datasets.FOOT_FIRST_DAY) + pd.Timedelta(days=2)
    gone = (raw["ds"] == day.strftime("%Y-%m-%d")) & raw["sensor_id"].isin([6, 11])
    daily = signal_datasets.melbourne_daily(raw[~gone])
    assert np.isnan(daily.loc[day, "flinders_st"]) and np.isnan(daily.loc[day, "pedestrians"])
    assert np.isnan(daily.loc[day, "docklands"])
    assert daily.loc[day, "princes_bridge"] == 5_002


def test_melbourne_a_renamed_sensor_or_a_repeated_day_is_an_error():
    raw = _sensor_days()
    renamed = raw.assign(sensor_description=raw["sensor_description"].replace("Webb Bridge", "X"))
    with pytest.raises(ValueError, match="sensor 8 is"):
        signal_datasets.melbourne_daily(renamed)
    with pytest.raises(ValueError, match="two counts for"):
        signal_datasets.melbourne_daily(pd.concat([raw, raw.iloc[[4]]]))


def test_the_shipped_melbourne_file_has_every_day_and_consistent_sums():
    daily = pd.read_csv(BENCHMARKS / "data" / "melbourne_footfall" / "daily.csv", index_col="date")
    days = pd.date_range(signal_datasets.FOOT_FIRST_DAY, signal_datasets.FOOT_LAST_DAY)
    assert list(daily.index) == [d.strftime("%Y-%m-%d") for d in days]
    assert daily.drop(columns="docklands").notna().all().all()
    assert daily["docklands"].isna().sum() == 32
    parts = list(signal_datasets.FOOT_SENSORS)
    assert (daily[parts].sum(axis=1) == daily["pedestrians"]).all()
    assert (daily.drop(columns="docklands") > 0).all().all()

"""`comparison: abs`: a change in the metric's own unit (+2.30 °C, -4.59 pts) wherever a change
is shown, for metrics whose percent change is meaningless or can change sign."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wbr.engine.build import build_deck
from wbr.engine.compare import compare, compare_arrays
from wbr.engine.config import load_config
from wbr.fmt import box_cells, direction, format_change

WEEK = "2026-11-21"


@pytest.mark.parametrize(
    ("change", "unit", "text"),
    [
        (2.3, "°C", "+2.30 °C"),
        (-4.0, "pts", "-4 pts"),
        (0.0, "pts", "0 pts"),
        (1200.0, "currency", "+$1.20K"),
        (-1200.0, "currency", "-$1.20K"),
        (0.015, "percent", "+1.50 pp"),
        (-7.0, "count", "-7"),
        (None, "°C", "N/A"),
    ],
)
def test_an_abs_change_shows_in_the_metrics_unit(change, unit, text):
    assert format_change(change, "abs", unit) == text


def test_abs_compares_by_difference_where_pct_would_be_undefined():
    assert compare(-2.0, -5.0, "abs") == 3.0  # a negative base has no % change
    assert compare(-2.0, -5.0, "pct") is None
    assert compare(None, 1.0, "abs") is None
    got = compare_arrays(np.array([1.0, -3.0, np.nan]), np.array([0.0, -1.0, 2.0]), "abs")
    np.testing.assert_array_equal(got, [1.0, -2.0, np.nan])


def test_a_small_abs_change_keeps_its_arrow():
    # 0.04 °C shows as +0.0400 °C: it must not lose its arrow as a % change under 0.05 would
    assert direction(0.04, "abs", "higher_is_better") == ("▲", "favourable")
    assert direction(0.0, "abs", "higher_is_better") == ("", None)


@pytest.fixture(scope="module")
def weather_deck(tmp_path_factory) -> Path:
    """Two years of a daily temperature (about 2.3 °C warmer this year) and an NPS that fell
    6 points last week against a flat plan of 20."""
    folder = tmp_path_factory.mktemp("abs")
    days = pd.date_range("2024-11-01", WEEK)
    rng = np.random.default_rng(7)
    season = -9 * np.cos((days.day_of_year.to_numpy() - 20) / 365.25 * 2 * np.pi)
    temperature = 12 + season + rng.normal(0, 1.0, len(days))
    temperature += np.where(days >= "2025-11-22", 2.3, 0.0)
    nps = 20 + rng.normal(0, 3, len(days)) - np.where(days >= "2026-11-15", 6, 0)
    frame = pd.DataFrame(
        {"date": days.strftime("%Y-%m-%d"), "temperature": temperature.round(2), "nps": nps}
    )
    frame.to_csv(folder / "metrics.csv", index=False)
    plan_days = pd.date_range("2026-01-01", "2026-12-31")
    pd.DataFrame({"date": plan_days.strftime("%Y-%m-%d"), "nps": 20.0}).to_csv(
        folder / "plan.csv", index=False
    )
    (folder / "wbr.yaml").write_text(
        "title: Weather and loyalty\n"
        "sources:\n"
        "  actuals: {path: metrics.csv, format: wide}\n"
        "  plan: {path: plan.csv, format: wide}\n"
        "metrics:\n"
        "  temperature: {label: Mean temperature, aggregation: mean, unit: '°C',"
        " comparison: abs, polarity: neutral}\n"
        "  nps: {label: NPS, aggregation: mean, unit: pts, comparison: abs,"
        " flags: {plan_miss_abs: 3}}\n",
        encoding="utf-8",
    )
    return folder


def _week_mean(frame: pd.DataFrame, metric: str, end: str) -> float:
    end_day = pd.Timestamp(end)
    return float(frame.set_index("date")[metric][end_day - pd.Timedelta(days=6) : end_day].mean())


def test_the_box_score_holds_differences_in_the_unit(weather_deck):
    deck = build_deck(load_config(weather_deck / "wbr.yaml"))
    data = pd.read_csv(weather_deck / "metrics.csv", parse_dates=["date"])
    temperature, nps = deck.blocks
    assert (temperature.comparison, nps.comparison) == ("abs", "abs")
    expected = _week_mean(data, "temperature", WEEK) - _week_mean(data, "temperature", "2025-11-22")
    assert temperature.box.yoy == pytest.approx(expected)
    wow = _week_mean(data, "nps", WEEK) - _week_mean(data, "nps", "2026-11-14")
    assert nps.box.wow == pytest.approx(wow)
    assert nps.plan.last_week_var == pytest.approx(_week_mean(data, "nps", WEEK) - 20.0)
    cells = box_cells(temperature).actual
    assert cells[2].text == format_change(expected, "abs", "°C") and cells[2].text.endswith(" °C")
    assert box_cells(nps).vs_plan[0].text.endswith(" pts")


def test_every_output_shows_abs_changes_in_the_unit_never_as_percent(weather_deck, capsys):
    from wbr.cli import main
    from wbr.deliver.summary import summary_bodies
    from wbr.render.html import deck_html

    json_path = weather_deck / "deck.json"
    assert main(["deck", "--config", str(weather_deck / "wbr.yaml"), "--json", str(json_path)]) == 0
    table = capsys.readouterr().out
    deck = build_deck(load_config(weather_deck / "wbr.yaml"))
    temperature, nps = deck.blocks
    yoy_text = format_change(temperature.box.yoy, "abs", "°C")
    plan_text = format_change(nps.plan.last_week_var, "abs", "pts")
    assert yoy_text in table and plan_text in table

    page = deck_html(deck)
    visible_text = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
    assert yoy_text in visible_text and plan_text in visible_text
    html_body, text_body, _ = summary_bodies(deck, "deck.html", {})
    assert plan_text in html_body and plan_text in text_body

    # the flags and questions cite the plan miss in points, against plan_miss_abs
    miss = next(f for f in nps.flags if f.type == "plan" and f.rule == "miss")
    assert f"by more than 3 pts: LastWk {plan_text}" in miss.detail
    questions = " ".join(q.text for q in nps.questions)
    assert f"missed plan by {plan_text.lstrip('-')}" in questions
    for text in [miss.detail, questions, *(f.detail for f in nps.flags)]:
        assert not re.search(r"[+-]?\d[\d.,]*%", text), text
    assert json.loads(json_path.read_text(encoding="utf-8"))["blocks"][0]["comparison"] == "abs"


def test_abs_without_plan_miss_abs_raises_no_plan_miss(weather_deck):
    text = (weather_deck / "wbr.yaml").read_text(encoding="utf-8")
    config_path = weather_deck / "no_threshold.yaml"
    config_path.write_text(text.replace(", flags: {plan_miss_abs: 3}", ""), encoding="utf-8")
    nps = build_deck(load_config(config_path)).blocks[1]
    assert not [f for f in nps.flags if f.type == "plan" and f.rule == "miss"]


def test_validate_warns_of_a_percent_comparison_on_values_that_change_sign(
    weather_deck, tmp_path, capsys
):
    from wbr.cli import main

    frame = pd.read_csv(weather_deck / "metrics.csv")
    frame["temperature"] -= 10  # winters below 0 °C
    frame.to_csv(tmp_path / "metrics.csv", index=False)
    (tmp_path / "plan.csv").write_bytes((weather_deck / "plan.csv").read_bytes())
    config = (weather_deck / "wbr.yaml").read_text(encoding="utf-8")
    (tmp_path / "wbr.yaml").write_text(
        config.replace(" comparison: abs, polarity: neutral", " polarity: neutral"),
        encoding="utf-8",
    )
    assert main(["validate", "--config", str(tmp_path / "wbr.yaml")]) == 0
    out = capsys.readouterr().out
    assert re.search(
        r"warning: temperature has negative values \(\d+ days\) and is compared in percent; set"
        r" `comparison: abs`",
        out,
    )
    assert "nps has negative" not in out
    assert main(["validate", "--config", str(weather_deck / "wbr.yaml")]) == 0
    assert "negative values" not in capsys.readouterr().out

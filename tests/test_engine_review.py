"""Adversarial review of the engine: inputs an operator meets on a Monday morning.

Each test pins one defect found in review (loaders, calendar edges, CLI user errors, display).
A user error must exit 2 with a message naming the file (and line); a number must never be a
partial or double-counted sum that looks final.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import BASIC_CONFIG, daily_rows, write_business
from wbr.cli import main
from wbr.engine.config import load_config, parse_config
from wbr.engine.sources import load_data
from wbr.errors import ConfigError, DataError
from wbr.fmt import scaled

HEADER = "date,metric,value\n"
DIMENSIONED = """\
title: T
sources:
  actuals: {path: metrics.csv}
dimensions: [region]
metrics:
  orders: {}
"""
WIDE = """\
title: T
sources:
  actuals: {path: metrics.csv, format: wide}
metrics:
  orders: {}
  sessions: {}
"""
WITH_PLAN = BASIC_CONFIG.replace(
    "  actuals: {path: metrics.csv, format: long}\n",
    "  actuals: {path: metrics.csv, format: long}\n  plan: {path: plan.csv, grain: monthly}\n",
)


def _deck_cli(folder: Path, *args: str) -> tuple[int, str]:
    """Run `wbr deck --quiet` in folder; (exit code, stderr). Any escaping exception fails."""
    here = os.getcwd()
    os.chdir(folder)
    try:
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["deck", "--config", "wbr.yaml", "--quiet", *args])
    finally:
        os.chdir(here)
    return code, err.getvalue()


def _good_rows(**kwargs) -> pd.DataFrame:
    return daily_rows({"orders": 300.0, "sessions": 9000.0}, **kwargs)


# ---- calendar / week resolution ---------------------------------------------------------


def test_less_than_a_week_of_data_is_a_user_error_not_a_traceback(tmp_path):
    # Thu 1 Jan and Fri 2 Jan 2026 only: 'latest' resolves to Sat 27 Dec 2025, before any data.
    write_business(
        tmp_path,
        BASIC_CONFIG,
        {
            "metrics.csv": HEADER + "2026-01-01,orders,5\n2026-01-01,sessions,50\n"
            "2026-01-02,orders,6\n2026-01-02,sessions,60\n"
        },
    )
    code, err = _deck_cli(tmp_path)
    assert code == 2
    assert err.startswith("wbr: error: ") and "2026-01-01" in err


def test_requested_week_before_the_data_starts_is_a_user_error(tmp_path):
    write_business(tmp_path, BASIC_CONFIG, {"metrics.csv": _good_rows()})  # from 2024-01-01
    code, err = _deck_cli(tmp_path, "--week", "2023-06-03")
    assert code == 2
    assert "2024-01-01" in err  # names the first actual date


def test_week_that_starts_before_the_data_builds_an_incomplete_deck(tmp_path):
    # Data starts Mon 2024-01-01; the week ending Sat 2024-01-06 has 6 of its 7 days.
    write_business(tmp_path, BASIC_CONFIG, {"metrics.csv": _good_rows()})
    code, err = _deck_cli(tmp_path, "--week", "2024-01-06", "--json", "deck.json")
    assert code == 0, err
    deck = json.loads((tmp_path / "deck.json").read_text())
    orders = next(b for b in deck["blocks"] if b["metric"] == "orders")
    assert orders["box"]["last_week"] is None
    assert orders["status"]["complete"] is False


# ---- loaders ----------------------------------------------------------------------------


@pytest.mark.parametrize("bad_date", ["9999-12-31", "0001-01-01"])
def test_out_of_range_date_is_reported_with_its_line(tmp_path, bad_date):
    csv = HEADER + "2026-01-01,orders,5\n2026-01-01,sessions,50\n" + f"{bad_date},orders,5\n"
    write_business(tmp_path, BASIC_CONFIG, {"metrics.csv": csv})
    code, err = _deck_cli(tmp_path)
    assert code == 2
    assert "metrics.csv:4" in err and bad_date in err


def test_a_blank_slice_value_blanks_the_day_total(tmp_path):
    csv = (
        "date,metric,value,region\n"
        "2026-01-01,orders,10,East\n2026-01-01,orders,,West\n"
        "2026-01-02,orders,10,East\n2026-01-02,orders,5,West\n"
    )
    path = write_business(tmp_path, DIMENSIONED, {"metrics.csv": csv})
    daily = load_data(load_config(path)).actuals["orders"]
    assert pd.isna(daily.loc["2026-01-01"])  # West unknown: the total is unknown, not 10
    assert daily.loc["2026-01-02"] == 15


def test_a_total_row_beside_its_slices_is_not_double_counted(tmp_path):
    csv = (
        "date,metric,value,region\n"
        "2026-01-01,orders,15,\n2026-01-01,orders,10,East\n2026-01-01,orders,5,West\n"
    )
    path = write_business(tmp_path, DIMENSIONED, {"metrics.csv": csv})
    with pytest.raises(DataError, match=r"metrics\.csv.*2.*3"):
        load_data(load_config(path))


def test_wide_file_with_a_duplicated_metric_column_is_an_error(tmp_path):
    csv = "date,orders,sessions,orders\n2026-01-01,1,10,100\n2026-01-02,2,20,200\n"
    path = write_business(tmp_path, WIDE, {"metrics.csv": csv})
    with pytest.raises(DataError, match="orders"):
        load_data(load_config(path))


@pytest.mark.parametrize("shape", ["long", "wide"])
def test_trailing_comma_on_data_rows_reads_like_the_clean_file(tmp_path, shape):
    rows = _good_rows(start="2026-10-01")
    if shape == "long":
        config = BASIC_CONFIG
        clean = HEADER + "".join(f"{d},{m},{v}\n" for d, m, v in rows.itertuples(index=False))
    else:
        config = WIDE
        wide = rows.pivot(index="date", columns="metric", values="value").reset_index()
        clean = "date,orders,sessions\n" + "".join(
            f"{r.date},{r.orders},{r.sessions}\n" for r in wide.itertuples(index=False)
        )
    header, *body = clean.splitlines(keepends=True)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    trailing = header + "".join(line.replace("\n", ",\n") for line in body)
    expected = load_data(
        load_config(write_business(tmp_path / "a", config, {"metrics.csv": clean}))
    )
    got = load_data(load_config(write_business(tmp_path / "b", config, {"metrics.csv": trailing})))
    pd.testing.assert_frame_equal(got.actuals, expected.actuals)


def test_first_row_with_more_fields_than_the_header_names_its_line(tmp_path):
    # pandas silently takes the extra leading field as an index: every column shifts by one
    csv = HEADER + "2026-01-01,orders,5,7\n2026-01-01,sessions,50\n2026-01-02,orders,6\n"
    path = write_business(tmp_path, BASIC_CONFIG, {"metrics.csv": csv})
    with pytest.raises(DataError, match=r"metrics\.csv:2"):
        load_data(load_config(path))


def test_monthly_plan_with_two_rows_for_one_month_is_an_error(tmp_path):
    plan = HEADER + "2026-11-01,orders,9000\n2026-11-30,orders,9000\n"
    path = write_business(tmp_path, WITH_PLAN, {"metrics.csv": _good_rows(), "plan.csv": plan})
    with pytest.raises(DataError, match=r"plan\.csv.*2026-11"):
        load_data(load_config(path))


def test_a_plan_given_for_a_ratio_metric_is_not_silently_ignored(tmp_path):
    config = WITH_PLAN.replace("grain: monthly", "grain: daily")
    plan = HEADER + "2026-11-15,conversion,0.035\n"
    path = write_business(tmp_path, config, {"metrics.csv": _good_rows(), "plan.csv": plan})
    with pytest.raises(DataError, match=r"conversion.*(orders|sessions)"):
        load_data(load_config(path))


# ---- CLI: user errors exit 2 with one clear line ------------------------------------------


def test_data_path_that_is_a_folder_exits_2(tmp_path):
    write_business(tmp_path, BASIC_CONFIG, {})
    (tmp_path / "metrics.csv").mkdir()
    code, err = _deck_cli(tmp_path)
    assert code == 2 and "metrics.csv" in err and "Traceback" not in err


def test_config_that_is_not_utf8_exits_2(tmp_path):
    write_business(tmp_path, BASIC_CONFIG, {"metrics.csv": _good_rows()})
    (tmp_path / "wbr.yaml").write_bytes(BASIC_CONFIG.replace("Test", "Caf\xe9").encode("latin-1"))
    code, err = _deck_cli(tmp_path)
    assert code == 2 and "wbr.yaml" in err


@pytest.mark.parametrize("target", ["missing-dir/sub/deck.json", "existing-folder"])
def test_unwritable_json_path_exits_2(tmp_path, target):
    write_business(tmp_path, BASIC_CONFIG, {"metrics.csv": _good_rows(start="2025-06-01")})
    (tmp_path / "missing-dir").write_text("a file where a folder is expected")
    (tmp_path / "existing-folder").mkdir()
    code, err = _deck_cli(tmp_path, "--json", target)
    assert code == 2 and target.split("/")[0] in err


# ---- config ----------------------------------------------------------------------------


def test_a_metric_defined_twice_is_an_error_naming_both_lines():
    text = (
        "title: T\nsources:\n  actuals: {path: m.csv}\nmetrics:\n"
        "  orders: {label: A}\n  orders: {label: B}\n"
    )
    with pytest.raises(ConfigError, match=r"wbr\.yaml:6.*orders.*5|wbr\.yaml:5.*orders.*6"):
        parse_config(text)


def test_unknown_metric_in_a_drives_list_points_at_its_item_line():
    text = (
        "title: T\nsources:\n  actuals: {path: m.csv}\nmetrics:\n  orders:\n"
        "    drives:\n      - orders\n      - sesions\n"
    )
    with pytest.raises(ConfigError, match=r"^wbr\.yaml:8: "):
        parse_config(text)


def test_section_without_metrics_points_at_its_item_line():
    text = (
        "title: T\nsources:\n  actuals: {path: m.csv}\nsections:\n  - Traffic\n  - Shoping\n"
        "metrics:\n  orders: {section: Traffic}\n"
    )
    with pytest.raises(ConfigError, match=r"^wbr\.yaml:6: "):
        parse_config(text)


# ---- display ---------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "shown"), [(99.96, "100"), (9.996, "10.0"), (-99.96, "-100")])
def test_three_significant_figures_at_rounding_boundaries(value, shown):
    assert scaled(value) == shown


def test_a_small_nonzero_value_is_not_shown_as_zero():
    # e.g. a ratio such as defects per unit (unit: count) of 0.0049
    assert scaled(0.0049).startswith("0.0049")

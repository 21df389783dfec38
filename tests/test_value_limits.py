"""Values too large to add up are rejected with their line; a huge bad cell is quoted clipped."""

from __future__ import annotations

import time

import pytest

from tests.conftest import BASIC_CONFIG, daily_rows, write_business
from wbr.engine.config import load_config
from wbr.engine.sources import load_data
from wbr.errors import DataError

WIDE = """\
title: T
sources:
  actuals: {path: metrics.csv, format: wide}
metrics:
  orders: {}
"""


def _business_with(tmp_path, values: dict[int, str]):
    """The basic business with some orders cells replaced; returns (config path, their lines)."""
    rows = daily_rows({"orders": 300.0, "sessions": 9000.0}, start="2026-01-01")
    orders = rows.index[rows["metric"] == "orders"]
    rows["value"] = rows["value"].astype(object)
    lines = {}
    for position, text in values.items():
        rows.loc[orders[position], "value"] = text
        lines[text] = int(orders[position]) + 2  # header is line 1
    return write_business(tmp_path, BASIC_CONFIG, {"metrics.csv": rows}), lines


def test_1e308_on_two_days_is_an_error_naming_both_lines(tmp_path):
    """Issue 10, defect 10: the two values would sum to inf and blank every box."""
    path, lines = _business_with(tmp_path, {-3: "1e308", -2: "1.5e308"})
    with pytest.raises(DataError) as caught:
        load_data(load_config(path))
    message = str(caught.value)
    assert [(p.line, p.column) for p in caught.value.problems] == [
        (line, "value") for line in lines.values()
    ]
    for problem in caught.value.problems:
        assert "e+308' is too large to add up" in problem.message
    assert "metrics.csv:" in message


def test_one_huge_value_is_an_error_too(tmp_path):
    """One 1e308 day gave a 300-digit total and an inf% change."""
    path, lines = _business_with(tmp_path, {-1: "-1e300"})
    with pytest.raises(DataError, match=rf"metrics.csv:{lines['-1e300']}: .*too large"):
        load_data(load_config(path))


def test_large_but_real_values_load(tmp_path):
    path, _ = _business_with(tmp_path, {-1: "999999999999999999"})
    assert load_data(load_config(path)).actuals["orders"].iloc[-1] == pytest.approx(1e18)


def test_a_wide_file_rejects_huge_values_with_their_line(tmp_path):
    path = write_business(
        tmp_path, WIDE, {"metrics.csv": "date,orders\n2026-01-01,1\n2026-01-02,1e308\n"}
    )
    with pytest.raises(DataError, match=r"metrics.csv:3: column 'orders': '1e\+308' is too large"):
        load_data(load_config(path))


@pytest.mark.parametrize("cell", ["inf", "-inf", "-1e300"])
def test_a_wide_file_rejects_an_unbounded_cell_beside_blanks_with_its_line(tmp_path, cell):
    """The wide loader's bound check skips blanks (a column of only blanks is fine)."""
    text = f"date,orders,sessions\n2026-01-01,,\n2026-01-02,1,\n2026-01-03,{cell},\n"
    path = write_business(tmp_path, WIDE, {"metrics.csv": text})
    with pytest.raises(DataError, match=r"metrics.csv:4: column 'orders'"):
        load_data(load_config(path))


def test_a_megabytes_long_bad_cell_is_quoted_clipped_with_its_length(tmp_path):
    """Issue 10, defect 15: a 20 MB cell was echoed whole in the error."""
    cell = "x" * 2_000_000
    path = write_business(
        tmp_path,
        BASIC_CONFIG,
        {"metrics.csv": f"date,metric,value\n2026-01-01,orders,1\n2026-01-02,orders,{cell}\n"},
    )
    started = time.perf_counter()
    with pytest.raises(DataError) as caught:
        load_data(load_config(path))
    (problem,) = [p for p in caught.value.problems if p.line == 3]
    assert len(str(problem)) < 300 and len(str(caught.value)) < 1000
    assert problem.message.startswith("'xxxx")
    assert problem.message.endswith("... (2,000,000 characters)' is not a number")
    assert time.perf_counter() - started < 30  # sanity: no quadratic work on the cell


def test_a_huge_bad_date_is_quoted_clipped(tmp_path):
    path = write_business(
        tmp_path, BASIC_CONFIG, {"metrics.csv": f"date,metric,value\n{'9' * 100_000},orders,1\n"}
    )
    with pytest.raises(DataError) as caught:
        load_data(load_config(path))
    (problem,) = [p for p in caught.value.problems if p.line == 2]
    assert len(str(problem)) < 300
    assert "... (100,000 characters)' is not a date" in problem.message

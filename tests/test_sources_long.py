"""The long-file loader on integer codes: each distinct cell parsed once, rows sorted and compared
on codes, yet every message, line number, slice spelling and row order as a string sort gives."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import write_business
from wbr.engine.config import load_config
from wbr.engine.sources import load_data
from wbr.errors import DataError

SPLIT = """\
title: T
sources:
  actuals: {path: metrics.csv}
dimensions: [region]
metrics:
  orders: {}
  visits: {}
"""


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    """Messages name files relative to the working directory."""
    monkeypatch.chdir(tmp_path)


def _load(tmp_path, csv: str, config: str = SPLIT):
    return load_data(load_config(write_business(tmp_path, config, {"metrics.csv": csv})))


def _message(tmp_path, csv: str, config: str = SPLIT) -> str:
    with pytest.raises(DataError) as caught:
        _load(tmp_path, csv, config)
    return str(caught.value)


def test_totals_beside_slices_are_named_per_day_and_metric_in_order(tmp_path):
    csv = (
        "date,metric,value,region\n"
        "2026-01-02,visits,9,north\n"  # 2
        "2026-01-02,visits,9,\n"  # 3: a total beside north and south
        "2026-01-01,orders,5,north\n"  # 4
        "2026-01-01,orders,5,south\n"  # 5: 2026-01-01 orders only slices
        "2026-01-02,orders,5,\n"  # 6: 2026-01-02 orders only a total
        "2026-01-02,visits,9,south\n"  # 7
        "2026-01-01,visits,1,\n"  # 8
        "2026-01-01,visits,1,east\n"  # 9
    )
    assert _message(tmp_path, csv).splitlines() == [
        "metrics.csv: rows for visits on 2026-01-01 mix a blank region (a total?) with region "
        "values on lines 8, 9: a total beside its slices would be counted twice",
        "metrics.csv: rows for visits on 2026-01-02 mix a blank region (a total?) with region "
        "values on lines 3, 2, 7: a total beside its slices would be counted twice",
    ]


def test_one_day_spelled_two_ways_is_one_day_so_its_rows_are_duplicates(tmp_path):
    csv = "date,metric,value,region\n1/5/2026,orders,1,north\n01/05/2026,orders,2,north\n"
    message = _message(tmp_path, csv, SPLIT.replace("  visits: {}\n", ""))
    assert message == (
        "metrics.csv: duplicate row (date=2026-01-05, metric=orders, region=north) on lines 2, 3"
    )


def test_slice_values_that_look_like_numbers_keep_their_spelling(tmp_path):
    csv = (
        "date,metric,value,region\n"
        "2026-01-01,orders,1,01\n2026-01-01,orders,2,1\n2026-01-01,orders,4,1.0\n"
        "2026-01-01,visits,1,01\n2026-01-01,visits,2,1\n2026-01-01,visits,4,1.0\n"
    )
    data = _load(tmp_path, csv)
    assert data.slices["region"].tolist() == ["01", "1", "1.0", "01", "1", "1.0"]
    assert data.actuals["orders"].tolist() == [7.0]


def test_slices_come_sorted_by_date_metric_and_slice_text_by_code_point(tmp_path):
    config = SPLIT.replace("[region]", "[region, channel]")
    rows = [
        ("2026-01-02", "orders", "b", "web"),
        ("2026-01-01", "visits", "B", "app"),
        ("2026-01-01", "orders", "\u00e9", "web"),
        ("2026-01-01", "orders", "B", "web"),
        ("2026-01-01", "orders", "b", "app"),
        ("2026-01-01", "orders", "\u00e9", "app"),
        ("2026-01-01", "orders", "B", "app"),
        ("2026-01-01", "orders", "b", "web"),
    ]
    csv = "date,metric,value,region,channel\n" + "".join(
        f"{day},{metric},1,{region},{channel}\n" for day, metric, region, channel in rows
    )
    slices = _load(tmp_path, csv, config).slices
    shown = [
        (f"{day:%Y-%m-%d}", metric, region, channel)
        for day, metric, region, channel in slices[
            ["date", "metric", "region", "channel"]
        ].itertuples(index=False)
    ]
    assert shown == [
        ("2026-01-01", "orders", "B", "app"),
        ("2026-01-01", "orders", "B", "web"),
        ("2026-01-01", "orders", "b", "app"),
        ("2026-01-01", "orders", "b", "web"),
        ("2026-01-01", "orders", "\u00e9", "app"),
        ("2026-01-01", "orders", "\u00e9", "web"),
        ("2026-01-01", "visits", "B", "app"),
        ("2026-01-02", "orders", "b", "web"),
    ]


def test_spaces_around_a_slice_value_or_a_metric_do_not_make_another(tmp_path):
    csv = (
        "date,metric,value,region\n"
        "2026-01-01, orders ,1,north\n2026-01-01,orders,2,  south\n"
        "2026-01-02,orders,1,north  \n2026-01-02,orders ,2,south\n"
        "2026-01-01,visits,1,north\n2026-01-02,visits,1,north\n"
    )
    data = _load(tmp_path, csv)
    assert data.actuals["orders"].tolist() == [3.0, 3.0]
    assert sorted(set(data.slices["region"])) == ["north", "south"]


def test_bad_dates_are_named_in_file_order_with_their_lines(tmp_path):
    csv = (
        "date,metric,value,region\n"
        "2026-01-01,orders,1,north\n"
        "2026-13-01,orders,1,north\n"  # 3
        ",orders,1,south\n"  # 4
        "9999-12-31,visits,1,north\n"  # 5
        "2026-13-01,visits,1,south\n"  # 6: the same bad cell again
        "2026-13-01,unconfigured,1,south\n"  # 7: not read, not reported
        " ,visits,1,north\n"  # 8
    )
    assert _message(tmp_path, csv).splitlines() == [
        "metrics.csv:4: column 'date': empty date",
        "metrics.csv:8: column 'date': empty date",
        "metrics.csv:3: column 'date': '2026-13-01' is not a date in this file's format YYYY-MM-DD",
        "metrics.csv:5: column 'date': '9999-12-31' is outside the years 1900-2200 "
        "(a placeholder date?)",
        "metrics.csv:6: column 'date': '2026-13-01' is not a date in this file's format YYYY-MM-DD",
    ]


def test_a_named_weekday_that_does_not_match_its_date_is_named(tmp_path):
    csv = (
        "date,metric,value,region\n"
        '"Sun, 05-Jan-2020",orders,1,north\n'
        '"Mon, 05-Jan-2020",orders,1,south\n'
        '"Sun, 05-Jan-2020",visits,1,north\n'
        '"Mon, 05-Jan-2020",visits,1,south\n'
    )
    line = (
        "column 'date': 'Mon, 05-Jan-2020': the weekday does not match the date (Sun 05 Jan 2020)"
    )
    assert _message(tmp_path, csv).splitlines() == [
        f"metrics.csv:3: {line}",
        f"metrics.csv:5: {line}",
    ]


def test_rows_told_apart_only_by_an_undeclared_column_are_not_duplicates(tmp_path):
    config = SPLIT.replace("  visits: {}\n", "")
    csv = (
        "date,metric,value,region,batch\n"
        "2026-01-01,orders,1,north,1\n2026-01-01,orders,2,north,2\n2026-01-01,orders,4,north,\n"
    )
    assert _load(tmp_path, csv, config).actuals["orders"].tolist() == [7.0]
    csv += "2026-01-01,orders,8,north,1\n"
    assert _message(tmp_path, csv, config) == (
        # an undeclared column is read as numbers when it can be, and shown as read
        "metrics.csv: duplicate row (date=2026-01-01, metric=orders, region=north, batch=1.0) "
        "on lines 2, 5"
    )


def test_a_long_file_read_in_chunks_loads_as_read_whole(tmp_path, monkeypatch):
    from wbr.engine import csv_table

    config = SPLIT.replace("[region]", "[region, channel]")
    csv = (
        "date,metric,value,region,channel,batch\n"
        "2026-01-02,orders,1,north,web,1\n"
        "\n"  # a blank line: line numbers stay the file's
        "2026-01-01, orders ,2.5,north ,web,x\n"  # the value and batch columns change type
        "2026-01-01,orders,3,south,web,\n"
        "2026-01-02,orders,4,south,web,\n"
        "2026-01-01,visits,1,,,\n"
        "2026-01-02,visits,2,,,\n"
        "2026-01-02,visits,3,,,\n"  # a duplicate, reported with its lines
    )
    whole = _message(tmp_path, csv, config)
    assert whole == (
        "metrics.csv: duplicate row (date=2026-01-02, metric=visits, region=(blank), "
        "channel=(blank), batch=(blank)) on lines 8, 9"
    )
    monkeypatch.setattr(csv_table, "CODED_CHUNK_ROWS", 2)
    assert _message(tmp_path, csv, config) == whole
    fixed = csv.rsplit("2026-01-02,visits,3", 1)[0]
    chunked = _load(tmp_path, fixed, config)
    monkeypatch.setattr(csv_table, "CODED_CHUNK_ROWS", 1_000_000)
    read_whole = _load(tmp_path, fixed, config)
    pd.testing.assert_frame_equal(chunked.slices, read_whole.slices)
    pd.testing.assert_frame_equal(chunked.actuals, read_whole.actuals)
    assert chunked.actuals["orders"].tolist() == [5.5, 5.0]


@pytest.mark.parametrize(
    ("regions", "coded"),
    [
        (("north", "south ", "north "), True),  # trailing spaces kept as read
        (("01", "x", "1"), False),  # "01" read as the number 1 in a chunk: read whole as text
    ],
)
def test_chunks_keep_each_text_cell_as_written_and_numbers_as_numbers(
    tmp_path, monkeypatch, regions, coded
):
    from wbr.engine import csv_table

    path = tmp_path / "rows.csv"
    first, second, third = regions
    path.write_text(
        "date,metric,value,region\n"
        f"2026-01-01,a,1,{first}\n2026-01-01,b,2,{first}\n\n"
        f"2026-01-02,a,3.5,{second}\n2026-01-02,b,,{third}\n"
    )
    monkeypatch.setattr(csv_table, "CODED_CHUNK_ROWS", 2)
    text = {"date", "metric", "region"}
    chunked = csv_table.read_table(path, text, coded=True)
    whole = csv_table.read_table(path, text)
    assert isinstance(chunked["region"].dtype, pd.CategoricalDtype) is coded
    assert chunked.index.tolist() == whole.index.tolist() == [0, 1, 3, 4]  # blank line dropped
    for column in ("date", "metric", "region"):
        assert chunked[column].astype(object).tolist() == whole[column].astype(object).tolist()
    assert chunked["region"].astype(object).tolist()[2:] == [second, third]
    assert chunked["value"].dtype == whole["value"].dtype == "float64"
    assert chunked["value"].tolist()[:3] == [1.0, 2.0, 3.5]

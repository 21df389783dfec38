"""The catalogue of bad inputs: each gives exit code 2 and this exact message on stderr."""

from __future__ import annotations

import os

import pytest

from tests.conftest import BASIC_CONFIG, write_business
from wbr.cli import main

CYCLE_CONFIG = """\
title: T
sources:
  actuals: {path: metrics.csv}
metrics:
  orders: {}
  a: {aggregation: ratio, numerator: b, denominator: orders}
  b: {aggregation: ratio, numerator: a, denominator: orders}
"""
WIDE_CONFIG = """\
title: T
sources:
  actuals: {path: metrics.csv, format: wide}
metrics:
  orders: {}
"""
HEADER = "date,metric,value\n"
GOOD_DAY = "2026-01-01,orders,12\n2026-01-01,sessions,100\n"


def _with(old: str, new: str) -> str:
    assert old in BASIC_CONFIG
    return BASIC_CONFIG.replace(old, new)


# (case id, config text, metrics.csv text or None for a valid file, extra args, expected stderr)
CATALOGUE = [
    (
        "unknown top-level key",
        BASIC_CONFIG + "colour: blue\n",
        None,
        [],
        "wbr.yaml:9: unknown key 'colour'",
    ),
    (
        "unknown metric key (typo)",
        _with("orders: {section: Shopping}", "orders: {section: Shopping, agg: sum}"),
        None,
        [],
        "wbr.yaml:5: unknown key 'metrics.orders.agg'",
    ),
    (
        "ratio without numerator",
        _with("numerator: orders, ", ""),
        None,
        [],
        "wbr.yaml:7: metrics.conversion: a ratio metric needs numerator",
    ),
    (
        "ratio numerator is an unknown metric",
        _with("numerator: orders", "numerator: ordrs"),
        None,
        [],
        "wbr.yaml:7: metrics.conversion.numerator: unknown metric 'ordrs'",
    ),
    (
        "ratio cycle",
        CYCLE_CONFIG,
        None,
        [],
        "wbr.yaml:6: metrics.a: circular definition a -> b -> a",
    ),
    (
        "derived metric without a formula",
        _with("orders: {section: Shopping}", "orders: {section: Shopping, aggregation: derived}"),
        None,
        [],
        "wbr.yaml:5: metrics.orders: a derived metric needs a formula: {op, operands}",
    ),
    (
        "formula operand is an unknown metric",
        BASIC_CONFIG
        + "  profit: {aggregation: derived, formula: {op: difference, operands: [orders, cost]}}\n",
        None,
        [],
        "wbr.yaml:9: metrics.profit.formula.operands: unknown metric 'cost'",
    ),
    (
        "difference of three operands",
        BASIC_CONFIG + "  profit: {aggregation: derived, formula: {op: difference, "
        "operands: [orders, sessions, orders]}}\n",
        None,
        [],
        "wbr.yaml:9: metrics.profit.formula: difference takes exactly 2 operands, got 3",
    ),
    (
        "bad week end weekday",
        BASIC_CONFIG + "calendar: {week_end_day: funday}\n",
        None,
        [],
        "wbr.yaml:9: calendar.week_end_day: expected one of monday, tuesday, wednesday, "
        "thursday, friday, saturday, sunday, got 'funday'",
    ),
    (
        "week_ending not on the week end day",
        BASIC_CONFIG + "week_ending: 2026-11-20\n",
        None,
        [],
        "wbr.yaml:9: week_ending: 2026-11-20 is a Friday, but weeks end on Saturday "
        "(calendar.week_end_day)",
    ),
    (
        "unknown aggregation",
        _with("orders: {section: Shopping}", "orders: {section: Shopping, aggregation: median}"),
        None,
        [],
        "wbr.yaml:5: metrics.orders.aggregation: expected 'sum', 'ratio', 'mean', 'last', "
        "'first', 'min', 'max', 'derived' or 'distinct', got 'median'",
    ),
    (
        "fiscal year start month out of range",
        BASIC_CONFIG + "calendar: {fiscal_year_start_month: 13}\n",
        None,
        [],
        "wbr.yaml:9: calendar.fiscal_year_start_month: expected less than or equal to 12, got 13",
    ),
    (
        "YAML syntax error",
        BASIC_CONFIG + "dimensions: [region\n",
        None,
        [],
        "wbr.yaml:10: not valid YAML: expected ',' or ']', but got '<stream end>'",
    ),
    (
        "no sources",
        "title: T\nmetrics:\n  orders: {}\n",
        None,
        [],
        "wbr.yaml:1: sources.actuals is needed for orders (metrics not read from a table)",
    ),
    (
        "week_ending neither latest nor a date",
        BASIC_CONFIG + "week_ending: last week\n",
        None,
        [],
        "wbr.yaml:9: week_ending: expected 'latest' or a date YYYY-MM-DD, got 'last week'",
    ),
    (
        "non-numeric values, all reported together",
        BASIC_CONFIG,
        HEADER + "2026-01-01,orders,12\n2026-01-01,sessions,abc\n2026-01-02,orders,1\n"
        "2026-01-02,sessions,x1\n",
        [],
        "metrics.csv:3: column 'value': 'abc' is not a number\n"
        "wbr: error: metrics.csv:5: column 'value': 'x1' is not a number",
    ),
    (
        "European decimal comma is not silently read as thousands",
        BASIC_CONFIG,
        HEADER + '2026-01-01,orders,"1,5"\n2026-01-01,sessions,100\n',
        [],
        "metrics.csv:2: column 'value': '1,5' is not a number",
    ),
    (
        "duplicate rows",
        BASIC_CONFIG,
        HEADER + GOOD_DAY + "2026-01-01,orders,13\n",
        [],
        "metrics.csv: duplicate row (date=2026-01-01, metric=orders) on lines 2, 4",
    ),
    (
        "impossible date",
        BASIC_CONFIG,
        HEADER + "2026-01-01,orders,12\n2026-13-01,sessions,100\n",
        [],
        "metrics.csv:3: column 'date': '2026-13-01' is not a date in this file's format YYYY-MM-DD",
    ),
    (
        "date formats mixed within one file",
        BASIC_CONFIG,
        HEADER + "2026-01-01,orders,12\n1/2/2026,sessions,100\n2026-01-02,orders,12\n",
        [],
        "metrics.csv:3: column 'date': '1/2/2026' is not a date in this file's format YYYY-MM-DD",
    ),
    (
        "weekday name contradicts the date",
        BASIC_CONFIG,
        HEADER + '"Sun, 05-Jan-2020",orders,12\n"Mon, 05-Jan-2020",sessions,100\n',
        [],
        "metrics.csv:3: column 'date': 'Mon, 05-Jan-2020': the weekday does not match the date "
        "(Sun 05 Jan 2020)",
    ),
    (
        "missing value column",
        BASIC_CONFIG,
        "date,metric,amount\n2026-01-01,orders,12\n",
        [],
        "metrics.csv: missing column 'value' (columns found: date, metric, amount)",
    ),
    (
        "configured metric absent from the data",
        BASIC_CONFIG,
        HEADER + "2026-01-01,orders,12\n",
        [],
        "metrics.csv: no rows for metric 'sessions' (named in the config)",
    ),
    (
        "empty data file",
        BASIC_CONFIG,
        "",
        [],
        "metrics.csv: file is empty (expected a header row)",
    ),
    (
        "wide file with a duplicated date",
        WIDE_CONFIG,
        "date,orders\n2026-01-01,5\n2026-01-02,6\n2026-01-01,7\n",
        [],
        "metrics.csv: duplicate date (date=2026-01-01) on lines 2, 4",
    ),
    (
        "requested week after the data ends",
        BASIC_CONFIG,
        None,
        ["--week", "2026-12-05"],
        "week ending 2026-12-05 is after the last actual date 2026-11-21; the latest week with "
        "data ends 2026-11-21",
    ),
    (
        "requested week on the wrong weekday",
        BASIC_CONFIG,
        None,
        ["--week", "2026-11-18"],
        "week ending 2026-11-18 is a Wednesday, but weeks end on Saturday (calendar.week_end_day)",
    ),
]


@pytest.mark.parametrize(
    ("config", "csv", "args", "message"),
    [case[1:] for case in CATALOGUE],
    ids=[case[0] for case in CATALOGUE],
)
def test_bad_input_exits_2_with_a_specific_message(tmp_path, capsys, config, csv, args, message):
    files = None if csv is None else {"metrics.csv": csv}
    write_business(tmp_path, config, files)
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        code = main(["deck", "--config", "wbr.yaml", "--quiet", *args])
    finally:
        os.chdir(here)
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err == f"wbr: error: {message}\n"
    assert "Traceback" not in captured.err


def test_missing_config_file(tmp_path, capsys):
    code = main(["validate", "--config", str(tmp_path / "nope.yaml")])
    assert code == 2
    assert (
        capsys.readouterr().err == f"wbr: error: {tmp_path / 'nope.yaml'}: config file not found\n"
    )


def test_missing_data_file(tmp_path, capsys):
    write_business(tmp_path, BASIC_CONFIG.replace("metrics.csv", "missing.csv"))
    code = main(["validate", "--config", str(tmp_path / "wbr.yaml")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("wbr: error: ") and err.rstrip().endswith("missing.csv: file not found")


def test_catalogue_has_at_least_fifteen_cases():
    assert len(CATALOGUE) >= 15


def test_validate_warns_about_commentary_for_unknown_metrics(tmp_path, capsys):
    config = BASIC_CONFIG.replace(
        "  actuals: {path: metrics.csv, format: long}\n",
        "  actuals: {path: metrics.csv, format: long}\n  commentary: {path: commentary.csv}\n",
    )
    from tests.conftest import daily_rows

    write_business(
        tmp_path,
        config,
        {
            "metrics.csv": daily_rows({"orders": 300.0, "sessions": 9000.0}),
            "commentary.csv": "week_ending,metric,author,text\n2026-11-21,ordrs,Dana,Up 2%\n",
        },
    )
    assert main(["validate", "--config", str(tmp_path / "wbr.yaml")]) == 0
    assert "commentary rows name unknown metrics (ignored): ordrs" in capsys.readouterr().out


def test_send_without_smtp_settings_exits_2_with_one_line(business, capsys, monkeypatch):
    for name in [n for n in os.environ if n.startswith("WBR_SMTP_")]:
        monkeypatch.delenv(name)
    assert main(["send", "--config", str(business), "--to", "a@example.com"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("wbr: error: WBR_SMTP_HOST is not set")

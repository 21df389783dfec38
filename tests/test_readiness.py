"""--require-complete: exit 3 and one line naming the metrics not complete through the week ending,
before anything is rendered or sent; which week `latest` means for a scheduled run."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import BASIC_CONFIG, daily_rows, write_business
from wbr.cli import EXIT_INCOMPLETE, main
from wbr.engine.config import load_config
from wbr.engine.readiness import check_week, week_to_check
from wbr.engine.sources import load_data
from wbr.errors import DataError

WEEK = dt.date(2026, 11, 21)  # a Saturday


def _business(tmp_path, drop: list[tuple[str, str]] = ()):
    rows = daily_rows({"orders": 300.0, "sessions": 9000.0}, end=str(WEEK))
    for metric, day in drop:
        rows = rows[~((rows["metric"] == metric) & (rows["date"] == day))]
    return write_business(tmp_path, BASIC_CONFIG, {"metrics.csv": rows})


def test_latest_means_the_last_week_that_ended_before_today(tmp_path):
    config = load_config(_business(tmp_path))
    monday, sunday, saturday = (WEEK + dt.timedelta(days=d) for d in (2, 1, 0))
    assert week_to_check(config, None, monday) == WEEK
    assert week_to_check(config, "latest", sunday) == WEEK
    # on the Saturday itself the week has not ended yet
    assert week_to_check(config, "latest", saturday) == WEEK - dt.timedelta(days=7)
    assert week_to_check(config, "2026-11-14", monday) == dt.date(2026, 11, 14)
    with pytest.raises(DataError, match="expected 'latest' or YYYY-MM-DD"):
        week_to_check(config, "last week", monday)


def test_a_late_day_and_a_gap_are_named(tmp_path):
    config = load_config(
        _business(tmp_path, [("orders", "2026-11-21"), ("sessions", "2026-11-18")])
    )
    readiness = check_week(config, load_data(config), WEEK)
    assert readiness.incomplete == {
        "orders": "data through Fri 20 Nov",
        "sessions": "missing Wed 18 Nov",
    }
    assert readiness.line() == (
        "not complete through Sat 21 Nov 2026: orders (data through Fri 20 Nov); "
        "sessions (missing Wed 18 Nov)"
    )


def test_a_week_with_no_data_yet_is_incomplete(tmp_path):
    config = load_config(_business(tmp_path))
    later = WEEK + dt.timedelta(days=7)
    readiness = check_week(config, load_data(config), later)
    assert readiness.incomplete == {
        "orders": "data through Sat 21 Nov",
        "sessions": "data through Sat 21 Nov",
    }
    assert readiness.line().endswith(": orders, sessions (data through Sat 21 Nov)")


def test_complete_week_passes(tmp_path):
    config = load_config(_business(tmp_path))
    assert check_week(config, load_data(config), WEEK).complete


@pytest.mark.parametrize("command", ["run", "send"])
def test_incomplete_week_exits_3_with_one_line_and_writes_nothing(tmp_path, capsys, command):
    config = _business(tmp_path, [("orders", "2026-11-21")])
    extra = ["--dry-run", str(tmp_path / "week.eml")] if command == "send" else []
    code = main(
        [
            command,
            "--config",
            str(config),
            "--week",
            str(WEEK),
            "--out",
            str(tmp_path / "reports"),
            "--require-complete",
            *extra,
        ]
    )
    err = capsys.readouterr().err
    assert code == EXIT_INCOMPLETE == 3
    assert err == "wbr: not complete through Sat 21 Nov 2026: orders (data through Fri 20 Nov)\n"
    assert not (tmp_path / "reports").exists() and not (tmp_path / "week.eml").exists()

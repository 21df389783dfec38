"""The WBR App's nine golden scenarios, converted by wbr.importers.wbr_app and built by our engine.

Every expected number in each scenario's testconfig.yml (6-week CY/PY, 12-month CY/PY, the nine
box cells, the rows of its 12-month table) is set against our deck. A number either agrees
(relative 1e-6, or equal at the App's own rounding when its golden value has 2 decimals or fewer),
or disagrees for a reason that a named test below demonstrates with the correct number, or our
deck has no such cell at all (e.g. the WoW of the oldest of six weeks: "not comparable").

Every number comes from the real engine: the App's `product`, `sum` and `difference` functions are
converted to `aggregation: derived` and its `aggf: first` to `aggregation: first`, so nothing here
recomputes a metric the converter could not write.

`test_golden_agreement` fails on any disagreement no rule explains. Run this file as a script
(`python tests/test_wbr_app_golden.py [-v]`) to print the agreement table. The golden data is
vendored in tests/fixtures/wbr_app (Apache-2.0, see its LICENSE and NOTICE); WBR_APP_PEER points
the tests at another copy of the App's files.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path

import pandas as pd
import pytest
import yaml

from wbr.engine.build import build_deck
from wbr.engine.calendar import Calendar, Window, month_window
from wbr.engine.compare import compare
from wbr.engine.config import Config, load_config
from wbr.engine.deck import Deck
from wbr.engine.sources import Dataset, load_data
from wbr.importers.wbr_app import ConversionResult, convert_wbr_app
from wbr.importers.wbr_app_data import AppTable

_VENDORED = Path(__file__).resolve().parent / "fixtures" / "wbr_app"
PEER = Path(os.environ.get("WBR_APP_PEER", _VENDORED))
CASES_DIR = PEER / "unit_test_case"
SCENARIOS = tuple(range(1, 10))
BOX = ("last_week", "wow", "yoy", "mtd", "mtd_yoy", "qtd", "qtd_yoy", "ytd", "ytd_yoy")
SERIES_FIELDS = ("cy_6_weeks", "py_6_weeks", "cy_monthly", "py_monthly", "box_totals")
CASE_KEYS = {
    "test_case_no",
    "x_axis_monthly_display",
    "week_ending",
    "fiscal_year_end_month",
    "metric_name",
    "headers",
    "cy_monthly_data_frame_length",
    "py_monthly_data_frame_length",
    "graph_prior_year_flag",
    "x_axis",
}
AGREE, EXPLAINED, NOT_COMPARABLE, UNEXPLAINED = (
    "agree",
    "explained",
    "not comparable",
    "UNEXPLAINED",
)
STATUSES = (AGREE, EXPLAINED, NOT_COMPARABLE, UNEXPLAINED)


def load_golden(path: Path) -> list[dict]:
    """The test cases of one testconfig.yml (`!!float .nan` = the App shows nothing)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    return [item["test"] for item in document["tests"]]


# -- converting and building -------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One golden scenario: the App config, our converted config, our data and our deck."""

    number: int
    app: dict
    result: ConversionResult
    config: Config
    dataset: Dataset
    deck: Deck
    cases: tuple[dict, ...]
    table: AppTable

    @property
    def calendar(self) -> Calendar:
        return Calendar.from_config(self.config.calendar)

    def app_block(self, title: str) -> dict:
        """The App deck block a golden case names (the App's own tests find blocks by title)."""
        for item in self.app.get("deck", []):
            if item["block"].get("title") == title:
                return item["block"]
        raise KeyError(title)


def build_scenario(number: int, out_dir: Path) -> Scenario:
    """Convert scenario N into out_dir and build our deck for the App's week ending."""
    source = CASES_DIR / f"scenario_{number}"
    result = convert_wbr_app(source / "config.yaml", source / "original.csv", out_dir / "wbr.yaml")
    config = load_config(result.config_path)
    dataset = load_data(config)
    deck = build_deck(config, dataset, analyse=False)
    app = yaml.safe_load((source / "config.yaml").read_text(encoding="utf-8-sig"))
    cases = tuple(load_golden(source / "testconfig.yml"))
    return Scenario(
        number, app, result, config, dataset, deck, cases, AppTable(source / "original.csv")
    )


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory) -> dict[int, Scenario]:
    return {n: build_scenario(n, tmp_path_factory.mktemp(f"scenario_{n}")) for n in SCENARIOS}


# -- where each golden number comes from ---------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """Our value for one golden number, the windows it reads, or why our deck has none."""

    ours: float | None
    windows: tuple[Window, ...] = ()
    missing: str = ""


@dataclass(frozen=True)
class Cell:
    """One golden number next to ours, with its verdict and the reason for it."""

    scenario: int
    case: int
    metric: str
    field: str
    index: int
    expected: float | None
    ours: float | None
    status: str = AGREE
    reason: str = ""


def deck_windows(calendar: Calendar, week_ending: dt.date) -> dict[str, Window]:
    """The six weeks (w0 oldest .. w5), their PY weeks (pw0..pw5), MTD/QTD/YTD and PY twins."""
    weeks = {f"w{k}": calendar.week(week_ending - dt.timedelta(days=7 * (5 - k))) for k in range(6)}
    prior = {
        f"pw{k}": calendar.week(calendar.prior_year_week(weeks[f"w{k}"].end)) for k in range(6)
    }
    ptd = calendar.period_to_date(week_ending)
    prior_ptd = {f"p{key}": calendar.prior_year_ptd(window) for key, window in ptd.items()}
    return {**weeks, **prior, **ptd, **prior_ptd}


def app_months(scenario: Scenario, case: dict) -> list[tuple[int, int]]:
    """(year, month) of each golden monthly value: trailing 12 complete months or fiscal year."""
    week_ending = scenario.deck.week_ending
    if case.get("x_axis_monthly_display") != "fiscal_year":
        return scenario.calendar.trailing_complete_months(week_ending, 12)
    start = scenario.calendar.fiscal_year_start(week_ending)
    return [
        ((start.year * 12 + start.month - 1 + k) // 12, (start.month - 1 + k) % 12 + 1)
        for k in range(12)
    ]


def _growth(current: float | None, base: float | None) -> float | None:
    if current is None or base is None or base == 0:
        return None
    return current / base - 1


def window_slots(
    scenario: Scenario, case: dict, value: Callable[[Window], float | None], method: str
) -> dict[str, list[Slot]]:
    """Golden fields from a function giving a metric's value over any window."""
    win = deck_windows(scenario.calendar, scenario.deck.week_ending)
    slots: dict[str, list[Slot]] = {
        "cy_6_weeks": [Slot(value(win[f"w{k}"]), (win[f"w{k}"],)) for k in range(6)],
        "py_6_weeks": [Slot(value(win[f"pw{k}"]), (win[f"pw{k}"],)) for k in range(6)],
    }
    for field, shift in (("cy_monthly", 0), ("py_monthly", 1)):
        column = []
        for year, month in app_months(scenario, case):
            window = month_window(year - shift, month)
            shown = window.end <= scenario.deck.week_ending  # later months are not on our chart
            column.append(Slot(value(window) if shown else None, (window,)))
        slots[field] = column

    def cell(key: str, base: str | None = None) -> Slot:
        windows = (win[key],) if base is None else (win[key], win[base])
        if base is None:
            return Slot(value(win[key]), windows)
        return Slot(compare(value(win[key]), value(win[base]), method), windows)

    slots["box_totals"] = [
        cell("w5"),
        cell("w5", "w4"),
        cell("w5", "pw5"),
        cell("mtd"),
        cell("mtd", "pmtd"),
        cell("qtd"),
        cell("qtd", "pqtd"),
        cell("ytd"),
        cell("ytd", "pytd"),
    ]
    return slots


def block_slots(scenario: Scenario, case: dict, name: str) -> dict[str, list[Slot]]:
    """Golden fields read from our deck's block (the box straight from the Deck)."""
    block = scenario.deck.block(name)
    known: dict[Window, float | None] = {}
    win = deck_windows(scenario.calendar, scenario.deck.week_ending)
    for k, week in enumerate(block.weeks):
        known[win[f"w{k}"]] = week.cy
        known[win[f"pw{k}"]] = week.py
    for month in block.months:
        year, number = (int(part) for part in month.month.split("-"))
        known[month_window(year, number)] = month.cy
        known[month_window(year - 1, number)] = month.py
    for key in ("mtd", "qtd", "ytd"):
        known[win[key]] = getattr(block.box, key)

    def lookup(window: Window) -> float | None:
        return known.get(window)

    slots = window_slots(scenario, case, lookup, block.comparison)
    week_ending = scenario.deck.week_ending
    for field in ("cy_monthly", "py_monthly"):
        slots[field] = [
            slot
            if slot.windows[0] in known or slot.windows[0].end > week_ending
            else Slot(None, slot.windows, "month outside our deck's 24 months")
            for slot in slots[field]
        ]
    # Box cells come from the Deck itself, never recomputed here.
    box = [getattr(block.box, key) for key in BOX]
    slots["box_totals"] = [
        replace(slot, ours=ours) for slot, ours in zip(slots["box_totals"], box, strict=True)
    ]
    return slots


def growth_slots(scenario: Scenario, case: dict, base: str, kind: str) -> dict[str, list[Slot]]:
    """An App YOY or WOW series block, derived from our block of the base metric."""
    plain = block_slots(scenario, case, base)
    none = "our deck has no growth-of-growth cell"
    if kind == "YOY":
        weeks = [
            Slot(_growth(c.ours, p.ours), c.windows + p.windows)
            for c, p in zip(plain["cy_6_weeks"], plain["py_6_weeks"], strict=True)
        ]
        months = [
            Slot(_growth(c.ours, p.ours), c.windows + p.windows)
            for c, p in zip(plain["cy_monthly"], plain["py_monthly"], strict=True)
        ]
        box = [
            Slot(None if s.ours is None else s.ours / 100, s.windows) for s in plain["box_totals"]
        ]
        box_slots = [
            box[2],
            Slot(None, box[1].windows),
            Slot(None, missing=none),
            box[4],
            Slot(None, missing=none),
            box[6],
            Slot(None, missing=none),
            box[8],
            Slot(None, missing=none),
        ]
        return {"cy_6_weeks": weeks, "cy_monthly": months, "box_totals": box_slots}
    cy = plain["cy_6_weeks"]
    weeks = [Slot(None, missing="the WoW of the oldest week needs a 7th week")]
    weeks += [Slot(_growth(b.ours, a.ours), a.windows + b.windows) for a, b in pairwise(cy)]
    return {
        "cy_6_weeks": weeks,
        "cy_monthly": [Slot(None, missing="the App has no monthly WoW")] * 12,
        "box_totals": [Slot(None, missing=none)] * 9,
    }


def table_slots(scenario: Scenario, row: str) -> list[Slot]:
    """A 12_MonthsTable row: a metric's 12 months, or their YOY or MOM."""
    for suffix in ("YOY", "MOM"):
        base = row.removesuffix(suffix)
        if base != row and base in scenario.config.metrics:
            months = scenario.deck.block(base).months
            cy = [month_window(*map(int, m.month.split("-"))) for m in months]
            if suffix == "YOY":
                py = [month_window(w.start.year - 1, w.start.month) for w in cy]
                return [
                    Slot(_growth(m.cy, m.py), (c, p))
                    for m, c, p in zip(months, cy, py, strict=True)
                ]
            first = Slot(None, missing="the MoM of the oldest month needs a 13th month")
            return [first] + [
                Slot(_growth(b.cy, a.cy), (wa, wb))
                for a, b, wa, wb in zip(months, months[1:], cy, cy[1:], strict=False)
            ]
    return [
        Slot(m.cy, (month_window(*map(int, m.month.split("-"))),))
        for m in scenario.deck.block(row).months
    ]


# -- judging -------------------------------------------------------------------------------------


def _decimals(value: float) -> int:
    text = repr(float(value))
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def _round_half_away(value: float, decimals: int) -> float:
    scale = 10.0**decimals
    return math.copysign(math.floor(abs(value) * scale + 0.5), value) / scale


def agrees(ours: float | None, expected: float | None) -> bool:
    """Equal within 1e-6 relative, or at the App's rounding (golden values of <= 2 decimals)."""
    if expected is None:
        return ours is None
    if ours is None:
        return False
    if math.isclose(ours, expected, rel_tol=1e-6, abs_tol=1e-12):
        return True
    decimals = 0 if isinstance(expected, int) else _decimals(expected)
    return decimals <= 2 and math.isclose(
        _round_half_away(ours, decimals), expected, abs_tol=10.0 ** -(decimals + 3)
    )


def base_metric(scenario: Scenario, name: str) -> str:
    """The metric a growth series (XYOY, XWOW, XMOM) is about."""
    for suffix in ("YOY", "WOW", "MOM"):
        if name.endswith(suffix) and name.removesuffix(suffix) in scenario.app["metrics"]:
            return name.removesuffix(suffix)
    return name


def daily_values(scenario: Scenario, metric: str) -> pd.Series:
    """Our daily input for a metric; for a ratio or derived metric, NaN where any operand is."""
    if metric in scenario.dataset.actuals.columns:
        return scenario.dataset.actuals[metric]
    operands = scenario.config.metrics[metric].operands
    parts = [daily_values(scenario, operand) for operand in operands]
    return pd.concat(parts, axis=1).sum(axis=1, min_count=len(parts))


def absent_days(scenario: Scenario, metric: str, window: Window) -> int:
    """Days of a window with no value for the metric (or an operand); outside the data counts."""
    days = daily_values(scenario, metric).reindex(pd.date_range(window.start, window.end))
    return int(days.isna().sum())


def explain(
    scenario: Scenario, name: str, field: str, index: int, expected: float | None, slot: Slot
) -> str | None:
    """The named test that explains a disagreement, when its rule verifiably holds."""
    metric = base_metric(scenario, name)
    if name != metric and name.endswith("YOY") and field == "box_totals" and index == 1:
        return "test_wow_of_a_growth_rate_is_a_change_in_points"
    if slot.ours is not None or expected is None:
        return None
    monthly = field in ("cy_monthly", "py_monthly", "table")
    if monthly and slot.windows[0].end > scenario.deck.week_ending:
        return "test_month_not_finished_by_the_week_ending_is_not_shown"
    if expected == 0 and field == "box_totals" and index in (2, 4, 6, 8):
        prior = slot.windows[-1]
        if absent_days(scenario, metric, prior) == prior.days:
            return "test_prior_year_with_no_data_is_na_not_zero_percent"
    if any(absent_days(scenario, metric, window) for window in slot.windows):
        return "test_window_with_missing_days_is_na_not_a_partial_sum"
    return None


def _number(value) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def judge(
    scenario: Scenario,
    case: int,
    name: str,
    field: str,
    expected_values: list,
    slots: list[Slot],
) -> Iterator[Cell]:
    """A verdict for every number of one golden field."""
    assert len(expected_values) == len(slots), (name, field)
    for index, (raw, slot) in enumerate(zip(expected_values, slots, strict=True)):
        expected = _number(raw)
        cell = Cell(scenario.number, case, name, field, index, expected, slot.ours)
        if slot.missing:
            yield replace(cell, status=NOT_COMPARABLE, reason=slot.missing)
        elif agrees(slot.ours, expected):
            yield replace(cell, status=AGREE)
        else:
            rule = explain(scenario, name, field, index, expected, slot)
            yield replace(cell, status=EXPLAINED if rule else UNEXPLAINED, reason=rule or "")


def golden_cells(scenario: Scenario) -> Iterator[Cell]:
    """Every golden number of a scenario with its verdict."""
    for case in scenario.cases:
        name, number = case["metric_name"], case["test_case_no"]
        if scenario.app_block(name).get("ui_type") == "12_MonthsTable":
            for row, expected in case.items():
                if row not in CASE_KEYS:
                    yield from judge(
                        scenario, number, row, "table", expected, table_slots(scenario, row)
                    )
            continue
        metric = base_metric(scenario, name)
        if metric != name:
            slots = growth_slots(scenario, case, metric, name.removeprefix(metric))
        else:
            slots = block_slots(scenario, case, name)
        for field in SERIES_FIELDS:
            if field not in case or field not in slots:
                continue
            if field.startswith("py") and case.get("graph_prior_year_flag") is False:
                continue  # the App's own harness skips PY for blocks that hide it
            yield from judge(scenario, number, name, field, case[field], slots[field])


def agreement(scenarios: dict[int, Scenario]) -> dict[int, Counter]:
    """Per scenario, how many golden numbers have each verdict."""
    return {n: Counter(cell.status for cell in golden_cells(s)) for n, s in scenarios.items()}


def agreement_table(scenarios: dict[int, Scenario]) -> str:
    """The agreement table of the report (markdown), one row per scenario and a total."""
    lines = [
        "| scenario | compared | " + " | ".join(STATUSES) + " | agreement |",
        "|---" * (len(STATUSES) + 3) + "|",
    ]
    total: Counter = Counter()
    rows = [*agreement(scenarios).items(), ("all", None)]
    for number, counts in rows:
        counts = total if counts is None else counts
        if number != "all":
            total.update(counts)
        compared = sum(counts[s] for s in STATUSES if s != NOT_COMPARABLE)
        lines.append(
            f"| {number} | {compared} | "
            + " | ".join(str(counts[s]) for s in STATUSES)
            + f" | {counts[AGREE] / compared:.1%} |"
        )
    return "\n".join(lines)


# -- the agreement itself -----------------------------------------------------------------------


def test_golden_agreement(scenarios):
    cells = [cell for s in scenarios.values() for cell in golden_cells(s)]
    unexplained = [c for c in cells if c.status == UNEXPLAINED]
    assert not unexplained, "\n".join(
        f"scenario {c.scenario} case {c.case} {c.metric} {c.field}[{c.index}]: "
        f"App {c.expected}, ours {c.ours}"
        for c in unexplained[:30]
    )
    counts = Counter(c.status for c in cells)
    compared = sum(counts[s] for s in STATUSES if s != NOT_COMPARABLE)
    assert counts[AGREE] / compared >= 0.95, counts
    for rule in {c.reason for c in cells if c.status == EXPLAINED}:
        assert callable(globals().get(rule)), f"explanation {rule} has no test"


def test_every_app_metric_of_the_scenarios_is_converted(scenarios):
    for scenario in scenarios.values():
        listed = [
            item.key for item in scenario.result.not_converted if item.key.startswith("metrics.")
        ]
        assert all(".box_total_scaling" in key for key in listed), (scenario.number, listed)
        assert set(scenario.app["metrics"]) <= set(scenario.config.metrics), scenario.number


def test_every_scenario_is_converted_and_mostly_agrees(scenarios):
    for number, counts in agreement(scenarios).items():
        compared = sum(counts[s] for s in STATUSES if s != NOT_COMPARABLE)
        assert counts[AGREE] / compared >= 0.9, (number, counts)


def test_app_rounding_is_the_golden_values_precision():
    assert agrees(0.422906841391559, 0.42)
    assert not agrees(0.422906841391559, 0.43)
    assert agrees(924282576.4, 924282576)
    assert agrees(-21.4249, -21.4)
    assert not agrees(22.8153, 22.81533303)  # 8 decimals given: held to 1e-6
    assert agrees(None, None)
    assert not agrees(None, 0.0)


def test_a_wrong_number_is_not_explained_away(scenarios):
    s4 = scenarios[4]
    case = next(c for c in s4.cases if c["metric_name"] == "PaidCustomers")
    slots = block_slots(s4, case, "PaidCustomers")["box_totals"]
    off_by_a_little = [replace(slot, ours=slot.ours * 1.01) for slot in slots]
    verdicts = [
        c.status
        for c in judge(s4, 2, "PaidCustomers", "box_totals", case["box_totals"], off_by_a_little)
    ]
    assert verdicts.count(UNEXPLAINED) == 9
    dropped = [replace(slot, ours=None) for slot in slots]  # N/A where the data is complete
    verdicts = [
        c.status for c in judge(s4, 2, "PaidCustomers", "box_totals", case["box_totals"], dropped)
    ]
    assert verdicts.count(UNEXPLAINED) == 9


def test_golden_file_nan_means_no_value():
    cases = load_golden(CASES_DIR / "scenario_2" / "testconfig.yml")
    assert _number(cases[0]["py_6_weeks"][0]) is None
    assert cases[0]["py_6_weeks"][5] == 395917585


@pytest.mark.parametrize(
    ("config", "data", "blocks"),
    [
        ("1-wbr-sample-config.CSV-UPLOAD-FIXED.yaml", "1-wbr-sample-dataset.csv", 8),
        ("1-wbr-sample-config.yaml", "1-wbr-sample-dataset.csv", 8),  # database column names
        ("2-wbr-sample-config-with-filter.yaml", "2-wbr-sample-dataset-with-filter.csv", 3),
    ],
)
def test_demo_uploads_convert_and_build(tmp_path, config, data, blocks):
    demo = PEER / "demo_uploads"
    result = convert_wbr_app(demo / config, demo / data, tmp_path / "wbr.yaml")
    deck = build_deck(load_config(result.config_path), analyse=False)
    assert len(deck.blocks) == blocks
    assert all(block.box.last_week is not None for block in deck.blocks)
    if config.startswith("1-"):
        page_views = deck.block("PageViews")
        assert page_views.plan is not None  # from the PageViews Target target line
        assert page_views.plan.last_week == pytest.approx(
            _app_csv_week_sum(demo / data, "PageViews__Target", deck.week_ending)
        )
        # The App's variance-to-plan rows: derived from the actual and the target it reads.
        variance = deck.block("VarianceToPlanPageViews").box.last_week
        assert variance == pytest.approx(page_views.box.last_week - page_views.plan.last_week)
        percent = deck.block("PercentageVarianceToPlanPageViews").box.last_week
        assert percent == pytest.approx(variance / page_views.plan.last_week)


def _app_csv_week_sum(path: Path, column: str, week_ending: dt.date) -> float:
    table = AppTable(path)
    start = pd.Timestamp(week_ending - dt.timedelta(days=6))
    inside = (table.dates >= start) & (table.dates <= pd.Timestamp(week_ending))
    return float(table.numbers(column)[inside].sum())


# -- the named explanations: where the App is wrong, the correct number and why -------------------


def _app_csv_sum(scenario: Scenario, column: str, start: str, end: str) -> tuple[float, int]:
    """Sum and row count of an App CSV column over a date range, straight from the file."""
    values = scenario.table.numbers(column)
    dates = scenario.table.dates
    inside = (dates >= start) & (dates <= end)
    return float(values[inside].sum()), int(inside.sum())


def test_window_with_missing_days_is_na_not_a_partial_sum(scenarios):
    s3 = scenarios[3]
    block = s3.deck.block("PageViews")
    # The data starts on Sun 5 Jan 2020. The App's January 2020 (PY of January 2021) is the sum
    # of the 27 days it has, shown as if it were the month; ours is N/A with the gap listed.
    partial, days = _app_csv_sum(s3, "PageViews", "2020-01-01", "2020-01-31")
    assert (partial, days) == (1487877710, 27)
    january = next(m for m in block.months if m.month == "2021-01")
    assert january.cy is not None and january.py is None
    # before the history begins there is no PY: N/A with its reason, not a missing day
    assert block.status.history_starts == dt.date(2020, 1, 5)
    assert dt.date(2020, 1, 1) not in block.status.missing_days
    # Same cause in the box: scenario 1's YTD YOY compares 268 days with 265.
    s1 = scenarios[1]
    box = s1.deck.block("PageViewsTrailing").box
    prior, prior_days = _app_csv_sum(s1, "PageViews", "2020-01-01", "2020-09-25")
    assert prior_days == 265
    assert (box.ytd / prior - 1) * 100 == pytest.approx(31.435111159660067)  # the App's number
    assert box.ytd_yoy is None


def test_prior_year_with_no_data_is_na_not_zero_percent(scenarios):
    s6 = scenarios[6]
    block = s6.deck.block("MRR_TARGET")
    # MRR_Target has no values before 2023, so every prior-year window is empty. The App shows
    # YOY 0.0%; the truthful cell is N/A (a 0% would read as "flat").
    first_target = s6.dataset.actuals["MRR_TARGET"].first_valid_index()
    assert first_target >= pd.Timestamp("2023-01-01")
    assert block.box.last_week == pytest.approx(4227451.61, abs=0.01)
    assert all(week.py is None for week in block.weeks)
    assert (block.box.yoy, block.box.mtd_yoy, block.box.qtd_yoy, block.box.ytd_yoy) == (
        None,
        None,
        None,
        None,
    )


def test_month_not_finished_by_the_week_ending_is_not_shown(scenarios):
    s7 = scenarios[7]
    block = s7.deck.block("Perfect_Sessions_percentFiscal")
    # The week ends Sat 25 Mar 2023; the App's fiscal-year chart shows March (with 26-31 Mar,
    # days after the week ending) and all of April (entirely in the future) as 0.43.
    perfect, _ = _app_csv_sum(s7, "Perfect_Sessions", "2023-04-01", "2023-04-30")
    booked, _ = _app_csv_sum(s7, "Booked_Sessionsv2", "2023-04-01", "2023-04-30")
    assert round(perfect / booked, 2) == 0.43
    assert s7.deck.week_ending == dt.date(2023, 3, 25)
    assert block.months[-1].month == "2023-02"  # the last month finished by the week ending


def test_wow_of_a_growth_rate_is_a_change_in_points(scenarios):
    s7 = scenarios[7]
    weeks = s7.deck.block("Perfect_Sessions_percentTrailing").weeks
    yoy_now = weeks[-1].cy / weeks[-1].py - 1
    yoy_before = weeks[-2].cy / weeks[-2].py - 1
    # The App's WOW cell for the YOY series is a percent change of a percent (-16.37%): growth
    # fell from 5.90% to 4.94%, which is -0.97 points, not "-16%".
    assert (yoy_now / yoy_before - 1) * 100 == pytest.approx(-16.369847759257183, rel=1e-6)
    assert (yoy_now - yoy_before) * 100 == pytest.approx(-0.9666, abs=1e-4)


def test_product_is_of_window_totals_not_a_sum_of_daily_products(scenarios):
    s4 = scenarios[4]
    spec = s4.config.metrics["TestProductMetric"]
    assert spec.aggregation == "derived" and spec.formula.op == "product"
    block = s4.deck.block("TestProductMetric")
    assert block.box.last_week == 924282576  # the App's LastWk, from our engine
    # A per-day product summed over the week is a different (wrong) number.
    window = s4.calendar.week(s4.deck.week_ending)
    days = s4.dataset.actuals.loc[str(window.start) : str(window.end)]
    assert (days["CAC"] * days["FreeTrialStarts"]).sum() != 924282576
    assert days["CAC"].sum() * days["FreeTrialStarts"].sum() == 924282576


def test_first_aggregation_is_the_windows_first_day(scenarios):
    s6 = scenarios[6]
    assert s6.config.metrics["TotalPMs_TARGET"].aggregation == "first"
    block = s6.deck.block("TotalPMs_TARGET")
    window = s6.calendar.week(s6.deck.week_ending)
    assert window.start == dt.date(2023, 3, 19)
    first_day = s6.dataset.actuals.loc[str(window.start), "TotalPMs_TARGET"]
    assert block.box.last_week == first_day == 60020  # the App's LastWk
    assert s6.dataset.actuals.loc[str(window.end), "TotalPMs_TARGET"] != 60020


def test_week_53_is_labelled_53(scenarios):
    block = scenarios[2].deck.block("PageViewsTrailing")
    # Weeks ending 5 Dec 2020 .. 9 Jan 2021: Thu 31 Dec 2020 is in ISO week 53. The App counts
    # modulo 52 and labels them wk 48..52, wk 1 (its known week-53 defect).
    assert [w.label for w in block.weeks] == ["wk 49", "wk 50", "wk 51", "wk 52", "wk 53", "wk 1"]
    app = scenarios[2].cases[1]["x_axis"][:6]
    assert app == ["wk 48", "wk 49", "wk 50", "wk 51", "wk 52", "wk 1"]


def test_month_labels_match_the_app_for_trailing_months(scenarios):
    for scenario in scenarios.values():
        for case in scenario.cases:
            block_title = case["metric_name"]
            metric = base_metric(scenario, block_title)
            if (
                case.get("x_axis_monthly_display") == "fiscal_year"
                or "x_axis" not in case
                or metric not in scenario.config.metrics
                or not scenario.config.metrics[metric].show
            ):
                continue
            labels = [m.label for m in scenario.deck.block(metric).months]
            assert labels == case["x_axis"][6:], (scenario.number, block_title)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        built = {n: build_scenario(n, Path(folder) / f"s{n}") for n in SCENARIOS}
        if "-v" in sys.argv:
            for scenario in built.values():
                for cell in golden_cells(scenario):
                    if cell.status != AGREE:
                        print(cell)
        print(agreement_table(built))

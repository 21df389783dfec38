"""The bundled demo business, Acme Retail: a deterministic generator of its metrics, plan,
commentary and events, and the wbr.yaml that describes them (`wbr sample`).

The data comes from a small model of an online retailer: sessions by region and channel,
conversion, in-stock, order value, deliveries and contacts, with weekly and annual seasonality,
Black Friday and a July deals event on their real dates, slowing year-over-year growth and noise.
Three incidents are baked into the last weeks so the deck has something to say: a stock-out in
the West region, an app release that broke checkout for a day, and a widening revenue miss
against plan. Every number comes from one seeded numpy Generator, so every run writes
byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from wbr.errors import WbrError

DEFAULT_END = dt.date(2026, 11, 21)
START = dt.date(2023, 1, 1)
PLAN_START = dt.date(2025, 1, 1)
SEED = 20261121
LEAD_IN_DAYS = 7  # simulated before START so the first days have orders in transit
REGIONS = ("Northeast", "South", "Midwest", "West")
CHANNELS = ("web", "app")
WEST = REGIONS.index("West")
APP = CHANNELS.index("app")
DIMENSIONED = ("sessions", "page_views", "in_stock_page_views", "orders", "revenue")
PLANNED = ("sessions", "page_views", "in_stock_page_views", "orders", "revenue")
DECIMALS = {"revenue": 2, "gross_profit": 2, "marketing_spend": 2, "page_latency_ms": 1}
PAYMENT_OUTAGE = dt.date(2024, 9, 10)
WINTER_STORM = dt.date(2025, 1, 21)
CDN_DEGRADATION = dt.date(2025, 2, 19)

# The sample wbr.yaml, written out by hand because it is the example users copy. {data} is the
# folder of the CSVs relative to the YAML file.
CONFIG_TEMPLATE = """\
# Acme Retail WBR: the bundled sample deck, written by `wbr sample`. Copy it to start your own.
# Paths are relative to this file. Unknown keys are errors, reported with their line.
title: Acme Retail WBR
week_ending: latest            # or a week end date such as 2026-11-21
calendar:
  week_end_day: saturday       # weeks run Sunday to Saturday
  fiscal_year_start_month: 1   # fiscal year = calendar year
  ptd_alignment: calendar_date # MTD/QTD/YTD compare with the same dates last year
sources:
  actuals: {path: {data}metrics.csv, format: long}  # date,metric,value,region,channel
  plan: {path: {data}plan.csv, format: long}        # daily, to the end of the fiscal year
  commentary: {path: {data}commentary.csv}          # week_ending,metric,author,text
  events: {path: {data}events.csv}                  # date,metric,description (no metric = all)
dimensions: [region, channel]  # columns of metrics.csv for drill-down (empty = not split)
sections: [Customer experience, Traffic, Shopping, Fulfilment, Financials]  # inputs first
flags:                         # deck-wide thresholds of a noteworthy variance (the defaults)
  xmr: true                    # XmR process limits on the weekly series
  xmr_series: auto             # auto | raw | yoy (auto: the YoY series for seasonal metrics)
  xmr_baseline_weeks: 20       # weeks of history behind the limits
  seasonal: true               # STL residual flags on the daily series
  seasonal_z: 5.0              # robust z of a daily residual that counts as exceptional
  plan_miss_pct: 2.0           # a volume metric this far behind plan (%) is flagged
  plan_miss_bps: 25.0          # a rate this far behind plan (bps) is flagged
  plan_streak_weeks: 3         # this many weeks in a row behind plan is flagged
  stuck_weeks: 3               # the same value this many weeks running: a stuck pipeline?
  min_denominator: 100.0       # a ratio with a smaller denominator is not flagged

# Every metric: how a window is aggregated, how it compares, who owns it. Ratios are computed
# from their numerator and denominator (never stored); components with show: false get no block.
metrics:
  # ---- Customer experience --------------------------------------------------------------
  contacts_per_order:
    label: Contacts per order
    section: Customer experience
    kind: input
    aggregation: ratio         # sum(contacts) / sum(orders) over each window
    numerator: contacts
    denominator: orders
    unit: percent              # 5.0% = 5 contacts per 100 orders; compared in bps
    polarity: lower_is_better
    owner: Priya Nair
    drives: [orders]
    definition: Customer service contacts (phone, chat, email) / orders in the same window.
  contacts:
    label: Customer contacts
    section: Customer experience
    kind: input
    aggregation: sum
    unit: count
    polarity: lower_is_better
    owner: Priya Nair
    show: false                # a ratio's component: no block of its own
    definition: Customer service contacts opened, all channels.
  page_latency_ms:
    label: Average page latency
    section: Customer experience
    kind: input
    aggregation: mean          # the average day (avg/day) over each window
    unit: ms
    polarity: lower_is_better
    owner: Tom Becker
    drives: [conversion]
    definition: Daily mean server response time of search, product and checkout pages.
    flags:                     # this metric's own thresholds (unset ones keep the defaults)
      xmr_series: raw          # latency has no seasonality worth a YoY series
      seasonal: false

  # ---- Traffic --------------------------------------------------------------------------
  sessions:
    label: Sessions
    section: Traffic
    kind: input
    aggregation: sum
    unit: count
    polarity: higher_is_better
    owner: Dana Ruiz
    drives: [orders, revenue]
    definition: Visits to the web site and the app; 30 minutes idle ends a session.
  new_customers:
    label: New customers
    section: Traffic
    kind: input
    aggregation: sum
    unit: count
    polarity: higher_is_better
    owner: Marcus Lee
    drives: [orders, revenue]
    definition: Customers placing their first order.
  marketing_spend:
    label: Marketing spend
    section: Traffic
    kind: input
    aggregation: sum
    unit: currency
    polarity: neutral          # neither more nor less is good in itself
    owner: Marcus Lee
    drives: [sessions, new_customers]
    definition: Paid search, social and affiliate spend in USD, booked on the day it ran.

  # ---- Shopping -------------------------------------------------------------------------
  conversion:
    label: Conversion rate
    section: Shopping
    kind: input
    aggregation: ratio         # sum(orders) / sum(sessions), never an average of daily rates
    numerator: orders
    denominator: sessions
    unit: percent
    comparison: bps            # pct | bps (default: bps for percent units)
    polarity: higher_is_better
    owner: Aisha Khan
    drives: [orders, revenue]
    definition: Orders / sessions.
  in_stock_rate:
    label: In-stock rate
    section: Shopping
    kind: input
    aggregation: ratio
    numerator: in_stock_page_views
    denominator: page_views
    unit: percent
    polarity: higher_is_better
    owner: Li Wei
    drives: [conversion, orders]
    definition: Product page views where the item ships from the customer's regional
      fulfilment centre / all product page views.
  page_views:
    label: Product page views
    section: Shopping
    kind: input
    aggregation: sum
    unit: count
    polarity: higher_is_better
    owner: Li Wei
    show: false
    definition: Product detail page views.
  in_stock_page_views:
    label: In-stock product page views
    section: Shopping
    kind: input
    aggregation: sum
    unit: count
    polarity: higher_is_better
    owner: Li Wei
    show: false
    definition: Product detail page views with the item in stock.
  inventory_units:
    label: Inventory on hand
    section: Shopping
    kind: input
    aggregation: last          # a snapshot: a window shows its last day
    unit: count
    polarity: neutral
    owner: Sam Okafor
    drives: [in_stock_rate]
    definition: Sellable units in all fulfilment centres at midnight.

  # ---- Fulfilment -----------------------------------------------------------------------
  on_time_delivery:
    label: On-time delivery
    section: Fulfilment
    kind: input
    aggregation: ratio
    numerator: on_time_deliveries
    denominator: deliveries
    unit: percent
    polarity: higher_is_better
    owner: Elena Petrova
    drives: [contacts_per_order, orders]
    definition: Deliveries on or before the promised date / all deliveries.
  avg_delivery_days:
    label: Average days to deliver
    section: Fulfilment
    kind: input
    aggregation: ratio         # a ratio need not be a percent: days per delivery
    numerator: delivery_days
    denominator: deliveries
    unit: days
    comparison: pct
    polarity: lower_is_better
    owner: Elena Petrova
    drives: [conversion]
    definition: Days from order to delivery, summed over deliveries / deliveries.
  deliveries:
    label: Deliveries
    section: Fulfilment
    kind: input
    aggregation: sum
    unit: count
    polarity: higher_is_better
    owner: Elena Petrova
    show: false
    definition: Packages delivered.
  on_time_deliveries:
    label: On-time deliveries
    section: Fulfilment
    kind: input
    aggregation: sum
    unit: count
    polarity: higher_is_better
    owner: Elena Petrova
    show: false
    definition: Packages delivered on or before the promised date.
  delivery_days:
    label: Delivery days
    section: Fulfilment
    kind: input
    aggregation: sum
    unit: days
    polarity: lower_is_better
    owner: Elena Petrova
    show: false
    definition: Days from order to delivery, summed over the day's deliveries.

  # ---- Financials -----------------------------------------------------------------------
  orders:
    label: Orders
    section: Financials
    kind: output
    aggregation: sum
    unit: count
    polarity: higher_is_better
    owner: Jordan Blake
    definition: Orders placed, net of orders cancelled the same day.
  revenue:
    label: Revenue
    section: Financials
    kind: output
    aggregation: sum
    unit: currency
    polarity: higher_is_better
    owner: Chris Morgan
    definition: Ordered product sales in USD before returns, without shipping and tax.
    flags:
      plan_miss_pct: 1.5       # Finance wants to hear about a 1.5% miss
  average_order_value:
    label: Average order value
    section: Financials
    kind: diagnostic           # explains an output; not a lever in itself
    aggregation: ratio
    numerator: revenue
    denominator: orders
    unit: currency
    polarity: higher_is_better
    owner: Chris Morgan
    definition: Revenue / orders.
  gross_profit:
    label: Gross profit
    section: Financials
    kind: output
    aggregation: sum
    unit: currency
    polarity: higher_is_better
    owner: Chris Morgan
    definition: Revenue minus the cost of goods and shipping, USD.
  gross_margin:
    label: Gross margin
    section: Financials
    kind: output
    aggregation: ratio
    numerator: gross_profit
    denominator: revenue
    unit: percent
    polarity: higher_is_better
    owner: Chris Morgan
    definition: Gross profit / revenue.

email:
  to: [leaders@example.com]
  subject: "{title}: week {week_number} ending {week_ending} ({flag_count} flags)"
"""


def sample_config_text(data_dir: str = "data/sample") -> str:
    """The sample wbr.yaml with the CSVs in `data_dir` (relative to the YAML's folder)."""
    prefix = "" if data_dir in ("", ".") else data_dir.rstrip("/") + "/"
    if any(char in prefix for char in ' ,:{}[]#"'):
        raise WbrError(f"sample data folder {data_dir!r}: use a path without spaces or punctuation")
    return CONFIG_TEMPLATE.replace("{data}", prefix)


@cache
def sample_metrics() -> dict[str, dict]:
    """The sample's metric specs, as written in the YAML (ordered as in the file)."""
    return yaml.safe_load(sample_config_text())["metrics"]


def stored_metrics() -> list[str]:
    """Metric ids written to metrics.csv: every metric that is not a ratio."""
    return [m for m, spec in sample_metrics().items() if spec["aggregation"] != "ratio"]


def write_sample(
    out_dir: Path, config_path: Path | None = None, end: dt.date = DEFAULT_END
) -> list[Path]:
    """Write metrics.csv, plan.csv, commentary.csv and events.csv (and wbr.yaml if asked)."""
    if end < START + dt.timedelta(days=800):
        raise WbrError(f"sample end date {end} is too early: the demo needs two years from {START}")
    out_dir = Path(out_dir)
    business = _simulate(end)
    tables = {
        "metrics.csv": _metrics_table(business),
        "plan.csv": _plan_table(business),
        "commentary.csv": _commentary_table(business),
        "events.csv": _events_table(business),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, table in tables.items():
        path = out_dir / name
        table.to_csv(path, index=False, lineterminator="\n")
        paths.append(path)
    if config_path is not None:
        config_path = Path(config_path)
        config_path.parent.mkdir(parents=True, exist_ok=True)
        data_dir = os.path.relpath(out_dir.resolve(), config_path.resolve().parent)
        text = sample_config_text(Path(data_dir).as_posix())
        config_path.write_text(text, encoding="utf-8", newline="\n")
        paths.append(config_path)
    return paths


# ---------------------------------------------------------------------------------------------
# The business calendar: promotions on their real dates, incidents relative to the last day.


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th `weekday` (Monday=0) of a month."""
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def black_friday(year: int) -> dt.date:
    """The day after US Thanksgiving (the fourth Thursday of November)."""
    return _nth_weekday(year, 11, 3, 4) + dt.timedelta(days=1)


def summer_deals(year: int) -> dt.date:
    """First of the two Summer Deals Days: the second Tuesday of July."""
    return _nth_weekday(year, 7, 1, 2)


def spring_sale(year: int) -> dt.date:
    """First of the three Spring Sale days: the third Friday of March."""
    return _nth_weekday(year, 3, 4, 3)


# Days from the promotion's first day -> (traffic, conversion) multipliers.
BLACK_FRIDAY_SHAPE = {
    **{offset: (1.04 + 0.01 * (offset + 8), 1.0) for offset in range(-8, -1)},  # early deals
    -1: (1.25, 1.2),  # Thanksgiving
    0: (1.9, 1.6),  # Black Friday
    1: (1.45, 1.25),
    2: (1.4, 1.25),
    3: (1.75, 1.45),  # Cyber Monday
    4: (1.3, 1.15),
    5: (1.15, 1.0),
    6: (1.12, 1.0),
}
SUMMER_DEALS_SHAPE = {
    **{offset: (0.97, 0.95) for offset in (-3, -2, -1)},  # shoppers wait for the deals
    0: (1.7, 1.5),
    1: (1.55, 1.4),
    **{offset: (0.95, 0.97) for offset in (2, 3)},  # and have bought already
}
CHRISTMAS_SHAPE = {21: (0.95, 1.0), 22: (0.93, 1.0), 23: (0.9, 1.0), 24: (0.7, 0.85),
                   25: (0.6, 0.85), 26: (1.05, 1.0), 27: (0.95, 1.0)}  # fmt: skip
# West in-stock rate on the days from the receiving system cutover (Sunday of the last-but-one
# week) to the last day: down from 95.5% to 71%, then half way back.
STOCKOUT_WEST_IN_STOCK = (0.9, 0.81, 0.74, 0.72, 0.71, 0.72, 0.71, 0.72, 0.71, 0.73, 0.78,
                          0.83, 0.87, 0.9)  # fmt: skip


@dataclass(frozen=True)
class Incidents:
    """When the baked-in incidents happen, all relative to the last actual day."""

    end: dt.date

    @property
    def outage(self) -> dt.date:
        """App release 8.14 broke Android checkout (the Tuesday of the last week)."""
        return self.end - dt.timedelta(days=4)

    @property
    def stockout_start(self) -> dt.date:
        """Receiving system cutover at the West fulfilment centre."""
        return self.end - dt.timedelta(days=len(STOCKOUT_WEST_IN_STOCK) - 1)

    @property
    def price_cuts(self) -> dt.date:
        """Competitor price cuts start pulling order value down: the revenue plan miss."""
        return self.end - dt.timedelta(days=41)


@dataclass(frozen=True)
class Business:
    """The simulated business: daily actuals (START..end), their slices, and the daily plan."""

    end: dt.date
    plan_end: dt.date
    days: pd.DatetimeIndex
    slices: dict[str, np.ndarray]  # metric -> values[day, region, channel]
    totals: dict[str, np.ndarray]  # metric -> values[day], every stored metric
    plan_days: pd.DatetimeIndex
    plan: dict[str, np.ndarray]  # metric -> values[plan day]


def _smooth_annual(doy: np.ndarray, monthly: list[float]) -> np.ndarray:
    """A periodic curve through one value per mid-month."""
    mid = 15.5 + 30.44 * np.arange(12)
    xp = np.concatenate([[mid[-1] - 365.25], mid, [mid[0] + 365.25]])
    fp = np.concatenate([[monthly[-1]], monthly, [monthly[0]]])
    return np.interp(doy, xp, fp)


def _ar1(rng: np.random.Generator, n: int, phi: float, sigma: float) -> np.ndarray:
    """A stationary AR(1) path: the slow drifts that make real weeks differ."""
    shocks = rng.normal(0.0, sigma, n)
    path = np.empty(n)
    path[0] = shocks[0] / np.sqrt(1 - phi**2)
    for i in range(1, n):
        path[i] = phi * path[i - 1] + shocks[i]
    return path


class _Seasons:
    """Multipliers known in advance (the plan has them too): annual shape and promotions."""

    def __init__(self, days: pd.DatetimeIndex, years: np.ndarray) -> None:
        self.first = days[0].date()
        n = len(days)
        doy = days.day_of_year.to_numpy().astype(float)
        self.traffic = _smooth_annual(
            doy, [0.92, 0.9, 0.96, 0.97, 0.98, 0.96, 1, 1, 0.97, 1, 1.06, 1.14]
        )
        self.basket = _smooth_annual(
            doy, [0.97, 0.97, 0.98, 0.99, 1, 0.99, 0.98, 1, 1, 1, 1.04, 1.1]
        )
        self.spend = _smooth_annual(
            doy, [0.85, 0.85, 0.95, 0.95, 1, 0.95, 1.1, 1, 0.95, 1.05, 1.5, 1.4]
        )
        self.in_stock = 0.956 - 0.012 * _smooth_annual(doy, [0.5, *[0] * 10, 1])
        self.margin = 0.29 + 0.004 * years - 0.015 * _smooth_annual(doy, [*[0] * 10, 0.5, 1])
        self.buying = np.ones(n)  # conversion
        self.new_share = np.full(n, 0.09)
        self.peak = np.zeros(n)  # carrier congestion after Black Friday, 0..1
        for year in range(days[0].year, days[-1].year + 1):
            bf, deals = black_friday(year), summer_deals(year)
            for offset, (traffic, buying) in BLACK_FRIDAY_SHAPE.items():
                self._promote(bf, offset, traffic, buying, deal=-1 <= offset <= 4, depth=0.06)
            for offset, (traffic, buying) in SUMMER_DEALS_SHAPE.items():
                self._promote(deals, offset, traffic, buying, deal=offset in (0, 1), depth=-0.06)
            for offset in range(3):
                self._promote(spring_sale(year), offset, 1.2, 1.1, deal=False, depth=0)
                self._shift(self.margin, spring_sale(year), offset, -0.03)
            for day, (traffic, buying) in CHRISTMAS_SHAPE.items():
                self._promote(dt.date(year, 12, day), 0, traffic, buying, deal=False, depth=0)
            for offset in range(18):  # gift buying until the shipping cut-off
                self._promote(dt.date(year, 12, 1), offset, 1.0, 1.08, deal=False, depth=0)
            for offset in range(1, 26):
                self._shift(self.peak, bf, offset, np.sin(np.pi * offset / 26))

    def at(self, day: dt.date, offset: int = 0) -> int | None:
        """Row of a day (None outside the simulated range)."""
        pos = (day - self.first).days + offset
        return pos if 0 <= pos < len(self.traffic) else None

    def _shift(self, series: np.ndarray, day: dt.date, offset: int, amount: float) -> None:
        if (pos := self.at(day, offset)) is not None:
            series[pos] += amount

    def _promote(self, day, offset, traffic, buying, deal: bool, depth: float) -> None:
        """Scale traffic and conversion; deal days also change basket, margin and spend."""
        if (pos := self.at(day, offset)) is None:
            return
        self.traffic[pos] *= traffic
        self.buying[pos] *= buying
        if deal:
            self.basket[pos] *= 1 + depth
            self.margin[pos] -= 0.09 if traffic > 1.6 else 0.05
            self.new_share[pos] += 0.05
            self.spend[pos] *= 2.5


def _simulate(end: dt.date) -> Business:
    """Run the model of Acme Retail from START to `end`, and its plan to the fiscal year end."""
    rng = np.random.default_rng(SEED)
    plan_end = dt.date(end.year, 12, 31)
    days = pd.date_range(START - dt.timedelta(days=LEAD_IN_DAYS), plan_end, freq="D")
    n, shape = len(days), (len(days), len(REGIONS), len(CHANNELS))
    years = ((days - pd.Timestamp(START)).days / 365.25).to_numpy()
    span = (plan_end - START).days / 365.25
    dow = days.day_of_week.to_numpy()
    season = _Seasons(days, years)
    incidents = Incidents(end)
    outage = season.at(incidents.outage)

    # The expected business (what Finance plans for): sessions growth slows from 9% a year to
    # 4%, the South grows fastest, the app gains share, the web shops on weekdays, the app at
    # weekends.
    g0, g1 = np.log(1.09), np.log(1.04)
    growth = np.exp(g0 * years + (g1 - g0) * years**2 / (2 * span))
    region_share = np.array([0.24, 0.34, 0.2, 0.22]) * np.exp(
        np.array([-0.01, 0.025, -0.015, 0.0]) * years[:, None]
    )
    region_share /= region_share.sum(axis=1, keepdims=True)
    app_share = 0.36 + 0.12 * np.clip(years / span, 0, 1)
    channel_share = np.stack([1 - app_share, app_share], axis=1)
    weekday = np.array([[1.08, 1.05, 1.03, 1.0, 0.93, 0.88, 1.03],
                        [0.97, 0.95, 0.95, 0.97, 1.0, 1.07, 1.09]])  # fmt: skip
    weekday = (weekday / weekday.mean(axis=1, keepdims=True)).T[dow]
    expected_sessions = 380_000.0 * (
        (growth * season.traffic)[:, None, None]
        * region_share[:, :, None]
        * (channel_share * weekday)[:, None, :]
    )
    conv_weekday = np.array([1.03, 1.02, 1.01, 1.0, 0.98, 0.97, 0.99])[dow]  # web only
    expected_conv = (
        np.array([0.029, 0.039])
        * np.exp(0.02 * years)[:, None, None]
        * np.array([1.03, 0.98, 1.0, 1.01])[:, None]
        * season.buying[:, None, None]
        * np.stack([conv_weekday, np.ones(n)], axis=1)[:, None, :]
    )
    expected_aov = (
        58.0
        * (np.exp(0.03 * years) * season.basket)[:, None, None]
        * np.array([1.06, 0.96, 0.97, 1.04])[:, None]
        * np.array([1.0, 0.92])
    )
    pages_per_session = np.array([6.2, 7.4])

    # Actuals: the expected business with noise and the incidents.
    sessions = rng.poisson(
        expected_sessions
        * np.exp(_ar1(rng, n, 0.9, 0.005)[:, None, None] + rng.normal(0, 0.02, shape))
    ).astype(float)
    page_views = np.round(sessions * pages_per_session * np.exp(rng.normal(0, 0.015, shape)))
    in_stock = season.in_stock[:, None, None] + _ar1(rng, n, 0.8, 0.002)[:, None, None]
    in_stock = in_stock + rng.normal(0, 0.003, shape)
    for offset, rate in enumerate(STOCKOUT_WEST_IN_STOCK):
        pos = season.at(incidents.stockout_start, offset)
        in_stock[pos, WEST, :] = rate + rng.normal(0, 0.004, len(CHANNELS))
    in_stock = np.clip(in_stock, 0.5, 0.995)
    in_stock_views = np.round(page_views * in_stock)

    conv = expected_conv * in_stock / season.in_stock[:, None, None]  # out of stock, no sale
    conv *= np.exp(_ar1(rng, n, 0.85, 0.005)[:, None, None] + rng.normal(0, 0.025, shape))
    conv[outage, :, APP] *= 0.22  # Android checkout broken until the rollback at 21:40
    conv[outage + 1, :, APP] *= 0.8  # the hotfix reached most phones by noon
    if (pos := season.at(PAYMENT_OUTAGE)) is not None:
        conv[pos, :, 1 - APP] *= 0.55
    orders = rng.poisson(sessions * conv).astype(float)

    price_cut_days = np.clip((days - pd.Timestamp(incidents.price_cuts)).days.to_numpy(), 0, None)
    aov = expected_aov * (1 - 0.0012 * price_cut_days)[:, None, None]
    revenue = np.round(orders * aov * np.exp(rng.normal(0, 0.02, shape)), 2)
    total_orders = orders.sum(axis=(1, 2))
    total_revenue = revenue.sum(axis=(1, 2))

    # Fulfilment: orders arrive 1-5 days later, few on Sundays, more on Mondays.
    in_transit = np.convolve(total_orders, [0.0, 0.15, 0.35, 0.3, 0.15, 0.05])[:n]
    delivery_weekday = np.array([1.3, 1.05, 1.05, 1.05, 1.05, 1.05, 0.45])[dow]
    deliveries = np.round(1.08 * in_transit * delivery_weekday * np.exp(rng.normal(0, 0.02, n)))
    on_time_rate = np.minimum(0.935 + 0.006 * years, 0.955) - 0.04 * season.peak
    on_time_rate += -0.01 * (dow == 6) + _ar1(rng, n, 0.7, 0.003) + rng.normal(0, 0.003, n)
    days_each = (3.4 - 0.2 * years) * (1 + 0.15 * season.peak) * np.exp(rng.normal(0, 0.02, n))
    for offset, (late, slower) in enumerate([(0.12, 0.9), (0.09, 0.7), (0.04, 0.3)]):
        if (pos := season.at(WINTER_STORM, offset)) is not None:
            on_time_rate[pos] -= late
            days_each[pos] += slower
    on_time = np.round(deliveries * np.clip(on_time_rate, 0.5, 0.99))
    delivery_days = np.round(deliveries * days_each)

    late_yesterday = np.concatenate([[0.0], (deliveries - on_time)[:-1]])
    contacts = total_orders * (0.062 - 0.003 * years) * np.exp(rng.normal(0, 0.04, n))
    contacts += 0.3 * late_yesterday
    contacts[outage] += 1_500  # customers asking why checkout failed
    contacts[outage + 1] += 500
    contacts = np.round(contacts)

    latency = 480 * np.exp(-0.08 * years) * (1 + 0.04 * (season.traffic - 1))
    latency *= np.array([1.03, 1.02, 1.0, 1.0, 0.99, 0.97, 0.99])[dow]
    latency *= np.exp(_ar1(rng, n, 0.6, 0.015) + rng.normal(0, 0.02, n))
    latency[outage] *= 2.7  # release 8.14 retried the checkout API in a loop
    latency[outage + 1] *= 1.3
    if (pos := season.at(CDN_DEGRADATION)) is not None:
        latency[pos] *= 1.9

    doy = days.day_of_year.to_numpy()
    inventory = 2_400_000 * np.exp(0.08 * years) * np.exp(_ar1(rng, n, 0.97, 0.004))
    inventory *= 1 + 0.28 * np.exp(-(((doy - 318) / 35) ** 2)) - 0.03 * dow / 6  # holiday build
    for offset, rate in enumerate(STOCKOUT_WEST_IN_STOCK):  # West holds 22% of the units
        inventory[season.at(incidents.stockout_start, offset)] *= 1 - 0.13 * (0.956 - rate) / 0.25

    margin = season.margin - 0.015 * np.clip(price_cut_days / 42, 0, 1)  # price matching
    gross_profit = np.round(total_revenue * (margin + rng.normal(0, 0.005, n)), 2)
    new_customers = np.round(total_orders * season.new_share * np.exp(rng.normal(0, 0.05, n)))
    marketing = 55_000 * np.exp(0.06 * years) * season.spend * np.exp(rng.normal(0, 0.05, n))

    # The plan: the expected business phased by day, off by a small error each month.
    month = (days.year - days[0].year) * 12 + days.month - 1
    sessions_error = 1 + rng.normal(0.0, 0.005, month.max() + 1)[month]
    orders_error = 1 + rng.normal(0.0, 0.005, month.max() + 1)[month]
    basket_error = 1 + rng.normal(0.0, 0.004, month.max() + 1)[month]
    expected_orders = expected_sessions * expected_conv
    plan_views = (expected_sessions * pages_per_session).sum(axis=(1, 2)) * sessions_error
    plan = {
        "sessions": np.round(expected_sessions.sum(axis=(1, 2)) * sessions_error),
        "page_views": np.round(plan_views),
        "in_stock_page_views": np.round(plan_views * 0.956),
        "orders": np.round(expected_orders.sum(axis=(1, 2)) * orders_error),
        "revenue": np.round(
            (expected_orders * expected_aov).sum(axis=(1, 2)) * orders_error * basket_error, 2
        ),
    }

    slices = {
        "sessions": sessions,
        "page_views": page_views,
        "in_stock_page_views": in_stock_views,
        "orders": orders,
        "revenue": revenue,
    }
    totals = {
        "contacts": contacts,
        "page_latency_ms": np.round(latency, 1),
        "new_customers": new_customers,
        "marketing_spend": np.round(marketing, 2),
        "inventory_units": np.round(inventory),
        "deliveries": deliveries,
        "on_time_deliveries": on_time,
        "delivery_days": delivery_days,
        "gross_profit": gross_profit,
        **{metric: values.sum(axis=(1, 2)) for metric, values in slices.items()},
    }
    actual = (days >= pd.Timestamp(START)) & (days <= pd.Timestamp(end))
    planned = days >= pd.Timestamp(PLAN_START)
    return Business(
        end=end,
        plan_end=plan_end,
        days=days[actual],
        slices={metric: values[actual] for metric, values in slices.items()},
        totals={metric: values[actual] for metric, values in totals.items()},
        plan_days=days[planned],
        plan={metric: values[planned] for metric, values in plan.items()},
    )


# ---------------------------------------------------------------------------------------------
# The CSV files.


def _format(values: np.ndarray, decimals: int) -> np.ndarray:
    """Values as CSV text with a fixed number of decimals (whole numbers for counts)."""
    if decimals == 0:
        return np.round(values).astype(np.int64).astype(str)
    return np.char.mod(f"%.{decimals}f", values)


def _metrics_table(business: Business) -> pd.DataFrame:
    """Long rows date,metric,value,region,channel in date order; ratios are never stored."""
    dates = business.days.strftime("%Y-%m-%d").to_numpy()
    n = len(dates)
    parts = []
    for order, metric in enumerate(stored_metrics()):
        if metric in DIMENSIONED:
            values = business.slices[metric].reshape(n, -1)
            region = np.tile(np.repeat(REGIONS, len(CHANNELS)), n)
            channel = np.tile(CHANNELS, n * len(REGIONS))
        else:
            values = business.totals[metric][:, None]
            region = channel = ""  # not split: one row a day with empty dimension cells
        per_day = values.shape[1]
        parts.append(
            pd.DataFrame(
                {
                    "day": np.repeat(np.arange(n), per_day),
                    "order": order,
                    "date": np.repeat(dates, per_day),
                    "metric": metric,
                    "value": _format(values.ravel(), DECIMALS.get(metric, 0)),
                    "region": region,
                    "channel": channel,
                }
            )
        )
    table = pd.concat(parts, ignore_index=True).sort_values(["day", "order"], kind="stable")
    return table[["date", "metric", "value", "region", "channel"]]


def _plan_table(business: Business) -> pd.DataFrame:
    """Daily plan rows date,metric,value from PLAN_START to the end of the fiscal year."""
    dates = business.plan_days.strftime("%Y-%m-%d").to_numpy()
    table = pd.DataFrame(
        {
            "date": np.repeat(dates, len(PLANNED)),
            "metric": np.tile(PLANNED, len(dates)),
            "value": np.stack(
                [_format(business.plan[m], DECIMALS.get(m, 0)) for m in PLANNED], axis=1
            ).ravel(),
        }
    )
    return table


class _Weeks:
    """Week totals and rates of the simulated actuals, so commentary cites the real numbers."""

    def __init__(self, business: Business) -> None:
        self.business = business
        self.last = len(business.days) - 1

    def row(self, day: dt.date) -> int:
        """Row of a day in the actuals."""
        return self.last - (self.business.end - day).days

    def total(self, metric: str, back: int = 0) -> float:
        """Sum of a metric over the week `back` weeks before the last one."""
        end = self.last - 7 * back
        return float(self.business.totals[metric][end - 6 : end + 1].sum())

    def rate(self, numerator: str, denominator: str, back: int = 0) -> float:
        """A ratio over one week."""
        return self.total(numerator, back) / self.total(denominator, back)

    def plan(self, metric: str, back: int = 0) -> float:
        """The plan summed over one week."""
        end = (self.business.end - PLAN_START).days - 7 * back
        return float(self.business.plan[metric][end - 6 : end + 1].sum())

    def slice_rate(self, numerator: str, denominator: str, days: slice, region=None, channel=None):
        """A ratio over some days for one region and/or channel (None = all)."""
        keys = (days, slice(None) if region is None else region, channel)
        if channel is None:
            keys = keys[:2]
        slices = self.business.slices
        return float(slices[numerator][keys].sum() / slices[denominator][keys].sum())

    def week_days(self, back: int) -> slice:
        """Rows of the week `back` weeks before the last one."""
        end = self.last - 7 * back
        return slice(end - 6, end + 1)


def _commentary_table(business: Business) -> pd.DataFrame:
    """Owner commentary on the last five weeks: mostly decision-grade, some for the linter."""
    w = _Weeks(business)
    incidents = Incidents(business.end)
    owners = {metric: spec["owner"] for metric, spec in sample_metrics().items()}
    end = business.end

    def iso(day: dt.date, days_later: int = 0) -> str:
        return (day + dt.timedelta(days=days_later)).isoformat()

    def vs_plan(metric: str, back: int) -> str:
        return f"{(w.total(metric, back) / w.plan(metric, back) - 1) * 100:+.1f}%"

    def aov(back: int) -> float:
        return w.rate("revenue", "orders", back)

    def aov_yoy(back: int) -> str:
        return f"{(aov(back) / aov(back + 52) - 1) * 100:+.1f}%"

    before = (end - incidents.price_cuts).days // 7 + 1  # the last week before the price cuts
    conv = [w.rate("orders", "sessions", back) for back in range(3)]
    stock = [w.rate("in_stock_page_views", "page_views", back) for back in range(5)]
    outage = w.row(incidents.outage)
    west_stock = w.slice_rate("in_stock_page_views", "page_views", w.week_days(1), WEST)
    west_today = w.slice_rate("in_stock_page_views", "page_views", slice(w.last, w.last + 1), WEST)
    views = business.slices["page_views"][w.week_days(1)]
    stocked = business.slices["in_stock_page_views"][w.week_days(1)]
    others_stock = np.delete(stocked, WEST, 1).sum() / np.delete(views, WEST, 1).sum()
    west_conv = [w.slice_rate("orders", "sessions", w.week_days(back), WEST) for back in (1, 2)]
    app_conv = [
        w.slice_rate("orders", "sessions", slice(day, day + 1), None, APP)
        for day in (outage, outage - 7)
    ]
    latency = business.totals["page_latency_ms"]
    latency_week = [latency[w.week_days(back)].mean() for back in (0, 1)]
    latency_others = np.delete(latency[w.week_days(0)], outage - w.week_days(0).start).mean()
    on_time = [w.rate("on_time_deliveries", "deliveries", back) for back in (0, 1)]
    revenue = [w.total("revenue", back) / 1e6 for back in range(5)]
    same_again = (
        "Revenue is slightly below plan due to softer demand in some categories. The team is "
        "monitoring it closely and the holiday season should help."
    )
    notes = [
        (4, "revenue",
         f"Revenue ${revenue[4]:.2f}M, {vs_plan('revenue', 4)} vs plan. AOV ${aov(4):.2f}, "
         f"{aov_yoy(4)} YoY against {aov_yoy(before)} before competitor price cuts in "
         f"consumer electronics on {iso(incidents.price_cuts)}. Hypothesis: our price "
         f"matching lowers AOV; confirming with the category mix by {iso(end, -22)}."),
        (3, "revenue",
         f"Revenue ${revenue[3]:.2f}M, {vs_plan('revenue', 3)} vs plan, with orders "
         f"{vs_plan('orders', 3)} vs plan. Confirmed: electronics price matching took AOV "
         f"growth from {aov_yoy(before)} YoY to {aov_yoy(3)} in three weeks. Action: pricing "
         f"review of the price-match rule (owner: Chris Morgan) by {iso(end, -7)}."),
        (2, "revenue", same_again),
        (1, "revenue", same_again),
        (0, "revenue", same_again),
        (1, "in_stock_rate",
         f"In-stock {stock[1]:.1%}, {(stock[1] - stock[2]) * 1e4:+.0f} bps WoW. Root cause: the "
         f"receiving system cutover at the West fulfilment centre on "
         f"{iso(incidents.stockout_start)} stalled inbound receiving; West in-stock "
         f"{west_stock:.1%} vs {others_stock:.1%} in the other three regions. Action: two "
         f"extra receiving shifts (owner: Li Wei); West back above 94% by {iso(end, 7)}."),
        (1, "conversion",
         f"Conversion {conv[1]:.2%}, {(conv[1] - conv[2]) * 1e4:+.0f} bps WoW. West conversion "
         f"{west_conv[0]:.2%} vs {west_conv[1]:.2%} the week before, following West in-stock; "
         f"the other regions are within normal variation. No Shopping action: recovery "
         f"follows the in-stock fix due {iso(end, 7)}."),
        (0, "conversion",
         f"Conversion {conv[0]:.2%}, {(conv[0] - conv[1]) * 1e4:+.0f} bps WoW. Root cause: app "
         f"release 8.14 on {iso(incidents.outage)} broke checkout on Android; app conversion "
         f"that day was {app_conv[0]:.2%} vs {app_conv[1]:.2%} the Tuesday before. Rolled back "
         f"at 21:40; hotfix 8.14.1 shipped {iso(incidents.outage, 1)}. Action: a checkout "
         f"end-to-end test gates every release (owner: Tom Becker) by {iso(end, 13)}."),
        (0, "in_stock_rate",
         f"In-stock {stock[0]:.1%}, {(stock[0] - stock[1]) * 1e4:+.0f} bps WoW and "
         f"{(stock[0] - stock[4]) * 1e4:+.0f} bps vs four weeks ago. West at {west_today:.1%} "
         f"on {iso(end)}, up from {min(STOCKOUT_WEST_IN_STOCK):.0%} at the bottom; the "
         f"receiving backlog is 60% cleared. On track for West above 94% by {iso(end, 7)}."),
        (0, "contacts_per_order",
         "Contacts were significantly higher this week, mostly because of the app issue. The "
         "team is looking into it."),
        (0, "orders",
         "Orders were slightly soft, with nearly all of the shortfall in the West. Restocking "
         "should help."),
        (0, "page_latency_ms",
         f"Average page latency {latency_week[0]:.0f} ms, "
         f"{(latency_week[0] / latency_week[1] - 1) * 100:+.1f}% WoW. All of the increase is on "
         f"{iso(incidents.outage)}: {latency[outage]:,.0f} ms while release 8.14 retried the "
         f"checkout API in a loop; the other six days averaged {latency_others:.0f} ms, inside "
         f"the normal range. Rolled back the same day; no further action."),
        (0, "on_time_delivery",
         f"On-time delivery {on_time[0]:.1%}, {(on_time[0] - on_time[1]) * 1e4:+.0f} bps WoW; "
         f"within normal variation, no action."),
        (0, "average_order_value",
         f"AOV ${aov(0):.2f}, {aov_yoy(0)} YoY, down from {aov_yoy(before)} YoY before competitor "
         f"price cuts in consumer electronics began on {iso(incidents.price_cuts)}. "
         f"Price-match review decision due {iso(end, 11)} (owner: Chris Morgan)."),
    ]  # fmt: skip
    return pd.DataFrame(
        [(iso(end, -7 * back), metric, owners[metric], text) for back, metric, text in notes],
        columns=["week_ending", "metric", "author", "text"],
    ).sort_values("week_ending", kind="stable")


def _events_table(business: Business) -> pd.DataFrame:
    """Promotions every year, past incidents and the incidents of the last weeks."""
    incidents = Incidents(business.end)
    rows = []
    for year in range(START.year, business.plan_end.year + 1):
        rows += [
            (spring_sale(year), "", "Spring Sale (3 days)"),
            (summer_deals(year), "", "Summer Deals Days (2 days, web and app)"),
            (black_friday(year), "", "Black Friday"),
            (black_friday(year) + dt.timedelta(days=3), "", "Cyber Monday"),
        ]
    rows += [
        (PAYMENT_OUTAGE, "conversion", "Payment provider outage: web checkout down 09:10-14:30"),
        (WINTER_STORM, "on_time_delivery",
         "Winter storm: carrier hubs in the Northeast and Midwest closed for two days"),
        (CDN_DEGRADATION, "page_latency_ms", "CDN degradation in US-East for 11 hours"),
        (incidents.price_cuts, "average_order_value",
         "Competitor price cuts in consumer electronics; our price-match rule follows them"),
        (incidents.stockout_start, "in_stock_rate",
         "West fulfilment centre receiving system cutover; inbound receiving stalled"),
        (incidents.outage, "conversion",
         "App release 8.14: Android checkout failures until the rollback at 21:40"),
    ]  # fmt: skip
    rows = sorted((day, metric, text) for day, metric, text in rows if day <= business.plan_end)
    return pd.DataFrame(
        [(day.isoformat(), metric, text) for day, metric, text in rows],
        columns=["date", "metric", "description"],
    )

"""The model of the sample business (Acme Retail): daily actuals by region and channel, and the
plan, all drawn from one seeded numpy Generator so every run gives the same numbers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wbr.sample.calendar import (
    BLACK_FRIDAY_SHAPE,
    CDN_DEGRADATION,
    CHRISTMAS_SHAPE,
    PAYMENT_OUTAGE,
    PLAN_START,
    START,
    STOCKOUT_WEST_IN_STOCK,
    SUMMER_DEALS_SHAPE,
    WINTER_STORM,
    Incidents,
    black_friday,
    spring_sale,
    summer_deals,
)

SEED = 20261121
LEAD_IN_DAYS = 7  # simulated before START so the first days have orders in transit
REGIONS = ("Northeast", "South", "Midwest", "West")
CHANNELS = ("web", "app")
WEST = REGIONS.index("West")
APP = CHANNELS.index("app")
DIMENSIONED = ("sessions", "page_views", "in_stock_page_views", "orders", "revenue")
PLANNED = ("sessions", "page_views", "in_stock_page_views", "orders", "revenue")


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

    def row(self, day: dt.date, offset: int = 0) -> int:
        """Row of a day that must be simulated (the incidents of the last weeks always are)."""
        pos = self.at(day, offset)
        if pos is None:
            raise ValueError(f"{day} + {offset} days is outside the simulated range")
        return pos

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


def simulate(end: dt.date) -> Business:
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
    outage = season.row(incidents.outage)

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
        day = season.row(incidents.stockout_start, offset)
        in_stock[day, WEST, :] = rate + rng.normal(0, 0.004, len(CHANNELS))
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

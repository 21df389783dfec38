"""The sample's CSV files as tables: metrics (long, by region and channel), plan, owner
commentary that cites the simulated numbers, and events."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from wbr.sample.calendar import (
    CDN_DEGRADATION,
    PAYMENT_OUTAGE,
    PLAN_START,
    START,
    STOCKOUT_WEST_IN_STOCK,
    WINTER_STORM,
    Incidents,
    black_friday,
    spring_sale,
    summer_deals,
)
from wbr.sample.config import sample_metrics, stored_metrics
from wbr.sample.simulate import APP, CHANNELS, DIMENSIONED, PLANNED, REGIONS, WEST, Business

DECIMALS = {"revenue": 2, "gross_profit": 2, "marketing_spend": 2, "page_latency_ms": 1}


def _format(values: np.ndarray, decimals: int) -> np.ndarray:
    """Values as CSV text with a fixed number of decimals (whole numbers for counts)."""
    if decimals == 0:
        return np.round(values).astype(np.int64).astype(str)
    return np.char.mod(f"%.{decimals}f", values)


def metrics_table(business: Business) -> pd.DataFrame:
    """Long rows date,metric,value,region,channel in date order; ratios are never stored."""
    dates = business.days.strftime("%Y-%m-%d").to_numpy()
    n = len(dates)
    parts = []
    for order, metric in enumerate(stored_metrics()):
        region: np.ndarray | str
        channel: np.ndarray | str
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


def plan_table(business: Business) -> pd.DataFrame:
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
        keys: tuple[slice | int, ...] = (days, slice(None) if region is None else region)
        if channel is not None:
            keys = (*keys, channel)
        slices = self.business.slices
        return float(slices[numerator][keys].sum() / slices[denominator][keys].sum())

    def week_days(self, back: int) -> slice:
        """Rows of the week `back` weeks before the last one."""
        end = self.last - 7 * back
        return slice(end - 6, end + 1)


def commentary_table(business: Business) -> pd.DataFrame:
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


def events_table(business: Business) -> pd.DataFrame:
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

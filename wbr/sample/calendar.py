"""The sample business's calendar: promotions on their real dates, past incidents on fixed dates,
and the incidents of the last weeks relative to the last actual day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

START = dt.date(2023, 1, 1)
PLAN_START = dt.date(2025, 1, 1)
PAYMENT_OUTAGE = dt.date(2024, 9, 10)
WINTER_STORM = dt.date(2025, 1, 21)
CDN_DEGRADATION = dt.date(2025, 2, 19)


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

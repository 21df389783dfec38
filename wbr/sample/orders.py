"""The sample's raw `orders` table (Parquet): one row per order, the shape a warehouse holds.

A sampled slice of the simulated business's orders (one raw row per ORDERS_PER_ROW orders of a
day), with UTC timestamps, a status, an amount and a customer, so that `make wbr` reads metrics
from a raw table through the embedded DuckDB. Seeded: every run writes the same rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ORDERS_PER_ROW = 400  # keeps the file near 1 MB for three years of orders
CUSTOMERS = 40_000
REGULARS = 600
STATUSES = ("shipped", "pending", "cancelled", "returned")
STATUS_SHARE = (0.86, 0.05, 0.06, 0.03)
SEED = 20261121


def orders_table(days: pd.DatetimeIndex, daily_orders: np.ndarray) -> pd.DataFrame:
    """Raw order rows for the simulated days (created_at is UTC, naive)."""
    rng = np.random.default_rng(SEED)
    counts = np.maximum(np.round(np.nan_to_num(daily_orders) / ORDERS_PER_ROW), 0).astype(int)
    day_of_row = np.repeat(days.to_numpy(dtype="datetime64[s]"), counts)
    n = int(counts.sum())
    seconds = rng.integers(0, 86_400, n).astype("timedelta64[s]")
    created = np.sort(day_of_row + seconds)
    # Six orders in ten come from a pool of regulars who order again within weeks, so a week's
    # active customers are fewer than its orders, and a month's far fewer than four weeks' sum.
    regular = rng.random(n) < 0.6
    customer = np.where(
        regular, rng.integers(1, REGULARS + 1, n), rng.integers(REGULARS + 1, CUSTOMERS + 1, n)
    )
    return pd.DataFrame(
        {
            "order_id": np.arange(1, n + 1, dtype=np.int64),
            "created_at": created.astype("datetime64[us]"),
            "customer_id": customer.astype(np.int64),
            "status": rng.choice(STATUSES, n, p=STATUS_SHARE),
            "amount": np.round(rng.lognormal(4.2, 0.6, n), 2),
            "region": rng.choice(["East", "West", "Central"], n, p=(0.4, 0.35, 0.25)),
        }
    )


def write_orders(path: Path, days: pd.DatetimeIndex, daily_orders: np.ndarray) -> Path:
    """Write the raw orders as Parquet (zstd; no pandas index) and return the path."""
    orders_table(days, daily_orders).to_parquet(path, index=False, compression="zstd")
    return path

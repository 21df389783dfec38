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
from pathlib import Path

from wbr.errors import WbrError
from wbr.sample.calendar import START, black_friday, spring_sale, summer_deals
from wbr.sample.config import sample_config_text, sample_metrics, stored_metrics
from wbr.sample.orders import write_orders
from wbr.sample.simulate import simulate
from wbr.sample.tables import commentary_table, events_table, metrics_table, plan_table

__all__ = [
    "DEFAULT_END",
    "black_friday",
    "sample_config_text",
    "sample_metrics",
    "spring_sale",
    "stored_metrics",
    "summer_deals",
    "write_sample",
]

DEFAULT_END = dt.date(2026, 11, 21)


def write_sample(
    out_dir: Path, config_path: Path | None = None, end: dt.date = DEFAULT_END
) -> list[Path]:
    """Write metrics.csv, plan.csv, commentary.csv and events.csv (and wbr.yaml if asked)."""
    if end < START + dt.timedelta(days=800):
        raise WbrError(f"sample end date {end} is too early: the demo needs two years from {START}")
    out_dir = Path(out_dir)
    business = simulate(end)
    tables = {
        "metrics.csv": metrics_table(business),
        "plan.csv": plan_table(business),
        "commentary.csv": commentary_table(business),
        "events.csv": events_table(business),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, table in tables.items():
        path = out_dir / name
        table.to_csv(path, index=False, lineterminator="\n")
        paths.append(path)
    paths.append(write_orders(out_dir / "orders.parquet", business.days, business.totals["orders"]))
    if config_path is not None:
        config_path = Path(config_path)
        config_path.parent.mkdir(parents=True, exist_ok=True)
        data_dir = os.path.relpath(out_dir.resolve(), config_path.resolve().parent)
        text = sample_config_text(Path(data_dir).as_posix())
        config_path.write_text(text, encoding="utf-8", newline="\n")
        paths.append(config_path)
    return paths

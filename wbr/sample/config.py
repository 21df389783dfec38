"""The sample business's wbr.yaml: its text (the example users copy) and the metric specs in it."""

from __future__ import annotations

from functools import cache

import yaml

from wbr.errors import WbrError

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
sections: [Customer experience, Traffic, Shopping, Fulfilment, Customers, Financials]
tables:                        # raw tables: metrics computed where the rows are (here DuckDB)
  orders:                      # one row per order: order_id, created_at, customer_id, status, ...
    path: {data}orders.parquet # or connection: + table: for a warehouse table
    date: created_at           # a UTC timestamp: days follow calendar.time_zone
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

  # ---- Customers (read from the raw orders table, a 1-in-400 sample of the orders) ----------
  active_customers:
    label: Active customers
    section: Customers
    kind: input
    from: orders               # counted in the engine over each window: a week's, a month's,
    measure: count_distinct(customer_id)  # a YTD's distinct customers (never a sum of days)
    where: "status <> 'cancelled'"
    unit: count
    polarity: higher_is_better
    owner: Marcus Lee
    drives: [orders, revenue]
    definition: Distinct customers with an order that was not cancelled in the window.
  customer_orders:
    label: Customer orders
    section: Customers
    kind: input
    from: orders
    measure: count             # rows of the table on the day
    where: "status <> 'cancelled'"
    unit: count
    polarity: higher_is_better
    owner: Marcus Lee
    show: false
    definition: Orders not cancelled, from the raw orders table.
  orders_per_customer:
    label: Orders per active customer
    section: Customers
    kind: diagnostic
    aggregation: ratio         # a window's orders / its distinct customers
    numerator: customer_orders
    denominator: active_customers
    unit: orders
    polarity: higher_is_better
    owner: Marcus Lee
    definition: Orders not cancelled / active customers, in the same window.

email:
  to: [leaders@example.com]
  subject: "{title}: week {week_number} ending {week_ending} ({flags} flags)"
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
    return [
        m
        for m, spec in sample_metrics().items()
        if spec.get("aggregation") != "ratio" and "from" not in spec  # from: a raw table
    ]

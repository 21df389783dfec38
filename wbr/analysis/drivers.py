"""Drivers: which dimension values moved a metric, and mix versus rate for ratios.

Owns the answer to "what drove the change?" for a block, computed from `Dataset.slices` (long rows
`date, metric, value, <dimension columns>`; a NaN dimension cell means the row is not split by it).
Rows partition a metric's daily total, so every decomposition below sums exactly to the change of
the block's own number. Everything is computed for all metrics at once (one pass over the slices).

Shape of `Block.drivers` (JSON-serializable; None when the metric has no split or is not a sum or
ratio metric). Numbers are unrounded; None means N/A::

    {
      "week_ending": "YYYY-MM-DD",
      "dimensions": {                 # additive (sum) metrics: contribution to the change
        "<dimension>": {
          "<comparison>": {           # "wow" (vs the week before), "yoy" (vs the week 364 days
                                      #  earlier), "plan" (vs last week's plan)
            "cy": float,              # last week's total
            "base": float,            # the comparison week's total (or the plan)
            "delta": float,           # cy - base, in the metric's unit
            "complete": bool,         # all 7 days present in both weeks
            "allocation": "py_share" | "prior_week_share",   # "plan" only: see below
            "segments": [             # largest |delta| first; deltas sum to the total delta
              {"segment": str, "cy": float, "base": float, "delta": float,
               "share": float | None, # delta / total delta (a fraction; > 1 when others offset)
               "change": float | None}   # the segment's own % (or bps) change, like the box score
            ]
          }
        }
      },
      "mix_rate": {                   # ratio metrics: both numerator and denominator split by it
        "<dimension>": {
          "<comparison>": {           # "wow", "yoy"
            "r0": float, "r1": float, # blended rate in the base week and last week (fractions)
            "unit": "bps" | "value",  # bps for rate metrics (comparison bps), else the ratio's unit
            "delta": float,           # r1 - r0 in `unit`
            "mix": float,             # sum (w1 - w0) r0
            "rate": float,            # sum w0 (r1 - r0)
            "interaction": float,     # sum (w1 - w0)(r1 - r0); mix + rate + interaction = delta
            "two_part": {"mix": float, "rate": float},   # rate = sum w1 (r1 - r0): no interaction
            "complete": bool,
            "segments": [             # largest |mix + rate + interaction| first
              {"segment": str, "w0": float, "w1": float, "r0": float | None,
               "r1": float | None, "mix": float, "rate": float, "interaction": float}
            ]
          }
        }
      }
    }

Rules:
- Rows whose dimension cell is NaN form the segment "(not split)", so contributions always add up
  to the block's total even when only part of a metric is split. A dimension is listed for a metric
  only when at least one of its rows in the compared weeks is split by it.
- A segment absent from one week counts as 0 there (it is a new or a closed segment).
- The plan has no dimensions, so the "plan" comparison allocates last week's plan to segments by
  their share of the prior-year week (`py_share`), or of the prior week when there is no prior year
  (`prior_week_share`): it shows which segment fell short of its share of the plan.
- Mix/rate (computed in analysis.mix_rate): w = a segment's share of the denominator, r = its
  rate. A segment with no denominator in one week takes its other week's rate there, so its whole
  effect is mix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

import numpy as np
import pandas as pd

from wbr.analysis.mix_rate import RateDecomposition, decompose_rate, json_number, mix_rate_block
from wbr.engine.compare import BPS_PER_UNIT, compare_arrays
from wbr.engine.config import Config

__all__ = [  # RateDecomposition and decompose_rate live in analysis.mix_rate; importable here too
    "COMPARISONS",
    "UNSPLIT",
    "RateDecomposition",
    "compute_drivers",
    "decompose_rate",
]

UNSPLIT = "(not split)"
CURRENT, PRIOR_WEEK, PRIOR_YEAR = 0, 1, 2
COMPARISONS = {"wow": PRIOR_WEEK, "yoy": PRIOR_YEAR}
_PERIOD_AGES = {CURRENT: (0, 6), PRIOR_WEEK: (7, 13), PRIOR_YEAR: (364, 370)}  # days before end


def _period_rows(
    slices: pd.DataFrame, week_ending: dt.date, metrics: set[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """The slice rows of the three compared weeks, and each row's period code."""
    end = np.datetime64(week_ending, "D")
    ages = (end - slices["date"].to_numpy().astype("datetime64[D]")).astype(np.int64)
    period = np.full(len(ages), -1, dtype=np.int8)
    for code, (low, high) in _PERIOD_AGES.items():
        period[(ages >= low) & (ages <= high)] = code
    keep = period >= 0
    rows = slices.loc[keep]
    period = period[keep]
    mine = rows["metric"].isin(metrics).to_numpy() & rows["value"].notna().to_numpy()
    return rows.loc[mine], period[mine]


def _segment_table(rows: pd.DataFrame, period: np.ndarray, dimension: str) -> pd.DataFrame:
    """Sum per (metric, segment) with one column per period; only metrics split by `dimension`."""
    cells = rows[dimension]
    split = cells.notna().groupby(rows["metric"].to_numpy(), sort=False).any()
    split_metrics = split.index[split.to_numpy()]
    if len(split_metrics) == 0:
        return pd.DataFrame(columns=[CURRENT, PRIOR_WEEK, PRIOR_YEAR])
    inside = rows["metric"].isin(split_metrics).to_numpy()
    frame = pd.DataFrame(
        {
            "metric": rows["metric"].to_numpy()[inside],
            "segment": cells.fillna(UNSPLIT).astype(str).to_numpy()[inside],
            "period": period[inside],
            "value": rows["value"].to_numpy(dtype=float)[inside],
        }
    )
    table = (
        frame.groupby(["metric", "segment", "period"], sort=True)["value"].sum().unstack("period")
    )
    return table.reindex(columns=[CURRENT, PRIOR_WEEK, PRIOR_YEAR])


def _days_present(rows: pd.DataFrame, period: np.ndarray) -> dict[tuple[str, int], int]:
    """Distinct days with data per (metric, period)."""
    frame = pd.DataFrame(
        {"metric": rows["metric"].to_numpy(), "period": period, "date": rows["date"].to_numpy()}
    )
    counts = frame.groupby(["metric", "period"], sort=False)["date"].nunique()
    # the groupby's keys are (metric, period) pairs; pandas types them as Hashable
    return cast(dict[tuple[str, int], int], counts.to_dict())


def _groups(table: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """metric -> (segment names, values array shaped (segments, 3)), table sorted by metric."""
    if table.empty:
        return {}
    metrics = table.index.get_level_values(0).to_numpy()
    segments = table.index.get_level_values(1).to_numpy()
    values = table.to_numpy(dtype=float)
    starts = np.flatnonzero(np.r_[True, metrics[1:] != metrics[:-1]])
    stops = np.r_[starts[1:], len(metrics)]
    return {metrics[a]: (segments[a:b], values[a:b]) for a, b in zip(starts, stops, strict=True)}


def _contribution(
    segments: np.ndarray, cy: np.ndarray, base: np.ndarray, method: str, complete: bool
) -> dict[str, Any]:
    """One comparison's contribution block (see the module docstring)."""
    delta = cy - base
    total_cy, total_base = float(cy.sum()), float(base.sum())
    total_delta = total_cy - total_base
    share = delta / total_delta if total_delta != 0 else np.full(len(delta), np.nan)
    change = compare_arrays(cy, base, method)  # each segment's % / bps / abs change
    order = np.argsort(-np.abs(delta), kind="stable")
    return {
        "cy": total_cy,
        "base": total_base,
        "delta": total_delta,
        "complete": complete,
        "segments": [
            {
                "segment": str(segments[i]),
                "cy": float(cy[i]),
                "base": float(base[i]),
                "delta": float(delta[i]),
                "share": json_number(share[i]),
                "change": json_number(change[i]),
            }
            for i in order
        ],
    }


def _dimension_drivers(
    segments: np.ndarray,
    values: np.ndarray,
    method: str,
    days: dict[tuple[str, int], int],
    metric: str,
    plan_total: float | None,
) -> dict[str, Any]:
    """wow, yoy and plan contributions of one metric by one dimension."""
    present = ~np.isnan(values)
    has = present.any(axis=0)  # the metric has rows in each period
    filled = np.where(present, values, 0.0)
    cy = filled[:, CURRENT]
    full = {p: days.get((metric, p), 0) == 7 for p in _PERIOD_AGES}
    result: dict[str, Any] = {}
    if not has[CURRENT]:
        return result
    for name, period in COMPARISONS.items():
        if has[period]:
            result[name] = _contribution(
                segments, cy, filled[:, period], method, full[CURRENT] and full[period]
            )
    if plan_total is not None:
        for allocation, period in (("py_share", PRIOR_YEAR), ("prior_week_share", PRIOR_WEEK)):
            reference = filled[:, period]
            if reference.sum() > 0 and (reference >= 0).all():
                allocated = plan_total * reference / reference.sum()
                block = _contribution(segments, cy, allocated, method, full[CURRENT])
                result["plan"] = {**block, "allocation": allocation}
                break
    return result


def _aligned(
    numerator: tuple[np.ndarray, np.ndarray], denominator: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numerator and denominator values on the union of their segments (absent = 0)."""
    names = np.union1d(numerator[0], denominator[0])
    num = np.zeros((len(names), 3))
    den = np.zeros((len(names), 3))
    num[np.searchsorted(names, numerator[0])] = np.nan_to_num(numerator[1], nan=0.0)
    den[np.searchsorted(names, denominator[0])] = np.nan_to_num(denominator[1], nan=0.0)
    return names, num, den


def _plan_totals(
    plan: pd.DataFrame | None, week_ending: dt.date, metrics: list[str]
) -> dict[str, float]:
    """Last week's plan per sum metric, only where every day of the week is planned."""
    if plan is None:
        return {}
    week = plan.loc[pd.Timestamp(week_ending - dt.timedelta(days=6)) : pd.Timestamp(week_ending)]
    present = [m for m in metrics if m in week.columns]
    if len(week) != 7 or not present:
        return {}
    sums = week[present].sum(min_count=7)
    return {str(m): float(v) for m, v in sums.items() if np.isfinite(v)}


def compute_drivers(
    dataset: Any,
    config: Config,
    week_ending: dt.date,
    metrics: Iterable[str] | None = None,
) -> dict[str, dict[str, Any] | None]:
    """Block.drivers for every metric (or the given ones): contributions and mix/rate."""
    wanted = list(metrics) if metrics is not None else list(config.metrics)
    result: dict[str, dict[str, Any] | None] = dict.fromkeys(wanted)
    slices = dataset.slices
    dimensions = [d for d in config.dimensions if slices is not None and d in slices.columns]
    if slices is None or slices.empty or not dimensions:
        return result

    sums = [m for m in wanted if m in config.metrics and config.metrics[m].aggregation == "sum"]
    ratios = {
        m: (config.metrics[m].numerator, config.metrics[m].denominator)
        for m in wanted
        if m in config.metrics and config.metrics[m].aggregation == "ratio"
    }
    needed = set(sums) | {operand for pair in ratios.values() for operand in pair if operand}
    rows, period = _period_rows(slices, week_ending, needed)
    if rows.empty:
        return result
    days = _days_present(rows, period)
    plan_totals = _plan_totals(dataset.plan, week_ending, sums)

    out: dict[str, dict[str, Any]] = {
        m: {"week_ending": week_ending.isoformat(), "dimensions": {}, "mix_rate": {}}
        for m in wanted
    }
    for dimension in dimensions:
        groups = _groups(_segment_table(rows, period, dimension))
        for metric in sums:
            if metric not in groups:
                continue
            segments, values = groups[metric]
            method = config.metrics[metric].comparison_method
            found = _dimension_drivers(
                segments, values, method, days, metric, plan_totals.get(metric)
            )
            if found:
                out[metric]["dimensions"][dimension] = found
        for metric, (numerator, denominator) in ratios.items():
            if numerator not in groups or denominator not in groups:
                continue
            names, num, den = _aligned(groups[numerator], groups[denominator])
            bps = config.metrics[metric].comparison_method == "bps"
            scale, unit = (BPS_PER_UNIT, "bps") if bps else (1.0, "value")
            found = {}
            for name, base_period in COMPARISONS.items():
                complete = all(
                    days.get((operand, p), 0) == 7
                    for operand in (numerator, denominator)
                    for p in (CURRENT, base_period)
                )
                block = mix_rate_block(
                    names,
                    num[:, base_period],
                    den[:, base_period],
                    num[:, CURRENT],
                    den[:, CURRENT],
                    scale,
                    unit,
                    complete,
                )
                if block is not None:
                    found[name] = block
            if found:
                out[metric]["mix_rate"][dimension] = found
    for metric, drivers in out.items():
        if drivers["dimensions"] or drivers["mix_rate"]:
            result[metric] = drivers
    return result

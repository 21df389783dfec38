"""Shared fixtures: small real businesses written to disk as CSV files and a wbr.yaml."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BASIC_CONFIG = """\
title: Test business
sources:
  actuals: {path: metrics.csv, format: long}
metrics:
  orders: {section: Shopping}
  sessions: {section: Traffic}
  conversion: {aggregation: ratio, numerator: orders, denominator: sessions, unit: percent,
               section: Shopping}
"""


def daily_rows(
    metrics: dict[str, float], start: str = "2024-01-01", end: str = "2026-11-21", seed: int = 0
) -> pd.DataFrame:
    """Long rows date, metric, value with noisy values around each metric's level."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(start, end)
    frames = [
        pd.DataFrame(
            {
                "date": days.strftime("%Y-%m-%d"),
                "metric": metric,
                "value": (level * rng.uniform(0.8, 1.2, len(days))).round(2),
            }
        )
        for metric, level in metrics.items()
    ]
    return pd.concat(frames, ignore_index=True)


def write_business(
    folder: Path, config: str = BASIC_CONFIG, files: dict[str, str | pd.DataFrame] | None = None
) -> Path:
    """Write wbr.yaml and CSV files (text or frames) into folder; return the config path."""
    files = (
        files
        if files is not None
        else {"metrics.csv": daily_rows({"orders": 300.0, "sessions": 9000.0})}
    )
    for name, content in files.items():
        path = folder / name
        if isinstance(content, pd.DataFrame):
            content.to_csv(path, index=False)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    config_path = folder / "wbr.yaml"
    config_path.write_text(textwrap.dedent(config), encoding="utf-8")
    return config_path


@pytest.fixture
def business(tmp_path: Path) -> Path:
    """A valid three-metric business; returns its wbr.yaml path."""
    return write_business(tmp_path)

"""xmr_charts: many series charted at once give exactly xmr_chart's charts, one by one."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pytest

from wbr.analysis import xmr_batch
from wbr.analysis.xmr import xmr_chart
from wbr.analysis.xmr_batch import xmr_charts
from wbr.engine.build import build_deck
from wbr.engine.config import load_config

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import scale

STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def small_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches from 32 series (the deck's 400 make slow tests; the steps are the same)."""
    monkeypatch.setattr(xmr_batch, "MIN_GROUP", 32)


def _shifting(rng: np.random.Generator, count: int, weeks: int) -> np.ndarray:
    """Noisy series with level shifts, trends, outliers and whole-number plateaus."""
    noise = rng.normal(0, 1, (count, weeks)) * rng.uniform(0.2, 5, (count, 1))
    level = rng.uniform(-50, 500, (count, 1))
    steps = np.zeros((count, weeks))
    for row in range(count):
        for _ in range(rng.integers(0, 5)):
            steps[row, rng.integers(0, weeks) :] += rng.normal(0, 6)
    trend = rng.normal(0, 0.05, (count, 1)) * np.arange(weeks)
    values = level + steps + trend + noise
    spikes = rng.random((count, weeks)) < 0.03
    values[spikes] += rng.normal(0, 25, spikes.sum())
    values[::5] = np.round(values[::5])  # ties with the mean and the limits
    values[3::7] = 7.0  # flat: zero moving ranges
    return values


def _with_gaps(rng: np.random.Generator, values: np.ndarray, gaps: int) -> np.ndarray:
    """The same number of missing points in every row (so the rows still share a length)."""
    holed = values.copy()
    for row in holed:
        row[rng.choice(len(row) - 1, gaps, replace=False)] = np.nan
    return holed


def _one_by_one(series: list[np.ndarray], points: list[int], starts: list[int]) -> list:
    return [xmr_chart(s, p, b) for s, p, b in zip(series, points, starts, strict=True)]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("baseline_points", [6, 8, 13, 20, 52])
def test_a_batch_of_one_length_is_the_charts_one_by_one(seed: int, baseline_points: int) -> None:
    rng = np.random.default_rng(seed)
    weeks = int(rng.integers(20, 170))
    values = _shifting(rng, 3 * xmr_batch.MIN_GROUP, weeks)
    if seed % 2:
        values = _with_gaps(rng, values, int(rng.integers(1, 6)))
    series = list(values)
    points, starts = [baseline_points] * len(series), [0] * len(series)
    assert xmr_charts(series, points, starts) == _one_by_one(series, points, starts)


@pytest.mark.parametrize("seed", range(4))
def test_mixed_lengths_starts_and_short_series_are_the_charts_one_by_one(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(100 + seed)
    batched = []
    monkeypatch.setattr(xmr_batch._Group, "charts", _counted(xmr_batch._Group.charts, batched))
    series, points, starts = [], [], []
    for weeks in (3, 7, 8, 30, 104, 157):
        block = _shifting(rng, 3 * xmr_batch.MIN_GROUP, weeks)
        block[: xmr_batch.MIN_GROUP // 2, -1] = np.nan  # no latest point: no chart
        block[-3:] = np.nan  # nothing at all
        block_points = int(rng.choice([6, 20, 52]))
        for row in block:
            series.append(row)
            points.append(block_points if rng.random() < 0.8 else 13)
            starts.append(0 if rng.random() < 0.8 else weeks // 3)
    charts = xmr_charts(series, points, starts)
    assert charts == _one_by_one(series, points, starts)
    assert (
        sum(chart is None for chart in charts) > xmr_batch.MIN_GROUP
    )  # the no-chart paths were taken
    assert len(batched) >= 2  # and the batch path, next to the one-by-one path


def _counted(method, calls: list):
    def counting(self):
        calls.append(len(self.x))
        return method(self)

    return counting


def test_the_batch_path_meets_every_branch_it_replays() -> None:
    """Shifts confirmed and refused, young segments relocked, baselines with dropped points."""
    rng = np.random.default_rng(7)
    series = list(_shifting(rng, 400, 156))
    charts = xmr_charts(series, [20] * 400, [0] * 400)
    assert charts == _one_by_one(series, [20] * 400, [0] * 400)
    reasons = {change.reason.split(" from")[0] for chart in charts for change in chart.changes}
    assert {"run of 8", "3 of 4 beyond halfway", "2 of 3 outside the limits"} <= reasons
    assert any(chart.changes[0].limits.points < 20 for chart in charts)  # points dropped
    assert any(chart.signals for chart in charts)
    young = [chart for chart in charts if chart.limits.points < 20]
    assert young, "some series end on a segment still younger than its baseline"


def test_sum_of_a_row_is_the_sum_of_the_same_values_alone() -> None:
    """The batch's baseline means rest on numpy summing a matrix row as it sums a 1-D array."""
    rng = np.random.default_rng(3)
    for width in (5, 8, 9, 16, 20, 52, 129, 200):
        matrix = rng.lognormal(3, 2, (50, width + 7))[:, :width]
        assert matrix.sum(axis=1).tolist() == [np.array(row.tolist()).sum() for row in matrix]


def test_a_deck_with_its_charts_batched_is_the_deck_charted_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flag pass charts each metric's chosen view in one batch (flag_week.charted_views)."""
    config = load_config(scale.write_business(tmp_path, 120, shocked=3))
    monkeypatch.setenv("WBR_WORKERS", "1")
    monkeypatch.setattr(xmr_batch, "MIN_GROUP", 10**9)
    one_by_one = build_deck(config, generated_at=STAMP).to_json()
    batched = []
    monkeypatch.setattr(xmr_batch, "MIN_GROUP", 2)
    monkeypatch.setattr(xmr_batch._Group, "charts", _counted(xmr_batch._Group.charts, batched))
    assert build_deck(config, generated_at=STAMP).to_json() == one_by_one
    assert sum(batched) > 100  # most metrics' charts came from the batch

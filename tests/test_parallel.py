"""The analysis on both cores (wbr/analysis/parallel.py): same answers, same errors, no orphans;
and statsmodels' STL imported without scipy (wbr/analysis/stl_import.py)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wbr.analysis import flags, parallel
from wbr.engine.build import build_deck
from wbr.engine.config import load_config

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import scale

STAMP = dt.datetime(2026, 12, 5, tzinfo=dt.UTC)


def _children() -> list[int]:
    """This process's child processes (Linux)."""
    pid = os.getpid()
    found: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            found += [int(c) for c in f.read().split()]
    return found


needs_fork = pytest.mark.skipif(
    not hasattr(os, "fork") or parallel.workers() < 2 or not os.path.exists("/proc/self/task"),
    reason="needs os.fork, two cores and /proc",
)


@needs_fork
def test_split_map_is_the_serial_list_worked_out_by_two_processes() -> None:
    items = list(range(41))
    assert parallel.forks(items, min_items=1)
    found = parallel.split_map(lambda x: (x * x, os.getpid()), items, min_items=1)
    assert [square for square, _ in found] == [x * x for x in items]
    pids = [pid for _, pid in found]
    assert pids[0] == os.getpid() and len(set(pids)) == 2  # the second part came from a child
    assert pids == sorted(pids, key=lambda p: p != os.getpid())  # the parent's part first
    assert _children() == []


def test_small_lists_one_core_or_workers_1_stay_in_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    items = list(range(10))
    assert {pid for pid in parallel.split_map(lambda _: os.getpid(), items)} == {os.getpid()}
    monkeypatch.setenv("WBR_WORKERS", "1")
    assert parallel.workers() == 1 and not parallel.forks(items, min_items=1)
    found = parallel.split_map(lambda _: os.getpid(), items, min_items=1)
    assert set(found) == {os.getpid()}


@needs_fork
@pytest.mark.parametrize("bad", [3, 17])  # in the parent's part, in the child's part
def test_an_error_surfaces_with_its_message_whichever_process_met_it(bad: int) -> None:
    def work(x: int) -> int:
        if x in (bad, 19):  # 19 is later in the list: the serial loop never gets there
            raise ValueError(f"metric {x} is bad")
        return x

    with pytest.raises(ValueError, match=f"^metric {bad} is bad$"):
        parallel.split_map(work, list(range(20)), min_items=1)
    assert _children() == []


@needs_fork
def test_a_child_that_dies_or_cannot_pickle_is_worked_out_again_here() -> None:
    parent = os.getpid()

    def dies(x: int) -> int:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return x + 1

    assert parallel.split_map(dies, list(range(12)), min_items=1) == list(range(1, 13))
    found = parallel.split_map(lambda x: lambda: x, list(range(6)), min_items=1)  # no pickle
    assert [f() for f in found] == list(range(6))
    assert _children() == []


@needs_fork
def test_an_interrupt_in_the_parent_leaves_no_child_behind() -> None:
    parent = os.getpid()

    def work(x: int) -> int:
        if os.getpid() != parent:
            time.sleep(60)  # the child is still at work when the parent is interrupted
        elif x == 2:
            raise KeyboardInterrupt
        return x

    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        parallel.split_map(work, list(range(8)), min_items=1)
    assert time.perf_counter() - start < 10
    assert _children() == []


@needs_fork
def test_a_started_split_works_while_the_parent_does_other_work(monkeypatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ITEMS", 2)
    parent = os.getpid()

    def batch(chunk: list[int]) -> list[tuple[int, int]]:
        return [(x * x, os.getpid()) for x in chunk]

    items = list(range(10))
    with parallel.started(batch, items, parent_share=0.3) as answers:
        time.sleep(0.05)  # this process's other work, meanwhile
        assert len(_children()) == 1
        found = answers()
    assert [value for value, _ in found] == [x * x for x in items]
    assert {pid for _, pid in found[:3]} == {parent}
    assert {pid for _, pid in found[3:]} != {parent}
    assert _children() == []


@needs_fork
def test_a_started_split_left_unfinished_leaves_no_child_behind(monkeypatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ITEMS", 2)

    def slow(chunk: list[int]) -> list[int]:
        time.sleep(60)
        return chunk

    start = time.perf_counter()
    with (
        pytest.raises(RuntimeError, match="the other work failed"),
        parallel.started(slow, list(range(8))),
    ):
        raise RuntimeError("the other work failed")
    assert time.perf_counter() - start < 10
    assert _children() == []


def test_a_started_split_without_a_fork_works_out_the_list_here(monkeypatch) -> None:
    monkeypatch.setenv("WBR_WORKERS", "1")
    with parallel.started(lambda chunk: [os.getpid() for _ in chunk], list(range(900))) as got:
        assert set(got()) == {os.getpid()}


def _business(folder: Path) -> Path:
    """scale.py's mixed business (sums, ratios, derived, levels), 3 metrics with an unusual
    day (their residual flags cite it, so STL runs)."""
    folder.mkdir()
    return scale.write_business(folder, 60, shocked=3)


@needs_fork
def test_a_deck_analysed_on_two_processes_is_the_serial_deck(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(_business(tmp_path / "b"))
    monkeypatch.setenv("WBR_WORKERS", "1")
    serial = build_deck(config, generated_at=STAMP).to_json()
    monkeypatch.delenv("WBR_WORKERS")
    monkeypatch.setattr(parallel, "MIN_ITEMS", 2)
    forked = []
    fork = os.fork

    def counted() -> int:
        forked.append(True)
        return fork()

    monkeypatch.setattr(os, "fork", counted)
    assert build_deck(config, generated_at=STAMP).to_json() == serial
    assert forked == [True, True]  # the flags, then the questions
    assert '"rule": "residual"' in serial  # STL ran


@needs_fork
def test_a_flag_error_in_the_forked_part_surfaces_from_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(_business(tmp_path / "b"))
    monkeypatch.setattr(parallel, "MIN_ITEMS", 2)
    assess = flags.assess_metrics
    last = list(config.metrics)[-1]

    def broken(inputs):  # type: ignore[no-untyped-def]
        if any(one.history.metric == last for one in inputs):
            raise RuntimeError(f"cannot assess {last}")
        return assess(inputs)

    monkeypatch.setattr(flags, "assess_metrics", broken)
    with pytest.raises(RuntimeError, match=f"^cannot assess {last}$"):
        build_deck(config, generated_at=STAMP)
    assert _children() == []


def test_stl_is_imported_without_scipy_and_fits_as_statsmodels_does() -> None:
    script = """
import sys
import numpy as np
from wbr.analysis import stl_import
from wbr.analysis.residuals import stl_residuals
x = np.random.default_rng(4).normal(100, 5, 13 * 7)
light = stl_residuals(x)
assert not [name for name in sys.modules if name.startswith("scipy")]  # no scipy at all
assert "statsmodels.tsa.seasonal" not in sys.modules  # the stand-ins' modules are gone
assert "statsmodels.tools.tools" not in sys.modules
import statsmodels.tools
assert statsmodels.tools.add_constant([[1.0], [2.0]]).shape == (2, 2)  # forwarded to the real one
from statsmodels.tsa.seasonal import STL, MSTL, seasonal_decompose
import statsmodels.tsa.filters.filtertools as real
import statsmodels.tools.tools as tools
assert STL is stl_import.stl_class() and real.convolution_filter.__module__ == real.__name__
assert "scipy.signal" in sys.modules and MSTL.__module__ == "statsmodels.tsa.stl.mstl"
assert tools.add_constant.__module__ == "statsmodels.tools.tools" and "scipy.linalg" in sys.modules
plain = STL(x, period=7, seasonal=13, seasonal_deg=0, trend=29, trend_deg=0, low_pass=9,
            low_pass_deg=1, robust=True).fit(inner_iter=2, outer_iter=5).resid
assert np.array_equal(light, np.asarray(plain))
seasonal_decompose(x, period=7)
print("ok")
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


@needs_fork
def test_no_child_when_fork_fails_and_a_child_reaped_elsewhere_still_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    items = list(range(9))
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children reaped by the kernel
    try:
        found = parallel.split_map(lambda x: (x, os.getpid()), items, min_items=1)
    finally:
        signal.signal(signal.SIGCHLD, previous)
    assert [x for x, _ in found] == items and len({pid for _, pid in found}) == 2

    def no_fork() -> int:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(os, "fork", no_fork)
    assert parallel.split_map(lambda x: (x, os.getpid()), items, min_items=1) == [
        (x, os.getpid()) for x in items
    ]

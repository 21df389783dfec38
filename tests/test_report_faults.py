"""Faults around the report folder: killed runs (SIGKILL, SIGTERM) and a full disk.

A killed run's staging folder is removed by a later run once it is unlocked and stale; SIGTERM is
handled like Ctrl-C; a write that fails on a full disk leaves no partial or truncated file. The
full-disk tests run on a real, tiny tmpfs when this machine lets the tests mount one, and on a
file object that fails with ENOSPC half way through otherwise (those always run).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.synthetic_deck import make_deck
from wbr.cli import main
from wbr.errors import RenderError
from wbr.render.report import (
    FAILED_DIR,
    NOTEBOOK_NAME,
    remove_stale_staging,
    render_report,
)
from wbr.render.report_folder import keep_failed, lock_folder

ROOT = Path(__file__).resolve().parent.parent
WBR = [sys.executable, "-m", "wbr.cli"]  # this checkout's code, whatever `wbr` is installed
WEEK = "2026-11-21"


def _staging_folders(out: Path) -> list[Path]:
    return sorted(out.glob(".*.partial-*"))


def _age(folder: Path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(folder, (past, past))


# ---------------------------------------------------------------- stale staging folders


def test_an_old_unlocked_staging_folder_is_removed_and_a_fresh_or_locked_one_kept(tmp_path):
    stale, fresh, live = (tmp_path / f".{WEEK}.partial-{n}" for n in ("a", "b", "c"))
    report, failed = tmp_path / WEEK, tmp_path / FAILED_DIR
    for folder in (stale, fresh, live, report, failed):
        folder.mkdir()
        (folder / "deck.json").write_text("{}")
    for folder in (stale, live, report, failed):
        _age(folder, 3600)
    lock = lock_folder(live)  # a run in progress holds its folder
    try:
        assert remove_stale_staging(tmp_path) == [stale]
    finally:
        os.close(lock)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (fresh, live, report, failed)
    )


def test_the_lock_of_a_killed_process_is_released(tmp_path):
    folder = tmp_path / f".{WEEK}.partial-killed"
    folder.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from wbr.render.report_folder import lock_folder; "
            "lock_folder(sys.argv[1]); print('locked', flush=True); time.sleep(60)",
            str(folder),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert remove_stale_staging(tmp_path, older_than=0) == []
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        assert remove_stale_staging(tmp_path, older_than=0) == [folder]
    finally:
        holder.kill()
        holder.wait()


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    """The bundled sample in a temporary folder: its wbr.yaml."""
    shutil.copytree(ROOT / "data" / "sample", tmp_path / "data" / "sample")
    shutil.copy(ROOT / "wbr.yaml", tmp_path / "wbr.yaml")
    return tmp_path / "wbr.yaml"


def _start_run(config: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [*WBR, "run", "--config", str(config), "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_staging(run: subprocess.Popen, out: Path) -> Path:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = _staging_folders(out) if out.is_dir() else []
        if found and (found[0] / "deck.json").exists():
            time.sleep(0.3)  # into the notebook run
            return found[0]
        assert run.poll() is None, run.communicate()
        time.sleep(0.05)
    raise AssertionError("the run never made its staging folder")


@pytest.mark.e2e
def test_sigterm_during_wbr_run_cleans_up_like_ctrl_c(sample_copy, tmp_path):
    out = tmp_path / "reports"
    run = _start_run(sample_copy, out)
    _wait_for_staging(run, out)
    run.send_signal(signal.SIGTERM)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 128 + signal.SIGTERM
    assert stderr.rstrip().endswith("wbr: terminated")
    assert list(out.iterdir()) == []  # no staging folder, no report


@pytest.mark.e2e
def test_a_later_run_removes_the_staging_folder_of_a_killed_run(tmp_path):
    """Issue 10, defect 6: SIGKILL left reports/.<week>.partial-* (5 MB) for good."""
    out = tmp_path / "reports"
    render = (
        "import sys; from tests.synthetic_deck import make_deck; "
        "from wbr.render.report import render_report; render_report(make_deck(), sys.argv[1])"
    )
    run = subprocess.Popen(
        [sys.executable, "-c", render, str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    left = _wait_for_staging(run, out)
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=30)
    assert _staging_folders(out) == [left]
    _age(left, 3600)  # a run later
    messages: list[str] = []
    report = render_report(make_deck(), out, progress=messages.append)
    assert "removed 1 staging folder(s) left by interrupted runs" in messages
    assert _staging_folders(out) == []
    assert sorted(p.name for p in out.iterdir()) == [report.name]


# ---------------------------------------------------------------- a full disk


@pytest.fixture
def tiny_disk(tmp_path) -> Iterator[Callable[[int], Path]]:
    """Mount a tmpfs of the given size (bytes) on a new folder; skip where mounting is refused."""
    mounted: list[Path] = []

    def mount(size: int) -> Path:
        folder = tmp_path / f"disk{len(mounted)}"
        folder.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); simulated below")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(disk: Path, leave: int) -> None:
    """Fill the disk until only about `leave` bytes are free."""
    free = shutil.disk_usage(disk).free
    (disk / "filler").write_bytes(b"\0" * max(free - leave, 0))


def test_deck_json_on_a_full_disk_leaves_no_partial_file(tiny_disk):
    """Issue 10, defect 7: `wbr deck --json` on a full disk left .deck.json.partial."""
    disk = tiny_disk(1 << 20)
    deck = make_deck()
    _fill(disk, 8 << 10)
    assert len(deck.to_json()) > 16 << 10  # more than is left
    with pytest.raises(OSError) as caught:
        deck.write_json(disk / "deck.json")
    assert caught.value.errno == errno.ENOSPC
    assert sorted(p.name for p in disk.iterdir()) == ["filler"]


def test_wbr_deck_json_on_a_full_disk_is_one_error_and_no_partial_file(
    tiny_disk, sample_copy, capsys
):
    disk = tiny_disk(1 << 20)
    _fill(disk, 16 << 10)
    code = main(["deck", "--config", str(sample_copy), "--quiet", "--json", str(disk / "d.json")])
    assert code == 2
    assert "No space left on device" in capsys.readouterr().err
    assert sorted(p.name for p in disk.iterdir()) == ["filler"]


@pytest.mark.e2e
def test_a_report_on_a_full_disk_leaves_no_truncated_notebook(tiny_disk):
    """Issue 10, defect 7: a 4.7 MB invalid .failed/<week>.ipynb, the disk left at 100%."""
    # deck.json (20 KB) fits; the executed notebook (plotly.js' basic bundle, 1.3 MB) does not
    out = tiny_disk(1 << 20)
    with pytest.raises(RenderError, match="No space left on device"):
        render_report(make_deck(), out)
    leftovers = [p.relative_to(out) for p in out.rglob("*") if p.is_file()]
    assert leftovers == []
    assert shutil.disk_usage(out).used < 64 << 10  # the space is given back


class _DiskFullWriter:
    """Stands in for Path.open: a file opened for writing takes half of the first text written
    to it, then fails like a full disk."""

    def __init__(self) -> None:
        self.written: list[Path] = []
        self.open = Path.open

    def __call__(self, path: Path, mode: str = "r", *args, **kwargs):
        handle = self.open(path, mode, *args, **kwargs)
        if "w" in mode:
            self.written.append(path)
            write = handle.write

            def fail(text: str) -> int:
                write(text[: len(text) // 2])
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

            handle.write = fail
        return handle


def test_a_failed_deck_json_write_removes_its_partial_file(tmp_path, monkeypatch):
    writer = _DiskFullWriter()
    monkeypatch.setattr(Path, "open", lambda path, *a, **k: writer(path, *a, **k))
    with pytest.raises(OSError, match="No space left on device"):
        make_deck().write_json(tmp_path / "deck.json")
    assert [p.name for p in writer.written] == [".deck.json.partial"]
    assert list(tmp_path.iterdir()) == []


def test_a_truncated_failed_notebook_is_deleted_not_kept(tmp_path):
    staging = tmp_path / f".{WEEK}.partial-x"
    staging.mkdir()
    executed = staging / NOTEBOOK_NAME
    whole = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    executed.write_text(whole[: len(whole) // 2])
    assert keep_failed(executed, tmp_path, WEEK) is None
    assert not executed.exists()
    assert not (tmp_path / FAILED_DIR / f"{WEEK}.ipynb").exists()

    executed.write_text(whole)
    kept = keep_failed(executed, tmp_path, WEEK)
    assert kept == tmp_path / FAILED_DIR / f"{WEEK}.ipynb"
    assert kept.read_text() == whole

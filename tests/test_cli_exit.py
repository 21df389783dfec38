"""The `wbr` console script leaves without the interpreter's teardown, but as a normal exit
would: the same exit code, every atexit handler run, everything written reaching its pipe."""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
from pathlib import Path

import pytest

import wbr.cli
from wbr import collector

ROOT = Path(__file__).resolve().parent.parent

_SCRIPT = """
import atexit, sys, threading
from wbr.cli import run
atexit.register(lambda: print("atexit handler ran", file=sys.stderr))
if sys.argv[1] == "thread":  # a non-daemon thread still running: the normal exit waits for it
    import time
    threading.Thread(target=lambda: (time.sleep(0.3), print("thread finished"))).start()
sys.argv = ["wbr", *sys.argv[2:]]
run()
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _SCRIPT, *args], capture_output=True, text=True, cwd=ROOT
    )


def test_a_successful_run_exits_0_with_its_output_and_the_atexit_handlers(tmp_path) -> None:
    deck = tmp_path / "deck.json"
    done = _run("plain", "deck", "--config", "wbr.yaml", "--json", str(deck))
    assert done.returncode == 0, done.stderr
    assert "Top questions:" in done.stdout  # buffered stdout flushed before leaving
    assert done.stderr.rstrip().endswith("atexit handler ran")
    assert deck.stat().st_size > 0


def test_a_user_error_keeps_exit_code_2_and_its_message(tmp_path) -> None:
    done = _run("plain", "validate", "--config", str(tmp_path / "missing.yaml"))
    assert done.returncode == 2
    assert "wbr: error:" in done.stderr and "missing.yaml" in done.stderr
    assert "atexit handler ran" in done.stderr


def test_a_thread_still_running_is_waited_for_as_a_normal_exit_does(tmp_path) -> None:
    done = _run("thread", "validate", "--config", str(tmp_path / "missing.yaml"))
    assert done.returncode == 2
    assert "thread finished" in done.stdout


def test_argparse_errors_exit_as_before() -> None:
    done = _run("plain", "deck", "--no-such-option")
    assert done.returncode == 2
    assert "unrecognized arguments" in done.stderr


class _Left(Exception):
    """os._exit, stood in for: the test process goes on."""


def test_run_leaves_through_os_exit_after_the_handlers_and_flushes(monkeypatch) -> None:
    steps: list[object] = []

    def leave(code: int) -> None:
        steps.append(("os._exit", code))
        raise _Left

    monkeypatch.setattr(collector, "_exit_frees", True)  # run() changes it: restored after
    monkeypatch.setattr(wbr.cli, "main", lambda: 3)
    monkeypatch.setattr(atexit, "_run_exitfuncs", lambda: steps.append("handlers"))
    monkeypatch.setattr(os, "_exit", leave)
    with pytest.raises(_Left):
        wbr.cli.run()
    assert steps == ["handlers", ("os._exit", 3)]


def test_run_exits_normally_with_other_threads_alive(monkeypatch) -> None:
    import threading

    monkeypatch.setattr(collector, "_exit_frees", True)
    monkeypatch.setattr(wbr.cli, "main", lambda: 0)
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    monkeypatch.setattr(os, "_exit", lambda code: pytest.fail("os._exit with a thread alive"))
    with pytest.raises(SystemExit) as left:
        wbr.cli.run()
    assert left.value.code == 0


class _Deck:
    """Something a command keeps until the process exits."""


def test_what_a_command_keeps_is_held_only_when_the_process_exits_without_freeing(
    monkeypatch,
) -> None:
    import weakref

    monkeypatch.setattr(collector, "_kept", [])
    monkeypatch.setattr(collector, "_exit_frees", True)
    deck = _Deck()
    alive = weakref.ref(deck)
    collector.keep_until_exit(deck)  # in a test or a notebook: freed as usual
    del deck
    assert alive() is None

    monkeypatch.setattr(wbr.cli, "main", lambda: 0)
    monkeypatch.setattr(atexit, "_run_exitfuncs", lambda: None)
    monkeypatch.setattr(os, "_exit", lambda code: (_ for _ in ()).throw(_Left))
    with pytest.raises(_Left):
        wbr.cli.run()  # says the process ends with os._exit
    deck = _Deck()
    alive = weakref.ref(deck)
    collector.keep_until_exit(deck)
    del deck
    assert alive() is not None  # left to the operating system

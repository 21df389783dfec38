"""`wbr deck` freezes what it has loaded (modules, config, data), so the build's garbage
collections stop walking objects that live until the process ends."""

from __future__ import annotations

import gc
from pathlib import Path

from wbr.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_wbr_deck_freezes_the_loaded_objects_before_the_build(tmp_path, monkeypatch) -> None:
    import wbr.engine.build as build

    frozen_at_build: list[int] = []
    real_build = build.build_deck

    def spy(*args, **kwargs):
        frozen_at_build.append(gc.get_freeze_count())
        return real_build(*args, **kwargs)

    monkeypatch.setattr(build, "build_deck", spy)
    gc.unfreeze()
    try:
        code = main(
            [
                "deck",
                "--config",
                str(ROOT / "wbr.yaml"),
                "--json",
                str(tmp_path / "d.json"),
                "--quiet",
            ]
        )
    finally:
        gc.unfreeze()  # the test process goes on: let the collector see these objects again
    assert code == 0
    assert (tmp_path / "d.json").exists()
    assert frozen_at_build and frozen_at_build[0] > 10_000  # modules and data, not a handful


def test_paused_turns_the_collector_off_and_restores_it_even_on_error() -> None:
    from wbr import collector

    assert gc.isenabled()
    try:
        with collector.paused():
            assert not gc.isenabled()
            raise KeyError("boom")
    except KeyError:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        with collector.paused():  # already off: stays off after
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_young_passes_only_lifts_the_full_pass_threshold_and_restores_it() -> None:
    from wbr import collector

    before = gc.get_threshold()
    try:
        with collector.young_passes_only():
            young, middle, old = gc.get_threshold()
            assert (young, middle) == before[:2] and old >= 1 << 30
            raise KeyError("boom")
    except KeyError:
        pass
    assert gc.get_threshold() == before


def test_build_deck_runs_without_full_collections_and_restores_the_thresholds(
    monkeypatch,
) -> None:
    import wbr.engine.build as build
    from wbr.engine.config import load_config

    seen: list[tuple[int, int, int]] = []
    real = build.weekly_histories

    def spy(*args, **kwargs):
        seen.append(gc.get_threshold())
        return real(*args, **kwargs)

    monkeypatch.setattr(build, "weekly_histories", spy)
    before = gc.get_threshold()
    deck = build.build_deck(load_config(ROOT / "wbr.yaml"))
    assert deck.blocks
    assert seen and seen[0][2] >= 1 << 30
    assert gc.get_threshold() == before


def test_importing_the_cli_leaves_the_collector_as_it_was() -> None:
    import subprocess
    import sys

    code = "import gc; import wbr.cli; print(gc.isenabled(), gc.get_threshold())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "(700,", "10,", "10)"]

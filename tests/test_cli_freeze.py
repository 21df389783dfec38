"""`wbr deck` keeps the collector off while it loads and builds, and freezes the deck before it
writes it, so that no collector pass walks objects that live until the process ends."""

from __future__ import annotations

import gc
from pathlib import Path

from wbr.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_wbr_deck_builds_with_the_collector_off_and_writes_a_frozen_deck(
    tmp_path, monkeypatch
) -> None:
    import wbr.engine.build as build
    from wbr.engine.deck import Deck

    collecting_at_build: list[bool] = []
    frozen_at_write: list[int] = []
    real_build, real_write = build.build_deck, Deck.write_json

    def build_spy(*args, **kwargs):
        collecting_at_build.append(gc.isenabled())
        return real_build(*args, **kwargs)

    def write_spy(self, *args, **kwargs):
        frozen_at_write.append(gc.get_freeze_count())
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(build, "build_deck", build_spy)
    monkeypatch.setattr(Deck, "write_json", write_spy)
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
        assert gc.isenabled()  # on again after the build
    finally:
        gc.unfreeze()  # the test process goes on: let the collector see these objects again
    assert code == 0
    assert (tmp_path / "d.json").exists()
    assert collecting_at_build == [False]
    assert frozen_at_write and frozen_at_write[0] > 10_000  # modules, data, deck: not a handful


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


def test_build_deck_runs_with_the_collector_off_and_restores_it(monkeypatch) -> None:
    import wbr.engine.build as build
    from wbr.engine.config import load_config

    seen: list[bool] = []
    real = build.weekly_histories

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(build, "weekly_histories", spy)
    before = gc.get_threshold()
    assert gc.isenabled()
    deck = build.build_deck(load_config(ROOT / "wbr.yaml"))
    assert deck.blocks
    assert seen == [False]
    assert gc.isenabled() and gc.get_threshold() == before


def test_importing_the_cli_leaves_the_collector_as_it_was() -> None:
    import subprocess
    import sys

    code = "import gc; import wbr.cli; print(gc.isenabled(), gc.get_threshold())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "(700,", "10,", "10)"]

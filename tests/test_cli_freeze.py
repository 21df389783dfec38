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

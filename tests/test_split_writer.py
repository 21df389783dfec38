"""deck.json's blocks written half in a forked child (JsonWriter.fields_split): the same bytes
as the serial writer, a failing child's half written in process, errors as before, no orphans."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
from pathlib import Path

import pytest

from wbr.analysis import parallel
from wbr.engine import deck_json
from wbr.engine.build import build_deck
from wbr.engine.config import load_config
from wbr.engine.deck import Deck
from wbr.sample import write_sample

from .test_parallel import _business, _children, needs_fork

STAMP = dt.datetime(2026, 12, 5, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def sample_deck(tmp_path_factory: pytest.TempPathFactory) -> Deck:
    root = tmp_path_factory.mktemp("sample")
    write_sample(root / "data" / "sample", root / "wbr.yaml")
    return build_deck(load_config(root / "wbr.yaml"), generated_at=STAMP)


@pytest.fixture(scope="module")
def big_deck(tmp_path_factory: pytest.TempPathFactory) -> Deck:
    """More blocks than parallel.MIN_ITEMS (the 60-metric scale business's blocks, 8 times)."""
    deck = build_deck(
        load_config(_business(tmp_path_factory.mktemp("b") / "b")), generated_at=STAMP
    )
    big = dataclasses.replace(deck, blocks=deck.blocks * 8)
    assert len(big.blocks) > parallel.MIN_ITEMS
    return big


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each split_map call forks."""
    forked: list[bool] = []
    split_map = parallel.split_map

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        forked.append(parallel.forks(args[1], kwargs.get("min_items")))
        return split_map(*args, **kwargs)

    monkeypatch.setattr(parallel, "split_map", counted)
    return forked


@needs_fork
def test_the_split_writer_writes_the_serial_bytes_on_a_big_deck(
    big_deck: Deck, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = big_deck.to_json()
    forked = _counted(monkeypatch)
    big_deck.write_json(tmp_path / "deck.json")
    assert forked == [True]
    assert (tmp_path / "deck.json").read_text(encoding="utf-8") == serial
    assert _children() == []
    monkeypatch.setattr(deck_json, "SINK_PARTS", 50)  # many pieces on both sides
    big_deck.write_json(tmp_path / "deck.json")
    assert (tmp_path / "deck.json").read_text(encoding="utf-8") == serial
    assert forked == [True, True]
    assert sorted(os.listdir(tmp_path)) == ["deck.json"]


@needs_fork
def test_without_a_file_the_childs_half_comes_back_as_a_string(
    big_deck: Deck, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sink that is no file (no stream to copy into): the child's half goes through the pipe."""
    forked = _counted(monkeypatch)
    pieces: list[str] = []
    parts: list[str] = []
    writer = deck_json.JsonWriter(parts, 1, sink=pieces.append)
    writer.fields_split(big_deck, 0, "schema_version", "blocks")
    assert forked == [True]
    assert "".join(pieces) + "".join(parts) == big_deck.to_json()
    assert _children() == []


@needs_fork
def test_the_split_writer_writes_the_serial_bytes_on_the_sample_deck(
    sample_deck: Deck, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = sample_deck.to_json()
    sample_deck.write_json(tmp_path / "serial.json")  # too few blocks to fork
    assert (tmp_path / "serial.json").read_text(encoding="utf-8") == serial
    monkeypatch.setattr(parallel, "MIN_ITEMS", 2)
    forked = _counted(monkeypatch)
    sample_deck.write_json(tmp_path / "deck.json")
    assert forked == [True]
    assert (tmp_path / "deck.json").read_text(encoding="utf-8") == serial


def test_one_process_with_workers_1(
    big_deck: Deck, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WBR_WORKERS", "1")
    forked = _counted(monkeypatch)
    big_deck.write_json(tmp_path / "deck.json")
    assert forked == []
    assert (tmp_path / "deck.json").read_text(encoding="utf-8") == big_deck.to_json()


@needs_fork
def test_a_child_that_dies_has_its_half_written_here(
    big_deck: Deck, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = os.getpid()
    run = deck_json.JsonWriter.run

    def dies(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return run(self, *args, **kwargs)

    monkeypatch.setattr(deck_json.JsonWriter, "run", dies)
    forked = _counted(monkeypatch)
    big_deck.write_json(tmp_path / "deck.json")
    assert forked == [True]
    assert (tmp_path / "deck.json").read_text(encoding="utf-8") == big_deck.to_json()
    assert _children() == []


@needs_fork
def test_an_error_in_the_childs_half_surfaces_and_leaves_no_file(
    big_deck: Deck, tmp_path: Path
) -> None:
    blocks = list(big_deck.blocks)
    blocks[-1] = dataclasses.replace(blocks[-1], label=object())  # type: ignore[arg-type]
    bad = dataclasses.replace(big_deck, blocks=tuple(blocks))
    with pytest.raises(TypeError, match=r"^Object of type object is not JSON serializable$"):
        bad.write_json(tmp_path / "deck.json")
    assert os.listdir(tmp_path) == []
    assert _children() == []

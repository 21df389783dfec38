"""Paths taken only at scale give the same results as the plain ones (issue 14, third pass):
deck.json written in pieces, the dense unique of slice keys."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wbr.engine import deck_json, slices
from wbr.engine.build import build_deck
from wbr.engine.config import load_config
from wbr.engine.deck import Deck
from wbr.engine.sources import load_data

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sample_deck(tmp_path_factory: pytest.TempPathFactory) -> Deck:
    folder = tmp_path_factory.mktemp("sample")
    shutil.copytree(ROOT / "data" / "sample", folder / "data" / "sample")
    shutil.copy(ROOT / "wbr.yaml", folder / "wbr.yaml")
    config = load_config(folder / "wbr.yaml")
    return build_deck(config, load_data(config))


@pytest.mark.parametrize("pieces", [1, 7, 1000, deck_json.SINK_PARTS])
def test_write_json_in_pieces_is_to_json(
    sample_deck: Deck, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pieces: int
) -> None:
    monkeypatch.setattr(deck_json, "SINK_PARTS", pieces)
    text = sample_deck.to_json()
    assert text == json.dumps(sample_deck.to_dict(), indent=1, allow_nan=False)
    written = sample_deck.write_json(tmp_path / "deck.json")
    assert written.read_text(encoding="utf-8") == text
    assert not list(tmp_path.glob(".*partial"))


def test_sorted_unique_dense_and_sparse_agree_with_numpy() -> None:
    rng = np.random.default_rng(14)
    for count, high in [(0, 1), (1, 1), (50, 3), (5_000, 5_000), (5_000, 10**12), (3, 10**6)]:
        keys = rng.integers(0, high, count).astype(np.int64)
        found = slices._sorted_unique(keys)
        assert found.dtype == np.int64
        assert np.array_equal(found, np.unique(keys))


def test_numbered_groups_keys_as_factorize_does() -> None:
    rng = np.random.default_rng(15)
    for count, low, high in [(0, 0, 1), (1, 0, 1), (500, 0, 40), (500, -3, 40), (500, 0, 10**15)]:
        keys = rng.integers(low, high, count).astype(np.int64)
        numbered = slices._numbered(keys)
        factorized = pd.factorize(keys)[0]
        assert numbered.dtype == np.int64
        # the same rows share a number: each number stands for one key and each key for one
        pairs = set(zip(numbered.tolist(), factorized.tolist(), strict=True))
        assert len(pairs) == len(set(numbered.tolist())) == len(set(factorized.tolist()))
        if count:
            assert numbered.min() == 0 and numbered.max() == len(pairs) - 1

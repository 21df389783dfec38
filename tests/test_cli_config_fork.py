"""`wbr deck` reads a big config in a forked child while it imports the engine: the same config,
so the same deck, and a bad config's error exactly as when it is read in the process itself."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from wbr.analysis import parallel
from wbr.cli import main
from wbr.commands import reports

ROOT = Path(__file__).resolve().parent.parent
STAMP = re.compile(rb'"generated_at": "[^"]*"')


def _deck(tmp_path: Path, config: Path, name: str) -> bytes:
    out = tmp_path / name
    assert main(["deck", "--config", str(config), "--json", str(out), "--quiet"]) == 0
    return STAMP.sub(b"", out.read_bytes())


def _forks_counted(monkeypatch) -> list[list[str]]:
    """The lists split_map is given, recorded."""
    calls: list[list[str]] = []
    real = parallel.split_map

    def spy(fn, items, **kwargs):
        calls.append(list(items))
        return real(fn, items, **kwargs)

    monkeypatch.setattr(parallel, "split_map", spy)
    return calls


def test_a_config_read_by_a_forked_child_gives_the_same_deck(tmp_path, monkeypatch) -> None:
    calls = _forks_counted(monkeypatch)
    monkeypatch.setattr(reports, "FORKED_CONFIG_BYTES", 0)  # the sample's config is small
    forked = _deck(tmp_path, ROOT / "wbr.yaml", "forked.json")
    assert ["imports", "config"] in calls
    if parallel.forks(["imports", "config"], min_items=2):
        # the child's Config came back pickled: it must read as the one made here
        monkeypatch.setattr(reports, "FORKED_CONFIG_BYTES", 10**12)
        calls.clear()
        here = _deck(tmp_path, ROOT / "wbr.yaml", "here.json")
        assert ["imports", "config"] not in calls
        assert forked == here


@pytest.mark.parametrize("forked", [True, False])
def test_a_bad_config_read_by_the_child_says_what_the_process_says(
    tmp_path, monkeypatch, capsys, forked
) -> None:
    shutil.copytree(ROOT / "data" / "sample", tmp_path / "data" / "sample")
    text = (ROOT / "wbr.yaml").read_text()
    bad = tmp_path / "wbr.yaml"
    bad.write_text(text.replace("aggregation: sum", "aggregation: summ", 1))
    assert bad.read_text() != text
    monkeypatch.setattr(reports, "FORKED_CONFIG_BYTES", 0 if forked else 10**12)
    code = main(["deck", "--config", str(bad), "--quiet"])
    error = capsys.readouterr().err
    assert code == 2
    assert "aggregation" in error and re.search(r"wbr\.yaml:\d+", error)
    if forked:  # the same words, line and all, as when read here
        monkeypatch.setattr(reports, "FORKED_CONFIG_BYTES", 10**12)
        assert main(["deck", "--config", str(bad), "--quiet"]) == 2
        assert capsys.readouterr().err == error

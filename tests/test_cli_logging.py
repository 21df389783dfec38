"""`wbr --version` and `--log-level`: progress and warnings go through the "wbr" logger."""

from __future__ import annotations

import logging
from importlib.metadata import version
from pathlib import Path

import pytest

from wbr import __version__
from wbr.cli import main
from wbr.logs import cli_logging

SAMPLE = Path(__file__).resolve().parent.parent / "wbr.yaml"


def test_version_comes_from_the_package_metadata(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"wbr {version('wbr')}\n"
    assert __version__ == version("wbr")


def test_progress_is_shown_at_the_default_level_and_hidden_at_warning(capsys):
    assert main(["deck", "--config", str(SAMPLE)]) == 0
    shown = capsys.readouterr()
    assert "wbr: computing week ending 2026-11-21" in shown.err.splitlines()
    assert main(["--log-level", "warning", "deck", "--config", str(SAMPLE)]) == 0
    hidden = capsys.readouterr()
    assert hidden.err == ""
    assert hidden.out == shown.out  # the summary table itself is output, not logging


def test_library_records_are_formatted_by_level_and_filtered(capsys):
    library = logging.getLogger("wbr.deliver.smtp")
    with cli_logging("info"):
        library.debug("EHLO sent")
        library.info("sending to a@example.com")
        library.warning("smtp.example.com:587: 451 busy; retry 1 of 3 in 2 s")
    assert capsys.readouterr().err.splitlines() == [
        "wbr: sending to a@example.com",
        "wbr: warning: smtp.example.com:587: 451 busy; retry 1 of 3 in 2 s",
    ]
    with cli_logging("debug"):
        library.debug("EHLO sent")
    assert capsys.readouterr().err == "wbr: debug: EHLO sent\n"


def test_the_command_leaves_the_wbr_logger_as_it_found_it(capsys):
    logger = logging.getLogger("wbr")
    before = (logger.level, logger.propagate, list(logger.handlers))
    main(["--log-level", "debug", "deck", "--quiet", "--config", str(SAMPLE)])
    assert (logger.level, logger.propagate, list(logger.handlers)) == before


def test_quiet_prints_no_progress(capsys):
    assert main(["deck", "--quiet", "--config", str(SAMPLE)]) == 0
    assert capsys.readouterr().err == ""


def test_the_library_logs_progress_when_no_callback_is_given(caplog):
    from wbr.engine.build import build_deck
    from wbr.engine.config import load_config

    caplog.set_level(logging.INFO, logger="wbr")
    build_deck(load_config(SAMPLE), analyse=False)
    progress = [r.getMessage() for r in caplog.records if r.name == "wbr.engine.build"]
    assert "computing week ending 2026-11-21" in progress

"""Errors that wrap another exception are raised from it, so `wbr --verbose` shows the cause."""

from __future__ import annotations

import pytest

from tests.conftest import BASIC_CONFIG, write_business
from tests.synthetic_deck import make_deck
from wbr.deliver.mail import build_message, write_eml
from wbr.engine.config import load_config, parse_config
from wbr.engine.sources import load_data
from wbr.errors import DataError, DeliveryError, RenderError
from wbr.render.report import check_kernel


def test_a_missing_data_file_is_raised_from_the_os_error(tmp_path):
    path = write_business(tmp_path, BASIC_CONFIG, {})
    with pytest.raises(DataError, match=r"metrics\.csv: file not found") as caught:
        load_data(load_config(path))
    assert isinstance(caught.value.__cause__, FileNotFoundError)


def test_an_unwritable_eml_is_raised_from_the_os_error(tmp_path):
    page = tmp_path / "deck.html"
    page.write_text("<p>deck</p>")
    config = parse_config("title: T\nsources: {actuals: {path: m.csv}}\nmetrics: {orders: {}}\n")
    message = build_message(make_deck(), page, config, ["a@example.com"], "b@example.com")
    with pytest.raises(DeliveryError, match="cannot write the message") as caught:
        write_eml(message, page / "under-a-file.eml")
    assert isinstance(caught.value.__cause__, OSError)


def test_a_missing_kernel_is_raised_from_the_lookup_error():
    with pytest.raises(RenderError) as caught:
        check_kernel("no-such-kernel")
    assert type(caught.value.__cause__).__name__ == "NoSuchKernel"

"""The email's MIME parts as a mail client lists them: charts inline in the body, one attachment
(the deck) with a short name that says what it is."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import re
from pathlib import Path

from tests.synthetic_deck import make_deck
from wbr.deliver.mail import attachment_name, build_message
from wbr.engine.config import parse_config

CONFIG = parse_config(
    "title: T\nsources: {actuals: {path: m.csv}}\nmetrics: {orders: {}}\n"
    "email: {to: [leaders@example.com]}\n"
)
LONG_TITLE = (
    "Acme Retail Group North America Consumer Electronics and Home Appliances Division Weekly "
    "Business Review"
)


def _parsed(tmp_path: Path, deck) -> email.message.EmailMessage:
    page = tmp_path / "deck.html"
    page.write_text("<!DOCTYPE html><p>deck</p>", encoding="utf-8")
    charts = {b.number: b"\x89PNG\r\n\x1a\n chart " + bytes([b.number]) for b in deck.blocks}
    message = build_message(deck, page, CONFIG, ["leaders@example.com"], "wbr@example.com", charts)
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def test_chart_images_are_inline_so_clients_do_not_list_them_as_attachments(tmp_path):
    """Issue 10, defect 15: each chart carried Content-Disposition: attachment."""
    parsed = _parsed(tmp_path, make_deck())
    images = [p for p in parsed.walk() if p.get_content_maintype() == "image"]
    assert images
    for image in images:
        assert image.get_content_disposition() == "inline"
        assert image["Content-ID"]
    attachments = list(parsed.iter_attachments())
    assert [a.get_content_type() for a in attachments] == ["text/html"]


def test_a_long_title_gives_a_short_attachment_name_of_its_first_words_and_week(tmp_path):
    """Issue 10, defect 15: the attachment name was about 110 characters."""
    deck = dataclasses.replace(make_deck(), title=LONG_TITLE)
    name = attachment_name(deck)
    assert name == f"acme-retail-group-north-america-{deck.week_ending.isoformat()}.html"
    assert len(name) <= 50
    (attachment,) = _parsed(tmp_path, deck).iter_attachments()
    assert attachment.get_filename() == name


def test_attachment_names_keep_accented_letters_readable_and_never_go_empty():
    deck = make_deck()
    week = deck.week_ending.isoformat()
    named = {
        "Übersicht Café WBR": f"ubersicht-cafe-wbr-{week}.html",
        "週次ビジネスレビュー": f"wbr-{week}.html",
        "Acme": f"acme-{week}.html",
        "x" * 80: f"{'x' * 32}-{week}.html",
    }
    for title, expected in named.items():
        assert attachment_name(dataclasses.replace(deck, title=title)) == expected
    for title in named:
        assert re.fullmatch(
            r"[a-z0-9-]+\.html", attachment_name(dataclasses.replace(deck, title=title))
        )

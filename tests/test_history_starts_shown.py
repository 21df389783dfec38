"""A prior year before the history begins is N/A with its reason, in the deck and the email."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from tests.synthetic_deck import make_deck, standard_blocks
from wbr.deliver.summary import summary_bodies
from wbr.render.html import deck_html

REASON = "N/A before the history begins on"


def _deck_with_a_young_flagged_block():
    blocks = standard_blocks()
    flagged = next(b for b in blocks if b.flagged)
    young = replace(flagged, status=replace(flagged.status, history_starts=dt.date(2026, 1, 5)))
    return make_deck([young if b is flagged else b for b in blocks])


def test_the_deck_says_why_prior_year_numbers_are_na():
    deck = _deck_with_a_young_flagged_block()
    html = deck_html(deck)
    assert html.count(REASON) == 1
    assert "Mon 5 Jan 2026" in html


def test_the_email_says_why_prior_year_numbers_are_na():
    deck = _deck_with_a_young_flagged_block()
    html, _text, _charts = summary_bodies(deck, "deck.html", {})
    assert REASON in html


def test_no_reason_when_the_history_covers_every_window():
    deck = make_deck(standard_blocks())
    assert REASON not in deck_html(deck)

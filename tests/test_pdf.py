"""render/pdf.py without printing: which Chromium, and clear errors when it is missing or dies."""

from __future__ import annotations

from pathlib import Path

import pytest

from wbr.errors import RenderError
from wbr.render.pdf import _templates, find_chromium, print_pdf


def test_wbr_chromium_that_does_not_exist_is_named(monkeypatch):
    monkeypatch.setenv("WBR_CHROMIUM", "/nowhere/chromium")
    with pytest.raises(RenderError, match="WBR_CHROMIUM=/nowhere/chromium: no such executable"):
        find_chromium()


def test_chromium_that_exits_at_once_is_a_render_error(monkeypatch, tmp_path):
    monkeypatch.setenv("WBR_CHROMIUM", "false")
    page = tmp_path / "deck.html"
    page.write_text("<p>deck</p>", encoding="utf-8")
    with pytest.raises(RenderError, match="exited with code 1 before it was ready"):
        print_pdf(page, tmp_path / "deck.pdf", "Title", "Week 47")
    assert not (tmp_path / "deck.pdf").exists()
    assert not list(Path(tmp_path).glob(".deck.pdf*"))


def test_header_escapes_the_title_and_footer_numbers_pages():
    header, footer = _templates("<script>alert(1)</script> & Co", "Week 47, ending Sat 21 Nov 2026")
    assert "&lt;script&gt;" in header and "<script>" not in header and "&amp; Co" in header
    assert '<span class="pageNumber"></span> of <span class="totalPages"></span>' in footer

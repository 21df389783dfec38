"""Rendering a Deck: plotly charts, the HTML deck, notebook helpers, the report folder."""

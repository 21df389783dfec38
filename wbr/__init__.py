"""wbr: Amazon-style Weekly Business Review decks from metric CSVs.

The public API: load_config, load_data, build_deck (compute), run_report (notebook + HTML) and
send_report (email). Imports are lazy so `wbr deck` does not pay for Jupyter or plotly.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_deck", "load_config", "load_data", "run_report", "send_report"]

_HOMES = {
    "load_config": "wbr.engine.config",
    "load_data": "wbr.engine.sources",
    "build_deck": "wbr.engine.build",
    "run_report": "wbr.render.report",
    "send_report": "wbr.deliver.mail",
}


def __getattr__(name: str) -> Any:
    """Import a public function from its module on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module 'wbr' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)

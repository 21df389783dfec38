"""wbr: Amazon-style Weekly Business Review decks from metric CSVs.

The public API: load_config, load_data, build_deck (compute), run_report (notebook + HTML) and
send_report (email); explore, the notebook API module (wbr.explore.open). Imports are lazy so
`wbr deck` does not pay for Jupyter or plotly.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "__version__",
    "build_deck",
    "explore",
    "load_config",
    "load_data",
    "run_report",
    "send_report",
]


def _installed_version() -> str:
    """The version in the installed package's metadata (pyproject.toml's `version`)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("wbr")
    except PackageNotFoundError:  # imported from a source tree that was never installed
        return "0+unknown"


_HOMES = {
    "load_config": "wbr.engine.config",
    "load_data": "wbr.engine.sources",
    "build_deck": "wbr.engine.build",
    "run_report": "wbr.render.report",
    "send_report": "wbr.deliver.mail",
}


def __getattr__(name: str) -> Any:
    """Import a public function from its module on first use; `__version__` looked up then
    (importlib.metadata costs every command ~25 ms at start)."""
    if name == "__version__":
        globals()["__version__"] = found = _installed_version()
        return found
    if name == "explore":  # a module: wbr.explore.open("wbr.yaml")
        import importlib

        return importlib.import_module("wbr.explore")
    if name not in _HOMES:
        raise AttributeError(f"module 'wbr' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)

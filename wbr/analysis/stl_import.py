"""statsmodels' STL class without the 0.8 s of scipy its packages import.

`from statsmodels.tsa.seasonal import STL` costs ~0.85 s: the package `statsmodels.tsa.seasonal`
imports `filtertools` (for `seasonal_decompose`, which pulls in scipy.signal: 0.7 s, most of it
scipy parsing its docstrings) and `MSTL` (scipy.stats), and the package `statsmodels.tools`
imports `tools.tools` (scipy.linalg, 0.11 s) to re-export `add_constant`. STL itself is the
Cython class in `statsmodels.tsa.stl._stl` and needs none of them. `stl_class()` imports that
module with those three modules stood in for by forwarders while it loads (0.02 s, no scipy at
all), then takes the stand-ins and the `statsmodels.tsa.seasonal` modules built on them out of
`sys.modules` again, so any later import of them loads the real ones. The STL class is the same
compiled class either way, so the fits are the same to the last bit (tests/test_parallel.py).

Only when none of those modules is loaded yet; otherwise, or if anything goes wrong, the plain
import. What differs after the light import: `STL.fit()` returns the `DecomposeResult` class of
the first (removed) `statsmodels.tsa.seasonal._seasonal`, not of one imported later.
"""

from __future__ import annotations

import sys
import types
from typing import Any

_STANDINS = {
    "statsmodels.tsa.filters.filtertools": ("convolution_filter", "statsmodels.tsa.filters"),
    "statsmodels.tsa.stl.mstl": ("MSTL", "statsmodels.tsa.stl"),
    # the package statsmodels.tools re-exports add_constant, so importing any statsmodels module
    # loads tools.tools and with it scipy.linalg (~0.11 s, numpy.f2py included)
    "statsmodels.tools.tools": ("add_constant", "statsmodels.tools"),
}
_BUILT_ON_THEM = ("statsmodels.tsa.seasonal", "statsmodels.tsa.seasonal._seasonal")
_STL: Any = None


def stl_class() -> Any:
    """statsmodels' STL class, imported the light way when it can be (module doc)."""
    global _STL
    if _STL is None:
        _STL = _light() or _plain()
    return _STL


def _plain() -> Any:
    from statsmodels.tsa.seasonal import STL

    return STL


def _forwarder(module: str, name: str) -> Any:
    """A function that calls the real `module.name` (imported then), for a stand-in module."""

    def forward(*args: Any, **kwargs: Any) -> Any:
        import importlib

        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    forward.__name__ = name
    return forward


def _light() -> Any:
    """STL from `statsmodels.tsa.stl._stl` with the stand-ins in place; None when it cannot."""
    touched = (*_STANDINS, *_BUILT_ON_THEM, "statsmodels.tsa.stl._stl")
    if any(name in sys.modules for name in touched):
        return None
    saved = {name: sys.modules.get(name) for name in touched}
    try:
        for module, (name, _) in _STANDINS.items():
            standin = types.ModuleType(module)
            setattr(standin, name, _forwarder(module, name))
            sys.modules[module] = standin
        from statsmodels.tsa.stl._stl import STL

        return STL
    except Exception:
        sys.modules.pop("statsmodels.tsa.stl._stl", None)
        return None
    finally:
        for name in (*_STANDINS, *_BUILT_ON_THEM):
            if saved[name] is None:
                sys.modules.pop(name, None)
        for module, (_, package) in _STANDINS.items():
            _forget(package, module)
        _forget("statsmodels.tsa", "statsmodels.tsa.seasonal")


def _forget(package: str, module: str) -> None:
    """Take a submodule's attribute off its package (set when it was imported)."""
    parent = sys.modules.get(package)
    attr = module.rsplit(".", 1)[1]
    if parent is not None and attr in vars(parent):
        delattr(parent, attr)


__all__ = ["stl_class"]

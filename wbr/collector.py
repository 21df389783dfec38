"""When Python's cyclic garbage collector runs during a deck: paused while long-lived objects are
made, and kept to its young generations while the deck is built.

A deck makes millions of objects that live until it is written (modules, the config, the daily
frames, the blocks) and next to no garbage in cycles. Each collector pass walks every tracked
object of the generations it collects, so passes over the growing heap cost time and free nothing.
Both helpers restore the collector's state on the way out: they change nothing for the caller.
Only the standard library is imported here (wbr.cli uses it before its own imports).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

# gc's third threshold: a full pass only after this many young (generation 1) passes, i.e. never
# within a deck; Python's own default is 10.
_NO_FULL_PASS = 1 << 30


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The collector off (imports, reading the config and data: long-lived objects, no garbage)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@contextlib.contextmanager
def young_passes_only() -> Iterator[None]:
    """The collector's full passes off; its young passes, which free the few short-lived cycles,
    still run. Measured at 10,000 metrics: the build made 6 full passes, 0.53 s in all, that freed
    10 objects, while the young passes freed ~2,400. Forked analysis workers inherit it."""
    young, middle, old = gc.get_threshold()
    gc.set_threshold(young, middle, _NO_FULL_PASS)
    try:
        yield
    finally:
        gc.set_threshold(young, middle, old)


__all__ = ["paused", "young_passes_only"]

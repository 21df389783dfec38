"""When Python's cyclic garbage collector runs during a deck: paused while long-lived objects are
made (imports, the config, the data) and while the deck is built.

A deck makes millions of objects that live until it is written (modules, the config, the daily
frames, the blocks, their points and flags) and next to no garbage in cycles. Each collector pass
walks every tracked object of the generations it collects, so even its young passes walk each of
the deck's objects twice (once young, once middle-aged) and free next to nothing. Measured with
the collector off through build_deck, then one full pass (benchmarks/README.md, "Ninth pass"): it
freed 3,021 objects after a 10,000-metric deck, 447 after a 1,000-metric deck with last week's
deck and an events file, 144 after the sample's, 27 after a 3.3 M-row long file's; with the young
passes on, those passes took 0.18 s of a 10,000-metric deck's parent process.

`paused` restores the collector's state on the way out: it changes nothing for the caller. Only
the standard library is imported here (wbr.cli uses it before its own imports).

`keep_until_exit` is about the other end of a deck's objects: freeing a 10,000-metric deck object
by object takes 0.13 s, which the `wbr` console script, ending with os._exit (wbr.cli.run),
need not spend: the operating system takes the memory back at once.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The collector off (imports, the config, the data, the deck: long-lived objects, next to no
    garbage); as it was afterwards. Forked analysis workers inherit it."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


_kept: list[object] = []
_exit_frees = True  # False once wbr.cli.run has said the process ends without freeing its heap


def exit_without_freeing() -> None:
    """Say that this process ends with os._exit after its command (wbr.cli.run only)."""
    global _exit_frees
    _exit_frees = False


def keep_until_exit(value: object) -> None:
    """Hold `value` until the process ends when it ends without freeing its heap (its objects
    are then never freed one by one); otherwise nothing: a caller in a longer-lived process
    (a test, a notebook) frees it as usual."""
    if not _exit_frees:
        _kept.append(value)


__all__ = ["exit_without_freeing", "keep_until_exit", "paused"]

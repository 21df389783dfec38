"""Both cores for the per-metric analysis: a list's items worked out half here, half in a fork.

`split_map(fn, items)` is `[fn(x) for x in items]`, the same list in the same order. On a big
enough list, on a system with `os.fork` and more than one usable core, it forks one child once
everything `fn` reads is in memory: the parent works out the first part of the list, the child
the rest, which it sends back pickled through a pipe. Each item's result depends only on its
item and what was in memory at the fork, so the answers are those of the serial loop.

What never changes with the split:

- errors: when the parent's part raises, the child is killed and the error goes on as it came.
  When the child fails in any way (an exception, a result that does not pickle, killed, out of
  memory), the parent works out the child's part itself, so that an error is raised here, with
  its own message and traceback, exactly as the serial loop raises it (the first failing item
  in list order: the parent's part comes first);
- no orphans: the child is reaped on every path out of `split_map` (KeyboardInterrupt
  included: the parent kills it), dies when its parent dies (Linux) and leaves through
  `os._exit`, so it runs none of the parent's `finally` blocks, `atexit` handlers or buffered
  writes; it takes SIGINT's default action (no traceback on Ctrl-C);
- small lists, one core, not Linux (no `os.fork` on Windows; on macOS system libraries may not
  survive one), other Python threads running (a notebook kernel, a server), or `WBR_WORKERS=1`
  in the environment: the serial loop, in this process.

A fork costs ~5-20 ms and the child's pages are copied as it touches them; the analysis of a
metric is ~1-2 ms, hence MIN_ITEMS.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 400  # below this many items, the serial loop (a fork's cost is not paid back)
PARENT_SHARE = 0.5  # the parent's part of the list (it also unpickles the child's answers)
_READ = 1 << 20


def workers() -> int:
    """Processes the analysis may use: 1 or 2 (`WBR_WORKERS=1` forces the serial loop)."""
    wanted = os.environ.get("WBR_WORKERS", "").strip()
    if wanted.isdigit() and int(wanted) <= 1:
        return 1
    if not hasattr(os, "fork") or not sys.platform.startswith("linux"):
        return 1  # no fork (Windows), or a fork that system libraries may not survive (macOS)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return 2 if cores > 1 else 1


def forks(items: Sequence[object], min_items: int | None = None) -> bool:
    """Would split_map fork a child for these items?"""
    least = MIN_ITEMS if min_items is None else min_items
    return len(items) >= max(least, 2) and workers() > 1 and threading.active_count() == 1


def parent_part(count: int, share: float = PARENT_SHARE) -> int:
    """How many of `count` items (at least 2) the parent works out: the first `share`, at
    least one each."""
    return max(1, min(count - 1, round(count * share)))


def split_map(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    min_items: int | None = None,
    prepare: Callable[[], object] | None = None,
    parent_share: float = PARENT_SHARE,
) -> list[R]:
    """`[fn(x) for x in items]`, the second part worked out by a forked child (module doc).
    `prepare` is called before forking, only when it forks (an import both sides would pay);
    the parent's part is the first `parent_share`."""
    if not forks(items, min_items):
        return [fn(x) for x in items]
    with _Split(fn, items, prepare, parent_share) as split:
        return split.finish()


def split_batches(
    fn: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    *,
    prepare: Callable[[], object] | None = None,
    parent_share: float = PARENT_SHARE,
) -> list[R]:
    """`fn(items)`, for an `fn` that maps a list to a list of its items' answers (it may work
    them out together, sooner): two parts, the second worked out by a forked child, when
    split_map would fork for these items; the parent's part the first `parent_share`."""
    with started(fn, items, prepare=prepare, parent_share=parent_share) as answers:
        return answers()


@contextlib.contextmanager
def started(
    fn: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    *,
    prepare: Callable[[], object] | None = None,
    parent_share: float = PARENT_SHARE,
) -> Iterator[Callable[[], list[R]]]:
    """split_batches begun now, finished later: the child is forked on entry and works out its
    part while this process does other work inside the `with` block, until it calls what the
    block is given, which works out this process's part and returns `fn(items)`'s answers.
    Leaving the block without calling it (an error, an interrupt) kills and reaps the child.
    Without a fork (see `forks`), the call works out `fn(items)` in this process."""
    if not forks(items):
        yield lambda: fn(items)
        return
    cut = parent_part(len(items), parent_share)
    parts = [items[:cut], items[cut:]]
    with _Split(fn, parts, prepare, parent_share=0.5) as split:

        def answers() -> list[R]:
            head, tail = split.finish()
            return head + tail

        yield answers


class _Split:
    """A forked child working out the part of `items` after the parent's: `finish` works out
    the parent's part and takes the child's (or works it out here when the child failed);
    leaving the `with` block unfinished kills and reaps the child."""

    def __init__(
        self,
        fn: Callable[[T], R],
        items: Sequence[T],
        prepare: Callable[[], object] | None,
        parent_share: float,
    ) -> None:
        if prepare is not None:
            prepare()
        self.fn = fn
        cut = parent_part(len(items), parent_share)
        self.head_items, self.tail_items = items[:cut], items[cut:]
        self.pid: int | None = None
        self.read_end = -1
        read_end, write_end = os.pipe()
        parent = os.getpid()
        for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
            with contextlib.suppress(Exception):
                stream.flush()
        try:
            pid = os.fork()
        except OSError:  # no memory or no process left for a child: the serial loop
            os.close(read_end)
            os.close(write_end)
            return
        if pid == 0:  # the child: never returns
            _child(fn, self.tail_items, read_end, write_end, parent)
        os.close(write_end)
        self.pid, self.read_end = pid, read_end

    def __enter__(self) -> _Split:
        return self

    def finish(self) -> list:
        """The answers of every item, in order."""
        head = [self.fn(x) for x in self.head_items]
        answer = None
        if self.pid is not None:
            data = _read_all(self.read_end)
            # unpickled while the child's memory is torn down (it closed the pipe first)
            answer = _answer(data, len(self.tail_items))
            del data
            status = _wait(self.pid)
            self.pid = None
            if status != 0:
                answer = None
        if answer is None:  # the child failed: its part here, raising what the serial loop raises
            answer = [self.fn(x) for x in self.tail_items]
        return head + answer

    def __exit__(self, *_: object) -> None:
        if self.read_end >= 0:
            os.close(self.read_end)
            self.read_end = -1
        if self.pid is not None:  # the parent's part raised, or was interrupted
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(self.pid, 0)
            self.pid = None


def _child(
    fn: Callable[[T], R], items: Sequence[T], read_end: int, write_end: int, parent: int
) -> None:
    """The forked child: work out `items`, write the pickled list to `write_end`, exit."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.close(read_end)
        _die_with(parent)
        gc.freeze()  # the collector walks only what the child makes, not the parent's heap
        data = pickle.dumps([fn(x) for x in items], protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(write_end, view) :]
        # the parent reads to the end now, not once this process's memory is torn down
        os.close(write_end)
        code = 0
    finally:
        os._exit(code)


def _answer(data: bytes, count: int) -> list | None:
    """The child's list of `count` answers, None when what it sent is not one."""
    if not data:
        return None
    with contextlib.suppress(Exception):
        answer = pickle.loads(data)
        if isinstance(answer, list) and len(answer) == count:
            return answer
    return None


def _die_with(parent: int) -> None:
    """Ask Linux to kill this process when its parent dies; exit now if it already has."""
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _wait(pid: int) -> int:
    """The child's exit code (0 when it was reaped elsewhere: SIGCHLD ignored; its answer is
    then taken only if it unpickles to a list of the right length)."""
    try:
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    except ChildProcessError:
        return 0


def _read_all(fd: int) -> bytes:
    """Everything written to a pipe until its write end is closed."""
    parts = []
    while chunk := os.read(fd, _READ):
        parts.append(chunk)
    return b"".join(parts)


__all__ = ["MIN_ITEMS", "forks", "parent_part", "split_batches", "split_map", "started", "workers"]

"""The report folder on disk: staging folders and their locks (flock), removing the ones a killed
run left, keeping a failed run's notebook only when it was written whole, and swapping the
finished folder into reports/<week-ending>/ in one step."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import json
import os
import shutil
import sys
import time
from pathlib import Path

__all__ = [
    "FAILED_DIR",
    "STAGING_GLOB",
    "STALE_STAGING_S",
    "current_umask",
    "exchange",
    "is_whole_notebook",
    "keep_failed",
    "lock_folder",
    "os_failure",
    "previous_report",
    "remove_stale_staging",
    "swap_into_place",
]

FAILED_DIR = ".failed"
STAGING_GLOB = ".*.partial-*"
STALE_STAGING_S = 60  # older than this and unlocked: left by a killed run (see lock_folder)


def os_failure(error: OSError, where: Path) -> str:
    """'reports/2026-11-21: No space left on device': the path the system named, and why."""
    path = error.filename if error.filename is not None else where
    return f"{os.fsdecode(path)}: {error.strerror or type(error).__name__}"


def lock_folder(folder: Path) -> int | None:
    """Hold an exclusive flock on a folder while this process lives; returns the descriptor to
    close (None where flock does not exist). The kernel drops the lock when a run is killed."""
    try:
        import fcntl
    except ImportError:  # not POSIX: staging folders are never judged stale
        return None
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # a file system without locks: then no run can judge it stale either
        os.close(descriptor)
        return None
    return descriptor


def remove_stale_staging(out_dir: Path, older_than: float = STALE_STAGING_S) -> list[Path]:
    """Remove the staging folders (.<week>.partial-*) of killed runs: unlocked and older than
    `older_than` seconds (the age covers a new run's moment between making and locking its
    folder). Returns the folders removed."""
    try:
        import fcntl
    except ImportError:
        return []
    removed = []
    now = time.time()
    for folder in sorted(Path(out_dir).glob(STAGING_GLOB)):
        try:
            if folder.is_symlink() or not folder.is_dir():
                continue
            if now - folder.stat().st_mtime < older_than:
                continue
            descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:  # gone meanwhile, or not ours to read
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # a live run holds it
            os.close(descriptor)
            continue
        try:
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            os.close(descriptor)
        if not folder.exists():
            removed.append(folder)
    return removed


def current_umask() -> int:
    """The process umask (reading it means setting it: set it back at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def keep_failed(executed_path: Path, out_dir: Path, name: str) -> Path | None:
    """Move the failed run's notebook to out_dir/.failed/<week>.ipynb for inspection; one that
    was not written whole (a full disk) is deleted instead, freeing its space. None if not kept."""
    if not executed_path.is_file():
        return None
    kept = out_dir / FAILED_DIR / f"{name}.ipynb"
    try:
        if not is_whole_notebook(executed_path):
            raise OSError(errno.EIO, "the notebook was not written whole")
        kept.parent.mkdir(exist_ok=True)
        os.replace(executed_path, kept)  # staging is inside out_dir: a rename, no copy
    except OSError:
        executed_path.unlink(missing_ok=True)
        return None
    return kept


def is_whole_notebook(path: Path) -> bool:
    """True when the file parses as a notebook (a truncated write does not)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return isinstance(json.load(handle).get("cells"), list)
    except (OSError, ValueError, AttributeError):
        return False


def previous_report(target: Path) -> str:
    """What a failed run left of the report folder, for its error message."""
    if target.exists():
        return f"the previous report in {target} is unchanged"
    return f"no report was written to {target}"


# ---------------------------------------------------------------- atomic swap of a folder

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def swap_into_place(staging: Path, target: Path) -> None:
    """Make `staging` the `target` folder; an existing target is replaced in one step on Linux."""
    if not target.exists():
        try:
            staging.rename(target)
            return
        except OSError as error:
            # another run of the same week landed its folder after our check: replace it below
            if error.errno not in (errno.ENOTEMPTY, errno.EEXIST) or not target.exists():
                raise
    if exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # staging now holds the old report
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    target.rename(old)
    try:
        staging.rename(target)
    except OSError:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically with renameat2(RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return result == 0

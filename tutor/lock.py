"""One writer at a time per tutor home.

Two tutor processes on the same home (two terminals, a script beside `tutor start`) take turns:
every change to progress or the sandbox happens while holding an exclusive lock on
`HOME/.lock`, and a process that finds it taken waits a little, then refuses with a message.
The lock is released by the operating system if its holder dies, so it can never go stale.

It is the operating system's own lock, the one filelock takes too (a program holding
`HOME/.lock` with filelock makes the tutor wait: tests/test_robustness.py). filelock itself is
not imported: every release from 3.20.3 to 4.3.1 costs 93-144 ms to import in a new process
(asyncio, logging, secrets...), which took `tutor reset` from 0.26 to 0.38 of a plain migrate
in the benchmark, over its 0.30 target. Where Python imports lazily (filelock declares
`__lazy_modules__` for it), this is the place to switch.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Callable, Iterator

from .exceptions import TutorError
from .home_layout import LOCK

DEFAULT_WAIT_SECONDS = 20.0


class HomeBusy(TutorError):
    def __init__(self, home: Path, holder: str):
        super().__init__(
            f"Another tutor process{holder} is changing {home} right now.",
            "Wait for it to finish (a reset takes a few seconds) and try again; two tutors "
            "on one home take turns.",
        )


@contextlib.contextmanager
def home_lock(home: Path, wait_seconds: float | None = None) -> Iterator["HeldLock"]:
    """Hold the home's lock, waiting up to `wait_seconds` (default: DEFAULT_WAIT_SECONDS,
    read when called) for another process to release it."""
    wait = DEFAULT_WAIT_SECONDS if wait_seconds is None else wait_seconds
    with file_lock(home / LOCK, wait, lambda holder: HomeBusy(home, holder)) as held:
        yield held


class HeldLock:
    """A lock this process holds. `keep_open_for_child()` hands it to a child process started
    with its file descriptor (`fileno`): the child then holds it, and this process lets go of
    its copy without unlocking, so that the lock is never free in between."""

    can_hand_over = os.name != "nt"  # a POSIX lock belongs to the open file, shared by both

    def __init__(self, handle):
        self.handle = handle
        self.handed_over = False

    @property
    def fileno(self) -> int:
        return self.handle.fileno()

    def keep_open_for_child(self) -> None:
        self.handed_over = True


@contextlib.contextmanager
def file_lock(path: Path, wait_seconds: float,
              busy: "Callable[[str], TutorError]") -> Iterator[HeldLock]:
    """Hold the lock on `path`, waiting up to `wait_seconds` for another process to release
    it, then raising `busy(holder)` (holder: " (pid N)", or "")."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")
    try:
        deadline = time.monotonic() + wait_seconds
        while not _try_lock(handle):
            if time.monotonic() >= deadline:
                raise busy(_holder(path))
            time.sleep(0.05)
        write_holder(handle)
        held = HeldLock(handle)
        try:
            yield held
        finally:
            if not held.handed_over:
                _unlock(handle)
    finally:
        handle.close()


def held_elsewhere(path: Path) -> bool:
    """Whether another process holds the lock on `path` (which is then left as it was)."""
    try:
        handle = open(path, "a+", encoding="utf-8")
    except OSError:
        return False
    try:
        if not _try_lock(handle):
            return True
        _unlock(handle)
        return False
    finally:
        handle.close()


def write_holder(handle) -> None:
    """Write this process's id into the lock file, for the message of one that waits."""
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()


def _holder(path: Path) -> str:
    try:
        pid = path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(handle) -> bool:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(handle) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(handle) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(handle) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

"""One writer at a time per tutor home.

Two tutor processes on the same home (two terminals, a script beside `tutor start`) take turns:
every change to progress or the sandbox happens while holding an exclusive lock on
`HOME/.lock` (filelock's, the operating system's own file lock), and a process that
finds it taken waits a little, then refuses with a message naming the holder. The operating
system releases the lock if its holder dies, so it can never go stale.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

from .exceptions import TutorError

LOCK_FILE = ".lock"
HOLDER_FILE = ".lock-holder"  # the pid of the last process that took the lock: for messages
DEFAULT_WAIT_SECONDS = 20.0


class HomeBusy(TutorError):
    def __init__(self, home: Path, holder: str):
        super().__init__(
            f"Another tutor process{holder} is changing {home} right now.",
            "Wait for it to finish (a reset takes a few seconds) and try again; two tutors "
            "on one home take turns.",
        )


@contextlib.contextmanager
def home_lock(home: Path, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold the home's lock, waiting up to `wait_seconds` (default: DEFAULT_WAIT_SECONDS,
    read when called) for another process to release it."""
    from filelock import FileLock, Timeout  # imported by the commands that change a home

    home.mkdir(parents=True, exist_ok=True)
    wait = DEFAULT_WAIT_SECONDS if wait_seconds is None else wait_seconds
    # thread_local=False: the lock is the process's, as the home is (a watch thread checks).
    lock = FileLock(str(home / LOCK_FILE), timeout=wait, thread_local=False)
    try:
        lock.acquire(poll_interval=0.05)
    except Timeout:
        raise HomeBusy(home, _holder(home / HOLDER_FILE)) from None
    try:
        with contextlib.suppress(OSError):
            (home / HOLDER_FILE).write_text(f"{os.getpid()}\n", encoding="utf-8")
        yield
    finally:
        lock.release()


def _holder(path: Path) -> str:
    try:
        pid = path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""

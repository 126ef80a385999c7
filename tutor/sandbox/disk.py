"""What a full disk looks like, and what a copy or build that failed leaves: its partial
folders deleted, and `DiskFull` where the disk filled up (the sandbox and the learner's
progress as they were)."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..exceptions import DiskFull, TutorError

# What a full disk looks like in a child's output: the system's words, and SQLite's.
DISK_FULL_SIGNS = ("No space left on device", "database or disk is full", "Disk quota exceeded",
                   "[Errno 28]")
# A build that fails with less room than this left on the home's disk failed for want of it
# (a child's own words can be lost: a migrate's later error hides its first).
NO_ROOM_BYTES = 1 << 20
UNCHANGED = "Nothing was changed: the sandbox and your progress are as they were."


def not_built(error: Exception, home: Path, doing: str, left: str, *partial: Path) -> Exception:
    """What to raise for a copy or build that failed: its partial folders deleted, and
    DiskFull (saying `left`: what is as it was) when the disk filled up, else the error
    itself."""
    for folder in partial:
        shutil.rmtree(folder, ignore_errors=True)
    if disk_full(error) or _room_left(home) < NO_ROOM_BYTES:
        return DiskFull(doing, home, left)
    return error


def disk_full(error: BaseException) -> bool:
    """An error of the disk filling up: ENOSPC (or a quota), also inside a copy's list of
    errors (shutil.Error) or a child's output (CommandFailed's advice)."""
    import errno

    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(error) + (error.advice if isinstance(error, TutorError) else "")
    return any(sign in text for sign in DISK_FULL_SIGNS)


def _room_left(place: Path) -> int:
    """Bytes free on the disk of `place` (or of its nearest folder that exists)."""
    for folder in (place, *place.parents):
        try:
            return shutil.disk_usage(folder).free
        except OSError:
            continue
    return NO_ROOM_BYTES

"""What makes a folder the tutor's own sandbox, and the folder moves that keep the rule the
tutor lives by: it only ever deletes a folder that carries its marker file (a real folder,
not a link), and it swaps a new sandbox in whole, so that cut anywhere, the old one or the
new one stands complete.

The marker (`.tutor-sandbox`, JSON) is written first into a folder being built, and at the
end holds the lesson it was built for, its start state and where its database lives.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..files import read_json

SANDBOX_MARKER = ".tutor-sandbox"
_MARKERS: dict[Path, tuple[tuple, dict]] = {}  # a marker read, by its file's identity


def read_marker(folder: Path) -> dict:
    """The folder's marker contents ({} where there is none, or it cannot be read); read
    again only once the file changed (a course of told lessons asks for it once per lesson,
    and it holds the whole start state)."""
    path = folder / SANDBOX_MARKER
    try:
        found = path.stat()
        key = (found.st_ino, found.st_mtime_ns, found.st_size)
        cached = _MARKERS.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        data = read_json(path)
    except (OSError, ValueError):  # (ValueError: DamagedJson, also 100 000 brackets deep)
        return {}
    data = data if isinstance(data, dict) else {}
    _MARKERS[path] = (key, data)
    return data


def is_ours(folder: Path) -> bool:
    """A real folder (not a link to one) that carries the tutor's marker."""
    return folder.is_dir() and not folder.is_symlink() and (folder / SANDBOX_MARKER).is_file()


def stands(path: Path) -> bool:
    """Something stands there: a file, a folder, or a link (even a broken one)."""
    return path.exists() or path.is_symlink()


def swap_in(staging: Path, sandbox: Path) -> None:
    """Put a sandbox built beside the current one (`sandbox.new`) in its place; cut anywhere,
    `Sandbox.recover` finds the one or the other whole (`sandbox.old` is put back)."""
    old = sandbox.with_name(sandbox.name + ".old")
    if sandbox.exists():
        sandbox.rename(old)
    staging.rename(sandbox)
    if old.exists():
        shutil.rmtree(old)


def remove_tree(folder: Path) -> None:
    """Delete one of the tutor's own folders, waiting a little for a command that a killed
    tutor left writing in it (its helper ends within a tenth of a second)."""
    import time

    for attempt in range(10):
        try:
            shutil.rmtree(folder)
            return
        except FileNotFoundError:
            return
        except OSError:
            if attempt == 9:
                raise
            time.sleep(0.1)

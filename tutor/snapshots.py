"""A snapshot of the sandbox's files, and the sandbox made to hold one again, file by file.

A file's content is kept once, under its SHA-256, in the timeline's `objects` folder; a
snapshot (a `Point`) names each file's digest, mode and stat details, and each folder. Taking
one reads only the files changed since the last (by their stat details, unless changed too
close to it to trust them). Applying one never follows a link: a link in the sandbox is
replaced or removed as a link. What changes between two snapshots is said file by file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import time
from pathlib import Path

from .exceptions import TutorError
from .markup import printable
from .timeline_points import Point

# Left out of a snapshot: the tutor's own marker (the build it describes does not change),
# and what Python writes for itself.
SKIPPED_NAMES = frozenset({".tutor-sandbox", "__pycache__"})
# A file changed this close to the previous snapshot may have changed after it within the
# same timestamp (coarse file-system clocks): it is read again, not taken on trust.
RACY_NS = 50_000_000


def take(sandbox: Path, objects: Path, last: Point | None, did: str, step: int,
         number: int) -> Point:
    """A snapshot of `sandbox` as it is now, as point `number`: each file's content kept once
    in `objects` under its digest (a file unchanged since `last` is not read again)."""
    taken_ns = time.time_ns()
    known = last.files if last is not None else {}
    trusted_before = (last.taken_ns if last is not None else 0) - RACY_NS
    files: dict[str, list] = {}
    dirs: list[str] = []
    objects.mkdir(parents=True, exist_ok=True)
    pending = [(sandbox, "")]
    while pending:
        folder, prefix = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name in SKIPPED_NAMES or entry.name.endswith(".pyc"):
                    continue
                path = prefix + entry.name
                if entry.is_symlink():
                    files[path] = ["->", os.readlink(entry.path)]
                elif entry.is_dir():
                    dirs.append(path)
                    pending.append((Path(entry.path), path + "/"))
                elif entry.is_file():
                    files[path] = _kept(objects, entry, known.get(path), trusted_before)
    return Point(number, did, int(time.time()), step, files, sorted(dirs), taken_ns)

def _kept(objects: Path, entry: os.DirEntry, known: list | None, trusted_before: int) -> list:
    found = entry.stat()
    details = [stat.S_IMODE(found.st_mode), found.st_size, found.st_mtime_ns, found.st_ino]
    if (known is not None and known[0] != "->" and known[1:] == details
            and found.st_mtime_ns < trusted_before):
        return known
    data = Path(entry.path).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    kept = objects / digest
    if not kept.exists():
        temporary = kept.with_name(f".{digest}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, kept)
    return [digest, *details]


def apply(sandbox: Path, objects: Path, point: Point) -> None:
    """Make the sandbox hold what `point` holds, in place: each file is replaced whole,
    and a link found in the sandbox is replaced or removed as a link, never followed."""
    if sandbox.is_symlink() or not sandbox.is_dir():
        raise TutorError(f"{printable(str(sandbox))} is not the tutor's own folder: "
                         "undo never changes files through it.")
    wanted_dirs = set(point.dirs)
    # What the point does not hold goes, deepest first (a folder once it is empty).
    for folder, subfolders, names in os.walk(sandbox, topdown=False):
        relative = os.path.relpath(folder, sandbox)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        if any(part in SKIPPED_NAMES for part in prefix.split("/")):
            continue
        for name in names + [d for d in subfolders
                             if os.path.islink(os.path.join(folder, d))]:
            if name in SKIPPED_NAMES or name.endswith(".pyc"):
                continue
            full = os.path.join(folder, name)
            entry = point.files.get(prefix + name)
            if os.path.islink(full):
                keep = entry is not None and entry[0] == "->" and os.readlink(full) == entry[1]
            elif not stat.S_ISREG(os.lstat(full).st_mode):
                keep = True  # a pipe, a socket: no point holds one, so none takes it away
            else:
                keep = entry is not None and entry[0] != "->"
            if not keep:
                os.unlink(full)
        for name in subfolders:
            path = prefix + name
            full = os.path.join(folder, name)
            if name in SKIPPED_NAMES or os.path.islink(full):
                continue
            if path not in wanted_dirs:
                shutil.rmtree(full, ignore_errors=True)
    _pause_for_tests()
    for folder in sorted(wanted_dirs):
        target = sandbox / folder
        if target.is_symlink() or (target.exists() and not target.is_dir()):
            target.unlink()
        target.mkdir(parents=True, exist_ok=True)
    for path, entry in point.files.items():
        target = sandbox / path
        if entry[0] == "->":
            if not target.is_symlink():
                if target.is_dir():
                    shutil.rmtree(target)
                os.symlink(entry[1], target)
            continue
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        if target.is_file() and not target.is_symlink() and _digest(target) == entry[0]:
            if stat.S_IMODE(target.stat().st_mode) != entry[1] & 0o7777:
                os.chmod(target, entry[1] & 0o7777)
            continue
        # A name that fits whatever the file's own (255 bytes at most): its content's.
        temporary = target.with_name(f".{entry[0][:16]}.{os.getpid()}.undo")
        shutil.copyfile(objects / entry[0], temporary)
        os.chmod(temporary, entry[1] & 0o7777)
        os.replace(temporary, target)  # whole: a reader sees the old file or the new


def differences(now: Point, then: Point) -> list[str]:
    """What making the sandbox `then` again does to it as it is `now`, file by file (the
    git repository's own files in one line), with control characters made visible."""
    lines, inside_git = [], 0
    before = {path: entry for path, entry in now.files.items()}
    after = {path: entry for path, entry in then.files.items()}
    for path in sorted({*before, *after, *now.dirs, *then.dirs}):
        was = before.get(path) or ("folder" if path in now.dirs else None)
        will = after.get(path) or ("folder" if path in then.dirs else None)
        if was == will or (isinstance(was, list) and isinstance(will, list)
                             and was[:2] == will[:2]):
            continue
        if path == ".git" or path.startswith(".git/"):
            inside_git += 1
            continue
        what = "folder " if "folder" in (was, will) and (was is None or will is None) \
            else ""
        if was is None:
            done = "created"
        elif will is None:
            done = "removed"
        else:
            done = "changed"
        lines.append(f"{what}{printable(path)}: {done}")
    if inside_git:
        lines.append(f"the git repository (.git): {inside_git} "
                     f"file{'s' if inside_git != 1 else ''} taken back")
    return lines


def _pause_for_tests() -> None:
    """Only for the tutor's own tests: `TUTOR_TEST_PAUSE_IN_RESTORE=SECONDS` waits halfway
    through a restore (what a learner's files had to go is gone, what they get back is not
    back yet), so that a test can kill it or press Ctrl-C there."""
    seconds = os.environ.get("TUTOR_TEST_PAUSE_IN_RESTORE", "")
    if seconds:
        with contextlib.suppress(ValueError):
            time.sleep(min(float(seconds), 60.0))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()

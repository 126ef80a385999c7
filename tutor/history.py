"""The sandbox's timeline within one build of a lesson: a snapshot of its files (its SQLite
databases and its git repository among them) at each point the tutor sees it, so that
`tutor undo` can take it back to any of them and `tutor history` can list them.

A point is taken before each command the session runs and at each check (whatever the
terminal the work was done in), and only when something changed since the last one. A file's
content is kept once, under its SHA-256 (`HOME/history/objects/`), and each point is a small
manifest (`HOME/history/points/NNNNNN.json`): a snapshot of an unchanged sandbox writes no
content, and one after a migrate writes the database file alone. A reset starts a new
timeline: undo never crosses it. The last `KEEP` points are kept, with what they refer to. An undo
restores the sandbox in place, file by file (a terminal open in it stays valid), and a
restore cut short is finished by the next tutor.

On a server the database is no file in the sandbox: a point is taken where the state was
read (a check), told apart by a digest of that state, and keeps a copy of the database on
the server (`ServerDatabase`), which undo copies back.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from .exceptions import TutorError

KEEP = 50
# What a point no command of the tutor's led to is called (work in another terminal, a file
# edited, a command the shell kept out of its history).
UNNAMED = "changes made outside the tutor's commands"
# Left out of a snapshot: the tutor's own marker (the build it describes does not change),
# and what Python writes for itself.
SKIPPED_NAMES = frozenset({".tutor-sandbox", "__pycache__"})
# A file changed this close to the previous snapshot may have changed after it within the
# same timestamp (coarse file-system clocks): it is read again, not taken on trust.
RACY_NS = 50_000_000


class NothingToUndo(TutorError):
    pass


@dataclass
class Point:
    number: int
    did: str       # the command that led here; "" for changes seen at a check
    at: int        # seconds since the epoch
    step: int      # the lesson's current step index once this point was checked
    files: dict[str, list]  # path -> [sha256, mode, size, mtime_ns, inode]; links: ["->", target]
    dirs: list[str] = field(default_factory=list)
    taken_ns: int = 0
    changes: list[str] = field(default_factory=list)  # what the check here saw change
    passed: list[int] = field(default_factory=list)   # the steps (from 1) passed here
    # On a server: the state read here (a digest: the database is no file to compare), and
    # the tutor's copy of the database as it was here.
    state_key: str = ""
    database: str = ""
    shared: bool = False  # the database is the lesson's kept start: never dropped by undo

    def content(self) -> tuple:
        """What the sandbox holds at this point (its stat details left out)."""
        return (tuple(sorted((path, entry[0], entry[1]) for path, entry in self.files.items())),
                tuple(sorted(self.dirs)), self.state_key)

    def to_json(self) -> dict:
        return {"number": self.number, "did": self.did, "at": self.at, "step": self.step,
                "files": self.files, "dirs": self.dirs, "taken_ns": self.taken_ns,
                "changes": self.changes, "passed": self.passed,
                "state_key": self.state_key, "database": self.database,
                "shared": self.shared}

    @classmethod
    def from_json(cls, data: dict) -> "Point":
        """A point as written; one edited to reach outside the sandbox (`..`, an absolute
        path, a path through a link) or to name content that is not a digest is refused."""
        point = cls(int(data["number"]), str(data["did"]), int(data["at"]), int(data["step"]),
                    {str(k): list(v) for k, v in data["files"].items()},
                    [str(d) for d in data["dirs"]], int(data.get("taken_ns", 0)),
                    [str(c) for c in data.get("changes", [])],
                    [int(n) for n in data.get("passed", [])],
                    str(data.get("state_key", "")), str(data.get("database", "")),
                    data.get("shared") is True)
        links = {path for path, entry in point.files.items() if entry[:1] == ["->"]}
        for path in [*point.files, *point.dirs]:
            parts = path.split("/")
            if (not path or path.startswith("/") or "\\" in path
                    or any(part in ("", ".", "..") for part in parts)
                    or any("/".join(parts[:i]) in links for i in range(1, len(parts)))):
                raise ValueError(f"bad path {path!r}")
        for entry in point.files.values():
            if entry[0] == "->":
                if len(entry) != 2 or not isinstance(entry[1], str):
                    raise ValueError("bad link")
            elif not (len(entry) == 5 and isinstance(entry[0], str) and len(entry[0]) == 64
                      and all(c in "0123456789abcdef" for c in entry[0])
                      and all(isinstance(n, int) for n in entry[1:])):
                raise ValueError("bad file entry")
        return point


class History:
    def __init__(self, home: Path, sandbox: Path):
        self.folder = home / "history"
        self.sandbox = sandbox

    @property
    def _points(self) -> Path:
        return self.folder / "points"

    @property
    def _objects(self) -> Path:
        return self.folder / "objects"

    def forget(self) -> None:
        """A new build: a new timeline, and the contents only the old one held go with it
        (the home stays as small as one lesson's timeline)."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def _names(self) -> list[str]:
        try:
            return sorted(p.name for p in self._points.iterdir() if p.suffix == ".json")
        except OSError:
            return []

    def _read(self, name: str) -> Point | None:
        try:
            return Point.from_json(json.loads((self._points / name).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            return None  # a point that cannot be read is left out

    def points(self) -> list[Point]:
        """The timeline, oldest first."""
        return [p for p in map(self._read, self._names()) if p is not None]

    def last(self, names: list[str] | None = None) -> Point | None:
        for name in reversed(self._names() if names is None else names):
            point = self._read(name)
            if point is not None:
                return point
        return None

    def record(self, did: str, step: int, changes: list[str] = (),
               passed: list[int] = (), server: "ServerDatabase | None" = None,
               state_key: str = "", shared_database: str = "",
               keep_database: bool = True) -> Point | None:
        """Take a point of the sandbox as it is now, when it differs from the last one (None:
        nothing changed since). `changes` and `passed`: what the check here saw. On a
        server (`server`), `state_key` tells the database's state, and a new point keeps a
        copy of the database (or names `shared_database`, one that holds this state
        already: the lesson's kept start)."""
        if not self.sandbox.is_dir():
            return None
        names = self._names()
        last = self.last(names)
        now = self._take(last, did, step, (last.number + 1) if last else 0)
        now.changes, now.passed, now.state_key = list(changes), list(passed), state_key
        if last is not None and now.content() == last.content():
            if last.step != step or passed:  # the same files, checked further on
                last.step = step
                last.passed = sorted({*last.passed, *passed})
                self._write(last)
            return None
        if shared_database:
            now.database, now.shared = shared_database, True
        elif server is not None and keep_database:  # (not one that is gone)
            now.database = server.keep(now.number)
        self._write(now)
        bound = KEEP if server is None else ServerDatabase.KEEP
        if len(names) + 1 > bound:
            for name in names[:len(names) + 1 - bound]:
                old = self._read(name)
                (self._points / name).unlink(missing_ok=True)
                if old is not None and old.database and not old.shared and server is not None:
                    server.drop(old.database)
            self._collect()
        return now

    def undo(self, count: int, server: "ServerDatabase | None" = None, state_key: str = "",
             keep_database: bool = True) -> tuple[Point, list[Point]]:
        """Take the sandbox back to how it was `count` points ago; returns that point and the
        points undone (newest last). The sandbox as it is now is taken first, so that work
        the tutor has not seen yet counts as one step back."""
        if count < 1:
            raise TutorError(f"Undo takes a number of commands from 1 up, not {count}.")
        points = self.points()
        if points:
            self.record("", points[-1].step, server=server, state_key=state_key,
                        keep_database=keep_database)
            points = self.points()  # with the one just taken, less any it pruned
        if len(points) <= count:
            can = max(len(points) - 1, 0)
            raise NothingToUndo(
                "There is nothing to undo since the lesson's start." if can == 0 else
                f"Only {can} change{'s' if can != 1 else ''} can be undone since the "
                f"lesson's start, not {count}.",
                "`tutor history` lists them; `tutor reset` starts the lesson over.")
        target, undone = points[-1 - count], points[-count:]
        if server is not None and not target.database:
            raise NothingToUndo("That point of the timeline kept no copy of the database.",
                                "`tutor reset` starts the lesson over.")
        self._restore(target)
        if server is not None:
            server.restore(target.database)
        for point in undone:
            (self._points / f"{point.number:06d}.json").unlink(missing_ok=True)
            if point.database and not point.shared and server is not None:
                server.drop(point.database)
        return target, undone

    # --- snapshots ----------------------------------------------------------------------

    def _take(self, last: Point | None, did: str, step: int, number: int) -> Point:
        taken_ns = time.time_ns()
        known = last.files if last is not None else {}
        trusted_before = (last.taken_ns if last is not None else 0) - RACY_NS
        files: dict[str, list] = {}
        dirs: list[str] = []
        self._objects.mkdir(parents=True, exist_ok=True)
        pending = [(self.sandbox, "")]
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
                        files[path] = self._file(entry, known.get(path), trusted_before)
        return Point(number, did, int(time.time()), step, files, sorted(dirs), taken_ns)

    def _file(self, entry: os.DirEntry, known: list | None, trusted_before: int) -> list:
        found = entry.stat()
        details = [stat.S_IMODE(found.st_mode), found.st_size, found.st_mtime_ns, found.st_ino]
        if (known is not None and known[0] != "->" and known[1:] == details
                and found.st_mtime_ns < trusted_before):
            return known
        data = Path(entry.path).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        kept = self._objects / digest
        if not kept.exists():
            temporary = kept.with_name(f".{digest}.{os.getpid()}.tmp")
            temporary.write_bytes(data)
            os.replace(temporary, kept)
        return [digest, *details]

    def _write(self, point: Point) -> None:
        from .files import write_atomically

        self._points.mkdir(parents=True, exist_ok=True)
        write_atomically(self._points / f"{point.number:06d}.json",
                         json.dumps(point.to_json()), durable=False)

    def _collect(self) -> None:
        """Drop the contents no kept point refers to."""
        used = {entry[0] for point in self.points() for entry in point.files.values()}
        for kept in self._objects.iterdir():
            if kept.name not in used and not kept.name.startswith("."):
                kept.unlink(missing_ok=True)

    # --- restoring -----------------------------------------------------------------------

    @property
    def _restoring(self) -> Path:
        return self.folder / "restoring"

    def _restore(self, point: Point) -> None:
        """Make the sandbox what it was at `point`, in place (a terminal open in it stays
        there). The point is noted first, so that a restore cut short (a SIGKILL) is finished
        by the next tutor (`finish_restore`): each file is replaced whole, and the point and
        the contents it names stay until the restore is done."""
        from .files import write_atomically

        write_atomically(self._restoring, str(point.number))
        self._apply(point)
        self._restoring.unlink(missing_ok=True)

    def restoring(self) -> bool:
        """Whether a restore was cut short (see `finish_restore`)."""
        return self._restoring.exists()

    def finish_restore(self) -> bool:
        """Finish a restore that was cut short; True when there was one."""
        try:
            number = int(self._restoring.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        point = self._read(f"{number:06d}.json")
        if point is not None and self.sandbox.is_dir():
            self._apply(point)
        self._restoring.unlink(missing_ok=True)
        return True

    def _apply(self, point: Point) -> None:
        wanted_dirs = set(point.dirs)
        # What the point does not hold goes, deepest first (a folder once it is empty).
        for folder, subfolders, names in os.walk(self.sandbox, topdown=False):
            relative = os.path.relpath(folder, self.sandbox)
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
        for folder in sorted(wanted_dirs):
            target = self.sandbox / folder
            if target.is_symlink() or (target.exists() and not target.is_dir()):
                target.unlink()
            target.mkdir(parents=True, exist_ok=True)
        for path, entry in point.files.items():
            target = self.sandbox / path
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
            temporary = target.with_name(f".{target.name}.{os.getpid()}.undo")
            shutil.copyfile(self._objects / entry[0], temporary)
            os.chmod(temporary, entry[1] & 0o7777)
            os.replace(temporary, target)  # whole: a reader sees the old file or the new


class ServerDatabase:
    """The sandbox's database on a server, and the tutor's copies of it kept by the points
    (named after it, so that the next build's worker drops them with it)."""

    KEEP = 10  # each copy is a whole database on the server

    def __init__(self, owned, name: str):
        self.owned, self.name = owned, name

    def keep(self, number: int) -> str:
        copy = f"{self.name}_u{number}"
        self.owned.copy(self.name, copy)
        return copy

    def restore(self, copy: str) -> None:
        try:
            self.owned.copy(copy, self.name)
        except TutorError:
            raise
        except Exception as error:  # a copy dropped by hand, say: the driver's own error
            raise TutorError(f"The tutor's copy {copy} of the sandbox's database could not be "
                             f"restored: {str(error).strip()}",
                             "`tutor reset` starts the lesson over.") from None

    def drop(self, copy: str) -> None:
        self.owned.drop(copy)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()

"""The sandbox's timeline within one build of a lesson: a snapshot of its files (its SQLite
databases and its git repository among them) at each point the tutor sees it, so that
`tutor undo` can take it back to any of them and `tutor history` can list them.

A point is taken before each command the session runs and at each check (whatever the
terminal the work was done in), and only when something changed since the last one. A file's
content is kept once, under its SHA-256 (`HOME/history/objects/`), and each point is a small
manifest (`HOME/history/points/NNNNNN.json`): a snapshot of an unchanged sandbox writes no
content, and one after a migrate writes the database file alone. A reset starts a new
timeline: undo never crosses it. The last `KEEP` points are kept, with what they refer to. An undo
restores the sandbox in place, file by file (a terminal open in it stays valid).

Nothing the learner wrote is lost by an undo: the sandbox as it is is taken as a point first,
and the points an undo takes back are kept aside (`HOME/history/undone/`, with the stack of
undos in `undos.json`), so that `tutor redo` brings them back. A restore never follows a link
out of the sandbox (the sandbox itself must be the tutor's own folder, as a reset requires),
and never writes or deletes through one. A restore is noted first in `history/restoring`
(written atomically), with all it needs to be finished: a restore cut short (a SIGKILL, a full
disk) is finished by the next tutor, files, timeline and progress alike.

On a server the database is no file in the sandbox: a point is taken where the state was
read (a check), told apart by a digest of that state, and keeps a copy of the database on
the server (`ServerDatabase`), which undo copies back.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from .exceptions import TutorError
from .files import read_json
from .home_layout import (HISTORY, HISTORY_OBJECTS, HISTORY_POINTS, HISTORY_RESTORING, HISTORY_UNDONE,
                          HISTORY_UNDOS)
from .markup import printable

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
        folders = set(point.dirs)
        for path in [*point.files, *point.dirs]:
            parts = path.split("/")
            if (not path or path.startswith("/") or "\\" in path
                    or any(part in ("", ".", "..") for part in parts)
                    or any("/".join(parts[:i]) in links for i in range(1, len(parts)))
                    or any("/".join(parts[:i]) not in folders for i in range(1, len(parts)))):
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


class Undo:
    """One undo, as the stack of undos keeps it (for `tutor redo`) and as a restore in progress
    names it (to finish it): the point it went back to, the points it took back (oldest first;
    the last is the sandbox as it was), and the lesson's progress before and after it (what
    the workspace writes; the timeline keeps it as it is given)."""

    def __init__(self, id: str, lesson: str, target: int, undone: list[int], before: dict,
                 after: dict):
        self.id, self.lesson, self.target, self.undone = id, lesson, target, undone
        self.before, self.after = before, after

    def to_json(self) -> dict:
        return {"id": self.id, "lesson": self.lesson, "target": self.target,
                "undone": self.undone, "before": self.before, "after": self.after}

    @classmethod
    def from_json(cls, data: dict) -> "Undo":
        undone = [int(n) for n in data["undone"]]
        if not undone or not isinstance(data["before"], dict) \
                or not isinstance(data["after"], dict):
            raise ValueError("bad undo")
        return cls(str(data["id"]), str(data["lesson"]), int(data["target"]), undone,
                   data["before"], data["after"])


class Restoring:
    """A restore under way, as `history/restoring` notes it before the first file changes:
    an undo (`kind` "undo", one entry) or a redo (the undos it takes back, newest first), and
    the point the sandbox is made into."""

    def __init__(self, kind: str, point: int, undos: list[Undo]):
        self.kind, self.point, self.undos = kind, point, undos

    def to_json(self) -> dict:
        return {"kind": self.kind, "point": self.point,
                "undos": [undo.to_json() for undo in self.undos]}

    @classmethod
    def from_json(cls, data) -> "Restoring":
        if type(data) is int:  # written by an older tutor: the point alone
            return cls("undo", data, [])
        if data["kind"] not in ("undo", "redo"):
            raise ValueError("bad kind")
        return cls(data["kind"], int(data["point"]), [Undo.from_json(u) for u in data["undos"]])


class History:
    def __init__(self, home: Path, sandbox: Path):
        self.folder = home / HISTORY
        self.sandbox = sandbox
        # The points that could not be read (a file damaged or edited): left out, and named
        # here so that the commands that list the timeline can say so.
        self.damaged: dict[str, str] = {}

    @property
    def _points(self) -> Path:
        return self.folder / HISTORY_POINTS

    @property
    def _undone(self) -> Path:
        return self.folder / HISTORY_UNDONE

    @property
    def _objects(self) -> Path:
        return self.folder / HISTORY_OBJECTS

    @property
    def _undos(self) -> Path:
        return self.folder / HISTORY_UNDOS

    def forget(self) -> None:
        """A new build: a new timeline, and the contents only the old one held go with it
        (the home stays as small as one lesson's timeline)."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def _names(self, folder: Path | None = None) -> list[str]:
        try:
            return sorted(p.name for p in (folder or self._points).iterdir()
                          if p.suffix == ".json" and not p.name.startswith("."))
        except OSError:
            return []

    def _read(self, name: str, folder: Path | None = None) -> Point | None:
        path = (folder or self._points) / name
        try:
            return Point.from_json(read_json(path))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
            # A point that cannot be read (ValueError: DamagedJson too, 100 000 brackets
            # deep) is left out, and said.
            why = getattr(error, "strerror", None) or str(error) or type(error).__name__
            self.damaged[str(path.relative_to(self.folder.parent))] = why[:200]
            return None

    def points(self) -> list[Point]:
        """The timeline, oldest first."""
        return [p for p in map(self._read, self._names()) if p is not None]

    def undone_points(self) -> list[Point]:
        """The points undos took back, oldest first: what `tutor redo` can bring back."""
        return [p for p in (self._read(name, self._undone) for name in self._names(self._undone))
                if p is not None]

    def last(self, names: list[str] | None = None) -> Point | None:
        for name in reversed(self._names() if names is None else names):
            point = self._read(name)
            if point is not None:
                return point
        return None

    def _next_number(self, names: list[str]) -> int:
        """After every point there is, the undone ones too (a redo puts them back in order)."""
        numbers = [int(name[:-5]) for name in [*names, *self._names(self._undone)]
                   if name[:-5].isdigit()]
        return max(numbers) + 1 if numbers else 0

    def record(self, did: str, step: int, changes: list[str] = (),
               passed: list[int] = (), server: "ServerDatabase | None" = None,
               state_key: str = "", shared_database: str = "",
               keep_database: bool = True) -> Point | None:
        """Take a point of the sandbox as it is now, when it differs from the last one (None:
        nothing changed since). `changes` and `passed`: what the check here saw. On a
        server (`server`), `state_key` tells the database's state, and a new point keeps a
        copy of the database (or names `shared_database`, one that holds this state
        already: the lesson's kept start). A sandbox that is a link is not read (see
        `require_own_sandbox`)."""
        if not self.sandbox.is_dir() or self.sandbox.is_symlink() or self._restoring.exists():
            return None  # (a restore cut short: the next tutor finishes it first)
        names = self._names()
        last = self.last(names)
        now = self._take(last, did, step, self._next_number(names))
        now.changes, now.passed, now.state_key = list(changes), list(passed), state_key
        if last is not None and now.content() == last.content():
            if last.step != step or passed:  # the same files, checked further on
                last.step = step
                last.passed = sorted({*last.passed, *passed})
                last.changes += [change for change in changes if change not in last.changes]
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
                self._drop(self._points / name, server)
            self._collect()
        return now

    def _drop(self, path: Path, server: "ServerDatabase | None") -> None:
        old = self._read(path.name, path.parent)
        path.unlink(missing_ok=True)
        if old is not None and old.database and not old.shared and server is not None:
            server.drop(old.database)

    # --- undo and redo --------------------------------------------------------------------

    def plan_undo(self, count: int, server: "ServerDatabase | None" = None,
                  state_key: str = "", keep_database: bool = True
                  ) -> tuple[Point, list[Point]]:
        """The point `count` points ago and the points an undo to it takes back (newest last).
        The sandbox as it is now is taken first, so that work the tutor has not seen yet
        counts as one step back (and is kept, for a redo)."""
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
        return target, undone

    def undos(self) -> list[Undo]:
        """The stack of undos a redo can take back, oldest first."""
        try:
            return [Undo.from_json(entry) for entry in read_json(self._undos)]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.damaged[str(self._undos.relative_to(self.folder.parent))] = "damaged"
            return []

    def redo_waiting(self) -> bool:
        """Whether the last undo can be redone from where the timeline stands (a change not
        seen yet still refuses it: see `plan_redo`)."""
        stack = self.undos()
        last = self.last()
        return bool(stack) and last is not None and stack[-1].target == last.number

    def plan_redo(self, count: int, server: "ServerDatabase | None" = None,
                  state_key: str = "") -> tuple[Point, list[Undo]]:
        """The point a redo of the last `count` undos goes to, and those undos (newest first).
        Refused when there are not so many, or when the sandbox moved on since (new work:
        a redo would lose it; undoing that work first makes the redo possible again)."""
        if count < 1:
            raise TutorError(f"Redo takes a number of undos from 1 up, not {count}.")
        stack = self.undos()
        if not stack:
            raise NothingToUndo("There is nothing to redo: no undo since the lesson's start "
                                "is waiting to be taken back.",
                                "`tutor history` lists the timeline.")
        if len(stack) < count:
            raise NothingToUndo(f"Only {len(stack)} undo{'s' if len(stack) != 1 else ''} "
                                f"can be redone, not {count}.",
                                "`tutor history` lists what each brings back.")
        last = self.last()
        moved_on = last is None or self.record("", last.step, server=server,
                                               state_key=state_key) is not None
        taken = list(reversed(stack))[:count]
        at = last.number if last is not None else None
        for undo in taken:
            if moved_on or undo.target != at:
                raise NothingToUndo(
                    "There is nothing to redo here: the sandbox changed since that undo "
                    "(a redo would take that work away), so nothing was changed.",
                    "`tutor history` lists what each undo took back, and which `tutor redo` "
                    "still brings it back.")
            at = undo.undone[-1]
        point = self._read(f"{at:06d}.json", self._undone)
        if point is None:
            raise NothingToUndo("The point that undo took back could not be read, so it "
                                "cannot be redone.", "`tutor history` lists the timeline.")
        if server is not None and not point.database:
            raise NothingToUndo("That point of the timeline kept no copy of the database.",
                                "`tutor reset` starts the lesson over.")
        return point, taken

    def begin(self, restoring: Restoring) -> None:
        """Note the restore about to start, with what finishing it takes (atomically: the
        next tutor reads the whole note or none)."""
        from .files import write_atomically

        write_atomically(self._restoring, json.dumps(restoring.to_json()))

    def find(self, number: int) -> Point | None:
        """Point `number`, in the timeline or taken back by an undo (None: neither)."""
        name = f"{number:06d}.json"
        return self._read(name) or self._read(name, self._undone)

    def restore(self, restoring: Restoring, server: "ServerDatabase | None" = None) -> None:
        """Make the sandbox (and on a server, its database) what it was at the noted point."""
        point = self.find(restoring.point)
        if point is None:
            return  # gone (an old note): the timeline is settled as it is
        self._apply(point)
        if server is not None and point.database:
            server.restore(point.database)

    def move_points_for(self, restoring: Restoring, server: "ServerDatabase | None" = None) -> None:
        """The timeline after the restore: an undo's points go aside and it joins the stack;
        a redo's come back and its undos leave the stack. Each part may be done already (a
        restore cut short and finished again): each is done once."""
        from .files import write_atomically

        stack = self.undos()
        if restoring.kind == "undo":
            self._undone.mkdir(parents=True, exist_ok=True)
            for undo in restoring.undos:
                for number in undo.undone:
                    name = f"{number:06d}.json"
                    if (self._points / name).exists():
                        os.replace(self._points / name, self._undone / name)
                if all(kept.id != undo.id for kept in stack):
                    stack.append(undo)
            stack = self._bounded(stack, server)
        else:
            for undo in restoring.undos:
                for number in undo.undone:
                    name = f"{number:06d}.json"
                    if (self._undone / name).exists():
                        self._points.mkdir(parents=True, exist_ok=True)
                        os.replace(self._undone / name, self._points / name)
            taken = {undo.id for undo in restoring.undos}
            stack = [undo for undo in stack if undo.id not in taken]
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomically(self._undos, json.dumps([undo.to_json() for undo in stack]),
                         durable=False)

    def _bounded(self, stack: list[Undo], server: "ServerDatabase | None") -> list[Undo]:
        """The oldest undos go once the points they keep aside are more than the timeline
        keeps (on a server each is a copy of the database)."""
        bound = KEEP if server is None else ServerDatabase.KEEP
        dropped = False
        while sum(len(undo.undone) for undo in stack) > bound and len(stack) > 1:
            for number in stack.pop(0).undone:
                self._drop(self._undone / f"{number:06d}.json", server)
            dropped = True
        if dropped:
            self._collect()
        return stack

    def keep_work_since(self, restoring: Restoring) -> list[str]:
        """Before an undo cut short is finished: work written in the sandbox since it was cut
        (files neither the point it goes back to nor the sandbox as the undo found it holds)
        is kept, on top of the sandbox as the undo found it, as a point the undo takes back
        too, its last: the one `tutor redo` brings back. Returns those files (control characters made visible); [] when there are none,
        and then nothing is kept. The note is written again, naming the new point."""
        if restoring.kind != "undo" or not restoring.undos:
            return []
        undo = restoring.undos[0]
        target, found = self.find(restoring.point), self.find(undo.undone[-1])
        if target is None or found is None:
            return []
        names = self._names()
        now = self._take(self.last(names), "", found.step, self._next_number(names))
        known = {(path, entry[0]) for point in (target, found)
                 for path, entry in point.files.items()}
        new = sorted(path for path, entry in now.files.items()
                     if (path, entry[0]) not in known and not path.startswith(".git/"))
        if not new:
            return []
        # The sandbox as the undo found it, with the new work on top (the restore cut short
        # may have taken files away already: those come back with the rest).
        kept = Point(now.number, "", now.at, found.step,
                     {**found.files, **{path: now.files[path] for path in new}},
                     sorted({*found.dirs, *now.dirs}), now.taken_ns)
        self._write(kept)
        undo.undone.append(kept.number)
        self.begin(restoring)
        return [printable(path) for path in new]

    def finished(self) -> None:
        """The restore noted is done, timeline and progress alike."""
        self._restoring.unlink(missing_ok=True)

    def interrupted(self) -> Restoring | None:
        """A restore that was cut short (see `begin`); None when there is none."""
        try:
            return Restoring.from_json(read_json(self._restoring))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return Restoring("undo", -1, [])  # a note damaged: nothing to restore to

    def differences(self, now: Point, then: Point) -> list[str]:
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
        used = {entry[0] for point in [*self.points(), *self.undone_points()]
                for entry in point.files.values()}
        for kept in self._objects.iterdir():
            if kept.name not in used and not kept.name.startswith("."):
                kept.unlink(missing_ok=True)

    # --- restoring -----------------------------------------------------------------------

    @property
    def _restoring(self) -> Path:
        return self.folder / HISTORY_RESTORING

    def _apply(self, point: Point) -> None:
        """Make the sandbox hold what `point` holds, in place: each file is replaced whole,
        and a link found in the sandbox is replaced or removed as a link, never followed."""
        if self.sandbox.is_symlink() or not self.sandbox.is_dir():
            raise TutorError(f"{printable(str(self.sandbox))} is not the tutor's own folder: "
                             "undo never changes files through it.")
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
            # A name that fits whatever the file's own (255 bytes at most): its content's.
            temporary = target.with_name(f".{entry[0][:16]}.{os.getpid()}.undo")
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

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

`History` keeps the points; `snapshots.py` takes and applies them, `timeline_points.py`
declares what each holds, and `undo_stack.py` keeps the stack of undos a redo takes back.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .exceptions import TutorError
from .files import read_json
from .home_layout import (HISTORY, HISTORY_OBJECTS, HISTORY_POINTS, HISTORY_RESTORING,
                          HISTORY_UNDONE, HISTORY_UNDOS)
from .snapshots import apply, take
# What the timeline keeps is declared in `timeline_points.py`; its names are also taken from
# here, where the timeline's readers have always found them.
from .timeline_points import Point, Restoring, ServerDatabase, Undo  # noqa: F401

KEEP = 50
# What a point no command of the tutor's led to is called (work in another terminal, a file
# edited, a command the shell kept out of its history).
UNNAMED = "changes made outside the tutor's commands"
class NothingToUndo(TutorError):
    """An undo or a redo refused: the timeline holds nothing to go to, and says why."""
    pass


class History:
    """The timeline's points in one home, oldest first: taken, read, pruned to the last
    `KEEP`, and the note of a restore under way (`begin`, `restore`, `finished`)."""

    def __init__(self, home: Path, sandbox: Path):
        self.folder = home / HISTORY
        self.sandbox = sandbox
        # The points that could not be read (a file damaged or edited): left out, and named
        # here so that the commands that list the timeline can say so.
        self.damaged: dict[str, str] = {}

    @property
    def points_folder(self) -> Path:
        return self.folder / HISTORY_POINTS

    @property
    def undone_folder(self) -> Path:
        return self.folder / HISTORY_UNDONE

    @property
    def objects(self) -> Path:
        return self.folder / HISTORY_OBJECTS

    @property
    def undos_file(self) -> Path:
        return self.folder / HISTORY_UNDOS

    def forget(self) -> None:
        """A new build: a new timeline, and the contents only the old one held go with it
        (the home stays as small as one lesson's timeline)."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def names(self, folder: Path | None = None) -> list[str]:
        try:
            return sorted(p.name for p in (folder or self.points_folder).iterdir()
                          if p.suffix == ".json" and not p.name.startswith("."))
        except OSError:
            return []

    def read_point(self, name: str, folder: Path | None = None) -> Point | None:
        path = (folder or self.points_folder) / name
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
        return [p for p in map(self.read_point, self.names()) if p is not None]

    def undone_points(self) -> list[Point]:
        """The points undos took back, oldest first: what `tutor redo` can bring back."""
        folder = self.undone_folder
        return [p for p in (self.read_point(name, folder) for name in self.names(folder))
                if p is not None]

    def last(self, names: list[str] | None = None) -> Point | None:
        for name in reversed(self.names() if names is None else names):
            point = self.read_point(name)
            if point is not None:
                return point
        return None

    def next_number(self, names: list[str]) -> int:
        """After every point there is, the undone ones too (a redo puts them back in order)."""
        numbers = [int(name[:-5]) for name in [*names, *self.names(self.undone_folder)]
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
        names = self.names()
        last = self.last(names)
        now = take(self.sandbox, self.objects, last, did, step, self.next_number(names))
        now.changes, now.passed, now.state_key = list(changes), list(passed), state_key
        if last is not None and now.content() == last.content():
            if last.step != step or passed:  # the same files, checked further on
                last.step = step
                last.passed = sorted({*last.passed, *passed})
                last.changes += [change for change in changes if change not in last.changes]
                self.write(last)
            return None
        if shared_database:
            now.database, now.shared = shared_database, True
        elif server is not None and keep_database:  # (not one that is gone)
            now.database = server.keep(now.number)
        self.write(now)
        bound = KEEP if server is None else ServerDatabase.KEEP
        if len(names) + 1 > bound:
            for name in names[:len(names) + 1 - bound]:
                self.drop_point(self.points_folder / name, server)
            self.collect()
        return now

    def drop_point(self, path: Path, server: "ServerDatabase | None") -> None:
        old = self.read_point(path.name, path.parent)
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
            return [Undo.from_json(entry) for entry in read_json(self.undos_file)]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.damaged[str(self.undos_file.relative_to(self.folder.parent))] = "damaged"
            return []

    def redo_waiting(self) -> bool:
        """Whether the last undo can be redone from where the timeline stands (a change not
        seen yet still refuses it: see `plan_redo`)."""
        stack = self.undos()
        last = self.last()
        return bool(stack) and last is not None and stack[-1].target == last.number

    def begin(self, restoring: Restoring) -> None:
        """Note the restore about to start, with what finishing it takes (atomically: the
        next tutor reads the whole note or none)."""
        from .files import write_atomically

        write_atomically(self._restoring, json.dumps(restoring.to_json()))

    def find(self, number: int) -> Point | None:
        """Point `number`, in the timeline or taken back by an undo (None: neither)."""
        name = f"{number:06d}.json"
        return self.read_point(name) or self.read_point(name, self.undone_folder)

    def restore(self, restoring: Restoring, server: "ServerDatabase | None" = None) -> None:
        """Make the sandbox (and on a server, its database) what it was at the noted point."""
        point = self.find(restoring.point)
        if point is None:
            return  # gone (an old note): the timeline is settled as it is
        apply(self.sandbox, self.objects, point)
        if server is not None and point.database:
            server.restore(point.database)

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

    def write(self, point: Point) -> None:
        from .files import write_atomically

        self.points_folder.mkdir(parents=True, exist_ok=True)
        write_atomically(self.points_folder / f"{point.number:06d}.json",
                         json.dumps(point.to_json()), durable=False)

    def collect(self) -> None:
        """Drop the contents no kept point refers to."""
        used = {entry[0] for point in [*self.points(), *self.undone_points()]
                for entry in point.files.values()}
        for kept in self.objects.iterdir():
            if kept.name not in used and not kept.name.startswith("."):
                kept.unlink(missing_ok=True)

    @property
    def _restoring(self) -> Path:
        return self.folder / HISTORY_RESTORING

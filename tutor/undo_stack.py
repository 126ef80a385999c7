"""The stack of undos a redo can take back (`HOME/history/undos.json`): a redo planned,
the timeline's points moved aside by an undo or back by a redo, and work written after an
undo was cut short kept for a redo. It works on a `History`'s folders and points.
"""

from __future__ import annotations

import json
import os

from .exceptions import TutorError
from .history import KEEP, History, NothingToUndo
from .markup import printable
from .snapshots import take
from .timeline_points import Point, Restoring, ServerDatabase, Undo


class UndoStack:
    """The undos of one timeline, and what a redo of them needs."""

    def __init__(self, history: History):
        self.history = history

    def plan_redo(self, count: int, server: ServerDatabase | None = None,
                  state_key: str = "") -> tuple[Point, list[Undo]]:
        """The point a redo of the last `count` undos goes to, and those undos (newest first).
        Refused when there are not so many, or when the sandbox moved on since (new work:
        a redo would lose it; undoing that work first makes the redo possible again)."""
        if count < 1:
            raise TutorError(f"Redo takes a number of undos from 1 up, not {count}.")
        stack = self.history.undos()
        if not stack:
            raise NothingToUndo("There is nothing to redo: no undo since the lesson's start "
                                "is waiting to be taken back.",
                                "`tutor history` lists the timeline.")
        if len(stack) < count:
            raise NothingToUndo(f"Only {len(stack)} undo{'s' if len(stack) != 1 else ''} "
                                f"can be redone, not {count}.",
                                "`tutor history` lists what each brings back.")
        last = self.history.last()
        moved_on = last is None or self.history.record("", last.step, server=server,
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
        point = self.history.read_point(f"{at:06d}.json", self.history.undone_folder)
        if point is None:
            raise NothingToUndo("The point that undo took back could not be read, so it "
                                "cannot be redone.", "`tutor history` lists the timeline.")
        if server is not None and not point.database:
            raise NothingToUndo("That point of the timeline kept no copy of the database.",
                                "`tutor reset` starts the lesson over.")
        return point, taken

    def move_points_for(self, restoring: Restoring,
                        server: ServerDatabase | None = None) -> None:
        """The timeline after the restore: an undo's points go aside and it joins the stack;
        a redo's come back and its undos leave the stack. Each part may be done already (a
        restore cut short and finished again): each is done once."""
        from .files import write_atomically

        stack = self.history.undos()
        points, undone = self.history.points_folder, self.history.undone_folder
        if restoring.kind == "undo":
            undone.mkdir(parents=True, exist_ok=True)
            for undo in restoring.undos:
                for number in undo.undone:
                    name = f"{number:06d}.json"
                    if (points / name).exists():
                        os.replace(points / name, undone / name)
                if all(kept.id != undo.id for kept in stack):
                    stack.append(undo)
            stack = self._bounded(stack, server)
        else:
            for undo in restoring.undos:
                for number in undo.undone:
                    name = f"{number:06d}.json"
                    if (undone / name).exists():
                        points.mkdir(parents=True, exist_ok=True)
                        os.replace(undone / name, points / name)
            taken = {undo.id for undo in restoring.undos}
            stack = [undo for undo in stack if undo.id not in taken]
        self.history.folder.mkdir(parents=True, exist_ok=True)
        write_atomically(self.history.undos_file,
                         json.dumps([undo.to_json() for undo in stack]), durable=False)

    def _bounded(self, stack: list[Undo], server: ServerDatabase | None) -> list[Undo]:
        """The oldest undos go once the points they keep aside are more than the timeline
        keeps (on a server each is a copy of the database)."""
        bound = KEEP if server is None else ServerDatabase.KEEP
        dropped = False
        while sum(len(undo.undone) for undo in stack) > bound and len(stack) > 1:
            for number in stack.pop(0).undone:
                self.history.drop_point(self.history.undone_folder / f"{number:06d}.json",
                                        server)
            dropped = True
        if dropped:
            self.history.collect()
        return stack

    def keep_work_since(self, restoring: Restoring) -> list[str]:
        """Before an undo cut short is finished: work written in the sandbox since it was cut
        (files neither the point it goes back to nor the sandbox as the undo found it holds)
        is kept, on top of the sandbox as the undo found it, as a point the undo takes back
        too, its last: the one `tutor redo` brings back. Returns those files (control
        characters made visible); [] when there are none, and then nothing is kept. The note
        is written again, naming the new point."""
        if restoring.kind != "undo" or not restoring.undos:
            return []
        undo = restoring.undos[0]
        target, found = self.history.find(restoring.point), self.history.find(undo.undone[-1])
        if target is None or found is None:
            return []
        history = self.history
        names = history.names()
        now = take(history.sandbox, history.objects, history.last(names), "", found.step,
                   history.next_number(names))
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
        self.history.write(kept)
        undo.undone.append(kept.number)
        self.history.begin(restoring)
        return [printable(path) for path in new]

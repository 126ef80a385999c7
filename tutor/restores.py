"""Undo and redo: the sandbox taken back (or forward) to a point of its timeline, and the
learner's progress with it, whole even when cut short (see `history.py` for the timeline and
the note a restore begins with).

Each restore is noted before its first file changes and carried out by `finish_restore`,
which the next tutor runs again on a restore cut short (a SIGKILL, a full disk): each part
(files, timeline, progress, journal) is done once. These functions work on a `Workspace`'s
parts under its lock (`undo_points`, `redo_points`); the workspace's `undo` and `redo` call
`restore`, which returns the restore and the check after it as one report.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator

from .exceptions import TutorError, UnsafeHome
from .history import Point, Restoring, Undo
from .snapshots import differences
from .undo_stack import UndoStack
from .markup import printable
from .progress import LessonProgress, now

if TYPE_CHECKING:
    from .json_reports import RestoreReport
    from .sandbox import Sandbox
    from .state import SandboxState
    from .workspace import Workspace


def require_own_sandbox(sandbox: Sandbox, doing: str = "undo and redo") -> None:
    """Undo and redo change the sandbox file by file, and solve runs the lesson's
    commands in it: only in the tutor's own folder, by the rule a reset follows
    (`sandbox.is_ours`), never through a link elsewhere."""
    from .sandbox import is_ours

    path = sandbox.path
    if path.is_symlink():
        try:
            where = f" to {printable(os.readlink(path))}"
        except OSError:
            where = ""
        raise UnsafeHome(f"{printable(str(path))} is a link{where}, not the tutor's own "
                         f"folder: {doing} never follow a link out of the sandbox, "
                         "so nothing was changed.",
                         "Move the link away, then `tutor reset` builds a sandbox there "
                         "(the files where it points stay as they are).")
    if not is_ours(path):
        raise UnsafeHome(f"{printable(str(path))} was not made by the tutor, so {doing} "
                         "will not change it.",
                         "Move it away (or choose another --home), then run `tutor reset`.")


def _a_restore(kind: str) -> str:
    return "An undo" if kind == "undo" else "A redo"


@dataclass(frozen=True)
class Undone:
    """What an undo (or a redo) did: the point the sandbox went to, the points it took back
    (or brought back), oldest first, and what it did to the sandbox's files, line by line."""
    point: Point
    points: list[Point]
    files: list[str]


@contextlib.contextmanager
def _finished_before_interrupt(told: Callable[[str], object] | None,
                               doing: str) -> Iterator[None]:
    """A Ctrl-C during a restore waits for it to finish (the sandbox is never left half
    restored), then interrupts; `told` hears so at once."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []

    def note(signum, frame) -> None:
        if not pressed and told is not None:
            told(f"Ctrl-C: the {doing} is finished first, so that the sandbox is not left "
                 "half restored...")
        pressed.append(signum)

    previous = signal.signal(signal.SIGINT, note)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _not_begun_said(doing: str) -> Iterator[None]:
    """The note a restore begins with, refused by the operating system (a full disk): no
    file was touched yet, and the message says so."""
    try:
        yield
    except OSError as error:
        import errno

        raise TutorError(f"The {doing} could not begin: the operating system refused: "
                         f"{error.strerror or error}. Nothing was changed.",
                         f"Free some space on the disk, then run `tutor {doing}` again."
                         if error.errno == errno.ENOSPC else
                         f"Run `tutor {doing}` again once that is mended.") from None


@contextlib.contextmanager
def _cut_short_said(doing: str) -> Iterator[None]:
    """A restore the operating system stopped (a full disk): said as what it left, and
    what finishes it."""
    try:
        yield
    except OSError as error:
        import errno

        where = f" ({printable(str(error.filename))})" if error.filename else ""
        raise TutorError(f"The {doing} was cut short: the operating system refused: "
                         f"{error.strerror or error}{where}. The sandbox may be half "
                         f"restored; the next tutor command finishes the {doing}.",
                         "Free some space on the disk, then run any tutor command."
                         if error.errno == errno.ENOSPC else
                         "Run any tutor command once that is mended.") from None


def restore(workspace: Workspace, count: int, redo: bool,
            told: Callable[[str], object] | None = None,
            since: SandboxState | None = None) -> RestoreReport:
    """`tutor undo` or `tutor redo`, as one report: the restore (see `undo` and `redo`), then
    the check of where it left the sandbox. Its verdict is in the report; the restore was
    done even when the sandbox went back to a state Django cannot read (the report's
    `problem`). "What changed" is said against `since` (default: the state before)."""
    from .json_reports import RestoreReport  # (every command opens this module: not theirs)

    before = since if since is not None else _state_or_none(workspace)
    done = (redo_points if redo else undo_points)(workspace, count, told)
    name = "redo" if redo else "undo"
    if not redo:
        workspace.tell_class("undo", {"count": max(1, len(done.points))})
    did = f"tutor {name} {count}" if count != 1 else f"tutor {name}"
    check, problem = None, None
    try:
        check = workspace.check(did=did, since=before)
    except TutorError as error:  # (the sandbox gone back to a state Django cannot read)
        problem = error
    changes = check.changes if before is not None and check is not None else []
    return RestoreReport(redo=redo, done=done, changes=changes, check=check, problem=problem)


def _state_or_none(workspace: Workspace) -> SandboxState | None:
    try:
        return workspace.read_state()
    except TutorError:
        return None  # a sandbox broken enough not to be read: undo is how it mends


def undo_points(workspace: Workspace, count: int = 1,
         told: Callable[[str], object] | None = None) -> Undone:
    """Take the sandbox back `count` points of its timeline; progress follows it: a step
    passed since is not passed any more. The sandbox as it was is kept (`redo` brings it
    back). `told` hears that a Ctrl-C waits for the restore to finish."""
    import time

    with workspace.locked_home():
        lesson = workspace.current_lesson()
        workspace.require_lesson_sandbox(lesson)
        require_own_sandbox(workspace.sandbox)
        server, state_key, keep = workspace.timeline.server_now(workspace.read_state)
        target, undone = workspace.history.plan_undo(count, server=server,
                                                     state_key=state_key, keep_database=keep)
        progress = workspace.lesson_progress(lesson)
        after = LessonProgress.from_json(progress.to_json())
        after.take_back(target.step, target.at, len(lesson.steps))
        entry = Undo(str(time.time_ns()), lesson.id, target.number,
                     [point.number for point in undone], progress.marks(), after.marks())
        files = differences(undone[-1], target)
        _noted_and_finished(workspace, Restoring("undo", target.number, [entry]), server, told)
    return Undone(target, undone, files)


def redo_points(workspace: Workspace, count: int = 1,
         told: Callable[[str], object] | None = None) -> Undone:
    """Take back the last `count` undos: the sandbox and progress as they were before
    them. Refused when there is nothing to redo, or when the sandbox changed since."""
    with workspace.locked_home():
        lesson = workspace.current_lesson()
        workspace.require_lesson_sandbox(lesson)
        require_own_sandbox(workspace.sandbox)
        server, state_key, _ = workspace.timeline.server_now(workspace.read_state)
        point, undos = UndoStack(workspace.history).plan_redo(count, server=server,
                                                              state_key=state_key)
        now = workspace.history.last()
        files = differences(now, point) if now is not None else []
        redone = [p for p in (workspace.history.find(number) for undo in reversed(undos)
                              for number in undo.undone) if p is not None]
        _noted_and_finished(workspace, Restoring("redo", point.number, undos), server, told)
    return Undone(point, redone, files)


def _noted_and_finished(workspace: Workspace, restoring: Restoring, server,
                        told: Callable[[str], object] | None) -> None:
    """Note the restore, then carry it out whole: a Ctrl-C waits for it to finish, and what
    the operating system refuses is said as what it left."""
    with _finished_before_interrupt(told, restoring.kind):
        with _not_begun_said(restoring.kind):
            workspace.history.begin(restoring)
        with _cut_short_said(restoring.kind):
            finish_restore(workspace, restoring, server)


def finish_restore(workspace: Workspace, restoring: Restoring, server=None) -> None:
    """Carry out a restore noted in the timeline, whole: the files (and a server's
    database), the timeline, progress and the journal; then the note goes. Done again
    from the start, it does each part once (how the next tutor finishes one cut short)."""
    workspace.history.restore(restoring, server)
    UndoStack(workspace.history).move_points_for(restoring, server)
    if restoring.undos:
        undo = restoring.undos[0] if restoring.kind == "undo" else restoring.undos[-1]
        marks = undo.after if restoring.kind == "undo" else undo.before
        progress = workspace.progress.of(undo.lesson)
        with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
            progress.put_marks(marks)
            workspace.progress.begin(undo.lesson, progress.step, now())
        workspace.progress.current = undo.lesson
        workspace.save()
        points = [workspace.history.find(number) for u in restoring.undos
                  for number in sorted(u.undone)]
        workspace.journal.restored(restoring.kind, undo.lesson,
                                   [p.did for p in reversed(points) if p is not None])
    workspace.history.finished()


def finish_interrupted_restore(workspace: Workspace) -> None:
    """An undo or redo cut short (a SIGKILL, a full disk): finished now, whole. Never in a
    sandbox that is not the tutor's own (undo refuses it, saying why)."""
    if workspace.history.interrupted() is None:
        return
    with workspace.locked_home():
        restoring = workspace.history.interrupted()  # read again: the undo may be under
        if restoring is None:                        # way in another tutor, which held the lock
            return
        try:
            require_own_sandbox(workspace.sandbox)
        except TutorError:
            return
        if restoring.point < 0:  # the note itself cannot be read: nothing to finish by
            workspace.history.finished()
            workspace.restore_note = (
                "An undo or redo was cut short, and its note (history/restoring in the "
                "home) could not be read, so it could not be finished: the sandbox may be "
                "half restored. `tutor history` lists the points `tutor undo` goes back "
                "to; `tutor reset` starts the lesson over.")
            return
        try:
            server = (workspace.timeline.server_database()
                      if workspace.sandbox.built_on() != "sqlite" else None)
            kept = UndoStack(workspace.history).keep_work_since(restoring) if server is None else []
            finish_restore(workspace, restoring, server)
            shown = ", ".join(kept[:10]) + (f" and {len(kept) - 10} more"
                                            if len(kept) > 10 else "")
            workspace.restore_note = (
                f"{_a_restore(restoring.kind)} cut short was finished now"
                + (f". What you wrote since it was cut short is kept ({shown}): `tutor "
                   "redo` brings it back." if kept else "."))
        except Exception as error:  # (a server's driver's own errors too)
            # Still not possible (the disk still full, a server away): said, tried again
            # by the next command; a reset starts over (and forgets the note).
            why = error.message if isinstance(error, TutorError) else (
                getattr(error, "strerror", None) or str(error) or type(error).__name__)
            workspace.restore_note = (
                f"{_a_restore(restoring.kind)} cut short could not be finished yet "
                f"({why}): the next tutor command tries again; `tutor reset` starts the "
                "lesson over.")


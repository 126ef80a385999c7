"""`tutor watch`: judge the current step again whenever the sandbox changes, the way rustlings'
watch mode does. The learner works in another terminal or an editor; this one shows what
changed, the live state and the verdict, and passes steps as they are done.

File events come from watchfiles (Rust's notify: inotify, FSEvents, ReadDirectoryChangesW),
which also groups a burst of them: a `migrate` writes the database several times and is judged
once, after its last write. What the tutor adds is deciding which events matter (`wakes`) and
whether anything changed since the last check (`Watch.stamp`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from watchfiles import watch

from . import ui
from .exceptions import TutorError
from .progress import Progress
from .session import Session
from .state import DATABASE_FILE
from .workspace import Workspace

if TYPE_CHECKING:
    from .check_report import CheckReport

# A burst has ended when the sandbox has been quiet this long: Django's `migrate` commits each
# migration separately, a few milliseconds apart, and must not be judged half-way...
QUIET_MS = 300
# ...and a long burst (a slow migrate, a script that loops) is judged at least this often.
LONGEST_BURST_MS = 3000
# After this long without an event, the stamp is compared anyway (a few stat calls): that
# covers a change made between the first check and the moment the watcher was ready, and file
# systems that drop events (network shares, some containers). Events remain the way in.
QUIET_CHECK_MS = 1000


def watched_file(path: Path, sandbox: Path) -> bool:
    """A sandbox file whose change can change a verdict: Python (models, migrations, settings)
    and the databases (db.sqlite3, and a lesson's others beside it: teammate.sqlite3...). Never
    bytecode, SQLite's journals (`-journal`, `-wal`, `-shm`: a write
    still in progress, the database file itself changes when it is done) or an editor's swap,
    backup and lock files (`.models.py.swp`, `models.py~`, `.#models.py`)."""
    relative = path.relative_to(sandbox)
    if "__pycache__" in relative.parts:
        return False
    name = relative.name
    database = name == DATABASE_FILE or (len(relative.parts) == 1 and name.endswith(".sqlite3"))
    return database or (name.endswith(".py") and not name.startswith("."))


class Watch:
    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        # The session's pieces show a change exactly as `tutor start` does.
        self.session = Session(workspace)
        # Resolved: event paths are real paths on some systems (macOS reports /private/var).
        self.home = workspace.home.resolve()
        self.sandbox = workspace.sandbox.path.resolve()
        self.progress_path = workspace.progress_file.path.resolve()
        self.shown_step: tuple[str, int] | None = None
        self.seen: tuple | None = None  # the stamp the last check saw

    def run(self) -> None:
        """Watch until the lesson is complete or the learner presses Ctrl-C."""
        try:
            report = self.first_check()
            if report.lesson_complete:
                self.stop_complete()
                return
            # The home, not the sandbox: a reset (here or in another terminal) swaps in a new
            # sandbox folder, and a watch on the old one would see nothing more.
            for _ in watch(self.home, watch_filter=self.wakes, step=QUIET_MS,
                           debounce=LONGEST_BURST_MS, rust_timeout=QUIET_CHECK_MS,
                           yield_on_timeout=True):
                if self.stamp() == self.seen:
                    continue  # nothing a check depends on changed since the last one
                report = self.recheck()
                if report is not None and report.lesson_complete:
                    self.stop_complete()
                    return
        except KeyboardInterrupt:  # raised by watchfiles while waiting, or during a check
            pass
        ui.say("\nStopped watching. Your progress is saved; `tutor watch` or `tutor start` "
               "goes on from here.")

    # --- what wakes the watch --------------------------------------------------------------

    def wakes(self, _change, name: str) -> bool:
        """watchfiles' filter: events in the tutor's home that may change the verdict."""
        path = Path(name)
        if path == self.sandbox or path == self.progress_path:
            return True  # a reset replaced the sandbox; `tutor answer` moved the learner on
        return self.sandbox in path.parents and watched_file(path, self.sandbox)

    def stamp(self) -> tuple:
        """What a check depends on, cheaply (no file is read): each watched sandbox file's
        identity, size and time, and where the learner stands in the course."""
        return self.files_stamp(), self.position(self.workspace.progress_file.load())

    def files_stamp(self) -> frozenset:
        files = []
        for folder, subfolders, names in os.walk(self.sandbox):
            subfolders[:] = [name for name in subfolders if name != "__pycache__"]
            for name in names:
                path = Path(folder, name)
                if not watched_file(path, self.sandbox):
                    continue
                try:
                    info = path.stat()
                except OSError:  # deleted while we looked: the next event says so
                    continue
                files.append((str(path), info.st_ino, info.st_mtime_ns, info.st_size))
        return frozenset(files)

    @staticmethod
    def position(progress: Progress) -> tuple:
        current = progress.lessons.get(progress.current or "")
        if current is None:
            return progress.current, 0, ()
        return progress.current, current.step, tuple(current.answered)

    # --- checking and showing --------------------------------------------------------------

    def check(self) -> CheckReport:
        # Taken before the check reads the sandbox: a change made while it runs is then seen
        # as a change afterwards, and checked once more, instead of being lost. The position
        # is the one the check leaves, so that its own write of the progress file wakes
        # nothing.
        files = self.files_stamp()
        try:
            # What changed is said since the state shown last (none shown: since the
            # journal last saw the sandbox, and then not said).
            return self.workspace.check(since=self.session.state)
        finally:
            self.seen = files, self.position(self.workspace.progress)

    def first_check(self) -> CheckReport:
        lesson = self.workspace.current_lesson()
        ui.say(f"[bold]Watching the sandbox[/bold] ({self.sandbox}) for [bold]{lesson.title}"
               "[/bold]: each change to its migrations, models or database is checked. Work in "
               "another terminal (`tutor shell`) or your editor; Ctrl-C stops.")
        report = self.check()  # no sandbox, or an unreadable one: the CLI says why, exit 2
        self.session.state = report.state
        if report.passed_steps or report.lesson_complete:
            ui.show_check(report, next_step=False)  # done before the watch began
        self.show_new_step(report)
        if not (report.passed_steps or report.lesson_complete):
            ui.show_check(report, notes=False)  # what the step still needs
        return report

    def recheck(self) -> CheckReport | None:
        """Check after a change and show it as `tutor start` shows a command's effect; None
        when the sandbox could not be read (a half-typed models.py): the error is shown and
        the watch goes on."""
        ui.show_heading(f"{time.strftime('%H:%M:%S')} The sandbox changed: checking again")
        try:
            report = self.check()
        except TutorError as error:
            self.session.state = None
            ui.show_error(error)
            ui.say("Still watching: the next change is checked.", style="dim")
            return None
        self.session.after_change(report)
        self.show_new_step(report)
        return report

    def show_new_step(self, report: CheckReport) -> None:
        """The goal of the step now current, with the state, when it is not the step shown
        last: as in `tutor start`, a passed step is followed by the next one's goal."""
        if report.lesson_complete or self.shown_step == (report.lesson.id, report.step_index):
            return
        self.shown_step = (report.lesson.id, report.step_index)
        ui.show_step(report.lesson, report.step_index, report.lesson.steps[report.step_index])
        ui.show_state(report.state)

    def stop_complete(self) -> None:
        ui.say("The lesson is complete, so the watch stops. `tutor start` goes on to the next "
               "lesson; `tutor reset LESSON` then `tutor watch` watches another.")

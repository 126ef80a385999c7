"""A learner's workspace: the course, their progress and their sandbox, and what they can do
with them (check, hint, solve, reset). The CLI and the interactive session both call these;
neither decides anything on its own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from .exceptions import SandboxBroken, TutorError, UnsafeHome
from .history import History, Point, Restoring, Undo
from .home_layout import SANDBOX_NEW, SANDBOX_OLD, SNAPSHOT_SEEN
from .markup import printable
from .journal import Journal
from .lessons import Course, Lesson, SolutionAction, Step, load_course
from .lock import home_lock
from .paths import claim_home, course_cache
from .progress import LessonProgress, Progress, ProgressFile, StepRecord, now
from .reader import StateReader
from .sandbox import Sandbox
from .seen import SeenFile
from .state import SandboxState, StateUnreadable

if TYPE_CHECKING:
    from .checks import Context
    from .judge import AnswerReport, CheckReport
    from .questions import Posed

# The checking engine (checks, judge, questions) is imported by the methods that judge: a
# reset or a hint does not pay for it.


def _state_key(state: SandboxState) -> str:
    """A digest of a state read: the same for the same record, schema and rows (not the
    database's name, which a kept start read under another)."""
    import hashlib
    import json

    data = state.to_json()
    told = {key: data.get(key) for key in (
        "migrations", "tables", "rows", "row_counts", "orphans", "database_exists",
        "database_mark", "conflicts", "databases", "git_branch", "git_head")}
    return hashlib.sha256(json.dumps(told, sort_keys=True, default=str).encode()).hexdigest()


def _a_restore(kind: str) -> str:
    return "An undo" if kind == "undo" else "A redo"


def _stand_at(lesson: Lesson, progress: LessonProgress, index: int) -> None:
    """Progress at step `index`, every question before it answered (as solving them does)."""
    progress.step = index
    progress.answered = [i for i in range(index) if lesson.steps[i].question is not None]


def _notice_broken_release(lesson: Lesson, index: int, state: SandboxState, seen) -> bool:
    """Note the release running at the learner's step if this state finds it broken: the
    step's report says so when it passes, whatever the sandbox holds by then. Whether that is
    news (the seen states then need saving)."""
    release = lesson.running_release(index) if index < len(lesson.steps) else None
    run = state.releases.get(release.name) if release is not None else None
    if run is None or run.works:
        return False
    from .checks import release_failures, release_name

    return seen.saw_broken(index, release.name, f"{release_name(run)} on {run.database} "
                                                f"broken: {'; '.join(release_failures(run))}")


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


@dataclass(frozen=True)
class Hint:
    number: int   # 1-based
    total: int
    text: str


@dataclass
class Workspace:
    home: Path
    course: Course | None = None
    # Who reads the sandbox's state (default: a reader of this process's own); tests share
    # one warm reader among many homes.
    reader: StateReader | None = None
    # The learner trusts the course's own code (`--trust-course`): see `trust.py`.
    trust_course: bool = False

    def __post_init__(self) -> None:
        if self.course is None:
            self.course = load_course(cache=course_cache(self.home))
        self.sandbox = Sandbox(self.home, **({"reader": self.reader} if self.reader else {}))
        self.course.backend_of = self.backend_of_lesson
        self.progress_file = ProgressFile(self.home)
        self.progress: Progress = self.progress_file.load()
        self.seen = SeenFile(self.home)
        self.history = History(self.home, self.sandbox.path)
        self.journal = Journal(self.home)
        self._fast_forwarding = False  # its solutions are not the learner's commands
        self._lock_depth = 0
        # What stands where a reset keeps its work but is not the tutor's: left alone, and
        # named (the CLI says so) so that the learner can move it away.
        self.foreign: list[Path] = []
        # What became of an undo cut short, found at the start of this command (finished
        # now, with the work kept that was written since; or why it could not be).
        self.restore_note = ""
        self._finish_interrupted_restore()
        if any(path.exists() or path.is_symlink()
               for path in (self.home / SANDBOX_NEW, self.home / SANDBOX_OLD)):
            with self.changing():
                self.foreign = self.sandbox.recover()

    @contextlib.contextmanager
    def changing(self) -> Iterator[None]:
        """Hold the home's lock while changing progress or the sandbox; progress is re-read
        first, so that another tutor process's changes are never overwritten."""
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        claim_home(self.home)
        with home_lock(self.home):
            self._lock_depth = 1
            try:
                self.progress = self.progress_file.load()
                yield
            finally:
                self._lock_depth = 0

    # --- where the learner is ------------------------------------------------------------

    def current_lesson(self) -> Lesson:
        if self.progress.current in self.course.order:
            return self.course.get(self.progress.current)
        # No progress (new, or lost with an unreadable file): the sandbox knows its lesson.
        if self.sandbox.lesson_id() in self.course.order:
            return self.course.get(self.sandbox.lesson_id())
        first = self.course.first()
        if first is None:
            raise TutorError("No lesson could be loaded.", "Reinstall the tutor.")
        return first

    def lesson_progress(self, lesson: Lesson) -> LessonProgress:
        return self.progress.of(lesson.id)

    def current_step(self) -> tuple[Lesson, int, Step]:
        lesson = self.current_lesson()
        index = min(self.lesson_progress(lesson).step, len(lesson.steps) - 1)
        return lesson, index, lesson.steps[index]

    def save(self) -> None:
        self.progress_file.save(self.progress)

    def _record(self) -> StepRecord:
        """The record of the step the learner is on, for `tutor report`, with the time since
        their previous action counted towards it. A finished lesson has no such step: its
        record is a throwaway."""
        lesson = self.current_lesson()
        step = self.lesson_progress(lesson).step
        if step >= len(lesson.steps):
            self.progress.last_active = now()
            return StepRecord()
        return self.progress.spend(lesson.id, step, now())

    # --- reading and judging the sandbox --------------------------------------------------

    def read_state(self, *, fresh_build: bool = False) -> SandboxState:
        """The live state; with `fresh_build`, the migration files are also applied to an
        empty database (see `FreshBuild`), which costs a migrate."""
        try:
            return self.sandbox.read_state(fresh_build=fresh_build,
                                           releases=self._release_requests())
        except StateUnreadable as problem:
            raise SandboxBroken(problem.message, problem.advice) from None

    def backend(self) -> str:
        """The backend the next sandbox is built on: "sqlite", or a server's vendor."""
        server = self.sandbox.server
        return server.vendor if server is not None else "sqlite"

    def backend_of_lesson(self, lesson_id: str) -> str:
        """The backend a lesson is told for: where the sandbox's database is, while the
        sandbox holds that lesson; else where the next sandbox will be built."""
        if self.sandbox.lesson_id() == lesson_id:
            from .backends import vendor_of

            return vendor_of(self.sandbox.built_on())
        return self.backend()

    def _release_requests(self) -> list[dict]:
        """The releases of the sandbox's lesson, each to run against its database as the
        state is read (see `release.py`); none for a lesson that declares none."""
        lesson_id = self.sandbox.lesson_id()
        if lesson_id not in self.course.order:
            return []
        try:
            lesson = self.course.get(lesson_id)
        except TutorError:
            return []
        if lesson.releases:
            self._require_trust(lesson)  # a release imports the course's own models file
        return [self._release_request(lesson, release) for release in lesson.releases]

    def _release_request(self, lesson: Lesson, release) -> dict:
        request = {"name": release.name, "database": release.database,
                   "database_file": str(self.sandbox.path
                                        / lesson.database_file(release.database)),
                   "app": "store", "model": release.model, "reads": list(release.reads),
                   "reads_all": release.reads_all,
                   "inserts": [dict(row) for row in release.inserts], "ref": release.ref}
        if not release.ref:
            request["models_source"] = lesson.models_source(release.models)
            return request
        # The code deployed is what the branch (or tag) holds, committed: its models and its
        # migration files, whatever the working copy has.
        from .sandbox import run_git

        folder = self.sandbox.path
        shown = run_git(folder, ["show", f"{release.ref}:store/models.py"])
        listed = run_git(folder, ["ls-tree", "--name-only", f"{release.ref}:store/migrations"])
        if shown.returncode != 0 or listed.returncode != 0:
            request["models_error"] = (f"the sandbox's git repository has no store/models.py "
                                       f"on {release.ref!r}")
            return request
        request["models_source"] = shown.stdout
        request["migration_files"] = sorted(
            name[:-3] for name in listed.stdout.splitlines()
            if name.endswith(".py") and name != "__init__.py")
        return request

    def context(self) -> Context:
        from .checks import Context

        return Context(sandbox=self.sandbox.path, start=self.sandbox.start_state())

    def require_lesson_sandbox(self, lesson: Lesson) -> None:
        self.sandbox.require()
        built_for = self.sandbox.lesson_id()
        if built_for != lesson.id:
            raise SandboxBroken(
                f"The sandbox was built for {built_for or 'another lesson'}, not for "
                f"{lesson.id}.",
                f"Run `tutor reset {lesson.id}` to build this lesson's sandbox.",
            )

    def check(self, did: str = "") -> CheckReport:
        """Judge the current step; on success advance, and keep passing the steps after it
        that the state already satisfies. `did`: the command that led here, for the
        timeline (see `history.py`); "" for work the tutor did not run."""
        with self.changing():
            report = self._check(did=did)
        self._tell_check(report)
        return report

    # --- the class, when the learner is in one (see classroom/link.py) --------------------

    def tell_class(self, kind: str, detail: dict | None = None,
                   where: dict | None = None) -> None:
        """Queue an event for the learner's class, at `where` (default: where they stand
        now); nothing when they are in none. Never raises, never waits on the network."""
        where = where or self._class_position()
        if where is None:
            return
        from .classroom.link import tell

        tell(self.home, kind, where, detail)

    def _class_position(self) -> dict | None:
        """Where the learner stands, as the class is told it; None when in no class."""
        from .classroom.telling import in_class

        if not in_class(self.home):
            return None
        from .classroom.telling import position

        return position(self.progress, self.course)

    def _tell_check(self, report: CheckReport | None) -> None:
        where = self._class_position() if report is not None else None
        if where is None:
            return
        from .classroom.telling import check_detail

        self.tell_class("check", check_detail(report), where)
        if report.lesson_complete and report.passed_steps:
            self.tell_class("lesson_complete", where=where)

    def _check(self, state: SandboxState | None = None, counted: bool = True,
               did: str = "", answered: tuple[str, list[str]] | None = None) -> CheckReport:
        """`counted`: a check the learner asked for (every `tutor check`, the session's check
        after each command, the one after a right answer), not the one after a solution.
        `answered`: the question and the right answer that led to this check."""
        from .judge import CheckReport, judge_lesson, where_you_are

        lesson = self.current_lesson()
        self.require_lesson_sandbox(lesson)
        progress = self.lesson_progress(lesson)
        if counted:
            self._record().checks += 1
        try:
            state = state or self.read_state()
        except TutorError:
            self.save()  # a check that found the sandbox broken was still tried
            raise
        seen = self.seen.load(lesson.id)
        noticed = _notice_broken_release(lesson, progress.step, state, seen)
        context = self.context()
        verdict = judge_lesson(lesson, progress.step, state, context, set(progress.answered),
                               seen)
        if verdict.wants_fresh_build:
            # A step is down to what only a fresh build tells: read again, with it.
            state = self.read_state(fresh_build=True)
            verdict = judge_lesson(lesson, progress.step, state, context,
                                   set(progress.answered), seen)
        if verdict.passed_steps:
            at = now()
            for passed_index in verdict.passed_steps:
                self.progress.pass_step(lesson.id, passed_index, at)
            if not verdict.lesson_complete:
                self.progress.begin(lesson.id, verdict.step_index, at)
                seen.began[verdict.step_index] = state
            progress.step = len(lesson.steps) if verdict.lesson_complete else verdict.step_index
            progress.completed = progress.completed or verdict.lesson_complete
        for index in verdict.held:
            seen.held[index] = state
        if verdict.passed_steps or verdict.held or noticed:
            self.seen.save(lesson.id, seen)
        self.progress.current = lesson.id
        self.save()
        if not self._fast_forwarding:  # (the journal and the timeline begin where it ends)
            changes, passed = self._write_journal(lesson, did, state, verdict, answered)
            if answered is not None:  # the timeline says what passed the step, as notes do
                changes = [*changes, f'answered "{answered[0]}": '
                                     f'{", ".join(answered[1]) or "none of them"}']
            self._remember(did, progress.step, changes, [index + 1 for index in passed], state)
        where = "" if verdict.passed else where_you_are(
            lesson.steps[verdict.step_index], state,
            self._applied_when_step_began(verdict.step_index, seen))
        if verdict.ahead is not None:
            from .judge import seen_ahead

            where = f"{where} {seen_ahead(lesson, verdict)}".strip()
        return CheckReport(lesson, verdict, state, where)

    def _write_journal(self, lesson: Lesson, did: str, state: SandboxState, verdict,
                       answered: tuple[str, list[str]] | None = None
                       ) -> tuple[list[str], list[int]]:
        """The command (or outside change, or answer) just checked, for `tutor notes`: what
        it changed since the journal last saw the sandbox, and the steps it passed (returned
        too)."""
        from .changes import describe_changes

        before = self.journal.last_state(lesson.id) or self.sandbox.start_state()
        changes = describe_changes(before, state) if before is not None else []
        passed = [{"step": index + 1, "title": lesson.steps[index].title,
                   "explanation": verdict.explanations.get(index, "")}
                  for index in verdict.passed_steps]
        if answered is not None:
            self.journal.add({"lesson": lesson.id, "at": now(), "kind": "answer",
                              "question": answered[0], "answer": answered[1],
                              "changes": changes, "passed": passed})
        elif did or changes or passed:
            self.journal.add({"lesson": lesson.id, "at": now(), "kind": "command", "did": did,
                              "changes": changes, "passed": passed})
        self.journal.saw(lesson.id, state)
        return changes, list(verdict.passed_steps)

    # --- the timeline: undo ------------------------------------------------------------------

    def _remember(self, did: str, step: int, changes: list[str] = (),
                  passed: list[int] = (), state: SandboxState | None = None,
                  shared_database: str = "") -> None:
        """A point of the timeline, when the sandbox changed since the last. A point that
        cannot be taken (a file the tutor may not read, a full disk, a server gone) is left
        out: a check never fails for it, and undo goes back to the points there are. On a
        server, a point needs the state read there (its database is no file to compare)."""
        if self.sandbox.built_on() == "sqlite":
            with contextlib.suppress(OSError):
                self.history.record(did, step, changes, passed)
            return
        server = self._server_database()
        if server is None or state is None:
            return
        with contextlib.suppress(Exception):  # a server's refusal too (its driver's errors)
            self.history.record(did, step, changes, passed, server=server,
                                state_key=_state_key(state), shared_database=shared_database,
                                keep_database=state.database_exists)

    def _server_database(self):
        """The sandbox's database on its server, as the timeline keeps copies of it."""
        built = self.sandbox.built_database()
        if built is None:
            return None
        from .history import ServerDatabase
        from .server_databases import OwnedDatabases

        return ServerDatabase(OwnedDatabases.on(built[0], self.home), built[1])

    def remember_before_command(self) -> None:
        """Before a command runs: the sandbox as it is, so that the command can be undone (on
        a server, the check after the last command took it: no state is read here)."""
        with self.changing():
            if self.sandbox.exists() and self.progress.current in self.course.order:
                lesson = self.current_lesson()
                self._remember("", self.lesson_progress(lesson).step)

    def require_own_sandbox(self, doing: str = "undo and redo") -> None:
        """Undo and redo change the sandbox file by file, and solve runs the lesson's
        commands in it: only in the tutor's own folder, by the rule a reset follows
        (`sandbox._is_ours`), never through a link elsewhere."""
        from .sandbox import _is_ours as is_the_tutors_own

        path = self.sandbox.path
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
        if not is_the_tutors_own(path):
            raise UnsafeHome(f"{printable(str(path))} was not made by the tutor, so {doing} "
                             "will not change it.",
                             "Move it away (or choose another --home), then run `tutor reset`.")

    def _timeline_server(self) -> tuple:
        """On a server: its database as the timeline copies it, and a digest of the state
        read now (and whether there is a database to copy). (None, "", True) on SQLite."""
        if self.sandbox.built_on() == "sqlite":
            return None, "", True
        server = self._server_database()
        if server is None:
            raise TutorError("The sandbox's settings no longer name its database on "
                             f"{self.sandbox.built_on()}, so undo cannot restore it.",
                             "`tutor reset` starts the lesson over.")
        now_state = self.read_state()
        return server, _state_key(now_state), now_state.database_exists

    def undo(self, count: int = 1, told: Callable[[str], object] | None = None) -> Undone:
        """Take the sandbox back `count` points of its timeline; progress follows it: a step
        passed since is not passed any more. The sandbox as it was is kept (`redo` brings it
        back). `told` hears that a Ctrl-C waits for the restore to finish."""
        import time

        with self.changing():
            lesson = self.current_lesson()
            self.require_lesson_sandbox(lesson)
            self.require_own_sandbox()
            server, state_key, keep = self._timeline_server()
            target, undone = self.history.plan_undo(count, server=server, state_key=state_key,
                                                    keep_database=keep)
            progress = self.lesson_progress(lesson)
            after = LessonProgress.from_json(progress.to_json())
            after.take_back(target.step, target.at, len(lesson.steps))
            entry = Undo(str(time.time_ns()), lesson.id, target.number,
                         [point.number for point in undone], progress.marks(), after.marks())
            files = self.history.differences(undone[-1], target)
            restoring = Restoring("undo", target.number, [entry])
            with _finished_before_interrupt(told, "undo"):
                with _not_begun_said("undo"):
                    self.history.begin(restoring)
                with _cut_short_said("undo"):
                    self._finish_restore(restoring, server)
        self.tell_class("undo", {"count": max(1, len(undone))})
        return Undone(target, undone, files)

    def redo(self, count: int = 1, told: Callable[[str], object] | None = None) -> Undone:
        """Take back the last `count` undos: the sandbox and progress as they were before
        them. Refused when there is nothing to redo, or when the sandbox changed since."""
        with self.changing():
            lesson = self.current_lesson()
            self.require_lesson_sandbox(lesson)
            self.require_own_sandbox()
            server, state_key, _ = self._timeline_server()
            point, undos = self.history.plan_redo(count, server=server, state_key=state_key)
            now = self.history.last()
            files = self.history.differences(now, point) if now is not None else []
            redone = [p for p in (self.history.find(number) for undo in reversed(undos)
                                  for number in undo.undone) if p is not None]
            restoring = Restoring("redo", point.number, undos)
            with _finished_before_interrupt(told, "redo"):
                with _not_begun_said("redo"):
                    self.history.begin(restoring)
                with _cut_short_said("redo"):
                    self._finish_restore(restoring, server)
        return Undone(point, redone, files)

    def _finish_restore(self, restoring: Restoring, server=None) -> None:
        """Carry out a restore noted in the timeline, whole: the files (and a server's
        database), the timeline, progress and the journal; then the note goes. Done again
        from the start, it does each part once (how the next tutor finishes one cut short)."""
        self.history.restore(restoring, server)
        self.history.settle(restoring, server)
        if restoring.undos:
            undo = restoring.undos[0] if restoring.kind == "undo" else restoring.undos[-1]
            marks = undo.after if restoring.kind == "undo" else undo.before
            progress = self.progress.of(undo.lesson)
            with contextlib.suppress(ValueError, KeyError, TypeError, AttributeError):
                progress.put_marks(marks)
                self.progress.begin(undo.lesson, progress.step, now())
            self.progress.current = undo.lesson
            self.save()
            points = [self.history.find(number) for u in restoring.undos
                      for number in sorted(u.undone)]
            self.journal.add({"lesson": undo.lesson, "at": now(), "kind": restoring.kind,
                              ("undone" if restoring.kind == "undo" else "redone"):
                                  [p.did for p in reversed(points) if p is not None]})
        self.history.finished()

    def _finish_interrupted_restore(self) -> None:
        """An undo or redo cut short (a SIGKILL, a full disk): finished now, whole. Never in a
        sandbox that is not the tutor's own (undo refuses it, saying why)."""
        if self.history.interrupted() is None:
            return
        with self.changing():
            restoring = self.history.interrupted()  # read again: the undo may be under way
            if restoring is None:                   # in another tutor, which held the lock
                return
            try:
                self.require_own_sandbox()
            except TutorError:
                return
            if restoring.point < 0:  # the note itself cannot be read: nothing to finish by
                self.history.finished()
                self.restore_note = (
                    "An undo or redo was cut short, and its note (history/restoring in the "
                    "home) could not be read, so it could not be finished: the sandbox may be "
                    "half restored. `tutor history` lists the points `tutor undo` goes back "
                    "to; `tutor reset` starts the lesson over.")
                return
            try:
                server = (self._server_database() if self.sandbox.built_on() != "sqlite"
                          else None)
                kept = self.history.keep_work_since(restoring) if server is None else []
                self._finish_restore(restoring, server)
                shown = ", ".join(kept[:10]) + (f" and {len(kept) - 10} more"
                                                if len(kept) > 10 else "")
                self.restore_note = (
                    f"{_a_restore(restoring.kind)} cut short was finished now"
                    + (f". What you wrote since it was cut short is kept ({shown}): `tutor "
                       "redo` brings it back." if kept else "."))
            except Exception as error:  # (a server's driver's own errors too)
                # Still not possible (the disk still full, a server away): said, tried again
                # by the next command; a reset starts over (and forgets the note).
                why = error.message if isinstance(error, TutorError) else (
                    getattr(error, "strerror", None) or str(error) or type(error).__name__)
                self.restore_note = (
                    f"{_a_restore(restoring.kind)} cut short could not be finished yet "
                    f"({why}): the next tutor command tries again; `tutor reset` starts the "
                    "lesson over.")

    def _applied_when_step_began(self, index: int, seen) -> set[str]:
        """The migrations applied when the step began (the lesson's start for its first
        step, or where the tutor saw none): a migration undone since was reverted too far,
        one never applied is not applied yet."""
        began = seen.began.get(index)
        if began is None:
            return self.sandbox.applied_at_start()
        return began.applied_keys()

    def pose_question(self) -> tuple[Step, Posed | None]:
        """The current step's question, made concrete against the state it is about."""
        from .judge import posed_question

        lesson, index, step = self.current_step()
        if step.question is None:
            return step, None
        self.require_lesson_sandbox(lesson)
        return step, posed_question(lesson, index, self.read_state(),
                                    self.seen.load(lesson.id), self.context())

    def answer(self, values: list[str]) -> AnswerReport:
        """Judge an answer to the current step's question against the state it is about; a
        right answer is remembered and the step checked at once."""
        with self.changing():
            report = self._answer(values)
        self._tell_check(report.check)
        return report

    def _answer(self, values: list[str]) -> AnswerReport:
        from .judge import AnswerReport, question_state
        from .questions import judge, pose

        lesson, index, step = self.current_step()
        if step.question is None:
            raise TutorError(f"Step {index + 1} of {lesson.id} asks no question.",
                             "Do what the step says, then run `tutor check`.")
        self.require_lesson_sandbox(lesson)
        state = self.read_state()
        about = question_state(lesson, index, state, self.context(), self.seen.load(lesson.id))
        if about.state is None:
            # Not an attempt: the state the question asks about is not there to look at yet.
            return AnswerReport(pose(step.question, state), False, about.not_yet, None)
        posed = pose(step.question, about.state)
        right, detail = judge(posed, values)
        if not right and about.state is not state and _state_key(about.state) != _state_key(state):
            # About a moment the sandbox has moved on from: say which one, or the learner
            # answers about what they see now.
            when = ("when this step began" if step.question.about == "step_start"
                    else "when this step's goal held")
            detail += (f" The question is about the sandbox as it was {when}, not as it is "
                       "now.")
        self._record().answers += 1
        self.tell_class("answer", {"right": right})
        if not right:
            self.save()
            return AnswerReport(posed, False, detail, None)
        answered = self.lesson_progress(lesson).answered
        if index not in answered:
            answered.append(index)
        return AnswerReport(posed, True, "", self._check(state, answered=(posed.ask, values)))

    # --- help -------------------------------------------------------------------------------

    def next_hint(self) -> Hint:
        with self.changing():
            hint = self._next_hint()
        self.tell_class("hint", {"number": hint.number, "total": hint.total})
        return hint

    def _next_hint(self) -> Hint:
        lesson, index, step = self.current_step()
        progress = self.lesson_progress(lesson)
        shown = progress.hints_shown.get(str(index), 0)
        number = min(shown + 1, len(step.hints))
        progress.hints_shown[str(index)] = number
        record = self._record()
        record.hints = max(record.hints, number)
        self.progress.current = lesson.id
        self.save()
        return Hint(number=number, total=len(step.hints), text=step.hints[number - 1])

    def solve(self, on_action: Callable[[SolutionAction, int, str], None]) -> CheckReport:
        """Carry out the current step's reference solution with real commands, then check."""
        with self.changing():
            where = self._class_position()  # the step solved, not the one it leads to
            report = self._solve(on_action)
        if where is not None:
            self.tell_class("solution", {"how": "carried_out"}, where)
        self._tell_check(report)
        return report

    def _solve(self, on_action: Callable[[SolutionAction, int, str], None]) -> CheckReport:
        lesson, index, step = self.current_step()
        self.require_lesson_sandbox(lesson)
        self.require_own_sandbox("the tutor's solutions")
        self._require_trust(lesson)
        self._record().solutions += 1
        self._remember("", self.lesson_progress(lesson).step)
        return self._carry_out(on_action)

    def _carry_out(self, on_action: Callable[[SolutionAction, int, str], None],
                   actions: list[SolutionAction] | None = None) -> CheckReport:
        """The current step's reference solution (or, for the mutation lint, other `actions`,
        carried out whatever their status), then its question answered rightly and the step
        checked (not counted as a check of the learner's)."""
        lesson, index, step = self.current_step()
        strict = actions is None
        actions = step.solution if actions is None else actions
        for action in actions:
            status, output = self.sandbox.perform(action)
            on_action(action, status, output)
            if strict and (status != 0) != action.fails:
                raise TutorError(
                    f"The solution's `{action.describe()}` "
                    + (f"failed (exit status {status})." if status else "was meant to fail."),
                    "The sandbox is not in this step's starting state. Run `tutor reset` to "
                    "start the lesson over.",
                )
        state = self._answer_rightly(on_action)
        return self._check(state, counted=False,
                           did=f"tutor solve (step {index + 1}: "
                               + "; ".join(a.describe() for a in actions) + ")")

    def _answer_rightly(self, on_action: Callable[[SolutionAction, int, str], None]
                        ) -> SandboxState | None:
        """Answer the current step's question (if it has one not answered yet) from the state
        it is about, as `tutor solve` does; returns the state read for it (None: none read)."""
        from .judge import question_state
        from .questions import pose

        lesson, index, step = self.current_step()
        if step.question is None or index in self.lesson_progress(lesson).answered:
            return None
        state = self.read_state()
        about = question_state(lesson, index, state, self.context(), self.seen.load(lesson.id))
        if about.state is None:  # about a state not reached yet: no learner could answer it
            return state
        posed = pose(step.question, about.state)
        shown = " ".join(posed.correct) or "--none"
        on_action(SolutionAction(run=f"tutor answer {shown}"), 0, "")
        self.lesson_progress(lesson).answered.append(index)
        return state

    def play(self, actions: list[SolutionAction]) -> CheckReport:
        """Carry out `actions` in place of the current step's solution, whatever their status,
        answer its question rightly and check: what a learner who took that road would be
        told (the mutation lint's mutants, see `mutants.py`)."""
        with self.changing():
            return self._carry_out(lambda action, status, output: None, actions)

    def show_solution(self) -> Step:
        """The current step, whose reference solution the learner asked to see: that counts
        as a solution shown in their report."""
        with self.changing():
            self._record().solutions += 1
            self.save()
            step = self.current_step()[2]
        self.tell_class("solution", {"how": "shown"})
        return step

    def reset(self, lesson: Lesson, forget_progress: bool = False, step: int = 1,
              announce: Callable[[str], object] | None = None) -> list[str]:
        """Rebuild the sandbox in `lesson`'s starting state and make it current, at step one
        (with `forget_progress`, all progress is forgotten first); with `step`, the reference
        solutions of the steps before it are carried out (fast-forwarded). Returns notes to
        tell (the databases of a server the sandbox has left). `announce` hears what takes
        time (a build with real commands, a fast-forward) as it begins, once nothing can
        refuse it any more."""
        if not 1 <= step <= len(lesson.steps):
            raise TutorError(f"{lesson.id} has {len(lesson.steps)} steps: there is no step "
                             f"{step}.", f"Give --step 1 to {len(lesson.steps)}.")
        with self.changing():
            if forget_progress:
                self.progress = Progress(learner=self.progress.learner)  # a name is not progress
            notes = self._reset(lesson, step, announce)
        self.tell_class("reset", {"step": step})
        return notes

    def _require_trust(self, lesson: Lesson) -> None:
        """A lesson from outside the shipped course runs only once its course is trusted."""
        if lesson.shipped:
            return
        from .trust import require_trust

        require_trust(self.home, self.course, lesson, self.trust_course)

    def _reset(self, lesson: Lesson, step: int = 1,
               announce: Callable[[str], object] | None = None) -> list[str]:
        self._require_trust(lesson)
        if self.progress.current in self.course.order:
            # The time up to a reset was spent on the step the learner was on (if that lesson
            # still loads: a reset is the way out of a broken one).
            with contextlib.suppress(TutorError):
                self._record()
        notes = self.sandbox.build(lesson, announce)
        self.seen.forget()  # the states seen were another build's
        self.history.forget()  # and so was the timeline: undo never crosses a reset
        self.progress.current = lesson.id
        # `completed` remembers that the lesson was once finished, and the step records what
        # was done (for `tutor report`); the steps start over.
        before = self.lesson_progress(lesson)
        self.progress.lessons[lesson.id] = LessonProgress(completed=before.completed,
                                                          steps=before.steps)
        self.progress.begin(lesson.id, 0, now())
        self.save()
        self.journal.add({"lesson": lesson.id, "at": now(), "kind": "reset", "step": step})
        self.journal.saw(lesson.id, None)  # from the lesson's start
        reached = None
        if step > 1:
            self._fast_forwarding = True
            if announce is not None:
                announce(f"Fast-forwarding {lesson.id} to step {step}...")
            try:
                self._fast_forward(lesson, step)
            finally:
                self._fast_forwarding = False
            reached = self.read_state()
            self.journal.saw(lesson.id, reached)  # the timeline starts where the learner does
        label = f"tutor reset {lesson.id}" + (f" --step {step}" if step > 1 else "")
        if self.sandbox.built_on() == "sqlite":
            self._remember(label, step - 1)
        elif reached is None:  # on a server, the start's database is kept already: no copy
            self._remember(label, 0, state=self.sandbox.start_state(),
                           shared_database=self.sandbox.start_database(lesson))
        else:
            self._remember(label, step - 1, state=reached)
        return notes

    def _fast_forward(self, lesson: Lesson, step: int) -> None:
        """From the lesson's start, the reference solutions of steps 1 to `step` - 1: from the
        copy kept the first time (the sandbox and the states its steps saw), else carried out
        with real commands, each step checked to pass. Those steps are marked fast-forwarded,
        not solved by the learner (a step they passed before keeps their pass)."""
        self._require_trust(lesson)
        passed_before = {index for index in range(step - 1)
                         if self.progress.record(lesson.id, index).passed_at is not None}
        # From the nearest step kept before (the first time: from the lesson's start).
        kept_at = self.sandbox.step_copies(lesson)
        begin = 1
        for nearest in range(step, 1, -1):
            if self.sandbox.has_step_copy(kept_at(nearest)):
                self.sandbox.restore_step_copy(kept_at(nearest))
                shutil.copyfile(kept_at(nearest) / SNAPSHOT_SEEN, self.seen.path)
                begin = nearest
                break
        progress = self.lesson_progress(lesson)
        _stand_at(lesson, progress, begin - 1)
        for index in range(begin - 1, step - 1):
            report = self._carry_out(lambda action, status, output: None)
            if index not in report.passed_steps:
                raise TutorError(
                    f"Step {index + 1} of {lesson.id} did not pass after its reference "
                    "solution, so the lesson cannot be fast-forwarded past it.",
                    "The lesson file is at fault: `tutor lint-lessons --solve` tells more.")
        if begin < step and self.seen.path.is_file():
            self.sandbox.keep_step_copy(kept_at(step), self.seen.path)
        at = now()
        for index in range(step - 1):
            if index not in passed_before:
                self.progress.record(lesson.id, index).fast_forwarded = True
            self.progress.pass_step(lesson.id, index, at)
        _stand_at(lesson, progress, step - 1)
        self.progress.begin(lesson.id, step - 1, at)
        self.save()

"""A learner's workspace: the course, their progress and their sandbox, and the service that
does what they ask (check, answer, hint, solve, reset, undo) and returns one report of it.
The CLI and the interactive session both call it; neither decides anything on its own.

The service reads and judges; what it did is then handed to its listeners (`listeners.py`),
each the store that records it: the seen states, the journal, the timeline, and, once the
home's lock is let go, the class. None of them calls back into the service. "What changed"
is computed once per check, here, and travels in the report.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from .classroom.telling import ClassTeller
from .exceptions import SandboxBroken, TutorError
from .home_layout import SANDBOX_NEW, SANDBOX_OLD
from .journal import Journal
from .lessons import Course, Lesson, SolutionAction, Step, load_course
from .listeners import Checked, Listener, Reset
from .lock import home_lock
from .paths import claim_home, course_cache
from .progress import LessonProgress, Progress, ProgressFile, StepRecord, now
from .reader import StateReader
from .sandbox import Sandbox
from .seen import SeenFile
from .state import SandboxState, StateUnreadable
from .timeline import Timeline

if TYPE_CHECKING:
    from .checks import Context
    from .solving import Hint, SolutionHeard
    from .check_report import AnswerReport, CheckReport
    from .json_reports import RestoreReport
    from .questions import Posed

# The checking engine (checks, judge, questions) is imported by the methods that judge: a
# reset or a hint does not pay for it.

@dataclass
class Workspace:
    """The service over one tutor home: it holds the home's lock while it works, reads the
    sandbox's state, judges it, moves the learner's progress, and hands each listener what
    it did. Every public method is one command a learner can give."""

    home: Path
    course: Course | None = None
    # Who reads the sandbox's state (default: a reader of this process's own); tests share
    # one warm reader among many homes, or hand in a double that makes states in memory.
    reader: StateReader | None = None
    # The learner trusts the course's own code (`--trust-course`): see `trust.py`.
    trust_course: bool = False
    # The stores that record what the service did (default: the home's seen states,
    # journal and timeline, in that order).
    listeners: list[Listener] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.course is None:
            self.course = load_course(cache=course_cache(self.home))
        self.sandbox = Sandbox(self.home, **({"reader": self.reader} if self.reader else {}))
        self.course.backend_of = self.backend_of_lesson
        self.progress_file = ProgressFile(self.home)
        self.progress: Progress = self.progress_file.load()
        self.seen = SeenFile(self.home)
        self.timeline = Timeline(self.home, self.sandbox)
        self.history = self.timeline.history  # its points (see `history.py`)
        self.journal = Journal(self.home)
        if self.listeners is None:
            self.listeners = [self.seen, self.journal, self.timeline]
        self.teller = ClassTeller(self.home, self.course)
        self._lock_depth = 0
        # What stands where a reset keeps its work but is not the tutor's: left alone, and
        # named (the CLI says so) so that the learner can move it away.
        self.foreign: list[Path] = []
        # What became of an undo cut short, found at the start of this command (finished
        # now, with the work kept that was written since; or why it could not be).
        self.restore_note = ""
        from .restores import finish_interrupted_restore

        finish_interrupted_restore(self)
        if any(path.exists() or path.is_symlink()
               for path in (self.home / SANDBOX_NEW, self.home / SANDBOX_OLD)):
            with self.locked_home():
                self.foreign = self.sandbox.recover()

    @contextlib.contextmanager
    def locked_home(self) -> Iterator[None]:
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

    def current_step_record(self) -> StepRecord:
        """The record of the step the learner is on, for `tutor report`, with the time since
        their previous action counted towards it. A finished lesson has no such step: its
        record is a throwaway."""
        lesson = self.current_lesson()
        step = self.lesson_progress(lesson).step
        if step >= len(lesson.steps):
            self.progress.last_active = now()
            return StepRecord()
        return self.progress.spend(lesson.id, step, now())

    # --- reading the sandbox ----------------------------------------------------------------

    def read_state(self, *, fresh_build: bool = False) -> SandboxState:
        """The live state; with `fresh_build`, the migration files are also applied to an
        empty database (see `FreshBuild`), which costs a migrate."""
        try:
            return self.sandbox.read_state(fresh_build=fresh_build,
                                           releases=self.release_requests())
        except StateUnreadable as problem:
            raise SandboxBroken(problem.message, problem.advice) from None

    def release_requests(self) -> list[dict]:
        """The sandbox's lesson's releases, to run as the state is read (`release.py`)."""
        from .release_requests import release_requests

        return release_requests(self.sandbox, self.course, self.require_trust)

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

    def context(self) -> Context:
        from .checks import Context

        return Context(sandbox=self.sandbox.path, start=self.sandbox.start_state())

    def require_lesson_sandbox(self, lesson: Lesson) -> None:
        self.sandbox.require()
        built_for = self.sandbox.lesson_id()
        if built_for != lesson.id:
            raise SandboxBroken(f"The sandbox was built for {built_for or 'another lesson'}, "
                                f"not for {lesson.id}.",
                                f"Run `tutor reset {lesson.id}` to build this lesson's sandbox.")

    def require_trust(self, lesson: Lesson) -> None:
        """A lesson from outside the shipped course runs only once its course is trusted."""
        if lesson.shipped:
            return
        from .trust import require_trust

        require_trust(self.home, self.course, lesson, self.trust_course)

    # --- checking ---------------------------------------------------------------------------

    def check(self, did: str = "", since: SandboxState | None = None) -> CheckReport:
        """Judge the current step; on success advance, and keep passing the steps after it
        that the state already satisfies. `did`: the command that led here, for the
        timeline (see `history.py`); "" for work the tutor did not run. `since`: the state
        the learner saw last, that "what changed" is said against (default: the last the
        journal saw)."""
        with self.locked_home():
            report = self.judge_and_record(did=did, since=since)
        self.teller.checked(report, self.progress)
        return report

    def judge_and_record(self, state: SandboxState | None = None, counted: bool = True,
                         did: str = "", answered: tuple[str, list[str]] | None = None,
                         fast_forward: bool = False,
                         since: SandboxState | None = None) -> CheckReport:
        """Judge `state` (default: read now), move progress and hand the listeners the check.
        `counted`: a check the learner asked for (every `tutor check`, the session's check
        after each command, the one after a right answer), not the one after a solution.
        `answered`: the question and the right answer that led to this check. The home's
        lock is held."""
        from .checking import changes_since, judge_state, notice_broken_release, where_said
        from .check_report import CheckReport

        lesson = self.current_lesson()
        self.require_lesson_sandbox(lesson)
        progress = self.lesson_progress(lesson)
        if counted:
            self.current_step_record().checks += 1
        try:
            state = state or self.read_state()
        except TutorError:
            self.save()  # a check that found the sandbox broken was still tried
            raise
        seen = self.seen.load(lesson.id)
        noticed = notice_broken_release(lesson, progress.step, state, seen)
        verdict, state = judge_state(lesson, progress, state, seen, self.context(),
                                     lambda: self.read_state(fresh_build=True))
        if verdict.passed_steps:
            self.progress.advance(lesson.id, len(lesson.steps), verdict.passed_steps,
                                  verdict.step_index, verdict.lesson_complete, now())
        self.progress.current = lesson.id
        self.save()
        changes = [] if fast_forward else changes_since(
            since or self.journal.last_state(lesson.id) or self.sandbox.start_state(), state)
        where = where_said(lesson, verdict, state, seen, self.sandbox.applied_at_start)
        report = CheckReport(lesson, verdict, state, where, changes)
        checked = Checked(report, did, progress.step, seen, noticed, answered, fast_forward)
        for listener in self.listeners:
            listener.checked(checked)
        return report

    def tell_class(self, kind: str, detail: dict | None = None,
                   where: dict | None = None) -> None:
        """Queue an event for the learner's class, at `where` (default: where they stand
        now); nothing when they are in none. Never raises, never waits on the network."""
        self.teller.tell(kind, self.progress, detail, where)

    # --- questions, hints and solutions --------------------------------------------------------

    def pose_question(self) -> tuple[Step, Posed | None]:
        """The current step's question, made concrete against the state it is about."""
        from .answering import pose_question

        return pose_question(self)

    def answer(self, values: list[str]) -> AnswerReport:
        """Judge an answer to the current step's question against the state it is about; a
        right answer is remembered and the step checked at once."""
        from .answering import answer

        with self.locked_home():
            report = answer(self, values)
        self.teller.checked(report.check, self.progress)
        return report

    def next_hint(self) -> Hint:
        """The current step's next hint (its last, once all were shown), counted."""
        from .solving import next_hint

        return next_hint(self)

    def solve(self, on_action: SolutionHeard) -> CheckReport:
        """Carry out the current step's reference solution with real commands, then check."""
        from .solving import solve

        return solve(self, on_action)

    def play(self, actions: list[SolutionAction]) -> CheckReport:
        """Carry out `actions` in place of the current step's solution, whatever their status,
        answer its question rightly and check: what a learner who took that road would be
        told (the mutation lint's mutants, see `mutants.py`)."""
        from .solving import carry_out

        with self.locked_home():
            return carry_out(self, actions=actions)

    def show_solution(self) -> Step:
        """The current step, whose reference solution the learner asked to see (counted)."""
        from .solving import show_solution

        return show_solution(self)

    # --- reset, and the timeline ---------------------------------------------------------------

    def reset(self, lesson: Lesson, forget_progress: bool = False, step: int = 1,
              announce: Callable[[str], object] | None = None) -> Reset:
        """Rebuild the sandbox in `lesson`'s start and make it current (see `resets.py`), at
        `step` (fast-forwarded); `forget_progress` forgets all progress first. Returns the
        reset; `announce` hears what takes time as it begins, once nothing can refuse it."""
        if not 1 <= step <= len(lesson.steps):
            raise TutorError(f"{lesson.id} has {len(lesson.steps)} steps: there is no step "
                             f"{step}.", f"Give --step 1 to {len(lesson.steps)}.")
        from .resets import rebuild

        with self.locked_home():
            if forget_progress:
                self.progress.forget()
            reset = rebuild(self, lesson, step, announce)
        self.tell_class("reset", {"step": step})
        return reset

    def remember_before_command(self) -> None:
        """Before a command runs: the sandbox as it is, so that the command can be undone (on
        a server, the check after the last command took it: no state is read here)."""
        with self.locked_home():
            if self.sandbox.exists() and self.progress.current in self.course.order:
                lesson = self.current_lesson()
                self.timeline.take_point("", self.lesson_progress(lesson).step)

    def undo(self, count: int = 1, told: Callable[[str], object] | None = None,
             since: SandboxState | None = None) -> RestoreReport:
        """Take the sandbox, and progress, back `count` points of its timeline (see
        `restores.py`), then check where that left it: one report of both. `since`: the state
        "what changed" is said against (default: read before the undo); `told` hears that a
        Ctrl-C waits for the restore to finish."""
        from .restores import restore

        return restore(self, count, redo=False, told=told, since=since)

    def redo(self, count: int = 1, told: Callable[[str], object] | None = None,
             since: SandboxState | None = None) -> RestoreReport:
        """Take back the last `count` undos, then check where that left the sandbox (see
        `undo`). Refused when there is nothing to redo, or when the sandbox changed since."""
        from .restores import restore

        return restore(self, count, redo=True, told=told, since=since)

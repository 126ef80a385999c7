"""A learner's workspace: the course, their progress and their sandbox, and what they can do
with them (check, hint, solve, reset). The CLI and the interactive session both call these;
neither decides anything on its own.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from .exceptions import SandboxBroken, TutorError
from .lessons import Course, Lesson, SolutionAction, Step, load_course
from .lock import home_lock
from .paths import claim_home, course_cache
from .progress import LessonProgress, Progress, ProgressFile, StepRecord, now
from .sandbox import Sandbox
from .state import SandboxState, StateUnreadable

if TYPE_CHECKING:
    from .checks import StepResult
    from .questions import Posed

# The checking engine (checks, questions) is imported by the methods that judge: a reset or a
# hint does not pay for it.


@dataclass(frozen=True)
class CheckReport:
    lesson: Lesson
    step_index: int              # the step that was checked
    result: StepResult           # the outcomes of the first step that did not pass, or the last
    passed_steps: list[int]      # steps that passed in this run, in order
    lesson_complete: bool
    state: SandboxState
    # When the step did not pass: where the state stands relative to its goal.
    orientation: str = ""

    @property
    def passed(self) -> bool:
        """The step checked passed now, or the lesson was already complete."""
        return bool(self.passed_steps) or self.lesson_complete

    def to_json(self) -> dict:
        step = self.lesson.steps[self.step_index]
        return {
            "lesson": self.lesson.id,
            "step": step.title,
            "step_index": self.step_index,
            "steps_total": len(self.lesson.steps),
            "passed": self.passed,
            "passed_steps": self.passed_steps,
            "lesson_complete": self.lesson_complete,
            "expectations": [o.to_json() for o in self.result.outcomes],
            "notes": list(self.state.notes),
            "where": self.orientation,
        }


@dataclass(frozen=True)
class AnswerReport:
    posed: Posed
    right: bool
    detail: str
    check: CheckReport | None  # the check that followed a right answer


@dataclass(frozen=True)
class Hint:
    number: int   # 1-based
    total: int
    text: str


@dataclass
class Workspace:
    home: Path
    course: Course | None = None

    def __post_init__(self) -> None:
        if self.course is None:
            self.course = load_course(cache=course_cache(self.home))
        self.sandbox = Sandbox(self.home)
        self.progress_file = ProgressFile(self.home)
        self.progress: Progress = self.progress_file.load()
        self._lock_depth = 0
        if (self.home / "sandbox.new").exists() or (self.home / "sandbox.old").exists():
            with self.changing():
                self.sandbox.recover()

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

    def read_state(self) -> SandboxState:
        try:
            return self.sandbox.read_state()
        except StateUnreadable as problem:
            raise SandboxBroken(problem.message, problem.advice) from None

    def require_lesson_sandbox(self, lesson: Lesson) -> None:
        self.sandbox.require()
        built_for = self.sandbox.lesson_id()
        if built_for != lesson.id:
            raise SandboxBroken(
                f"The sandbox was built for {built_for or 'another lesson'}, not for "
                f"{lesson.id}.",
                f"Run `tutor reset {lesson.id}` to build this lesson's sandbox.",
            )

    def check(self) -> CheckReport:
        """Judge the current step; on success advance, and keep passing the steps after it
        that the state already satisfies."""
        with self.changing():
            return self._check()

    def _check(self, state: SandboxState | None = None, counted: bool = True) -> CheckReport:
        """`counted`: a check the learner asked for (every `tutor check`, the session's check
        after each command, the one after a right answer), not the one after a solution."""
        from .checks import where_you_are

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
        if progress.step >= len(lesson.steps):
            index = len(lesson.steps) - 1
            return CheckReport(lesson, index, self.judge_step(lesson, index, state),
                               [], True, state)
        passed: list[int] = []
        index = progress.step
        while True:
            result = self.judge_step(lesson, index, state)
            if not result.passed:
                reached = self._reached_later_step(lesson, index, state)
                if reached is None:
                    break
                # Done in one go: the goal of a later step holds, so the steps before it are
                # behind the learner even if their intermediate states are gone.
                passed.extend(range(index, reached))
                index = reached
                result = self.judge_step(lesson, index, state)
            passed.append(index)
            if index + 1 == len(lesson.steps):
                break
            index += 1
        complete = bool(passed) and passed[-1] == len(lesson.steps) - 1
        at = now()
        for passed_index in passed:
            self.progress.pass_step(lesson.id, passed_index, at)
        if passed and not complete:
            self.progress.begin(lesson.id, index, at)
        progress.step = len(lesson.steps) if complete else index
        progress.completed = progress.completed or complete
        self.progress.current = lesson.id
        self.save()
        orientation = "" if complete else where_you_are(lesson.steps[index], state,
                                                         self.sandbox.applied_at_start())
        return CheckReport(lesson, index, result, passed, complete, state, orientation)

    def _reached_later_step(self, lesson: Lesson, index: int, state: SandboxState) -> int | None:
        """The first later step whose goal already holds, unless a question comes first: a
        question is never skipped."""
        for later in range(index, len(lesson.steps)):
            if lesson.steps[later].question is not None:
                return None
            if later > index and self.judge_step(lesson, later, state).passed:
                return later
        return None

    def judge_step(self, lesson: Lesson, index: int, state: SandboxState) -> StepResult:
        """A step passes when its question (if any) was answered rightly and every expectation
        holds in the state."""
        from .checks import Outcome, StepResult, check_step
        from .questions import pose

        step = lesson.steps[index]
        result = check_step(step, state, self.sandbox.path)
        if step.question is None:
            return result
        answered = index in self.lesson_progress(lesson).answered
        detail = "" if answered else pose(step.question, state).answer_hint()
        question = Outcome(f"question answered: {step.question.ask}", answered, detail)
        return StepResult([question, *result.outcomes])

    def pose_question(self) -> tuple[Step, Posed | None]:
        """The current step's question, made concrete against the live state."""
        from .questions import pose

        lesson, _, step = self.current_step()
        if step.question is None:
            return step, None
        self.require_lesson_sandbox(lesson)
        return step, pose(step.question, self.read_state())

    def answer(self, values: list[str]) -> AnswerReport:
        """Judge an answer to the current step's question against the live state; a right
        answer is remembered and the step checked at once."""
        with self.changing():
            return self._answer(values)

    def _answer(self, values: list[str]) -> AnswerReport:
        from .questions import judge, pose

        lesson, index, step = self.current_step()
        if step.question is None:
            raise TutorError(f"Step {index + 1} of {lesson.id} asks no question.",
                             "Do what the step says, then run `tutor check`.")
        self.require_lesson_sandbox(lesson)
        state = self.read_state()
        posed = pose(step.question, state)
        right, detail = judge(posed, values)
        self._record().answers += 1
        if not right:
            self.save()
            return AnswerReport(posed, False, detail, None)
        answered = self.lesson_progress(lesson).answered
        if index not in answered:
            answered.append(index)
        return AnswerReport(posed, True, "", self._check(state))

    # --- help -------------------------------------------------------------------------------

    def next_hint(self) -> Hint:
        with self.changing():
            return self._next_hint()

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
            return self._solve(on_action)

    def _solve(self, on_action: Callable[[SolutionAction, int, str], None]) -> CheckReport:
        from .questions import pose

        lesson, index, step = self.current_step()
        self.require_lesson_sandbox(lesson)
        self._record().solutions += 1
        for action in step.solution:
            status, output = self.sandbox.perform(action)
            on_action(action, status, output)
            if (status != 0) != action.fails:
                raise TutorError(
                    f"The solution's `{action.describe()}` "
                    + (f"failed (exit status {status})." if status else "was meant to fail."),
                    "The sandbox is not in this step's starting state. Run `tutor reset` to "
                    "start the lesson over.",
                )
        # A question is answered from the state the solution's commands leave.
        state = None
        if step.question is not None and index not in self.lesson_progress(lesson).answered:
            state = self.read_state()
            posed = pose(step.question, state)
            shown = " ".join(posed.correct) or "--none"
            on_action(SolutionAction(run=f"tutor answer {shown}"), 0, "")
            self.lesson_progress(lesson).answered.append(index)
        return self._check(state, counted=False)

    def show_solution(self) -> Step:
        """The current step, whose reference solution the learner asked to see: that counts
        as a solution shown in their report."""
        with self.changing():
            self._record().solutions += 1
            self.save()
            return self.current_step()[2]

    def reset(self, lesson: Lesson, forget_progress: bool = False) -> None:
        """Rebuild the sandbox in `lesson`'s starting state and make it current, at step one
        (with `forget_progress`, all progress is forgotten first)."""
        with self.changing():
            if forget_progress:
                self.progress = Progress(learner=self.progress.learner)  # a name is not progress
            self._reset(lesson)

    def _reset(self, lesson: Lesson) -> None:
        if self.progress.current in self.course.order:
            # The time up to a reset was spent on the step the learner was on (if that lesson
            # still loads: a reset is the way out of a broken one).
            with contextlib.suppress(TutorError):
                self._record()
        self.sandbox.build(lesson)
        self.progress.current = lesson.id
        # `completed` remembers that the lesson was once finished, and the step records what
        # was done (for `tutor report`); the steps start over.
        before = self.lesson_progress(lesson)
        self.progress.lessons[lesson.id] = LessonProgress(completed=before.completed,
                                                          steps=before.steps)
        self.progress.begin(lesson.id, 0, now())
        self.save()

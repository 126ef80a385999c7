"""The service's check, the judging half: a state judged against the learner's step (read
again with a fresh build when a step is down to what only that tells), a release newly seen
broken noted, what changed since the tutor last saw the sandbox, and where the learner
stands said when the step did not pass. Nothing here writes; the workspace records the
verdict (`Workspace.judge_and_record`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .checks import Context
    from .judge import Verdict
    from .lessons import Lesson
    from .progress import LessonProgress
    from .seen import StepStates
    from .state import SandboxState


def judge_state(lesson: Lesson, progress: LessonProgress, state: SandboxState,
                seen: StepStates, context: Context,
                read_fresh_build: Callable[[], SandboxState]
                ) -> tuple[Verdict, SandboxState]:
    """The verdict on `state` at the learner's step, and the state it was given on (read
    again by `read_fresh_build` when a step is down to what only a fresh build tells)."""
    from .judge import judge_lesson

    verdict = judge_lesson(lesson, progress.step, state, context, set(progress.answered),
                           seen)
    if verdict.wants_fresh_build:
        state = read_fresh_build()
        verdict = judge_lesson(lesson, progress.step, state, context,
                               set(progress.answered), seen)
    return verdict, state


def notice_broken_release(lesson: Lesson, index: int, state: SandboxState,
                          seen: StepStates) -> bool:
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


def changes_since(before: SandboxState | None, state: SandboxState) -> list[str]:
    """What changed since the tutor last saw the sandbox (`before`: the journal's last
    state, or the lesson's start after a reset; None: nothing to say it against)."""
    from .changes import describe_changes

    return describe_changes(before, state) if before is not None else []


def where_said(lesson: Lesson, verdict: Verdict, state: SandboxState, seen: StepStates,
               applied_at_start: Callable[[], set[str]]) -> str:
    """Where the migrations stand relative to the step's goal, when it did not pass, against
    the migrations applied when the step began (the lesson's start, `applied_at_start()`,
    for its first step or where the tutor saw none); and what was seen done ahead of it."""
    from .judge import seen_ahead
    from .step_position import where_you_are

    where = ""
    if not verdict.passed:
        began = state if verdict.passed_steps and not verdict.lesson_complete \
            else seen.began.get(verdict.step_index)
        applied = began.applied_keys() if began is not None else applied_at_start()
        where = where_you_are(lesson.steps[verdict.step_index], state, applied)
    if verdict.ahead is not None:
        where = f"{where} {seen_ahead(lesson, verdict)}".strip()
    return where

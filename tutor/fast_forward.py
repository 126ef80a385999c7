"""`tutor reset LESSON --step N`: the learner put at step N with the sandbox as the reference
solutions of steps 1 to N - 1 leave it. Each of those steps is marked fast-forwarded, not
solved by the learner (a step they passed before keeps their pass).

The first fast-forward to a step carries the solutions out with real commands, each step
checked to pass; the sandbox it reaches is kept (with the states its steps saw), and the
next fast-forward there starts from that copy (see `Snapshots.keep_step_copy`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .exceptions import TutorError
from .home_layout import SNAPSHOT_SEEN
from .progress import LessonProgress, now
from .solving import carry_out

if TYPE_CHECKING:
    from .lessons import Lesson
    from .state import SandboxState
    from .workspace import Workspace


def place_at_step(lesson: Lesson, progress: LessonProgress, index: int) -> None:
    """Progress at step `index`, every question before it answered (as solving them does)."""
    progress.step = index
    progress.answered = [i for i in range(index) if lesson.steps[i].question is not None]


def fast_forward(workspace: Workspace, lesson: Lesson, step: int) -> SandboxState:
    """From the lesson's start (the sandbox just built), the reference solutions of steps 1
    to `step` - 1; returns the state reached. The workspace's lock is held."""
    workspace.require_trust(lesson)
    passed_before = {index for index in range(step - 1)
                     if workspace.progress.record(lesson.id, index).passed_at is not None}
    kept_at = workspace.sandbox.kept.step_copies(lesson)  # (works out the lesson's key once)
    begin = _from_nearest_copy(workspace, kept_at, step)
    progress = workspace.lesson_progress(lesson)
    place_at_step(lesson, progress, begin - 1)
    for index in range(begin - 1, step - 1):
        report = carry_out(workspace, fast_forward=True)
        if index not in report.passed_steps:
            raise TutorError(
                f"Step {index + 1} of {lesson.id} did not pass after its reference "
                "solution, so the lesson cannot be fast-forwarded past it.",
                "The lesson file is at fault: `tutor lint-lessons --solve` tells more.")
    if begin < step and workspace.seen.path.is_file():
        workspace.sandbox.kept.keep_step_copy(kept_at(step), workspace.seen.path)
    at = now()
    for index in range(step - 1):
        if index not in passed_before:
            workspace.progress.record(lesson.id, index).fast_forwarded = True
        workspace.progress.pass_step(lesson.id, index, at)
    place_at_step(lesson, progress, step - 1)
    workspace.progress.begin(lesson.id, step - 1, at)
    workspace.save()
    return workspace.read_state()


def _from_nearest_copy(workspace: Workspace, kept_at: Callable[[int], Path],
                       step: int) -> int:
    """The sandbox put back as kept at the nearest step at or before `step` (with the seen
    states of then); returns that step (1: none kept, the sandbox is at the start)."""
    for nearest in range(step, 1, -1):
        if workspace.sandbox.kept.has_step_copy(kept_at(nearest)):
            workspace.sandbox.kept.restore_step_copy(kept_at(nearest))
            shutil.copyfile(kept_at(nearest) / SNAPSHOT_SEEN, workspace.seen.path)
            return nearest
    return 1

"""`tutor reset`: the lesson's sandbox built anew, and the learner at its first step, or
fast-forwarded to a later one (`fast_forward.py`). The listeners hear of it twice: once the
sandbox is built (what belonged to the old build goes) and once the learner stands at the
step asked for (the timeline and the notes begin there).
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import TYPE_CHECKING, Callable

from .exceptions import TutorError
from .listeners import Reset
from .progress import LessonProgress, now

if TYPE_CHECKING:
    from .lessons import Lesson
    from .workspace import Workspace


def rebuild(workspace: Workspace, lesson: Lesson, step: int,
            announce: Callable[[str], object] | None) -> Reset:
    """Rebuild the sandbox for `lesson` at `step` (see `Workspace.reset`); returns the reset,
    as the listeners heard it. The home's lock is held."""
    workspace.require_trust(lesson)
    if workspace.progress.current in workspace.course.order:
        # The time up to a reset was spent on the step the learner was on (if that lesson
        # still loads: a reset is the way out of a broken one).
        with contextlib.suppress(TutorError):
            workspace.current_step_record()
    notes = workspace.sandbox.build(lesson, announce)
    reset = Reset(lesson, step, f"tutor reset {lesson.id}"
                                + (f" --step {step}" if step > 1 else ""), notes=tuple(notes))
    for listener in workspace.listeners:
        listener.reset_built(reset)
    workspace.progress.current = lesson.id
    # `completed` remembers that the lesson was once finished, and the step records what
    # was done (for `tutor report`); the steps start over.
    before = workspace.lesson_progress(lesson)
    workspace.progress.lessons[lesson.id] = LessonProgress(completed=before.completed,
                                                           steps=before.steps)
    workspace.progress.begin(lesson.id, 0, now())
    workspace.save()
    if step > 1:
        from .fast_forward import fast_forward

        if announce is not None:
            announce(f"Fast-forwarding {lesson.id} to step {step}...")
        reset = dataclasses.replace(reset, reached=fast_forward(workspace, lesson, step))
    for listener in workspace.listeners:
        listener.reset_done(reset)
    return reset

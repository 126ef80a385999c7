"""`tutor start`'s choosing of a lesson: where a session starts (the lesson named, the one in
progress, or the one the learner picks from the course), a lesson at a later step
(fast-forward), and what comes after a lesson."""

from __future__ import annotations

from typing import Callable

from . import plain, ui
from .lessons import Lesson
from .workspace import Workspace

AT_A_STEP = "@step"  # the lesson menu's "start at a later step" (no lesson id has an @)
AFTER_LESSON = [("next", "Start the next lesson"), ("menu", "Choose a lesson"),
                ("quit", "Quit")]


class LessonMenu:
    """The lessons a session offers, with the learner's progress in each; `reset` builds a
    chosen lesson at a chosen step (the session's own, which says what it does)."""

    def __init__(self, workspace: Workspace, reset: Callable[[Lesson, int], None]):
        self.workspace = workspace
        self.reset = reset

    def pick_start(self, lesson_id: str | None) -> Lesson | None:
        course = self.workspace.course
        if lesson_id:
            return course.get(lesson_id)
        progress = self.workspace.progress
        if progress.current in course.order:
            lesson = course.get(progress.current)
            if self.workspace.lesson_progress(lesson).step < len(lesson.steps):
                ui.console.print(f"Resuming [bold]{lesson.title}[/bold].")
                return lesson
        return self.choose_lesson()

    def choose_lesson(self) -> Lesson | None:
        course = self.workspace.course
        choices = []
        backend = self.workspace.backend()
        for number, lesson in enumerate(course.lessons, 1):
            progress = self.workspace.lesson_progress(lesson)
            mark = (plain.mark("done") if progress.finished(len(lesson.steps))
                    else plain.mark("begun") if progress.step else " ")
            missing = lesson.tools_missing()
            needs = f" - needs {', '.join(missing)}, skipped" if missing else ""
            if not missing and lesson.unavailable_on(backend):
                needs = " - not on this database, skipped"
            choices.append((lesson.id, f"{mark} {number}. {lesson.title} ({lesson.id}){needs}"))
        choices.append((AT_A_STEP, "Start a lesson at a later step (fast-forward)"))
        choices.append(("", "Quit"))
        chosen = ui.ask_choice("Which lesson?", choices)
        if chosen == AT_A_STEP:
            return self.choose_step(choices[:-2])
        return course.get(chosen) if chosen else None

    def choose_step(self, lessons: list[tuple[str, str]]) -> Lesson | None:
        """A lesson and a step of it: the steps before it are fast-forwarded (their
        reference solutions carried out), and the lesson opens there."""
        course = self.workspace.course
        chosen = ui.ask_choice("Fast-forward which lesson?",
                               [c for c in lessons if len(course.get(c[0]).steps) > 1]
                               + [("", "Back")])
        if not chosen:
            return self.choose_lesson()
        lesson = course.get(chosen)
        step = ui.ask_choice("Start at which step?", [
            (str(number), f"Step {number}/{len(lesson.steps)}: {step.title}")
            for number, step in enumerate(lesson.steps, 1) if number > 1])
        self.reset(lesson, int(step))
        return lesson

    def after_lesson(self, lesson: Lesson) -> Lesson | None:
        following = self.workspace.course.next_after(lesson.id)
        choices = AFTER_LESSON if following else AFTER_LESSON[1:]
        choice = ui.ask_choice("What next?", choices)
        if choice == "next":
            return following
        if choice == "menu":
            return self.choose_lesson()
        return None

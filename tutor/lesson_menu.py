"""`tutor start`'s choosing of a lesson: where a session starts (the lesson named, the chapter
named, the one in progress, or the one the learner picks: a chapter first, then one of its
lessons, when the course has chapters), a lesson at a later step (fast-forward), and what
comes after a lesson (the next on the path; the end of a chapter is said)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from . import asking, path_view, plain, ui
from .course.chapters import chapter_named, done_words, length_words
from .lessons import Lesson
from .workspace import Workspace

if TYPE_CHECKING:
    from .course.course import Chapter

# Menu values that no lesson id can be (an id has no @).
AT_A_STEP = "@step"  # "start a lesson at a later step"
BACK = "@back"  # back to the chapters
AFTER_LESSON = [("next", "Start the next lesson"), ("menu", "Choose a lesson"),
                ("quit", "Quit")]


class LessonMenu:
    """The lessons a session offers, with the learner's progress in each, by chapter when the
    course has chapters; `reset` builds a chosen lesson at a chosen step (the session's own,
    which says what it does)."""

    def __init__(self, workspace: Workspace, reset: Callable[[Lesson, int], None]):
        self.workspace = workspace
        self.reset = reset

    def pick_start(self, lesson_id: str | None, chapter_id: str | None = None) -> Lesson | None:
        course = self.workspace.course
        if lesson_id:
            return course.get(lesson_id)
        if chapter_id is not None:
            return self.start_chapter(chapter_named(course.chapters, chapter_id))
        progress = self.workspace.progress
        if progress.current in course.order:
            lesson = course.get(progress.current)
            if self.workspace.lesson_progress(lesson).step < len(lesson.steps):
                ui.console.print(f"Resuming [bold]{ui.literal(lesson.title)}[/bold].")
                return lesson
        return self.choose_lesson()

    # --- the path: chapters and their progress ---------------------------------------------

    def done(self, lesson: Lesson) -> bool:
        return self.workspace.lesson_progress(lesson).finished(len(lesson.steps))

    def lessons_of(self, chapter: Chapter) -> list[Lesson]:
        """The chapter's lessons that load, in its order."""
        return [lesson for lesson in self.workspace.course.lessons
                if lesson.id in chapter.lessons]

    def chapter_number(self, chapter: Chapter) -> int:
        return self.workspace.course.chapters.index(chapter) + 1

    def start_chapter(self, chapter: Chapter) -> Lesson | None:
        """`tutor start --chapter`: the chapter's first lesson not completed yet; when every
        one is, the chapter's lessons to choose from."""
        lessons = self.lessons_of(chapter)
        left = [lesson for lesson in lessons if not self.done(lesson)]
        # (One this machine or database cannot take would be skipped, into the next chapter.)
        backend = self.workspace.backend()
        takeable = [lesson for lesson in left if self.can_take(lesson, backend)]
        if takeable:
            return takeable[0]
        ui.say(f"Chapter {self.chapter_number(chapter)}, {ui.literal(chapter.title)}, has "
               + ("no lesson left that you can take here" if left else "every lesson done")
               + ": choose one to take (again).")
        return self.choose_lesson(chapter)

    def progress_in(self, chapter: Chapter) -> tuple[int, int, int]:
        """The chapter's lessons done, of those that can be taken here, and how many cannot
        (a lesson of MariaDB's story on SQLite: never counted against the learner)."""
        lessons = self.lessons_of(chapter)
        backend = self.workspace.backend()  # (read once, not once a lesson)
        here = [lesson for lesson in lessons if self.can_take(lesson, backend)]
        return sum(map(self.done, here)), len(here), len(lessons) - len(here)

    def can_take(self, lesson: Lesson, backend: str) -> bool:
        """Not skipped here: the programs it needs are installed, and its story holds on the
        sandbox's database (`backend`)."""
        return not lesson.tools_missing() and not lesson.unavailable_on(backend)

    def choose_chapter(self) -> Lesson | None:
        """The chapters, each with the learner's progress in it; then the chosen one's
        lessons."""
        chapters = self.workspace.course.chapters
        choices = []
        for number, chapter in enumerate(chapters, 1):
            done, total, elsewhere = self.progress_in(chapter)
            mark = (plain.mark("done") if total and done == total
                    else plain.mark("begun") if done else " ")
            # (In plain mode the prompt numbers the lines: the chapter's number is that one.)
            numbered = f"{number}. " if not plain.on() else ""
            choices.append((str(number), f"{mark} {numbered}{chapter.title} "
                                         f"({done_words(done, total, elsewhere)})"))
        chosen = asking.ask_choice("Which chapter?", choices + [("", "Quit")])
        return self.choose_lesson(chapters[int(chosen) - 1]) if chosen else None

    # --- a lesson ------------------------------------------------------------------------

    def choose_lesson(self, chapter: Chapter | None = None) -> Lesson | None:
        """A chapter's lessons (with chapters and none given: the chapters first), or every
        lesson of a course without chapters."""
        course = self.workspace.course
        if chapter is None and course.chapters:
            return self.choose_chapter()
        lessons = course.lessons if chapter is None else self.lessons_of(chapter)
        if chapter is not None:
            path_view.show_chapter_heading(self.chapter_number(chapter), len(course.chapters),
                                           chapter.title, chapter.promise,
                                           *self.progress_in(chapter))
        choices = self.lesson_choices(lessons)
        chosen = asking.ask_choice("Which lesson?", [
            *choices, (AT_A_STEP, "Start a lesson at a later step (fast-forward)"),
            *([(BACK, "Back to the chapters")] if chapter is not None else []), ("", "Quit")])
        if chosen == AT_A_STEP:
            return self.choose_step(choices, chapter)
        if chosen == BACK:
            return self.choose_chapter()
        return course.get(chosen) if chosen else None

    def lesson_choices(self, lessons: list[Lesson]) -> list[tuple[str, str]]:
        """Each lesson with its number in the course, its length and the learner's progress."""
        course, backend = self.workspace.course, self.workspace.backend()
        choices = []
        for lesson in lessons:
            progress = self.workspace.lesson_progress(lesson)
            mark = (plain.mark("done") if progress.finished(len(lesson.steps))
                    else plain.mark("begun") if progress.step else " ")
            missing = lesson.tools_missing()
            needs = f" - needs {', '.join(missing)}, skipped" if missing else ""
            if not missing and lesson.unavailable_on(backend):
                needs = " - not on this database, skipped"
            number, length = course.number(lesson.id), length_words(len(lesson.steps))
            # (In plain mode the prompt numbers the lines: the course's number follows.)
            label = (f"{number}. {lesson.title} ({lesson.id}) · {length}" if not plain.on()
                     else f"{lesson.title} ({lesson.id}, lesson {number}, {length})")
            choices.append((lesson.id, f"{mark} {label}{needs}"))
        return choices

    def choose_step(self, lessons: list[tuple[str, str]],
                    chapter: Chapter | None = None) -> Lesson | None:
        """A lesson and a step of it: the steps before it are fast-forwarded (their
        reference solutions carried out), and the lesson opens there."""
        course = self.workspace.course
        chosen = asking.ask_choice("Fast-forward which lesson?",
                               [c for c in lessons if len(course.get(c[0]).steps) > 1]
                               + [("", "Back")])
        if not chosen:
            return self.choose_lesson(chapter)
        lesson = course.get(chosen)
        step = asking.ask_choice("Start at which step?", [
            (str(number), f"Step {number}/{len(lesson.steps)}: {step.title}")
            for number, step in enumerate(lesson.steps, 1) if number > 1])
        self.reset(lesson, int(step))
        return lesson

    # --- after a lesson --------------------------------------------------------------------

    def under_title(self, lesson: Lesson) -> str:
        """The line under a lesson's title as it opens: its chapter and length."""
        chapter = self.workspace.course.chapter_of(lesson.id)
        if chapter is None:
            return path_view.chapter_line(0, 0, "", len(lesson.steps))
        return path_view.chapter_line(self.chapter_number(chapter),
                                      len(self.workspace.course.chapters), chapter.title,
                                      len(lesson.steps))

    def after_lesson(self, lesson: Lesson) -> Lesson | None:
        course = self.workspace.course
        following = course.next_after(lesson.id)
        choices = AFTER_LESSON if following else AFTER_LESSON[1:]
        chapter = course.chapter_of(lesson.id)
        going_on = course.chapter_of(following.id) if following else None
        if chapter is not None and going_on is not chapter:
            self.say_chapter_ended(chapter, going_on)
            if going_on is not None:
                choices = [("next", f"Start chapter {self.chapter_number(going_on)}: "
                                    f"{going_on.title}"), *AFTER_LESSON[1:]]
        choice = asking.ask_choice("What next?", choices)
        if choice == "next":
            return following
        if choice == "menu":
            return self.choose_lesson()
        return None

    def say_chapter_ended(self, chapter: Chapter, going_on: Chapter | None) -> None:
        """The lesson just finished was the last of `chapter` on the path (the last that
        loads): how much of it is done, and the chapter the path goes on to."""
        following = None if going_on is None else (
            self.chapter_number(going_on), going_on.title, going_on.promise)
        path_view.show_chapter_end(self.chapter_number(chapter), chapter.title,
                                   *self.progress_in(chapter), following)

"""What the learner sees of the course's path: `tutor lessons` by chapter (a heading with the
chapter's promise and the learner's progress in it, then its lessons' table), and in `tutor
start` a chapter's heading, the line under a lesson's title, and the end of a chapter.

A course's titles and promises are data (an instructor's course file): shown through `literal`
(control characters made visible, never read as markup). Nothing here decides anything:
the progress is counted by the caller, the words are course/chapters.py's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .course.chapters import done_words, length_words
from .markup import literal, say

if TYPE_CHECKING:
    from .json_reports import LessonRow, LessonsReport

COURSE_CAPTION = "migration tutor: the course"


def show_lessons(report: LessonsReport) -> None:
    """`tutor lessons`: the course's title, then one table, or one per chapter."""
    from . import ui

    course = report.course
    if course.title:
        say("[bold]" + literal(course.title) + "[/bold]")
    if not course.chapters:
        ui.show_lessons_table(_table_rows(report.rows), COURSE_CAPTION)
        return
    say(f"[italic]{COURSE_CAPTION}[/italic]")
    for number, chapter in enumerate(course.chapters, 1):
        rows = report.rows_of(chapter)
        here = [row for row in rows if not row.missing and not row.unavailable]
        say()
        show_chapter_heading(number, len(course.chapters), chapter.title, chapter.promise,
                             sum(row.completed for row in here), len(here),
                             len(rows) - len(here))
        if rows:
            ui.show_lessons_table(_table_rows(rows))
        else:  # each of its lessons was left out (and named in a note above)
            say("[dim]  (none of its lessons could be read)[/dim]")


def show_chapter_heading(number: int, chapters: int, title: str, promise: str, done: int,
                         lessons: int, elsewhere: int = 0) -> None:
    """ "Chapter 2/5: When the data matters (1 of 3 done)", then its promise (`lessons`: those
    that can be taken here; `elsewhere`: the others)."""
    say(f"[bold]Chapter {number}/{chapters}: {literal(title)}[/bold] "
        f"({done_words(done, lessons, elsewhere)})")
    say(f"[dim]{literal(promise)}[/dim]")


def chapter_line(number: int, chapters: int, title: str, steps: int) -> str:
    """The line under a lesson's title as it opens (markup): where it stands in the path, and
    its length. `number` 0: the course has no chapters."""
    length = length_words(steps)
    if not number:
        return length
    from . import plain

    return f"Chapter {number}/{chapters}: {literal(title)}{', ' if plain.on() else ' · '}{length}"


def show_chapter_end(number: int, title: str, done: int, lessons: int, elsewhere: int,
                     following: tuple[int, str, str] | None) -> None:
    """A lesson that ends a chapter: how much of the chapter is done (of the `lessons` that
    can be taken here), and the chapter the path goes on to (`following`: its number, title
    and promise; None: the course ends)."""
    chapter = f"chapter {number}, {literal(title)}"
    progress = done_words(done, lessons, elsewhere)
    if done == lessons:
        say(f"[bold green]You finished {chapter}:[/bold green] {progress}.")
    else:
        say(f"[bold]That was the last lesson of {chapter}:[/bold] {progress}; `tutor start "
            f"--chapter {number}` takes up the first one left.")
    if following is None:
        say("It was the course's last chapter.")
        return
    next_number, next_title, promise = following
    say(f"Next on the path: chapter {next_number}, {literal(next_title)}. "
        f"[dim]{literal(promise)}[/dim]")


def _table_rows(rows: list[LessonRow]) -> list[tuple[int, object, str]]:
    return [(row.number, row.lesson, progress_word(row)) for row in rows]


def progress_word(row: LessonRow) -> str:
    """A lesson's progress column in `tutor lessons`."""
    if row.completed:
        return "done"
    if row.missing:
        return f"skipped: needs {', '.join(row.missing)}"
    if row.unavailable:
        return f"skipped: {row.lesson.backends_named()} only"
    if row.step_index or row.current:
        return (f"step {row.step_index + 1}/{row.lesson.steps}"
                + (" (current)" if row.current else ""))
    return ""

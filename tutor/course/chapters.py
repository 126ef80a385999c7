"""The course's path as the learner meets it: how far along a chapter is, in words; how long a
lesson is and the minutes it typically takes; the chapter a learner names on the command line.

Read-only and light: it works on a `Chapter` (course/course.py) or a `ChapterEntry`
(course/contents.py) alike, and imports no loader, so that `tutor lessons` can use it.

The minutes are an estimate, and say so, until lessons carry measured ones: a step takes
about `MINUTES_PER_STEP` (read the goal, run a command or two, check), and the lesson's intro
`MINUTES_TO_READ`.
"""

from __future__ import annotations

from typing import Protocol, Sequence

from ..exceptions import NoChapters, UnknownChapter

MINUTES_PER_STEP = 2
MINUTES_TO_READ = 1


class AChapter(Protocol):
    id: str
    title: str
    lessons: tuple[str, ...]


def typical_minutes(steps: int) -> int:
    """The minutes a learner typically needs for a lesson of `steps` steps (an estimate)."""
    return MINUTES_TO_READ + MINUTES_PER_STEP * steps


def minutes_words(steps: int) -> str:
    """"~9 min (estimate)": never said without the word that it is one."""
    return f"~{typical_minutes(steps)} min (estimate)"


def length_words(steps: int) -> str:
    """A lesson's length: "4 steps, ~9 min (estimate)"."""
    return f"{steps} step{'' if steps == 1 else 's'}, {minutes_words(steps)}"


def done_words(done: int, total: int, elsewhere: int = 0) -> str:
    """A chapter's progress: "2 of 8 done"; `elsewhere`: its lessons this machine or database
    cannot take, not counted ("5 of 5 done; 1 more needs another database or program")."""
    more = f"; {elsewhere} more needs another database or program" if elsewhere else ""
    return f"{done} of {total} done{more}"


def chapter_named(chapters: Sequence[AChapter], given: str) -> AChapter:
    """The chapter `tutor start --chapter` names: by its id, else by its number (from 1).
    Raises NoChapters for a course that is one list, UnknownChapter for anything else."""
    if not chapters:
        raise NoChapters()
    by_id = next((chapter for chapter in chapters if chapter.id == given), None)
    if by_id is not None:
        return by_id
    if given.isdigit() and given.isascii() and 1 <= int(given) <= len(chapters):
        return chapters[int(given) - 1]
    raise UnknownChapter(given, [chapter.id for chapter in chapters])

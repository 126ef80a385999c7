"""The documented JSON of the commands (README, "JSON output"): one small report type per
command's answer, each turned into JSON by its `to_json()`, and nowhere else.

A command builds its report, then either prints `to_json()` (`--json`) or shows the same
report to the learner: what a script reads and what a person reads come from one object.
The check's own JSON is `CheckReport.to_json` (check_report.py) and the live state's is
`SandboxState.to_json` (state.py); the reports here put them in place. Nothing here reads
the sandbox or decides anything: only the plain data of the course, progress and timeline
is imported, never the checking engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: `tutor lessons` must not import the checking engine
    from .classroom.link import Membership
    from .exceptions import TutorError
    from .history import Point
    from .check_report import AnswerReport, CheckReport
    from .course.contents import ChapterEntry, CourseContents, LessonEntry
    from .lessons import Lesson, Step
    from .progress import Progress
    from .questions import Posed
    from .state import SandboxState
    from .restores import Undone


def error_json(error: TutorError) -> dict:
    """A failure, as a script that asked for JSON gets it (also when the answer is an error)."""
    return {"error": error.message, "advice": error.advice}


def point_json(point: Point) -> dict:
    """A point of the timeline: the command that led to it, what it changed, what it passed."""
    return {"number": point.number, "did": point.did, "at": point.at, "step": point.step + 1,
            "changes": point.changes, "passed": point.passed}


@dataclass(frozen=True)
class LessonRow:
    """One lesson of `tutor lessons`, with the learner's progress in it."""

    number: int  # its place in the whole course, from 1
    lesson: LessonEntry
    chapter: ChapterEntry | None  # None: the course has no chapters
    current: bool
    step_index: int
    completed: bool  # progress.py's rule
    missing: list[str]  # programs the lesson needs that this machine lacks: `start` skips it
    unavailable: str  # why it cannot be taken on the sandbox's database backend ("": it can)

    def to_json(self) -> dict:
        from .course.chapters import typical_minutes

        return {"number": self.number, "id": self.lesson.id, "title": self.lesson.title,
                "chapter": self.chapter.id if self.chapter else None,
                "steps": self.lesson.steps, "minutes": typical_minutes(self.lesson.steps),
                "minutes_from": "estimate", "current": self.current,
                "step_index": self.step_index, "completed": self.completed,
                "missing": self.missing, "unavailable": self.unavailable}


@dataclass(frozen=True)
class LessonsReport:
    """`tutor lessons`: the course, and each lesson's row in course order."""

    course: CourseContents
    rows: list[LessonRow]

    @classmethod
    def of(cls, course: CourseContents, progress: Progress, backend: str) -> LessonsReport:
        rows = []
        for lesson in course.lessons:
            lesson_progress = progress.of(lesson.id)
            rows.append(LessonRow(
                number=course.number(lesson.id), lesson=lesson,
                chapter=course.chapter_of(lesson.id), current=progress.current == lesson.id,
                step_index=min(lesson_progress.step, lesson.steps),
                completed=lesson_progress.finished(lesson.steps),
                missing=lesson.tools_missing(), unavailable=lesson.unavailable_on(backend)))
        return cls(course, rows)

    def rows_of(self, chapter: ChapterEntry) -> list[LessonRow]:
        """The chapter's lessons that load, in its order."""
        return [row for row in self.rows if row.chapter is chapter]

    def to_json(self) -> dict:
        return {"course": {"title": self.course.title, "file": str(self.course.file)},
                "chapters": [{**chapter.to_json(), "done": sum(
                    row.completed for row in self.rows_of(chapter))}
                    for chapter in self.course.chapters],
                "lessons": [row.to_json() for row in self.rows]}


@dataclass(frozen=True)
class StatusReport:
    """`tutor status`: the current lesson and step, the sandbox, and its live state (None:
    there is no sandbox yet)."""

    home: str
    sandbox: str
    python: str
    lesson: Lesson
    step: Step
    step_index: int
    lesson_complete: bool
    sandbox_exists: bool
    sandbox_lesson: str | None
    backend: str | None
    state: SandboxState | None

    def to_json(self) -> dict:
        data: dict[str, Any] = {
            "home": self.home, "sandbox": self.sandbox, "python": self.python,
            "lesson": self.lesson.id, "step": self.step.title, "step_index": self.step_index,
            "steps_total": len(self.lesson.steps), "lesson_complete": self.lesson_complete,
            "sandbox_exists": self.sandbox_exists, "sandbox_lesson": self.sandbox_lesson,
            "backend": self.backend, "migrations": [], "tables": {},
        }
        if self.state is not None:
            data.update(self.state.to_json())
        return data


@dataclass(frozen=True)
class QuestionReport:
    """`tutor answer` without an answer: the current step's question and its choices."""

    posed: Posed

    def to_json(self) -> dict:
        return {"question": self.posed.ask, "choices": self.posed.choices,
                "multiple": self.posed.multiple}


@dataclass(frozen=True)
class AnswerResult:
    """`tutor answer ANSWER`: right or not, why, and the check that followed a right one."""

    answer: AnswerReport

    def to_json(self) -> dict:
        data = {"right": self.answer.right, "detail": self.answer.detail}
        if self.answer.check:
            data["check"] = self.answer.check.to_json()
        return data


@dataclass(frozen=True)
class RestoreReport:
    """`tutor undo` or `tutor redo`: the points taken (or brought) back, what that did to the
    files and the state, and the check of where it left the sandbox (or why there is none)."""

    redo: bool
    done: Undone
    changes: list[str]
    check: CheckReport | None
    problem: TutorError | None  # when the sandbox went back to a state Django cannot read

    def to_json(self) -> dict:
        return {"redone" if self.redo else "undone": [point_json(p) for p in self.done.points],
                "now_at": point_json(self.done.point), "files": self.done.files,
                "changes": self.changes,
                "check": self.check.to_json() if self.check is not None
                else error_json(self.problem)}


@dataclass(frozen=True)
class HistoryReport:
    """`tutor history`: the current lesson's points, and those undos took back, each with
    the N of the `tutor redo N` that brings it back (None: none can)."""

    lesson: Lesson
    points: list[Point]
    redoable: list[tuple[int | None, Point]]

    def to_json(self) -> dict:
        return {"lesson": self.lesson.id, "points": [point_json(p) for p in self.points],
                "undone": [{**point_json(p), "redo": count} for count, p in self.redoable]}


@dataclass(frozen=True)
class ClassStatusReport:
    """`tutor class status`: the class this home joined (None: none), whether the server has
    let it in, what waits to be sent, the room's step, the hand, and the sender's last word."""

    member: Membership | None
    joined: bool
    queued: int
    room: dict | None
    hand_raised: bool
    last: dict

    def to_json(self) -> dict:
        member = self.member
        return {"class": member.url if member else None, "name": member.name if member else None,
                "joined": self.joined, "queued": self.queued, "room": self.room,
                "hand_raised": self.hand_raised, "last": self.last}

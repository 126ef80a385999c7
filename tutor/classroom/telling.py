"""What a learner's tutor tells the class, made from its progress and the state it read: where
the learner is (lesson, step, the steps passed), the live state (migrations per app, columns
per table), the unmet expectations' texts. Each is cut to the protocol's bounds (`events`),
so that the server never has to refuse a real tutor's event.

`ClassTeller` is the service's listener for the class: the workspace hands it what a command
did once the home's lock is let go (queueing starts the sender: never while holding it).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .events import MAX_ID, MAX_LIST, MAX_TEXT

if TYPE_CHECKING:
    from ..check_report import CheckReport
    from ..lessons import Course
    from ..progress import Progress
    from ..state import SandboxState


class ClassTeller:
    """Tells the learner's class (when they are in one) what they did, at where they stand.
    Never raises, never waits on the network (see `link.tell`)."""

    def __init__(self, home: Path, course: Course):
        self.home, self.course = home, course

    def position(self, progress: Progress) -> dict | None:
        """Where the learner stands, as the class is told it; None when in no class."""
        return position(progress, self.course) if in_class(self.home) else None

    def tell(self, kind: str, progress: Progress, detail: dict | None = None,
             where: dict | None = None) -> None:
        """Queue an event at `where` (default: where `progress` stands now)."""
        where = where or self.position(progress)
        if where is None:
            return
        from .link import tell

        tell(self.home, kind, where, detail)

    def checked(self, report: CheckReport | None, progress: Progress) -> None:
        """A check the learner asked for (or that a solution or an answer led to)."""
        where = self.position(progress) if report is not None else None
        if where is None:
            return
        self.tell("check", progress, check_detail(report), where)
        if report.lesson_complete and report.passed_steps:
            self.tell("lesson_complete", progress, where=where)


def in_class(home: Path) -> bool:
    from ..home_layout import CLASS

    return (home / CLASS).exists()


def _cut(text: str, limit: int = MAX_TEXT) -> str:
    text = text.replace("\x00", "")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def position(progress: Progress, course: Course) -> dict:
    """The learner's lesson and step (1-based; None once the lesson is complete), and every
    step passed in each lesson of the course begun."""
    lesson_id = progress.current if progress.current in course.order else None
    step = steps = None
    done: dict[str, list[int]] = {}
    for lesson in course.lessons:
        if lesson.id not in progress.lessons:
            continue
        record = progress.lessons[lesson.id]
        passed = [index + 1 for index in range(len(lesson.steps)) if record.passed(index)]
        if passed and len(done) < MAX_LIST:
            done[_cut(lesson.id, MAX_ID)] = passed[:MAX_LIST]
        if lesson.id == lesson_id:
            steps = len(lesson.steps)
            step = record.step + 1 if record.step < steps else None
    if lesson_id is not None and step is None and steps is None:
        lesson = course.get(lesson_id)
        step, steps = 1, len(lesson.steps)
    return {"lesson": _cut(lesson_id, MAX_ID) if lesson_id else None, "step": step,
            "steps": steps, "done": done}


def state_summary(state: SandboxState) -> dict:
    migrations: dict[str, list] = {}
    for migration in state.migrations:
        if len(migrations) >= 50 and migration.app not in migrations:
            continue
        rows = migrations.setdefault(_cut(migration.app, MAX_ID), [])
        if len(rows) < MAX_LIST:
            rows.append([_cut(migration.name, MAX_ID), bool(migration.applied)])
    tables = {_cut(table, MAX_ID): [_cut(column.name, MAX_ID) for column in columns][:MAX_LIST]
              for table, columns in list(state.tables.items())[:100]}
    problem = state.no_database() if not state.database_exists else None
    return {"migrations": migrations, "tables": tables,
            "problem": _cut(problem) if problem else None}


def check_detail(report: CheckReport) -> dict:
    return {"passed_steps": [index + 1 for index in report.passed_steps][:MAX_LIST],
            "unmet": [_cut(outcome.text) for outcome in report.result.unmet][:30]
            if not report.passed else [],
            "state": state_summary(report.state),
            "lesson_complete": bool(report.lesson_complete)}

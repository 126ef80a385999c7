"""Every lesson, solved end to end by its reference solution with real manage.py commands.

The step homes (tests/conftest.py) are built by carrying out each step's reference solution
in turn, each asserted to pass exactly its own step; this test asks for every lesson's last
one, so it plays the whole course through once, and the learner paths start from the same
homes.
"""

from __future__ import annotations

import pytest
from conftest import tutor_json

from tutor.lessons import load_course
from tutor.workspace import Workspace

COURSE = load_course()


@pytest.mark.parametrize("lesson_id", [
    pytest.param(lesson.id, marks=[pytest.mark.server] if lesson.unavailable_on("sqlite") else [],
                 id=lesson.id) for lesson in COURSE.lessons])
def test_reference_solution_finishes_the_lesson(lesson_id, step_home, server_home,
                                                warm_reader):
    lesson = COURSE.get(lesson_id)
    steps_total = len(lesson.steps)
    if lesson.unavailable_on("sqlite"):  # a server's own lesson, played on that server
        server = lesson.backends[0]
        start = server_home(server, lesson_id, 1)
    else:
        start = step_home(lesson_id, 1)
    report = Workspace(start, reader=warm_reader).check()
    assert not report.passed and report.step_index == 0, \
        "a lesson's starting state must not already pass its first step"

    if lesson.unavailable_on("sqlite"):
        done = server_home(server, lesson_id, steps_total + 1)
    else:
        done = step_home(lesson_id, steps_total + 1)
    status, report = tutor_json(done, "check")  # the real CLI, once
    assert status == 0, report
    assert report["passed"] and report["lesson_complete"] and not report["broken_since"]
    assert all(e["met"] for e in report["expectations"])
    _, lessons = tutor_json(done, "lessons")
    assert next(row for row in lessons["lessons"] if row["id"] == lesson_id)["completed"]


def test_every_shipped_step_has_a_hint_a_solution_and_something_to_judge():
    """Every step has hints and a solution, and expectations or a question (a question step
    may be judged by its answer alone)."""
    for lesson in COURSE.lessons:
        for step in lesson.steps:
            assert step.hints and step.solution, (lesson.id, step.title)
            assert step.expectations or step.question, (lesson.id, step.title)


def test_every_backends_telling_keeps_what_sqlites_tells():
    """A variant replaces the fields it gives: a step told on a server has hints, a solution,
    expectations and an explanation wherever SQLite's telling has them (a TOML table opened
    too early, `[steps.on.X]` above the step's own `explanation`, would take it away)."""
    for lesson in COURSE.lessons:
        for backend in ("postgresql", "mysql"):
            if lesson.unavailable_on(backend) or lesson.unavailable_on("sqlite"):
                continue
            for ours, theirs in zip(lesson.as_told_on("sqlite").steps, lesson.as_told_on(backend).steps):
                where = (lesson.id, backend, ours.title)
                assert bool(theirs.explanations) == bool(ours.explanations), where
                assert theirs.hints and theirs.solution, where
                assert bool(theirs.expectations) == bool(ours.expectations), where
                assert (theirs.question is None) == (ours.question is None), where

"""Every lesson, solved end to end by its reference solution with real manage.py commands."""

from __future__ import annotations

import pytest
from conftest import tutor, tutor_json

from tutor.lessons import load_course

LESSONS = load_course().ids


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_reference_solution_finishes_the_lesson(lesson_id, lesson_home):
    home = lesson_home(lesson_id)
    status, report = tutor_json(home, "check")
    assert status == 1, "a lesson's starting state must not already pass its first step"
    assert report["lesson"] == lesson_id and report["step_index"] == 0
    assert not report["passed"]

    steps_total = report["steps_total"]
    for step in range(steps_total):
        result = tutor(home, "solve")
        assert "Traceback" not in result.stdout + result.stderr
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"Step {step + 1} passed" in result.stdout

    status, report = tutor_json(home, "check")
    assert status == 0
    assert report["passed"] and report["lesson_complete"]
    _, lessons = tutor_json(home, "lessons")
    assert next(row for row in lessons["lessons"] if row["id"] == lesson_id)["completed"]


def test_every_shipped_step_has_a_hint_a_solution_and_expectations():
    for lesson in load_course().lessons:
        for step in lesson.steps:
            assert step.hints and step.solution and step.expectations, (lesson.id, step.title)

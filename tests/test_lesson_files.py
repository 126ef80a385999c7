"""Lesson files: the shipped course is coherent, and a malformed file names its file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tutor.exceptions import LessonFileError
from tutor.lessons import load_course, load_lesson
from tutor.paths import resource_dir

LESSONS = resource_dir("lessons")


def test_the_shipped_course_loads_without_problems():
    course = load_course()
    assert course.problems == []
    assert set(course.ids) == {
        "first-migrations", "revert-applied", "delete-unapplied", "revert-several",
        "migration-names", "fix-broken-default", "reset-all", "revert-to-zero",
        "deleted-applied-file", "data-loss-on-revert", "irreversible-migration",
        "fake-the-record", "revert-blocked-by-data", "half-applied", "merge-migrations",
        "inconsistent-history", "reset-keep-data", "squashed-migrations", "cross-app-revert",
        "branch-switch", "applied-elsewhere", "guard-in-ci", "roll-forward",
        "rename-not-drop", "expand-contract", "deploy-order",
    }
    for lesson in course.lessons:
        names = [m.name for m in lesson.start.migrations]
        assert len(names) == len(set(names)), lesson.id


@pytest.fixture
def lesson_copy(tmp_path) -> Path:
    """A private copy of the shipped lessons, to break one file of it."""
    folder = tmp_path / "lessons"
    shutil.copytree(LESSONS, folder)
    return folder


def _break(folder: Path, old: str, new: str, lesson: str = "revert-applied") -> Path:
    path = folder / f"{lesson}.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, field, problem", [
    ('title = "Undo an applied migration"', 'titel = "x"', "title", "is missing"),
    ('applied = "0003_change_price_field"', 'applied = "0009_nope"', "start.applied",
     "is not one of start.migrations"),
    ('null = false\nexplain = "0003', 'nul = false\nexplain = "0003', "steps[0].expect[5].nul",
     "is not a known field"),
    ("hints = [", "hints = []\nold_hints = [", "steps[0].hints", "needs at least one hint"),
    ('solution = ["python manage.py migrate store 0002"]', 'solution = ["rm -rf /"]',
     "steps[0].solution[0]", "must start with 'python manage.py' or 'git'"),
    ('migration = "store.0002_add_price_to_product"', 'migration = 2', "steps[0].expect[1].migration",
     "must be a migration name or a table"),
    ("format = 1", "format = 99", "format", "this tutor reads format 1"),
    ('"0001_initial", "0002_add', '"0001_initial", "0002_nothing", "0002_add', "start.migrations[1]",
     "no models version models/0002_nothing.py"),
])
def test_a_malformed_lesson_names_file_and_field(lesson_copy, old, new, field, problem):
    path = _break(lesson_copy, old, new)
    with pytest.raises(LessonFileError) as caught:
        load_lesson(path)
    assert caught.value.file == "revert-applied.toml"
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_invalid_toml_names_the_file(lesson_copy):
    path = _break(lesson_copy, 'id = "revert-applied"', 'id = "revert-applied')
    with pytest.raises(LessonFileError) as caught:
        load_lesson(path)
    assert caught.value.file == "revert-applied.toml" and "not valid TOML" in caught.value.problem


def test_one_broken_lesson_leaves_the_others_working(lesson_copy):
    _break(lesson_copy, "format = 1", "format = 2")
    course = load_course(lesson_copy)
    assert "revert-applied" not in course.ids and "delete-unapplied" in course.ids
    assert [p.file for p in course.problems] == ["revert-applied.toml"]

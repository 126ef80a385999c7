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
        "rename-not-drop", "expand-contract", "deploy-order", "mysql-half-applied",
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

    # What a lesson introduces and needs: ideas' ids, each once, none both.
    ('introduces = ["migrate-target"', 'introduces = ["Migrate Target"', "introduces[0]",
     "'Migrate Target' is not an idea's id: lower-case words and digits joined by `-`"),
    ('introduces = ["migrate-target", "delete-migration"]', 'introduces = "migrate-target"',
     "introduces", "must be a list, not str"),
    ('introduces = ["migrate-target"', 'introduces = [3', "introduces[0]",
     "must be an idea's id (a string), not int"),
    ('needs = ["migrate"]', 'needs = ["migrate", "migrate"]', "needs[1]",
     "'migrate' is listed twice"),
    ('needs = ["migrate"]', 'needs = ["migrate", "delete-migration"]', "needs[1]",
     "'delete-migration' is in `introduces` too: a lesson needs only what a lesson before it "
     "introduces"),
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


# --- a lesson told per backend (issue 15): `[on.X]`, `[steps.on.X]`, an expectation's backends

def test_a_lesson_is_told_for_each_backend(lesson_copy):
    path = _break(lesson_copy, '[[steps.expect]]\n', '''[steps.on.postgresql]
goal = "On PostgreSQL: unapply 0003."
hints = ["psql's own hint"]

[[steps.expect]]
table = "store_product"
explain = "said on MariaDB only"
backends = ["mysql"]

[[steps.expect]]
''')
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('[start]', '[on.mysql]\nintro = "Told on MariaDB."\n\n[start]',
                                 1), encoding="utf-8")
    lesson = load_lesson(path)
    sqlite, postgresql, mysql = (lesson.as_told_on(b) for b in ("sqlite", "postgresql", "mysql"))
    assert lesson is sqlite and sqlite.told == "sqlite"  # unnamed: told as on SQLite
    assert postgresql.steps[0].goal == "On PostgreSQL: unapply 0003."
    assert postgresql.steps[0].hints == ["psql's own hint"]
    assert sqlite.steps[0].goal == mysql.steps[0].goal != postgresql.steps[0].goal
    assert postgresql.steps[0].solution == sqlite.steps[0].solution  # the rest is the step's
    assert mysql.intro == "Told on MariaDB." and postgresql.intro == sqlite.intro
    mariadb_only = [e for e in mysql.steps[0].expectations if e.explain == "said on MariaDB only"]
    assert len(mariadb_only) == 1
    assert not any(e.explain == "said on MariaDB only"
                   for told in (sqlite, postgresql) for e in told.steps[0].expectations)
    assert len(mysql.steps[0].expectations) == len(sqlite.steps[0].expectations) + 1
    # Each telling knows the others: asking again from any of them gives the same.
    assert postgresql.as_told_on("mysql") is mysql and mysql.as_told_on("sqlite") is sqlite


def test_a_lesson_told_alike_everywhere_is_one_lesson(lesson_copy):
    lesson = load_lesson(lesson_copy / "revert-applied.toml")
    assert lesson.as_told_on("postgresql") is lesson and lesson.tellings == {}


@pytest.mark.parametrize("insert, field, problem", [
    ('[steps.on.oracle]\ngoal = "x"\n\n', "steps[0].on.oracle", "is not a backend"),
    ('[steps.on.postgresql]\nrelease = "1.5"\n\n', "steps[0].on.postgresql.release",
     "is the same on every backend"),
    ('[steps.on.postgresql]\nhints = []\n\n', "steps[0].on.postgresql.hints",
     "needs at least one hint"),
    ('[steps.on.mysql]\ngol = "x"\n\n', "steps[0].on.mysql.gol", "is not a known field"),
    ('[steps.on.mysql]\nsolution = ["rm -rf /"]\n\n', "steps[0].on.mysql.solution[0]",
     "must start with 'python manage.py' or 'git'"),
    ('[[steps.expect]]\ntable = "store_product"\nbackends = ["db2"]\n\n',
     "steps[0].expect[0].backends", "must list some of sqlite, postgresql, mysql"),
    ('[[steps.expect]]\ntable = "store_product"\nbackends = []\n\n',
     "steps[0].expect[0].backends", "must list some of"),
    # A variant is checked with the whole lesson: no git in a lesson without a repository.
    ('[steps.on.postgresql]\nsolution = ["git status"]\n\n', "steps[0].solution[0]",
     "git"),
])
def test_a_malformed_backend_variant_names_its_field(lesson_copy, insert, field, problem):
    path = _break(lesson_copy, '[[steps.expect]]\n', insert + '[[steps.expect]]\n')
    with pytest.raises(LessonFileError) as caught:
        load_lesson(path)
    assert (caught.value.field, problem in caught.value.problem) == (field, True), \
        caught.value.message


def test_a_variant_of_the_lesson_may_only_tell_its_texts(lesson_copy):
    path = _break(lesson_copy, '[start]', '[on.postgresql]\nsteps = []\n\n[start]')
    with pytest.raises(LessonFileError) as caught:
        load_lesson(path)
    assert caught.value.field == "on.postgresql.steps"
    assert "is not a known field" in caught.value.problem

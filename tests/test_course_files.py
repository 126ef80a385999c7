"""Course files: an instructor's choice of lessons and order, with lessons of their own, given
with `--course FILE` or `TUTOR_COURSE`, followed by every command; a bad file is named with
its field."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import tutor, tutor_json

from tutor.exceptions import CourseFileError
from tutor.lessons import load_course
from tutor.paths import resource_dir

SHIPPED = resource_dir("lessons")

# A lesson of our own: the shipped 0001_initial models version, plus one of its own beside it.
OWN_LESSON = '''\
format = 1
id = "our-own-habit"
title = "Our habit: undo the stock field"
summary = "Unapply our own 0002, made from our own models version."
intro = "Our team adds a stock count; today we take it back out."

[start]
migrations = ["0001_initial", "0002_add_stock"]
applied = "0002_add_stock"

[[steps]]
title = "Unapply 0002_add_stock"
goal = "Undo `0002_add_stock` in the database."
hints = ["Migrate back to 0001: `python manage.py migrate store 0001`."]
solution = ["python manage.py migrate store 0001"]

[[steps.expect]]
migration = "store.0002_add_stock"
applied = false

[[steps.expect]]
column = "store_product.stock"
exists = false
'''
OWN_MODELS = '''\
from django.db import models


class Product(models.Model):
    name = models.CharField(max_length=100)
    stock = models.IntegerField(default=0)
'''


def write_course(folder: Path, order: list[str], title: str = "Team workshop, June",
                 lessons_dir: str | None = "our-lessons", extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["format = 1", f"title = {title!r}"]
    if lessons_dir is not None:
        lines.append(f"lessons_dir = {lessons_dir!r}")
    lines.append("order = [" + ", ".join(f'"{x}"' for x in order) + "]")
    path = folder / "workshop.toml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


@pytest.fixture
def workshop(tmp_path) -> Path:
    """A course file with a lessons folder holding one lesson of our own between two shipped."""
    own = tmp_path / "workshop" / "our-lessons"
    (own / "models").mkdir(parents=True)
    (own / "our-own-habit.toml").write_text(OWN_LESSON, encoding="utf-8")
    (own / "models" / "0002_add_stock.py").write_text(OWN_MODELS, encoding="utf-8")
    return write_course(tmp_path / "workshop", ["revert-applied", "our-own-habit", "reset-all"])


def test_lessons_follows_the_course_order_and_shows_its_title(home, workshop):
    status, data = tutor_json(home, "lessons", "--course", str(workshop))
    assert status == 0
    assert [row["id"] for row in data["lessons"]] == ["revert-applied", "our-own-habit",
                                                      "reset-all"]
    assert [row["number"] for row in data["lessons"]] == [1, 2, 3]
    assert data["course"]["title"] == "Team workshop, June"
    table = tutor(home, "lessons", "--course", str(workshop))
    assert table.returncode == 0, table.stderr
    assert "Team workshop, June" in table.stdout
    assert "Our habit: undo the stock field" in table.stdout
    assert "first-migrations" not in table.stdout


def test_tutor_course_in_the_environment_is_followed_and_the_option_wins(home, workshop,
                                                                       monkeypatch, tmp_path):
    monkeypatch.setenv("TUTOR_COURSE", str(workshop))
    _, data = tutor_json(home, "lessons")
    assert [row["id"] for row in data["lessons"]][:2] == ["revert-applied", "our-own-habit"]
    other = write_course(tmp_path / "other", ["reset-all", "revert-to-zero"], title="Other",
                         lessons_dir=None)
    _, data = tutor_json(home, "lessons", "--course", str(other))
    assert [row["id"] for row in data["lessons"]] == ["reset-all", "revert-to-zero"]
    monkeypatch.delenv("TUTOR_COURSE")
    _, data = tutor_json(home, "lessons")
    assert data["lessons"][0]["id"] == "first-migrations" and data["course"]["title"] == ""


def test_reset_and_check_follow_the_course_and_its_own_lesson_uses_shipped_models(home,
                                                                                 workshop):
    course = ("--course", str(workshop))
    # A fresh home: reset builds the course's first lesson, not the shipped course's.
    result = tutor(home, "reset", *course)
    assert result.returncode == 0, result.stderr
    assert "start of revert-applied" in result.stdout
    # Our own lesson is code from outside the shipped course: trusted once (see
    # test_trust.py), then every command runs it.
    result = tutor(home, "reset", "our-own-habit", *course, "--trust-course")
    assert result.returncode == 0, result.stderr
    # 0001 from the shipped models version, 0002 from ours.
    migrations = sorted(p.name for p in (home / "sandbox/store/migrations").glob("0*.py"))
    assert migrations == ["0001_initial.py", "0002_add_stock.py"]
    status, report = tutor_json(home, "check", *course)
    assert status == 1 and report["lesson"] == "our-own-habit"
    status, data = tutor_json(home, "status", *course)
    assert data["lesson"] == "our-own-habit"
    assert "stock" in [c["name"] for c in data["tables"]["store_product"]]
    hint = tutor(home, "hint", *course)
    assert hint.returncode == 0 and "migrate store 0001" in hint.stdout
    solved = tutor(home, "solve", *course)
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert "Lesson complete" in solved.stdout
    # A second reset of our lesson comes from its snapshot.
    again = tutor(home, "reset", "our-own-habit", *course)
    assert again.returncode == 0 and "Building the sandbox" not in again.stdout
    # reset --all starts the course over at its first lesson.
    result = tutor(home, "reset", "--all", *course)
    assert result.returncode == 0 and "start of revert-applied" in result.stdout


def test_a_current_lesson_outside_the_course_gives_way_to_its_first(lesson_home, tmp_path):
    home = lesson_home("revert-applied")
    narrow = write_course(tmp_path / "narrow", ["revert-several", "reset-all"],
                          lessons_dir=None)
    status, data = tutor_json(home, "status", "--course", str(narrow))
    assert status == 0 and data["lesson"] == "revert-several"
    assert data["sandbox_lesson"] == "revert-applied"
    # check judges the course's lesson, and says how to get its sandbox.
    result = tutor(home, "check", "--course", str(narrow))
    assert result.returncode == 2
    assert "tutor reset revert-several" in result.stderr and "Traceback" not in result.stderr
    # A lesson the course does not list cannot be reset into.
    result = tutor(home, "reset", "revert-applied", "--course", str(narrow))
    assert result.returncode == 2 and "no lesson called 'revert-applied'" in result.stderr
    # Progress is kept by lesson id: back on the shipped course, nothing was lost.
    status, report = tutor_json(home, "check")
    assert status == 1 and report["lesson"] == "revert-applied"


CHAPTER = '[[chapters]]\nid = "{id}"\ntitle = "T"\npromise = "p"\nlessons = [{lessons}]\n'


@pytest.mark.parametrize("content, field, problem", [
    ("format = 1\norder = [\"revert-applied\"\n", "", "not valid TOML"),
    ("format = 1\ntitel = \"x\"\norder = [\"revert-applied\"]\n", "titel", "not a known field"),
    ("format = 1\norder = \"revert-applied\"\n", "order", "must be a list"),
    ("format = 2\norder = [\"revert-applied\"]\n", "format", "reads format 1"),
    ("format = 1\norder = []\n", "order", "at least one lesson"),
    ("format = 1\norder = [\"reset-all\", \"revert-aplied\"]\n", "order[1]",
     "no lesson 'revert-aplied'"),
    ("format = 1\norder = [\"reset-all\", \"reset-all\"]\n", "order[1]", "listed twice"),
    ("format = 1\nlessons_dir = \"nowhere\"\norder = [\"reset-all\"]\n", "lessons_dir",
     "no folder"),
    # A path of chapters: each named, promised and holding lessons; a lesson in one only.
    ("format = 1\norder = [\"reset-all\"]\n" + CHAPTER.format(id="a", lessons='"reset-all"'),
     "order", "not both"),
    ("format = 1\nchapters = []\n", "chapters", "at least one chapter"),
    ("format = 1\nchapters = [\"basics\"]\n", "chapters[0]", "must be a table"),
    ("format = 1\n" + CHAPTER.format(id="a/b", lessons='"reset-all"'), "chapters[0].id",
     "is not an id"),
    ("format = 1\n" + CHAPTER.format(id="2", lessons='"reset-all"'), "chapters[0].id",
     "is a number"),
    ("format = 1\n" + CHAPTER.format(id="a", lessons="").replace('promise = "p"\n', ""),
     "chapters[0].promise", "is missing"),
    ("format = 1\n" + CHAPTER.format(id="a", lessons='"reset-all"').replace(
        'title = "T"', 'title = "two\\nlines"'), "chapters[0].title", "one line"),
    ("format = 1\n" + CHAPTER.format(id="a", lessons=""), "chapters[0].lessons",
     "at least one lesson"),
    ("format = 1\n" + CHAPTER.format(id="a", lessons='"reset-all"') + "levels = 2\n",
     "chapters[0].levels", "not a known field"),
    ("format = 1\n" + CHAPTER.format(id="a", lessons='"reset-all"')
     + CHAPTER.format(id="a", lessons='"revert-applied"'), "chapters[1].id", "used twice"),
    ("format = 1\n" + CHAPTER.format(id="a", lessons='"reset-all"')
     + CHAPTER.format(id="b", lessons='"revert-applied", "reset-all"'),
     "chapters[1].lessons[1]", "listed twice"),
    ("format = 1\n" + CHAPTER.format(id="a", lessons='"reset-all", "revert-aplied"'),
     "chapters[0].lessons[1]", "no lesson 'revert-aplied'"),
    ("format = 1\nassumes = \"migrate\"\norder = [\"reset-all\"]\n", "assumes", "must be a list"),
    ("format = 1\nassumes = [\"Migrate!\"]\norder = [\"reset-all\"]\n", "assumes[0]",
     "is not an idea's id"),
])
def test_a_bad_course_file_is_named_with_its_field(home, tmp_path, content, field, problem):
    path = tmp_path / "bad-course.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CourseFileError) as caught:
        load_course(path)
    assert caught.value.file == str(path) and caught.value.field == field
    assert problem in caught.value.problem
    for command in ("lessons", "check", "reset", "status", "hint", "solve"):
        result = tutor(home, command, "--course", str(path))
        assert result.returncode == 2, (command, result.stdout)
        assert "Traceback" not in result.stderr
        assert str(path) in result.stderr and problem in result.stderr
        assert "course file" in result.stderr  # the advice speaks of the course, not a lesson


def test_an_unknown_lesson_id_gets_suggestions(tmp_path):
    path = write_course(tmp_path, ["revert-aplied"], lessons_dir=None)
    with pytest.raises(CourseFileError) as caught:
        load_course(path)
    assert "did you mean revert-applied" in caught.value.problem


def test_a_missing_course_file_through_the_environment(home, tmp_path, monkeypatch):
    monkeypatch.setenv("TUTOR_COURSE", str(tmp_path / "nope.toml"))
    result = tutor(home, "lessons")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "nope.toml: the file does not exist" in result.stderr


def test_a_course_of_chapters_is_their_path_in_order(home, tmp_path):
    path = tmp_path / "chaptered.toml"
    path.write_text("format = 1\ntitle = \"Workshop\"\n"
                    + CHAPTER.format(id="basics", lessons='"revert-applied", "reset-all"')
                    + CHAPTER.format(id="later", lessons='"fake-the-record"'),
                    encoding="utf-8")
    course = load_course(path)
    assert course.order == ["revert-applied", "reset-all", "fake-the-record"]
    assert [c.id for c in course.chapters] == ["basics", "later"]
    assert course.chapter_of("fake-the-record").id == "later"
    assert course.next_after("reset-all").id == "fake-the-record"  # the path goes on
    flat = load_course(write_course(tmp_path, ["reset-all"], lessons_dir=None))
    assert flat.chapters == [] and flat.chapter_of("reset-all") is None


def test_the_shipped_course_begins_with_the_articles_path():
    """The first chapter is the path the articles on undoing migrations take, in their order
    (issue 29); no team or deploy lesson comes before it."""
    course = load_course()
    first = course.chapters[0]
    assert list(first.lessons) == [
        "first-migrations", "revert-applied", "revert-several", "migration-names",
        "delete-unapplied", "revert-to-zero", "fix-broken-default", "reset-all"]
    assert course.order[:len(first.lessons)] == list(first.lessons)
    teams = course.chapters[-1]
    assert teams.title == "Teams and deploys"
    assert {"applied-elsewhere", "guard-in-ci", "deploy-order"} <= set(teams.lessons)
    assert sorted(course.order) == sorted({i for c in course.chapters for i in c.lessons})


def test_the_shipped_course_and_a_lessons_folder_still_load():
    shipped = load_course()
    assert shipped.file == SHIPPED / "course.toml" and shipped.title == ""
    assert load_course(SHIPPED).order == shipped.order  # a folder means its course.toml


def test_a_lesson_of_ours_reads_its_own_resources_first_then_the_shipped(workshop):
    course = load_course(workshop)
    lesson = course.get("our-own-habit")
    own = workshop.parent / "our-lessons"
    assert lesson.file == own / "our-own-habit.toml"
    assert lesson.resource_path("models/0002_add_stock.py") == own / "models/0002_add_stock.py"
    assert lesson.resource_path("models/0001_initial.py") == SHIPPED / "models/0001_initial.py"
    assert lesson.start_resources() == ["models/0001_initial.py", "models/0002_add_stock.py"]
    assert course.get("revert-applied").file == SHIPPED / "revert-applied.toml"


def test_a_missing_models_version_is_named_when_neither_folder_has_it(workshop):
    path = workshop.parent / "our-lessons" / "our-own-habit.toml"
    path.write_text(OWN_LESSON.replace('"0002_add_stock"]', '"0002_add_stok"]'), encoding="utf-8")
    course = load_course(workshop)
    assert "our-own-habit" not in course.ids
    [problem] = course.problems
    assert problem.field == "start.migrations[1]" and "models/0002_add_stok.py" in problem.problem


def test_every_command_offers_the_course_option():
    for command in ("start", "lessons", "status", "check", "hint", "answer", "solve", "reset"):
        result = tutor(None, command, "--help")
        assert "--course FILE" in result.stdout, command
    assert "TUTOR_COURSE" in tutor(None, "--help").stdout


def test_start_follows_the_course(home, workshop, tmp_path):
    import os
    import sys

    import pexpect
    from conftest import REPO

    env = dict(os.environ, PYTHONPATH=str(REPO))

    def spawn(*args: str) -> pexpect.spawn:
        return pexpect.spawn(sys.executable, ["-m", "tutor", "start", *args, "--home", str(home)],
                             env=env, encoding="utf-8", timeout=60, cwd=str(REPO),
                             dimensions=(40, 200))

    narrow = write_course(tmp_path / "narrow", ["reset-all"], lessons_dir=None)
    child = spawn("first-migrations", "--course", str(narrow))
    child.expect_exact("no lesson called 'first-migrations'")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2

    child = spawn("our-own-habit", "--course", str(workshop))
    child.expect_exact("Run this course's code on this machine?")  # see test_trust.py
    child.send("y")
    child.expect_exact("Lesson 2/3")  # its place in the workshop's course
    child.expect_exact("Our habit: undo the stock field")
    child.expect_exact("What would you like to do?")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    assert (home / "sandbox/store/migrations/0002_add_stock.py").is_file()

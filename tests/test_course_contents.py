"""`tutor lessons` from the course's kept contents (tutor/course/contents.py) says, byte for
byte, what it says when it reads every lesson afresh, on every road: a lesson file edited,
broken and fixed, a lesson added to a course folder, the course file changed, a lesson's file
removed and put back. Each road first lets the contents be kept, then changes what they were
read from: kept contents that were not read again would say what was, and fail the test."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, tutor
from test_course_files import OWN_LESSON, OWN_MODELS, write_course

from tutor.home_layout import CACHE, COURSE_CONTENTS
from tutor.paths import claim_home, resource_dir


@pytest.fixture
def made_home(home) -> Path:
    """A home the tutor has made: only there is anything kept."""
    claim_home(home)
    return home


@pytest.fixture
def workshop(tmp_path) -> Path:
    """A course file whose own folder holds a lesson, and its models version in models/,
    between two shipped lessons (as tests/test_course_files.py's)."""
    own = tmp_path / "workshop" / "our-lessons"
    (own / "models").mkdir(parents=True)
    (own / "our-own-habit.toml").write_text(OWN_LESSON, encoding="utf-8")
    (own / "models" / "0002_add_stock.py").write_text(OWN_MODELS, encoding="utf-8")
    return write_course(tmp_path / "workshop", ["revert-applied", "our-own-habit", "reset-all"])


def kept(home: Path) -> Path:
    return home / CACHE / COURSE_CONTENTS


def listed(home: Path, *args: str) -> tuple:
    """Everything `tutor lessons` says, as a table and as JSON: status, output, warnings."""
    table, data = tutor(home, "lessons", *args), tutor(home, "lessons", "--json", *args)
    assert "Traceback" not in table.stderr + data.stderr, table.stderr + data.stderr
    return (table.returncode, table.stdout, table.stderr,
            data.returncode, data.stdout, data.stderr)


def listed_as_afresh(home: Path, *args: str) -> tuple:
    """What `tutor lessons` says now (from the kept contents, if they are still valid), which
    must be what it says with nothing kept."""
    now = listed(home, *args)
    kept(home).unlink(missing_ok=True)
    assert listed(home, *args) == now
    return now


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} does not contain {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_shipped_course_is_listed_from_its_kept_contents(made_home):
    first = listed(made_home)
    assert kept(made_home).is_file()
    assert listed_as_afresh(made_home) == first
    assert "revert-applied" in first[1] and first[2] == ""


def test_a_valid_kept_course_reads_no_lesson(made_home):
    """While nothing changed, `tutor lessons` imports none of the course's loaders."""
    listed(made_home)
    probe = ("import sys\nfrom tutor.cli import main\n"
             f"main(['lessons', '--home', {str(made_home)!r}])\n"
             "print(sorted(m for m in sys.modules if m.startswith(('tutor.course.load', "
             "'tutor.course.course', 'tutor.lessons', 'tomllib'))))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert "revert-applied" in out.stdout, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stderr


def test_an_edited_lesson_file_is_read_again(made_home, workshop):
    course = ("--course", str(workshop))
    before = listed(made_home, *course)
    edit(workshop.parent / "our-lessons" / "our-own-habit.toml",
         "Our habit: undo the stock field", "Our habit: undo the count")
    after = listed_as_afresh(made_home, *course)
    assert "Our habit: undo the count" in after[1] and after != before


def test_a_broken_lesson_is_left_out_and_a_fixed_one_comes_back(made_home, workshop):
    course = ("--course", str(workshop))
    lesson = workshop.parent / "our-lessons" / "our-own-habit.toml"
    before = listed(made_home, *course)
    edit(lesson, 'title = "Our habit', 'title = Our habit')  # not TOML any more
    broken = listed_as_afresh(made_home, *course)
    assert "A lesson was left out: our-own-habit.toml" in broken[2]
    assert "our-own-habit" not in broken[1] and broken[1] != before[1]
    edit(lesson, 'title = Our habit', 'title = "Our habit')
    assert listed_as_afresh(made_home, *course) == before


def test_a_lesson_added_to_the_course_folder_is_the_one_listed(made_home, workshop):
    """The course's own folder is looked in first: a lesson put there hides the shipped one."""
    course = ("--course", str(workshop))
    listed(made_home, *course)
    own = workshop.parent / "our-lessons" / "revert-applied.toml"
    shutil.copy(resource_dir("lessons") / "revert-applied.toml", own)
    edit(own, 'title = "Undo an applied migration"', 'title = "Our own revert"')
    after = listed_as_afresh(made_home, *course)
    assert "Our own revert" in after[1] and "Undo an applied migration" not in after[1]


def test_a_changed_course_file_is_read_again(made_home, workshop):
    course = ("--course", str(workshop))
    listed(made_home, *course)
    edit(workshop, "Team workshop, June", "Team workshop, July")
    edit(workshop, '"reset-all"]', '"reset-all", "revert-to-zero"]')
    after = listed_as_afresh(made_home, *course)
    assert "Team workshop, July" in after[1] and "revert-to-zero" in after[1]
    edit(workshop, '"revert-to-zero"]', '"no-such-lesson"]')
    broken = listed_as_afresh(made_home, *course)
    assert broken[0] == 2 and "no-such-lesson" in broken[2]


def test_a_lesson_whose_file_is_removed_is_left_out_until_it_is_back(made_home, workshop):
    """A models version beside the lesson, in a folder of the course's folder."""
    course = ("--course", str(workshop))
    before = listed(made_home, *course)
    models = workshop.parent / "our-lessons" / "models" / "0002_add_stock.py"
    source = models.read_bytes()
    models.unlink()
    after = listed_as_afresh(made_home, *course)
    assert "no models version models/0002_add_stock.py" in after[2]
    models.write_bytes(source)
    assert listed_as_afresh(made_home, *course) == before


def test_another_course_another_version_or_damage_is_not_taken_for_the_course(made_home,
                                                                          workshop):
    shipped = listed(made_home)
    workshops = listed(made_home, "--course", str(workshop))
    assert workshops != shipped and listed(made_home) == shipped
    text = kept(made_home).read_text(encoding="utf-8")
    kept(made_home).write_text(text.replace("Make and apply your first migration", "Stale")
                               .replace('"version": "', '"version": "0.0.0-'), encoding="utf-8")
    assert listed(made_home) == shipped
    kept(made_home).write_text(text[:len(text) // 2], encoding="utf-8")
    assert listed(made_home) == shipped


def chaptered_workshop(workshop: Path, first: str, second: str) -> Path:
    """The workshop's course file, as two chapters (each a list of lesson ids, TOML)."""
    workshop.write_text('format = 1\ntitle = "Team workshop, June"\nlessons_dir = "our-lessons"\n'
                        '[[chapters]]\nid = "warm-up"\ntitle = "Warm up"\npromise = "Revert."\n'
                        f'lessons = [{first}]\n'
                        '[[chapters]]\nid = "ours"\ntitle = "Our habits"\npromise = "Ours."\n'
                        f'lessons = [{second}]\n', encoding="utf-8")
    return workshop


def test_the_kept_contents_hold_the_shipped_chapters(made_home):
    from tutor.lessons import load_course

    first = listed(made_home)
    kept_data = json.loads(kept(made_home).read_text(encoding="utf-8"))
    course = load_course()
    assert kept_data["chapters"] == [chapter.to_json() for chapter in course.chapters]
    assert kept_data["order"] == course.order
    data = json.loads(listed_as_afresh(made_home)[4])
    assert [c["id"] for c in data["chapters"]] == ["undo-basics", "data-matters",
                                                    "repair-the-record", "branches-and-history",
                                                    "teams-and-deploys"]
    assert "Chapter 1/5: Undo a migration (0 of 8 done)" in first[1]


def test_a_chapter_changed_in_the_course_file_is_read_again(made_home, workshop):
    course = ("--course", str(workshop))
    chaptered_workshop(workshop, '"revert-applied", "our-own-habit"', '"reset-all"')
    before = listed_as_afresh(made_home, *course)
    assert "Chapter 1/2: Warm up (0 of 2 done)" in before[1]
    data = json.loads(before[4])
    assert [(row["id"], row["chapter"]) for row in data["lessons"]] == [
        ("revert-applied", "warm-up"), ("our-own-habit", "warm-up"), ("reset-all", "ours")]
    edit(workshop, 'title = "Warm up"', 'title = "Warming up"')
    edit(workshop, '"revert-applied", "our-own-habit"]', '"revert-applied"]')
    edit(workshop, '"reset-all"]', '"our-own-habit", "reset-all"]')
    after = listed_as_afresh(made_home, *course)
    assert "Chapter 1/2: Warming up (0 of 1 done)" in after[1]
    assert "Chapter 2/2: Our habits (0 of 2 done)" in after[1]
    assert json.loads(after[4])["chapters"][1]["lessons"] == ["our-own-habit", "reset-all"]
    # Kept chapters that are not what this module writes are read again, not trusted.
    text = kept(made_home).read_text(encoding="utf-8")
    kept(made_home).write_text(text.replace('"chapters": [', '"chapters": [7, ', 1),
                               encoding="utf-8")
    assert listed(made_home, *course) == after


def test_a_lesson_left_out_keeps_the_others_numbers_and_chapters(made_home, workshop):
    """A lesson's number is its place in the whole course: one left out renumbers none."""
    course = ("--course", str(workshop))
    chaptered_workshop(workshop, '"revert-applied", "our-own-habit"', '"reset-all"')
    listed(made_home, *course)
    edit(workshop.parent / "our-lessons" / "our-own-habit.toml", 'title = "Our habit',
         'title = Our habit')  # not TOML any more
    broken = listed_as_afresh(made_home, *course)
    rows = json.loads(broken[4])["lessons"]
    assert [(row["number"], row["id"], row["chapter"]) for row in rows] == [
        (1, "revert-applied", "warm-up"), (3, "reset-all", "ours")]
    assert "Chapter 1/2: Warm up (0 of 1 done)" in broken[1]
    assert "│ 3 │ reset-all " in broken[1]


def test_a_course_without_chapters_is_one_table(made_home, workshop):
    table, data = listed(made_home, "--course", str(workshop))[1::3]
    assert "Chapter" not in table and "migration tutor: the course" in table
    data = json.loads(data)
    assert data["chapters"] == [] and {row["chapter"] for row in data["lessons"]} == {None}

"""`tutor start` along the course's path of chapters, in a real pseudo-terminal (issue 29): the
menu offers the chapters first, each with the learner's progress, then the chosen chapter's
lessons; `--chapter` starts a chapter where the learner left it; a lesson that ends a
chapter says so and names the next one; a course without chapters keeps its one menu."""

from __future__ import annotations

import re
from pathlib import Path

import pexpect
import pytest
from conftest import ci_suite_only, tutor, tutor_json, with_snapshots
from test_course_files import write_course
from test_session_pty import DOWN, ENTER, MENU, spawn_tutor

# The path's menus are the tutor's own, alike on both Django lines: CI runs them in one of
# its two suites.
pytestmark = ci_suite_only("2")

# The lessons these sessions open: their start snapshots are built once per test session.
OPENED = ("data-loss-on-revert", "revert-applied", "delete-unapplied", "first-migrations")
SHIPPED_CHAPTERS = ("undo-basics, data-matters, repair-the-record, branches-and-history, "
                    "teams-and-deploys")


def _with_snapshots(home: Path, built) -> Path:
    return with_snapshots(home, built, OPENED)


@pytest.fixture
def home(tmp_path, _built_homes) -> Path:
    """A new learner's home: no progress, no sandbox, the snapshots of OPENED."""
    return _with_snapshots(tmp_path / "tutor home", _built_homes)


def chaptered(folder: Path) -> Path:
    """A workshop's course of two chapters of shipped lessons (nothing to trust)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "course.toml"
    path.write_text('format = 1\ntitle = "Workshop"\n'
                    '[[chapters]]\nid = "warm-up"\ntitle = "Warm up"\n'
                    'promise = "Revert and delete."\n'
                    'lessons = ["revert-applied", "delete-unapplied"]\n'
                    '[[chapters]]\nid = "again"\ntitle = "Once more"\npromise = "Revert."\n'
                    'lessons = ["data-loss-on-revert"]\n', encoding="utf-8")
    return path


def stop(child) -> None:
    """Ctrl-C at the step menu: the session ends, progress saved."""
    child.expect_exact("What would you like to do")
    child.sendcontrol("c")
    child.expect_exact("progress is saved")
    child.expect(pexpect.EOF)


def refused(home: Path, *args: str) -> str:
    """What `tutor start ARGS` says as it refuses (exit 2, nothing built), its lines joined."""
    child = spawn_tutor(home, "start", *args)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2, child.before
    assert "Traceback" not in child.before and not (home / "sandbox").exists()
    return " ".join(child.before.split())


def test_a_learner_who_knows_the_basics_starts_at_a_later_chapter(home):
    child = spawn_tutor(home, "start")
    child.expect_exact("Which chapter?")
    child.expect_exact("1. Undo a migration (0 of 8 done)")
    child.expect_exact("2. When the data matters (0 of 3 done)")
    # A lesson this sandbox cannot take (MariaDB's story, on SQLite) is not counted.
    child.expect_exact("3. Repairing the record (0 of 5 done; 1 more needs another database "
                       "or program)")
    child.expect_exact("5. Teams and deploys (0 of 6 done)")
    child.send(DOWN + ENTER)
    child.expect_exact("Chapter 2/5: When the data matters (0 of 3 done)")
    child.expect_exact("Undo without losing rows")  # its promise
    child.expect_exact("Which lesson?")
    child.expect_exact("9. Back up the data before reverting (data-loss-on-revert) · 3 steps, "
                       "~7 min (estimate)")
    # Back to the chapters (below its 3 lessons and the fast-forward), and the same again.
    child.expect_exact("Back to the chapters")
    child.send(DOWN * 4 + ENTER)
    child.expect_exact("Which chapter?")
    child.send(DOWN + ENTER)
    child.expect_exact("Which lesson?")
    child.send(ENTER)
    child.expect_exact("Lesson 9/27: Back up the data before reverting")  # its place in all
    child.expect_exact("Chapter 2/5: When the data matters · 3 steps, ~7 min (estimate)")
    child.expect_exact("Sandbox ready")
    child.expect_exact("Step 1/3")
    stop(child)
    _, status = tutor_json(home, "status")
    assert status["lesson"] == "data-loss-on-revert" and status["step_index"] == 0


def test_a_lesson_that_ends_a_chapter_says_so_and_the_path_goes_on(step_home, _built_homes):
    """reset-all ends chapter 1: finished (its last step skipped to), the end of the chapter
    is said with what of it is done, and "next" starts chapter 2."""
    home = _with_snapshots(step_home("reset-all", 2), _built_homes)
    child = spawn_tutor(home, "start", timeout=60)
    child.expect_exact("Step 2/2")
    child.expect_exact("What would you like to do")
    child.send(DOWN * MENU.index("skip") + ENTER)
    child.expect_exact("Lesson complete")
    child.expect_exact("What next?")
    said = " ".join(child.before.split())  # (lines wrap at the terminal's width)
    assert ("That was the last lesson of chapter 1, Undo a migration: 1 of 8 done; `tutor start "
            "--chapter 1` takes up the first one left. Next on the path: chapter 2, When the "
            "data matters. Undo without losing rows") in said, said
    child.expect_exact("Start chapter 2: When the data matters")
    child.send(ENTER)
    child.expect_exact("Lesson 9/27: Back up the data before reverting")
    stop(child)


def test_the_end_of_a_whole_chapter_and_of_the_course(step_home, tmp_path):
    """Every lesson of the course's last chapter done: said so, and that the course ends
    there; "What next?" offers no next lesson."""
    course = tmp_path / "one" / "course.toml"
    course.parent.mkdir()
    course.write_text('format = 1\n[[chapters]]\nid = "only"\ntitle = "Only [bold]this[/bold]"\n'
                      'promise = "Revert."\nlessons = ["revert-applied"]\n', encoding="utf-8")
    home = step_home("revert-applied", 2)
    child = spawn_tutor(home, "start", "--course", str(course), timeout=60)
    child.expect_exact("Step 2/2")
    child.expect_exact("What would you like to do")
    child.send(DOWN * MENU.index("skip") + ENTER)
    child.expect_exact("Lesson complete")
    child.expect_exact("What next?")
    # (a course's title is data: its brackets are shown, never read as a style)
    assert ("You finished chapter 1, Only [bold]this[/bold]: 1 of 1 done. It was the course's "
            "last chapter.") in " ".join(child.before.split())
    child.expect_exact("Choose a lesson")
    assert "Start the next lesson" not in child.buffer + child.before
    child.send(DOWN + ENTER)  # Quit
    child.expect_exact("Bye")
    child.expect(pexpect.EOF)


def test_start_chapter_takes_up_its_first_lesson_not_completed(step_home, _built_homes,
                                                               tmp_path):
    course = chaptered(tmp_path / "workshop")
    home = _with_snapshots(step_home("revert-applied", 3), _built_homes)  # revert-applied done
    child = spawn_tutor(home, "start", "--chapter", "warm-up", "--course", str(course))
    child.expect_exact("Lesson 2/3: Delete a migration that was never applied")
    child.expect_exact("Chapter 1/2: Warm up · 2 steps")
    stop(child)
    child = spawn_tutor(home, "start", "--chapter", "2", "--course", str(course))  # a number
    child.expect_exact("Lesson 3/3: Back up the data before reverting")
    stop(child)


def test_start_chapter_whose_lessons_are_all_done_offers_them(step_home, tmp_path):
    course = tmp_path / "one" / "course.toml"
    course.parent.mkdir()
    course.write_text('format = 1\n[[chapters]]\nid = "only"\ntitle = "Only"\n'
                      'promise = "Revert."\nlessons = ["revert-applied"]\n', encoding="utf-8")
    home = step_home("revert-applied", 3)
    child = spawn_tutor(home, "start", "--chapter", "only", "--course", str(course))
    child.expect_exact("Which lesson?")
    assert ("Chapter 1, Only, has every lesson done: choose one to take (again). Chapter 1/1: "
            "Only (1 of 1 done) Revert.") in " ".join(child.before.split())
    child.expect_exact("✓ 1. Undo an applied migration (revert-applied)")
    child.sendcontrol("c")
    child.expect_exact("progress is saved")
    child.expect(pexpect.EOF)


def test_start_chapter_never_slips_into_the_next_one(step_home, tmp_path):
    """The chapter's one lesson left is MariaDB's story, on an SQLite sandbox: it would be
    skipped, into the next chapter's lesson. --chapter says so and offers the chapter's
    lessons instead."""
    course = tmp_path / "two" / "course.toml"
    course.parent.mkdir()
    course.write_text(
        'format = 1\n[[chapters]]\nid = "a"\ntitle = "First"\npromise = "p"\n'
        'lessons = ["revert-applied", "mysql-half-applied"]\n[[chapters]]\nid = "b"\n'
        'title = "Second"\npromise = "q"\nlessons = ["reset-all"]\n', encoding="utf-8")
    home = step_home("revert-applied", 3)
    child = spawn_tutor(home, "start", "--chapter", "a", "--course", str(course))
    child.expect_exact("Which lesson?")
    assert ("Chapter 1, First, has no lesson left that you can take here: choose one to take "
            "(again).") in " ".join(child.before.split())
    assert "Start over in development" not in child.before  # reset-all: chapter 2's
    child.sendcontrol("c")
    child.expect_exact("progress is saved")
    child.expect(pexpect.EOF)


def test_an_unknown_chapter_is_refused_with_the_chapters_named(home):
    said = refused(home, "--chapter", "nope")
    assert ("Error: There is no chapter 'nope' in the course. Its chapters: "
            f"{SHIPPED_CHAPTERS}; or give a chapter's number, 1 to 5.") in said
    assert "There is no chapter '6' in the course." in refused(home, "--chapter", "6")
    assert "There is no chapter '0' in the course." in refused(home, "--chapter", "0")


def test_a_course_without_chapters_has_no_chapter_to_start_and_its_one_menu(home, tmp_path):
    flat = write_course(tmp_path / "flat", ["revert-applied", "delete-unapplied"],
                        lessons_dir=None)
    said = refused(home, "--chapter", "1", "--course", str(flat))
    assert ("Error: This course has no chapters: its lessons are one list. Start a lesson by "
            "its id: `tutor start LESSON` (`tutor lessons` lists them).") in said
    child = spawn_tutor(home, "start", "--course", str(flat))
    child.expect_exact("Which lesson?")
    child.expect_exact("1. Undo an applied migration (revert-applied) · 2 steps, ~5 min "
                       "(estimate)")
    child.expect_exact("2. Delete a migration that was never applied (delete-unapplied)")
    child.expect_exact("Quit")
    assert "Which chapter" not in child.before and "Back to the chapters" not in child.before
    child.sendcontrol("c")
    child.expect(pexpect.EOF)


def test_chapter_is_given_alone(home):
    for args in (["revert-applied", "--chapter", "1"], ["--demo", "--chapter", "1"]):
        result = tutor(home, "start", *args)
        assert result.returncode == 2
        assert result.stderr == ("Error: Give --chapter alone: it chooses the lesson to start.\n"
                                 "Run `tutor start --chapter ID`, or `tutor start LESSON`.\n")


def test_the_intro_s_code_block_has_one_blank_line_each_side(home):
    """rich padded a code block with a blank line inside the one that parts it from the text:
    first-migrations' intro showed two blank lines above and below its showmigrations."""
    child = spawn_tutor(home, "start", "first-migrations", timeout=60)
    child.expect_exact("What would you like to do")
    intro = child.before[:child.before.index("Chapter 1/5")]
    lines = [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", line).strip("│ \r")
             for line in intro.split("\n")]
    at = lines.index("$ python manage.py showmigrations store")
    assert lines[at - 1] == "" != lines[at - 2], lines[at - 3:at + 1]
    assert lines[at + 1:at + 5] == ["store", "(no migrations)", "",
                                    "Two commands do two different jobs:"], lines[at:at + 5]
    child.sendcontrol("c")
    child.expect(pexpect.EOF)

"""Plain mode (`tutor start --plain`, TUTOR_PLAIN): a whole session in a real pseudo-terminal,
asked with numbered prompts, said in words, without one escape sequence or glyph."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pexpect
import pytest
from conftest import REPO, ci_suite_only, tutor, with_snapshots
from test_trust import canary, course  # noqa: F401 (fixtures: a course that runs code)

# Plain mode is the terminal's: it asks and shows alike on both Django lines, so CI runs it
# in one of its two suites.
pytestmark = ci_suite_only("1")

# The step menu of a lesson without a question, by number.
RUN, CHECK, HINT, RESET, QUIT = "1", "2", "4", "7", "8"
GLYPHS = "✓✗…•·↶↷┃│━─"


@pytest.fixture
def home(tmp_path, _built_homes) -> Path:
    """A new learner's home holding the start snapshots of the lessons played here: the
    session builds the sandbox from them, as after a first `tutor reset`."""
    return with_snapshots(tmp_path / "tutor home", _built_homes,
                          ("revert-applied", "first-migrations"))


def spawn_plain(home, *args, **environment):
    """`tutor ARGS` in a terminal that takes colour (no NO_COLOR, no DJANGO_COLORS: plain mode
    must turn colour off itself), its whole output kept in `child.transcript`."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("NO_COLOR", "DJANGO_COLORS")}
    env.update(PYTHONPATH=str(REPO), TERM="xterm-256color", COLUMNS="120", LINES="50",
               **environment)
    child = pexpect.spawn(sys.executable, ["-m", "tutor", *args, "--home", str(home)],
                          env=env, encoding="utf-8", timeout=30, dimensions=(50, 120),
                          cwd=str(REPO))
    child.transcript = io.StringIO()
    child.logfile_read = child.transcript
    return child


def choose(child, number: str, prompt: str = "Choose 1-8: ") -> None:
    child.expect_exact(prompt)
    child.sendline(number)


def run_command(child, command: str) -> None:
    choose(child, RUN)
    child.expect_exact("Command (run in the sandbox")
    child.sendline(command)


def assert_plain(transcript: str) -> None:
    assert "\x1b" not in transcript, repr(transcript[transcript.index("\x1b") - 200:][:400])
    for glyph in GLYPHS:
        assert glyph not in transcript, (glyph, transcript)


def test_a_whole_lesson_in_plain_mode(home):
    child = spawn_plain(home, "start", "revert-applied", "--plain")
    child.expect_exact("Lesson 2/27: Undo an applied migration")
    child.expect_exact("Building the sandbox with real makemigrations and migrate...")
    child.expect_exact("Sandbox ready")
    child.expect_exact("Step 1/2")
    # The state table: ASCII, "yes" for an applied migration.
    child.expect(r"\| 0003_change_price_field +\| yes +\| yes +\|")
    child.expect_exact("What would you like to do?")
    for number, label in enumerate(["Run a command in the sandbox", "Check my work",
                                    "Undo the last command"], 1):
        child.expect_exact(f"  {number}. {label}")
    child.expect_exact("  8. Quit (progress is saved)")

    # Wrong entries are said, and asked again.
    choose(child, "9")
    child.expect_exact("Type a number from 1 to 8.")
    choose(child, "x")
    child.expect_exact("Type a number from 1 to 8.")
    choose(child, "")
    child.expect_exact("Type a number from 1 to 8.")

    # The check says each expectation in words.
    choose(child, CHECK)
    child.expect_exact("Not yet (step 1:")
    child.expect_exact("  not met: ")
    run_command(child, "python manage.py migrate store 0002")
    child.expect_exact("Unapplying store.0003_change_price_field... OK")
    child.expect_exact("  - store.0003_change_price_field: applied -> not applied")
    child.expect_exact("Step 1 passed")
    child.expect_exact("Step 2/2")

    choose(child, HINT)
    child.expect_exact("Hint 1/3")

    # A confirmation, numbered: no keeps the sandbox.
    choose(child, RESET)
    child.expect_exact("Rebuild the sandbox for revert-applied from its start?")
    child.expect_exact("  1. Yes")
    child.expect_exact("  2. No")
    choose(child, "3", "Choose 1-2 (Enter alone: yes): ")
    child.expect_exact("Type a number from 1 to 2.")
    choose(child, "2", "Choose 1-2 (Enter alone: yes): ")

    run_command(child, "rm store/migrations/0003_change_price_field.py")
    child.expect_exact("store.0003_change_price_field: file deleted")
    child.expect_exact("  met: ")
    child.expect_exact("  not met: ")
    run_command(child, "sed -i 's/, null=True//' store/models.py")
    child.expect_exact("Step 2 passed")
    child.expect_exact("Lesson complete")

    child.expect_exact("What next?")
    child.expect_exact("  3. Quit")
    choose(child, "3", "Choose 1-3: ")
    child.expect_exact("Bye")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert_plain(child.transcript.getvalue())

    # The lesson menu marks the lesson done in a word; Ctrl-C there stops, progress saved.
    child = spawn_plain(home, "start", "--plain")
    child.expect_exact("Which chapter?")
    child.expect_exact("  1. (begun) Undo a migration (1 of 8 done)")  # numbered once
    choose(child, "1", "Choose 1-6: ")
    child.expect_exact("Which lesson?")
    child.expect_exact("  2. (done) Undo an applied migration (revert-applied, lesson 2, 2 steps")
    child.expect(r"Choose 1-\d+: ")
    child.sendcontrol("c")
    child.expect_exact("Stopped. Your progress is saved")
    child.expect(pexpect.EOF)
    assert_plain(child.transcript.getvalue())


def test_tutor_plain_in_the_environment_asks_by_number(home):
    """TUTOR_PLAIN=1 instead of the flag: the name question, a question's choices answered by
    their numbers, and the end of input (Ctrl-D) stopping the session."""
    child = spawn_plain(home, "start", "first-migrations", TUTOR_PLAIN="1", TUTOR_NAME="")
    child.expect_exact("Your name, for your progress report (Enter to skip):")
    child.expect_exact("Name: ")
    child.sendline("Ada")
    child.expect_exact("Step 1/4")
    run_command(child, "python manage.py makemigrations store")
    child.expect_exact("Step 1 passed")
    child.expect_exact("Step 2/4")
    child.expect_exact("  1. Answer the question")
    choose(child, "1", "Choose 1-9: ")
    child.expect_exact("which store migrations are applied?")
    child.expect_exact("  1. 0001_initial")
    many = "Choose 1 (Enter alone: none): "
    choose(child, "1, 2", many)
    child.expect_exact("Type 1, or nothing for none.")
    choose(child, "1", many)  # 0001_initial: wrong, nothing is applied yet
    child.expect_exact("Not right.")
    child.expect_exact("0001_initial should not be in your answer")
    choose(child, "1", "Choose 1-9: ")
    choose(child, "", many)  # none: right
    child.expect_exact("Right.")
    child.expect_exact("Step 2 passed")
    child.expect_exact("Step 3/4")
    child.expect_exact("Choose 1-8: ")
    child.sendeof()
    child.expect_exact("Stopped. Your progress is saved")
    child.expect(pexpect.EOF)
    assert_plain(child.transcript.getvalue())
    assert "Ada" in (home / "progress.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("value, plainly", [("1", True), ("yes", True), ("0", False),
                                            ("", False)])
def test_tutor_plain_is_on_for_any_value_but_empty_or_0(lesson_home, monkeypatch, value,
                                                        plainly):
    home = lesson_home("revert-applied")
    monkeypatch.setenv("TUTOR_PLAIN", value)
    check = tutor(home, "check")
    assert check.returncode == 1, check.stderr
    assert ("  not met: " in check.stdout) is plainly, check.stdout
    assert ("✗" in check.stdout) is not plainly, check.stdout
    lessons = tutor(home, "lessons")
    assert ("+---" in lessons.stdout) is plainly, lessons.stdout
    assert ("┏" in lessons.stdout) is not plainly, lessons.stdout


def test_the_demo_in_plain_mode_waits_for_a_line(home):
    """`--demo --plain`: Enter alone runs the step's solution, q and Enter quits; anything else
    is said, and asked again."""
    child = spawn_plain(home, "start", "--demo", "--plain", "revert-applied")
    child.expect_exact("Step 1/2")
    child.expect_exact("The sandbox now")
    child.expect_exact("Press Enter to run step 1's solution; q quits. ")
    child.sendline("x")
    child.expect_exact("Press Enter alone, or type q and then Enter.")
    child.expect_exact("Press Enter to run step 1's solution; q quits. ")
    child.sendline("")
    child.expect_exact("Step 1: the solution, with real commands")
    child.expect_exact("Unapplying store.0003_change_price_field... OK")
    child.expect_exact("Step 1 passed")
    child.expect_exact("Press Enter to run step 2's solution; q quits. ")
    child.sendline("q")
    child.expect_exact("End of the demo.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert_plain(child.transcript.getvalue())


def test_the_trust_question_in_plain_mode_defaults_to_no(home, course, canary):
    child = spawn_plain(home, "start", "our-canary", "--course", str(course), "--plain")
    child.expect_exact("runs: python manage.py shell -c")
    child.expect_exact("Run this course's code on this machine?")
    child.expect_exact("  1. Yes")
    child.expect_exact("  2. No")
    choose(child, "yes please", "Choose 1-2 (Enter alone: no): ")
    child.expect_exact("Type a number from 1 to 2.")
    choose(child, "", "Choose 1-2 (Enter alone: no): ")
    child.expect_exact("Nothing was run.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1 and not canary.exists()
    assert_plain(child.transcript.getvalue())

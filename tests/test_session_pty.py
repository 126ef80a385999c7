"""`tutor start` driven in a real pseudo-terminal, as a learner would use it."""

from __future__ import annotations

import os
import sys

import pexpect
from conftest import REPO

DOWN, ENTER = "\x1b[B", "\r"
MENU = ["run", "check", "hint", "solution", "skip", "reset", "quit"]


def spawn_tutor(home, *args, timeout=30):
    env = dict(os.environ, PYTHONPATH=str(REPO), PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm",
               COLUMNS="120", LINES="50", NO_COLOR="1",
               # Django colours its output on a terminal; plain text is easier to match.
               DJANGO_COLORS="nocolor")
    child = pexpect.spawn(sys.executable, ["-m", "tutor", *args, "--home", str(home)],
                          env=env, encoding="utf-8", timeout=timeout, dimensions=(50, 120),
                          cwd=str(REPO))
    return child


def choose(child, item: str) -> None:
    """Pick a menu entry of the step menu by moving the cursor down to it."""
    child.expect_exact("What would you like to do")
    child.send(DOWN * MENU.index(item) + ENTER)


def run_command(child, command: str) -> None:
    choose(child, "run")
    child.expect_exact("Command")
    child.sendline(command)


def test_a_whole_lesson_in_the_terminal(home):
    child = spawn_tutor(home, "start", "revert-applied")
    child.expect_exact("Undo an applied migration")
    child.expect_exact("Sandbox ready")
    child.expect(r"Step 1/2")

    # A wrong command first: one step too far. The check says why, and nothing passes.
    run_command(child, "python manage.py migrate store 0001")
    child.expect_exact("Unapplying store.0003_change_price_field... OK")
    child.expect_exact("Unapplying store.0002_add_price_to_product... OK")
    child.expect_exact("store.0002_add_price_to_product: applied -> not applied")
    child.expect_exact("store.0003_change_price_field: applied -> not applied")
    child.expect_exact("column store_product.price: dropped")
    child.expect_exact("You went one step too far")

    run_command(child, "python manage.py migrate store 0002")
    child.expect_exact("Applying store.0002_add_price_to_product... OK")
    child.expect_exact("store.0002_add_price_to_product: not applied -> applied")
    child.expect_exact("column store_product.price: added (NOT NULL)")
    child.expect_exact("Step 1 passed")
    child.expect_exact("Step 2/2")

    choose(child, "hint")
    child.expect_exact("Hint 1/3")

    run_command(child, "rm store/migrations/0003_change_price_field.py")
    child.expect_exact("store.0003_change_price_field: file deleted")
    child.expect_exact("makemigrations would write a new migration: Alter field price on product")

    run_command(child, "sed -i 's/, null=True//' store/models.py")
    child.expect_exact("Step 2 passed")
    child.expect_exact("Lesson complete")
    child.expect_exact("What next")
    child.send(DOWN * 2 + ENTER)  # Quit
    child.expect_exact("Bye")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    # Progress persisted: the lesson is done, and a new session offers the menu.
    child = spawn_tutor(home, "start")
    child.expect_exact("Which lesson")
    child.expect(r"✓ \d+\. Undo an applied migration")
    child.sendcontrol("c")
    child.expect_exact("progress is saved")
    child.expect(pexpect.EOF)


def test_django_questions_can_be_answered_and_ctrl_c_keeps_progress(home):
    child = spawn_tutor(home, "start", "delete-unapplied")
    child.expect_exact("Step 1/2")
    run_command(child, "rm store/migrations/0004_add_discount_field.py")
    child.expect_exact("Step 1 passed")
    # A non-nullable field without a default: makemigrations asks, and the learner answers.
    run_command(child, "sed -i 's/IntegerField(null=True)/IntegerField()/' store/models.py")
    run_command(child, "python manage.py makemigrations store --name add_discount_field")
    child.expect_exact("Select an option")
    child.sendline("1")
    child.expect_exact(">>>")
    child.sendline("0")
    child.expect_exact("0004_add_discount_field.py")
    run_command(child, "python manage.py migrate store")
    child.expect_exact("Applying store.0004_add_discount_field... OK")
    child.expect_exact("column store_product.discount: added")
    child.expect_exact("Lesson complete")
    child.expect_exact("What next")
    child.sendcontrol("c")
    child.expect_exact("progress is saved")
    child.expect(pexpect.EOF)


def test_a_lesson_with_questions_in_the_terminal(home):
    """first-migrations: real commands typed, and questions answered in a checkbox whose
    right answers come from the live state."""
    child = spawn_tutor(home, "start", "first-migrations")
    child.expect_exact("Step 1/4")
    run_command(child, "python manage.py makemigrations store")
    child.expect_exact("store.0001_initial: new file (not applied)")
    child.expect_exact("Step 1 passed")
    child.expect_exact("Step 2/4")

    # A question step: "Answer the question" comes first in the menu.
    child.expect_exact("What would you like to do")
    child.send(ENTER)
    child.expect_exact("Which store migrations are applied right now?")
    child.send(" " + ENTER)  # ticks 0001_initial: wrong, nothing is applied yet
    child.expect_exact("Not right.")
    child.expect_exact("0001_initial should not be in your answer")
    child.expect_exact("What would you like to do")
    child.send(ENTER)
    child.expect_exact("Which store migrations are applied right now?")
    child.send(ENTER)  # nothing ticked: right
    child.expect_exact("Right.")
    child.expect_exact("Step 2 passed")

    child.expect_exact("Step 3/4")
    run_command(child, "python manage.py migrate")
    child.expect_exact("Applying store.0001_initial... OK")
    child.expect_exact("store.0001_initial: not applied -> applied")
    child.expect_exact("table store_product: created")
    child.expect_exact("Step 3 passed")

    child.expect_exact("Step 4/4")
    child.expect_exact("What would you like to do")
    child.send(ENTER)
    child.expect_exact("Which of these are columns of the store_product table?")
    child.send(" " + DOWN + " " + ENTER)  # id and name
    child.expect_exact("Right.")
    child.expect_exact("Lesson complete")
    child.expect_exact("What next")
    child.sendcontrol("c")
    child.expect_exact("progress is saved")
    child.expect(pexpect.EOF)

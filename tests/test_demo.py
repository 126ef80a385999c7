"""`tutor start --demo`, the instructor's walk-through, driven in a real pseudo-terminal."""

from __future__ import annotations

import pexpect
from conftest import run_ok, tutor_json
from test_session_pty import spawn_tutor

ENTER = "\r"


def test_the_demo_resets_the_lesson_and_runs_each_step_at_a_key_press(lesson_home):
    home = lesson_home("revert-applied")
    run_ok(home, "migrate", "store", "0001")  # somewhere else entirely: the demo resets first
    child = spawn_tutor(home, "start", "--demo", "revert-applied")
    child.expect_exact("Undo an applied migration")
    child.expect_exact("Sandbox ready")
    child.expect_exact("Step 1/2")
    child.expect_exact("The sandbox now")
    child.expect_exact("0003_change_price_field   │ yes  │ [X]")  # the lesson's start
    child.expect_exact("Press Enter to run step 1's solution")
    child.send(ENTER)
    child.expect_exact("$ python manage.py migrate store 0002")
    child.expect_exact("Unapplying store.0003_change_price_field... OK")
    child.expect_exact("What changed")
    child.expect_exact("store.0003_change_price_field: applied -> not applied")
    child.expect_exact("Step 1 passed")

    child.expect_exact("Step 2/2")
    child.expect_exact("The sandbox now")
    child.expect_exact("0003_change_price_field   │ yes  │ [ ]")  # the state step 1 left
    child.expect_exact("Press Enter to run step 2's solution")
    child.send("x")  # other keys do nothing
    child.send(ENTER)
    child.expect_exact("$ rm store/migrations/0003_change_price_field.py")
    child.expect_exact("$ edit store/models.py")
    child.expect_exact("store.0003_change_price_field: file deleted")
    child.expect_exact("Step 2 passed")
    child.expect_exact("Lesson complete")
    child.expect_exact("The sandbox at the end of the lesson")
    child.expect_exact("0002_add_price_to_product │ yes  │ [X]")
    child.expect_exact("Press Enter for the next lesson")
    child.send("q")
    child.expect_exact("End of the demo")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Traceback" not in child.before
    status, report = tutor_json(home, "check")
    assert status == 0 and report["lesson_complete"]


def test_q_ends_the_demo_before_a_step_runs(lesson_home):
    home = lesson_home("revert-applied")
    child = spawn_tutor(home, "start", "--demo")  # the current lesson
    child.expect_exact("Step 1/2")
    child.expect_exact("Press Enter to run step 1's solution")
    child.send("q")
    child.expect_exact("End of the demo")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "$ python manage.py" not in child.before
    status, report = tutor_json(home, "check")
    assert status == 1 and report["step_index"] == 0

"""`tutor watch` in a real pseudo-terminal: it notices real `manage.py` runs and file edits made
from elsewhere, passes steps, survives a broken file, and stops cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect
from conftest import REPO, edit, run_ok, solve_steps, tutor, tutor_json
from test_session_pty import spawn_tutor

from tutor.watch import watched_file

# From a change in the sandbox to its verdict on screen: a burst's quiet time, a warm state
# read and the check take well under a second; a loaded, shared machine gets ample room.
NOTICED_WITHIN = 15


def test_a_migrate_run_elsewhere_passes_the_step_and_ctrl_c_stops_cleanly(lesson_home):
    home = lesson_home("revert-applied")
    child = spawn_tutor(home, "watch")
    child.expect_exact("Watching the sandbox")
    child.expect_exact("Step 1/2")
    child.expect_exact("Not yet")  # the first check, before anything is done

    run_ok(home, "migrate", "store", "0002")
    child.expect_exact("The sandbox changed", timeout=NOTICED_WITHIN)
    child.expect_exact("store.0003_change_price_field: applied -> not applied")
    child.expect_exact("Step 1 passed", timeout=NOTICED_WITHIN)
    child.expect_exact("Step 2/2")
    # The check's own writes (the progress file) and a quiet sandbox wake nothing.
    assert child.expect_exact(["The sandbox changed", pexpect.TIMEOUT], timeout=2.5) == 1

    child.sendcontrol("c")
    child.expect_exact("Stopped watching. Your progress is saved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Traceback" not in child.before and "KeyboardInterrupt" not in child.before
    status, report = tutor_json(home, "check")
    assert status == 1 and report["step_index"] == 1  # step 1 stayed passed


def test_a_broken_models_file_is_reported_and_the_watch_ends_with_the_lesson(lesson_home):
    home = solve_steps(lesson_home("revert-applied"), 1)
    child = spawn_tutor(home, "watch")
    child.expect_exact("Step 2/2")
    child.expect_exact("Not yet")

    models = home / "sandbox/store/models.py"
    good = models.read_text(encoding="utf-8")
    models.write_text(good + "this is not python(\n", encoding="utf-8")
    child.expect_exact("Error:", timeout=NOTICED_WITHIN)
    child.expect_exact("store/models.py")
    child.expect_exact("Still watching")
    models.write_text(good, encoding="utf-8")
    child.expect_exact("Not yet", timeout=NOTICED_WITHIN)

    (home / "sandbox/store/migrations/0003_change_price_field.py").unlink()
    edit(home, "store/models.py", ", null=True", "")
    child.expect_exact("Step 2 passed", timeout=NOTICED_WITHIN)
    child.expect_exact("Lesson complete")
    child.expect_exact("the watch stops")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_watch_needs_a_terminal(lesson_home):
    result = tutor(lesson_home("revert-applied"), "watch", input="")
    assert result.returncode == 2
    assert "needs a terminal" in result.stderr and "tutor check" in result.stderr
    assert "Traceback" not in result.stderr


def test_watch_without_a_sandbox_says_how_to_start(home):
    child = spawn_tutor(home, "watch")
    child.expect_exact("There is no sandbox")
    child.expect_exact("tutor start")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2


def test_what_wakes_the_watch():
    sandbox = Path("/home/x/sandbox")
    wakes = ["store/models.py", "store/migrations/0004_x.py", "db.sqlite3", "shop/settings.py",
             "teammate.sqlite3"]  # a lesson's other database (tests/test_databases.py)
    sleeps = ["db.sqlite3-journal", "db.sqlite3-wal", "db.sqlite3-shm",
              "teammate.sqlite3-journal", "store/fixtures/x.sqlite3",
              "store/migrations/__pycache__/0001_initial.cpython-311.pyc",
              "store/__pycache__/models.py", "store/.models.py.swp", "store/models.py~",
              "store/.#models.py", ".tutor-sandbox"]
    assert all(watched_file(sandbox / name, sandbox) for name in wakes)
    assert not any(watched_file(sandbox / name, sandbox) for name in sleeps)


def test_help_does_not_import_the_file_watcher():
    probe = ("import sys\nfrom tutor.cli import main\n"
             "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('watchfiles', 'anyio')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert out.stdout.strip().splitlines()[-1] == "[]"

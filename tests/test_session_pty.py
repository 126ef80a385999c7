"""`tutor start` driven in a real pseudo-terminal, as a learner would use it."""

from __future__ import annotations

import io
import json
import os
import re
import sys
from pathlib import Path

import pexpect
import pytest
from conftest import REPO, manage, solve_steps, tutor, tutor_json, with_snapshots

DOWN, ENTER, BACKSPACE, ESC = "\x1b[B", "\r", "\x7f", "\x1b"
MENU = ["run", "check", "undo", "hint", "solution", "skip", "reset", "quit"]
# The lessons these sessions start: their start states are built once per test session.
SESSION_LESSONS = ("revert-applied", "delete-unapplied", "first-migrations",
                   "inconsistent-history", "cross-app-revert", "branch-switch",
                   "applied-elsewhere", "expand-contract")


@pytest.fixture
def home(tmp_path, _built_homes) -> Path:
    """A new learner's home (no progress, no sandbox) that already holds the start snapshots
    of the lessons below, as after a first `tutor reset` of each: the session still builds
    the sandbox ("Sandbox ready"), from the snapshot instead of from scratch."""
    return with_snapshots(tmp_path / "tutor home", _built_homes, SESSION_LESSONS)


def spawn_tutor(home, *args, timeout=30, path=None):
    env = dict(os.environ, PYTHONPATH=str(REPO), PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm",
               COLUMNS="120", LINES="50", NO_COLOR="1",
               # Django colours its output on a terminal; plain text is easier to match.
               DJANGO_COLORS="nocolor")
    if path is not None:
        env["PATH"] = path
    child = pexpect.spawn(sys.executable, ["-m", "tutor", *args, "--home", str(home)],
                          env=env, encoding="utf-8", timeout=timeout, dimensions=(50, 120),
                          cwd=str(REPO))
    return child


def choose(child, item: str) -> None:
    """Pick a menu entry of the step menu by moving the cursor down to it."""
    child.expect_exact("What would you like to do")
    child.send(DOWN * MENU.index(item) + ENTER)


def tick_id_and_name_and_stop(child) -> None:
    """first-migrations' last question, answered rightly in its checkbox (id and name), then
    Ctrl-C at "What next?": the lesson is complete and the session ends with progress saved."""
    child.send(" " + DOWN + " " + ENTER)
    child.expect_exact("Right.")
    child.expect_exact("Lesson complete")
    child.expect_exact("What next")
    child.sendcontrol("c")
    child.expect_exact("progress is saved")
    child.expect(pexpect.EOF)


def run_command(child, command: str) -> None:
    choose(child, "run")
    child.expect_exact("Command")
    child.sendline(command)


def quit_after_the_lesson(child, last_lesson: bool = False) -> None:
    """Choose Quit at "What next?" and see the session end well. After the course's last
    lesson, there is no "Start the next lesson" above it."""
    child.expect_exact("What next")
    child.send(DOWN * (1 if last_lesson else 2) + ENTER)
    child.expect_exact("Bye")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


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
    quit_after_the_lesson(child)

    # Progress persisted: the lesson is done, and a new session offers the menu: the chapters
    # first (the one that holds it counts it done), then the chapter's lessons.
    child = spawn_tutor(home, "start")
    child.expect_exact("Which chapter")
    child.expect_exact("… 1. Undo a migration (1 of 8 done)")
    child.send(ENTER)
    child.expect_exact("Which lesson")
    child.expect(r"✓ 2\. Undo an applied migration")
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
    # A one-off default is no default of the field: the goal names `default=0`.
    child.expect_exact("it has no default")
    child.expect_exact("What would you like to do")
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
    child.expect_exact("before `migrate` runs it, which store migrations are applied?")
    child.send(" " + ENTER)  # ticks 0001_initial: wrong, nothing is applied yet
    child.expect_exact("Not right.")
    child.expect_exact("0001_initial should not be in your answer")
    child.expect_exact("What would you like to do")
    child.send(ENTER)
    child.expect_exact("before `migrate` runs it, which store migrations are applied?")
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
    tick_id_and_name_and_stop(child)


def test_a_lesson_with_two_databases_played_through_in_the_terminal(home):
    """applied-elsewhere (issue 14): the state table shows each database, the question is
    about the teammate's, a command with `--database` is seen there, and the lesson ends."""
    child = spawn_tutor(home, "start", "applied-elsewhere")
    child.expect_exact("Unapplied here, applied elsewhere")
    child.expect_exact("Step 1/2")
    child.expect_exact("store migrations, applied on each database")
    child.expect_exact("teammate")
    child.expect_exact("Database teammate: store_product (2 rows: id, name, price, discount)")
    child.expect_exact("What would you like to do")
    child.send(DOWN + ENTER)  # "Answer the question" comes first on a question step: run
    child.expect_exact("Command")
    child.sendline("python manage.py showmigrations store --database teammate")
    child.expect_exact("[X] 0004_add_discount_field")
    child.expect_exact("Nothing changed")
    child.expect_exact("What would you like to do")
    child.send(ENTER)  # a question step: "Answer the question" comes first
    child.expect_exact("Which store migrations are applied on your teammate's database?")
    child.send(" " + DOWN + " " + DOWN + " " + ENTER)  # 0001 to 0003: this database's view
    child.expect_exact("Not right.")
    child.expect_exact("What would you like to do")
    child.send(ENTER)
    child.expect_exact("Which store migrations are applied on your teammate's database?")
    child.send((" " + DOWN) * 4 + ENTER)  # all four
    child.expect_exact("Right.")
    child.expect_exact("Step 1 passed")
    child.expect_exact("Step 2/2")
    run_command(child, "python manage.py migrate store")
    child.expect_exact("Applying store.0004_add_discount_field... OK")
    child.expect_exact("store.0004_add_discount_field: not applied -> applied")
    child.expect_exact("Step 2 passed")
    child.expect_exact("you rolled your own")
    child.expect_exact("Lesson complete")
    quit_after_the_lesson(child)


RECORD_0002 = ("python manage.py shell -v 0 -c \"from django.db import connection; "
               "from django.db.migrations.recorder import MigrationRecorder; "
               "MigrationRecorder(connection).record_applied('store', "
               "'0002_add_price_to_product')\"")


def test_the_running_release_is_run_after_each_command_in_the_terminal(home):
    """expand-contract (issue 14, point 3): after each command the session runs the release
    on production and says whether it works; the one-deploy drop breaks it, a reset and the
    expand keep it working, and once 1.5 is deployed the contract passes."""
    child = spawn_tutor(home, "start", "expand-contract", timeout=60)
    child.expect_exact("Drop a column the running site still reads")
    child.expect_exact("Step 1/2")
    child.expect_exact("Release 1.4 on production: works")
    child.expect_exact("Release 1.5 on production: fails; its insert failed: NOT NULL")
    run_command(child, "sed -i '/discount/d' store/models.py && python manage.py "
                       "makemigrations store && python manage.py migrate --database production")
    child.expect_exact("Applying store.0005_remove_product_discount... OK")
    child.expect_exact("The running release 1.4, on production, broke: its read failed: "
                       "no such column: store_product.discount")
    child.expect_exact("Not yet (step 1")
    choose(child, "reset")
    child.expect_exact("Rebuild the sandbox for expand-contract from its start?")
    child.send(ENTER)
    child.expect_exact("Release 1.4 on production: works")
    run_command(child, "sed -i 's/IntegerField(default=0)/IntegerField(default=0, null=True)/' "
                       "store/models.py && python manage.py makemigrations store -v0 && "
                       "python manage.py migrate --database production")
    child.expect_exact("The running release 1.4, on production, works")
    child.expect_exact("Step 1 passed")
    child.expect_exact("Step 2/2")
    run_command(child, "sed -i '/discount/d' store/models.py && python manage.py "
                       "makemigrations store -v0 && python manage.py migrate --database "
                       "production")
    child.expect_exact("The running release 1.5, on production, works")
    child.expect_exact("Step 2 passed")
    child.expect_exact("Lesson complete")
    quit_after_the_lesson(child)


def test_inconsistent_history_played_through_in_the_terminal(home):
    """inconsistent-history: the schema is read and a question answered (wrongly, then right),
    `migrate --fake` is tried and refused by Django itself, the row is written with the
    recorder, and the lesson ends; its progress is on disk afterwards."""
    child = spawn_tutor(home, "start", "inconsistent-history")
    child.expect_exact("Repair an inconsistent history")
    child.expect_exact("Sandbox ready")
    child.expect_exact("Step 1/2")

    # A question step: "Answer the question" comes first, so "Run a command" is one down.
    child.expect_exact("What would you like to do")
    child.send(DOWN + ENTER)
    child.expect_exact("Command")
    child.sendline("python manage.py inspectdb store_product")
    child.expect_exact("price = models.DecimalField(")
    child.expect_exact("discount = models.IntegerField()")
    child.expect_exact("Nothing changed in the migrations, schema or rows.")
    child.expect_exact("Not yet (step 1: Ask the database what ran)")
    child.expect_exact("✗ question answered")

    # Believing the record (0002 never ran, so no price): Not right, and the step stays.
    child.expect_exact("What would you like to do")
    child.send(ENTER)
    child.expect_exact("Which of these columns does the store_product table have?")
    child.send(" " + DOWN + " " + DOWN + DOWN + " " + ENTER)  # id, name, discount
    child.expect_exact("Not right.")
    child.expect_exact("price is missing from it")
    child.expect_exact("What would you like to do")
    child.send(ENTER)
    child.expect_exact("Which of these columns does the store_product table have?")
    child.send(" " + DOWN + " " + DOWN + " " + DOWN + " " + ENTER)  # all four
    child.expect_exact("Right.")
    child.expect_exact("Step 1 passed")
    child.expect_exact("0002 did run")
    child.expect_exact("Step 2/2")
    # The session shows the next step itself, not first a verdict on it that gives it away.
    assert "Not yet" not in child.before

    # The usual tool first: Django's consistency check refuses it before faking anything.
    run_command(child, "python manage.py migrate store 0002 --fake")
    child.expect_exact("InconsistentMigrationHistory: Migration store.0003_change_price_field "
                       "is applied before its dependency store.0002_add_price_to_product")
    # Django's thirty lines of traceback are cut to that error line, and the session says so.
    assert "Traceback" not in child.before and 'File "' not in child.before
    child.expect_exact("(Django printed a traceback; only its error line is shown)")
    child.expect_exact("(exit status 1)")
    child.expect_exact("Nothing changed in the migrations, schema or rows.")
    child.expect_exact("Not yet (step 2: Put 0002's row back)")
    child.expect_exact("✗ store.0002_add_price_to_product is applied")
    child.expect_exact("`--fake` included")
    child.expect_exact("✓ store_product.price holds 9.99, 4.5, 12")

    run_command(child, RECORD_0002)
    child.expect_exact("store.0002_add_price_to_product: not applied -> applied")
    child.expect_exact("Step 2 passed")
    child.expect_exact("Lesson complete: Repair an inconsistent history")
    quit_after_the_lesson(child)

    # Progress persisted, and the record really is repaired: migrate runs and has nothing to do.
    status, data = tutor_json(home, "status")
    assert status == 0
    assert data["lesson"] == "inconsistent-history"
    assert data["lesson_complete"] is True
    store = {m["name"]: m["applied"] for m in data["migrations"] if m["app"] == "store"}
    assert store == {"0001_initial": True, "0002_add_price_to_product": True,
                     "0003_change_price_field": True, "0004_add_discount_field": True}
    migrate = manage(home, "migrate")
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    assert "No migrations to apply." in migrate.stdout


def test_the_session_state_table_shows_every_app(home):
    """cross-app-revert has two apps: the table under the step shows both, and what a revert
    of one does to the other."""
    child = spawn_tutor(home, "start", "cross-app-revert")
    child.expect_exact("Step 1/4")
    child.expect_exact("store migrations")
    child.expect_exact("orders migrations")
    child.expect_exact("Table orders_order (2 rows): id, quantity, product_id")
    child.expect_exact("What would you like to do")
    child.send(DOWN + ENTER)  # a question step: "Run a command" is one down
    child.expect_exact("Command")
    child.sendline("python manage.py migrate store 0003 --plan")
    child.expect_exact("Undo Create model Order")
    child.expect_exact("Nothing changed in the migrations, schema or rows.")
    child.expect_exact("What would you like to do")
    child.send(ENTER)  # answer: only the store migration, as one would guess without --plan
    child.expect_exact("Which migrations would")
    child.send(DOWN * 4 + " " + ENTER)  # store.0004_add_discount_field
    child.expect_exact("orders.0001_initial is missing from it")
    child.expect_exact("What would you like to do")
    child.send(DOWN * (1 + MENU.index("quit")) + ENTER)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_a_lesson_that_needs_git_is_skipped_where_git_is_missing(home, tmp_path):
    """Without git on PATH, branch-switch is skipped with a note, not failed, and the path
    goes on: the first lesson of the next chapter."""
    empty = tmp_path / "no-programs"
    empty.mkdir()
    child = spawn_tutor(home, "start", "branch-switch", path=str(empty))
    child.expect(r"Skipping lesson 21, A migration left behind by a branch switch\s+"
                 r"\(branch-switch\): it needs git, which is\s+not\s+installed\s+here")
    child.expect_exact("Lesson 22/27: Unapplied here, applied elsewhere")
    child.expect_exact("Chapter 5/5: Teams and deploys")
    child.expect_exact("What would you like to do", timeout=60)
    child.sendcontrol("c")
    child.expect_exact("progress is saved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    _, status = tutor_json(home, "status")
    assert status["lesson"] == "applied-elsewhere" and status["sandbox_lesson"] == status["lesson"]


@pytest.mark.server
@pytest.mark.skipif(not os.environ.get("TUTOR_TEST_POSTGRESQL"),
                    reason="no PostgreSQL server: set TUTOR_TEST_POSTGRESQL")
def test_on_postgresql_a_lesson_whose_story_is_mariadbs_is_skipped(home):
    """On a PostgreSQL sandbox, the session skips the MariaDB-only lesson with a note and
    builds the next lesson there, on the server."""
    from tutor.backends import parse
    from tutor.spare_database import drop_home

    server = os.environ["TUTOR_TEST_POSTGRESQL"]
    child = spawn_tutor(home, "start", "mysql-half-applied", "--database", server, timeout=60)
    try:
        said = ("Skipping lesson 15, Half-applied on MariaDB, in a transaction "
                "(mysql-half-applied): it teaches what MariaDB/MySQL does, and the sandbox's "
                "database is on PostgreSQL.")
        child.expect(r"\s+".join(map(re.escape, said.split())))  # wrapped anywhere
        # The next lesson is built there (a lesson told on every backend).
        child.expect_exact("Repair an inconsistent history")
        child.expect_exact("Sandbox ready")
        child.expect_exact("What would you like to do")
        child.sendcontrol("c")
        child.expect_exact("progress is saved")
        child.expect(pexpect.EOF)
        assert not (home / "sandbox" / "db.sqlite3").exists()
    finally:
        child.close()
        drop_home(parse(server), home)


def test_branch_switch_played_through_with_git_in_the_terminal(home):
    """branch-switch in `tutor start`: the learner's own `git checkout` commands run in the
    sandbox's repository, and each check follows the branch and the database."""
    child = spawn_tutor(home, "start", "branch-switch")
    child.expect_exact("Step 1/3")
    child.expect_exact("Applied but no file (orphan rows): store.0005_add_stock_to_product")
    child.expect_exact("git: on branch main")
    child.expect_exact("What would you like to do")
    child.send(ENTER)  # answer: the fifth choice, 0005
    child.expect_exact("recorded as applied but have no file")
    child.send(DOWN * 4 + " " + ENTER)
    child.expect_exact("Right.")
    child.expect_exact("Step 1 passed")
    child.expect_exact("Step 2/3")

    # On main, Django has no file for 0005: nothing to unapply, and the check says where to go.
    run_command(child, "python manage.py migrate store 0004")
    child.expect_exact("No migrations to apply.")
    child.expect_exact("Not yet (step 2: Undo 0005 where its file is)")
    child.expect_exact("git checkout feature")

    run_command(child, "git checkout feature")
    child.expect_exact("store.0005_add_stock_to_product: file created")
    child.expect_exact("git: on branch feature")
    child.expect_exact("Not yet (step 2")
    run_command(child, "python manage.py migrate store 0004")
    child.expect_exact("Unapplying store.0005_add_stock_to_product... OK")
    child.expect_exact("column store_product.stock: dropped")
    child.expect_exact("Step 2 passed")
    child.expect_exact("Step 3/3")

    run_command(child, "git checkout main")
    child.expect_exact("Step 3 passed")
    child.expect_exact("Lesson complete: A migration left behind by a branch switch")
    child.expect_exact("That was the last lesson of chapter 4")  # the path goes on to 5
    child.expect_exact("What next")
    child.expect_exact("Start chapter 5: Teams and deploys")
    child.send(DOWN * 2 + ENTER)  # Quit
    child.expect_exact("Bye")
    child.expect(pexpect.EOF)
    _, data = tutor_json(home, "status")
    assert data["lesson_complete"] is True and data["git_branch"] == "main"


def test_an_interactive_django_shell_keeps_the_terminal(home):
    """`manage.py shell` talks on stdout and stderr: its traceback stays whole and in order
    with its prompts (only non-interactive manage.py commands have theirs cut)."""
    child = spawn_tutor(home, "start", "revert-applied")
    child.expect_exact("Step 1/2")
    run_command(child, "python manage.py shell")
    child.expect_exact("(InteractiveConsole)")
    child.expect_exact(">>>")
    child.sendline("1/0")
    child.expect_exact("Traceback (most recent call last):")
    child.expect_exact("ZeroDivisionError: division by zero")
    child.expect_exact(">>>")
    child.sendline("from store.models import Product; print(Product.objects.count(), 'rows')")
    child.expect_exact("0 rows")
    child.sendline("exit()")
    child.expect_exact("What would you like to do")
    assert "only its error line is shown" not in child.before
    child.send(DOWN * MENU.index("quit") + ENTER)
    child.expect(pexpect.EOF)


def test_a_command_that_leaves_a_program_running_does_not_hold_the_session(home):
    """A program left running in the background keeps the command's standard error open; the
    session goes on as soon as the command itself has ended."""
    child = spawn_tutor(home, "start", "revert-applied", timeout=10)
    child.expect_exact("Step 1/2")
    run_command(child, "python manage.py showmigrations store; sleep 60 &")
    child.expect_exact("[X] 0003_change_price_field")
    choose(child, "quit")
    child.expect(pexpect.EOF)


# --- typing at a menu does no harm -----------------------------------------------------------

def answers_on(home, lesson: str, number: int) -> int:
    """How many answers `tutor report --json` counts on a step (wrong ones are attempts)."""
    result = tutor(home, "report", "--json")
    assert result.returncode == 0, result.stderr
    steps = json.loads(result.stdout)["steps"]
    return next(s for s in steps if s["lesson"] == lesson and s["step"] == number)["answers"]


def test_a_command_typed_at_the_menu_is_put_in_the_command_prompt(home):
    """A learner who takes the menu for a shell prompt: its letters move nothing (questionary's
    `k` went up to Quit, and Enter quit), and Enter puts what was typed in the Command prompt,
    where a second Enter runs it."""
    child = spawn_tutor(home, "start", "first-migrations")
    child.expect_exact("Step 1/4")
    child.expect_exact("What would you like to do")
    child.send("python manage.py makemigrations store" + ENTER)
    assert child.expect_exact(["Command (run in the sandbox", pexpect.EOF]) == 0  # not quit
    child.expect_exact("python manage.py makemigrations store")  # there already, to confirm
    assert not (home / "sandbox" / "store" / "migrations" / "0001_initial.py").exists()
    child.send(ENTER)
    child.expect_exact("$ python manage.py makemigrations store")
    child.expect_exact("store.0001_initial: new file (not applied)")
    child.expect_exact("Step 1 passed")
    child.expect_exact("Step 2/4")
    assert (home / "sandbox" / "store" / "migrations" / "0001_initial.py").exists()
    # Typed, then erased with Backspace: Enter alone picks the item pointed at, as ever.
    child.expect_exact("What would you like to do")
    child.send("migrate" + BACKSPACE * len("migrate") + ENTER)
    assert child.expect_exact(["before `migrate` runs it, which store migrations are applied?",
                               "Command (run in the sandbox"]) == 0
    child.send(ENTER)  # nothing ticked: right
    child.expect_exact("Right.")
    child.expect_exact("Step 3/4")
    child.expect_exact("What would you like to do")
    child.send(DOWN * MENU.index("quit") + ENTER)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_letters_at_the_step_menu_move_nothing_and_the_arrows_still_do(home):
    """j and k are not arrows: after "jjjjk" (questionary: down to Skip) one Down is Check;
    Esc erases typed text, and then Enter alone picks as ever."""
    child = spawn_tutor(home, "start", "revert-applied")
    child.expect_exact("Step 1/2")
    child.expect_exact("What would you like to do")
    child.send("jjjjk" + DOWN + ENTER)
    assert child.expect_exact(["Not yet (step 1", "$ python manage.py migrate"]) == 0  # no Skip
    child.expect_exact("What would you like to do")
    child.send("kkk" + ESC)
    child.send(ENTER)  # nothing typed is left: Enter picks the first item, Run a command
    child.expect_exact("Command (run in the sandbox")
    child.send("python manage.py showmigrations store" + ENTER)
    child.expect_exact("$ python manage.py showmigrations store")  # not "kkk" before it
    child.expect_exact("[X] 0003_change_price_field")
    child.expect_exact("What would you like to do")
    child.send("jk" + DOWN * MENU.index("quit") + ENTER)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Step 1 passed" not in child.before
    _, data = tutor_json(home, "status")
    assert data["step_index"] == 0  # nothing was skipped


def test_typed_text_at_the_lesson_menu_picks_nothing(home):
    """At "Which lesson?", questionary's k went up to Quit; now Enter after typed text picks
    nothing and says so, and Enter alone picks the lesson pointed at."""
    child = spawn_tutor(home, "start")
    child.expect_exact("Which chapter")
    child.send(ENTER)  # the first
    child.expect_exact("Which lesson")
    child.send("k" + ENTER)
    assert child.expect_exact(["Typed text is not a choice, and was erased: use the arrow "
                               "keys, then Enter.", "Bye"]) == 0
    child.expect_exact("Which lesson")  # asked again, the pointer where it was
    child.send(ENTER)
    child.expect_exact("Make and apply your first migration")
    child.expect_exact("Step 1/4")
    assert "Bye" not in child.before
    child.expect_exact("What would you like to do")
    child.sendcontrol("c")
    child.expect_exact("progress is saved")
    child.expect(pexpect.EOF)


def test_typing_in_an_answer_checkbox_neither_ticks_nor_answers(lesson_home):
    """In a multiple-choice question, the letters of a command (questionary's a toggled all,
    i inverted) tick nothing, and Enter after them answers nothing: no wrong answer is
    counted. Space, the arrows and Enter answer as before."""
    home = solve_steps(lesson_home("first-migrations"), 3)
    child = spawn_tutor(home, "start")
    child.logfile_read = io.StringIO()
    child.expect_exact("Step 4/4")
    child.expect_exact("What would you like to do")
    child.send(ENTER)  # Answer the question
    child.expect_exact("Which of these are columns of the store_product table?")
    child.send("python manage.py migrate" + ENTER)
    assert child.expect_exact(["Not answered: typed text is not an answer, and was erased.",
                               "Right.", "Not right."]) == 0
    child.expect_exact("Which of these are columns of the store_product table?")  # still open
    assert answers_on(home, "first-migrations", 4) == 0
    tick_id_and_name_and_stop(child)
    assert answers_on(home, "first-migrations", 4) == 1
    # Its instruction says what the keys do, and no longer the a (toggle) and i (invert) keys.
    everything = child.logfile_read.getvalue()
    assert "(Use arrow keys to move, <space> to select, <enter> to answer)" in everything
    assert "<a> to toggle" not in everything and "<i> to invert" not in everything


NAME_QUESTION = "Your name, for your progress report"


def spawn_unnamed(home, monkeypatch, *args):
    """`tutor start` where no name is known yet: it asks. The whole output is kept."""
    monkeypatch.delenv("TUTOR_NAME")
    child = spawn_tutor(home, "start", *args)
    child.logfile_read = io.StringIO()
    return child


def quit_at_the_step_menu(child) -> str:
    child.expect_exact("What would you like to do")
    child.send(DOWN * MENU.index("quit") + ENTER)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    return child.logfile_read.getvalue()


def test_the_name_question_is_printed_once(lesson_home, monkeypatch):
    """The question was written twice: prompt_toolkit repaints an answered prompt from its
    start, message and all (a terminal shows it in place, a transcript twice)."""
    home = lesson_home("revert-applied")
    child = spawn_unnamed(home, monkeypatch, "revert-applied")
    child.expect_exact(NAME_QUESTION)
    child.send("Ada Lovelace" + ENTER)
    output = quit_at_the_step_menu(child)
    assert output.count(NAME_QUESTION) == 1, output
    _, data = tutor_json(home, "report")
    assert data["learner"] == "Ada Lovelace"


def test_a_name_asked_again_after_a_bad_one_is_printed_once_per_ask(lesson_home, monkeypatch):
    home = lesson_home("revert-applied")
    child = spawn_unnamed(home, monkeypatch, "revert-applied")
    child.expect_exact(NAME_QUESTION)
    child.send("x" * 90 + ENTER)
    child.expect_exact("The name is longer than 80 characters.")
    child.expect_exact(NAME_QUESTION)
    child.send("Ada" + ENTER)
    output = quit_at_the_step_menu(child)
    assert output.count(NAME_QUESTION) == 2, output
    first, warning = output.index(NAME_QUESTION), output.index("longer than 80 characters")
    assert first < warning < output.index(NAME_QUESTION, first + 1)
    _, data = tutor_json(home, "report")
    assert data["learner"] == "Ada"


CTRL_D = "\x04"


@pytest.mark.parametrize("prompt", ["name", "command", "confirm", "menu"])
def test_ctrl_d_at_any_prompt_stops_as_ctrl_c_does(lesson_home, monkeypatch, prompt):
    """End of input (Ctrl-D) at the name question, the Command prompt, the reset's
    confirmation or a menu: the session stops with its progress saved, no EOFError."""
    home = lesson_home("revert-applied")
    if prompt == "name":
        child = spawn_unnamed(home, monkeypatch, "revert-applied")
        child.expect_exact(NAME_QUESTION)
        child.expect_exact("Name:")  # the prompt itself, after the question's line
    else:
        child = spawn_tutor(home, "start", "revert-applied")
        if prompt == "command":
            choose(child, "run")
            child.expect_exact("Command")
        elif prompt == "confirm":
            choose(child, "reset")
            child.expect_exact("Rebuild the sandbox")
        else:
            child.expect_exact("What would you like to do")
    child.send(CTRL_D)
    child.expect_exact("Stopped. Your progress is saved")
    output = child.before
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Traceback" not in output + (child.before or "") and "EOFError" not in output

"""first-migrations: wrong actions a learner really makes, rejected with a specific message.

The state is changed only with real manage.py commands; the check never knows what was typed.
"""

from __future__ import annotations

from conftest import manage, not_yet, solve_steps, tutor_json, unmet

LESSON = "first-migrations"


_check = not_yet


def _at_step(lesson_home, number: int):
    """A home at the start of step `number` (1-based), reached by the reference solution."""
    return solve_steps(lesson_home(LESSON), number - 1)


def test_the_start_has_no_migration_and_no_database(lesson_home):
    home = lesson_home(LESSON)
    assert not (home / "sandbox/db.sqlite3").exists()
    result = manage(home, "showmigrations", "store")
    assert result.stdout == "store\n (no migrations)\n"


# --- step 1: make the first migration ---------------------------------------------------------

def test_migrating_before_making_the_migration_is_rejected(lesson_home):
    home = _at_step(lesson_home, 1)
    result = manage(home, "migrate")
    assert result.returncode == 0
    assert "have changes that are not yet reflected in a migration" in result.stdout
    report = _check(home)
    assert report["step_index"] == 0
    assert unmet(report) == [
        "there is no file store/migrations/0001_initial.py. Write it with `python manage.py "
        "makemigrations store`, without `--name` (if you gave a name, delete that file and run "
        "it again): `migrate` only runs migration files that exist."
    ]


def test_a_first_migration_with_another_name_is_pointed_at(lesson_home):
    home = _at_step(lesson_home, 1)
    assert manage(home, "makemigrations", "store", "--name", "products").returncode == 0
    details = " ".join(unmet(_check(home)))
    assert "there is no file store/migrations/0001_initial.py (there is 0001_products instead)" in details
    assert "delete that file and run it again" in details


def test_applying_it_in_the_first_step_is_rejected(lesson_home):
    home = _at_step(lesson_home, 1)
    assert manage(home, "makemigrations", "store").returncode == 0
    assert manage(home, "migrate").returncode == 0
    report = _check(home)
    assert report["step_index"] == 0
    assert unmet(report) == [
        "it is still recorded as applied in django_migrations. Not yet: this step only writes "
        "the file. Unapply it with `python manage.py migrate store zero` (the lesson "
        "revert-to-zero explains it), or start over with `tutor reset`."
    ]
    # The advice works: unapplying it passes step 1 (step 2 is a question, so the check stops).
    assert manage(home, "migrate", "store", "zero").returncode == 0
    status, report = tutor_json(home, "check")
    assert status == 0 and report["passed_steps"] == [0] and report["step_index"] == 1


# --- step 2: the question "which are applied?" ------------------------------------------------

def test_naming_the_unapplied_file_as_applied_is_a_wrong_answer(lesson_home):
    home = _at_step(lesson_home, 2)
    status, answer = tutor_json(home, "answer", "0001_initial")
    assert status == 1
    assert answer["right"] is False
    assert answer["detail"] == "Not quite: 0001_initial should not be in your answer."
    status, answer = tutor_json(home, "answer", "--none")
    assert status == 0 and answer["right"] is True
    assert answer["check"]["passed_steps"] == [1] and answer["check"]["step_index"] == 2


def test_migrating_before_answering_is_rejected(lesson_home):
    home = _at_step(lesson_home, 2)
    assert manage(home, "migrate").returncode == 0
    # The right answer is read from the live state: now 0001_initial is applied ...
    status, answer = tutor_json(home, "answer", "0001")
    assert status == 1 and answer["right"] is True
    # ... but the step is about the moment before migrate.
    assert not answer["check"]["passed"]
    assert "You applied it already" in " ".join(unmet(answer["check"]))


# --- step 3: apply it -------------------------------------------------------------------------

def test_a_plan_alone_applies_nothing(lesson_home):
    home = _at_step(lesson_home, 3)
    result = manage(home, "migrate", "--plan")
    assert "Planned operations:\nstore.0001_initial\n    Create model Product" in result.stdout
    report = _check(home)
    assert report["step_index"] == 2
    details = " ".join(unmet(report))
    assert "it is not applied: django_migrations has no row for it. Apply it with `python manage.py migrate`" in details


def test_faking_the_migration_is_rejected_and_the_advice_works(lesson_home):
    home = _at_step(lesson_home, 3)
    result = manage(home, "migrate", "--fake")
    assert "Applying store.0001_initial... FAKED" in result.stdout
    report = _check(home)
    assert report["step_index"] == 2
    details = " ".join(unmet(report))
    assert "table store_product is missing, though an applied migration creates it" in details
    assert "`--fake` records a migration without running it" in details
    assert manage(home, "migrate", "store", "zero", "--fake").returncode == 0
    assert manage(home, "migrate").returncode == 0
    status, report = tutor_json(home, "check")
    assert status == 0 and report["passed_steps"] == [2]


# --- step 4: the question "which columns?" ----------------------------------------------------

def test_columns_no_migration_added_are_a_wrong_answer(lesson_home):
    home = _at_step(lesson_home, 4)
    result = manage(home, "sqlmigrate", "store", "0001")
    assert ('CREATE TABLE "store_product" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
            '"name" varchar(100) NOT NULL);') in result.stdout
    status, answer = tutor_json(home, "answer", "id", "name", "price")
    assert status == 1 and answer["right"] is False
    assert answer["detail"] == "Not quite: price should not be in your answer."
    status, answer = tutor_json(home, "answer", "name")
    assert answer["detail"] == "Not quite: id is missing from it."
    status, answer = tutor_json(home, "answer", "id", "name")
    assert status == 0 and answer["right"] is True
    assert answer["check"]["lesson_complete"]

"""revert-to-zero: wrong actions a learner really makes, rejected with a specific message.

The state is changed only with real manage.py commands; the check never knows what was typed.
"""

from __future__ import annotations

import json

from conftest import manage, not_yet, solve_steps, tutor_json, unmet

LESSON = "revert-to-zero"


_check = not_yet


def _at_step(lesson_home, number: int):
    """A home at the start of step `number` (1-based), reached by the reference solution."""
    return solve_steps(lesson_home(LESSON), number - 1)


# --- step 1: the question "how many rows?" ----------------------------------------------------

def test_the_start_holds_the_fixture_rows(lesson_home):
    home = _at_step(lesson_home, 1)
    result = manage(home, "dumpdata", "store")
    assert [row["fields"]["name"] for row in json.loads(result.stdout)] == ["Teapot", "Mug", "Kettle"]
    status, answer = tutor_json(home, "answer", "4")
    assert status == 1 and answer["right"] is False
    assert answer["detail"] == "4 is not right: look at the state again."
    status, answer = tutor_json(home, "answer", "3")
    assert status == 0 and answer["right"] is True
    assert answer["check"]["passed_steps"] == [0] and answer["check"]["step_index"] == 1


def test_dropping_the_data_before_answering_is_rejected(lesson_home):
    home = _at_step(lesson_home, 1)
    assert manage(home, "migrate", "store", "zero").returncode == 0
    status, answer = tutor_json(home, "answer", "0")
    assert status == 1 and answer["right"] is True
    assert "This step only looks: `tutor reset` brings the lesson's table and its rows back." \
        in " ".join(unmet(answer["check"]))


# --- step 2: migrate store zero ---------------------------------------------------------------

def test_migrating_to_0001_keeps_the_first_migration_and_its_table(lesson_home):
    home = _at_step(lesson_home, 2)
    result = manage(home, "migrate", "store", "0001")
    assert "Unapplying store.0002_add_price_to_product... OK" in result.stdout
    report = _check(home)
    assert report["step_index"] == 1
    assert unmet(report) == [
        "it is still recorded as applied in django_migrations. No migration name can undo "
        "0001_initial: a target stays applied (`migrate store 0001` keeps 0001_initial and its "
        "table). The target before the first migration is `zero`: `python manage.py migrate "
        "store zero`.",
        "it is still in the database.",
    ]


def test_faking_zero_leaves_the_table_and_the_advice_works(lesson_home):
    home = _at_step(lesson_home, 2)
    result = manage(home, "migrate", "store", "zero", "--fake")
    assert "Unapplying store.0001_initial... FAKED" in result.stdout
    report = _check(home)
    details = " ".join(unmet(report))
    assert "table store_product is in the database, though no applied migration creates it" in details
    assert "`--fake` deleted the records without running the undo" in details
    assert manage(home, "migrate", "store", "--fake").returncode == 0
    result = manage(home, "migrate", "store", "zero")
    assert "Unapplying store.0001_initial... OK" in result.stdout
    status, report = tutor_json(home, "check")
    assert status == 0 and report["passed_steps"] == [1] and report["step_index"] == 2


def test_after_zero_the_rows_are_gone(lesson_home):
    home = _at_step(lesson_home, 3)
    result = manage(home, "dumpdata", "store")
    assert result.returncode == 1
    assert "CommandError: Unable to serialize database: no such table: store_product" in result.stderr


# --- step 3: apply again, and the question "how many rows now?" -------------------------------

def test_stopping_short_of_0004_is_rejected(lesson_home):
    home = _at_step(lesson_home, 3)
    assert manage(home, "migrate", "store", "0003").returncode == 0
    status, answer = tutor_json(home, "answer", "0")
    assert status == 1 and answer["right"] is True
    details = " ".join(unmet(answer["check"]))
    assert "Apply all of them: `python manage.py migrate store`, without a target" in details
    assert "store_product has no column discount" in details


def test_expecting_the_rows_back_is_a_wrong_answer(lesson_home):
    home = _at_step(lesson_home, 3)
    assert manage(home, "migrate", "store").returncode == 0
    assert manage(home, "dumpdata", "store").stdout.strip() == "[]"
    status, answer = tutor_json(home, "answer", "3")
    assert status == 1 and answer["right"] is False
    assert answer["detail"] == "3 is not right: look at the state again."
    status, answer = tutor_json(home, "answer", "0")
    assert status == 0 and answer["check"]["passed_steps"] == [2]


def test_loading_the_fixture_before_answering_is_rejected(lesson_home):
    home = _at_step(lesson_home, 3)
    assert manage(home, "migrate", "store").returncode == 0
    assert manage(home, "loaddata", "products").returncode == 0
    status, answer = tutor_json(home, "answer", "3")
    assert status == 1 and answer["right"] is True
    assert unmet(answer["check"]) == [
        "it has 3 rows. This step asks what `migrate` alone gives back; the next step loads the "
        "fixture. If you loaded rows already, run `python manage.py migrate store zero`, then "
        "`python manage.py migrate store`."
    ]


# --- step 4: load the fixture -----------------------------------------------------------------

def test_migrating_again_does_not_bring_the_rows_back(lesson_home):
    home = _at_step(lesson_home, 4)
    result = manage(home, "migrate", "store")
    assert "No migrations to apply." in result.stdout
    report = _check(home)
    assert report["step_index"] == 3
    assert unmet(report) == [
        "it has 0 rows. Load the fixture with `python manage.py loaddata products`: applying "
        "migrations again only makes the table.",
        "store_product has no column name or no rows.",
    ]

"""migration-names: wrong actions a learner really makes, rejected with a specific message.

The state is changed only with real manage.py commands; the check never knows what was typed.
"""

from __future__ import annotations

from conftest import manage, not_yet, solve_steps, tutor_json, unmet

LESSON = "migration-names"


_check = not_yet


def _at_step(lesson_home, number: int):
    """A home at the start of step `number` (1-based), reached by the reference solution."""
    return solve_steps(lesson_home(LESSON), number - 1)


# --- step 1: the question "which are not applied?" --------------------------------------------

def test_wrong_answers_to_the_showmigrations_question(lesson_home):
    home = _at_step(lesson_home, 1)
    result = manage(home, "showmigrations", "store")
    assert result.stdout == ("store\n [X] 0001_initial\n [ ] 0002_add_price_to_product\n"
                             " [ ] 0003_change_price_field\n [ ] 0004_add_discount_field\n")
    status, answer = tutor_json(home, "answer", "0003", "0004")
    assert status == 1 and answer["right"] is False
    assert answer["detail"] == "Not quite: 0002_add_price_to_product is missing from it."
    status, answer = tutor_json(home, "answer", "00")
    assert status == 1 and answer["right"] is False
    # Like `migrate store 00`, an ambiguous prefix is refused as ambiguous.
    assert answer["detail"].startswith("00 matches more than one choice: be more specific")
    status, answer = tutor_json(home, "answer", "0002_add_price_to_product", "0003", "0004")
    assert status == 0 and answer["right"] is True
    assert answer["check"]["passed_steps"] == [0] and answer["check"]["step_index"] == 1


def test_applying_before_answering_is_rejected(lesson_home):
    home = _at_step(lesson_home, 1)
    assert manage(home, "migrate", "store").returncode == 0
    status, answer = tutor_json(home, "answer", "--none")
    assert status == 1 and answer["right"] is True
    details = unmet(answer["check"])
    assert len(details) == 3
    assert all("undo what you applied with `python manage.py migrate store 0001`" in d
               for d in details)


# --- step 2: apply up to 0003 with a prefix ---------------------------------------------------

def test_an_ambiguous_prefix_fails_and_changes_nothing(lesson_home):
    home = _at_step(lesson_home, 2)
    result = manage(home, "migrate", "store", "00")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == ("CommandError: More than one migration matches '00' in app 'store'. "
                             "Please be more specific.\n")
    report = _check(home)
    assert report["step_index"] == 1
    details = " ".join(unmet(report))
    assert "it is not applied: django_migrations has no row for it." in details
    assert "(`00` matches all four)" in details
    assert "`python manage.py migrate store 0003`" in details


def test_an_unknown_prefix_or_a_missing_app_label_fails(lesson_home):
    home = _at_step(lesson_home, 2)
    result = manage(home, "migrate", "store", "9999")
    assert result.returncode == 1
    assert result.stderr == "CommandError: Cannot find a migration matching '9999' from app 'store'.\n"
    result = manage(home, "migrate", "0003")
    assert result.returncode == 1
    assert result.stderr == "CommandError: No installed app with label '0003'.\n"
    report = _check(home)
    assert report["step_index"] == 1
    assert "A name that matches no migration" in " ".join(unmet(report))


def test_migrating_without_a_target_applies_0004_too(lesson_home):
    home = _at_step(lesson_home, 2)
    result = manage(home, "migrate", "store")
    assert "Applying store.0004_add_discount_field... OK" in result.stdout
    report = _check(home)
    assert unmet(report) == [
        "it is still recorded as applied in django_migrations. `migrate store` without a target "
        "applies everything, 0004 included. Unapply it with `python manage.py migrate store 0003`."
    ]
    # The advice works.
    assert manage(home, "migrate", "store", "0003").returncode == 0
    status, report = tutor_json(home, "check")
    assert status == 0 and report["passed_steps"] == [1]


# --- step 3: read the undo's SQL, then undo 0003 by its full name -----------------------------

def test_reading_the_sql_alone_changes_nothing(lesson_home):
    home = _at_step(lesson_home, 3)
    result = manage(home, "sqlmigrate", "store", "0003", "--backwards")
    assert result.returncode == 0
    assert ('INSERT INTO "new__store_product" ("id", "name", "price") SELECT "id", "name", '
            'coalesce("price", \'0\') FROM "store_product";') in result.stdout
    report = _check(home)
    assert report["step_index"] == 2
    assert unmet(report) == [
        "it is still recorded as applied in django_migrations. Migrate to the migration before "
        "it, by its full name: `python manage.py migrate store 0002_add_price_to_product`.",
        "the column allows NULL in the database.",
    ]


def test_migrating_to_0001_goes_too_far(lesson_home):
    home = _at_step(lesson_home, 3)
    assert manage(home, "migrate", "store", "0001_initial").returncode == 0
    details = " ".join(unmet(_check(home)))
    assert ("it is not applied: django_migrations has no row for it. You went too far: the "
            "target stays applied") in details


def test_faking_the_undo_is_rejected_and_the_advice_works(lesson_home):
    home = _at_step(lesson_home, 3)
    result = manage(home, "migrate", "store", "0002_add_price_to_product", "--fake")
    assert "Unapplying store.0003_change_price_field... FAKED" in result.stdout
    report = _check(home)
    assert report["step_index"] == 2
    assert unmet(report) == [
        "the column allows NULL in the database.",
        "column store_product.price allows NULL, though the applied migrations say NOT NULL. "
        "The record and the schema disagree: `--fake` removes the row without running the undo. "
        "Put the record back with `python manage.py migrate store 0003 --fake`, then run "
        "`python manage.py migrate store 0002_add_price_to_product`.",
    ]
    assert manage(home, "migrate", "store", "0003", "--fake").returncode == 0
    assert manage(home, "migrate", "store", "0002_add_price_to_product").returncode == 0
    status, report = tutor_json(home, "check")
    assert status == 0 and report["lesson_complete"]

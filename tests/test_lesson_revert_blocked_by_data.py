"""revert-blocked-by-data: undoing null=True while rows hold NULL. Wrong paths a learner really
takes, each rejected with a specific message; the state is changed only with real commands."""

from __future__ import annotations

import json

from conftest import edit, manage, run_ok, solve_steps, tutor, tutor_json, unmet, unmet_text

LESSON = "revert-blocked-by-data"
MIGRATION_0002 = "store/migrations/0002_add_price_to_product.py"
MIGRATION_0003 = "store/migrations/0003_change_price_field.py"
SET_PRICES = ("from store.models import Product; "
              "Product.objects.filter(name='Tea towel').update(price='4.50'); "
              "Product.objects.filter(name='Teapot').update(price='14.50')")


def _answer_step_one(home):
    status, answer = tutor_json(home, "answer", "0001", "0002", "0003")
    assert status == 0 and answer["right"] is True
    assert answer["check"]["step_index"] == 1


# --- step 1: the failing revert -------------------------------------------------------------

def test_the_revert_fails_and_changes_nothing(lesson_home):
    home = lesson_home(LESSON)
    result = manage(home, "migrate", "store", "0002")
    assert result.returncode == 1
    assert "Unapplying store.0003_change_price_field...Traceback" in result.stdout + result.stderr
    assert ("django.db.utils.IntegrityError: NOT NULL constraint failed: new__store_product.price"
            in result.stderr)
    assert "Unapplying store.0003_change_price_field...\n" not in result.stdout
    # Believing the revert went through: 0003 is still applied.
    result = tutor(home, "answer", "0001", "0002", "--json")
    assert result.returncode == 1
    answer = json.loads(result.stdout)
    assert answer["right"] is False
    assert "0003_change_price_field is missing from it" in answer["detail"]
    _answer_step_one(home)
    assert "it holds 9.99, NULL, NULL." in unmet_text(home, 1)


def test_a_default_makes_the_revert_fill_the_nulls_silently(lesson_home):
    home = lesson_home(LESSON)
    _answer_step_one(home)
    # The learner "fixes" the revert by keeping 0002's default in the field.
    edit(home, MIGRATION_0002, "preserve_default=False", "preserve_default=True")
    result = run_ok(home, "migrate", "store", "0002")
    assert "Unapplying store.0003_change_price_field... OK" in result.stdout
    details = unmet_text(home, 1)
    assert details.startswith("it holds 9.99, 0, 0.")


def test_deleting_the_rows_without_a_price_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    _answer_step_one(home)
    run_ok(home, "shell", "-v", "0", "-c",
           "from store.models import Product; Product.objects.filter(price=None).delete()")
    run_ok(home, "migrate", "store", "0002")
    details = unmet_text(home, 1)
    assert "it holds 9.99." in details
    assert "it has 1 rows. Deleting the rows without a price would unblock the revert too" in details


# --- step 2: repair the data ----------------------------------------------------------------

def test_a_partial_repair_still_blocks_the_revert(lesson_home):
    home = lesson_home(LESSON)
    _answer_step_one(home)
    run_ok(home, "shell", "-v", "0", "-c",
           "from store.models import Product; Product.objects.filter(name='Teapot').update(price='14.50')")
    result = manage(home, "migrate", "store", "0002")
    assert result.returncode == 1
    assert "NOT NULL constraint failed: new__store_product.price" in result.stderr
    status, report = tutor_json(home, "check")
    assert status == 1 and report["step_index"] == 1
    assert unmet(report) == [
        "it holds 9.99, NULL, 14.5. The products must cost 9.99, 4.50 and 14.50: set the tea "
        "towel's and the teapot's prices."
    ]


# --- step 3: the revert ---------------------------------------------------------------------

def test_faking_the_revert_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    _answer_step_one(home)
    run_ok(home, "shell", "-v", "0", "-c", SET_PRICES)
    assert tutor_json(home, "check")[1]["step_index"] == 2
    result = run_ok(home, "migrate", "store", "0002", "--fake")
    assert "Unapplying store.0003_change_price_field... FAKED" in result.stdout
    details = unmet_text(home, 2)
    assert "with `--fake`, Django deletes the record and leaves the schema" in details
    assert "`migrate --fake` changes the record only" in details


def test_reverting_past_0002_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    solve_steps(home, 2)
    run_ok(home, "migrate", "store", "0001")
    details = unmet_text(home, 2)
    assert "You went past 0003: reverting 0002 dropped the price column" in details


# --- step 4: drop the change ----------------------------------------------------------------

def test_keeping_null_true_in_the_model_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    solve_steps(home, 3)
    (home / "sandbox" / MIGRATION_0003).unlink()
    details = unmet_text(home, 3)
    assert "remove `null=True` from `price`" in details


def test_reapplying_before_deleting_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    solve_steps(home, 3)
    run_ok(home, "migrate", "store")
    (home / "sandbox" / MIGRATION_0003).unlink()
    edit(home, "store/models.py", ", null=True", "")
    details = unmet_text(home, 3)
    assert "It was applied again" in details

"""For every step, wrong actions a learner really makes, rejected with a specific message.

The state is changed only with real commands; the check never knows what was typed.
"""

from __future__ import annotations

from conftest import edit, manage, not_yet, tutor, unmet


_check = not_yet


# --- revert-applied ---------------------------------------------------------------------------

def test_revert_applied_migrating_one_too_far_is_rejected(lesson_home):
    home = lesson_home("revert-applied")
    assert manage(home, "migrate", "store", "0001").returncode == 0
    report = _check(home)
    assert report["step_index"] == 0
    details = " ".join(unmet(report))
    assert "store.0002_add_price_to_product" in " ".join(
        e["text"] for e in report["expectations"] if not e["met"])
    assert "You went one step too far" in details
    assert "migrate store 0002" in details


def test_revert_applied_deleting_the_applied_file_is_rejected(lesson_home):
    home = lesson_home("revert-applied")
    (home / "sandbox/store/migrations/0003_change_price_field.py").unlink()
    report = _check(home)
    details = " ".join(unmet(report))
    assert "django_migrations records 0003_change_price_field as applied, but the file is gone" in details
    assert "still recorded as applied" in details
    assert "allows NULL" in details  # the schema still holds the change


def test_revert_applied_step_two_rejects_a_model_left_unchanged(lesson_home):
    home = lesson_home("revert-applied")
    assert tutor(home, "solve").returncode == 0
    (home / "sandbox/store/migrations/0003_change_price_field.py").unlink()
    report = _check(home)
    assert report["step_index"] == 1
    assert unmet(report) == [
        "makemigrations would write a new migration: Alter field price on product. "
        "store/models.py still describes 0003's change: remove `null=True` from `price`."
    ]


def test_revert_applied_step_two_rejects_reapplying_before_deleting(lesson_home):
    home = lesson_home("revert-applied")
    assert tutor(home, "solve").returncode == 0
    assert manage(home, "migrate", "store").returncode == 0
    (home / "sandbox/store/migrations/0003_change_price_field.py").unlink()
    edit(home, "store/models.py", ", null=True", "")
    details = " ".join(unmet(_check(home)))
    assert "It was applied again" in details
    assert "django_migrations records 0003_change_price_field as applied" in details


# --- delete-unapplied -------------------------------------------------------------------------

def test_delete_unapplied_deleting_the_file_0004_needs_is_explained(lesson_home):
    home = lesson_home("delete-unapplied")
    (home / "sandbox/store/migrations/0003_change_price_field.py").unlink()
    result = tutor(home, "check")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert ("Migration store.0004_add_discount_field depends on store.0003_change_price_field, "
            "whose file is missing") in " ".join(result.stderr.split())
    assert "Restore store/migrations/0003_change_price_field.py" in result.stderr


def test_delete_unapplied_deleting_an_applied_migration_is_rejected(lesson_home):
    home = lesson_home("delete-unapplied")
    (home / "sandbox/store/migrations/0003_change_price_field.py").unlink()
    (home / "sandbox/store/migrations/0004_add_discount_field.py").unlink()
    report = _check(home)
    assert report["step_index"] == 0
    details = " ".join(unmet(report))
    assert "django_migrations records 0003_change_price_field as applied, but the file is gone" in details
    assert "only the unapplied 0004 may go" in details


def test_delete_unapplied_applying_before_deleting_is_rejected(lesson_home):
    home = lesson_home("delete-unapplied")
    assert manage(home, "migrate", "store").returncode == 0
    (home / "sandbox/store/migrations/0004_add_discount_field.py").unlink()
    details = " ".join(unmet(_check(home)))
    assert "It was applied before its file was deleted" in details
    assert "nullable discount column is in the database" in details


def test_delete_unapplied_step_two_rejects_the_unfixed_model(lesson_home):
    home = lesson_home("delete-unapplied")
    assert tutor(home, "solve").returncode == 0
    assert manage(home, "makemigrations", "store", "--name", "add_discount_field").returncode == 0
    assert manage(home, "migrate", "store").returncode == 0
    report = _check(home)
    assert report["step_index"] == 1
    assert unmet(report) == [
        "the column allows NULL in the database. The discount column allows NULL: the model "
        "still said `null=True` when the migration was made. Unapply it (`migrate store 0003`), "
        "delete it, fix the model and make it again."
    ]


def test_delete_unapplied_step_two_rejects_a_migration_without_the_course_name(lesson_home):
    home = lesson_home("delete-unapplied")
    assert tutor(home, "solve").returncode == 0
    edit(home, "store/models.py", "IntegerField(null=True)", "IntegerField(default=0)")
    assert manage(home, "makemigrations", "store").returncode == 0
    assert manage(home, "migrate", "store").returncode == 0
    details = " ".join(unmet(_check(home)))
    assert "there is 0004_product_discount instead" in details
    assert "it also holds 0004_product_discount" in details


def test_delete_unapplied_step_two_rejects_a_fix_on_top_of_the_mistake(lesson_home):
    home = lesson_home("delete-unapplied")
    # The mistake applied as it was, then "fixed" by a new migration on top of it.
    assert manage(home, "migrate", "store").returncode == 0
    edit(home, "store/models.py", "IntegerField(null=True)", "IntegerField(default=0)")
    assert manage(home, "makemigrations", "store").returncode == 0
    assert manage(home, "migrate", "store").returncode == 0
    report = _check(home)
    assert report["step_index"] == 0
    assert "Delete store/migrations/0004_add_discount_field.py." in " ".join(unmet(report))

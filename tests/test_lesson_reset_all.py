"""reset-all: wrong actions a learner really makes, each rejected with a specific message.

The state is changed only with real manage.py commands and file edits.
"""

from __future__ import annotations

from conftest import manage, not_yet, tutor, tutor_json, unmet

LESSON = "reset-all"
OLD = ["0001_initial", "0002_add_price_to_product", "0003_change_price_field",
       "0004_add_discount_field"]


_check = not_yet


def _delete_migration_files(home, keep_init=True):
    folder = home / "sandbox/store/migrations"
    for name in OLD:
        (folder / f"{name}.py").unlink()
    if not keep_init:
        (folder / "__init__.py").unlink()


def test_keeping_the_database_leaves_orphans_and_a_new_0001_taken_as_applied(lesson_home):
    home = lesson_home(LESSON)
    _delete_migration_files(home)
    report = _check(home)
    assert report["step_index"] == 0
    assert unmet(report) == [
        "django_migrations records 0001_initial, 0002_add_price_to_product, "
        "0003_change_price_field, 0004_add_discount_field as applied, but the file is gone. "
        "Deleting an applied migration leaves its row and its schema change behind. Starting "
        "over means deleting db.sqlite3 too. Kept, it still records the old migrations: a new "
        "0001_initial would take over the old one's row (Django treats it as applied without "
        "running it, and `migrate` prints `No migrations to apply.`), and the rows of 0002 to "
        "0004 would stay behind with no file."
    ]
    # Carry on regardless: the new 0001_initial has the old name, so it counts as applied.
    assert "store/migrations/0001_initial.py" in manage(home, "makemigrations", "store").stdout
    migrated = manage(home, "migrate")
    assert migrated.returncode == 0 and "No migrations to apply." in migrated.stdout
    assert " [X] 0001_initial" in manage(home, "showmigrations", "store").stdout
    report = _check(home)
    assert report["step_index"] == 0
    details = " ".join(unmet(report))
    assert ("django_migrations records 0002_add_price_to_product, 0003_change_price_field, "
            "0004_add_discount_field as applied, but the file is gone.") in details
    assert "Starting over means deleting db.sqlite3 too." in details


def test_a_deleted_init_file_is_caught_and_explained(lesson_home):
    home = lesson_home(LESSON)
    _delete_migration_files(home, keep_init=False)
    (home / "sandbox/db.sqlite3").unlink()
    report = _check(home)
    assert report["step_index"] == 0
    assert unmet(report) == [
        "there is no file store/migrations/__init__.py. Create an empty "
        "store/migrations/__init__.py again (in your editor, or `touch "
        "store/migrations/__init__.py`). Without it the folder is not a Python package, so "
        "Django sees no migrations for store at all: `showmigrations store` prints `(no "
        "migrations)` even while migration files are there."
    ]
    assert any("store/migrations/__init__.py is missing" in note for note in report["notes"])


def test_without_init_django_sees_no_migrations_until_makemigrations_restores_it(lesson_home):
    """What the explanation claims, on the Django under test."""
    home = lesson_home(LESSON)
    _delete_migration_files(home, keep_init=False)
    (home / "sandbox/db.sqlite3").unlink()
    assert "(no migrations)" in manage(home, "showmigrations", "store").stdout
    migrated = manage(home, "migrate")
    assert migrated.returncode == 0
    assert "Apply all migrations: (none)" in migrated.stdout
    assert "have changes that are not yet reflected in a migration" in migrated.stdout
    _, state = tutor_json(home, "status")
    assert "store_product" not in state["tables"]
    # makemigrations writes 0001_initial and an empty __init__.py beside it.
    assert manage(home, "makemigrations", "store").returncode == 0
    init = home / "sandbox/store/migrations/__init__.py"
    assert init.is_file() and init.read_text(encoding="utf-8") == ""
    assert "Applying store.0001_initial... OK" in manage(home, "migrate").stdout
    status, report = tutor_json(home, "check")
    assert status == 0 and report["lesson_complete"]


def test_with_other_files_left_makemigrations_overwrites_0001_when_init_is_gone(lesson_home):
    """Why the explanation says to put __init__.py back rather than carry on."""
    home = lesson_home(LESSON)
    (home / "sandbox/store/migrations/__init__.py").unlink()
    assert "(no migrations)" in manage(home, "showmigrations", "store").stdout
    assert manage(home, "makemigrations", "store").returncode == 0
    initial = (home / "sandbox/store/migrations/0001_initial.py").read_text(encoding="utf-8")
    assert "'discount'" in initial  # the old 0001_initial (name only) was written over


def test_keeping_the_old_0001_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    folder = home / "sandbox/store/migrations"
    for name in OLD[1:]:
        (folder / f"{name}.py").unlink()
    (home / "sandbox/db.sqlite3").unlink()
    explained = (
        "its file store/migrations/0001_initial.py is still there. Delete every migration file "
        "in store/migrations except __init__.py, 0001_initial.py included: the new "
        "0001_initial is made in the next step, from the models as they are now.")
    report = _check(home)
    assert report["step_index"] == 0 and unmet(report) == [explained]
    # Carried on, makemigrations adds a 0002 to the old history instead of a fresh 0001.
    made = manage(home, "makemigrations", "store")
    assert "0002_product_discount_product_price.py" in made.stdout
    assert manage(home, "migrate").returncode == 0
    report = _check(home)
    assert report["step_index"] == 0 and unmet(report) == [explained]


def test_step_two_rejects_a_migration_made_but_not_applied(lesson_home):
    home = lesson_home(LESSON)
    assert tutor(home, "solve").returncode == 0
    assert manage(home, "makemigrations", "store").returncode == 0
    report = _check(home)
    assert report["step_index"] == 1
    assert unmet(report) == [
        "there is no table store_product in the database. Apply the new migration with "
        "`python manage.py migrate`.",
        "there is no table store_product in the database. Apply the new migration with "
        "`python manage.py migrate`.",
    ]

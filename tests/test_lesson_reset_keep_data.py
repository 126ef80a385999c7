"""reset-keep-data: one new 0001_initial replaces 0001-0004, the old rows are pruned, and the
table and its rows are never touched."""

from __future__ import annotations


from conftest import manage, run_ok, solve_steps, tutor_json, unmet_text

LESSON = "reset-keep-data"


def _new_initial(home):
    for name in ("0001_initial", "0002_add_price_to_product", "0003_change_price_field",
                 "0004_add_discount_field"):
        (home / "sandbox" / "store" / "migrations" / f"{name}.py").unlink()
    return run_ok(home, "makemigrations", "store")


def test_the_new_initial_reuses_the_old_row(lesson_home):
    home = lesson_home(LESSON)
    assert "+ Create model Product" in _new_initial(home).stdout
    shown = run_ok(home, "showmigrations", "store").stdout
    assert shown.split() == ["store", "[X]", "0001_initial"]
    assert "No migrations to apply." in run_ok(home, "migrate").stdout
    _, status = tutor_json(home, "status")
    assert status["orphans"] == ["store.0002_add_price_to_product",
                                 "store.0003_change_price_field", "store.0004_add_discount_field"]
    pruned = run_ok(home, "migrate", "--prune", "store").stdout
    assert "Pruning store.0004_add_discount_field OK" in pruned


def test_deleting_the_database_loses_the_rows(lesson_home):
    home = lesson_home(LESSON)
    (home / "sandbox" / "db.sqlite3").unlink()
    _new_initial(home)
    run_ok(home, "migrate")
    assert "The products are gone" in unmet_text(home, 0)


def test_faking_zero_then_migrating_hits_the_existing_table(lesson_home):
    home = solve_steps(lesson_home(LESSON), 1)
    run_ok(home, "migrate", "store", "zero", "--fake")
    result = manage(home, "migrate")
    assert result.returncode == 1
    assert 'table "store_product" already exists' in result.stderr
    text = unmet_text(home, 1)
    assert "--fake-initial" in text and "--prune" in text
    assert "Applying store.0001_initial... FAKED" in run_ok(home, "migrate", "--fake-initial").stdout
    run_ok(home, "migrate", "--prune", "store")
    status, report = tutor_json(home, "check")
    assert status == 0 and report["lesson_complete"] is True


def test_migrating_to_zero_for_real_drops_the_rows(lesson_home):
    home = solve_steps(lesson_home(LESSON), 1)
    run_ok(home, "migrate", "--prune", "store")
    run_ok(home, "migrate", "store", "zero")
    run_ok(home, "migrate")
    assert "The products are gone" in unmet_text(home, 1)

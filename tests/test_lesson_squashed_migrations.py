"""squashed-migrations: squash 0001-0004, migrate back through the replaced files, then finish
the squash (delete them, drop `replaces`, prune their rows)."""

from __future__ import annotations


from conftest import edit, manage, run_ok, solve_steps, tutor_json, unmet_text

LESSON = "squashed-migrations"
SQUASH = "0001_initial_squashed_0004_add_discount_field"
REPLACED = ("0001_initial", "0002_add_price_to_product", "0003_change_price_field",
            "0004_add_discount_field")


def _delete_replaced(home):
    for name in REPLACED:
        (home / "sandbox" / "store" / "migrations" / f"{name}.py").unlink()


def _applied(home):
    _, status = tutor_json(home, "status")
    return {m["name"]: m["applied"] for m in status["migrations"] if m["app"] == "store"}


def test_squash_output_and_status(lesson_home):
    home = lesson_home(LESSON)
    result = run_ok(home, "squashmigrations", "store", "0001", "0004", "--noinput")
    assert "Optimized from 4 operations to 1 operations." in result.stdout
    shown = run_ok(home, "showmigrations", "store").stdout
    assert f"[-] {SQUASH} (4 squashed migrations)" in shown
    # The state reader lists the replaced migrations too, and the squash as applied even
    # before `migrate` writes its row.
    assert _applied(home) == {name: True for name in (*REPLACED, SQUASH)}
    run_ok(home, "migrate")
    assert f"[X] {SQUASH} (4 squashed migrations)" in run_ok(home, "showmigrations", "store").stdout


def test_deleting_the_replaced_files_at_once_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    run_ok(home, "squashmigrations", "store", "0001", "0004", "--noinput")
    _delete_replaced(home)
    assert "Keep the replaced files for now" in unmet_text(home, 0)
    result = manage(home, "migrate", "store", "0002")
    assert "Cannot find a migration matching '0002' from app 'store'." in result.stderr


def test_migrating_back_too_far(lesson_home):
    home = solve_steps(lesson_home(LESSON), 1)
    # Every 0001 prefix, 0001_initial included, also matches the squash's name.
    result = manage(home, "migrate", "store", "0001_initial")
    assert "More than one migration matches '0001_initial' in app 'store'." in result.stderr
    out = run_ok(home, "migrate", "store", "zero").stdout
    assert f"Unapplying store.{SQUASH}... OK" in out
    assert "You went too far" in unmet_text(home, 1)
    result = manage(home, "migrate", "store", "0002")
    if run_ok(home, "version").stdout.startswith("5."):
        # Django 5.2: with nothing applied, the squash is used alone; 0002 is no node.
        assert "NodeNotFoundError: Node ('store', '0002_add_price_to_product') not a valid " \
            "node" in result.stderr
    else:
        # Django 6: the replaced migrations are still targets.
        assert "Applying store.0002_add_price_to_product... OK" in result.stdout
    run_ok(home, "migrate")
    run_ok(home, "migrate", "store", "0002")
    status, report = tutor_json(home, "check")
    assert report["step_index"] == 2 and report["passed_steps"] == [1]


def test_reverting_shows_the_replaced_migrations_again(lesson_home):
    home = solve_steps(lesson_home(LESSON), 1)
    out = run_ok(home, "migrate", "store", "0002").stdout
    assert "Unapplying store.0003_change_price_field... OK" in out
    shown = run_ok(home, "showmigrations", "store").stdout
    assert "[X] 0002_add_price_to_product" in shown and "[ ] 0004_add_discount_field" in shown
    assert _applied(home)[SQUASH] is False


def test_deleting_the_files_before_reapplying(lesson_home):
    home = solve_steps(lesson_home(LESSON), 2)
    _delete_replaced(home)
    # Partly applied, the squash drops out of the graph, and the replaced migrations are gone.
    assert "(no migrations)" in run_ok(home, "showmigrations", "store").stdout
    assert "No migrations to apply." in run_ok(home, "migrate").stdout
    assert "Re-apply everything with `python manage.py migrate`" in unmet_text(home, 2)


def test_prune_refuses_while_replaces_is_there(lesson_home):
    home = solve_steps(lesson_home(LESSON), 2)
    run_ok(home, "migrate")
    _delete_replaced(home)
    result = run_ok(home, "migrate", "--prune", "store")  # refuses, yet exits 0
    assert "Cannot use --prune because the following squashed migrations" in result.stdout
    text = unmet_text(home, 2)
    assert "Delete the `replaces = [...]` line" in text and "--prune store" in text
    path = home / "sandbox" / "store" / "migrations" / f"{SQUASH}.py"
    line = next(l for l in path.read_text().splitlines() if "replaces = " in l)
    edit(home, f"store/migrations/{SQUASH}.py", line + "\n", "")
    assert "Pruning store.0004_add_discount_field OK" in run_ok(home, "migrate", "--prune", "store").stdout
    status, report = tutor_json(home, "check")
    assert status == 0 and report["lesson_complete"] is True

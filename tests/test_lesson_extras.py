"""Lesson cases that are not learner paths (tests/paths/): pseudo-terminal sessions, the
`tutor status` JSON, `tutor lessons` listings. One section per lesson."""

from __future__ import annotations

from conftest import tutor_json


# --- inconsistent-history -------------------------------------------------------------------

def test_inconsistent_history_status_reads_the_inconsistent_start(lesson_home):
    """migrate refuses to run at the start (tests/paths/inconsistent-history/), yet the
    tutor's own reader still lists every migration, with 0002 alone not applied."""
    home = lesson_home("inconsistent-history")
    _, status = tutor_json(home, "status")
    applied = {m["name"]: m["applied"] for m in status["migrations"] if m["app"] == "store"}
    assert applied == {"0001_initial": True, "0002_add_price_to_product": False,
                       "0003_change_price_field": True, "0004_add_discount_field": True}


# --- half-applied ---------------------------------------------------------------------------

def test_half_applied_check_json_after_the_database_is_deleted(step_home):
    """After the lesson is complete, deleting db.sqlite3 breaks the last step: `tutor check
    --json` exits 1 with broken_since, and never says `passed: true` beside an expectation
    that is not met (tests/paths/half-applied/wrong-database-deleted-after-completing.toml
    has the words)."""
    home = step_home("half-applied", 4)  # the lesson completed by the reference solutions
    status, report = tutor_json(home, "check")
    assert status == 0 and report["passed"] is True and report["lesson_complete"] is True
    assert all(e["met"] for e in report["expectations"]), report
    (home / "sandbox/db.sqlite3").unlink()
    status, report = tutor_json(home, "check")
    assert status == 1, report
    assert report["passed"] is False and report["broken_since"] is True
    assert report["lesson_complete"] is True and report["passed_steps"] == []
    assert any(not e["met"] for e in report["expectations"])


# --- squashed-migrations --------------------------------------------------------------------

SQUASH = "0001_initial_squashed_0004_add_discount_field"
REPLACED = ("0001_initial", "0002_add_price_to_product", "0003_change_price_field",
            "0004_add_discount_field")


def _store_applied(home) -> dict[str, bool]:
    _, status = tutor_json(home, "status")
    return {m["name"]: m["applied"] for m in status["migrations"] if m["app"] == "store"}


def test_squashed_migrations_status_lists_the_squash_and_the_replaced(lesson_home):
    """The reader lists the replaced migrations beside the squash, and the squash as applied
    as soon as all of them are (before `migrate` writes its row), as Django's loader does;
    after `migrate store 0002` the squash is not applied any more."""
    from conftest import run_ok

    home = lesson_home("squashed-migrations")
    run_ok(home, "squashmigrations", "store", "0001", "0004", "--noinput")
    assert _store_applied(home) == {name: True for name in (*REPLACED, SQUASH)}
    run_ok(home, "migrate")
    run_ok(home, "migrate", "store", "0002")
    assert _store_applied(home) == {"0001_initial": True, "0002_add_price_to_product": True,
                                    "0003_change_price_field": False,
                                    "0004_add_discount_field": False, SQUASH: False}


def test_squashed_migrations_after_zero_django_lines_differ(step_home):
    """Step 2's explanation says what `migrate store 0002` does after `migrate store zero`
    while the squash and the replaced files are both there: the Django lines differ, so this
    is pinned per line (the learner path takes the road both share)."""
    from conftest import manage, run_ok

    home = step_home("squashed-migrations", 2)
    run_ok(home, "migrate", "store", "zero")
    result = manage(home, "migrate", "store", "0002")
    if run_ok(home, "version").stdout.startswith("5."):
        assert "NodeNotFoundError: Node ('store', '0002_add_price_to_product') not a valid " \
            "node" in result.stderr
    else:
        assert "Applying store.0002_add_price_to_product... OK" in result.stdout


# --- cross-app-revert -----------------------------------------------------------------------

def test_cross_app_revert_status_shows_orders_depending_on_store_0004(lesson_home):
    """The start as `tutor status --json` shows it: both apps applied, orders.0001_initial
    depending on store's newest migration, two orders and three products."""
    home = lesson_home("cross-app-revert")
    _, status = tutor_json(home, "status")
    migrations = {f"{m['app']}.{m['name']}": m for m in status["migrations"]}
    assert migrations["orders.0001_initial"]["depends_on"] == ["store.0004_add_discount_field"]
    assert all(m["applied"] for m in migrations.values()) and len(migrations) == 5
    assert status["row_counts"] == {"orders_order": 2, "store_product": 3}


def test_cross_app_revert_a_dangling_dependency_is_an_error_with_advice(step_home):
    """Deleting store's 0004 while orders still depends on it breaks every command
    (NodeNotFoundError): `tutor check --json` exits 2 with an error and advice, no traceback,
    and following the advice makes the sandbox readable again."""
    import json

    from conftest import edit, manage, tutor, unmet_text

    home = step_home("cross-app-revert", 4)
    (home / "sandbox/store/migrations/0004_add_discount_field.py").unlink()
    edit(home, "store/models.py", "    discount = models.IntegerField(default=0)\n", "")
    result = manage(home, "showmigrations")
    assert result.returncode == 1
    assert ("NodeNotFoundError: Migration orders.0001_initial dependencies reference "
            "nonexistent parent node ('store', '0004_add_discount_field')") in result.stderr
    result = tutor(home, "check", "--json")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["error"].startswith("Migration orders.0001_initial depends on "
                                      "store.0004_add_discount_field, whose file is missing.")
    assert ("change that dependency in orders/migrations/0001_initial.py to a migration that "
            "exists") in report["advice"]
    edit(home, "orders/migrations/0001_initial.py", "('store', '0004_add_discount_field')",
         "('store', '0003_change_price_field')")
    assert "Apply orders again with `python manage.py migrate`" in unmet_text(home, 3)


# --- branch-switch --------------------------------------------------------------------------

BRANCH_STOCK_DRIFT = ("column store_product.stock is in the database, though no applied "
                      "migration adds it")


def test_branch_switch_status_on_main_and_on_feature(lesson_home):
    """`tutor status --json` at the start: on main, 0005 is an orphan and stock a column with
    no migration; on feature (the checkout alone, nothing undone), neither."""
    import subprocess

    home = lesson_home("branch-switch")
    _, status = tutor_json(home, "status")
    assert status["git_branch"] == "main"
    assert status["orphans"] == ["store.0005_add_stock_to_product"]
    assert status["schema_drift"]["store"] == [BRANCH_STOCK_DRIFT]
    subprocess.run(["git", "checkout", "-q", "feature"], cwd=home / "sandbox", check=True)
    _, status = tutor_json(home, "status")
    assert status["git_branch"] == "feature"
    assert status["orphans"] == [] and status["schema_drift"]["store"] == []


def test_branch_switch_without_git_is_skipped_not_failed(monkeypatch, tmp_path, home):
    """Without git, the lesson is skipped (listed, reset refused with exit 2, lint --solve
    reports it skipped), never failed."""
    import json
    import shutil

    from conftest import REPO, tutor

    assert shutil.which("git")  # the other tests need it; here it is hidden
    empty = tmp_path / "no programs"
    empty.mkdir()
    # conftest's tutor() passes os.environ on, and runs `sys.executable -m tutor` with
    # PYTHONPATH set: Python and the tutor are found without PATH, git is not.
    monkeypatch.setenv("PATH", str(empty))

    _, listing = tutor_json(home, "lessons")
    missing = {row["id"]: row["missing"] for row in listing["lessons"]}
    assert missing["branch-switch"] == ["git"] and missing["cross-app-revert"] == []
    assert "skipped: needs git" in tutor(home, "lessons").stdout

    result = tutor(home, "reset", "branch-switch")
    assert result.returncode == 2
    assert "Lesson branch-switch needs git, which is not installed here" in result.stderr
    assert not (home / "sandbox").exists()

    folder = tmp_path / "my lessons"
    folder.mkdir()
    shutil.copy(REPO / "lessons" / "branch-switch.toml", folder)
    result = tutor(None, "lint-lessons", str(folder), "--solve", "--json", "--trust-course")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["problems"] == []
    (lesson,) = report["lessons"]
    assert lesson["id"] == "branch-switch" and lesson["loaded"] is True
    assert lesson["solved"] is None
    assert lesson["skipped"] == "needs git, which is not installed here"


# --- delete-unapplied -----------------------------------------------------------------------

def test_delete_unapplied_deleting_the_file_0004_needs_is_explained(lesson_home):
    """Deleting 0003, on which the unapplied 0004 depends, leaves a graph Django cannot load:
    `tutor check` is an error (exit 2, no traceback) that names the missing dependency and
    the way back, not a verdict (tests/paths/delete-unapplied/ has the verdicts)."""
    from conftest import tutor

    home = lesson_home("delete-unapplied")
    (home / "sandbox/store/migrations/0003_change_price_field.py").unlink()
    result = tutor(home, "check")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert ("Migration store.0004_add_discount_field depends on store.0003_change_price_field, "
            "whose file is missing") in " ".join(result.stderr.split())
    assert "Restore store/migrations/0003_change_price_field.py" in result.stderr

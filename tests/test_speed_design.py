"""The speed-ups must never cost correctness: a warm read is never stale, and a snapshot reset
builds exactly what a fresh build does."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, edit, manage, tutor

from tutor.reader import StateReader, read_state


@pytest.fixture
def warm_reader():
    reader = StateReader(in_process=False)
    yield reader
    reader.close()


def test_a_warm_read_sees_the_latest_files_models_and_database(lesson_home, warm_reader):
    home = lesson_home("revert-applied")
    sandbox = home / "sandbox"
    first = warm_reader.read(sandbox)
    assert first.migration("store", "0003_change_price_field").applied
    assert first.pending_changes["store"] == []

    # The database: a real migrate in another process.
    assert manage(home, "migrate", "store", "0002").returncode == 0
    second = warm_reader.read(sandbox)
    assert not second.migration("store", "0003_change_price_field").applied
    price = next(c for c in second.columns("store_product") if c.name == "price")
    assert price.null is False

    # The migration files: one deleted, one added by makemigrations.
    (sandbox / "store/migrations/0003_change_price_field.py").unlink()
    third = warm_reader.read(sandbox)
    assert third.migration("store", "0003_change_price_field") is None
    # The models: still null=True, so makemigrations has something to write...
    assert third.pending_changes["store"] == ["Alter field price on product"]
    # ...edited twice within a second, the second edit must be seen (no stale bytecode).
    edit(home, "store/models.py", ", null=True", ", null=False")
    warm_reader.read(sandbox)
    edit(home, "store/models.py", ", null=False", "")
    assert warm_reader.read(sandbox).pending_changes["store"] == []

    # A table's rows.
    subprocess.run([sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
                    "c.execute(\"insert into store_product(name, price) values ('pen', 2)\");"
                    "c.commit()", str(sandbox / "db.sqlite3")], check=True)
    assert warm_reader.read(sandbox).row_counts["store_product"] == 1
    # And all of it equals a read by a brand-new process.
    assert warm_reader.read(sandbox) == read_state(sandbox)


def test_a_broken_models_file_is_reported_by_a_warm_read_too(lesson_home, warm_reader):
    home = lesson_home("revert-applied")
    warm_reader.read(home / "sandbox")
    (home / "sandbox/store/models.py").write_text("def broken(:\n", encoding="utf-8")
    from tutor.state import StateUnreadable

    with pytest.raises(StateUnreadable) as caught:
        warm_reader.read(home / "sandbox")
    assert caught.value.file == "store/models.py" and caught.value.line == 1


def _tree(folder: Path) -> dict[str, str]:
    """Every file but the database, with Django's "Generated ... on <time>" line blanked."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != "db.sqlite3" and "__pycache__" not in path.parts:
            text = path.read_text(encoding="utf-8")
            files[str(path.relative_to(folder))] = re.sub(r"on \d{4}-\d\d-\d\d \d\d:\d\d", "", text)
    return files


@pytest.mark.parametrize("lesson_id", ["revert-applied", "delete-unapplied"])
def test_a_snapshot_reset_equals_a_fresh_build(tmp_path, lesson_id):
    home = tmp_path / "home"
    assert tutor(home, "reset", lesson_id).returncode == 0  # first build: makes the snapshot
    fresh = tmp_path / "fresh"
    shutil.copytree(home / "sandbox", fresh)
    snapshots = list((home / "snapshots").iterdir())
    assert [s.name.rsplit("-", 1)[0] for s in snapshots] == [lesson_id]

    manage(home, "migrate", "store", "zero")  # the learner changes things
    result = tutor(home, "reset", lesson_id)
    assert result.returncode == 0
    assert "Building the sandbox" not in result.stdout  # it came from the snapshot
    assert _tree(home / "sandbox") == _tree(fresh)
    assert read_state(home / "sandbox") == read_state(fresh)


def test_a_changed_lesson_file_invalidates_its_snapshot(tmp_path, monkeypatch):
    from tutor.lessons import load_lesson
    from tutor.paths import resource_dir
    from tutor.sandbox import Sandbox

    lessons = tmp_path / "lessons"
    shutil.copytree(resource_dir("lessons"), lessons)
    sandbox = Sandbox(tmp_path / "home")
    lesson = load_lesson(lessons / "revert-applied.toml")
    sandbox.build(lesson)
    assert sandbox.kept.has(lesson)
    path = lessons / "revert-applied.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'applied = "0003_change_price_field"', 'applied = "0002_add_price_to_product"'),
        encoding="utf-8")
    changed = load_lesson(path)
    assert not sandbox.kept.has(changed)
    sandbox.build(changed)
    assert not read_state(sandbox.path).migration("store", "0003_change_price_field").applied
    assert len(list(sandbox.kept.folder.iterdir())) == 1  # the old snapshot is gone


def test_bench_runs_one_measure():
    """The benchmark itself works, here with one measure (.ci/run runs all six in quick mode
    and reports their figures, not asserted)."""
    result = subprocess.run([sys.executable, "-m", "tutor.bench", "--runs", "1", "--only",
                             "tutor --help"], capture_output=True, text=True, cwd=REPO,
                            env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert result.returncode == 0, result.stderr
    assert re.search(r"\d of 1 targets met", result.stdout), result.stdout
    assert "tutor --help" in result.stdout

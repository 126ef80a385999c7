"""A sandbox whose own database is on a PostgreSQL server (issue 15, first slice): the URL and
its errors, the tutor's own databases (made, marked, renamed into place, and never one it did
not make), the state read there, and the course played through on it.

Tests that need a server run when TUTOR_TEST_POSTGRESQL names one (`.ci/run` starts one):
`postgresql://USER@HOST:PORT/`, a user who may create databases and roles."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest
from conftest import tutor, tutor_json

from tutor.backends import OwnedDatabases, parse

SERVER = os.environ.get("TUTOR_TEST_POSTGRESQL", "")
needs_server = pytest.mark.skipif(
    not SERVER,
    reason="no PostgreSQL server: set TUTOR_TEST_POSTGRESQL=postgresql://USER@HOST:PORT/")


def admin(sql: str, params: tuple = ()) -> list:
    import psycopg

    server = parse(SERVER)
    with psycopg.connect(dbname="postgres", user=server.user or None, host=server.host,
                         port=server.port, password=server.password or None,
                         autocommit=True) as connection:
        cursor = connection.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def our_databases(home: Path) -> list[str]:
    token = OwnedDatabases(parse(SERVER), home).token
    return sorted(name for (name,) in admin(
        "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"tutor_{token}_%",)))


@pytest.fixture
def on_server(home):
    """A home whose sandbox's database is on the test server; its databases go afterwards."""
    yield home
    if SERVER:
        OwnedDatabases(parse(SERVER), home).drop_all()


# --- the URL and its errors (no server needed) -----------------------------------------------

def test_a_url_is_read_and_its_password_never_shown():
    assert parse("sqlite") is None and parse("") is None
    server = parse("postgresql://learner:s3cret@db.local:5433/")
    assert (server.vendor, server.user, server.password, server.host, server.port) == (
        "postgresql", "learner", "s3cret", "db.local", 5433)
    assert server.shown() == "postgresql://learner@db.local:5433/"
    assert parse("postgres://me@localhost").shown() == "postgresql://me@localhost/"
    # What the home remembers reads back as the same server, whatever the password holds.
    tricky = parse("postgresql://learner:p%2Fa%40s%3As@db.local/")
    assert tricky.password == "p/a@s:s" and parse(tricky.url()) == tricky
    assert tricky.shown() == "postgresql://learner@db.local/"


@pytest.mark.parametrize("url, said", [
    ("mysql2://root@localhost/", "is not a database the tutor can use"),
    ("postgresql://me@localhost/shop", "names a database (shop): the tutor makes its own"),
    ("postgresql://me@localhost:notaport/", "is not a database URL"),
])
def test_a_bad_url_is_refused_before_anything_is_built(home, url, said):
    result = tutor(home, "reset", "first-migrations", "--database", url)
    assert result.returncode == 2, result.stdout + result.stderr
    assert said in " ".join(result.stderr.split())
    assert not (home / "sandbox").exists()


def test_a_missing_driver_names_the_extra_to_install(home, monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # how Python says "not importable"
    result = tutor(home, "reset", "first-migrations", "--database",
                   "postgresql://postgres@localhost/")
    assert result.returncode == 2
    said = " ".join(result.stderr.split())
    assert "The PostgreSQL driver (psycopg) is not installed." in said
    assert 'python -m pip install "migration-tutor[postgresql]"' in said
    assert "Traceback" not in result.stderr


def test_an_unreachable_server_is_said_clearly(home):
    result = tutor(home, "reset", "first-migrations", "--database",
                   "postgresql://postgres@127.0.0.1:1/")
    assert result.returncode == 2, result.stdout + result.stderr
    said = " ".join(result.stderr.split())
    assert "The database server at postgresql://postgres@127.0.0.1:1/ cannot be reached" in said
    assert "Traceback" not in result.stderr
    assert not (home / "sandbox").exists()


# --- on a real server -------------------------------------------------------------------------

@needs_server
def test_a_lesson_is_built_and_solved_on_the_server(on_server):
    home = on_server
    result = tutor(home, "reset", "first-migrations", "--database", SERVER)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (home / "sandbox" / "db.sqlite3").exists()
    token = OwnedDatabases(parse(SERVER), home).token
    # The sandbox's database, and its start kept as a template for the next reset.
    assert [n for n in our_databases(home) if not n.startswith(f"tutor_{token}_t")] == [
        f"tutor_{token}_sandbox"]
    [(comment,)] = admin("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                         "WHERE datname = %s", (f"tutor_{token}_sandbox",))
    assert comment.startswith(f"migration-tutor {token} ")
    status, data = tutor_json(home, "status")  # remembered: no --database needed any more
    assert data["backend"] == parse(SERVER).shown()
    assert data["database_mark"] == int(comment.split()[2])
    for _ in range(4):
        assert tutor(home, "solve").returncode in (0, 1)
    _, data = tutor_json(home, "status")
    assert data["lesson_complete"] is True
    assert {c["name"]: c["type"] for c in data["tables"]["store_product"]} == {
        "id": "bigint", "name": "character varying(100)"}
    said = tutor(home, "status").stdout
    assert f"Database: {parse(SERVER).shown()}" in said


@needs_server
def test_a_lesson_that_checks_a_fresh_build_leaves_no_scratch_database(on_server):
    home = on_server
    assert tutor(home, "reset", "revert-applied", "--database", SERVER).returncode == 0
    for _ in range(2):
        tutor(home, "solve")
    status, report = tutor_json(home, "check")
    assert status == 0 and report["lesson_complete"], report
    assert [name for name in our_databases(home) if name.endswith("_fresh")] == []


@needs_server
def test_a_database_the_tutor_did_not_make_is_never_dropped(on_server):
    home = on_server
    name = OwnedDatabases(parse(SERVER), home).name("new")
    admin(f'CREATE DATABASE "{name}"')
    try:
        result = tutor(home, "reset", "first-migrations", "--database", SERVER)
        assert result.returncode == 2
        assert "was not made by this tutor home, so the tutor will not touch it" in \
            " ".join(result.stderr.split())
        assert admin("SELECT 1 FROM pg_database WHERE datname = %s", (name,)) == [(1,)]
    finally:
        admin(f'DROP DATABASE "{name}"')


@needs_server
def test_a_user_without_the_right_to_create_databases_is_told(on_server):
    home = on_server
    role = f"tutor_test_{uuid.uuid4().hex[:8]}"
    admin(f'CREATE ROLE "{role}" LOGIN NOCREATEDB')
    try:
        server = parse(SERVER)
        url = f"postgresql://{role}@{server.host}:{server.port}/"
        result = tutor(home, "reset", "first-migrations", "--database", url)
        assert result.returncode == 2, result.stdout + result.stderr
        assert f"{role} may not create databases on" in " ".join(result.stderr.split())
        assert "Traceback" not in result.stderr
    finally:
        admin(f'DROP ROLE "{role}"')


@needs_server
def test_a_user_the_server_does_not_know_is_refused(home):
    server = parse(SERVER)
    url = f"postgresql://nobody_{uuid.uuid4().hex[:6]}@{server.host}:{server.port}/"
    result = tutor(home, "reset", "first-migrations", "--database", url)
    assert result.returncode == 2
    assert "refused the credentials" in " ".join(result.stderr.split())


@needs_server
def test_a_database_made_again_by_hand_has_no_mark(on_server):
    """`database_kept` holds on a server too: a database dropped and made again (dropdb,
    createdb, migrate) is not the one the lesson started with."""
    home = on_server
    assert tutor(home, "reset", "revert-applied", "--database", SERVER).returncode == 0
    _, before = tutor_json(home, "status")
    assert before["database_mark"]
    name = OwnedDatabases(parse(SERVER), home).name("sandbox")
    admin(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')
    from conftest import manage

    assert manage(home, "migrate").returncode == 0
    _, after = tutor_json(home, "status")
    admin(f'DROP DATABASE "{name}" WITH (FORCE)')  # made here, so not the tutor's to drop
    assert after["database_mark"] is None
    assert {m["name"] for m in after["migrations"] if m["applied"]} >= {"0001_initial"}


@needs_server
def test_a_lesson_whose_story_is_sqlites_is_not_built_on_the_server(on_server):
    home = on_server
    result = tutor(home, "reset", "fake-the-record", "--database", SERVER)
    assert result.returncode == 2
    said = " ".join(result.stderr.split())
    assert "Lesson fake-the-record cannot be taken here: it teaches what SQLite does, and " \
           "the sandbox's database is on PostgreSQL." in said
    # Back to SQLite: the same lesson builds, in a file.
    result = tutor(home, "reset", "fake-the-record", "--database", "sqlite")
    assert result.returncode == 0, result.stderr
    assert (home / "sandbox" / "db.sqlite3").is_file()


@needs_server
def test_lint_lessons_plays_lessons_on_the_server_and_cleans_up(tmp_path, monkeypatch):
    import shutil
    import tempfile

    from tutor.lint import lint_folder
    from tutor.paths import resource_dir

    folder = tmp_path / "some"
    folder.mkdir()
    for lesson in ("first-migrations", "fake-the-record", "applied-elsewhere"):
        shutil.copy(resource_dir("lessons") / f"{lesson}.toml", folder)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where lint makes its home
    used: list[list[str]] = []  # the names of lint's databases, each time it is heard

    def heard(report) -> None:  # while lint runs, its home (and so its databases) is known
        used.extend(our_databases(home) for home in scratch.glob("tutor-lint-*/home"))

    report = lint_folder(folder, solve=True, on_lesson=heard, database=SERVER)
    by_id = {x.id: x for x in report.lessons}
    assert by_id["first-migrations"].solved is True
    assert by_id["applied-elsewhere"].solved is True  # its teammate stays an SQLite file
    assert "teaches what SQLite does" in by_id["fake-the-record"].skipped
    assert any(used), "lint made no database on the server"
    left = {name for (name,) in admin("SELECT datname FROM pg_database")}
    assert not {name for names in used for name in names} & left


@needs_server
def test_a_reset_after_the_first_copies_the_kept_start_on_the_server(on_server):
    """The first build of a lesson keeps its start as a template database; a reset copies it
    (CREATE DATABASE ... TEMPLATE), with the mark the start state was read with, so the
    database is "the one the lesson started with" again, and the learner's changes are gone."""
    from conftest import manage

    home = on_server
    assert tutor(home, "reset", "revert-applied", "--database", SERVER).returncode == 0
    templates = [name for name in our_databases(home) if not name.endswith("_sandbox")]
    assert len(templates) == 1
    assert manage(home, "migrate", "store", "0002").returncode == 0
    result = tutor(home, "reset", "revert-applied")
    assert result.returncode == 0 and "Building" not in result.stdout, result.stdout
    status, report = tutor_json(home, "check")
    assert status == 1
    outcomes = {e["text"]: e["met"] for e in report["expectations"]}
    assert outcomes[f"{OwnedDatabases(parse(SERVER), home).name('sandbox')} is the database "
                    "this lesson started with"] is True
    _, data = tutor_json(home, "status")
    assert {m["name"] for m in data["migrations"] if m["applied"]} == {
        "0001_initial", "0002_add_price_to_product", "0003_change_price_field"}
    assert sorted(our_databases(home)) == sorted(
        [OwnedDatabases(parse(SERVER), home).name("sandbox"), *templates])


def test_an_installed_tutors_folder_is_kept_on_a_commands_path():
    """The warm helper runs `manage.py` without the tutor's own PYTHONPATH entry, unless that
    entry is site-packages (a tutor installed without `-e`): there live Django and the
    drivers a command imports (psycopg was not found by every command of a sandbox on a
    server, until this)."""
    import site

    from tutor.helper import _is_site_folder

    assert _is_site_folder(site.getsitepackages()[0])
    assert not _is_site_folder(str(Path(__file__).resolve().parents[1]))
    assert not _is_site_folder("")


def test_tutor_lessons_marks_what_a_server_sandbox_skips(home):
    """No server is reached to list lessons: the choice of one is enough."""
    _, data = tutor_json(home, "lessons", "--database", "postgresql://learner@localhost:1/")
    unavailable = {row["id"]: row["unavailable"] for row in data["lessons"]}
    assert unavailable["first-migrations"] == ""
    assert unavailable["fake-the-record"] == ("it teaches what SQLite does, and the sandbox's "
                                              "database is on PostgreSQL")
    assert sorted(i for i, why in unavailable.items() if why) == [
        "data-loss-on-revert", "deleted-applied-file", "fake-the-record", "half-applied",
        "reset-all", "revert-blocked-by-data"]
    table = tutor(home, "lessons").stdout  # remembered
    assert "skipped: SQLite only" in table
    _, data = tutor_json(home, "lessons", "--database", "sqlite")
    assert not any(row["unavailable"] for row in data["lessons"])

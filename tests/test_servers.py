"""A sandbox whose own database is on a server (issue 15): PostgreSQL and MariaDB. The URL and
its errors, the tutor's own databases (made, marked, copied ahead of a reset by a worker,
and never one it did not make), the state read there, and the course played through on it.

Tests that need a server run against each one named (`.ci/run` starts both):
TUTOR_TEST_POSTGRESQL=`postgresql://USER@HOST:PORT/` and TUTOR_TEST_MARIADB=
`mysql://USER@HOST:PORT/`, each a user who may create databases and users. The tests' own
administration (a database made by hand, a user without rights) is written in each server's
SQL here, apart from the tutor's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from conftest import tutor, tutor_json

from tutor.backends import parse
from tutor.server_databases import OwnedDatabases
from tutor.home_layout import SPARE
from tutor.spare_database import drop_home, wait_for_worker

SERVERS = {"postgresql": os.environ.get("TUTOR_TEST_POSTGRESQL", ""),
           "mariadb": os.environ.get("TUTOR_TEST_MARIADB", "")}


class Admin:
    """The server's administrator, by hand: SQL of the server's own, not the tutor's code."""

    def __init__(self, url: str):
        self.url = url
        self.server = parse(url)
        self.vendor = self.server.vendor

    def run(self, sql: str, params: tuple = ()) -> list:
        server = self.server
        if self.vendor == "postgresql":
            import psycopg

            with psycopg.connect(dbname="postgres", user=server.user or None,
                                 host=server.host, port=server.port,
                                 password=server.password or None,
                                 autocommit=True) as connection:
                cursor = connection.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        import pymysql

        connection = pymysql.connect(host=server.host, port=server.port, user=server.user,
                                     password=server.password, autocommit=True)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params or None)
                return list(cursor.fetchall()) if cursor.description else []
        finally:
            connection.close()

    def databases(self, prefix: str = "") -> list[str]:
        if self.vendor == "postgresql":
            rows = self.run("SELECT datname FROM pg_database")
        else:
            rows = self.run("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA")
        return sorted(name for (name,) in rows if name.startswith(prefix))

    def comment(self, name: str) -> str:
        if self.vendor == "postgresql":
            [(comment,)] = self.run("SELECT shobj_description(oid, 'pg_database') FROM "
                                    "pg_database WHERE datname = %s", (name,))
        else:
            [(comment,)] = self.run("SELECT SCHEMA_COMMENT FROM information_schema.SCHEMATA "
                                    "WHERE SCHEMA_NAME = %s", (name,))
        return comment

    def quoted(self, name: str) -> str:
        return f'"{name}"' if self.vendor == "postgresql" else f"`{name}`"

    def create_database(self, name: str) -> None:
        self.run(f"CREATE DATABASE {self.quoted(name)}")

    def drop_database(self, name: str) -> None:
        force = " WITH (FORCE)" if self.vendor == "postgresql" else ""
        self.run(f"DROP DATABASE {self.quoted(name)}{force}")

    def create_user_who_may_not_create_databases(self, user: str) -> str:
        """A user who may log in but not create databases; its URL."""
        if self.vendor == "postgresql":
            self.run(f'CREATE ROLE "{user}" LOGIN NOCREATEDB')
        else:
            self.run(f"CREATE USER '{user}'@'%' IDENTIFIED BY 'pw'")
            self.run(f"CREATE USER '{user}'@'localhost' IDENTIFIED BY 'pw'")
            self.run(f"GRANT SELECT ON *.* TO '{user}'@'%'")
            self.run(f"GRANT SELECT ON *.* TO '{user}'@'localhost'")
        password = "" if self.vendor == "postgresql" else ":pw"
        return f"{self.server.vendor}://{user}{password}@{self.server.host}:{self.server.port}/"

    def drop_user(self, user: str) -> None:
        if self.vendor == "postgresql":
            self.run(f'DROP ROLE "{user}"')
        else:
            self.run(f"DROP USER '{user}'@'%', '{user}'@'localhost'")


@pytest.fixture(params=sorted(SERVERS))
def url(request):
    """Each configured server in turn (a test is skipped for a server that is not)."""
    if not SERVERS[request.param]:
        pytest.skip(f"no {request.param} server: set TUTOR_TEST_"
                    f"{request.param.upper()} (see this file's docstring)")
    return SERVERS[request.param]


@pytest.fixture
def admin(url) -> Admin:
    return Admin(url)


def our_databases(url: str, home: Path) -> list[str]:
    """The home's databases on the server, once the worker a build leaves behind is done."""
    spare_made(home)
    token = OwnedDatabases.on(parse(url), home).token
    return Admin(url).databases(f"tutor_{token}_")


def spare_made(home: Path) -> None:
    """Wait for the worker the last build left behind."""
    wait_for_worker(home)


def sandbox_database(home: Path) -> str:
    """The name of the database the sandbox uses now, as the state reader finds it."""
    return tutor_json(home, "status")[1]["database_file"]


def spare_database(home: Path) -> str:
    spare_made(home)
    return json.loads((home / SPARE).read_text(encoding="utf-8"))["name"]


@pytest.fixture
def on_server(home, url):
    """A home whose sandbox's database is on the test server; its databases go afterwards."""
    yield home
    drop_home(parse(url), home)


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


@pytest.mark.parametrize("given, said", [
    ("mysql2://root@localhost/", "is not a database the tutor can use"),
    ("postgresql://me@localhost/shop", "names a database (shop): the tutor makes its own"),
    ("mysql://me@localhost/shop", "Leave the name out: `mysql://USER@HOST[:PORT]/`"),
    ("postgresql://me@localhost:notaport/", "is not a database URL"),
])
def test_a_bad_url_is_refused_before_anything_is_built(home, given, said):
    result = tutor(home, "reset", "first-migrations", "--database", given)
    assert result.returncode == 2, result.stdout + result.stderr
    assert said in " ".join(result.stderr.split())
    assert not (home / "sandbox").exists()


def test_mariadb_urls_read_as_one_vendor():
    assert parse("mariadb://root@db:3307/") == parse("mysql://root@db:3307/")
    server = parse("mysql://learner:pw@localhost/")
    assert (server.vendor, server.shown()) == ("mysql", "mysql://learner@localhost/")
    assert parse(server.url()) == server


@pytest.mark.parametrize("given, hidden, said, extra", [
    ("postgresql://postgres@localhost/", ["psycopg"],
     "The PostgreSQL driver (psycopg) is not installed.", "postgresql"),
    ("mysql://root@localhost/", ["MySQLdb", "pymysql"],
     "The MariaDB/MySQL driver (mysqlclient) is not installed.", "mysql"),
])
def test_a_missing_driver_names_the_extra_to_install(home, monkeypatch, given, hidden, said,
                                                     extra):
    for module in hidden:
        monkeypatch.setitem(sys.modules, module, None)  # how Python says "not importable"
    result = tutor(home, "reset", "first-migrations", "--database", given)
    assert result.returncode == 2
    told = " ".join(result.stderr.split())
    assert said in told
    assert f'python -m pip install "migration-tutor[{extra}]"' in told
    assert "Traceback" not in result.stderr
    if extra == "mysql":  # and where mysqlclient cannot be built, the pure-Python one
        assert '"migration-tutor[mysql-pure]"' in told


def test_either_mariadb_driver_will_do(home, monkeypatch):
    """PyMySQL alone is enough (mysqlclient needs a compiler to install)."""
    from tutor.backends import require_driver

    monkeypatch.setitem(sys.modules, "MySQLdb", None)
    assert require_driver(parse("mysql://root@localhost/")) == "pymysql"


@pytest.mark.parametrize("given", ["postgresql://postgres@127.0.0.1:1/",
                                   "mysql://root@127.0.0.1:1/"])
def test_an_unreachable_server_is_said_clearly(home, given):
    result = tutor(home, "reset", "first-migrations", "--database", given)
    assert result.returncode == 2, result.stdout + result.stderr
    said = " ".join(result.stderr.split())
    assert f"The database server at {given} cannot be reached" in said
    assert "Traceback" not in result.stderr
    assert not (home / "sandbox").exists()


def test_a_server_left_that_cannot_be_reached_is_said_and_tried_again(home):
    """Its databases cannot be dropped now: the learner is told, the reset still happens, and
    the next reset tries again (no server needed: nothing listens on port 1)."""
    assert tutor(home, "reset", "first-migrations").returncode == 0
    gone = "postgresql://postgres@127.0.0.1:1/"
    (home / "servers-left.json").write_text(json.dumps([gone]), encoding="utf-8")
    for _ in range(2):
        result = tutor(home, "reset", "first-migrations")
        assert result.returncode == 0, result.stderr
        said = " ".join(result.stderr.split())
        assert (f"Note: The tutor's databases for this home on {gone} could not be dropped: "
                in said), said
        assert "They will be tried again at the next reset." in said
        assert json.loads((home / "servers-left.json").read_text(encoding="utf-8")) == [gone]
    # Chosen again, that server is not one the sandbox has left: it is no longer tried.
    (home / "servers-left.json").write_text(json.dumps([gone, "not a url"]), encoding="utf-8")
    from tutor.left_servers import leave

    assert leave(home, None, parse(gone)) == []
    assert not (home / "servers-left.json").exists()


@pytest.mark.parametrize("found, want, same", [
    # A NUMERIC(6,2) as each backend's cursor gives it: SQLite a number (12 for 12.00),
    # PostgreSQL and MariaDB a Decimal, which the state keeps as its text.
    (12, 12.00, True), (9.99, 9.99, True), ("12.00", 12, True), ("9.99", 9.99, True),
    ("4.50", 4.5, True), ("4.50", "4.50", True), ("9.99", 9.98, False), (12, "12.01", False),
    # A boolean: PostgreSQL's True, SQLite's and MariaDB's 1.
    (True, True, True), (1, True, True), (0, False, True), (True, False, False),
    (None, 0, False), ("abc", 0, False),
])
def test_row_values_compare_alike_on_every_backend(found, want, same):
    from tutor.checks import same_value

    assert same_value(found, want) is same


# --- on a real server: each test runs on each server configured ------------------------------

# The column types each server names for lesson 1's table.
PRODUCT_TYPES = {
    "postgresql": {"id": "bigint", "name": "character varying(100)"},
    "mysql": {"id": "bigint(20)", "name": "varchar(100)"},
}


def test_a_lesson_is_built_and_solved_on_the_server(on_server, url, admin):
    home = on_server
    result = tutor(home, "reset", "first-migrations", "--database", url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (home / "sandbox" / "db.sqlite3").exists()
    token = OwnedDatabases.on(parse(url), home).token
    # The sandbox's database, its start kept as a template, and a copy of that made ready
    # (in the background) for the next reset.
    sandbox = sandbox_database(home)
    assert sandbox.startswith(f"tutor_{token}_db")
    spare = spare_database(home)
    assert sorted(n for n in our_databases(url, home) if not n.startswith(f"tutor_{token}_t")) \
        == sorted([sandbox, spare]) and spare != sandbox
    comment = admin.comment(sandbox)
    assert comment.startswith(f"migration-tutor {token} ")
    assert admin.comment(spare) == comment  # a copy of the start: the same mark
    status, data = tutor_json(home, "status")  # remembered: no --database needed any more
    assert data["backend"] == parse(url).shown()
    assert data["database_mark"] == int(comment.split()[2])
    for _ in range(4):
        assert tutor(home, "solve").returncode in (0, 1)
    _, data = tutor_json(home, "status")
    assert data["lesson_complete"] is True
    assert {c["name"]: c["type"] for c in data["tables"]["store_product"]} == \
        PRODUCT_TYPES[admin.vendor]
    said = tutor(home, "status").stdout
    assert f"Database: {parse(url).shown()}" in said


def test_a_lesson_that_checks_a_fresh_build_leaves_no_scratch_database(on_server, url):
    home = on_server
    assert tutor(home, "reset", "revert-applied", "--database", url).returncode == 0
    for _ in range(2):
        tutor(home, "solve")
    status, report = tutor_json(home, "check")
    assert status == 0 and report["lesson_complete"], report
    assert [name for name in our_databases(url, home) if name.endswith("_fresh")] == []


def test_a_database_the_tutor_did_not_make_is_never_dropped(on_server, url, admin):
    """A database made by hand under the name of the start the tutor keeps (after the
    tutor's own went) stops the build: it is neither copied nor replaced."""
    home = on_server
    assert tutor(home, "reset", "first-migrations", "--database", url).returncode == 0
    token = OwnedDatabases.on(parse(url), home).token
    [name] = [n for n in our_databases(url, home) if n.startswith(f"tutor_{token}_t")]
    drop_home(parse(url), home)
    admin.create_database(name)
    try:
        result = tutor(home, "reset", "first-migrations")
        assert result.returncode == 2
        assert "was not made by this tutor home, so the tutor will not touch it" in \
            " ".join(result.stderr.split())
        assert name in admin.databases()
        assert "Traceback" not in result.stderr
    finally:
        admin.drop_database(name)


# A tutor killed (SIGKILL) right after PostgreSQL made a database, before it is marked: the
# moment a kill leaves a database of the home's without the home's mark.
KILLED_AFTER_CREATE = """\
import os, signal, sys
import psycopg

execute = psycopg.Connection.execute
made = []


def killed_after_create(self, query, *args, **kwargs):
    cursor = execute(self, query, *args, **kwargs)
    if "CREATE DATABASE" in repr(query):
        made.append(query)
        if len(made) == int(os.environ["KILL_AFTER_CREATE"]):
            os.kill(os.getpid(), signal.SIGKILL)
    return cursor


psycopg.Connection.execute = killed_after_create
from tutor.cli import main

sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("creates", [1, 2])  # the sandbox's database; the start kept
def test_a_tutor_killed_between_making_and_marking_a_database_leaves_a_home_that_heals(
        on_server, url, admin, creates):
    """Issue 27, point 11: a kill between CREATE DATABASE and its COMMENT left a database of
    the home's unmarked, and every later reset refused it as another's ("was not made by this
    tutor home") for good. The home records what it is making: the next reset drops that
    database and goes on. One made by hand under the same name (no record) is still refused
    (test_a_database_the_tutor_did_not_make_is_never_dropped)."""
    if admin.vendor != "postgresql":
        pytest.skip("MariaDB makes a database and its mark in one statement")
    home, lesson = on_server, "revert-applied"
    killed = subprocess.run([sys.executable, "-c", KILLED_AFTER_CREATE, "reset", lesson,
                             "--database", url, "--home", str(home)],
                            capture_output=True, text=True, cwd=Path(__file__).parent.parent,
                            env=dict(os.environ, KILL_AFTER_CREATE=str(creates)))
    assert killed.returncode == -9, killed.stdout + killed.stderr
    token = OwnedDatabases.on(parse(url), home).token
    unmarked = [name for name in admin.databases(f"tutor_{token}_") if not admin.comment(name)]
    assert unmarked, "the kill left no unmarked database: the test did not reach its moment"
    assert sorted(path.name for path in (home / "server-databases-pending").iterdir()) == \
        unmarked
    for _ in range(2):
        result = tutor(home, "reset", lesson, "--database", url)
        assert result.returncode == 0, result.stdout + result.stderr
    spare_made(home)
    assert all(admin.comment(name) for name in admin.databases(f"tutor_{token}_"))
    drop_home(parse(url), home)  # and the home that goes takes them all with it
    assert admin.databases(f"tutor_{token}_") == []


def test_every_file_that_holds_the_servers_password_is_the_owners_alone(on_server, url,
                                                                         admin):
    """Issue 27, point 11: under umask 022, a sandbox's settings with the database's password
    in them were readable by every local user. Every file of the home that holds the password
    (the settings, the kept starts' copies, the record of a server left) is the owner's
    alone; the password is shown nowhere."""
    if admin.vendor != "postgresql":
        pytest.skip("the test's PostgreSQL trusts localhost: any password will do there")
    home = on_server
    secret = f"pw{uuid.uuid4().hex[:12]}"
    with_password = url.replace("postgres@", f"postgres:{secret}@")
    saved = os.umask(0o022)
    try:
        result = tutor(home, "reset", "revert-applied", "--database", with_password)
        assert result.returncode == 0, result.stdout + result.stderr
        spare_made(home)
        assert tutor(home, "check").returncode == 1  # a point of the timeline, the settings in it
        assert tutor(home, "reset", "revert-applied").returncode == 0  # from the kept start
    finally:
        os.umask(saved)
    assert secret not in result.stdout + result.stderr
    holding = [path for path in home.rglob("*") if path.is_file() and not path.is_symlink()
               and secret.encode() in path.read_bytes()]
    assert any(path.name == "settings.py" for path in holding), holding

    def others_may_read(path: Path) -> bool:  # the file, and every folder up to the home
        folders = [folder for folder in path.parents if folder == home or home in folder.parents]
        return bool(path.stat().st_mode & 0o044) and all(
            folder.stat().st_mode & 0o011 for folder in folders)

    assert [str(path) for path in holding if others_may_read(path)] == []
    assert home.stat().st_mode & 0o077 == 0
    settings = home / "sandbox" / "shop" / "settings.py"
    assert secret in settings.read_text(encoding="utf-8") and settings.stat().st_mode & 0o077 == 0  # also when the sandbox is copied elsewhere


def test_a_user_without_the_right_to_create_databases_is_told(on_server, admin):
    home = on_server
    user = f"tutor_test_{uuid.uuid4().hex[:8]}"
    weak = admin.create_user_who_may_not_create_databases(user)
    try:
        result = tutor(home, "reset", "first-migrations", "--database", weak)
        assert result.returncode == 2, result.stdout + result.stderr
        assert f"{user} may not create databases on" in " ".join(result.stderr.split())
        assert "Traceback" not in result.stderr
    finally:
        admin.drop_user(user)


def test_a_user_the_server_does_not_know_is_refused(home, admin):
    server = admin.server
    given = f"{server.vendor}://nobody_{uuid.uuid4().hex[:6]}@{server.host}:{server.port}/"
    result = tutor(home, "reset", "first-migrations", "--database", given)
    assert result.returncode == 2
    assert "refused the credentials" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_a_database_made_again_by_hand_has_no_mark(on_server, url, admin):
    """`database_kept` holds on a server too: a database dropped and made again (dropdb,
    createdb, migrate) is not the one the lesson started with."""
    from conftest import manage

    home = on_server
    assert tutor(home, "reset", "revert-applied", "--database", url).returncode == 0
    _, before = tutor_json(home, "status")
    assert before["database_mark"]
    name = sandbox_database(home)
    spare_made(home)
    admin.drop_database(name)
    admin.create_database(name)
    try:
        assert manage(home, "migrate").returncode == 0
        _, after = tutor_json(home, "status")
    finally:
        admin.drop_database(name)  # made here, so not the tutor's to drop
    assert after["database_mark"] is None
    assert {m["name"] for m in after["migrations"] if m["applied"]} >= {"0001_initial"}


def test_a_lesson_of_another_backend_is_built_only_on_its_own(on_server, url, admin):
    """mysql-half-applied is MariaDB's story (DDL commits at once): built on MariaDB, refused
    with its reason on PostgreSQL and on SQLite, where the same migration rolls back whole."""
    home = on_server
    result = tutor(home, "reset", "mysql-half-applied", "--database", url)
    said = " ".join(result.stderr.split())
    if admin.vendor == "mysql":
        assert result.returncode == 0, said
    else:
        assert result.returncode == 2
        assert "Lesson mysql-half-applied cannot be taken here: it teaches what MariaDB/MySQL "\
               "does, and the sandbox's database is on PostgreSQL." in said
    result = tutor(home, "reset", "mysql-half-applied", "--database", "sqlite")
    assert result.returncode == 2
    assert "it teaches what MariaDB/MySQL does, and the sandbox's database is on SQLite." in \
        " ".join(result.stderr.split())
    # (Every other lesson is told on every backend: reset-all too, since issue 15.)
    assert tutor(home, "reset", "reset-all", "--database", url).returncode == 0
    assert not (home / "sandbox" / "db.sqlite3").exists()


def test_lint_lessons_plays_lessons_on_the_server_and_cleans_up(tmp_path, monkeypatch, url,
                                                               admin):
    import shutil
    import tempfile

    from tutor.lint import lint_folder
    from tutor.paths import resource_dir

    folder = tmp_path / "some"
    folder.mkdir()
    # (A lesson with a teammate's SQLite file beside the server's database, applied-elsewhere,
    # is played with the whole course on each server in .ci/run.)
    for lesson in ("first-migrations", "mysql-half-applied"):
        shutil.copy(resource_dir("lessons") / f"{lesson}.toml", folder)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where lint makes its home
    used: list[list[str]] = []  # the names of lint's databases, each time it is heard

    def heard(report) -> None:  # while lint runs, its home (and so its databases) is known
        used.extend(our_databases(url, home) for home in scratch.glob("tutor-lint-*/home"))

    report = lint_folder(folder, solve=True, on_lesson=heard, database=url)
    by_id = {x.id: x for x in report.lessons}
    assert by_id["first-migrations"].solved is True
    if admin.vendor == "postgresql":
        assert "teaches what MariaDB/MySQL does" in by_id["mysql-half-applied"].skipped
    else:
        assert by_id["mysql-half-applied"].solved is True
    assert any(used), "lint made no database on the server"
    assert not {name for names in used for name in names} & set(admin.databases())


def test_a_reset_after_the_first_copies_the_kept_start_on_the_server(on_server, url):
    """The first build of a lesson keeps its start as a template database, and leaves a
    worker behind that copies it (PostgreSQL: CREATE DATABASE ... TEMPLATE; MariaDB: each
    table made again and filled), with the mark the start state was read with. A reset takes
    that copy: the database is "the one the lesson started with" again, the learner's changes
    are gone, and the database the learner changed is dropped, once a new copy is made."""
    from conftest import manage

    home = on_server
    token = OwnedDatabases.on(parse(url), home).token
    assert tutor(home, "reset", "revert-applied", "--database", url).returncode == 0
    templates = [n for n in our_databases(url, home) if n.startswith(f"tutor_{token}_t")]
    assert len(templates) == 1
    changed, spare = sandbox_database(home), spare_database(home)
    assert manage(home, "migrate", "store", "0002").returncode == 0
    assert manage(home, "shell", "-c", "from store.models import Product; "
                  "Product.objects.create(name='kept?', price=1)").returncode == 0
    result = tutor(home, "reset", "revert-applied")
    assert result.returncode == 0 and "Building" not in result.stdout, result.stdout
    assert sandbox_database(home) == spare
    status, report = tutor_json(home, "check")
    assert status == 1
    outcomes = {e["text"]: e["met"] for e in report["expectations"]}
    assert outcomes[f"{spare} is the database this lesson started with"] is True
    _, data = tutor_json(home, "status")
    assert {m["name"] for m in data["migrations"] if m["applied"]} == {
        "0001_initial", "0002_add_price_to_product", "0003_change_price_field"}
    assert "kept?" not in str(data.get("rows"))
    next_spare = spare_database(home)
    assert next_spare not in (spare, changed)
    assert sorted(our_databases(url, home)) == sorted([spare, next_spare, *templates])


def test_a_reset_with_a_spare_made_ready_never_reaches_the_server(on_server, url):
    """What makes a reset on a server as quick as one on SQLite: with the spare made ready,
    it neither connects nor even imports the driver (here: no driver can be imported)."""
    home = on_server
    assert tutor(home, "reset", "revert-applied", "--database", url).returncode == 0
    spare = spare_database(home)
    no_driver = ("import sys\nfor name in ('psycopg', 'psycopg2', 'MySQLdb', 'pymysql'):\n"
                 "    sys.modules[name] = None\n"
                 "from tutor.cli import main\nsys.exit(main(sys.argv[1:]))")
    result = subprocess.run([sys.executable, "-c", no_driver, "reset", "revert-applied",
                             "--home", str(home)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sandbox_database(home) == spare


def test_a_spare_of_another_lessons_start_is_not_taken(on_server, url):
    """The spare is a copy of one lesson's start: a reset into another lesson copies that
    one's start instead, and the spare goes (the worker drops it)."""
    home = on_server
    assert tutor(home, "reset", "revert-applied", "--database", url).returncode == 0
    spare = spare_database(home)
    assert tutor(home, "reset", "cross-app-revert").returncode == 0
    now = sandbox_database(home)
    assert now != spare
    _, data = tutor_json(home, "status")
    assert "orders_order" in data["tables"]  # cross-app-revert's start, not revert-applied's
    assert spare not in our_databases(url, home)
    assert tutor(home, "reset", "revert-applied").returncode == 0  # its kept start, copied
    _, data = tutor_json(home, "status")
    assert "orders_order" not in data["tables"]
    assert {m["name"] for m in data["migrations"] if m["applied"]} == {
        "0001_initial", "0002_add_price_to_product", "0003_change_price_field"}


def test_a_spare_dropped_by_hand_is_made_again_under_its_name(on_server, url, admin):
    """A reset takes the spare without asking the server whether it is still there; one
    dropped by hand is copied again, under the name the sandbox now points at, by the worker
    the reset leaves behind; meanwhile the state says the database is missing, as it is."""
    home = on_server
    assert tutor(home, "reset", "revert-applied", "--database", url).returncode == 0
    spare = spare_database(home)
    admin.drop_database(spare)
    assert tutor(home, "reset", "revert-applied").returncode == 0
    spare_made(home)
    status, report = tutor_json(home, "check")
    outcomes = {e["text"]: e["met"] for e in report["expectations"]}
    assert outcomes[f"{spare} is the database this lesson started with"] is True
    _, data = tutor_json(home, "status")
    assert {m["name"] for m in data["migrations"] if m["applied"]} == {
        "0001_initial", "0002_add_price_to_product", "0003_change_price_field"}


def test_a_sandbox_database_dropped_by_hand_is_said_as_a_servers(on_server, url, admin):
    """No "database file" on a server: the check, the notes and "what changed" speak of the
    database on the server, dropped."""
    home = on_server
    assert tutor(home, "reset", "revert-applied", "--database", url).returncode == 0
    name = sandbox_database(home)
    spare_made(home)
    admin.drop_database(name)
    status, report = tutor_json(home, "check")
    assert status == 1
    reasons = " ".join(e["detail"] for e in report["expectations"])
    assert f"there is no database {name} on the server, so no table store_product." in reasons
    assert f"there is no {name} any more: the database this lesson started with was " \
           "dropped." in reasons
    assert "database file" not in reasons
    _, data = tutor_json(home, "status")
    assert f"There is no database {name} on the server: nothing is applied" in \
        " ".join(data["notes"])
    said = " ".join(tutor(home, "status").stdout.split())
    assert f"Table store_product does not exist: there is no database {name} on the " \
           "server." in said


def test_a_home_that_goes_takes_the_spare_being_made_with_it(on_server, url):
    """`drop_home` right after a build waits for its worker, so no spare is made after the
    home's databases went."""
    home = on_server
    assert tutor(home, "reset", "revert-applied", "--database", url).returncode == 0
    drop_home(parse(url), home)
    assert our_databases(url, home) == []
    assert not (home / SPARE).exists()


def test_leaving_a_server_drops_the_homes_databases_there_and_no_other(on_server, url, admin):
    """Back to SQLite (`--database sqlite`): the sandbox, the kept starts and the spare on
    the server go with the build that leaves it, as the old SQLite file goes with the old
    sandbox; a database of the same name pattern that the tutor did not make stays."""
    home = on_server
    token = OwnedDatabases.on(parse(url), home).token
    assert tutor(home, "reset", "revert-applied", "--database", url).returncode == 0
    again = tutor(home, "reset", "revert-applied")  # the same server: nothing is left
    assert again.returncode == 0 and "no longer uses" not in again.stderr
    assert len(our_databases(url, home)) >= 3  # the sandbox, a kept start, a spare
    foreign = f"tutor_{token}_byhand"
    admin.create_database(foreign)
    try:
        result = tutor(home, "reset", "revert-applied", "--database", "sqlite")
        assert result.returncode == 0, result.stderr
        shown = parse(url).shown()
        assert (f"Note: The sandbox no longer uses {shown}: the tutor's databases for this "
                "home there are dropped.") in " ".join(result.stderr.split())
        assert our_databases(url, home) == [foreign]
        assert not (home / "servers-left.json").exists()
        _, data = tutor_json(home, "status")
        assert data["database_vendor"] == "sqlite"
        assert {m["name"] for m in data["migrations"] if m["applied"]} == {
            "0001_initial", "0002_add_price_to_product", "0003_change_price_field"}
    finally:
        admin.drop_database(foreign)


@pytest.mark.server
@pytest.mark.skipif(not all(SERVERS.values()), reason="needs both servers: set "
                    "TUTOR_TEST_POSTGRESQL and TUTOR_TEST_MARIADB")
def test_moving_to_another_server_drops_the_homes_databases_on_the_first(home):
    first, second = parse(SERVERS["postgresql"]), parse(SERVERS["mariadb"])
    try:
        assert tutor(home, "reset", "revert-applied", "--database", first.url()).returncode == 0
        assert our_databases(first.url(), home)
        result = tutor(home, "reset", "revert-applied", "--database", second.url())
        assert result.returncode == 0, result.stderr
        assert f"no longer uses {first.shown()}" in " ".join(result.stderr.split())
        assert our_databases(first.url(), home) == []
        assert our_databases(second.url(), home)
        assert tutor_json(home, "status")[1]["database_vendor"] == "mysql"
    finally:
        drop_home(first, home)
        drop_home(second, home)


def test_a_server_without_database_comments_is_refused_clearly(home, url):
    """MySQL's information_schema has no SCHEMA_COMMENT, where the tutor reads its marks: the
    server's real error for an unknown column of that name becomes a clear refusal (there
    is no MySQL server here; MariaDB gives the same error for a table without the column)."""
    from tutor.backends import BackendError

    owned = OwnedDatabases.on(parse(url), home)
    if owned.server.vendor != "mysql":
        pytest.skip("MariaDB/MySQL only")
    with pytest.raises(BackendError) as refused:
        owned._run(("SELECT SCHEMA_COMMENT FROM information_schema.TABLES LIMIT 1", None))
    assert "keeps no comment on a database" in refused.value.message
    assert "MySQL has none" in refused.value.message
    assert "MariaDB 10.5 or later" in refused.value.advice


def test_undo_on_a_server_restores_the_database_from_the_tutors_copies(on_server, url):
    """On a server a point keeps a copy of the database (the start's is its kept template:
    no copy at a reset); undo copies it back under the sandbox's name, so the settings stay
    right. The copies undone are kept for `tutor redo`, which copies them back; the next
    build's worker drops them all."""
    from conftest import manage

    home = on_server
    assert tutor(home, "reset", "revert-applied", "--database", url).returncode == 0
    database = sandbox_database(home)
    assert manage(home, "shell", "-c", "from store.models import Product; "
                  "Product.objects.create(name='kept', price=7)").returncode == 0
    assert tutor(home, "check").returncode == 1  # a point, with a copy
    assert manage(home, "migrate", "store", "zero").returncode == 0
    assert tutor(home, "check").returncode == 1
    copies = [n for n in our_databases(url, home) if n.startswith(database + "_u")]
    assert len(copies) == 2
    result = tutor(home, "undo")
    assert result.returncode == 0, result.stderr  # it undid (its check: not yet)
    assert "store.0001_initial: not applied -> applied" in result.stdout
    _, status = tutor_json(home, "status")
    assert status["database_file"] == database
    assert {m["name"] for m in status["migrations"] if m["applied"]} == {
        "0001_initial", "0002_add_price_to_product", "0003_change_price_field"}
    assert "kept" in str(status["rows"])
    # The copy undone is kept: `tutor redo` copies it back.
    assert [n for n in our_databases(url, home) if n.startswith(database + "_u")] == copies
    result = tutor(home, "redo")
    assert result.returncode == 0, result.stderr
    assert "store.0001_initial: applied -> not applied" in result.stdout
    _, status = tutor_json(home, "status")
    assert status["database_file"] == database
    assert not [m for m in status["migrations"] if m["applied"]]
    assert tutor(home, "undo").returncode == 0
    result = tutor(home, "undo")  # to the start: its template, which stays
    assert result.returncode == 0
    assert "kept" not in str(tutor_json(home, "status")[1]["rows"])
    _, report = tutor_json(home, "check")
    met = {e["text"]: e["met"] for e in report["expectations"]}
    assert met[f"{database} is the database this lesson started with"] is True
    assert tutor(home, "reset").returncode == 0
    assert not [n for n in our_databases(url, home) if n.startswith(database)]


def test_an_undo_killed_on_a_server_is_finished_whole_database_too(on_server, url):
    """SIGKILL halfway through an undo's restore (before the database is copied back): the
    next command finishes it, the server's database, the timeline and progress alike."""
    import signal

    from conftest import manage
    from test_undo_safety import _undo_paused

    home = on_server
    assert tutor(home, "reset", "revert-applied", "--database", url).returncode == 0
    assert manage(home, "shell", "-c", "from store.models import Product; "
                  "Product.objects.create(name='kept', price=7)").returncode == 0
    assert tutor(home, "check").returncode == 1
    assert manage(home, "migrate", "store", "zero").returncode == 0
    assert tutor(home, "check").returncode == 1
    process = _undo_paused(home)
    process.send_signal(signal.SIGKILL)
    process.wait()
    _, status = tutor_json(home, "status")
    assert not (home / "history" / "restoring").exists()
    assert {m["name"] for m in status["migrations"] if m["applied"]} == {
        "0001_initial", "0002_add_price_to_product", "0003_change_price_field"}
    assert "kept" in str(status["rows"])
    _, history = tutor_json(home, "history")
    assert len(history["points"]) == 2 and len(history["undone"]) == 1
    assert tutor(home, "redo").returncode == 0
    assert not [m for m in tutor_json(home, "status")[1]["migrations"] if m["applied"]]


def test_a_check_of_an_untouched_server_sandbox_copies_nothing(on_server, url):
    """The start's point is its kept template; a check that finds the start again takes no
    copy (the state it read is the start's, whatever the database's name)."""
    home = on_server
    assert tutor(home, "reset", "revert-applied", "--database", url).returncode == 0
    for _ in range(2):
        assert tutor(home, "check").returncode == 1
    database = sandbox_database(home)
    assert not [n for n in our_databases(url, home) if n.startswith(database + "_u")]
    assert [p["did"] for p in tutor_json(home, "history")[1]["points"]] == [
        "tutor reset revert-applied"]


def test_undo_brings_back_a_server_database_dropped_by_hand(on_server, url, admin):
    home = on_server
    assert tutor(home, "reset", "revert-applied", "--database", url).returncode == 0
    name = sandbox_database(home)
    spare_made(home)
    admin.drop_database(name)
    assert tutor(home, "check").returncode == 1  # seen dropped: a point, with nothing to copy
    result = tutor(home, "undo")
    assert result.returncode == 0, result.stderr
    _, status = tutor_json(home, "status")
    assert status["database_exists"] is True and status["database_file"] == name
    assert {m["name"] for m in status["migrations"] if m["applied"]} == {
        "0001_initial", "0002_add_price_to_product", "0003_change_price_field"}


def test_undo_where_the_settings_no_longer_name_the_database_says_so(on_server, url):
    from conftest import edit

    home = on_server
    assert tutor(home, "reset", "revert-applied", "--database", url).returncode == 0
    edit(home, "shop/settings.py", "# The sandbox's own database, on a server", "# edited")
    result = tutor(home, "undo")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no longer name its database" in " ".join(result.stderr.split())


def test_fast_forward_on_a_server_keeps_each_step_as_a_template(on_server, url):
    """The first `--step` plays the reference solutions on the server's database and keeps
    the result (its files, and its database as a template of the tutor's); the next one
    copies that under the name the sandbox uses then, so its settings stay right."""
    from conftest import manage

    home = on_server
    token = OwnedDatabases.on(parse(url), home).token
    for time_round in range(2):
        result = tutor(home, "reset", "revert-applied", "--step", "2", "--database", url)
        assert result.returncode == 0, result.stderr
        _, status = tutor_json(home, "status")
        assert status["step_index"] == 1 and status["database_vendor"] == parse(url).vendor
        assert {m["name"] for m in status["migrations"] if m["applied"]} == {
            "0001_initial", "0002_add_price_to_product"}
        assert status["database_file"] == sandbox_database(home)
        assert manage(home, "showmigrations", "store").returncode == 0  # the settings name it
        _, report = tutor_json(home, "check")
        met = {e["text"]: e["met"] for e in report["expectations"]}
        assert met["store.0003_change_price_field is not applied"] is True
        [kept] = list((home / "snapshots").glob("*-step2"))
        if time_round == 0:  # a file only the kept copy has: seen next round, it came from there
            (kept / "sandbox" / "kept.txt").write_text("kept\n", encoding="utf-8")
        else:
            assert (home / "sandbox" / "kept.txt").is_file()
    step_templates = [n for n in our_databases(url, home)
                      if n.startswith(f"tutor_{token}_t") and n.endswith("s2")]
    assert len(step_templates) == 1
    assert kept.is_dir()


def test_a_copy_keeps_rows_foreign_keys_and_the_next_id(on_server, url, admin):
    """A reset's copy is the start itself: every table, its rows, its constraints (a
    foreign key still refuses a missing row) and its sequence (the next id follows the
    start's rows)."""
    from conftest import manage

    home = on_server
    assert tutor(home, "reset", "cross-app-revert", "--database", url).returncode == 0
    assert tutor(home, "reset", "cross-app-revert").returncode == 0  # from the template
    make = ("from store.models import Product; p = Product.objects.create(name='x', price=1); "
            "print(p.id > 0)")
    result = manage(home, "shell", "-c", make)
    assert result.returncode == 0 and "True" in result.stdout, result.stdout + result.stderr
    _, data = tutor_json(home, "status")
    assert {"django_migrations", "store_product", "orders_order"} <= set(data["tables"])
    assert data["rows"]["orders_order"], "the orders were not copied"
    refused = manage(home, "shell", "-c", "from django.db import IntegrityError\n"
                     "from orders.models import Order\n"
                     "try:\n    Order.objects.create(product_id=999999, quantity=1)\n"
                     "except IntegrityError:\n    print('refused')")
    assert "refused" in refused.stdout, "a foreign key was lost in the copy"


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
    assert unavailable["mysql-half-applied"] == ("it teaches what MariaDB/MySQL does, and the "
                                                 "sandbox's database is on PostgreSQL")
    assert sorted(i for i, why in unavailable.items() if why) == ["mysql-half-applied"]
    table = tutor(home, "lessons").stdout  # remembered
    assert "skipped: MariaDB/MySQL only" in table
    _, data = tutor_json(home, "lessons", "--database", "mysql://root@localhost:1/")
    assert [row["id"] for row in data["lessons"] if row["unavailable"]] == []
    _, data = tutor_json(home, "lessons", "--database", "sqlite")
    assert [row["id"] for row in data["lessons"] if row["unavailable"]] == ["mysql-half-applied"]


def test_a_lesson_is_told_for_the_server_its_sandbox_is_on(on_server, url, admin):
    """half-applied tells each backend its own error and client; what a sandbox is told
    follows where its database is, not the choice made for the next build."""
    home = on_server
    assert tutor(home, "reset", "half-applied", "--database", url).returncode == 0
    own = {"postgresql": ['column "on_sale" does not exist', "\\d store_product"],
           "mysql": ["Unknown column 'on_sale'", "DESCRIBE store_product"]}[admin.vendor]
    sqlites = ["the store_product table has no on_sale", ".schema store_product"]

    def hint(*options: str) -> str:  # each asks for the next
        return " ".join(tutor(home, "hint", *options).stdout.replace("`", "").split())

    first = hint()
    assert own[0] in first and sqlites[0] not in first
    # SQLite chosen for the next build: this sandbox is still on the server.
    assert own[1] in hint("--database", "sqlite")
    assert tutor(home, "reset", "half-applied").returncode == 0  # now built on SQLite
    first = hint()
    assert sqlites[0] in first and own[0] not in first


@pytest.mark.parametrize("engine, warmed", [
    ("django.db.backends.postgresql", "django.db.backends.postgresql.base"),
    ("django.db.backends.mysql", "django.db.backends.mysql.base"),
    ("django.db.backends.sqlite3", None),
])
def test_the_warm_helper_imports_a_servers_backend_once_it_served_one(tmp_path, engine,
                                                                       warmed):
    """After a sandbox on a server, the helper's later children find its driver imported
    (a quarter of a second each, otherwise); a SQLite sandbox warms nothing more."""
    import subprocess

    settings = tmp_path / "shop" / "settings.py"
    settings.parent.mkdir()
    settings.write_text(f"DATABASES = {{'default': {{'ENGINE': '{engine}', 'NAME': 'x'}}}}\n")
    code = ("import sys; from tutor.helper import _warm_the_server_backend as warm; "
            f"warm(__import__('pathlib').Path({str(tmp_path)!r})); "
            "print(sorted({'django.db.backends.postgresql.base', "
            "'django.db.backends.mysql.base'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[1])
    assert result.returncode == 0, result.stderr
    assert eval(result.stdout) == ([warmed] if warmed else [])


def test_a_database_default_is_read_from_the_server_and_a_faked_one_is_drift(on_server, url):
    """`db_default` is the one default a column carries in the database itself: applied for
    real, the server's column has it and the record agrees; recorded with `--fake`, the record
    says so and the column does not, which the state names as a disagreement."""
    from conftest import edit, manage

    home = on_server
    assert tutor(home, "reset", "revert-several", "--database", url).returncode == 0
    edit(home, "store/models.py", "discount = models.IntegerField(default=0)",
         "discount = models.IntegerField(default=0, db_default=0)")
    assert manage(home, "makemigrations", "store", "--name", "discount_db_default").returncode == 0
    faked = manage(home, "migrate", "--fake")
    assert faked.returncode == 0, faked.stderr
    _, data = tutor_json(home, "status")
    discount = next(c for c in data["tables"]["store_product"] if c["name"] == "discount")
    assert discount["default"] is False
    assert "column store_product.discount has no DEFAULT in the database, though the applied " \
           "migrations give it one (`db_default`)" in data["schema_drift"]["store"]
    assert manage(home, "migrate", "store", "0004", "--fake").returncode == 0
    applied = manage(home, "migrate")
    assert applied.returncode == 0, applied.stderr
    _, data = tutor_json(home, "status")
    discount = next(c for c in data["tables"]["store_product"] if c["name"] == "discount")
    assert discount["default"] is True and data["schema_drift"]["store"] == []

"""The tutor's own databases on a server, for one home: `tutor_<home>_<purpose>`, made, copied
and dropped here, and only here (`backends.py` says which server; `spare_database.py` when).

Each carries the tutor's mark in its comment (PostgreSQL's `COMMENT ON DATABASE`, MariaDB's
`CREATE DATABASE ... COMMENT`), naming the home it belongs to and the build it holds. A
database without that mark is never dropped, whatever its name, and a database dropped and
made again by hand has lost it, as a new SQLite file has no mark in its header.

One exception keeps a home from being stuck: on PostgreSQL a database is made and then marked,
in two statements no transaction can hold, so a kill in between leaves it unmarked. While it
is made, the home holds a record of it (`HOME/server-databases-pending/NAME`, written before
the database is asked for); a database of that name found without any mark is the one the
home was making, and is the home's to drop.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from .backends import BackendError, Server, home_token, require_driver
from .home_layout import DATABASES_PENDING

MARK = "migration-tutor"
# The databases a home is making (see the module's docstring), one empty file each.


def mark_number(comment: str | None) -> int | None:
    """The build's mark in a database comment the tutor wrote (None: not the tutor's)."""
    parts = (comment or "").split()
    if len(parts) == 3 and parts[0] == MARK and parts[2].isdigit():
        return int(parts[2])
    return None


class OwnedDatabases:
    """What every server does alike; each vendor's class says how, in its own SQL."""

    def __init__(self, server: Server, home: Path | None = None, token: str = ""):
        self.server = server
        self.token = token or home_token(home)
        self.pending = home / DATABASES_PENDING if home is not None else None

    @staticmethod
    def on(server: Server, home: Path | None = None, token: str = "") -> "OwnedDatabases":
        """The tutor's databases for `home` on `server`, managed in the server's own way."""
        kinds = {"postgresql": PostgresqlDatabases, "mysql": MariadbDatabases}
        return kinds[server.vendor](server, home, token)

    @classmethod
    def of_sandbox(cls, settings: dict) -> "OwnedDatabases":
        """The owner of a sandbox's server database, from its Django settings (its name is
        `tutor_<home>_<purpose>`)."""
        return cls.on(Server.from_settings(settings), token=str(settings["NAME"]).split("_")[1])

    def name(self, purpose: str) -> str:
        return f"tutor_{self.token}_{purpose}"

    def _mark(self, number: int) -> str:
        return f"{MARK} {self.token} {number}"

    def is_ours(self, name: str) -> bool:
        mark = self.mark_of(name)
        return mark is not None and (mark.startswith(f"{MARK} {self.token} ")
                                     or self._left_unmarked(name, mark))

    @contextmanager
    def _making(self, name: str):
        """While `name` is made and marked: the home's record that it is making it."""
        if self.pending is None:
            yield
            return
        self.pending.mkdir(parents=True, exist_ok=True)
        (self.pending / name).touch()
        yield
        (self.pending / name).unlink(missing_ok=True)

    def _left_unmarked(self, name: str, mark: str) -> bool:
        """Whether `name` is a database this home was making when it was cut off: it has no
        mark at all, and the home's record of making it is still there."""
        return mark == "" and self.pending is not None and (self.pending / name).is_file()

    def _forget(self, name: str) -> None:
        if self.pending is not None:
            (self.pending / name).unlink(missing_ok=True)

    def _refuse_foreign(self, name: str) -> BackendError:
        return BackendError(
            f"A database {name!r} exists on {self.server.shown()} and was not made by "
            "this tutor home, so the tutor will not touch it.",
            "Drop or rename it yourself, or use another --home.")

    def create(self, name: str, mark: int) -> None:
        """Create an empty database of the tutor's, marked (`mark` tells one build from the
        next, as the mark in an SQLite file's header does)."""
        self.drop(name)
        with self._making(name):
            self._create(name, self._mark(mark))

    def drop(self, name: str) -> None:
        """Drop a database the tutor made; one it did not make is never touched."""
        mark = self.mark_of(name)
        if mark is None:
            self._forget(name)
            return
        if not (mark.startswith(f"{MARK} {self.token} ") or self._left_unmarked(name, mark)):
            raise self._refuse_foreign(name)
        self._drop(name)
        self._forget(name)

    def names(self) -> list[str]:
        """Every database this home's tutor made on the server (one it was cut off making
        included)."""
        marked = self._marked(f"{MARK} {self.token} %")
        pending = sorted(path.name for path in self.pending.iterdir()) \
            if self.pending is not None and self.pending.is_dir() else []
        return marked + [name for name in pending
                         if name not in marked and self.mark_of(name) == ""]

    def drop_all(self) -> None:
        """Drop every database this home's tutor made on the server (its sandbox, its kept
        starts, its spare). For a home that goes, see `spare_database.drop_home`, which lets
        a worker still making a spare finish first."""
        for name in self.names():
            self.drop(name)

    def copy(self, source: str, target: str) -> None:
        """Make `target` a copy of `source` (one of the tutor's), with the same mark: a start
        kept as a template comes back as the database the lesson's start state was read in."""
        mark = self.mark_of(source) or ""
        self.drop(target)
        with self._making(target):
            self._copy(source, target, mark)

    # Each vendor's own SQL.
    def mark_of(self, name: str) -> str | None:
        """The comment of the database (None: there is no such database)."""
        raise NotImplementedError

    def _create(self, name: str, mark: str) -> None:
        raise NotImplementedError

    def _drop(self, name: str) -> None:
        raise NotImplementedError

    def _marked(self, pattern: str) -> list[str]:
        """The databases whose comment is LIKE `pattern`."""
        raise NotImplementedError

    def _copy(self, source: str, target: str, mark: str) -> None:
        raise NotImplementedError



def _no_right_to_create(server: Server, error, advice: str) -> BackendError:
    return BackendError(f"{server.user or 'That user'} may not create databases on "
                        f"{server.shown()}: {str(error).strip()}", advice)


class PostgresqlDatabases(OwnedDatabases):
    """On PostgreSQL (psycopg 3): a copy is `CREATE DATABASE ... TEMPLATE`."""

    def _connect(self):
        require_driver(self.server)
        import psycopg

        try:
            return psycopg.connect(dbname="postgres", user=self.server.user or None,
                                   password=self.server.password or None,
                                   host=self.server.host or None, port=self.server.port,
                                   autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as error:
            raise _postgresql_connection_error(self.server, error) from None

    def _run(self, *statements: tuple[str, tuple]) -> list:
        import psycopg

        rows = []
        with self._connect() as connection:
            try:
                for sql, params in statements:
                    cursor = connection.execute(sql, params)
                    rows = cursor.fetchall() if cursor.description else rows
            except psycopg.errors.InsufficientPrivilege as error:
                raise _no_right_to_create(
                    self.server, error, "Give the user the right (`ALTER ROLE ... CREATEDB`), "
                    "or name another user in the URL.") from None
        return rows

    def mark_of(self, name: str) -> str | None:
        rows = self._run(("SELECT pg_catalog.shobj_description(oid, 'pg_database') "
                          "FROM pg_catalog.pg_database WHERE datname = %s", (name,)))
        return (rows[0][0] or "") if rows else None

    def _create(self, name: str, mark: str) -> None:
        from psycopg import sql

        ident = sql.Identifier(name)
        self._run((sql.SQL("CREATE DATABASE {}").format(ident), ()),
                  (sql.SQL("COMMENT ON DATABASE {} IS {}").format(ident, sql.Literal(mark)),
                   ()))

    def _drop(self, name: str) -> None:
        from psycopg import sql

        self._run((sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)), ()))

    def _marked(self, pattern: str) -> list[str]:
        rows = self._run(("SELECT datname FROM pg_catalog.pg_database WHERE "
                          "pg_catalog.shobj_description(oid, 'pg_database') LIKE %s",
                          (pattern,)))
        return [name for (name,) in rows]

    def _terminate(self, name: str) -> tuple[str, tuple]:
        """End the connections to a database (a reader's, say), which a copy of it must not
        have."""
        return ("SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_catalog.pg_backend_pid()", (name,))

    def _copy(self, source: str, target: str, mark: str) -> None:
        import psycopg
        from psycopg import sql

        create = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(target),
                                                                  sql.Identifier(source))
        try:  # a small database copies fastest file by file (PostgreSQL 15 and later)
            self._run(self._terminate(source), (create + sql.SQL(" STRATEGY FILE_COPY"), ()))
        except psycopg.errors.SyntaxError:
            self._run(self._terminate(source), (create, ()))
        self._run((sql.SQL("COMMENT ON DATABASE {} IS {}").format(
            sql.Identifier(target), sql.Literal(mark)), ()))



def _postgresql_connection_error(server: Server, error) -> BackendError:
    text = str(error).strip()
    lowered = text.lower()
    if "password authentication failed" in lowered or "role" in lowered \
            and "does not exist" in lowered or "no password supplied" in lowered:
        return _refused(server, text)
    return _unreachable(server, text)


def _refused(server: Server, text: str) -> BackendError:
    return BackendError(f"The server at {server.shown()} refused the credentials of "
                        f"{server.user or 'the default user'}: {text}",
                        "Check the user and password in the URL.")


def _unreachable(server: Server, text: str) -> BackendError:
    return BackendError(f"The database server at {server.shown()} cannot be reached: {text}",
                        "Start the server, or check the host and port in the URL.")


# MariaDB's error numbers the tutor tells apart.
ACCESS_DENIED, NO_RIGHT_ON_DATABASE, DATABASE_EXISTS, SYNTAX_ERROR = 1045, 1044, 1007, 1064
BAD_FIELD = 1054  # an unknown column: MySQL's information_schema has no SCHEMA_COMMENT
SOCKET_AUTHENTICATION_FAILED = 1698  # root@localhost, allowed only through its Unix socket


class MariadbDatabases(OwnedDatabases):
    """On MariaDB (mysqlclient, or PyMySQL): a database's comment holds the mark (MariaDB
    10.5 and later). There is no template: a copy makes each table again from `SHOW CREATE
    TABLE` and fills it."""

    def _connect(self):
        module = require_driver(self.server)
        driver = __import__(module)
        options = {"user": self.server.user or None, "password": self.server.password or "",
                   "port": self.server.port or 3306, "connect_timeout": 5,
                   "charset": "utf8mb4", "autocommit": True}
        if self.server.host:
            options["host"] = self.server.host
        try:
            connection = driver.connect(**{k: v for k, v in options.items() if v is not None})
        except driver.OperationalError as error:
            code, text = _error_parts(error)
            if code in (ACCESS_DENIED, SOCKET_AUTHENTICATION_FAILED):
                raise _refused(self.server, text) from None
            raise _unreachable(self.server, text) from None
        connection.driver = driver
        return connection

    def _run(self, *statements: tuple[str, tuple | None], each: bool = False) -> list:
        """The last statement's rows, or with `each` every statement's, on one connection."""
        connection = self._connect()
        rows: list = []
        results: list = []
        try:
            cursor = connection.cursor()
            for sql, params in statements:
                cursor.execute(sql, params or None)
                rows = list(cursor.fetchall()) if cursor.description else rows
                results.append(rows)
        except (connection.driver.OperationalError, connection.driver.ProgrammingError) \
                as error:
            code, text = _error_parts(error)
            if code == BAD_FIELD and "SCHEMA_COMMENT" in text:  # MySQL: no such column
                raise _no_database_comments(self.server) from None
            if code == NO_RIGHT_ON_DATABASE:
                raise _no_right_to_create(
                    self.server, error, "Give the user the right to create and drop "
                    "databases (`GRANT ALL ON *.* TO USER`, or only on the ones whose names "
                    "begin with tutor_), or name another user in the URL.") from None
            raise
        finally:
            connection.close()
        return results if each else rows

    def mark_of(self, name: str) -> str | None:
        rows = self._run(("SELECT SCHEMA_COMMENT FROM information_schema.SCHEMATA "
                          "WHERE SCHEMA_NAME = %s", (name,)))
        return (rows[0][0] or "") if rows else None

    def _create(self, name: str, mark: str) -> None:
        try:
            self._run((f"CREATE DATABASE {_quoted(name)} CHARACTER SET utf8mb4 COMMENT %s",
                       (mark,)))
        except Exception as error:
            code = _error_parts(error)[0]
            if code == DATABASE_EXISTS:  # one this user cannot even see
                raise self._refuse_foreign(name) from None
            if code == SYNTAX_ERROR:  # MySQL, or a MariaDB before 10.5: no database comments
                raise _no_database_comments(self.server) from None
            raise

    def _drop(self, name: str) -> None:
        self._run((f"DROP DATABASE {_quoted(name)}", None))

    def _marked(self, pattern: str) -> list[str]:
        rows = self._run(("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA "
                          "WHERE SCHEMA_COMMENT LIKE %s", (pattern,)))
        return [name for (name,) in rows]

    def _tables(self, name: str) -> list[str]:
        rows = self._run(("SELECT TABLE_NAME FROM information_schema.TABLES WHERE "
                          "TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE'", (name,)))
        return sorted(table for (table,) in rows)

    def _copy(self, source: str, target: str, mark: str) -> None:
        self._create(target, mark)
        tables = self._tables(source)
        creates = self._run(*[(f"SHOW CREATE TABLE {_quoted(source)}.{_quoted(t)}", None)
                              for t in tables], each=True)
        # In the target, with foreign keys unchecked: a table may refer to one made after it.
        self._run(("SET FOREIGN_KEY_CHECKS = 0", None), (f"USE {_quoted(target)}", None),
                  *[(rows[0][1], None) for rows in creates],
                  *[(f"INSERT INTO {_quoted(t)} SELECT * FROM {_quoted(source)}.{_quoted(t)}",
                     None) for t in tables])



def _no_database_comments(server: Server) -> BackendError:
    return BackendError(
        f"The server at {server.shown()} keeps no comment on a database, where the tutor "
        "marks the databases it makes (so that it never drops another): MySQL has none, nor "
        "has MariaDB before 10.5.", "Use MariaDB 10.5 or later, or PostgreSQL, or leave "
        "--database out for the sandbox's own SQLite file.")


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _error_parts(error) -> tuple[int | None, str]:
    """A MariaDB driver's error as (its number, its text): both drivers give `args` so."""
    args = getattr(error, "args", ())
    if len(args) >= 2 and isinstance(args[0], int):
        return args[0], str(args[1])
    return None, str(error)

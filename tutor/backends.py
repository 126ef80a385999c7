"""Where the sandbox's own database lives: an SQLite file in the sandbox (the default, nothing
to install), or a throwaway database on a PostgreSQL server the learner names with
`--database postgresql://USER@HOST[:PORT]/` (or `TUTOR_DATABASE`).

On a server the tutor only ever creates, renames and drops databases it made itself: each
carries the tutor's mark in its comment (`COMMENT ON DATABASE`), naming the home it belongs
to, and a database without that mark is never dropped, whatever its name. The driver
(psycopg 3) is an optional extra, imported only when a server is used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .exceptions import TutorError

# hashlib and urllib are imported where they are used: `tutor lessons` on an SQLite home,
# which only looks for the remembered server, pays for neither.

SQLITE = "sqlite"
SERVER_FILE = "database.json"  # in the home: the server the learner chose, if any
VARIABLE = "TUTOR_DATABASE"
SCHEMES = {"postgresql": "postgresql", "postgres": "postgresql"}
DRIVERS = {"postgresql": ("psycopg", "PostgreSQL", "postgresql")}  # module, name, extra
ENGINES = {"postgresql": "django.db.backends.postgresql"}
MARK = "migration-tutor"


class BackendError(TutorError):
    """The server cannot be used: no driver, unreachable, refused, or not allowed."""


@dataclass(frozen=True)
class Server:
    vendor: str  # "postgresql"
    user: str = ""
    password: str = ""
    host: str = ""
    port: int | None = None

    def shown(self) -> str:
        """The URL without its password: what the tutor prints."""
        return self.url(with_password=False)

    def url(self, with_password: bool = True) -> str:
        """The URL `parse` reads back as this server (user and password quoted)."""
        from urllib.parse import quote

        who = quote(self.user, safe="")
        if self.password and with_password:
            who += ":" + quote(self.password, safe="")
        where = self.host + (f":{self.port}" if self.port else "")
        return f"{self.vendor}://{who + '@' if who else ''}{where}/"

    def django_settings(self, name: str) -> dict:
        settings = {"ENGINE": ENGINES[self.vendor], "NAME": name, "USER": self.user,
                    "PASSWORD": self.password, "HOST": self.host}
        if self.port:
            settings["PORT"] = str(self.port)
        return settings


def parse(url: str) -> Server | None:
    """A database URL, or "sqlite" (None: the sandbox's own SQLite file)."""
    from urllib.parse import unquote, urlsplit

    text = url.strip()
    if text.lower() in ("", SQLITE, "sqlite3"):
        return None
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise BackendError(f"{text!r} is not a database URL: {error}.", _URL_ADVICE) from None
    vendor = SCHEMES.get(parts.scheme.lower())
    if vendor is None:
        raise BackendError(f"{text!r} is not a database the tutor can use.", _URL_ADVICE)
    if parts.path not in ("", "/") or parts.query:
        raise BackendError(
            f"{text!r} names a database ({parts.path.strip('/')}): the tutor makes its own.",
            "Leave the name out: `postgresql://USER@HOST[:PORT]/`.")
    return Server(vendor, unquote(parts.username or ""), unquote(parts.password or ""),
                  parts.hostname or "", port)


_URL_ADVICE = ("Give `postgresql://USER[:PASSWORD]@HOST[:PORT]/`, or `sqlite` for the "
               "sandbox's own file (the default).")


def chosen(home: Path, given: str | None = None) -> Server | None:
    """The server the sandbox's database lives on: `given` (the option or the variable),
    which is remembered in the home, else the one remembered, else none (SQLite)."""
    import os

    given = given if given is not None else os.environ.get(VARIABLE)
    if given is not None:
        server = parse(given)
        if server is not None:
            require_driver(server)
        remember(home, server)
        return server
    try:
        data = json.loads((home / SERVER_FILE).read_text(encoding="utf-8"))
        return parse(data["url"]) if isinstance(data, dict) else None
    except (OSError, ValueError, KeyError, TypeError, TutorError):
        return None


def remember(home: Path, server: Server | None) -> None:
    from .files import write_atomically

    if server is None:
        (home / SERVER_FILE).unlink(missing_ok=True)
        return
    text = json.dumps({"url": server.url()}) + "\n"
    try:
        if (home / SERVER_FILE).read_text(encoding="utf-8") == text:
            return  # chosen again (TUTOR_DATABASE is read at every build and check)
    except OSError:
        pass
    from .paths import claim_home

    claim_home(home)  # the choice may be the first thing a new home holds
    write_atomically(home / SERVER_FILE, text)
    (home / SERVER_FILE).chmod(0o600)  # it may hold a password


def require_driver(server: Server) -> None:
    import importlib.util

    module, name, extra = DRIVERS[server.vendor]
    if importlib.util.find_spec(module) is None:
        raise BackendError(f"The {name} driver ({module}) is not installed.",
                           f'Install it: `python -m pip install "migration-tutor[{extra}]"`.')


def home_token(home: Path) -> str:
    import hashlib

    return hashlib.sha256(str(home.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:12]


class OwnedDatabases:
    """The tutor's own databases on one server, for one home: `tutor_<home>_<purpose>`."""

    def __init__(self, server: Server, home: Path | None = None, token: str = ""):
        self.server = server
        self.token = token or home_token(home)

    @classmethod
    def of_sandbox(cls, settings: dict) -> "OwnedDatabases":
        """The owner of a sandbox's server database, from its Django settings (its name is
        `tutor_<home>_sandbox`)."""
        vendor = next(v for v, engine in ENGINES.items() if engine == settings["ENGINE"])
        port = settings.get("PORT")
        server = Server(vendor, settings.get("USER", ""), settings.get("PASSWORD", ""),
                        settings.get("HOST", ""), int(port) if port else None)
        return cls(server, token=str(settings["NAME"]).split("_")[1])

    def name(self, purpose: str) -> str:
        return f"tutor_{self.token}_{purpose}"

    def _connect(self):
        require_driver(self.server)
        import psycopg

        try:
            return psycopg.connect(dbname="postgres", user=self.server.user or None,
                                   password=self.server.password or None,
                                   host=self.server.host or None, port=self.server.port,
                                   autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as error:
            raise _connection_error(self.server, error) from None

    def _run(self, *statements: tuple[str, tuple]) -> list:
        import psycopg

        rows = []
        with self._connect() as connection:
            try:
                for sql, params in statements:
                    cursor = connection.execute(sql, params)
                    rows = cursor.fetchall() if cursor.description else rows
            except psycopg.errors.InsufficientPrivilege as error:
                raise BackendError(
                    f"{self.server.user or 'That user'} may not create databases on "
                    f"{self.server.shown()}: {str(error).strip()}",
                    "Give the user the right (`ALTER ROLE ... CREATEDB`), or name another "
                    "user in the URL.") from None
        return rows

    def mark_of(self, name: str) -> str | None:
        """The comment of the database (None: there is no such database)."""
        rows = self._run(("SELECT pg_catalog.shobj_description(oid, 'pg_database') "
                          "FROM pg_catalog.pg_database WHERE datname = %s", (name,)))
        return (rows[0][0] or "") if rows else None

    def is_ours(self, name: str) -> bool:
        mark = self.mark_of(name)
        return mark is not None and mark.startswith(f"{MARK} {self.token} ")

    def create(self, name: str, mark: int) -> None:
        """Create an empty database of the tutor's, marked (`mark` tells one build from the
        next, as the mark in an SQLite file's header does)."""
        from psycopg import sql

        self.drop(name)
        ident = sql.Identifier(name)
        self._run((sql.SQL("CREATE DATABASE {}").format(ident), ()),
                  (sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                      ident, sql.Literal(f"{MARK} {self.token} {mark}")), ()))

    def drop(self, name: str) -> None:
        """Drop a database the tutor made; one it did not make is never touched."""
        from psycopg import sql

        mark = self.mark_of(name)
        if mark is None:
            return
        if not mark.startswith(f"{MARK} {self.token} "):
            raise BackendError(
                f"A database {name!r} exists on {self.server.shown()} and was not made by "
                "this tutor home, so the tutor will not touch it.",
                "Drop or rename it yourself, or use another --home.")
        self._run((sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)), ()))

    def drop_all(self) -> None:
        """Drop every database this home's tutor made on the server (its sandbox, its kept
        starts): for a home that goes."""
        rows = self._run(("SELECT datname FROM pg_catalog.pg_database WHERE "
                          "pg_catalog.shobj_description(oid, 'pg_database') LIKE %s",
                          (f"{MARK} {self.token} %",)))
        for (name,) in rows:
            self.drop(name)

    def copy(self, source: str, target: str) -> None:
        """Make `target` a copy of `source` (one of the tutor's), with the same mark: a start
        kept as a template comes back as the database the lesson's start state was read in."""
        import psycopg
        from psycopg import sql

        mark = self.mark_of(source)
        self.drop(target)
        create = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(target),
                                                                  sql.Identifier(source))
        terminate = ("SELECT pg_catalog.pg_terminate_backend(pid) FROM "
                     "pg_catalog.pg_stat_activity WHERE datname = %s AND "
                     "pid <> pg_catalog.pg_backend_pid()", (source,))
        try:  # a small database copies fastest file by file (PostgreSQL 15 and later)
            self._run(terminate, (create + sql.SQL(" STRATEGY FILE_COPY"), ()))
        except psycopg.errors.SyntaxError:
            self._run(terminate, (create, ()))
        self._run((sql.SQL("COMMENT ON DATABASE {} IS {}").format(
            sql.Identifier(target), sql.Literal(mark or "")), ()))

    def rename(self, old: str, new: str) -> None:
        from psycopg import sql

        self.drop(new)
        # A reader that read the build may still hold a connection to it: a rename needs none.
        self._run(("SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity "
                   "WHERE datname = %s AND pid <> pg_catalog.pg_backend_pid()", (old,)),
                  (sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                      sql.Identifier(old), sql.Identifier(new)), ()))


def _connection_error(server: Server, error) -> BackendError:
    text = str(error).strip()
    lowered = text.lower()
    if "password authentication failed" in lowered or "role" in lowered \
            and "does not exist" in lowered or "no password supplied" in lowered:
        return BackendError(f"The server at {server.shown()} refused the credentials of "
                            f"{server.user or 'the default user'}: {text}",
                            "Check the user and password in the URL.")
    return BackendError(f"The database server at {server.shown()} cannot be reached: {text}",
                        "Start the server, or check the host and port in the URL.")


def mark_number(comment: str | None) -> int | None:
    """The build's mark in a database comment the tutor wrote (None: not the tutor's)."""
    parts = (comment or "").split()
    if len(parts) == 3 and parts[0] == MARK and parts[2].isdigit():
        return int(parts[2])
    return None

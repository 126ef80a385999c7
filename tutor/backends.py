"""Where the sandbox's own database lives: an SQLite file in the sandbox (the default, nothing
to install), or a throwaway database on a server the learner names with `--database URL` (or
`TUTOR_DATABASE`): `postgresql://USER@HOST[:PORT]/`, or `mysql://USER@HOST[:PORT]/` for MariaDB
(`mariadb://` reads the same).

This module reads and remembers that choice; `server_databases.py` makes, copies and drops the
tutor's own databases on the server. The drivers are optional extras, imported only when a
server is used: psycopg 3 for PostgreSQL; mysqlclient for MariaDB, or the pure-Python PyMySQL
where mysqlclient cannot be built (the sandbox's settings put it in mysqlclient's place).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .exceptions import TutorError
from .home_layout import DATABASE

# hashlib and urllib are imported where they are used: `tutor lessons` on an SQLite home,
# which only looks for the remembered server, pays for neither.

SQLITE = "sqlite"
VARIABLE = "TUTOR_DATABASE"
# A URL's scheme, and the vendor it names: Django's own names for them.
SCHEMES = {"postgresql": "postgresql", "postgres": "postgresql", "mysql": "mysql",
           "mariadb": "mysql"}
ENGINES = {"postgresql": "django.db.backends.postgresql", "mysql": "django.db.backends.mysql"}


@dataclass(frozen=True)
class Driver:
    modules: tuple[str, ...]  # any one of them will do
    extra: str  # the project's extra that installs the first
    advice: str = ""


DRIVERS = {
    "postgresql": Driver(("psycopg",), "postgresql"),
    "mysql": Driver(("MySQLdb", "pymysql"), "mysql",
                    ' Where mysqlclient cannot be built (it needs a C compiler and the '
                    'MariaDB client headers), `python -m pip install "migration-tutor'
                    '[mysql-pure]"` gives the pure-Python PyMySQL in its place.'),
}
DRIVER_NAMES = {"psycopg": "psycopg", "MySQLdb": "mysqlclient", "pymysql": "PyMySQL"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MariaDB/MySQL"}
URL_FORMS = {"postgresql": "postgresql://USER@HOST[:PORT]/", "mysql": "mysql://USER@HOST[:PORT]/"}


class BackendError(TutorError):
    """The server cannot be used: no driver, unreachable, refused, or not allowed."""


@dataclass(frozen=True)
class Server:
    vendor: str  # "postgresql" or "mysql" (MariaDB, or MySQL)
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

    def same_place(self, other: "Server | None") -> bool:
        """Whether `other` is this server (its databases are the same ones), whoever logs in."""
        return other is not None and (self.vendor, self.host or "localhost", self.port) == (
            other.vendor, other.host or "localhost", other.port)

    @classmethod
    def from_settings(cls, settings: dict) -> "Server":
        """The server a Django `DATABASES` entry the tutor wrote points at."""
        vendor = next(v for v, engine in ENGINES.items() if engine == settings["ENGINE"])
        port = settings.get("PORT")
        return cls(vendor, settings.get("USER", ""), settings.get("PASSWORD", ""),
                   settings.get("HOST", ""), int(port) if port else None)

    def django_settings(self, name: str) -> dict:
        settings = {"ENGINE": ENGINES[self.vendor], "NAME": name, "USER": self.user,
                    "PASSWORD": self.password, "HOST": self.host}
        if self.port:
            settings["PORT"] = str(self.port)
        if self.vendor == "mysql":  # every character a learner may type (the server's own
            settings["OPTIONS"] = {"charset": "utf8mb4"}  # sql_mode is kept: it is theirs)
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
            f"Leave the name out: `{URL_FORMS[vendor]}`.")
    return Server(vendor, unquote(parts.username or ""), unquote(parts.password or ""),
                  parts.hostname or "", port)


def vendor_of(url: str) -> str:
    """The vendor of a URL the tutor wrote ("sqlite", or a server's)."""
    return SCHEMES.get(url.partition("://")[0].lower(), SQLITE)


_URL_ADVICE = ("Give `postgresql://USER[:PASSWORD]@HOST[:PORT]/`, "
               "`mysql://USER[:PASSWORD]@HOST[:PORT]/` (MariaDB), or `sqlite` for the "
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
    from .files import read_json

    try:
        data = read_json(home / DATABASE)  # (100 000 brackets deep: damaged, not a crash)
        return parse(data["url"]) if isinstance(data, dict) else None
    except (OSError, ValueError, KeyError, TypeError, TutorError):
        return None


def remember(home: Path, server: Server | None) -> None:
    from .files import write_atomically

    if server is None:
        (home / DATABASE).unlink(missing_ok=True)
        return
    text = json.dumps({"url": server.url()}) + "\n"
    try:
        if (home / DATABASE).read_text(encoding="utf-8") == text:
            return  # chosen again (TUTOR_DATABASE is read at every build and check)
    except OSError:
        pass
    from .paths import claim_home

    claim_home(home)  # the choice may be the first thing a new home holds
    write_atomically(home / DATABASE, text)
    (home / DATABASE).chmod(0o600)  # it may hold a password


def require_driver(server: Server) -> str:
    """The name of the driver module the server is reached with (the first installed)."""
    import importlib.util

    driver = DRIVERS[server.vendor]
    for module in driver.modules:
        if importlib.util.find_spec(module) is not None:
            return module
    name = DRIVER_NAMES[driver.modules[0]]
    raise BackendError(f"The {VENDOR_NAMES[server.vendor]} driver ({name}) is not installed.",
                       f'Install it: `python -m pip install "migration-tutor[{driver.extra}]"`.'
                       + driver.advice)


def home_token(home: Path) -> str:
    import hashlib

    return hashlib.sha256(str(home.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:12]

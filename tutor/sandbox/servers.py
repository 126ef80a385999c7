"""A sandbox whose own database lives on a server (`tutor --database`): the block of its
settings that points `default` at the tutor's database there, and the names of the
template databases that keep its starts and step copies. On SQLite none of this applies:
the database is a file in the sandbox."""

from __future__ import annotations

import re
from pathlib import Path

SERVER_BLOCK = "# The sandbox's own database, on a server (tutor --database):"

# Django's MariaDB backend imports mysqlclient (MySQLdb); where only PyMySQL is installed, it
# stands in (the tutor's `mysql-pure` extra).
PURE_PYTHON_MYSQL = [
    "try:  # mysqlclient, or the pure-Python PyMySQL in its place",
    "    import MySQLdb  # noqa: F401",
    "except ImportError:",
    "    import pymysql",
    "",
    "    pymysql.install_as_MySQLdb()",
]


def chosen_server(home: Path):
    """The database server the home's sandboxes are built on (None: SQLite, a file in the
    sandbox); see `backends.py`."""
    from ..backends import chosen

    return chosen(home)


def server_databases(home: Path):
    """The server the home's sandboxes are built on and the tutor's own databases there, or
    (None, None) for SQLite."""
    server = chosen_server(home)
    if server is None:
        return None, None
    from ..server_databases import OwnedDatabases

    return server, OwnedDatabases.on(server, home)


def declare_server(folder: Path, server, name: str) -> None:
    """Point the sandbox's `default` database at the tutor's own database on a server (a
    reset from a kept start writes the block again, with the name of the start's copy)."""
    settings = folder / "shop" / "settings.py"
    lines = settings.read_text(encoding="utf-8").splitlines()
    line = f'DATABASES["default"] = {server.django_settings(name)!r}'
    if SERVER_BLOCK in lines:
        lines[lines.index(SERVER_BLOCK) + 1] = line
    else:
        lines += ["", SERVER_BLOCK, line]
        if server.vendor == "mysql":
            lines += PURE_PYTHON_MYSQL
    if server.password:  # a secret: for the learner's eyes only (before it is written)
        settings.chmod(0o600)
    settings.write_text("\n".join(lines) + "\n", encoding="utf-8")


def declared_database(folder: Path):
    """(the server, the database's name) that the sandbox's settings name; None for SQLite,
    no sandbox, or settings the learner rewrote."""
    import ast

    try:
        lines = (folder / "shop" / "settings.py").read_text(encoding="utf-8").splitlines()
        settings = ast.literal_eval(lines[lines.index(SERVER_BLOCK) + 1].partition("=")[2]
                                    .strip())
        from ..backends import Server

        return Server.from_settings(settings), str(settings["NAME"])
    except (OSError, ValueError, SyntaxError, IndexError, KeyError, TypeError,
            AttributeError, StopIteration):
        return None


def template(owned, snapshot: Path) -> str:
    """The template database on the server that keeps a snapshot's start (or, for a step
    copy `<lesson>-<key>-stepN`, that step's sandbox)."""
    name, step = snapshot.name, ""
    if re.search(r"-step\d+$", name):
        name, _, step = name.rpartition("-")
    return owned.name("t" + name.rsplit("-", 1)[-1][:16] + step.replace("step", "s"))

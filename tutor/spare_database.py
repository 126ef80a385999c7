"""A reset on a server takes a database made ready for it beforehand: the spare.

On a server, copying a lesson's kept start (PostgreSQL's `CREATE DATABASE ... TEMPLATE`,
MariaDB's table-by-table copy) costs a few hundred milliseconds, and merely importing the
driver costs 140-200 ms (psycopg 3.3) or 60-90 ms (PyMySQL): each alone more than a reset may
take (0.3x a `migrate`). So every build on a server leaves a worker behind it (this module, run
as `python -m tutor.spare_database`), which in the background drops the database the sandbox
used before and copies the start once more, into a database of a new name: the spare. The next
reset of that lesson says nothing to the server: it points the sandbox's settings at the spare
(`HOME/server-spare.json` names it, and the start it is a copy of).

Builds and the worker take turns with the spare lock (`HOME/.spare-lock`). A build hands its
lock to its worker without ever letting go of it, so whoever takes the lock next finds the
worker's work done: the next build, `drop_home` (a home that goes), a test.

Each sandbox database has a name of its own (`tutor_<home>_db<8 hex digits>`), so that the
worker can drop the ones left behind by name without touching the one in use, the kept starts
(`tutor_<home>_t...`), or a check's scratch database (`tutor_<home>_fresh`).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

from .exceptions import TutorError
from .lock import HeldLock, file_lock, write_holder
from .home_layout import SPARE, SPARE_LOCK, SPARE_LOG

WAIT_SECONDS = 120.0  # a worker copies one small database: seconds at the very most


class SpareBusy(TutorError):
    def __init__(self, home: Path, holder: str):
        super().__init__(
            f"The tutor{holder} is still preparing the next reset's database for {home}, "
            "and has not finished in two minutes.",
            "Check that the database server answers (its log says why it is slow); the "
            f"worker's last error, if any, is in {home / SPARE_LOG}.")


@contextlib.contextmanager
def spare_turn(home: Path) -> Iterator[HeldLock]:
    """Hold the spare lock: no worker of this home is running meanwhile."""
    with file_lock(home / SPARE_LOCK, WAIT_SECONDS,
                   lambda holder: SpareBusy(home, holder)) as held:
        yield held


def wait_for_worker(home: Path) -> None:
    """Return once the worker the last build left behind is done (it holds the lock till
    then)."""
    with spare_turn(home):
        pass


def new_database_name(owned) -> str:
    """A name for a sandbox database, never used before in this home."""
    return owned.name("db" + os.urandom(4).hex())


def is_sandbox_database(owned, name: str) -> bool:
    """One of the home's sandbox databases (used now, left behind, or spare), by its name;
    `sandbox` and `new` are the names an earlier version of the tutor used."""
    return name.startswith(owned.name("db")) or name in (owned.name("sandbox"),
                                                         owned.name("new"))


def _read(home: Path) -> dict:
    from .files import read_json

    try:
        data = read_json(home / SPARE)
    except (OSError, ValueError):  # (100 000 brackets deep too: no spare, not a crash)
        return {}
    return data if isinstance(data, dict) else {}


def _spare_of(home: Path, server, template: str) -> str | None:
    data = _read(home)
    name = data.get("name")
    if data.get("server") == server.shown() and data.get("template") == template \
            and isinstance(name, str):
        return name
    return None


def is_ready(home: Path, server, template: str) -> bool:
    """A spare copy of `template` on `server` waits for the next reset (known without asking
    the server: the worker wrote this once the copy was whole)."""
    return _spare_of(home, server, template) is not None


def take(home: Path, server, template: str) -> str | None:
    """The spare copy of `template`, now the caller's to use (None: there is none). Called
    with the spare lock held."""
    name = _spare_of(home, server, template)
    if name is not None:  # no one else takes it; if the build fails, the worker drops it
        forget(home)
    return name


def forget(home: Path) -> None:
    """No spare any more (its database is being dropped)."""
    (home / SPARE).unlink(missing_ok=True)


def drop_home(server, home: Path) -> None:
    """Drop every database the home's tutor made on `server`, once a worker still making a
    spare has finished (else it would make one after the others went)."""
    from .server_databases import OwnedDatabases

    with spare_turn(home) if home.is_dir() else contextlib.nullcontext():
        forget(home)
        OwnedDatabases.on(server, home).drop_all()


def start_worker(home: Path, held: HeldLock, template: str, keep: str) -> None:
    """Leave a worker behind: it drops the home's sandbox databases other than `keep` and
    makes a spare copy of `template`, holding the lock `held` until it is done."""
    from .backends import VARIABLE

    command = [sys.executable, "-m", "tutor.spare_database", str(home), template, keep]
    fds: tuple[int, ...] = ()
    if held.can_hand_over:
        command.append(str(held.fileno))
        fds = (held.fileno,)
    # The worker reads the server the home remembers, never one from the environment.
    environment = {k: v for k, v in os.environ.items()
                   if k not in (VARIABLE, "DJANGO_SETTINGS_MODULE")}
    try:
        subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, pass_fds=fds, close_fds=True,
                         start_new_session=True, env=environment, cwd=str(home))
    except OSError as error:  # no worker: the next reset copies the start itself
        _log(home, f"the worker did not start: {error}")
        return
    if fds:
        held.keep_open_for_child()


def make_spare(home: Path, template: str, keep: str) -> None:
    """The worker's job (with the spare lock held): drop what the sandbox used before, then
    copy the kept start into a new spare."""
    from .backends import chosen
    from .files import write_atomically
    from .server_databases import OwnedDatabases

    server = chosen(home)
    if server is None:
        return
    owned = OwnedDatabases.on(server, home)
    forget(home)
    names = owned.names()
    for name in names:
        if is_sandbox_database(owned, name) and name != keep:
            owned.drop(name)
    if not owned.is_ours(template):  # the home's databases went meanwhile
        return
    if keep not in names:
        # The reset took a spare that was dropped by hand after it was made: the sandbox
        # points at no database, so the start is copied under that name now.
        owned.copy(template, keep)
    name = new_database_name(owned)
    owned.copy(template, name)
    write_atomically(home / SPARE, json.dumps(
        {"server": server.shown(), "template": template, "name": name}) + "\n")


def _log(home: Path, text: str) -> None:
    with contextlib.suppress(OSError):
        (home / SPARE_LOG).write_text(text.rstrip() + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    home, template, keep = Path(argv[0]), argv[1], argv[2]
    if not home.is_dir():
        return 0
    try:
        if len(argv) > 3:  # the lock, handed over by the build: already held
            with os.fdopen(int(argv[3]), "a+", encoding="utf-8") as handle:
                write_holder(handle)
                make_spare(home, template, keep)
        else:
            with spare_turn(home):
                make_spare(home, template, keep)
    except Exception as error:  # noqa: BLE001 - a worker has no one to tell but its log
        _log(home, f"{type(error).__name__}: {error}")
        return 1
    (home / SPARE_LOG).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Where a class is kept: its join code and instructor's key, its learners (each with the
hash of their token and their summary), every event they sent, and the room's step.

SQLite by default (a file on the instructor's laptop, in WAL mode: an event is answered only
once it is committed, so a server killed mid-class loses nothing it acknowledged); a
`postgresql://` URL for a course that outgrows one laptop. The same SQL serves both (`?` is
turned into psycopg's `%s`). One server at a time owns a store: a second is refused, since
each keeps the room in memory.

A SQLite store holds the join code and the instructor's key: its file (and SQLite's journal
files beside it, which take the file's mode) is owner-only (0600) whatever the umask, and a
folder made for it is 0700.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..exceptions import TutorError

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS tutor_class (
        id TEXT PRIMARY KEY, code TEXT NOT NULL, instructor_key TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL, target TEXT)""",
    """CREATE TABLE IF NOT EXISTS tutor_class_learner (
        id TEXT PRIMARY KEY, class_id TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL, joined_at DOUBLE PRECISION NOT NULL, summary TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS tutor_class_event (
        learner_id TEXT NOT NULL, event_id TEXT NOT NULL, kind TEXT NOT NULL,
        at DOUBLE PRECISION NOT NULL, received_at DOUBLE PRECISION NOT NULL,
        data TEXT NOT NULL, PRIMARY KEY (learner_id, event_id))""",
    "CREATE INDEX IF NOT EXISTS tutor_class_event_at ON tutor_class_event (learner_id, at)",
    # Tokens of learners the instructor removed: they never join the class again.
    """CREATE TABLE IF NOT EXISTS tutor_class_removed (
        class_id TEXT NOT NULL, token_hash TEXT NOT NULL, removed_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (class_id, token_hash))""",
]
# Letters and digits no one misreads on a projector (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class StoreError(TutorError):
    """The class cannot be kept where it was asked to be: a file that cannot be made or
    opened, one another server holds, a database that cannot be reached."""


@dataclass
class ClassInfo:
    """One class: its join code, the instructor's key, and the room's step (`target`)."""

    id: str
    code: str            # normalised: upper case, no dash
    instructor_key: str
    created_at: float
    target: dict | None

    @property
    def shown_code(self) -> str:
        half = len(self.code) // 2
        return f"{self.code[:half]}-{self.code[half:]}"


@dataclass
class LearnerRow:
    """A learner as the store keeps them: their id, their token's hash (never the token),
    and the summary the room made of their events (`room.py`)."""

    id: str
    token_hash: str
    summary: dict


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def owner_only(path: Path) -> None:
    """Make `path` (when missing) and keep it readable by its owner only: it holds secrets."""
    import os

    handle = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(handle)
    if os.name != "nt":
        os.chmod(path, 0o600)


def token_hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode("ascii")).hexdigest()


class Store:
    """One connection, used by one thread at a time (the server's storage thread)."""

    def __init__(self, location: str):
        self.location = location
        self.is_postgresql = location.startswith(("postgresql://", "postgres://"))
        self._owner = None
        if self.is_postgresql:
            self.connection = self._connect_postgresql(location)
        else:
            self.connection = self._connect_sqlite(Path(location).expanduser())
        self._mutex = threading.Lock()
        with self._mutex:
            for statement in SCHEMA:  # (both connections commit each statement by itself)
                self._execute(statement)

    # --- connections ----------------------------------------------------------------------

    def _connect_sqlite(self, path: Path):
        from ..lock import file_lock

        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            owner_only(path)
        except OSError as error:
            raise StoreError(f"The class's file cannot be made at {path}: "
                             f"{error.strerror or error}.", "Give --db a folder you can "
                             "write.") from None
        # A second server on the same file would keep another room in memory.
        self._owner = file_lock(path.with_name(path.name + ".lock"), 0.2,
                                lambda holder: StoreError(
                                    f"Another class server{holder} is using {path}.",
                                    "Stop it first, or give this one another --db."))
        self._owner.__enter__()
        try:
            connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL survives the server's crash (not the laptop's power cut).
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA busy_timeout=5000")
        except sqlite3.Error as error:
            self._owner.__exit__(None, None, None)
            raise StoreError(f"{path} cannot be used for the class: {error}.",
                             "Give --db another file.") from None
        return connection

    def _connect_postgresql(self, url: str):
        try:
            import psycopg
        except ImportError:
            raise StoreError("A class kept on PostgreSQL needs psycopg.",
                             "Install it: pip install 'migration-tutor[postgresql]'.") from None
        try:
            connection = psycopg.connect(url, autocommit=True, connect_timeout=10)
            taken = connection.execute(
                "SELECT pg_try_advisory_lock(hashtext('tutor-class'))").fetchone()[0]
        except psycopg.Error as error:
            raise StoreError(f"The class's database cannot be reached: "
                             f"{str(error).strip().splitlines()[0]}.",
                             "Check the URL given to --db, and that the server runs.") from None
        if not taken:
            connection.close()
            raise StoreError("Another class server is using that database.",
                             "Stop it first, or give this one another database.")
        return connection

    def close(self) -> None:
        with self._mutex:
            self.connection.close()
            if self._owner is not None:
                self._owner.__exit__(None, None, None)
                self._owner = None

    # --- SQL, the same for both -------------------------------------------------------------

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self.is_postgresql else statement

    def _execute(self, statement: str, parameters: tuple = ()):
        return self.connection.execute(self._sql(statement), parameters)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self.connection.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    # --- the class --------------------------------------------------------------------------

    def open_class(self, new: bool = False) -> ClassInfo:
        """The class this store holds (the latest one), or a new one: with `new`, or when it
        holds none. An older class stays stored."""
        with self._mutex:
            row = None if new else self._execute(
                "SELECT id, code, instructor_key, created_at, target FROM tutor_class "
                "ORDER BY created_at DESC LIMIT 1").fetchone()
            if row is None:
                info = ClassInfo(secrets.token_hex(8), new_code(), secrets.token_urlsafe(18),
                                 time.time(), None)
                self._execute("INSERT INTO tutor_class (id, code, instructor_key, created_at, "
                              "target) VALUES (?, ?, ?, ?, NULL)",
                              (info.id, info.code, info.instructor_key, info.created_at))
                return info
            return ClassInfo(row[0], row[1], row[2], row[3],
                             json.loads(row[4]) if row[4] else None)

    def set_target(self, class_id: str, target: dict | None) -> None:
        with self._mutex:
            self._execute("UPDATE tutor_class SET target = ? WHERE id = ?",
                          (json.dumps(target) if target else None, class_id))

    # --- learners ----------------------------------------------------------------------------

    def learners(self, class_id: str) -> list[LearnerRow]:
        with self._mutex:
            rows = self._execute("SELECT id, token_hash, summary FROM tutor_class_learner "
                                 "WHERE class_id = ?", (class_id,)).fetchall()
        return [LearnerRow(row[0], row[1], json.loads(row[2])) for row in rows]

    def add_learner(self, class_id: str, learner_id: str, hashed: str, summary: dict) -> None:
        with self._mutex:
            self._execute("INSERT INTO tutor_class_learner (id, class_id, token_hash, name, "
                          "joined_at, summary) VALUES (?, ?, ?, ?, ?, ?)",
                          (learner_id, class_id, hashed, summary["name"],
                           summary["joined_at"], json.dumps(summary)))

    def save_summary(self, learner_id: str, summary: dict) -> None:
        with self._mutex:
            self._execute("UPDATE tutor_class_learner SET summary = ?, name = ? WHERE id = ?",
                          (json.dumps(summary), summary["name"], learner_id))

    def record(self, learner_id: str, events: list[tuple[str, str, float, float, dict]],
               summarise) -> tuple[list[int], dict | None]:
        """Store new events (id, kind, at, received_at, data) and the summary they make, in
        one transaction. `summarise(indexes)` is given the indexes of the events that were
        new (a retried one is there already) and returns the summary to keep, or None.
        Returns those indexes and that summary."""
        with self._mutex, self._transaction():
            fresh = []
            for index, (event_id, kind, at, received_at, data) in enumerate(events):
                cursor = self._execute(
                    "INSERT INTO tutor_class_event (learner_id, event_id, kind, at, "
                    "received_at, data) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (learner_id, event_id, kind, at, received_at, json.dumps(data)))
                if cursor.rowcount == 1:
                    fresh.append(index)
            summary = summarise(fresh) if fresh else None
            if summary is not None:
                self._execute("UPDATE tutor_class_learner SET summary = ? WHERE id = ?",
                              (json.dumps(summary), learner_id))
        return fresh, summary

    def removed_tokens(self, class_id: str) -> set[str]:
        with self._mutex:
            rows = self._execute("SELECT token_hash FROM tutor_class_removed WHERE class_id = ?",
                                 (class_id,)).fetchall()
        return {row[0] for row in rows}

    def remove_learner(self, class_id: str, learner_id: str, hashed: str) -> None:
        """A learner out of the class: their row and events go, their token is kept as
        refused."""
        with self._mutex, self._transaction():
            self._execute("DELETE FROM tutor_class_event WHERE learner_id = ?", (learner_id,))
            self._execute("DELETE FROM tutor_class_learner WHERE id = ?", (learner_id,))
            self._execute("INSERT INTO tutor_class_removed (class_id, token_hash, removed_at) "
                          "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                          (class_id, hashed, time.time()))

    def timeline(self, learner_id: str, limit: int = 300) -> list[dict]:
        with self._mutex:
            rows = self._execute(
                "SELECT kind, at, data FROM tutor_class_event WHERE learner_id = ? "
                "ORDER BY at DESC LIMIT ?", (learner_id, limit)).fetchall()
        return [dict(json.loads(data), kind=kind, at=at) for kind, at, data in rows]

    def event_count(self, class_id: str) -> int:
        with self._mutex:
            return self._execute(
                "SELECT COUNT(*) FROM tutor_class_event e JOIN tutor_class_learner l "
                "ON l.id = e.learner_id WHERE l.class_id = ?", (class_id,)).fetchone()[0]

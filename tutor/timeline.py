"""The undo timeline as a listener of the service: it takes a point of the sandbox (see
`history.py`) at each check and before each command, and starts afresh at each reset. A
point that cannot be taken is left out: recording never makes a command fail.

On a server the database is no file in the sandbox: a point is told apart by a digest of the
state read there (`state_key`) and keeps a copy of the database (`ServerDatabase`).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from .exceptions import TutorError
from .history import History
from .listeners import Checked, Listener, Reset

if TYPE_CHECKING:
    from .history import ServerDatabase
    from .sandbox import Sandbox
    from .state import SandboxState


def state_key(state: SandboxState) -> str:
    """A digest of a state read: the same for the same record, schema and rows (not the
    database's name, which a kept start read under another)."""
    import hashlib
    import json

    data = state.to_json()
    told = {key: data.get(key) for key in (
        "migrations", "tables", "rows", "row_counts", "orphans", "database_exists",
        "database_mark", "conflicts", "databases", "git_branch", "git_head")}
    return hashlib.sha256(json.dumps(told, sort_keys=True, default=str).encode()).hexdigest()


class Timeline(Listener):
    """The sandbox's timeline in one home: `history` keeps the points, this decides when
    one is taken and what it says."""

    def __init__(self, home: Path, sandbox: Sandbox):
        self.home, self.sandbox = home, sandbox
        self.history = History(home, sandbox.path)

    def take_point(self, did: str, step: int, changes: list[str] = (),
                   passed: list[int] = (), state: SandboxState | None = None,
                   shared_database: str = "") -> None:
        """A point of the timeline, when the sandbox changed since the last. A point that
        cannot be taken (a file the tutor may not read, a full disk, a server gone) is left
        out: a check never fails for it, and undo goes back to the points there are. On a
        server, a point needs the state read there (its database is no file to compare)."""
        if self.sandbox.built_on() == "sqlite":
            with contextlib.suppress(OSError):
                self.history.record(did, step, changes, passed)
            return
        server = self.server_database()
        if server is None or state is None:
            return
        with contextlib.suppress(Exception):  # a server's refusal too (its driver's errors)
            self.history.record(did, step, changes, passed, server=server,
                                state_key=state_key(state), shared_database=shared_database,
                                keep_database=state.database_exists)

    def server_database(self) -> ServerDatabase | None:
        """The sandbox's database on its server, as the timeline keeps copies of it."""
        built = self.sandbox.built_database()
        if built is None:
            return None
        from .history import ServerDatabase
        from .server_databases import OwnedDatabases

        return ServerDatabase(OwnedDatabases.on(built[0], self.home), built[1])

    def server_now(self, read_state) -> tuple:
        """On a server: its database as the timeline copies it, and a digest of the state
        `read_state()` reads now (and whether there is a database to copy). (None, "", True)
        on SQLite, where nothing is read."""
        if self.sandbox.built_on() == "sqlite":
            return None, "", True
        server = self.server_database()
        if server is None:
            raise TutorError("The sandbox's settings no longer name its database on "
                             f"{self.sandbox.built_on()}, so undo cannot restore it.",
                             "`tutor reset` starts the lesson over.")
        now_state = read_state()
        return server, state_key(now_state), now_state.database_exists

    # --- what the service tells ---------------------------------------------------------

    def checked(self, checked: Checked) -> None:
        if checked.fast_forward:
            return
        report = checked.report
        changes = list(report.changes)
        if checked.answered is not None:  # the timeline says what passed the step, as notes do
            question, answer = checked.answered
            changes.append(f'answered "{question}": {", ".join(answer) or "none of them"}')
        self.take_point(checked.did, checked.step, changes,
                        [index + 1 for index in report.passed_steps], report.state)

    def reset_built(self, reset: Reset) -> None:
        self.history.forget()  # undo never crosses a reset

    def reset_done(self, reset: Reset) -> None:
        if self.sandbox.built_on() == "sqlite":
            self.take_point(reset.label, reset.step - 1)
        elif reset.reached is None:  # on a server, the start's database is kept already
            self.take_point(reset.label, 0, state=self.sandbox.start_state(),
                            shared_database=self.sandbox.kept.start_database(reset.lesson))
        else:
            self.take_point(reset.label, reset.step - 1, state=reset.reached)

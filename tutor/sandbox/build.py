"""Builds a lesson's sandbox, replacing the previous one: beside it (`sandbox.new`, its
marker written first), from the lesson's kept start where there is one, else from the
template with real commands (`start.py`), and swapped in whole at the end, so that an
interrupted build never leaves a half-built sandbox in place. `recover` finishes or rolls
back a build that was cut short."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..exceptions import CommandFailed, ToolMissing, UnsafeHome
from ..home_layout import SANDBOX, SANDBOX_NEW, SANDBOX_OLD
from ..lessons import Lesson
from ..paths import claim_home
from ..reader import StateReader
from ..spare_database import new_database_name, spare_turn, start_worker, take
from ..state import DATABASE_FILE, StateUnreadable
from .disk import UNCHANGED, not_built
from .identity import SANDBOX_MARKER, is_ours, remove_tree, stands, swap_in
from .run import manage, write_python_shim
from .servers import declare_server, declared_database, server_databases, template
from .snapshots import Snapshots
from .start import copy_template, make_start, mark_database, new_mark

if TYPE_CHECKING:
    import subprocess


class Builder:
    """Builds one home's sandbox: `path`, built in `staging`, the one before kept as `old`
    while the new one is swapped in. `reader` reads the start it built, and runs its
    commands through the warm helper."""

    def __init__(self, home: Path, reader: StateReader):
        self.home, self.reader = home, reader
        self.path, self.staging, self.old = home / SANDBOX, home / SANDBOX_NEW, home / SANDBOX_OLD
        self.kept = Snapshots(home)

    def recover(self) -> list[Path]:
        """Finish or roll back a reset that was interrupted half-way; returns what stands
        where a reset keeps its work but is not the tutor's (left alone, for the learner to
        move away).

        A reset builds `sandbox.new`, renames `sandbox` to `sandbox.old`, renames the new one
        into place and deletes the old one. Cut anywhere, the sandbox is either still there or
        can be put back; what is left over is the tutor's own, inside its own home: a real
        folder (no link) that carries the tutor's marker, written before anything else.
        """
        if not stands(self.path) and is_ours(self.old):
            self.old.rename(self.path)
        foreign = []
        for leftover in (self.old, self.staging):
            if is_ours(leftover):
                remove_tree(leftover)
            elif stands(leftover):
                foreign.append(leftover)
        return foreign

    def build(self, lesson: Lesson, announce: Callable[[str], object] | None = None) -> list[str]:
        """Rebuild the sandbox in `lesson`'s starting state, replacing any previous one.
        Returns what to tell about the databases of a server the sandbox has left.
        `announce` hears, once every refusal is past, that a build with real commands begins
        (a start kept from before is copied, and said nothing of)."""
        missing = lesson.tools_missing()
        if missing:
            raise ToolMissing(missing[0], lesson_id=lesson.id)
        server, owned = server_databases(self.home)
        built = declared_database(self.path)
        previous = built[0] if built else None
        lesson.require_backend(server.vendor if server else "sqlite")
        claim_home(self.home)
        for foreign in [*self.recover(), *([self.path] if stands(self.path)
                                            and not is_ours(self.path) else [])]:
            raise UnsafeHome(
                f"{foreign} exists but was not made by the tutor, so it will not touch it.",
                "Move it away (or choose another --home), then run the command again.",
            )
        snapshot = self.kept.of(lesson, server)
        if owned is None:
            self._build_and_swap(lesson, snapshot, announce=announce)
        else:
            with spare_turn(self.home) as held:  # no worker meanwhile: see spare_database.py
                database = self._build_and_swap(lesson, snapshot, server, owned, announce)
                start_worker(self.home, held, template(owned, snapshot), keep=database)
        from ..left_servers import leave

        return leave(self.home, previous, server)

    def _build_and_swap(self, lesson: Lesson, snapshot: Path, server=None, owned=None,
                        announce: Callable[[str], object] | None = None) -> str | None:
        """Build into the staging folder and swap it into place; on a server, returns the
        name of the database the sandbox now uses. A build that fails leaves the sandbox as
        it was (its staging folder goes at once: on a full disk, it holds the space)."""
        try:
            database = self._build_staged(lesson, snapshot, server, owned, announce)
        except Exception as error:
            raise not_built(error, self.home, "the sandbox's rebuild", UNCHANGED,
                            self.staging) from None
        swap_in(self.staging, self.path)
        write_python_shim(self.home)
        return database

    def _build_staged(self, lesson: Lesson, snapshot: Path, server=None, owned=None,
                      announce: Callable[[str], object] | None = None) -> str | None:
        staging = self.staging
        # The marker first: an interrupted build is then known as the tutor's own.
        staging.mkdir()
        (staging / SANDBOX_MARKER).write_text('{"building": true}\n', encoding="utf-8")
        spare = self._take_spare(snapshot, server, owned)
        if spare is None and not self.kept.is_kept(snapshot, owned):
            if announce is not None:
                announce(f"Building the sandbox for {lesson.id} with real makemigrations and "
                         "migrate...")
            return self._build_new(lesson, snapshot, server, owned)
        shutil.copytree(snapshot, staging, dirs_exist_ok=True)
        if owned is None:
            return None
        # The start's database is kept on the server, as a template.
        database = spare
        if database is None:  # no spare made ready for it: copied now
            database = new_database_name(owned)
            owned.copy(template(owned, snapshot), database)
        declare_server(staging, server, database)
        return database

    def _build_new(self, lesson: Lesson, snapshot: Path, server, owned) -> str | None:
        """Build the lesson's start in the staging folder with real commands, and keep it."""
        staging = self.staging
        copy_template(staging)
        database = None
        if owned is not None:  # built in a database of its own
            database = new_database_name(owned)
            owned.create(database, new_mark())
            declare_server(staging, server, database)
        make_start(lesson, staging, self.home, self._manage)
        # (On a server, the database was marked as it was made: in its comment.)
        for file in [*([] if server else [DATABASE_FILE]),
                     *(d.file for d in lesson.start.databases)]:
            mark_database(staging / file)
        # The start state as it really is (start.commands may fake or unapply), so that a
        # check can tell "reverted too far" from "not applied yet", and compare rows with the
        # ones the lesson started with.
        try:
            start = self.reader.read(staging)
        except StateUnreadable as unreadable:  # the lesson's fault: its start is broken
            raise CommandFailed(f"Building the sandbox: Django cannot load the start of "
                                f"{lesson.id}.", str(unreadable)[-3000:]) from None
        (staging / SANDBOX_MARKER).write_text(
            json.dumps({"lesson": lesson.id, "start_state": start.to_json(),
                        "backend": server.shown() if server else "sqlite"}) + "\n",
            encoding="utf-8")
        self.kept.keep(staging, snapshot, owned, database)
        return database

    def _manage(self, folder: Path, args: list[str]) -> "subprocess.CompletedProcess":
        return manage(self.reader, folder, args)

    def _take_spare(self, snapshot: Path, server, owned) -> str | None:
        """The spare database a worker made ready for this start (None: none, or SQLite)."""
        if owned is None or not (snapshot / SANDBOX_MARKER).is_file():
            return None
        return take(self.home, server, template(owned, snapshot))

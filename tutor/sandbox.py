"""Builds, resets and runs commands in the learner's sandbox: a real Django project on SQLite.

A lesson's start state is made with Django's own commands (`makemigrations`, `migrate`), so
the migration files are exactly what the installed Django writes. The tutor only ever deletes
a folder that carries its marker file, and a reset is built beside the old sandbox and swapped
in at the end, so an interrupted reset never leaves a half-built sandbox in place.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .exceptions import CommandFailed, DiskFull, NoSandbox, ToolMissing, TutorError, UnsafeHome
from .files import fingerprint, read_json
from .home_layout import (BIN, SANDBOX, SANDBOX_NEW, SANDBOX_OLD, SNAPSHOT_SANDBOX, SNAPSHOT_SEEN,
                          SNAPSHOTS)
from .lessons import (EXTRA_APPS_FOLDER, Lesson, SolutionAction, StartApp, StartDatabase,
                      is_within)
from .paths import claim_home, resource_dir
from .reader import StateReader, sandbox_environment, shared_reader
from .spare_database import (is_ready, new_database_name, spare_turn, start_worker, take,
                             wait_for_worker)
from .state import DATABASE_FILE, SandboxState, StateUnreadable

if TYPE_CHECKING:
    import subprocess

SANDBOX_MARKER = ".tutor-sandbox"
_MARKERS: dict[Path, tuple[tuple, dict]] = {}  # a marker read, by its file's identity
# 2: the marker records the migrations applied at the start; 3: the whole start state and the
# database's mark.
SNAPSHOT_FORMAT = 3
APP = "store"
# What a full disk looks like in a child's output: the system's words, and SQLite's.
DISK_FULL_SIGNS = ("No space left on device", "database or disk is full", "Disk quota exceeded",
                   "[Errno 28]")
# A build that fails with less room than this left on the home's disk failed for want of it
# (a child's own words can be lost: a migrate's later error hides its first).
NO_ROOM_BYTES = 1 << 20
UNCHANGED = "Nothing was changed: the sandbox and your progress are as they were."


@dataclass(frozen=True)
class Sandbox:
    """The sandbox folder inside a tutor home, and the helpers that live beside it."""

    home: Path
    reader: StateReader = field(default_factory=shared_reader, compare=False, repr=False)

    @property
    def path(self) -> Path:
        return self.home / SANDBOX

    @property
    def bin_dir(self) -> Path:
        """Holds a `python` that runs the tutor's own interpreter, which has Django. It goes on
        the learner's PATH, where a folder whose path holds the PATH separator (`:`) would
        name two folders, neither of them this: then it is one of the tutor's own in the
        temporary folder, named after the home."""
        own = self.home / BIN
        if os.pathsep not in str(own):
            return own
        import hashlib
        import tempfile

        digest = hashlib.sha256(str(self.home).encode("utf-8", "surrogatepass")).hexdigest()
        user = os.getuid() if hasattr(os, "getuid") else 0
        return (Path(tempfile.gettempdir()) / f"migration-tutor-{user}-{digest[:16]}"
                / BIN)

    @property
    def python(self) -> str:
        return sys.executable

    def exists(self) -> bool:
        return (self.path / SANDBOX_MARKER).is_file()

    def _marker(self) -> dict:
        """The marker's contents; read again only once the file changed (a course of told
        lessons asks for it once per lesson, and it holds the whole start state)."""
        path = self.path / SANDBOX_MARKER
        try:
            found = path.stat()
            key = (found.st_ino, found.st_mtime_ns, found.st_size)
            cached = _MARKERS.get(path)
            if cached is not None and cached[0] == key:
                return cached[1]
            data = read_json(path)
        except (OSError, ValueError):  # (ValueError: DamagedJson, also 100 000 brackets deep)
            return {}
        data = data if isinstance(data, dict) else {}
        _MARKERS[path] = (key, data)
        return data

    def lesson_id(self) -> str | None:
        lesson = self._marker().get("lesson")
        return lesson if isinstance(lesson, str) else None

    def applied_at_start(self) -> set[str]:
        """The migrations applied when the lesson's sandbox was built (`app.name`, and
        `database:app.name` on the lesson's other databases)."""
        start = self.start_state()
        return start.applied_keys() if start else set()

    def start_state(self) -> SandboxState | None:
        """The state the lesson's sandbox was built in (None for a sandbox built before the
        tutor kept it, or a marker that cannot be read)."""
        data = self._marker().get("start_state")
        if not isinstance(data, dict):
            return None
        try:
            return SandboxState.from_json(data)
        except (KeyError, TypeError, ValueError):
            return None

    def require(self) -> Path:
        if not self.path.is_dir():
            raise NoSandbox(self.path)
        return self.path

    def read_state(self, *, fresh_build: bool = False,
                   releases: list[dict] = ()) -> SandboxState:
        return self.reader.read(self.require(), fresh_build=fresh_build, releases=releases)

    # --- building -------------------------------------------------------------------------

    def recover(self) -> list[Path]:
        """Finish or roll back a reset that was interrupted half-way; returns what stands
        where a reset keeps its work but is not the tutor's (left alone, for the learner to
        move away).

        A reset builds `sandbox.new`, renames `sandbox` to `sandbox.old`, renames the new one
        into place and deletes the old one. Cut anywhere, the sandbox is either still there or
        can be put back; what is left over is the tutor's own, inside its own home: a real
        folder (no link) that carries the tutor's marker, written before anything else.
        """
        if not _exists(self.path) and _is_ours(self._old):
            self._old.rename(self.path)
        foreign = []
        for leftover in (self._old, self._staging):
            if _is_ours(leftover):
                _remove_tree(leftover)
            elif _exists(leftover):
                foreign.append(leftover)
        return foreign

    @property
    def server(self):
        """The database server the sandbox's own database lives on (None: SQLite, a file in
        the sandbox); see `backends.py`."""
        from .backends import chosen

        return chosen(self.home)

    def _server_databases(self):
        """The server and the tutor's own databases on it, or (None, None) for SQLite."""
        server = self.server
        if server is None:
            return None, None
        from .server_databases import OwnedDatabases

        return server, OwnedDatabases.on(server, self.home)

    def built_on(self) -> str:
        """Where the built sandbox's own database is: "sqlite", or the server's URL (no
        password), as its marker records it."""
        return str(self._marker().get("backend") or "sqlite")

    def build(self, lesson: Lesson, announce: Callable[[str], object] | None = None) -> list[str]:
        """Rebuild the sandbox in `lesson`'s starting state, replacing any previous one.
        Returns what to tell about the databases of a server the sandbox has left.
        `announce` hears, once every refusal is past, that a build with real commands begins
        (a start kept from before is copied, and said nothing of)."""
        missing = lesson.tools_missing()
        if missing:
            raise ToolMissing(missing[0], lesson_id=lesson.id)
        server, owned = self._server_databases()
        previous = self.built_server()
        lesson.require_backend(server.vendor if server else "sqlite")
        claim_home(self.home)
        for foreign in [*self.recover(), *([self.path] if _exists(self.path)
                                            and not _is_ours(self.path) else [])]:
            raise UnsafeHome(
                f"{foreign} exists but was not made by the tutor, so it will not touch it.",
                "Move it away (or choose another --home), then run the command again.",
            )
        snapshot = self._snapshot(lesson, server)
        if owned is None:
            self._build(lesson, snapshot, announce=announce)
        else:
            with spare_turn(self.home) as held:  # no worker meanwhile: see spare_database.py
                database = self._build(lesson, snapshot, server, owned, announce)
                start_worker(self.home, held, _template(owned, snapshot), keep=database)
        from .left_servers import leave

        return leave(self.home, previous, server)

    def built_server(self):
        """The server the built sandbox's database is on, as its settings say (None: SQLite,
        or no sandbox)."""
        built = self.built_database()
        return built[0] if built else None

    def built_database(self):
        """(the server, the database's name) that the built sandbox's settings name; None
        for SQLite, no sandbox, or settings the learner rewrote."""
        import ast

        try:
            lines = (self.path / "shop" / "settings.py").read_text(encoding="utf-8").splitlines()
            settings = ast.literal_eval(lines[lines.index(SERVER_BLOCK) + 1].partition("=")[2]
                                        .strip())
            from .backends import Server

            return Server.from_settings(settings), str(settings["NAME"])
        except (OSError, ValueError, SyntaxError, IndexError, KeyError, TypeError,
                AttributeError, StopIteration):
            return None

    def _build(self, lesson: Lesson, snapshot: Path, server=None, owned=None,
               announce: Callable[[str], object] | None = None) -> str | None:
        """Build into the staging folder and swap it into place; on a server, returns the
        name of the database the sandbox now uses. A build that fails leaves the sandbox as
        it was (its staging folder goes at once: on a full disk, it holds the space)."""
        try:
            database = self._build_staged(lesson, snapshot, server, owned, announce)
        except Exception as error:
            raise self._not_built(error, "the sandbox's rebuild", UNCHANGED,
                                  self._staging) from None
        swap_in(self._staging, self.path)
        self.write_python_shim()
        return database

    def _not_built(self, error: Exception, doing: str, left: str, *partial: Path) -> Exception:
        """What to raise for a copy or build that failed: its partial folders deleted, and
        DiskFull (saying `left`: what is as it was) when the disk filled up, else the error
        itself."""
        for folder in partial:
            shutil.rmtree(folder, ignore_errors=True)
        if _disk_full(error) or _room_left(self.home) < NO_ROOM_BYTES:
            return DiskFull(doing, self.home, left)
        return error

    def _build_staged(self, lesson: Lesson, snapshot: Path, server=None, owned=None,
                      announce: Callable[[str], object] | None = None) -> str | None:
        staging = self._staging
        # The marker first: an interrupted build is then known as the tutor's own.
        staging.mkdir()
        (staging / SANDBOX_MARKER).write_text('{"building": true}\n', encoding="utf-8")
        database = None
        spare = self._take_spare(snapshot, server, owned)
        if spare is not None or self._has_snapshot(snapshot, owned):
            shutil.copytree(snapshot, staging, dirs_exist_ok=True)
            if owned is not None:  # the start's database is kept on the server, as a template
                database = spare
                if database is None:  # no spare made ready for it: copied now
                    database = new_database_name(owned)
                    owned.copy(_template(owned, snapshot), database)
                declare_server(staging, server, database)
        else:
            if announce is not None:
                announce(f"Building the sandbox for {lesson.id} with real makemigrations and "
                         "migrate...")
            shutil.copytree(resource_dir("sandbox_project"), staging, ignore=_not_template,
                            dirs_exist_ok=True)
            _make_writable(staging)
            if owned is not None:  # built in a database of its own
                database = new_database_name(owned)
                owned.create(database, _new_mark())
                declare_server(staging, server, database)
            self._make_start(lesson, staging)
            # (On a server, the database was marked as it was made: in its comment.)
            files = [*([] if server else [DATABASE_FILE]),
                     *(d.file for d in lesson.start.databases)]
            for file in files:
                _mark_database(staging / file)
            # The start state as it really is (start.commands may fake or unapply), so that a
            # check can tell "reverted too far" from "not applied yet", and compare rows with
            # the ones the lesson started with.
            try:
                start = self.reader.read(staging)
            except StateUnreadable as unreadable:  # the lesson's fault: its start is broken
                raise CommandFailed(f"Building the sandbox: Django cannot load the start of "
                                    f"{lesson.id}.", str(unreadable)[-3000:]) from None
            (staging / SANDBOX_MARKER).write_text(
                json.dumps({"lesson": lesson.id, "start_state": start.to_json(),
                            "backend": server.shown() if server else "sqlite"}) + "\n",
                encoding="utf-8")
            self._keep_snapshot(staging, snapshot, owned, database)
        return database

    def _take_spare(self, snapshot: Path, server, owned) -> str | None:
        """The spare database a worker made ready for this start (None: none, or SQLite)."""
        if owned is None or not (snapshot / SANDBOX_MARKER).is_file():
            return None
        return take(self.home, server, _template(owned, snapshot))

    # --- snapshots: a reset after the first build of a lesson copies instead of migrating ---

    @property
    def snapshots(self) -> Path:
        return self.home / SNAPSHOTS

    def has_snapshot(self, lesson: Lesson) -> bool:
        server, owned = self._server_databases()
        snapshot = self._snapshot(lesson, server)
        if owned is not None and (snapshot / SANDBOX_MARKER).is_file():
            if is_ready(self.home, server, _template(owned, snapshot)):
                return True  # (said without a word to the server: see spare_database.py)
        return self._has_snapshot(snapshot, owned)

    @staticmethod
    def _has_snapshot(snapshot: Path, owned) -> bool:
        """A kept start: its folder, with the marker a build writes last (one damaged since
        is no kept start: the lesson is built again, and kept anew), and on a server its
        template database too."""
        try:
            marker = read_json(snapshot / SANDBOX_MARKER)
        except (OSError, ValueError):
            return False
        return (isinstance(marker, dict) and isinstance(marker.get("lesson"), str)
                and isinstance(marker.get("start_state"), dict)
                and (owned is None or owned.is_ours(_template(owned, snapshot))))

    def _snapshot(self, lesson: Lesson, server) -> Path:
        """Where this lesson's start state is kept, under a key that changes whenever anything
        it is built from changes: the lesson and its files, the template, Django, Python."""
        def parts():
            yield f"{SNAPSHOT_FORMAT}|{sys.version_info[:2]}|".encode() + _django_identity()
            # The bytes that were read and trusted, not the files as they may be now.
            yield lesson.source or lesson.file.read_bytes()
            for name in lesson.start_resources():
                yield name.encode()
                yield lesson.resource_bytes(name)
            # A start kept on a server is kept apart from SQLite's.
            yield (server.shown() if server else "sqlite").encode()
            template = resource_dir("sandbox_project")
            for path in sorted(template.rglob("*")):
                if path.is_file() and not _not_template(str(path.parent), [path.name]):
                    yield str(path.relative_to(template)).encode()
                    yield path.read_bytes()

        return self.snapshots / f"{lesson.id}-{fingerprint(parts())}"

    def start_database(self, lesson: Lesson) -> str:
        """On a server, the kept start of the lesson: its template database ("" on SQLite)."""
        server, owned = self._server_databases()
        return _template(owned, self._snapshot(lesson, server)) if owned is not None else ""

    def step_copies(self, lesson: Lesson) -> Callable[[int], Path]:
        """Where the sandbox fast-forwarded to each step of the lesson is kept: its folder
        (and on a server its database too, as a template of the tutor's). The lesson's key
        is worked out once (it reads the lesson's files)."""
        snapshot = self._snapshot(lesson, self.server)
        return lambda step: snapshot.with_name(f"{snapshot.name}-step{step}")

    def has_step_copy(self, kept: Path) -> bool:
        if not ((kept / SNAPSHOT_SANDBOX).is_dir() and (kept / SNAPSHOT_SEEN).is_file()):
            return False
        _, owned = self._server_databases()
        return owned is None or owned.is_ours(_template(owned, kept))

    def restore_step_copy(self, kept: Path) -> None:
        """Put a kept step's sandbox in place, swapped in whole as a reset does; on a server,
        its database is copied under the name the sandbox uses now."""
        built = self.built_database()
        folder = kept / SNAPSHOT_SANDBOX
        staging = self._staging
        shutil.rmtree(staging, ignore_errors=True)
        try:
            staging.mkdir()
            shutil.copy2(folder / SANDBOX_MARKER, staging / SANDBOX_MARKER)  # first: the tutor's
            shutil.copytree(folder, staging, symlinks=True, dirs_exist_ok=True)
        except OSError as error:
            raise self._not_built(error, "the fast-forward", "The sandbox is at the lesson's "
                                  "start, as the reset left it.", staging) from None
        server, owned = self._server_databases()
        if owned is not None and built is not None:
            wait_for_worker(self.home)  # it may be copying under that name (a dropped spare)
            owned.copy(_template(owned, kept), built[1])
            declare_server(staging, server, built[1])
        swap_in(staging, self.path)
        self.write_python_shim()

    def keep_step_copy(self, kept: Path, seen: Path) -> None:
        """Keep the sandbox as it is now as step copy `kept` (with the steps' seen states).
        A copy the disk has no room for is not kept: it only saves the next fast-forward's
        time."""
        partial = kept.with_name(kept.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        try:
            shutil.copytree(self.path, partial / SNAPSHOT_SANDBOX, symlinks=True)
            shutil.copyfile(seen, partial / SNAPSHOT_SEEN)
        except OSError as error:
            shutil.rmtree(partial, ignore_errors=True)
            if _disk_full(error):
                return
            raise
        server, owned = self._server_databases()
        built = self.built_database()
        if owned is not None and built is not None:
            owned.copy(built[1], _template(owned, kept))
        shutil.rmtree(kept, ignore_errors=True)
        partial.rename(kept)

    def _keep_snapshot(self, built: Path, snapshot: Path, owned=None,
                       database: str | None = None) -> None:
        """Keep a copy of a fresh build (on a server, its database too, as a template); older
        snapshots of the same lesson go."""
        for old in self.snapshots.glob(f"{snapshot.name.rsplit('-', 1)[0]}-*"):
            if owned is not None and not old.name.endswith(".partial"):
                owned.drop(_template(owned, old))
            shutil.rmtree(old, ignore_errors=True)
        if owned is not None:
            owned.copy(database, _template(owned, snapshot))
        partial = snapshot.with_name(snapshot.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        try:
            shutil.copytree(built, partial)
        except OSError:
            shutil.rmtree(partial, ignore_errors=True)  # (on a full disk: its space back)
            raise
        partial.rename(snapshot)  # a snapshot exists whole or not at all

    def _make_start(self, lesson: Lesson, folder: Path) -> None:
        """Make the lesson's migrations with real makemigrations (or copy the ones the lesson
        ships), app by app, write its files, migrate each app to its applied migration, commit
        the start if the sandbox is a git repository, and run the lesson's start commands."""
        start = lesson.start
        if start.databases:
            _declare_databases(folder, start.databases)
        for app in start.apps:
            if app.name != APP:
                _add_app(folder, app.name)
            self._make_migrations(lesson, app, folder)
        for extra in start.files:
            path = folder / extra.path
            path.parent.mkdir(parents=True, exist_ok=True)
            if not is_within(path.parent, folder) or path.is_symlink():
                raise CommandFailed(f"Building the sandbox: {extra.path} leads out of the "
                                    "sandbox.", "The tutor writes only inside the sandbox.")
            path.write_text(lesson.resource(extra.source), encoding="utf-8")
        for app in start.apps:
            if app.applied != "zero":
                self._manage_or_fail(folder, ["migrate", app.name, app.applied, "--noinput"])
        for database in start.databases:
            # Every app's tables exist there only as far as its own history goes, as on a
            # teammate's laptop or a server: migrated app by app, in the start's app order.
            for app in start.apps:
                target = database.applied.get(app.name, "zero")
                if target != "zero":
                    self._manage_or_fail(folder, ["migrate", app.name, target, "--noinput",
                                                  "--database", database.name])
        if start.git:
            _start_repository(folder)
        for action in start.commands:
            status, output = self.perform(action, folder)
            if status != 0 and not action.fails:
                raise CommandFailed(f"Building the sandbox: `{action.describe()}` failed.",
                                    output[-3000:])

    def _make_migrations(self, lesson: Lesson, app: StartApp, folder: Path) -> None:
        models = folder / app.name / "models.py"
        for migration in app.migrations:
            target = folder / app.name / "migrations" / f"{migration.name}.py"
            if migration.source:
                target.write_text(lesson.resource(migration.source), encoding="utf-8")
                continue
            models.write_text(lesson.models_source(migration.models, app), encoding="utf-8")
            number, _, suffix = migration.name.partition("_")
            args = ["makemigrations", app.name, "--noinput"]
            if migration.name != "0001_initial":
                args += ["--name", suffix]
            self._manage_or_fail(folder, args)
            if not target.is_file():
                raise CommandFailed(
                    f"Building the sandbox: makemigrations did not write "
                    f"{app.name}/migrations/{migration.name}.py.",
                    f"Check {lesson.file}: its migrations must follow the models.",
                )
        models.write_text(lesson.models_source(app.models, app), encoding="utf-8")

    @property
    def _staging(self) -> Path:
        return self.home / SANDBOX_NEW

    @property
    def _old(self) -> Path:
        return self.home / SANDBOX_OLD

    def manage(self, folder: Path, args: list[str]) -> "subprocess.CompletedProcess":
        """`python manage.py ARGS` in `folder`, output captured: through the warm helper
        where it can (a fork, not a new Python), else a new process."""
        completed = self.reader.manage(folder, args)
        return completed if completed is not None else run_manage(folder, args, self.python,
                                                                  capture=True)

    def _manage_or_fail(self, folder: Path, args: list[str]) -> None:
        completed = self.manage(folder, args)
        if completed.returncode != 0 and any(sign in completed.stdout + completed.stderr
                                             for sign in DISK_FULL_SIGNS):
            raise DiskFull("the sandbox's rebuild", self.home, UNCHANGED)
        if completed.returncode != 0:
            raise CommandFailed(
                f"Building the sandbox: `python manage.py {' '.join(args)}` failed.",
                completed.stdout[-1500:] + completed.stderr[-1500:],
            )

    # --- running what the learner (or a solution) does -------------------------------------

    def write_python_shim(self) -> None:
        """Put a `python` (and `python3`) on the learner's PATH that has Django. What goes on
        the PATH is the learner's alone: a folder in the shared temporary folder is made
        private and must be theirs, and a shim is written anew, never through a link."""
        if os.name == "nt":
            self.bin_dir.mkdir(parents=True, exist_ok=True)
            for name in ("python.bat", "python3.bat"):
                (self.bin_dir / name).write_text(f'@"{self.python}" %*\r\n', encoding="utf-8")
            return
        if not self.bin_dir.is_relative_to(self.home):
            _private_folder(self.bin_dir.parent)
        self.bin_dir.mkdir(mode=0o700, exist_ok=True)
        for name in ("python", "python3"):
            shim = self.bin_dir / name
            shim.unlink(missing_ok=True)
            handle = os.open(shim, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                             | getattr(os, "O_NOFOLLOW", 0), 0o755)
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(f"#!/bin/sh\nexec {shlex.quote(self.python)} \"$@\"\n")

    def learner_environment(self) -> dict[str, str]:
        env = sandbox_environment(self.path)
        env["PATH"] = str(self.bin_dir) + os.pathsep + env.get("PATH", "")
        env["TUTOR_SANDBOX"] = str(self.path)
        return env

    def run_learner_command(self, command: str,
                            on_stderr: Callable[[str], object] | None = None,
                            on_still_running: Callable[[str], object] | None = None) -> int:
        """Run a command the learner typed, in the sandbox, attached to the terminal, so that
        Django's own questions can be answered. Its standard error goes to `on_stderr` as it
        comes, when given (to shorten tracebacks). Returns its exit status; a command that
        does not stop at Ctrl-C is said (`on_still_running`) and ends at a second one (see
        `attached.py`)."""
        self.write_python_shim()
        from .attached import run_attached

        return run_attached(command, self.require(), self.learner_environment(), on_stderr,
                            on_still_running)

    def perform(self, action: SolutionAction, folder: Path | None = None) -> tuple[int, str]:
        """Carry out one action of a reference solution (or of a lesson's start, in `folder`);
        returns its status and output."""
        sandbox = folder or self.require()
        if action.run:
            if action.is_git:
                completed = run_git(sandbox, shlex.split(action.run)[1:])
            else:
                args = shlex.split(action.run)[2:]  # drop "python manage.py"
                completed = self.manage(sandbox, args)
            return completed.returncode, completed.stdout + completed.stderr
        # Inside the sandbox only, also where a link in it leads elsewhere: a link itself
        # may be deleted (that changes nothing outside), not followed.
        if action.delete:
            target = sandbox / action.delete
            if not is_within(target.parent, sandbox):
                return 1, f"{action.delete} is outside the sandbox: the tutor leaves it alone.\n"
            if not (target.exists() or target.is_symlink()):
                return 1, f"{action.delete} does not exist.\n"
            if target.is_dir() and not target.is_symlink():
                return 1, f"{action.delete} is a folder, not a file.\n"
            target.unlink()
            return 0, ""
        target = sandbox / action.edit
        if not is_within(target, sandbox):
            return 1, f"{action.edit} is outside the sandbox: the tutor leaves it alone.\n"
        if not target.is_file():
            return 1, f"{action.edit} does not exist.\n"
        text = target.read_text(encoding="utf-8")
        if action.replace not in text:
            return 1, f"{action.edit} does not contain {action.replace!r}.\n"
        target.write_text(text.replace(action.replace, action.with_text, 1), encoding="utf-8")
        return 0, ""


def run_manage(folder: Path, args: list[str], python: str, *,
               capture: bool) -> "subprocess.CompletedProcess":
    """Run `python manage.py ARGS` in `folder` with the sandbox's environment."""
    import subprocess

    try:
        return subprocess.run(
            [python, "manage.py", *args], cwd=folder, env=sandbox_environment(folder),
            capture_output=capture, text=True, encoding="utf-8", errors="replace",
            stdin=subprocess.DEVNULL,
        )
    except OSError as error:
        raise TutorError(f"Could not run {python}: {error}",
                         "Reinstall the tutor so that its Python has Django.") from None


def run_git(folder: Path, args: list[str]) -> "subprocess.CompletedProcess":
    """Run `git ARGS` in the sandbox: its own repository, whatever the learner's settings."""
    import subprocess

    env = sandbox_environment(folder)
    # The learner's own git settings (hooks, signing, templates) must not change a build.
    env.update(GIT_TERMINAL_PROMPT="0", GIT_EDITOR="true", GIT_PAGER="cat",
               GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    try:
        return subprocess.run(["git", *args], cwd=folder, env=env, capture_output=True,
                              text=True, encoding="utf-8", errors="replace",
                              stdin=subprocess.DEVNULL)
    except OSError as error:
        raise ToolMissing("git", str(error)) from None


def _start_repository(folder: Path) -> None:
    """Make the sandbox a git repository whose `main` branch holds the lesson's start. The
    database and the tutor's files stay out of it: switching branches changes the migration
    files and models, never the database, just as in a real project."""
    (folder / ".gitignore").write_text(
        # Every database stays out of the shared code: each machine keeps its own.
        "db.sqlite3\n*.sqlite3\n__pycache__/\n*.pyc\n" + SANDBOX_MARKER + "\n",
        encoding="utf-8")
    for args in (["init", "-q"], ["symbolic-ref", "HEAD", "refs/heads/main"],
                 ["config", "user.name", "Migration Tutor"],
                 ["config", "user.email", "tutor@sandbox.invalid"],
                 ["config", "commit.gpgsign", "false"],
                 ["add", "-A"], ["commit", "-q", "-m", "The lesson's start"]):
        completed = run_git(folder, args)
        if completed.returncode != 0:
            raise CommandFailed(f"Building the sandbox: `git {' '.join(args)}` failed.",
                                completed.stdout[-1500:] + completed.stderr[-1500:])


def _add_app(folder: Path, app: str) -> None:
    """Copy an app from the template's extra_apps/ into the sandbox and install it."""
    shutil.copytree(resource_dir("sandbox_project") / EXTRA_APPS_FOLDER / app, folder / app,
                    ignore=_not_template)
    _make_writable(folder / app)
    settings = folder / "shop" / "settings.py"
    text = settings.read_text(encoding="utf-8")
    last = f'    "{APP}",\n]'
    if last not in text:
        raise CommandFailed(f"Building the sandbox: cannot add {app} to INSTALLED_APPS.",
                            f"{settings} no longer ends INSTALLED_APPS with {APP!r}.")
    settings.write_text(text.replace(last, f'    "{APP}",\n    "{app}",\n]'), encoding="utf-8")


def _not_template(folder: str, names: list[str]) -> set[str]:
    """What is never copied from the template: bytecode, a stray database, and the apps a
    lesson adds only when it asks for them."""
    return {n for n in names if n == "__pycache__" or n.endswith(".pyc") or n == "db.sqlite3"
            or (n == EXTRA_APPS_FOLDER and Path(folder).name == "sandbox_project")}


def _declare_databases(folder: Path, databases: list[StartDatabase]) -> None:
    """Add the lesson's other databases to the sandbox's settings, where the learner reads
    them: `DATABASES["teammate"] = ...`, an SQLite file beside db.sqlite3."""
    settings = folder / "shop" / "settings.py"
    lines = ["", "# This lesson's other databases, beside your own (`default`): each is an SQLite",
             "# file here, used with `--database NAME` (`python manage.py showmigrations "
             f"--database {databases[0].name}`)."]
    lines += [f'DATABASES["{d.name}"] = {{"ENGINE": "django.db.backends.sqlite3", '
              f'"NAME": BASE_DIR / "{d.file}"}}' for d in databases]
    with settings.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


SERVER_BLOCK = "# The sandbox's own database, on a server (tutor --database):"


def _template(owned, snapshot: Path) -> str:
    """The template database on the server that keeps a snapshot's start (or, for a step
    copy `<lesson>-<key>-stepN`, that step's sandbox)."""
    name, step = snapshot.name, ""
    if re.search(r"-step\d+$", name):
        name, _, step = name.rpartition("-")
    return owned.name("t" + name.rsplit("-", 1)[-1][:16] + step.replace("step", "s"))


def _private_folder(folder: Path) -> None:
    """Make `folder` (in a place every user may write) the learner's own, or refuse it: a
    folder someone else made, or a link, could put their program on the learner's PATH."""
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    found = os.lstat(folder)
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid() \
            or found.st_mode & 0o022:
        raise UnsafeHome(f"{folder} is not a folder of yours alone (a link, or another "
                         "user's), so the tutor will not put its python there.",
                         "Delete it if it is yours, or choose a --home whose path has no "
                         f"{os.pathsep!r}.")
    if found.st_mode & 0o077:
        folder.chmod(0o700)


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


def _new_mark() -> int:
    return int.from_bytes(os.urandom(4), "big") & 0x7FFFFFFF or 1


def _mark_database(database: Path) -> None:
    """Write a random mark into the start's database file (SQLite's `application_id`, which
    no Django command, dump or load touches), so that a check can tell the database the
    lesson began with from one made again: a lesson that says "keep the database" means it."""
    if not database.is_file():
        return
    import sqlite3
    from contextlib import closing

    mark = _new_mark()
    with closing(sqlite3.connect(database)) as connection:
        connection.execute(f"PRAGMA application_id = {mark}")
        connection.commit()


def _django_identity() -> bytes:
    """Which Django builds the sandboxes, without importing it (that costs a reset 0.1 s):
    django/__init__.py holds its VERSION."""
    import importlib.util

    spec = importlib.util.find_spec("django")
    if spec is None or spec.origin is None:
        return b"no django"
    return Path(spec.origin).read_bytes()


def swap_in(staging: Path, sandbox: Path) -> None:
    """Put a sandbox built beside the current one (`sandbox.new`) in its place; cut anywhere,
    `Sandbox.recover` finds the one or the other whole (`sandbox.old` is put back)."""
    old = sandbox.with_name(sandbox.name + ".old")
    if sandbox.exists():
        sandbox.rename(old)
    staging.rename(sandbox)
    if old.exists():
        shutil.rmtree(old)


def _disk_full(error: BaseException) -> bool:
    """An error of the disk filling up: ENOSPC (or a quota), also inside a copy's list of
    errors (shutil.Error) or a child's output (CommandFailed's advice)."""
    import errno

    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(error) + (error.advice if isinstance(error, TutorError) else "")
    return any(sign in text for sign in DISK_FULL_SIGNS)


def _room_left(place: Path) -> int:
    """Bytes free on the disk of `place` (or of its nearest folder that exists)."""
    for folder in (place, *place.parents):
        try:
            return shutil.disk_usage(folder).free
        except OSError:
            continue
    return NO_ROOM_BYTES


def _remove_tree(folder: Path) -> None:
    """Delete one of the tutor's own folders, waiting a little for a command that a killed
    tutor left writing in it (its helper ends within a tenth of a second)."""
    import time

    for attempt in range(10):
        try:
            shutil.rmtree(folder)
            return
        except FileNotFoundError:
            return
        except OSError:
            if attempt == 9:
                raise
            time.sleep(0.1)


def _is_ours(folder: Path) -> bool:
    """A real folder (not a link to one) that carries the tutor's marker."""
    return folder.is_dir() and not folder.is_symlink() and (folder / SANDBOX_MARKER).is_file()


def _exists(path: Path) -> bool:
    """Something stands there: a file, a folder, or a link (even a broken one)."""
    return path.exists() or path.is_symlink()


def _make_writable(folder: Path) -> None:
    """Files copied from a read-only install must be editable by the learner."""
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode | stat.S_IWUSR | (stat.S_IXUSR if path.is_dir() else 0))

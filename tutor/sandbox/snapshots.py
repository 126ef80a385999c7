"""The sandboxes a home keeps to save time: each lesson's start (a reset after a lesson's
first build copies it instead of migrating), and the sandbox at each step a fast-forward
reached. On a server, each keeps its database too, as a template database of the tutor's.

A kept start lives under a key that changes whenever anything it is built from changes, and
exists whole or not at all (it is copied as `.partial`, then renamed); one damaged since is
no kept start: the lesson is built again, and kept anew.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Callable

from ..files import fingerprint, read_json
from ..home_layout import SANDBOX, SANDBOX_NEW, SNAPSHOT_SANDBOX, SNAPSHOT_SEEN, SNAPSHOTS
from ..lessons import Lesson
from ..paths import resource_dir
from ..spare_database import is_ready, wait_for_worker
from .disk import disk_full, not_built
from .identity import SANDBOX_MARKER, swap_in
from .run import write_python_shim
from .servers import (chosen_server, declare_server, declared_database, server_databases,
                      template)
from .start import TEMPLATE, not_template

# 2: the marker records the migrations applied at the start; 3: the whole start state and the
# database's mark.
SNAPSHOT_FORMAT = 3


class Snapshots:
    """The kept starts and step copies of one home, for its sandbox."""

    def __init__(self, home: Path):
        self.home = home
        self.folder = home / SNAPSHOTS

    def of(self, lesson: Lesson, server) -> Path:
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
            project = resource_dir(TEMPLATE)
            for path in sorted(project.rglob("*")):
                if path.is_file() and not not_template(str(path.parent), [path.name]):
                    yield str(path.relative_to(project)).encode()
                    yield path.read_bytes()

        return self.folder / f"{lesson.id}-{fingerprint(parts())}"

    def has(self, lesson: Lesson) -> bool:
        """Whether the lesson's start is kept (on a server: or a spare copy of it is ready)."""
        server, owned = server_databases(self.home)
        snapshot = self.of(lesson, server)
        if owned is not None and (snapshot / SANDBOX_MARKER).is_file():
            if is_ready(self.home, server, template(owned, snapshot)):
                return True  # (said without a word to the server: see spare_database.py)
        return self.is_kept(snapshot, owned)

    @staticmethod
    def is_kept(snapshot: Path, owned) -> bool:
        """A kept start: its folder, with the marker a build writes last, and on a server its
        template database too."""
        try:
            marker = read_json(snapshot / SANDBOX_MARKER)
        except (OSError, ValueError):
            return False
        return (isinstance(marker, dict) and isinstance(marker.get("lesson"), str)
                and isinstance(marker.get("start_state"), dict)
                and (owned is None or owned.is_ours(template(owned, snapshot))))

    def keep(self, built: Path, snapshot: Path, owned=None, database: str | None = None) -> None:
        """Keep a copy of a fresh build (on a server, its database too, as a template); older
        snapshots of the same lesson go."""
        for old in self.folder.glob(f"{snapshot.name.rsplit('-', 1)[0]}-*"):
            if owned is not None and not old.name.endswith(".partial"):
                owned.drop(template(owned, old))
            shutil.rmtree(old, ignore_errors=True)
        if owned is not None:
            owned.copy(database, template(owned, snapshot))
        partial = snapshot.with_name(snapshot.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        try:
            shutil.copytree(built, partial)
        except OSError:
            shutil.rmtree(partial, ignore_errors=True)  # (on a full disk: its space back)
            raise
        partial.rename(snapshot)  # a snapshot exists whole or not at all

    def start_database(self, lesson: Lesson) -> str:
        """On a server, the kept start of the lesson: its template database ("" on SQLite)."""
        server, owned = server_databases(self.home)
        return template(owned, self.of(lesson, server)) if owned is not None else ""

    def step_copies(self, lesson: Lesson) -> Callable[[int], Path]:
        """Where the sandbox fast-forwarded to each step of the lesson is kept: its folder
        (and on a server its database too, as a template of the tutor's). The lesson's key
        is worked out once (it reads the lesson's files)."""
        snapshot = self.of(lesson, chosen_server(self.home))
        return lambda step: snapshot.with_name(f"{snapshot.name}-step{step}")

    def has_step_copy(self, kept: Path) -> bool:
        if not ((kept / SNAPSHOT_SANDBOX).is_dir() and (kept / SNAPSHOT_SEEN).is_file()):
            return False
        _, owned = server_databases(self.home)
        return owned is None or owned.is_ours(template(owned, kept))

    def restore_step_copy(self, kept: Path) -> None:
        """Put a kept step's sandbox in place, swapped in whole as a reset does; on a server,
        its database is copied under the name the sandbox uses now."""
        built = declared_database(self.home / SANDBOX)
        folder = kept / SNAPSHOT_SANDBOX
        staging = self.home / SANDBOX_NEW
        shutil.rmtree(staging, ignore_errors=True)
        try:
            staging.mkdir()
            shutil.copy2(folder / SANDBOX_MARKER, staging / SANDBOX_MARKER)  # first: the tutor's
            shutil.copytree(folder, staging, symlinks=True, dirs_exist_ok=True)
        except OSError as error:
            raise not_built(error, self.home, "the fast-forward", "The sandbox is at the "
                            "lesson's start, as the reset left it.", staging) from None
        server, owned = server_databases(self.home)
        if owned is not None and built is not None:
            wait_for_worker(self.home)  # it may be copying under that name (a dropped spare)
            owned.copy(template(owned, kept), built[1])
            declare_server(staging, server, built[1])
        swap_in(staging, self.home / SANDBOX)
        write_python_shim(self.home)

    def keep_step_copy(self, kept: Path, seen: Path) -> None:
        """Keep the sandbox as it is now as step copy `kept` (with the steps' seen states).
        A copy the disk has no room for is not kept: it only saves the next fast-forward's
        time."""
        partial = kept.with_name(kept.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        try:
            shutil.copytree(self.home / SANDBOX, partial / SNAPSHOT_SANDBOX, symlinks=True)
            shutil.copyfile(seen, partial / SNAPSHOT_SEEN)
        except OSError as error:
            shutil.rmtree(partial, ignore_errors=True)
            if disk_full(error):
                return
            raise
        _, owned = server_databases(self.home)
        built = declared_database(self.home / SANDBOX)
        if owned is not None and built is not None:
            owned.copy(built[1], template(owned, kept))
        shutil.rmtree(kept, ignore_errors=True)
        partial.rename(kept)


def _django_identity() -> bytes:
    """Which Django builds the sandboxes, without importing it (that costs a reset 0.1 s):
    django/__init__.py holds its VERSION."""
    import importlib.util

    spec = importlib.util.find_spec("django")
    if spec is None or spec.origin is None:
        return b"no django"
    return Path(spec.origin).read_bytes()

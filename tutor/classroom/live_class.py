"""The class in memory on the instructor's laptop, what the learners' API and the dashboard
share: every learner's summary and the tokens that name them (rebuilt from the store at start,
so a restart loses nothing), the store's one writing thread, and the room's version.

Invariants:
- the store is written by one thread of its own (`in_store`), in order: a summary read and
  written there never undoes an event recorded before it;
- a token always has its learner: `learners` is filled before `by_token`;
- every change bumps the room's version, which answers every dashboard read waiting on it
  (`wait_for_change`, a long poll of at most `LONG_POLL_SECONDS`).
"""

from __future__ import annotations

import asyncio
import secrets
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from . import room
from .store import ClassInfo, Store

LONG_POLL_SECONDS = 20.0


class LiveClass:
    """One class as it runs: its learners (`learners`: id -> summary; `by_token` and
    `token_of`: token hash <-> id; `removed`: the tokens that never join again), its store and
    the thread that writes it, and the room's version."""

    def __init__(self, store: Store, info: ClassInfo, course: room.CourseOutline):
        self.store, self.info, self.course = store, info, course
        self.learners: dict[str, dict] = {}
        self.by_token: dict[str, str] = {}
        self.token_of: dict[str, str] = {}
        for row in store.learners(info.id):
            self.learners[row.id] = row.summary
            self.by_token[row.token_hash] = row.id
            self.token_of[row.id] = row.token_hash
        self.removed: set[str] = store.removed_tokens(info.id)
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="class-store")
        self.boot = secrets.token_hex(4)
        self.version = 0
        self._changed: asyncio.Event | None = None

    def bump(self) -> None:
        """Something changed: every waiting dashboard read answers now."""
        self.version += 1
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    def room_version(self) -> str:
        """The room's version as the dashboard knows it (a restart is a new one)."""
        return f"{self.boot}-{self.version}"

    async def wait_for_change(self, request: web.Request) -> None:
        """A dashboard read that names the room's version (`?since=`) waits until it changes,
        or `LONG_POLL_SECONDS`; any other read is answered at once."""
        if request.query.get("since") != self.room_version():
            return
        if self._changed is None:
            self._changed = asyncio.Event()
        try:
            await asyncio.wait_for(self._changed.wait(), LONG_POLL_SECONDS)
        except asyncio.TimeoutError:
            pass

    async def in_store(self, job, *args):
        """`job(*args)` in the store's thread, after every write asked for before it."""
        return await asyncio.get_running_loop().run_in_executor(self.writer, job, *args)

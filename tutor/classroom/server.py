"""`tutor class serve`: the class's web server on the instructor's laptop (aiohttp).

Learners' tutors join with the class's code and then post events with the token they joined
with (`learners_api.py`); the dashboard (any browser holding the instructor's key) reads the
room by long polling (`dashboard.py`): a read waits until something changes (or 20 s), so a
change is on the page within the page's short pause between reads. The store is written by
one thread of its own, in order; the room itself is kept in memory and rebuilt from the store
at start, so a restart loses nothing.

Every request body is size-limited, must arrive within a few seconds, and is checked by
`events` (a learner's lesson and steps against the class's course); what is refused gets a
4xx with the reason, and a line in the server's log (`answers.py`). Who may hold a
connection, and for how long, is the door's (`door`). How many tries of the join code an
address has, and how many seats, is the learners' API's; the instructor can remove a
learner, whose token then never joins again. Pages are plain files under `static/` whose
script writes every text a learner sent as text (never as markup), under a content security
policy that allows no inline script.
"""

from __future__ import annotations

import asyncio
import secrets
from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from .. import __version__
from . import room
from .answers import answer, guard
from .dashboard import Dashboard
from .door import Door
from .events import MAX_BODY_BYTES
from .learners_api import FAILED_JOINS_ALLOWED, MAX_LEARNERS, SEATS_PER_ADDRESS, LearnersAPI
from .store import ClassInfo, Store

# The names other modules (and tests) take from here, wherever they are defined.
__all__ = ["FAILED_JOINS_ALLOWED", "MAX_LEARNERS", "SEATS_PER_ADDRESS", "ClassServer"]

LONG_POLL_SECONDS = 20.0


class ClassServer:
    """The class in memory and the web application that serves it. It keeps what the
    learners' API and the dashboard share: every learner's summary and the tokens that name
    them, the store's one writing thread (every write, in order), and the room's version,
    whose change answers every dashboard read waiting on it."""

    def __init__(self, store: Store, info: ClassInfo, course: room.CourseOutline,
                 stuck_after: float = room.DEFAULT_STUCK_AFTER,
                 seats_per_address: int = SEATS_PER_ADDRESS, door: Door | None = None):
        self.store, self.info, self.course = store, info, course
        self.stuck_after = stuck_after
        self.seats_per_address = seats_per_address
        self.door = door or Door()
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
        self.learners_api = LearnersAPI(self)
        self.dashboard = Dashboard(self)

    def app(self) -> web.Application:
        door = self.door

        @web.middleware
        async def at_the_door(request: web.Request, handler):
            """The door knows a request is being answered: its connection is not idle."""
            door.started(request.protocol)
            try:
                return await handler(request)
            finally:
                door.finished(request.protocol)

        app = web.Application(client_max_size=MAX_BODY_BYTES,
                              middlewares=[at_the_door, guard])
        app.add_routes([web.get("/api/health", self.health), *self.learners_api.routes(),
                        *self.dashboard.routes()])
        app.on_shutdown.append(self._wake_all)
        return app

    async def health(self, request: web.Request) -> web.Response:
        return answer({"ok": True, "tutor": __version__})

    # --- what the two APIs share ----------------------------------------------------------

    def bump(self) -> None:
        """Something changed: every waiting dashboard read answers now."""
        self.version += 1
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    async def _wake_all(self, app) -> None:
        self.bump()

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

"""`tutor class serve`: the class's web server on the instructor's laptop (aiohttp).

Learners' tutors join with the class's code and then post events with the token they joined
with (`learners_api.py`); the dashboard (any browser holding the instructor's key) reads the
room by long polling (`dashboard.py`): a read waits until something changes (or 20 s), so a
change is on the page within the page's short pause between reads. The store is written by
one thread of its own, in order; the room itself is kept in memory and rebuilt from the store
at start, so a restart loses nothing (`live_class.py`).

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

from aiohttp import web

from .. import __version__
from . import room
from .answers import answer, guard
from .dashboard import Dashboard
from .door import Door
from .events import MAX_BODY_BYTES
from .learners_api import FAILED_JOINS_ALLOWED, MAX_LEARNERS, SEATS_PER_ADDRESS, LearnersAPI
from .live_class import LiveClass
from .store import ClassInfo, Store

# The names other modules (and tests) take from here, wherever they are defined.
__all__ = ["FAILED_JOINS_ALLOWED", "MAX_LEARNERS", "SEATS_PER_ADDRESS", "ClassServer"]


class ClassServer(LiveClass):
    """The class in memory (`LiveClass`) and the web application that serves it: the door
    and the guard every request passes, then the learners' API or the dashboard."""

    def __init__(self, store: Store, info: ClassInfo, course: room.CourseOutline,
                 stuck_after: float = room.DEFAULT_STUCK_AFTER,
                 seats_per_address: int = SEATS_PER_ADDRESS, door: Door | None = None):
        super().__init__(store, info, course)
        self.door = door or Door()
        self.learners_api = LearnersAPI(self, self.door, seats_per_address)
        self.dashboard = Dashboard(self, stuck_after)

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

    async def _wake_all(self, app) -> None:
        self.bump()

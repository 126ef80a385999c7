"""The instructor's dashboard on the class server: its page (plain files under `static/`, whose
script writes every text a learner sent as text, never as markup) and its API, each call
with the instructor's key as a bearer token.

- `GET /api/room` (`?since=VERSION`: a long poll, answered when the room changes or after
  `live_class.LONG_POLL_SECONDS`): every learner's row; `GET /api/learners/ID`: one learner's
  state and timeline;
- `POST /api/learners/ID/lower-hand`, `POST /api/learners/ID/remove` (their token never joins
  again), `POST /api/target` (the room's step);
- `GET /api/export.csv`: where each learner is, as a spreadsheet.
"""

from __future__ import annotations

import hmac
import time
from pathlib import Path

from aiohttp import web

from . import room
from .answers import answer, bearer, log, read_body
from .events import check_target
from .live_class import LiveClass

STATIC = Path(__file__).with_name("static")


class Dashboard:
    """The instructor's page and the requests it makes; the room it shows is the live
    class's (`live`), with a learner on one step for `stuck_after` seconds shown stuck."""

    def __init__(self, live: LiveClass, stuck_after: float = room.DEFAULT_STUCK_AFTER):
        self.live = live
        self.stuck_after = stuck_after
        self.pages = {name: (STATIC / name).read_bytes()
                      for name in ("index.html", "app.js", "app.css")}

    def routes(self) -> list[web.RouteDef]:
        """The paths and methods it answers (the server adds them to its application)."""
        return [
            web.get("/", self.page), web.get("/learner/{id}", self.page),
            web.get("/static/{name}", self.static), web.get("/favicon.ico", self.no_icon),
            web.get("/api/room", self.room), web.get("/api/learners/{id}", self.learner),
            web.post("/api/learners/{id}/lower-hand", self.lower_hand),
            web.post("/api/learners/{id}/remove", self.remove),
            web.post("/api/target", self.set_target),
            web.get("/api/export.csv", self.export),
        ]

    # --- pages ----------------------------------------------------------------------------

    async def page(self, request: web.Request) -> web.Response:
        return web.Response(body=self.pages["index.html"], content_type="text/html",
                            charset="utf-8")

    async def static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in ("app.js", "app.css"):
            raise web.HTTPNotFound()
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        return web.Response(body=self.pages[name], content_type=kind, charset="utf-8")

    async def no_icon(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    # --- the instructor's API -------------------------------------------------------------

    def _instructor(self, request: web.Request) -> None:
        key = bearer(request)
        if not key.isascii() or not hmac.compare_digest(
                key.encode(), self.live.info.instructor_key.encode()):
            raise web.HTTPForbidden(reason="the instructor's key is needed")

    def _learner_asked(self, request: web.Request) -> str:
        """The learner the instructor's request names (404 when there is none)."""
        self._instructor(request)
        learner_id = request.match_info["id"]
        if learner_id not in self.live.learners:
            raise web.HTTPNotFound(reason="no such learner")
        return learner_id

    def _room_view(self) -> dict:
        live = self.live
        data = room.view(live.learners, live.course, live.info.target, self.stuck_after)
        data.update(version=live.room_version(), code=live.info.shown_code)
        return data

    async def room(self, request: web.Request) -> web.Response:
        self._instructor(request)
        await self.live.wait_for_change(request)
        return answer(self._room_view())

    async def learner(self, request: web.Request) -> web.Response:
        live = self.live
        learner_id = self._learner_asked(request)
        await live.wait_for_change(request)
        data = self._room_view()
        row = next(r for r in data["learners"] if r["id"] == learner_id)
        timeline = await live.in_store(live.store.timeline, learner_id)
        return answer({"version": data["version"], "now": data["now"],
                       "stuck_after": self.stuck_after, "learner": row,
                       "address": live.learners[learner_id].get("address"),
                       "state": live.learners[learner_id]["state"], "timeline": timeline})

    async def lower_hand(self, request: web.Request) -> web.Response:
        live = self.live
        learner_id = self._learner_asked(request)

        def lower() -> None:
            # Read and written in the store's thread, in order with the events' records: a
            # summary read before an event was recorded would undo it.
            if learner_id not in live.learners:
                return
            summary = room.lower_hand(live.learners[learner_id])
            live.store.save_summary(learner_id, summary)
            live.learners[learner_id] = summary

        await live.in_store(lower)
        live.bump()
        return answer({"ok": True})

    async def remove(self, request: web.Request) -> web.Response:
        """The instructor takes a learner out of the class: their row, their events, and
        their token, which never joins again (a new join needs a new token, and a seat)."""
        live = self.live
        learner_id = self._learner_asked(request)

        def take_out() -> dict:
            summary = live.learners.pop(learner_id)
            hashed = live.token_of.pop(learner_id)
            live.by_token.pop(hashed, None)
            live.removed.add(hashed)
            live.store.remove_learner(live.info.id, learner_id, hashed)
            return summary

        summary = await live.in_store(take_out)
        log.info("removed by the instructor: %r (joined from %s)", summary["name"],
                 summary.get("address", "?"))
        live.bump()
        return answer({"ok": True})

    async def set_target(self, request: web.Request) -> web.Response:
        live = self.live
        self._instructor(request)
        chosen = check_target(await read_body(request), live.course.steps)
        seq = (live.info.target or {}).get("seq", 0) + 1
        target = None if chosen is None else {
            "lesson": chosen[0], "step": chosen[1], "seq": seq, "set_at": time.time(),
            "title": live.course.step_title(*chosen)}
        await live.in_store(live.store.set_target, live.info.id, target)
        live.info.target = target
        log.info("the room's step: %s", f"{chosen[0]} step {chosen[1]}" if chosen else "none")
        live.bump()
        return answer({"target": target})

    async def export(self, request: web.Request) -> web.Response:
        from ..exports import WHERE_COLUMNS, to_csv

        self._instructor(request)
        rows = room.where_rows(self.live.learners, self.live.course, time.time())
        text = to_csv(WHERE_COLUMNS, [[row[key] for key in WHERE_COLUMNS] for row in rows])
        day = time.strftime("%Y-%m-%d")
        return web.Response(text=text, content_type="text/csv", charset="utf-8", headers={
            "Content-Disposition": f'attachment; filename="class-{day}.csv"'})

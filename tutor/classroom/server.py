"""`tutor class serve`: the class's web server on the instructor's laptop (aiohttp).

Learners' tutors join with the class's code and then post events with the token they joined
with; the dashboard (any browser holding the instructor's key) reads the room by long
polling: a read waits until something changes (or 20 s), so a change is on the page within
the page's short pause between reads. The store is written by one thread of its own, in
order; the room itself is kept in memory and rebuilt from the store at start, so a restart
loses nothing.

Every request body is size-limited and checked by `events`; what is refused gets a 4xx with
the reason, and a line in the server's log. Pages are plain files under `static/` whose
script writes every text a learner sent as text (never as markup), under a content security
policy that allows no inline script.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
import time
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from aiohttp import web

from .. import __version__
from . import room
from .events import MAX_BODY_BYTES, Refused, check_batch, check_join, check_target, normalise_code
from .store import ClassInfo, Store, token_hash

log = logging.getLogger("tutor.class")
STATIC = Path(__file__).with_name("static")
LONG_POLL_SECONDS = 20.0
# Failed joins from one address within a minute before it must wait (a join code is short).
FAILED_JOINS_ALLOWED = 20
# Learners in one class: a room's worth many times over, and a bound on what a leaked join
# code can make the server keep.
MAX_LEARNERS = 1000
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; base-uri 'none'; form-action 'none'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _json(data, status: int = 200) -> web.Response:
    return web.json_response(data, status=status)


def _refuse(request: web.Request, status: int, reason: str) -> web.Response:
    log.warning("refused %s %s from %s: %s (%d)", request.method, request.path,
                request.remote, reason, status)
    return _json({"error": reason}, status)


@web.middleware
async def guard(request: web.Request, handler):
    """Security headers on every answer; a refused request answered and logged; anything
    unforeseen logged with its traceback and answered 500, the server going on."""
    try:
        response = await handler(request)
    except Refused as error:
        response = _refuse(request, 400, str(error))
    except web.HTTPException as error:
        if error.status >= 400:
            log.warning("refused %s %s from %s: %s", request.method, request.path,
                        request.remote, error.reason)
            response = _json({"error": error.reason}, error.status)
        else:
            raise
    except asyncio.CancelledError:
        raise
    except Exception:  # a bug: said in the log, never the end of the class
        log.exception("error answering %s %s", request.method, request.path)
        response = _json({"error": "internal error"}, 500)
    response.headers.update(SECURITY_HEADERS)
    return response


async def _body(request: web.Request):
    """The request's JSON (its size capped by the application)."""
    if request.content_type != "application/json":
        raise Refused("the body must be JSON (Content-Type: application/json)")
    raw = await request.read()

    def no_constants(name):
        raise Refused(f"{name} is not a JSON number")

    try:
        return json.loads(raw.decode("utf-8"), parse_constant=no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        if isinstance(error, Refused):
            raise
        raise Refused("the body is not valid JSON") from None


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else ""


class ClassServer:
    def __init__(self, store: Store, info: ClassInfo, course: room.CourseOutline,
                 stuck_after: float = room.DEFAULT_STUCK_AFTER):
        self.store, self.info, self.course = store, info, course
        self.stuck_after = stuck_after
        self.learners: dict[str, dict] = {}
        self.by_token: dict[str, str] = {}
        for row in store.learners(info.id):
            self.learners[row.id] = row.summary
            self.by_token[row.token_hash] = row.id
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="class-store")
        self.boot = secrets.token_hex(4)
        self.version = 0
        self._changed: asyncio.Event | None = None
        self._failed_joins: dict[str, deque] = defaultdict(deque)
        self.pages = {name: (STATIC / name).read_bytes()
                      for name in ("index.html", "app.js", "app.css")}

    # --- the application ----------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[guard])
        app.add_routes([
            web.get("/", self.page), web.get("/learner/{id}", self.page),
            web.get("/static/{name}", self.static),
            web.get("/favicon.ico", self.no_icon),
            web.get("/api/health", self.health),
            web.post("/api/join", self.join),
            web.post("/api/events", self.events),
            web.get("/api/target", self.learner_target),
            web.get("/api/room", self.room),
            web.get("/api/learners/{id}", self.learner),
            web.post("/api/learners/{id}/lower-hand", self.lower_hand),
            web.post("/api/target", self.set_target),
            web.get("/api/export.csv", self.export),
        ])
        app.on_shutdown.append(self._wake_all)
        return app

    def _bump(self) -> None:
        """Something changed: every waiting dashboard read answers now."""
        self.version += 1
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    async def _wake_all(self, app) -> None:
        self._bump()

    def _version(self) -> str:
        return f"{self.boot}-{self.version}"

    async def _wait_for_change(self, request: web.Request) -> None:
        if request.query.get("since") != self._version():
            return
        if self._changed is None:
            self._changed = asyncio.Event()
        try:
            await asyncio.wait_for(self._changed.wait(), LONG_POLL_SECONDS)
        except asyncio.TimeoutError:
            pass

    async def _in_store(self, job, *args):
        return await asyncio.get_running_loop().run_in_executor(self.writer, job, *args)

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

    async def health(self, request: web.Request) -> web.Response:
        return _json({"ok": True, "tutor": __version__})

    # --- learners -----------------------------------------------------------------------

    def _learner_of(self, request: web.Request) -> str:
        token = _bearer(request)
        learner_id = self.by_token.get(token_hash(token)) if token and token.isascii() else None
        if learner_id is None:
            raise web.HTTPUnauthorized(reason="unknown learner token: join the class first")
        return learner_id

    async def join(self, request: web.Request) -> web.Response:
        address = request.remote or "?"
        failures = self._failed_joins[address]
        while failures and failures[0] < time.monotonic() - 60:
            failures.popleft()
        if len(failures) >= FAILED_JOINS_ALLOWED:
            return _refuse(request, 429, "too many wrong join codes: wait a minute")
        joining = check_join(await _body(request))
        if not hmac.compare_digest(normalise_code(joining.code).encode(),
                                   self.info.code.encode()):
            failures.append(time.monotonic())
            return _refuse(request, 403, "wrong join code")
        hashed = token_hash(joining.token)

        def enrol() -> tuple[str | None, bool]:
            # In the store's thread, in order with everything else it writes: two joins with
            # one token at once make one learner, and a rename never undoes an event.
            learner_id = self.by_token.get(hashed)
            if learner_id is None:
                if len(self.learners) >= MAX_LEARNERS:
                    return None, False
                learner_id = secrets.token_hex(6)
                summary = room.new_summary(joining.name, time.time())
                self.store.add_learner(self.info.id, learner_id, hashed, summary)
                self.learners[learner_id] = summary  # before by_token: a token always has one
                self.by_token[hashed] = learner_id
                return learner_id, True
            if self.learners[learner_id]["name"] != joining.name:
                summary = dict(self.learners[learner_id], name=joining.name)
                self.store.save_summary(learner_id, summary)
                self.learners[learner_id] = summary
            return learner_id, False

        learner_id, new = await self._in_store(enrol)
        if learner_id is None:
            return _refuse(request, 403, f"the class is full ({MAX_LEARNERS} learners)")
        if new:
            log.info("joined: %r", joining.name)
        self._bump()
        return _json({"learner": learner_id, "target": self.info.target})

    async def events(self, request: web.Request) -> web.Response:
        learner_id = self._learner_of(request)
        events, sent_at = check_batch(await _body(request))
        received = time.time()
        events = sorted(events, key=lambda event: event.at)
        times = [room.server_time(event, sent_at, received) for event in events]
        rows = [(event.id, event.kind, at, received, event.to_json())
                for event, at in zip(events, times)]

        def record() -> int:
            def summarise(fresh: list[int]) -> dict:
                summary = self.learners[learner_id]
                for index in fresh:
                    summary = room.apply(summary, events[index], times[index])
                return summary

            fresh, summary = self.store.record(learner_id, rows, summarise)
            if summary is not None:
                self.learners[learner_id] = summary
            return len(fresh)

        new = await self._in_store(record)
        if new:
            self._bump()
        return _json({"accepted": len(events), "new": new, "target": self.info.target,
                      "hand": self.learners[learner_id]["hand"] is not None})

    async def learner_target(self, request: web.Request) -> web.Response:
        learner_id = self._learner_of(request)
        return _json({"target": self.info.target,
                      "hand": self.learners[learner_id]["hand"] is not None})

    # --- the instructor -------------------------------------------------------------------

    def _instructor(self, request: web.Request) -> None:
        key = _bearer(request)
        if not key.isascii() or not hmac.compare_digest(key.encode(),
                                                        self.info.instructor_key.encode()):
            raise web.HTTPForbidden(reason="the instructor's key is needed")

    def _room_view(self) -> dict:
        data = room.view(self.learners, self.course, self.info.target, self.stuck_after)
        data.update(version=self._version(), code=self.info.shown_code)
        return data

    async def room(self, request: web.Request) -> web.Response:
        self._instructor(request)
        await self._wait_for_change(request)
        return _json(self._room_view())

    async def learner(self, request: web.Request) -> web.Response:
        self._instructor(request)
        learner_id = request.match_info["id"]
        if learner_id not in self.learners:
            raise web.HTTPNotFound(reason="no such learner")
        await self._wait_for_change(request)
        data = self._room_view()
        row = next(r for r in data["learners"] if r["id"] == learner_id)
        timeline = await self._in_store(self.store.timeline, learner_id)
        return _json({"version": data["version"], "now": data["now"],
                      "stuck_after": self.stuck_after, "learner": row,
                      "state": self.learners[learner_id]["state"], "timeline": timeline})

    async def lower_hand(self, request: web.Request) -> web.Response:
        self._instructor(request)
        learner_id = request.match_info["id"]
        if learner_id not in self.learners:
            raise web.HTTPNotFound(reason="no such learner")

        def lower() -> None:
            # Read and written in the store's thread, in order with the events' records: a
            # summary read before an event was recorded would undo it.
            summary = room.lower_hand(self.learners[learner_id])
            self.store.save_summary(learner_id, summary)
            self.learners[learner_id] = summary

        await self._in_store(lower)
        self._bump()
        return _json({"ok": True})

    async def set_target(self, request: web.Request) -> web.Response:
        self._instructor(request)
        chosen = check_target(await _body(request), self.course.steps)
        seq = (self.info.target or {}).get("seq", 0) + 1
        target = None if chosen is None else {
            "lesson": chosen[0], "step": chosen[1], "seq": seq, "set_at": time.time(),
            "title": self.course.step_title(*chosen)}
        await self._in_store(self.store.set_target, self.info.id, target)
        self.info.target = target
        log.info("the room's step: %s", f"{chosen[0]} step {chosen[1]}" if chosen else "none")
        self._bump()
        return _json({"target": target})

    async def export(self, request: web.Request) -> web.Response:
        from ..exports import WHERE_COLUMNS, to_csv

        self._instructor(request)
        rows = room.where_rows(self.learners, self.course, time.time())
        text = to_csv(WHERE_COLUMNS, [[row[key] for key in WHERE_COLUMNS] for row in rows])
        day = time.strftime("%Y-%m-%d")
        return web.Response(text=text, content_type="text/csv", charset="utf-8", headers={
            "Content-Disposition": f'attachment; filename="class-{day}.csv"'})

"""`tutor class serve`: the class's web server on the instructor's laptop (aiohttp).

Learners' tutors join with the class's code and then post events with the token they joined
with; the dashboard (any browser holding the instructor's key) reads the room by long
polling: a read waits until something changes (or 20 s), so a change is on the page within
the page's short pause between reads. The store is written by one thread of its own, in
order; the room itself is kept in memory and rebuilt from the store at start, so a restart
loses nothing.

Every request body is size-limited, must arrive within a few seconds, and is checked by
`events` (a learner's lesson and steps against the class's course); what is refused gets a
4xx with the reason, and a line in the server's log. Who may hold a connection, and for how
long, is the door's (`door`). A join code is tried at most `FAILED_JOINS_ALLOWED` times a
minute from one address, each try counted when it starts; one address holds at most
`seats_per_address` learners (the instructor's own machine excepted), and the instructor can
remove a learner, whose token then never joins again. Pages are plain files under `static/` whose
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
from collections import Counter, defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from aiohttp import web

from .. import __version__
from . import room
from .door import BODY_TIMEOUT_SECONDS, Door, Repeats
from .events import (MAX_BODY_BYTES, Refused, check_batch, check_in_course, check_join,
                     check_target, normalise_code)
from .store import ClassInfo, Store, token_hash

log = logging.getLogger("tutor.class")
# A refusal, or a bug, met again and again (one address trying on) is logged once, then counted.
repeated = Repeats(log)
STATIC = Path(__file__).with_name("static")
LONG_POLL_SECONDS = 20.0
# Failed joins from one address within a minute before it must wait (a join code is short).
FAILED_JOINS_ALLOWED = 20
# Learners in one class: a room's worth many times over, and a bound on what a leaked join
# code can make the server keep.
MAX_LEARNERS = 1000
# Learners joined from one address (one laptop: a learner, or two sharing it, and a spare
# home); the instructor's own machine has no such bound. `tutor class serve --seats-per-address`.
SEATS_PER_ADDRESS = 4
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
    said = f"refused {request.method} {request.path} from {request.remote}: {reason} ({status})"
    repeated.say(said, said)
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
            response = _refuse(request, error.status, error.reason)
        else:
            raise
    except asyncio.CancelledError:
        raise
    except Exception:  # a bug: said in the log, never the end of the class
        import sys

        said = f"error answering {request.method} {request.path}"
        repeated.say((said, type(sys.exc_info()[1]).__name__), said, logging.ERROR,
                     exc_info=True)
        response = _json({"error": "internal error"}, 500)
    response.headers.update(SECURITY_HEADERS)
    return response


async def _body(request: web.Request):
    """The request's JSON (its size capped by the application, its time by the door's body
    timeout: a body sent a byte a minute holds no connection for long)."""
    if request.content_type != "application/json":
        raise Refused("the body must be JSON (Content-Type: application/json)")
    try:
        raw = await asyncio.wait_for(request.read(), BODY_TIMEOUT_SECONDS)
    except asyncio.TimeoutError:
        raise web.HTTPRequestTimeout(
            reason=f"the body did not arrive within {BODY_TIMEOUT_SECONDS:g} s") from None

    def no_constants(name):
        raise Refused(f"{name} is not a JSON number")

    try:
        return json.loads(raw.decode("utf-8"), parse_constant=no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        if isinstance(error, Refused):
            raise
        raise Refused("the body is not valid JSON") from None


class _JoinTry:
    """One try of the join code from an address (compared by identity: two started at the
    same instant are two)."""
    __slots__ = ("started", "wrong")

    def __init__(self):
        self.started, self.wrong = time.monotonic(), False


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else ""


class ClassServer:
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
        self._join_tries: dict[str, deque] = defaultdict(deque)
        self.pages = {name: (STATIC / name).read_bytes()
                      for name in ("index.html", "app.js", "app.css")}

    # --- the application ----------------------------------------------------------------

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
            web.post("/api/learners/{id}/remove", self.remove),
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

    def _seats(self) -> Counter:
        """Learners per address they joined from."""
        return Counter(summary.get("address") for summary in list(self.learners.values()))

    async def join(self, request: web.Request) -> web.Response:
        address = request.remote or "?"
        tries = self._join_tries[address]  # this minute's
        while tries and tries[0].started < time.monotonic() - 60:
            tries.popleft()
        if sum(attempt.wrong for attempt in tries) >= FAILED_JOINS_ALLOWED:
            await _body(request)  # (read, for a well-formed answer; not kept: the count holds)
            return _refuse(request, 429, "too many wrong join codes: wait a minute")
        # A try counts from its start, before its body is read: tries held open and let go
        # at once are each judged by the tries that started before them, not let through
        # together by a count that none of them has added to yet.
        attempt = _JoinTry()
        tries.append(attempt)
        try:
            joining = check_join(await _body(request))
        except BaseException:
            attempt.wrong = True  # a malformed join is a failed try too
            raise
        if not hmac.compare_digest(normalise_code(joining.code).encode(),
                                   self.info.code.encode()):
            attempt.wrong = True
            # (those before it still there: wrong ones, and ones still being read)
            if tries.index(attempt) >= FAILED_JOINS_ALLOWED:
                return _refuse(request, 429, "too many wrong join codes: wait a minute")
            return _refuse(request, 403, "wrong join code")
        tries.remove(attempt)  # the right code: not a failed try
        hashed = token_hash(joining.token)
        if hashed in self.removed:
            return _refuse(request, 403, "the instructor removed you from this class")
        from_here = self.door.is_local(request.protocol)

        def enrol() -> tuple[str | None, bool]:
            # In the store's thread, in order with everything else it writes: two joins with
            # one token at once make one learner, and a rename never undoes an event.
            learner_id = self.by_token.get(hashed)
            if learner_id is None:
                if len(self.learners) >= MAX_LEARNERS:
                    return None, False
                if not from_here and self._seats()[address] >= self.seats_per_address:
                    return "", False
                learner_id = secrets.token_hex(6)
                summary = dict(room.new_summary(joining.name, time.time()), address=address)
                self.store.add_learner(self.info.id, learner_id, hashed, summary)
                self.learners[learner_id] = summary  # before by_token: a token always has one
                self.by_token[hashed] = learner_id
                self.token_of[learner_id] = hashed
                return learner_id, True
            if self.learners[learner_id]["name"] != joining.name:
                summary = dict(self.learners[learner_id], name=joining.name)
                self.store.save_summary(learner_id, summary)
                self.learners[learner_id] = summary
            return learner_id, False

        learner_id, new = await self._in_store(enrol)
        if learner_id is None:
            holder, seats = self._seats().most_common(1)[0]
            return _refuse(request, 403, f"the class is full ({MAX_LEARNERS} learners): "
                                         f"{holder} holds {seats} of the seats")
        if learner_id == "":
            return _refuse(request, 403, f"this address ({address}) holds "
                                         f"{self.seats_per_address} seats already: the class "
                                         "takes that many learners from one machine")
        if new:
            log.info("joined: %r from %s", joining.name, address)
        self._bump()
        return _json({"learner": learner_id, "target": self.info.target})

    async def events(self, request: web.Request) -> web.Response:
        learner_id = self._learner_of(request)
        events, sent_at = check_batch(await _body(request))
        events = [check_in_course(event, self.course.steps, f"events[{index}]")
                  for index, event in enumerate(events)]
        received = time.time()
        events = sorted(events, key=lambda event: event.at)
        times = [room.server_time(event, sent_at, received) for event in events]
        rows = [(event.id, event.kind, at, received, event.to_json())
                for event, at in zip(events, times)]

        def record() -> int:
            if learner_id not in self.learners:
                return 0  # removed by the instructor meanwhile

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
                      "hand": self._hand_up(learner_id)})

    async def learner_target(self, request: web.Request) -> web.Response:
        learner_id = self._learner_of(request)
        return _json({"target": self.info.target, "hand": self._hand_up(learner_id)})

    def _hand_up(self, learner_id: str) -> bool:
        return (self.learners.get(learner_id) or {}).get("hand") is not None

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
                      "address": self.learners[learner_id].get("address"),
                      "state": self.learners[learner_id]["state"], "timeline": timeline})

    async def lower_hand(self, request: web.Request) -> web.Response:
        self._instructor(request)
        learner_id = request.match_info["id"]
        if learner_id not in self.learners:
            raise web.HTTPNotFound(reason="no such learner")

        def lower() -> None:
            # Read and written in the store's thread, in order with the events' records: a
            # summary read before an event was recorded would undo it.
            if learner_id not in self.learners:
                return
            summary = room.lower_hand(self.learners[learner_id])
            self.store.save_summary(learner_id, summary)
            self.learners[learner_id] = summary

        await self._in_store(lower)
        self._bump()
        return _json({"ok": True})

    async def remove(self, request: web.Request) -> web.Response:
        """The instructor takes a learner out of the class: their row, their events, and
        their token, which never joins again (a new join needs a new token, and a seat)."""
        self._instructor(request)
        learner_id = request.match_info["id"]
        if learner_id not in self.learners:
            raise web.HTTPNotFound(reason="no such learner")

        def take_out() -> dict:
            summary = self.learners.pop(learner_id)
            hashed = self.token_of.pop(learner_id)
            self.by_token.pop(hashed, None)
            self.removed.add(hashed)
            self.store.remove_learner(self.info.id, learner_id, hashed)
            return summary

        summary = await self._in_store(take_out)
        log.info("removed by the instructor: %r (joined from %s)", summary["name"],
                 summary.get("address", "?"))
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

"""The learners' API of the class server: what a learner's tutor calls (`link.py`, `sender.py`).

- `POST /api/join` with the class's code and the learner's own token: the learner is enrolled
  (or renamed, with a token already known). A join code is tried at most
  `FAILED_JOINS_ALLOWED` times a minute from one address, each try counted when it starts;
  one address holds at most `seats_per_address` learners (the instructor's own machine
  excepted), the class at most `MAX_LEARNERS`; a token the instructor removed never joins
  again.
- `POST /api/events` with the token: a batch of events, checked by `events` against the
  class's course, recorded once each (a retried event is known by its id) in the store's
  thread, in order with everything else it writes.
- `GET /api/target` with the token: the room's step, and whether the learner's hand is up.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import Counter, defaultdict, deque

from aiohttp import web

from . import room
from .answers import answer, bearer, log, read_body, refuse
from .door import Door
from .events import Join, check_batch, check_in_course, check_join, normalise_code
from .live_class import LiveClass
from .store import token_hash


# Failed joins from one address within a minute before it must wait (a join code is short).
FAILED_JOINS_ALLOWED = 20
# Learners in one class: a room's worth many times over, and a bound on what a leaked join
# code can make the server keep.
MAX_LEARNERS = 1000
# Learners joined from one address (one laptop: a learner, or two sharing it, and a spare
# home); the instructor's own machine has no such bound. `tutor class serve --seats-per-address`.
SEATS_PER_ADDRESS = 4
TOO_MANY_WRONG = "too many wrong join codes: wait a minute"


class _JoinTry:
    """One try of the join code from an address (compared by identity: two started at the
    same instant are two)."""
    __slots__ = ("started", "wrong")

    def __init__(self):
        self.started, self.wrong = time.monotonic(), False


class LearnersAPI:
    """The requests of the learners' tutors, each known by the token it joined with. It keeps
    the join tries of each address, and how many learners one address may seat; the
    learners themselves are the live class's (`live`)."""

    def __init__(self, live: LiveClass, door: Door,
                 seats_per_address: int = SEATS_PER_ADDRESS):
        self.live = live
        self.door = door  # (it knows the instructor's own machine, which has no seat bound)
        self.seats_per_address = seats_per_address
        self._join_tries: dict[str, deque] = defaultdict(deque)

    def routes(self) -> list[web.RouteDef]:
        """The paths and methods it answers (the server adds them to its application)."""
        return [web.post("/api/join", self.join), web.post("/api/events", self.events),
                web.get("/api/target", self.learner_target)]

    def _learner_of(self, request: web.Request) -> str:
        token = bearer(request)
        learner_id = (self.live.by_token.get(token_hash(token))
                      if token and token.isascii() else None)
        if learner_id is None:
            raise web.HTTPUnauthorized(reason="unknown learner token: join the class first")
        return learner_id

    def _seats(self) -> Counter:
        """Learners per address they joined from."""
        return Counter(summary.get("address")
                       for summary in list(self.live.learners.values()))

    async def join(self, request: web.Request) -> web.Response:
        address = request.remote or "?"
        joining = await self._code_tried(request, address)
        hashed = token_hash(joining.token)
        if hashed in self.live.removed:
            return refuse(request, 403, "the instructor removed you from this class")
        from_here = self.door.is_local(request.protocol)
        learner_id, new = await self.live.in_store(self._enrol, joining, hashed, address,
                                                   from_here)
        if learner_id is None:
            holder, seats = self._seats().most_common(1)[0]
            return refuse(request, 403, f"the class is full ({MAX_LEARNERS} learners): "
                                        f"{holder} holds {seats} of the seats")
        if learner_id == "":
            return refuse(request, 403, f"this address ({address}) holds "
                                        f"{self.seats_per_address} seats already: the "
                                        "class takes that many learners from one machine")
        if new:
            log.info("joined: %r from %s", joining.name, address)
        self.live.bump()
        return answer({"learner": learner_id, "target": self.live.info.target})

    async def _code_tried(self, request: web.Request, address: str) -> Join:
        """The join asked for, once its code is the class's; a wrong code is refused (403),
        and so is every try from an address with too many wrong ones this minute (429)."""
        tries = self._join_tries[address]  # this minute's
        while tries and tries[0].started < time.monotonic() - 60:
            tries.popleft()
        if sum(attempt.wrong for attempt in tries) >= FAILED_JOINS_ALLOWED:
            await read_body(request)  # (read, for a well-formed answer; not kept: the count holds)
            raise web.HTTPTooManyRequests(reason=TOO_MANY_WRONG)
        # A try counts from its start, before its body is read: tries held open and let go
        # at once are each judged by the tries that started before them, not let through
        # together by a count that none of them has added to yet.
        attempt = _JoinTry()
        tries.append(attempt)
        try:
            joining = check_join(await read_body(request))
        except BaseException:
            attempt.wrong = True  # a malformed join is a failed try too
            raise
        if not hmac.compare_digest(normalise_code(joining.code).encode(),
                                   self.live.info.code.encode()):
            attempt.wrong = True
            # (those before it still there: wrong ones, and ones still being read)
            if tries.index(attempt) >= FAILED_JOINS_ALLOWED:
                raise web.HTTPTooManyRequests(reason=TOO_MANY_WRONG)
            raise web.HTTPForbidden(reason="wrong join code")
        tries.remove(attempt)  # the right code: not a failed try
        return joining

    def _enrol(self, joining: Join, hashed: str, address: str,
               from_here: bool) -> tuple[str | None, bool]:
        """The learner's id, and whether they are new; None: the class is full; "": their
        address holds its seats. In the store's thread, in order with everything else it
        writes: two joins with one token at once make one learner, and a rename never undoes
        an event."""
        live = self.live
        learner_id = live.by_token.get(hashed)
        if learner_id is None:
            if len(live.learners) >= MAX_LEARNERS:
                return None, False
            if not from_here and self._seats()[address] >= self.seats_per_address:
                return "", False
            learner_id = secrets.token_hex(6)
            summary = dict(room.new_summary(joining.name, time.time()), address=address)
            live.store.add_learner(live.info.id, learner_id, hashed, summary)
            live.learners[learner_id] = summary  # before by_token: a token always has one
            live.by_token[hashed] = learner_id
            live.token_of[learner_id] = hashed
            return learner_id, True
        if live.learners[learner_id]["name"] != joining.name:
            summary = dict(live.learners[learner_id], name=joining.name)
            live.store.save_summary(learner_id, summary)
            live.learners[learner_id] = summary
        return learner_id, False

    async def events(self, request: web.Request) -> web.Response:
        live = self.live
        learner_id = self._learner_of(request)
        events, sent_at = check_batch(await read_body(request))
        events = [check_in_course(event, live.course.steps, f"events[{index}]")
                  for index, event in enumerate(events)]
        received = time.time()
        events = sorted(events, key=lambda event: event.at)
        times = [room.server_time(event, sent_at, received) for event in events]
        rows = [(event.id, event.kind, at, received, event.to_json())
                for event, at in zip(events, times)]

        def record() -> int:
            if learner_id not in live.learners:
                return 0  # removed by the instructor meanwhile

            def summarise(fresh: list[int]) -> dict:
                summary = live.learners[learner_id]
                for index in fresh:
                    summary = room.apply(summary, events[index], times[index])
                return summary

            fresh, summary = live.store.record(learner_id, rows, summarise)
            if summary is not None:
                live.learners[learner_id] = summary
            return len(fresh)

        new = await live.in_store(record)
        if new:
            live.bump()
        return answer({"accepted": len(events), "new": new, "target": live.info.target,
                       "hand": self._hand_up(learner_id)})

    async def learner_target(self, request: web.Request) -> web.Response:
        learner_id = self._learner_of(request)
        return answer({"target": self.live.info.target, "hand": self._hand_up(learner_id)})

    def _hand_up(self, learner_id: str) -> bool:
        return (self.live.learners.get(learner_id) or {}).get("hand") is not None

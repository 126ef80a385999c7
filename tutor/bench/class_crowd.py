"""The class benchmark's crowd: simulated learners that join the class and post one event a
second each, as a tutor in a busy room would, and a watcher that reads the room the way the
dashboard does (a long poll, then a 250 ms pause), noting when each learner's count grew.
`load()` runs them all against a started server (aiohttp's client, the `class` extra).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from dataclasses import dataclass, field

from .. import __version__
from .class_server import BenchError, Server, cpu_seconds

LESSON = "first-migrations"
LESSON_STEPS = 4
STEP_TITLES = ["Make the first migration", "Is it applied?", "Apply it", "Look at the table"]
PAUSE_SECONDS = 0.25       # the dashboard's pause between two reads (static/app.js)
POST_TIMEOUT = 10.0        # a post slower than this counts as failed
READ_TIMEOUT = 30.0        # a room read waits up to 20 s by design
# After the last post, how long the watcher may take to see every stored event before the
# rest are called unseen.
SETTLE_SECONDS = 10.0


@dataclass
class Learner:
    """One simulated learner: its token, the id the server gave it, and what became of each
    event it posted (sent, answered, seen by the watcher)."""

    index: int
    token: str
    id: str = ""
    sent: list[float] = field(default_factory=list)  # when each event answered 200 was sent
    posted: int = 0
    failed: int = 0
    seen: list[float] = field(default_factory=list)  # when the watcher first saw each count

    @property
    def accepted(self) -> int:
        return len(self.sent)


def event(learner: Learner, ordinal: int) -> dict:
    """The learner's `ordinal`th event (from 0): a step shown, a hint taken, a check that
    passes it, then the next step, as a tutor sends them; after the last step, the lesson
    again from its first (as after a reset)."""
    lap, phase = divmod(ordinal, 3)
    step = lap % LESSON_STEPS + 1
    done = {LESSON: list(range(1, step))} if step > 1 else {}
    shared = {"id": f"b{learner.index:04d}-{ordinal:06d}-{secrets.token_hex(4)}",
              "at": time.time(), "lesson": LESSON, "step": step, "steps": LESSON_STEPS,
              "done": done}
    if phase == 0:
        return dict(shared, kind="step_shown", detail={"title": STEP_TITLES[step - 1]})
    if phase == 1:
        return dict(shared, kind="hint", detail={"number": 1, "total": 3})
    applied = step >= 3
    return dict(shared, kind="check", detail={
        "passed_steps": [step], "unmet": [],
        "state": {"migrations": {"store": [["0001_initial", applied]]},
                  "tables": {"store_product": ["id", "name", "price"]} if applied else {},
                  "problem": None},
        "lesson_complete": False})


async def join(session, server: Server, learner: Learner) -> None:
    body = {"code": server.code, "token": learner.token,
            "name": f"Bench learner {learner.index + 1}", "tutor": __version__}
    try:
        async with session.post(f"{server.url}/api/join", json=body,
                                timeout=_timeout(POST_TIMEOUT)) as response:
            said = await response.text()
            if response.status != 200:
                raise BenchError(f"learner {learner.index + 1} could not join: "
                                 f"HTTP {response.status} {said[:300]}")
            learner.id = json.loads(said)["learner"]
    except (OSError, asyncio.TimeoutError, ValueError, KeyError, _client_error()) as error:
        raise BenchError(f"learner {learner.index + 1} could not join: {error!r}") from None


async def post_events(session, server: Server, learner: Learner, first_at: float,
                      count: int) -> None:
    """`count` events, one a second from `first_at`, each after the last was answered (the
    server's count of them then grows one by one, so the watcher can tell which it sees)."""
    headers = {"Authorization": f"Bearer {learner.token}"}
    for ordinal in range(count):
        delay = first_at + ordinal - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        sent = time.monotonic()
        learner.posted += 1
        try:
            async with session.post(f"{server.url}/api/events", headers=headers,
                                    json={"events": [event(learner, ordinal)],
                                          "sent_at": time.time()},
                                    timeout=_timeout(POST_TIMEOUT)) as response:
                await response.read()
                ok = response.status == 200
        except (OSError, asyncio.TimeoutError, _client_error()):
            ok = False
        if ok:
            learner.sent.append(sent)
        else:
            learner.failed += 1


class Watcher:
    """The dashboard's reading: a long poll of the room, a short pause, again."""

    def __init__(self, session, server: Server, learners: list[Learner]):
        self.session, self.server = session, server
        self.by_id = {learner.id: learner for learner in learners}
        self.version = ""
        self.reads = 0
        self.failed = 0
        self.first_read = asyncio.Event()

    async def read(self, since: str) -> dict:
        async with self.session.get(f"{self.server.url}/api/room", params={"since": since},
                                    headers={"Authorization": f"Bearer {self.server.key}"},
                                    timeout=_timeout(READ_TIMEOUT)) as response:
            if response.status != 200:
                raise OSError(f"HTTP {response.status}")
            return await response.json()

    async def follow(self) -> None:
        while True:
            try:
                room = await self.read(self.version)
            except (OSError, asyncio.TimeoutError, ValueError, _client_error()):
                self.failed += 1
                await asyncio.sleep(1.0)  # as the page does while the server is away
                continue
            self.note(room, time.monotonic())
            self.first_read.set()
            await asyncio.sleep(PAUSE_SECONDS)

    def note(self, room: dict, now: float) -> None:
        self.reads += 1
        self.version = room["version"]
        for row in room["learners"]:
            learner = self.by_id.get(row["id"])
            if learner is not None:
                while len(learner.seen) < row["events"]:
                    learner.seen.append(now)

    def all_seen(self) -> bool:
        return all(len(learner.seen) >= learner.accepted for learner in self.by_id.values())


def _timeout(seconds: float):
    import aiohttp

    return aiohttp.ClientTimeout(total=seconds)


def _client_error():
    import aiohttp

    return aiohttp.ClientError


async def load(server: Server, learners: list[Learner], seconds: int) -> dict:
    import aiohttp

    # No cap on connections: every learner keeps its own, as each laptop in a room does, and
    # the watcher never waits behind them for one.
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(join(session, server, learner) for learner in learners))
        watcher = Watcher(session, server, learners)
        following = asyncio.create_task(watcher.follow())
        try:
            await asyncio.wait_for(watcher.first_read.wait(), READ_TIMEOUT)
            cpu_before = cpu_seconds(server.process.pid)
            client_before = _own_cpu()
            began = time.monotonic() + 0.1
            # Each learner's first event falls somewhere in the first second, as in a room.
            await asyncio.gather(*(
                post_events(session, server, learner,
                            began + learner.index / len(learners), seconds)
                for learner in learners))
            ended = time.monotonic()
            cpu_after = cpu_seconds(server.process.pid)
            client_after = _own_cpu()
            settle_until = ended + SETTLE_SECONDS
            while not watcher.all_seen() and time.monotonic() < settle_until:
                await asyncio.sleep(0.05)
            watch_ended = time.monotonic()
        finally:
            following.cancel()
            try:
                await following
            except asyncio.CancelledError:
                pass
        # The room as it stands now (an empty `since` is answered at once).
        final_room = await watcher.read("")
        watcher.note(final_room, time.monotonic())
    server_cpu = (None if cpu_before is None or cpu_after is None
                  else cpu_after - cpu_before)
    return {"began": began, "ended": ended, "watch_ended": watch_ended,
            "server_cpu": server_cpu, "client_cpu": client_after - client_before,
            "final_room": final_room, "failed_reads": watcher.failed, "reads": watcher.reads}


def _own_cpu() -> float:
    return time.process_time()

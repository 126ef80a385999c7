"""The class server's load benchmark: `python -m tutor.classroom.bench [--learners 100]
[--seconds 60] [--db FILE_OR_POSTGRESQL_URL] [--json]`.

It starts the real server (`tutor class serve`, a process of its own in a temporary home),
joins simulated learners to it and has each post one event a second, as a tutor in a busy
room would, while a watcher reads the room the way the dashboard does (a long poll, then a
250 ms pause). It reports how many events the server took each second, whether any it
answered was not stored (the room's counts, and the rows in its SQLite file), how long an
event took to show on the dashboard, and how much of one core the server used.

Everything runs on this machine, so the learners and the watcher share its cores with the
server: the figures are an upper bound on what a laptop serving a real room spends. Shared
machines are noisy: the exit status is 0 whatever the figures, unless the server cannot be
started or a learner cannot join.

`run()` returns the same figures as a dict (tests/test_class_load.py runs a short load).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..home_layout import CLASS_DATABASE, CLASS_KEY

try:
    import resource  # POSIX only: the server's CPU where there is no /proc
except ImportError:
    resource = None

LESSON = "first-migrations"
LESSON_STEPS = 4
STEP_TITLES = ["Make the first migration", "Is it applied?", "Apply it", "Look at the table"]
PAUSE_SECONDS = 0.25       # the dashboard's pause between two reads (static/app.js)
POST_TIMEOUT = 10.0        # a post slower than this counts as failed
READ_TIMEOUT = 30.0        # a room read waits up to 20 s by design
BANNER_TIMEOUT = 60.0      # the server's start, on a slow machine
# After the last post, how long the watcher may take to see every stored event before the
# rest are called unseen.
SETTLE_SECONDS = 10.0


class BenchError(RuntimeError):
    """The benchmark could not run (the server did not start, a learner could not join)."""


# --- the server, a process of its own -------------------------------------------------------

@dataclass
class Server:
    process: subprocess.Popen
    url: str
    code: str
    key: str
    database: Path | None  # the SQLite file, when the class is kept in one
    log: Path


def _server_environment() -> dict[str, str]:
    # The benchmark's events name a lesson of the shipped course: no course of the caller's.
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("TUTOR_HOME", "TUTOR_COURSE")}
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


def start_server(folder: Path, db: str | None) -> Server:
    """The server started on a free port, in a new home inside `folder`, once its banner says
    where it is and the class's code and key."""
    # The tutor takes only a new or empty home: what it prints is kept beside it.
    home = folder / "home"
    output, log = folder / "server-output.txt", folder / "server-log.txt"
    # --new: a database given with --db may hold an older class, whose learners would count.
    command = [sys.executable, "-m", "tutor", "--home", str(home), "class", "serve",
               "--port", "0", "--new"]
    if db:
        command += ["--db", db]
    with open(output, "wb") as stdout, open(log, "wb") as stderr:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=stdout,
                                   stderr=stderr, env=_server_environment())
    deadline = time.monotonic() + BANNER_TIMEOUT
    try:
        while True:
            text = output.read_text(encoding="utf-8", errors="replace")
            url = re.search(r"--class (\S+) --code (\S+)", text)
            # The key is never printed: it is in the owner-only file the banner names.
            key_file = home / CLASS_KEY
            key = (re.search(r"/#key=(\S+)", key_file.read_text(encoding="utf-8"))
                   if url and "Ctrl-C stops it" in text and key_file.exists() else None)
            if url and key:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                said = log.read_text(encoding="utf-8", errors="replace")[-2000:]
                raise BenchError(f"the class server did not start: {said or text}")
            time.sleep(0.05)
    except BaseException:
        stop_server(process)
        raise
    if db is None:
        database = home / CLASS_DATABASE
    elif db.startswith(("postgresql://", "postgres://")):
        database = None
    else:
        database = Path(db).expanduser()
    return Server(process, url.group(1), url.group(2), key.group(1), database, log)


def stop_server(process: subprocess.Popen) -> None:
    """As Ctrl-C stops it (it then closes its store), killed only if it does not stop."""
    if process.poll() is None:
        try:
            process.send_signal(signal.SIGINT if os.name == "posix" else signal.SIGTERM)
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        except ProcessLookupError:
            pass


def cpu_seconds(pid: int) -> float | None:
    """User and system time used so far by a running process (Linux's /proc); None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            text = stat.read()
    except OSError:
        return None
    # The command's name (in parentheses) may hold spaces: the fields are counted after it.
    fields = text[text.rindex(")") + 2:].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def stored_rows(database: Path, learner_ids: list[str]) -> int:
    """The events stored in the class's SQLite file for these learners (the server stopped)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        marks = ", ".join("?" for _ in learner_ids)
        return connection.execute(f"SELECT COUNT(*) FROM tutor_class_event "
                                  f"WHERE learner_id IN ({marks})", learner_ids).fetchone()[0]
    finally:
        connection.close()


# --- the learners and the watcher -------------------------------------------------------------

@dataclass
class Learner:
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


# --- one run ------------------------------------------------------------------------------------

def percentile(ordered: list[float], share: float) -> float | None:
    """The nearest-rank percentile of an ascending list: `share` of the values are at most it."""
    if not ordered:
        return None
    return ordered[max(1, math.ceil(len(ordered) * share)) - 1]


async def _load(server: Server, learners: list[Learner], seconds: int) -> dict:
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


def _children_cpu() -> float | None:
    """User and system time of this process's children that have ended (POSIX)."""
    if resource is None:
        return None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(learners: int = 100, seconds: int = 60, db: str | None = None) -> dict:
    """Serve a class to `learners` simulated learners posting an event a second for
    `seconds`; the figures (see `report`)."""
    if learners < 1 or seconds < 1:
        raise ValueError("learners and seconds must be at least 1")
    folder = Path(tempfile.mkdtemp(prefix="tutor-class-bench-"))
    server = None
    try:
        server = start_server(folder, db)
        crowd = [Learner(index, secrets.token_urlsafe(32)) for index in range(learners)]
        server_started = time.monotonic()
        children_before = _children_cpu()
        load = asyncio.run(_load(server, crowd, seconds))
        stop_server(server.process)
        server_lifetime = time.monotonic() - server_started
        children_after = _children_cpu()
        stopped_cleanly = server.process.returncode == 0
        file_rows = None
        if server.database is not None:
            file_rows = stored_rows(server.database, [learner.id for learner in crowd])
    finally:
        if server is not None:
            stop_server(server.process)
        shutil.rmtree(folder, ignore_errors=True)

    window = load["ended"] - load["began"]
    if load["server_cpu"] is not None:
        server_cpu, cpu_over, cpu_scope = load["server_cpu"], window, "load"
    elif children_before is not None and children_after is not None:
        # No /proc: what the server used from its start to its end, known once it has ended.
        server_cpu = children_after - children_before
        cpu_over, cpu_scope = server_lifetime, "whole server run"
    else:
        server_cpu, cpu_over, cpu_scope = None, 0.0, "unknown"

    mine = {learner.id: learner for learner in crowd}
    stored_room = sum(row["events"] for row in load["final_room"]["learners"]
                      if row["id"] in mine)
    accepted = sum(learner.accepted for learner in crowd)
    # An event is lost when either the room or the file lacks it.
    stored = stored_room if file_rows is None else min(stored_room, file_rows)

    latencies, unseen = [], 0
    for learner in crowd:
        # The learner's nth answered event is the one that makes its count n (each post
        # waits for the last one's answer).
        for ordinal, sent in enumerate(learner.sent):
            if ordinal < len(learner.seen) and learner.seen[ordinal] <= load["watch_ended"]:
                latencies.append(learner.seen[ordinal] - sent)
            else:
                # Never seen while watching: counted at least as late as the watching went on.
                unseen += 1
                latencies.append(load["watch_ended"] - sent)
    latencies.sort()

    def ms(value: float | None) -> float | None:
        return None if value is None else round(value * 1000, 1)

    return {
        "learners": learners, "seconds": seconds, "db": _shown(db),
        "events_posted": sum(learner.posted for learner in crowd),
        "events_accepted": accepted,
        "load_seconds": round(window, 2),
        "events_per_second": round(accepted / window, 1) if window > 0 else None,
        "failed": sum(learner.failed for learner in crowd),
        "failed_reads": load["failed_reads"],
        "stored_room": stored_room, "stored_file": file_rows,
        "lost": accepted - stored,
        "unseen": unseen,
        "dashboard_reads": load["reads"],
        "latency_ms": {"p50": ms(percentile(latencies, 0.50)),
                       "p90": ms(percentile(latencies, 0.90)),
                       "p99": ms(percentile(latencies, 0.99)),
                       "max": ms(latencies[-1] if latencies else None)},
        "server_cpu_seconds": None if server_cpu is None else round(server_cpu, 2),
        "server_cpu_percent": (round(100 * server_cpu / cpu_over, 1)
                               if server_cpu is not None and cpu_over > 0 else None),
        "server_cpu_over": cpu_scope,
        "bench_cpu_percent": round(100 * load["client_cpu"] / window, 1) if window > 0 else None,
        "server_stopped_cleanly": stopped_cleanly,
    }


def _shown(db: str | None) -> str:
    """Where the class was kept, without a password in a URL (the report may be pasted)."""
    if db is None:
        return "SQLite, in a temporary home"
    return re.sub(r"//([^/@:]*):[^/@]*@", r"//\1:***@", db)


def report(figures: dict) -> list[str]:
    latency = figures["latency_ms"]
    stored_file = ("" if figures["stored_file"] is None
                   else f", {figures['stored_file']} rows in its file")
    return [
        f"Class server load: {figures['learners']} learners, one event a second each for "
        f"{figures['seconds']} s ({figures['db']}).",
        f"  events posted     {figures['events_posted']} ({figures['events_accepted']} "
        f"answered 200) in {figures['load_seconds']} s: {figures['events_per_second']} "
        "events/s",
        f"  failed requests   {figures['failed']} posts, {figures['failed_reads']} room reads",
        f"  lost              {figures['lost']} (the room counts {figures['stored_room']}"
        f"{stored_file})",
        f"  dashboard latency p50 {latency['p50']} ms, p90 {latency['p90']} ms, "
        f"p99 {latency['p99']} ms, max {latency['max']} ms "
        f"({figures['dashboard_reads']} reads, {figures['unseen']} events unseen)",
        f"  server CPU        {figures['server_cpu_seconds']} s, "
        f"{figures['server_cpu_percent']}% of one core (over the {figures['server_cpu_over']}"
        f"; this benchmark's own: {figures['bench_cpu_percent']}%)",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tutor.classroom.bench",
                                     description=__doc__.split("\n\n")[1])
    parser.add_argument("--learners", type=int, default=100,
                        help="simulated learners (default: 100)")
    parser.add_argument("--seconds", type=int, default=60,
                        help="how long each posts an event a second (default: 60)")
    parser.add_argument("--db", metavar="FILE_OR_URL",
                        help="where the server keeps the class: a SQLite file or a "
                             "postgresql:// URL (default: a SQLite file in a temporary home)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.learners < 1 or args.seconds < 1:
        parser.error("--learners and --seconds must be at least 1")
    try:
        figures = run(args.learners, args.seconds, args.db)
    except BenchError as error:
        print(f"The benchmark could not run: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print("\n".join(report(figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The background process that sends a home's queued class events: `python -m
tutor.classroom.sender HOME`, started by `outbox.tell` when none runs (it holds
`HOME/class-sender.lock`).

It sends the outbox oldest first, in batches, and deletes what the server took; while the
server is away it tries again, less and less often (up to every few seconds). Between events
it reads the room's step every few seconds into `HOME/class-room.json`. It ends when the
learner leaves the class (or the home goes), once the session it served has ended and nothing
waits, after a long while with nothing to send when no session was ever open, and soon
(`GONE_SECONDS`) once the server has not been reached for that long with no session open:
what waits stays in the outbox, and the next event told starts a sender again. While a
session runs, it keeps trying (the room's Wi-Fi comes back).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from .. import __version__
from ..files import read_json
from ..home_layout import CLASS_SENDER_LOCK, CLASS_STATUS
from .http_client import BadAnswer, get, post, shown
from .link import session_running, valid_learner_id
from .membership import Membership, joined, membership, note_room, status, write_json
from .outbox import queued

BATCH = 50
POLL_SECONDS = 0.25          # how often the outbox is looked at
ROOM_SECONDS = 2.0           # how often the room's step is read when nothing is sent
RETRY_MAX_SECONDS = 5.0
IDLE_SECONDS = float(os.environ.get("TUTOR_CLASS_SENDER_IDLE", 15 * 60))
GONE_SECONDS = float(os.environ.get("TUTOR_CLASS_SENDER_GONE", 30))


def note(home: Path, **fields) -> None:
    data = status(home)
    data.update(fields, at=time.time())
    try:
        write_json(home / CLASS_STATUS, data)
    except OSError:
        pass


class Sender:
    """One home's sender: joins (again) when it must, sends the outbox, reads the room's step,
    and knows when to end (`run`)."""

    def __init__(self, home: Path, member: Membership):
        self.home = home
        self.joined = joined(home, member)  # False: join first (again, after a 401)
        self.wait = 0.0           # before the next try, after a failure
        self.last_room_read = 0.0
        self.last_work = time.monotonic()
        self.failing_since: float | None = None  # the server not reached since then
        self.served_session = False  # a session was open while it ran

    def join(self, member: Membership) -> bool:
        http_status, answer = post(member.url, "/api/join",
                                   {"code": member.code, "token": member.token,
                                    "name": member.name, "tutor": __version__})
        if http_status == 200:
            if not valid_learner_id(answer.get("learner")):
                raise BadAnswer("its answer to the join names no learner")
            self.joined = True
            note_room(self.home, answer)
            note(self.home, joined=True, learner=answer["learner"], refused=None, error=None)
            return True
        if 400 <= http_status < 500 and http_status != 429:
            note(self.home, joined=False,
                 refused=shown(answer.get("error") or f"HTTP {http_status}"), error=None)
            return False
        raise OSError(f"HTTP {http_status}")

    def send_batch(self, member: Membership, paths: list[Path]) -> bool:
        """Send these queued events; True when the server took them (or refused them for
        good: such an event is dropped, said in the status, never retried for ever)."""
        events, readable = [], []
        for path in paths:
            try:
                events.append(read_json(path))  # (too deep: damaged, a ValueError)
                readable.append(path)
            except (OSError, ValueError):
                path.unlink(missing_ok=True)  # half a file from a crash: nothing to send
        if not events:
            return True
        http_status, answer = post(member.url, "/api/events",
                                   {"events": events, "sent_at": time.time()}, member.token)
        if http_status == 401:  # the server does not know the token (a new class): join again
            self.joined = False
            note(self.home, joined=False)
            return False
        if http_status == 400 and len(events) > 1:  # find the one refused: send them one by one
            return all(self.send_batch(member, [path]) for path in readable)
        if http_status == 400 or http_status == 413:
            note(self.home, dropped=shown(answer.get("error") or f"HTTP {http_status}"))
        elif http_status != 200:
            raise OSError(f"HTTP {http_status}")
        for path in readable:
            path.unlink(missing_ok=True)
        note_room(self.home, answer)
        note(self.home, joined=True, error=None, sent_at=time.time())
        return True

    def round(self) -> bool:
        """One look at the outbox and the room. False when the sender should end."""
        member = membership(self.home)
        if member is None:
            return False
        if not self.joined:
            if not self.join(member):
                return False  # refused: nothing more to do until the learner joins again
        paths = queued(self.home)[:BATCH]
        if paths:
            self.send_batch(member, paths)
            self.last_work = time.monotonic()
        elif time.monotonic() - self.last_room_read >= ROOM_SECONDS:
            http_status, answer = get(member.url, "/api/target", member.token)
            self.last_room_read = time.monotonic()
            if http_status == 401:
                self.joined = False
                note(self.home, joined=False)
            elif http_status == 200:
                note_room(self.home, answer)
        return True

    def gone(self) -> bool:
        """The server has not been reached for `GONE_SECONDS`, and no session waits on it."""
        return (self.failing_since is not None
                and time.monotonic() - self.failing_since >= GONE_SECONDS
                and not session_running(self.home))

    def run(self) -> bool:
        """True when it ended for lack of work (not refused, not left, not given up)."""
        while (time.monotonic() - self.last_work < IDLE_SECONDS or queued(self.home)
               or session_running(self.home)):
            if not self.home.is_dir():
                return False  # the home went away (a test's, thrown away)
            if session_running(self.home):
                self.served_session = True
            elif self.served_session and not queued(self.home):
                return True  # its session ended, and all it told is sent
            try:
                if not self.round():
                    return False
                self.wait = 0.0
                self.failing_since = None
            except OSError as error:  # the server is away: try again, less often
                if self.failing_since is None:
                    self.failing_since = time.monotonic()
                if self.gone():
                    note(self.home, error=f"{shown(error) or 'not reached'} (for "
                                          f"{GONE_SECONDS:g} s: tried again at the next event)")
                    return False
                note(self.home, error=shown(error) or "not reached")
                self.wait = min(max(self.wait * 2, 0.5), RETRY_MAX_SECONDS)
                time.sleep(self.wait)
                continue
            if not queued(self.home):
                time.sleep(POLL_SECONDS)
        return True


def main(home: Path) -> int:
    from ..exceptions import TutorError
    from ..lock import file_lock

    while True:
        try:
            with file_lock(home / CLASS_SENDER_LOCK, 0, lambda holder: TutorError("busy")):
                member = membership(home)
                if member is None:
                    return 0
                idle = Sender(home, member).run()
        except TutorError:
            return 0  # another sender has it
        except OSError:
            return 1  # the home went away
        # An event queued just as this one was ending would wait for the next: look again.
        if not idle or not queued(home) or membership(home) is None:
            return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))

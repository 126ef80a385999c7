"""The learner's side of a class: joining it, leaving it, the room's step and the hand.

What the learner's tutor keeps of the class is in the home (`membership.py`); what it tells
the class waits in the outbox (`outbox.py`) for the sender (`sender.py`); the requests to the
server are `http_client.py`'s. Nothing here raises on a problem with the class once joined: a
learner's work never stops because of it. A join that the server refuses is an error
(`ClassError`), and nothing of it is kept.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from .. import __version__
from ..exceptions import TutorError
from ..home_layout import CLASS, CLASS_LEFT, CLASS_ROOM, CLASS_SESSION_LOCK, CLASS_STATUS
from .http_client import BadAnswer, post, shown
from .membership import (Membership, joined, membership, note_room, read_object, room_target,
                         save_membership, status, write_json)
from .outbox import ensure_sender, new_event, queued, tell, waiting

# The names the tutor's other modules (and tests) take from here, wherever they live.
__all__ = ["CODE_VARIABLE", "URL_VARIABLE", "ClassError", "Membership", "check_url",
           "default_name", "hand_is_up", "join", "joined", "leave", "left_before",
           "mark_room_seen", "membership", "present", "queued", "room_offer", "room_target",
           "save_membership", "session_running", "set_hand", "status", "tell",
           "valid_learner_id"]

URL_VARIABLE, CODE_VARIABLE = "TUTOR_CLASS", "TUTOR_CLASS_CODE"
JOIN_TIMEOUT = 3.0


class ClassError(TutorError):
    """A class that cannot be joined as given: a bad address, an empty or refused code."""


# --- the server's address ------------------------------------------------------------------

def check_url(url: str) -> str:
    """A class server's address as given (`http://192.168.1.20:8765`), without the path."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ClassError(f"{url!r} is not a class server's address.",
                         "Give the address `tutor class serve` printed, e.g. "
                         "--class http://192.168.1.20:8765")
    try:
        port = parts.port
    except ValueError:
        raise ClassError(f"{url!r} has a port that is not a number.",
                         "Give the address `tutor class serve` printed.") from None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


# --- joining and leaving ---------------------------------------------------------------------

def valid_learner_id(value) -> bool:
    """The server's id for a learner: a few letters and digits (it is kept and shown)."""
    return isinstance(value, str) and 0 < len(value) <= 64 and value.isascii() \
        and value.isalnum()


def default_name() -> str:
    """The name the learner joins under when they give none: user@machine."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "learner"
    return f"{user}@{socket.gethostname()}"[:80]


def join(home: Path, url: str, code: str, name: str) -> tuple[Membership, bool]:
    """Join the class at `url`. Returns the membership and whether the server said yes now;
    False: it could not be reached, and the sender joins when it can. A wrong code is an
    error, and nothing is kept."""
    url = check_url(url)
    if not code.strip():
        raise ClassError("The join code is empty.", "Give the code the instructor shows, "
                         "e.g. --code ABCD-EFGH.")
    earlier = membership(home)
    same = earlier is not None and earlier.url == url
    member = Membership(url=url, code=code.strip(), name=name,
                        token=earlier.token if same else secrets.token_urlsafe(32),
                        hand=earlier.hand if same else False,
                        room_seen=earlier.room_seen if same else 0)
    body = {"code": member.code, "token": member.token, "name": name, "tutor": __version__}
    try:
        answer_status, answer = post(url, "/api/join", body, timeout=JOIN_TIMEOUT)
    except BadAnswer as error:
        raise ClassError(f"What answers at {url} is not a class server: {error}.",
                         "Check the address the instructor shows.") from None
    except OSError:
        answer_status, answer = None, {}
    if answer_status == 200 and not valid_learner_id(answer.get("learner")):
        raise ClassError(f"What answers at {url} is not a class server: its answer to the "
                         "join names no learner.", "Check the address the instructor shows.")
    if answer_status == 403 and answer.get("error") == "wrong join code":
        raise ClassError(f"The class at {url} refused the join code {shown(code.strip())!r}.",
                         "Check the code the instructor shows (letters and digits; dashes "
                         "and case do not matter).")
    if answer_status is not None and answer_status != 200:
        raise ClassError(f"The class at {url} refused to join: "
                         f"{shown(answer.get('error') or f'HTTP {answer_status}')}.",
                         "Check the address the instructor shows.")
    if earlier is not None and not same:
        leave(home)  # the class joined before: only now, once this one did not say no
    from ..paths import claim_home

    claim_home(home)  # the home is the tutor's (and made, when it is new)
    if answer_status == 200:
        member.learner = answer.get("learner")
        note_room(home, answer)
    save_membership(home, member)
    write_json(home / CLASS_STATUS, {"joined": answer_status == 200, "learner": member.learner,
                                    "refused": None,
                                    "error": None if answer_status else "not reached",
                                    "at": time.time()})
    (home / CLASS_LEFT).unlink(missing_ok=True)
    if answer_status != 200 or queued(home):
        ensure_sender(home)  # it joins when the server can be reached; it sends what waits
    return member, answer_status == 200


def leave(home: Path) -> Membership | None:
    """Leave the class: the server is told (if it answers within a moment); the membership
    and everything queued for it go."""
    member = membership(home)
    if member is None:
        return None
    if joined(home, member):
        event = new_event("left", {"lesson": None, "step": None, "steps": None, "done": {}}, {})
        try:
            post(member.url, "/api/events", {"events": [event], "sent_at": time.time()},
                 member.token, timeout=2.0)
        except OSError:
            pass
    for path in queued(home):
        path.unlink(missing_ok=True)
    for name in (CLASS, CLASS_STATUS, CLASS_ROOM):
        (home / name).unlink(missing_ok=True)
    write_json(home / CLASS_LEFT, {"url": member.url, "at": time.time()})
    return member


def left_before(home: Path, url: str) -> bool:
    """Whether the learner left the class at `url` (then $TUTOR_CLASS does not join it)."""
    data = read_object(home / CLASS_LEFT) or {}
    try:
        return data.get("url") == check_url(url)
    except ClassError:
        return False


# --- a session's presence: its sender keeps trying while one runs --------------------------

@contextlib.contextmanager
def present(home: Path) -> Iterator[None]:
    """While a session runs: its lock held (a second session on the home shares the first's)."""
    from ..lock import file_lock

    held = contextlib.ExitStack()
    try:
        held.enter_context(file_lock(home / CLASS_SESSION_LOCK, 0, lambda holder: ClassError("")))
    except ClassError:
        pass
    with held:
        yield


def session_running(home: Path) -> bool:
    """Whether a session (`tutor start`) on this home is open, in any process."""
    from ..lock import held_elsewhere

    return held_elsewhere(home / CLASS_SESSION_LOCK)


# --- the room's step, offered --------------------------------------------------------------

def room_offer(home: Path, course, lesson_id: str, step: int) -> dict | None:
    """The room's step when the learner is behind it (an earlier lesson of the course, or an
    earlier step of the same one): the session offers to go there. None otherwise."""
    if membership(home) is None:
        return None
    target = room_target(home)
    if target is None or target["lesson"] not in course.order:
        return None
    if not 1 <= target["step"] <= len(course.get(target["lesson"]).steps):
        return None  # not a step of this learner's course: nothing to offer
    order = course.order
    here = order.index(lesson_id) if lesson_id in order else -1
    there = order.index(target["lesson"])
    if here < there or (here == there and step < target["step"]):
        return target
    return None


def mark_room_seen(home: Path, seq: int) -> bool:
    """True the first time the room's step `seq` is said to this learner."""
    member = membership(home)
    if member is None or member.room_seen >= seq:
        return False
    member.room_seen = seq
    save_membership(home, member)
    return True


def set_hand(home: Path, raised: bool) -> None:
    """The learner raised (or lowered) their hand here; the event telling it is queued apart."""
    member = membership(home)
    if member is not None:
        member.hand, member.hand_at = raised, time.time()
        save_membership(home, member)


def hand_is_up(home: Path) -> bool:
    """The learner's hand: as the server last said (it lowers a hand when a step passes or
    the instructor lowers it), once it has heard of the learner's last raise or lower."""
    member = membership(home)
    if member is None:
        return False
    room = read_object(home / CLASS_ROOM) or {}
    heard = (isinstance(room.get("hand"), bool) and isinstance(room.get("at"), (int, float))
             and room["at"] > member.hand_at and not waiting(home, "hand"))
    return room["hand"] if heard else member.hand

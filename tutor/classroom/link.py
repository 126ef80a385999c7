"""The learner's side of a class: joining it, telling it what happens, leaving it.

Telling never waits on the network: an event is a small file written into the home's outbox
(`HOME/class-outbox/`), and a background process (`sender`) sends the outbox in order and
reads the room's step into `HOME/class-room.json`. The server may be away (the room's Wi-Fi):
the outbox keeps the events, and the sender tries again. A retried event is stored once (the
server knows each by its id). Nothing here raises on a problem with the class: a learner's
work never stops because of it.

A server's answer is data from the network: at most `MAX_ANSWER_BYTES` of it is read, one
that is larger or is not a JSON object is a failure (`BadAnswer`), never a "yes", and what
of it is shown to the learner has its control characters made visible (`markup.printable`).
`class.json` holds the learner's secret token: it is written owner-only (0600), in a home
kept owner-only (0700), whatever the umask.

The files, all in the home:
- `class.json`: the membership (the server's address, the join code, the learner's secret
  token, their name; whether their hand is up; the room's step they were last told of),
  written by the learner's tutor only;
- `class-status.json`: what the sender last saw (joined, as which learner, refused, the last
  error), written by the sender (and by the first join);
- `class-room.json`: the room's step, as the sender last read it;
- `class-left.json`: a class the learner left, so that $TUTOR_CLASS does not join it again.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from .. import __version__
from ..exceptions import TutorError
from ..files import write_atomically
from ..home_layout import (CLASS, CLASS_LEFT, CLASS_OUTBOX, CLASS_ROOM, CLASS_SENDER_LOCK,
                           CLASS_SESSION_LOCK, CLASS_STATUS)

URL_VARIABLE, CODE_VARIABLE = "TUTOR_CLASS", "TUTOR_CLASS_CODE"
JOIN_TIMEOUT = 3.0
# A class server's answers are small JSON objects (a room step, an error): more is not one.
MAX_ANSWER_BYTES = 64 * 1024
# And they come whole within this many times a request's timeout, however slowly a server
# drips them (each read's own timeout would let one byte every few seconds go on for hours).
ANSWER_DEADLINE_FACTOR = 2


class ClassError(TutorError):
    pass


class BadAnswer(OSError):
    """What answered is not a class server: too large an answer, or not a JSON object."""


def shown(value, limit: int = 200) -> str:
    """Text from the network as it may be printed: control characters visible, bounded."""
    from ..markup import printable

    text = printable(str(value))
    return text if len(text) <= limit else text[:limit - 1] + "…"


@dataclass
class Membership:
    url: str
    code: str
    token: str
    name: str
    learner: str | None = None  # the server's id for the learner, when `join` got it
    hand: bool = False
    hand_at: float = 0.0        # when the learner last raised or lowered it here
    room_seen: int = 0          # the room step (its seq) already said to the learner


# --- files ---------------------------------------------------------------------------------

def _read_json(path: Path) -> dict | None:
    from ..files import read_json

    try:
        data = read_json(path)  # (100 000 brackets deep: damaged, not a RecursionError)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_json(path: Path, data: dict, owner_only: bool = False) -> None:
    """Whole or not at all: a reader never meets half a file (not flushed to disk: these
    are the class's, written at each event, and none is the learner's work). `owner_only`:
    a file that holds a secret, readable by its owner alone (0600)."""
    write_atomically(path, json.dumps(data), durable=False,
                     mode=0o600 if owner_only else 0o644)


def membership(home: Path) -> Membership | None:
    data = _read_json(home / CLASS)
    if data is None:
        return None
    try:
        return Membership(**{key: data[key] for key in Membership.__dataclass_fields__
                             if key in data})
    except TypeError:
        return None


def save_membership(home: Path, member: Membership) -> None:
    """The membership holds the learner's token: the file, and the home, are the owner's."""
    if os.name != "nt":
        with contextlib.suppress(OSError):  # (a home not the learner's own: the file still is)
            os.chmod(home, 0o700)
    write_json(home / CLASS, asdict(member), owner_only=True)


def status(home: Path) -> dict:
    return _read_json(home / CLASS_STATUS) or {}


def joined(home: Path, member: Membership) -> bool:
    """Whether the server has taken the learner in (at `join`, or since, by the sender)."""
    data = status(home)
    return bool(data.get("joined")) if "joined" in data else member.learner is not None


def note_room(home: Path, answer: dict) -> None:
    """The room's step (and the learner's hand) as a server's answer says them."""
    if "target" in answer:
        write_json(home / CLASS_ROOM, {"target": answer.get("target"),
                                      "hand": answer.get("hand"), "at": time.time()})


def room_target(home: Path) -> dict | None:
    """The room's step as last read from the server: {lesson, step, seq, title} or None."""
    data = _read_json(home / CLASS_ROOM) or {}
    target = data.get("target")
    if (isinstance(target, dict) and isinstance(target.get("lesson"), str)
            and isinstance(target.get("step"), int) and isinstance(target.get("seq"), int)):
        return target
    return None


def queued(home: Path) -> list[Path]:
    try:
        return sorted((home / CLASS_OUTBOX).glob("*.json"))
    except OSError:
        return []


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


def post(url: str, path: str, body: dict, token: str = "", timeout: float = 5.0):
    """POST JSON; returns (status, answer). Raises OSError when the server is not reached."""
    return _request(url, path, json.dumps(body).encode("utf-8"), token, timeout)


def get(url: str, path: str, token: str = "", timeout: float = 5.0):
    return _request(url, path, None, token, timeout)


def _request(url: str, path: str, data: bytes | None, token: str, timeout: float):
    import http.client
    import urllib.error
    import urllib.request

    headers = {"Content-Type": "application/json", "User-Agent": "migration-tutor"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url + path, data=data, headers=headers,
                                     method="POST" if data is not None else "GET")

    def fetch() -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as error:
            try:
                return error.code, error.read(MAX_ANSWER_BYTES + 1)
            except OSError:
                return error.code, b""
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise OSError(str(getattr(error, "reason", error))) from None
        except http.client.HTTPException as error:  # a reply that is not HTTP
            raise BadAnswer(f"its answer is not HTTP ({type(error).__name__})") from None

    status, raw = _within(fetch, timeout * ANSWER_DEADLINE_FACTOR)
    if len(raw) > MAX_ANSWER_BYTES:
        raise BadAnswer(f"its answer is larger than {MAX_ANSWER_BYTES // 1024} KiB")
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        answer = None
    if not isinstance(answer, dict):
        if 200 <= status < 300:
            raise BadAnswer("its answer is not a class server's (not a JSON object)")
        answer = {}  # an error page from something on the way: its status says enough
    return status, answer


def _within(fetch, seconds: float):
    """`fetch()`, or OSError once `seconds` have passed without its answer (it goes on in a
    thread of its own, which dies with the process: its socket times out on its own)."""
    import threading

    outcome: dict = {}

    def run() -> None:
        try:
            outcome["answer"] = fetch()
        except BaseException as error:  # handed to the caller, whatever it is
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True, name="class-request")
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise OSError(f"no whole answer within {seconds:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["answer"]


# --- joining and leaving ---------------------------------------------------------------------

def valid_learner_id(value) -> bool:
    """The server's id for a learner: a few letters and digits (it is kept and shown)."""
    return isinstance(value, str) and 0 < len(value) <= 64 and value.isascii() \
        and value.isalnum()


def default_name() -> str:
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
    data = _read_json(home / CLASS_LEFT) or {}
    try:
        return data.get("url") == check_url(url)
    except ClassError:
        return False


# --- telling --------------------------------------------------------------------------------

def new_event(kind: str, position: dict, detail: dict) -> dict:
    return {"id": f"{time.time_ns():016x}{secrets.token_hex(4)}", "kind": kind,
            "at": time.time(), **position, "detail": detail}


def tell(home: Path, kind: str, position: dict, detail: dict | None = None) -> None:
    """Queue an event for the class (when the learner is in one) and see that it is sent.
    Never raises and never waits on the network."""
    try:
        if not (home / CLASS).exists():
            return
        event = new_event(kind, position, detail or {})
        outbox = home / CLASS_OUTBOX
        outbox.mkdir(exist_ok=True)
        # Named by id (in the order made) and kind: a hand still waiting is seen by its name.
        write_json(outbox / f"{event['id']}-{kind}.json", event)
        ensure_sender(home)
    except Exception:  # noqa: BLE001 - the class is never a reason for the tutor to fail
        pass


def ensure_sender(home: Path) -> None:
    """Start the home's sender unless one runs (it holds `class-sender.lock`)."""
    from ..lock import held_elsewhere

    if held_elsewhere(home / CLASS_SENDER_LOCK):
        return
    options = {}
    if os.name == "nt":  # pragma: no cover - Windows only
        options["creationflags"] = (subprocess.DETACHED_PROCESS
                                    | subprocess.CREATE_NEW_PROCESS_GROUP)
    else:
        options["start_new_session"] = True  # a Ctrl-C at the terminal is not for it
    subprocess.Popen([sys.executable, "-m", "tutor.classroom.sender", str(home)],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, close_fds=True, **options)


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
    room = _read_json(home / CLASS_ROOM) or {}
    heard = (isinstance(room.get("hand"), bool) and isinstance(room.get("at"), (int, float))
             and room["at"] > member.hand_at
             and not any(path.name.endswith("-hand.json") for path in queued(home)))
    return room["hand"] if heard else member.hand

"""The class's files in a learner's home: who the learner is in which class, what the sender
last saw, the room's step. Each is read whole or not at all (a damaged or missing file reads as
none) and written atomically, so that the tutor, the sender and a second terminal never meet
half a file. `class.json` holds the learner's secret token: it is written owner-only (0600),
in a home kept owner-only (0700), whatever the umask.

The files, all in the home (their names are `home_layout`'s):
- `class.json`: the membership (the server's address, the join code, the learner's secret
  token, their name; whether their hand is up; the room's step they were last told of),
  written by the learner's tutor only;
- `class-status.json`: what the sender last saw (joined, as which learner, refused, the last
  error), written by the sender (and by the first join);
- `class-room.json`: the room's step (and the learner's hand), as the sender last read it;
- `class-left.json`: a class the learner left, so that $TUTOR_CLASS does not join it again
  (`link.leave` writes it).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..files import write_atomically
from ..home_layout import CLASS, CLASS_ROOM, CLASS_STATUS


@dataclass
class Membership:
    """The learner's place in one class, as `class.json` keeps it."""

    url: str
    code: str
    token: str
    name: str
    learner: str | None = None  # the server's id for the learner, when `join` got it
    hand: bool = False
    hand_at: float = 0.0        # when the learner last raised or lowered it here
    room_seen: int = 0          # the room step (its seq) already said to the learner


def read_object(path: Path) -> dict | None:
    """The JSON object in `path`; None when it is missing, damaged or not an object."""
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
    data = read_object(home / CLASS)
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
    """What the sender last saw (`class-status.json`); empty when nothing was seen yet."""
    return read_object(home / CLASS_STATUS) or {}


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
    data = read_object(home / CLASS_ROOM) or {}
    target = data.get("target")
    if (isinstance(target, dict) and isinstance(target.get("lesson"), str)
            and isinstance(target.get("step"), int) and isinstance(target.get("seq"), int)):
        return target
    return None

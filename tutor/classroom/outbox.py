"""The class's outbox in a learner's home, and the sender that empties it.

Telling never waits on the network: an event is a small file written into the home's outbox
(`HOME/class-outbox/`, named by its id, in the order made, and its kind), and a background
process (`sender.py`) sends the outbox in order. The server may be away (the room's Wi-Fi):
the outbox keeps the events, and the sender tries again. A retried event is stored once (the
server knows each by its id). Nothing here raises on a problem with the class: a learner's
work never stops because of it.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

from ..home_layout import CLASS, CLASS_OUTBOX, CLASS_SENDER_LOCK
from .membership import write_json


def queued(home: Path) -> list[Path]:
    """The events waiting to be sent, oldest first."""
    try:
        return sorted((home / CLASS_OUTBOX).glob("*.json"))
    except OSError:
        return []


def new_event(kind: str, position: dict, detail: dict) -> dict:
    """An event as the server takes it: a unique id (in the order made), its kind, when,
    where the learner is (`position`), and what it says (`detail`)."""
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


def waiting(home: Path, kind: str) -> bool:
    """Whether an event of `kind` is still in the outbox (seen by its file's name)."""
    return any(path.name.endswith(f"-{kind}.json") for path in queued(home))

"""The servers a home's sandbox has left: once a build puts the sandbox's database elsewhere
(`--database sqlite`, or another server), the databases the home's tutor made on the server
it left (its sandbox, its kept starts, its spare) are dropped, as the old SQLite file goes
with the old sandbox folder. Only databases marked as this home's are ever dropped (see
`server_databases.py`).

A server that cannot be reached then is remembered in `HOME/servers-left.json` and tried
again at each later build, so nothing is left behind for good without the learner being told.
"""

from __future__ import annotations

import json
from pathlib import Path

from .backends import Server, parse
from .exceptions import TutorError
from .home_layout import SERVERS_LEFT



def leave(home: Path, previous: Server | None, now: Server | None) -> list[str]:
    """After a build onto `now` (None: SQLite), drop the home's databases on `previous` and on
    any server left before and not yet cleaned, but never on `now`. Returns what to tell."""
    waiting = _remembered(home)
    if previous is not None and not previous.same_place(now) \
            and not any(previous.same_place(server) for server in waiting):
        waiting.append(previous)
    waiting = [server for server in waiting if not server.same_place(now)]
    if not waiting and not (home / SERVERS_LEFT).exists():
        return []
    from .spare_database import drop_home

    notes, still = [], []
    for server in waiting:
        try:
            drop_home(server, home)
        except Exception as error:  # the build is done: what is left is said, not raised
            still.append(server)
            reason = getattr(error, "message", "") or str(error).strip()
            notes.append(f"The tutor's databases for this home on {server.shown()} could not "
                         f"be dropped: {reason} They will be tried again at the next "
                         "reset.")
        else:
            notes.append(f"The sandbox no longer uses {server.shown()}: the tutor's databases "
                         "for this home there are dropped.")
    _remember(home, still)
    return notes


def _remembered(home: Path) -> list[Server]:
    from .files import read_json

    try:
        urls = read_json(home / SERVERS_LEFT)
    except (OSError, ValueError):  # (100 000 brackets deep too: after a build, never a crash)
        return []
    servers = []
    for url in urls if isinstance(urls, list) else []:
        try:
            server = parse(url) if isinstance(url, str) else None
        except TutorError:
            server = None
        if server is not None:
            servers.append(server)
    return servers


def _remember(home: Path, servers: list[Server]) -> None:
    path = home / SERVERS_LEFT
    if not servers:
        path.unlink(missing_ok=True)
        return
    from .files import write_atomically

    # The URLs may hold passwords.
    write_atomically(path, json.dumps([server.url() for server in servers]) + "\n", secret=True)

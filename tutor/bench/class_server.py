"""The class server under load, as a process of its own (`tutor class serve` in a temporary
home): started on a free port once its banner says where it is (the join code) and its key
file holds the dashboard's key, stopped as Ctrl-C stops it, and measured from outside: its
CPU (Linux's /proc, or the children's rusage once it ended) and the events in its SQLite file.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..home_layout import CLASS_DATABASE, CLASS_KEY

try:
    import resource  # POSIX only: the server's CPU where there is no /proc
except ImportError:
    resource = None

BANNER_TIMEOUT = 60.0      # the server's start, on a slow machine


class BenchError(RuntimeError):
    """The benchmark could not run (the server did not start, a learner could not join)."""


@dataclass
class Server:
    """The running class server: its process, its address, the class's code and key."""

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


def children_cpu() -> float | None:
    """User and system time of this process's children that have ended (POSIX)."""
    if resource is None:
        return None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime

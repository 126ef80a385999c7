"""A real class server for the tests: `tutor class serve` in a process of its own, on a free
port, and plain HTTP calls to it (the standard library's, as a learner's tutor makes them)."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def token() -> str:
    """A learner's secret, as a tutor makes one."""
    return secrets.token_urlsafe(32)


def session_present(home: Path) -> subprocess.Popen:
    """A process that holds the home's session presence (as `tutor start` does) until it is
    killed; returned once it holds it."""
    session = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\nfrom pathlib import Path\nfrom tutor.classroom.link import present\n"
        "with present(Path(sys.argv[1])):\n    print('in', flush=True)\n    time.sleep(60)\n"),
        str(home)], stdout=subprocess.PIPE, text=True)
    assert session.stdout.readline() == "in\n"
    return session


@dataclass
class ClassServer:
    process: subprocess.Popen
    url: str
    code: str
    key: str
    port: int
    log: Path
    banner: str
    home: Path

    def stop(self, sign: int = signal.SIGTERM) -> str:
        """Stop it (SIGTERM: as Ctrl-C; SIGKILL: a crash); returns what it printed last."""
        if self.process.poll() is None:
            self.process.send_signal(sign)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        rest = self.process.stdout.read() if self.process.stdout else ""
        return rest

    def logged(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    # --- calls ------------------------------------------------------------------------

    def call(self, method: str, path: str, body=None, token: str = "", raw: bytes | None = None,
             content_type: str = "application/json") -> tuple[int, dict | str, dict]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None
                                            else None)
        headers = {"Content-Type": content_type}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.url + path, data=data, headers=headers,
                                         method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, text, answer_headers = (response.status, response.read(),
                                                dict(response.headers))
        except urllib.error.HTTPError as error:
            status, text, answer_headers = error.code, error.read(), dict(error.headers)
        decoded = text.decode("utf-8", errors="replace")
        try:
            return status, json.loads(decoded), answer_headers
        except ValueError:
            return status, decoded, answer_headers

    def join(self, token: str, name: str, code: str | None = None) -> tuple[int, dict]:
        status, answer, _ = self.call("POST", "/api/join", {
            "code": self.code if code is None else code, "token": token, "name": name})
        return status, answer

    def post_events(self, token: str, events: list[dict], sent_at: float | None = None):
        status, answer, _ = self.call("POST", "/api/events", {
            "events": events, "sent_at": time.time() if sent_at is None else sent_at}, token)
        return status, answer

    def room(self) -> dict:
        status, answer, _ = self.call("GET", "/api/room", token=self.key)
        assert status == 200, answer
        return answer

    def learner_row(self, name: str) -> dict:
        rows = [row for row in self.room()["learners"] if row["name"] == name]
        assert len(rows) == 1, (name, [row["name"] for row in self.room()["learners"]])
        return rows[0]

    def wait_for(self, test, timeout: float = 15.0, what: str = "the room to change") -> dict:
        deadline = time.monotonic() + timeout
        while True:
            data = self.room()
            if test(data):
                return data
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout}s for {what}; the room: "
                                     f"{json.dumps(data['learners'])[:2000]}")
            time.sleep(0.1)


def start_class_server(home: Path, *args: str, port: int = 0,
                       open_files: int | None = None) -> ClassServer:
    """`tutor class serve` on `port` (0: a free one), once it listens; `open_files`: its
    limit of open files (soft and hard: the server cannot raise it)."""
    log = home.parent / f"{home.name}-class-server-{time.time_ns()}.log"
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")

    def limit_files() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

    process = subprocess.Popen(
        [sys.executable, "-m", "tutor", "--home", str(home), "class", "serve",
         "--port", str(port), *args],
        stdout=subprocess.PIPE, stderr=open(log, "w", encoding="utf-8"), text=True, env=env,
        cwd=REPO, preexec_fn=limit_files if open_files else None)
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Ctrl-C stops it"):
            banner = "".join(lines)
            url = re.search(r"--class (http://\S+)", banner).group(1)
            code = re.search(r"--code (\S+)", banner).group(1)
            key = instructor_key(home, banner)
            return ClassServer(process, url, code, key, int(url.rsplit(":", 1)[1]), log,
                               banner, home)
    process.kill()
    raise AssertionError("the class server did not start: " + "".join(lines)
                         + log.read_text(encoding="utf-8"))


def instructor_key(home: Path, banner: str) -> str:
    """The instructor's key: from the owner-only file the banner names (once, the banner)."""
    shown = re.search(r"#key=(\S+)", banner)
    if shown:
        return shown.group(1)
    text = (home / "class-dashboard.txt").read_text(encoding="utf-8")
    return re.search(r"#key=(\S+)", text).group(1)


def event(kind: str = "check", lesson: str = "first-migrations", step: int | None = 1,
          **fields) -> dict:
    """A well-formed event, as a learner's tutor sends it."""
    import secrets

    detail = fields.pop("detail", None)
    if detail is None:
        detail = {"check": {"passed_steps": [], "unmet": ["the migration file exists"]},
                  "hint": {"number": 1, "total": 3}, "hand": {"raised": True, "message": ""},
                  "solution": {"how": "shown"}}.get(kind, {})
    data = {"id": secrets.token_hex(8), "kind": kind, "at": time.time(), "lesson": lesson,
            "step": step, "steps": 4, "done": {}, "detail": detail}
    data.update(fields)
    return data


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- from another machine ---------------------------------------------------------------------
# The loopback network is 127.0.0.0/8: a connection from 127.0.0.2 to a server on 127.0.0.1
# comes from another address than the server's own, as a laptop in the room does.
ANOTHER_MACHINE = "127.0.0.2"


def call_from(server: ClassServer, source: str, method: str, path: str, body=None,
              token: str = "", timeout: float = 10.0) -> tuple[int, dict]:
    """One HTTP request to the class server from the address `source`."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout,
                                            source_address=(source, 0))
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, None if body is None else json.dumps(body),
                           headers)
        response = connection.getresponse()
        status, text = response.status, response.read()
    finally:
        connection.close()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, {"text": text.decode("utf-8", "replace")}


def held_socket(server: ClassServer, source: str, first_bytes: bytes,
                timeout: float = 0.3):
    """A connection from `source` that sends `first_bytes` and then holds on (None: the
    connection could not be made)."""
    import socket

    held = socket.socket()
    held.settimeout(timeout)
    try:
        held.bind((source, 0))
        held.connect(("127.0.0.1", server.port))
        held.sendall(first_bytes)
    except OSError:
        held.close()
        return None
    return held


def sender_processes(home: Path) -> list[str]:
    """The command lines of running processes (class senders, servers) that name `home`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            words = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        line = " ".join(word.decode("utf-8", "replace") for word in words if word)
        if str(home) in line and "tutor" in line:
            found.append(f"{entry.name}: {line}")
    return found

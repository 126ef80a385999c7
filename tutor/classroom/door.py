"""Who may hold a connection to the class server, and for how long: the door.

Invariants:
- a connection with no request being answered is closed once it has been idle (its headers
  not all sent, or nothing sent since its last answer) for `HEADER_TIMEOUT_SECONDS`; a
  request's body must arrive within `BODY_TIMEOUT_SECONDS` (`server._body`);
- one address holds at most `CONNECTIONS_PER_ADDRESS` connections, and all of them together
  stay below the process's open-file limit (`MAX_CONNECTIONS`): a connection over either is
  closed as soon as it is accepted, so the server never runs out of file descriptors;
- the instructor's own machine (a connection whose peer is the very address it reached the
  server on) is never turned away: the dashboard is served while another address holds its
  cap, or the whole room is full;
- an error that repeats (a refused address, the event loop's accept failing, a bug met on
  every request) is logged once, then counted: one line with the count a minute, never a
  traceback per occurrence.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass, field

HEADER_TIMEOUT_SECONDS = 5.0
BODY_TIMEOUT_SECONDS = 5.0
CONNECTIONS_PER_ADDRESS = 32
# File descriptors kept for the store, the log, the listening socket and the instructor.
RESERVED_FILES = 64
SWEEP_SECONDS = 0.5
REPEAT_REPORT_SECONDS = 60.0
REPEAT_KINDS = 1000  # kinds of error told apart; more are counted together

log = logging.getLogger("tutor.class")


def open_files_limit() -> int:
    """The process's open-file limit, raised to its hard limit where allowed (Linux, macOS)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows: no such limit to raise
        return 8192
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return 65536 if soft == resource.RLIM_INFINITY else soft


class Repeats:
    """An error said once, then counted: `say(key, line)` logs the first of each key, and
    the count of the others once a minute (and at `flush`)."""

    def __init__(self, logger: logging.Logger = log):
        self.logger = logger
        self.counts: Counter = Counter()
        self.first_lines: dict = {}
        self.reported_at = time.monotonic()

    def say(self, key, line: str, level: int = logging.WARNING, exc_info=None) -> None:
        if key not in self.first_lines and len(self.first_lines) >= REPEAT_KINDS:
            key, line = "others", "other errors, each logged once already"
        if key not in self.first_lines:
            self.first_lines[key] = line
            self.logger.log(level, "%s", line, exc_info=exc_info)
        else:
            self.counts[key] += 1
        if time.monotonic() - self.reported_at >= REPEAT_REPORT_SECONDS:
            self.flush()

    def flush(self) -> None:
        for key, count in self.counts.items():
            if count:
                self.logger.warning("%s (again %d times since)", self.first_lines[key], count)
        self.counts.clear()
        self.reported_at = time.monotonic()


def loop_errors(repeats: Repeats):
    """The event loop's exception handler: a failing accept ("Too many open files") or a
    broken connection said once with its count, not a traceback each time."""
    def handle(loop, context: dict) -> None:
        error = context.get("exception")
        message = context.get("message", "event loop error")
        key = (message, type(error).__name__, getattr(error, "errno", None))
        repeats.say(key, f"{message}: {error!r}" if error else message, logging.ERROR)
    return handle


class RequestErrors(logging.Filter):
    """aiohttp's own "Error handling request" (a request it could not parse: a control
    character in its first line or a header, from anyone on the network), with a traceback
    each time: said once per kind of error, without the traceback, then counted. Anything
    else aiohttp logs goes on as it is."""

    def __init__(self, repeats: Repeats):
        super().__init__()
        self.repeats = repeats

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is None:
            return True
        from ..markup import printable

        said = printable(str(error).strip().splitlines()[0] if str(error).strip() else "")
        self.repeats.say(("request", type(error).__name__),
                         f"{printable(record.getMessage())}: {type(error).__name__}: "
                         f"{said[:200]}", logging.WARNING)
        return False


@dataclass(eq=False)
class Connection:
    """One connection the door let in: whose, whether it is the instructor's own machine's,
    and whether it is answering a request or idle since when."""

    address: str
    transport: asyncio.Transport
    local: bool                # from the server's own machine (the instructor's)
    busy: int = 0              # requests being answered on it
    idle_since: float = field(default_factory=time.monotonic)


class Door:
    """Every connection to the class server, from its accepting to its closing: it turns away
    one over an address's or the process's bound and closes the idle ones (see the module's
    invariants); `watch` sets it on aiohttp's server, `started`/`finished` mark requests."""

    def __init__(self, per_address: int = CONNECTIONS_PER_ADDRESS,
                 header_timeout: float = HEADER_TIMEOUT_SECONDS,
                 max_connections: int | None = None, repeats: Repeats | None = None):
        self.per_address = per_address
        self.header_timeout = header_timeout
        self.max_connections = (max_connections if max_connections is not None
                                else max(64, open_files_limit() - RESERVED_FILES))
        self.repeats = repeats or Repeats()
        self.connections: dict[object, Connection] = {}
        self.by_address: Counter = Counter()
        self._sweeper: asyncio.Task | None = None
        self.refused = 0
        self.timed_out = 0

    # --- watching aiohttp's server ------------------------------------------------------

    def watch(self, server) -> None:
        """Hook the door into an aiohttp `web.Server`: each handler tells it of its
        connection's start and end (`connection_made` / `connection_lost`)."""
        made, lost = server.connection_made, server.connection_lost

        def connection_made(handler, transport) -> None:
            made(handler, transport)
            self.admit(handler, transport)

        def connection_lost(handler, exc) -> None:
            self.release(handler)
            lost(handler, exc)

        server.connection_made, server.connection_lost = connection_made, connection_lost
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep())

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            try:
                await self._sweeper
            except asyncio.CancelledError:
                pass
        self.repeats.flush()

    # --- connections -----------------------------------------------------------------------

    def admit(self, handler, transport) -> None:
        peer = transport.get_extra_info("peername")
        here = transport.get_extra_info("sockname")
        address = peer[0] if isinstance(peer, tuple) else str(peer or "?")
        local = isinstance(here, tuple) and here[0] == address
        connection = Connection(address, transport, local)
        if not local:
            reason = None
            if self.by_address[address] >= self.per_address:
                reason = f"it holds {self.per_address} connections already"
            elif len(self.connections) >= self.max_connections:
                reason = f"the server holds {self.max_connections} connections"
            if reason is not None:
                self.refused += 1
                self.repeats.say(("refused", address, reason),
                                 f"refused a connection from {address}: {reason}")
                # Once aiohttp's handler has started on it (it is being made now).
                asyncio.get_running_loop().call_soon(transport.abort)
                return
        self.connections[handler] = connection
        self.by_address[address] += 1

    def release(self, handler) -> None:
        connection = self.connections.pop(handler, None)
        if connection is not None:
            self.by_address[connection.address] -= 1
            if self.by_address[connection.address] <= 0:
                del self.by_address[connection.address]

    def started(self, handler) -> None:
        """A request's headers are in: its handler runs (however long a long poll waits)."""
        connection = self.connections.get(handler)
        if connection is not None:
            connection.busy += 1

    def finished(self, handler) -> None:
        connection = self.connections.get(handler)
        if connection is not None:
            connection.busy -= 1
            connection.idle_since = time.monotonic()

    def is_local(self, handler) -> bool:
        connection = self.connections.get(handler)
        return connection is not None and connection.local

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            deadline = time.monotonic() - self.header_timeout
            for connection in list(self.connections.values()):
                if not connection.busy and connection.idle_since < deadline:
                    self.timed_out += 1
                    # (one count for all: the addresses that hold too many are named
                    # by the refusals)
                    self.repeats.say("slow", f"closed a connection from {connection.address}: "
                                             f"no request within {self.header_timeout:g} s")
                    connection.transport.close()

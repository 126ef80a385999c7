"""Starting the class's server (`tutor class serve`): its store, its class, the address it
listens on, what it prints for the instructor, and the stop at Ctrl-C or SIGTERM.

What it prints is for a screen the room may see (the instructor projects it): the learners'
command with the join code, and the dashboard's address without the instructor's key. The key
is written to an owner-only file (`class-dashboard.txt` in the tutor's home: see
`home_layout.py`) that the banner names. A
database URL is shown with its password hidden, everywhere.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

from aiohttp import web

from .. import __version__
from . import room
from .door import Door, RequestErrors, loop_errors
from .server import SEATS_PER_ADDRESS, ClassServer
from .store import ClassInfo, Store, owner_only
from ..home_layout import CLASS_KEY



def shown_location(location: str) -> str:
    """The store's place as it may be printed: a URL's password hidden."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(location)
    except ValueError:
        return location
    if not parts.scheme or parts.password is None:
        return location
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def dashboard_address(host: str, port: int) -> str:
    everywhere = host in ("0.0.0.0", "::", "")
    local = "127.0.0.1" if everywhere or host == "localhost" else host
    return f"http://{_host(local)}:{port}/"


def write_key_file(path: Path, host: str, port: int, info: ClassInfo) -> None:
    """The dashboard's address with the key, where only the instructor can read it."""
    owner_only(path)
    path.write_text(f"{dashboard_address(host, port)}#key={info.instructor_key}\n"
                    f"The instructor's key: {info.instructor_key}\n", encoding="utf-8")


def course_outline(course) -> room.CourseOutline:
    return room.CourseOutline([{"id": lesson.id, "title": lesson.title,
                                "steps": [step.title for step in lesson.steps]}
                               for lesson in course.lessons])


async def start(server: ClassServer, host: str, port: int) -> tuple[web.AppRunner, int]:
    asyncio.get_running_loop().set_exception_handler(loop_errors(server.door.repeats))
    logging.getLogger("aiohttp.server").addFilter(RequestErrors(server.door.repeats))
    # An idle connection is the door's to close (`door.HEADER_TIMEOUT_SECONDS`), on every
    # aiohttp version: aiohttp's own keep-alive timer comes later.
    runner = web.AppRunner(server.app(), access_log=None, handle_signals=False,
                           shutdown_timeout=2.0,
                           keepalive_timeout=server.door.header_timeout + 5)
    await runner.setup()
    server.door.watch(runner.server)
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError:
        await server.door.close()
        await runner.cleanup()
        raise
    bound = port
    for address in runner.addresses:
        if isinstance(address, tuple):
            bound = address[1]
            break
    return runner, bound


def lan_addresses() -> list[str]:
    """This machine's addresses on the room's network (none when it has no route out: the
    learners then use its name)."""
    found = []
    for probe in ("10.255.255.255", "192.168.255.255", "172.31.255.255"):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            try:
                udp.connect((probe, 9))  # no packet is sent: this only picks a route
                address = udp.getsockname()[0]
            except OSError:
                continue
        if address not in found and not address.startswith("127."):
            found.append(address)
    return found


def banner(host: str, port: int, info: ClassInfo, location: str,
           key_file: Path | str = CLASS_KEY) -> list[str]:
    """What `tutor class serve` prints: everything but the instructor's key."""
    everywhere = host in ("0.0.0.0", "::", "")
    local = "127.0.0.1" if everywhere or host == "localhost" else host
    join_hosts = (lan_addresses() or [socket.gethostname()]) if everywhere else [local]
    lines = [f"Class server of migration tutor {__version__}, the class kept in "
             f"{shown_location(location)}.",
             "Learners join with:"]
    lines += [f"    tutor start --class http://{_host(name)}:{port} --code {info.shown_code}"
              for name in join_hosts]
    lines += ["Your dashboard (it asks for your key):",
              f"    {dashboard_address(host, port)}",
              f"Your key, and the dashboard's address that holds it, are in {key_file} "
              "(only you can read it; open that address on this machine, not on the projector).",
              f"Join code: {info.shown_code}"]
    if not everywhere and (local.startswith("127.") or local == "::1"):
        lines.append("Only this machine can reach it (bound to localhost): give --host 0.0.0.0 "
                     "to let the room's laptops join.")
    lines.append("Ctrl-C stops it; the class is kept: the same command goes on with it.")
    return lines


def _host(name: str) -> str:
    return f"[{name}]" if ":" in name else name


def serve(host: str, port: int, location: str, course, new: bool = False,
          stuck_after: float = room.DEFAULT_STUCK_AFTER, say=print,
          key_file: Path | None = None, seats_per_address: int = SEATS_PER_ADDRESS) -> None:
    """Run the class's server until Ctrl-C (or SIGTERM)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        datefmt="%H:%M:%S")
    store = Store(location)
    try:
        info = store.open_class(new)
        server = ClassServer(store, info, course_outline(course), stuck_after,
                             seats_per_address, Door())
        try:
            asyncio.run(_run(server, host, port, location, say, key_file or Path(CLASS_KEY)))
        except KeyboardInterrupt:  # where the loop takes no signal handlers (Windows)
            pass
        finally:
            server.writer.shutdown(wait=True)
    finally:
        store.close()
    say("Class server stopped; the class is kept.")


async def _run(server: ClassServer, host: str, port: int, location: str, say,
               key_file: Path) -> None:
    import errno
    import signal

    from ..exceptions import TutorError

    try:
        runner, bound = await start(server, host, port)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise TutorError(f"Port {port} on {host} is taken (another class server?).",
                             "Stop the other one, or give --port another number.") from None
        raise TutorError(f"The server cannot listen on {host}:{port}: "
                         f"{error.strerror or error}.",
                         "Give --host an address of this machine (or 0.0.0.0).") from None
    try:
        write_key_file(key_file, host, bound, server.info)
    except OSError as error:
        await server.door.close()
        await runner.cleanup()
        raise TutorError(f"The instructor's key cannot be written to {key_file}: "
                         f"{error.strerror or error}.", "Give --home a folder you can write.")
    for line in banner(host, bound, server.info, location, key_file):
        say(line)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sign in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sign, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
    try:
        await stop.wait()
    finally:
        await server.door.close()
        await runner.cleanup()

"""Starting the class's server (`tutor class serve`): its store, its class, the address it
listens on, what it prints for the instructor, and the stop at Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import socket

from aiohttp import web

from .. import __version__
from . import room
from .server import ClassServer
from .store import ClassInfo, Store


def course_outline(course) -> room.CourseOutline:
    return room.CourseOutline([{"id": lesson.id, "title": lesson.title,
                                "steps": [step.title for step in lesson.steps]}
                               for lesson in course.lessons])


async def start(server: ClassServer, host: str, port: int) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(server.app(), access_log=None, handle_signals=False,
                           shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError:
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


def banner(host: str, port: int, info: ClassInfo, location: str) -> list[str]:
    everywhere = host in ("0.0.0.0", "::", "")
    local = "127.0.0.1" if everywhere or host == "localhost" else host
    join_hosts = (lan_addresses() or [socket.gethostname()]) if everywhere else [local]
    lines = [f"Class server of migration tutor {__version__}, the class kept in {location}.",
             "Learners join with:"]
    lines += [f"    tutor start --class http://{_host(name)}:{port} --code {info.shown_code}"
              for name in join_hosts]
    lines += ["Your dashboard (it holds your key; keep it off the projector's address bar):",
              f"    http://{_host(local)}:{port}/#key={info.instructor_key}",
              f"Join code: {info.shown_code}    Instructor's key: {info.instructor_key}"]
    if not everywhere and (local.startswith("127.") or local == "::1"):
        lines.append("Only this machine can reach it (bound to localhost): give --host 0.0.0.0 "
                     "to let the room's laptops join.")
    lines.append("Ctrl-C stops it; the class is kept: the same command goes on with it.")
    return lines


def _host(name: str) -> str:
    return f"[{name}]" if ":" in name else name


def serve(host: str, port: int, location: str, course, new: bool = False,
          stuck_after: float = room.DEFAULT_STUCK_AFTER, say=print) -> None:
    """Run the class's server until Ctrl-C (or SIGTERM)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        datefmt="%H:%M:%S")
    store = Store(location)
    try:
        info = store.open_class(new)
        server = ClassServer(store, info, course_outline(course), stuck_after)
        try:
            asyncio.run(_run(server, host, port, location, say))
        except KeyboardInterrupt:  # where the loop takes no signal handlers (Windows)
            pass
        finally:
            server.writer.shutdown(wait=True)
    finally:
        store.close()
    say("Class server stopped; the class is kept.")


async def _run(server: ClassServer, host: str, port: int, location: str, say) -> None:
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
    for line in banner(host, bound, server.info, location):
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
        await runner.cleanup()

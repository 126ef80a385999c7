"""`tutor class ACTION`: the live classroom. The instructor's `serve` runs the dashboard
server; a learner's `join`, `leave` and `status` act on the class their home joined.

Each action is a `Command` of its own, with its arguments beside its handler; `Class` adds
them under `tutor class`. What a learner's side of the class chooses, says and shows is
class_client.py; aiohttp is imported by `serve` alone.
"""

from __future__ import annotations

import argparse

from ..exceptions import TutorError
from ..home_layout import CLASS_DATABASE, CLASS_KEY
from .base import Command, print_json
from .opening import course_of, home_of


class ClassAction(Command):
    """One `tutor class ACTION`: its description is its own (not `help` and `details`), and
    argparse wraps it unless the action says otherwise."""

    formatter_class = argparse.HelpFormatter

    def description(self) -> str | None:
        return self.details or None


class Serve(ClassAction):
    name = "serve"
    help = "run the class's dashboard server on this machine"
    details = ("Run the class's dashboard server. It prints the address and join code "
               "for learners, and your dashboard's address; your key is written to "
               "class-dashboard.txt in the tutor's home, readable by you only. The class "
               "(learners and their events) is kept: stop the server with Ctrl-C and "
               "the same command goes on with it.")
    formatter_class = argparse.RawDescriptionHelpFormatter

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1",
                            help="the address to listen on (default: 127.0.0.1, this machine "
                                 "only; 0.0.0.0 lets the room's laptops join)")
        parser.add_argument("--port", type=int, default=8765,
                            help="the port (default: 8765; 0 picks a free one)")
        parser.add_argument("--db", metavar="FILE_OR_URL",
                            help="where the class is kept: a SQLite file, or a postgresql:// "
                                 "URL (default: class.sqlite3 in the tutor's user data folder)")
        parser.add_argument("--new", action="store_true",
                            help="start a new class, with a new code and key (the old class "
                                 "stays stored)")
        parser.add_argument("--stuck-after", type=float, default=5, metavar="MINUTES",
                            help="minutes on one step before the dashboard shows a learner "
                                 "as stuck (default: 5)")
        parser.add_argument("--seats-per-address", type=int, default=4, metavar="N",
                            help="learners that may join from one address (one laptop; "
                                 "default: 4; this machine's own are not counted)")

    def handle(self, args) -> int:
        try:
            from ..classroom import serve
        except ImportError as error:
            raise TutorError(f"The class server needs aiohttp, which is not installed "
                             f"({error}).",
                             "Install it: pip install 'migration-tutor[class]'.") from None
        import os

        from ..paths import claim_home

        _check_serve_options(args)
        home = home_of(args)
        claim_home(home)  # the class's file and the key's are kept in the tutor's home
        if os.name != "nt":
            try:
                os.chmod(home, 0o700)  # ... which holds the instructor's key: the owner's alone
            except OSError:
                pass  # (the key's file is owner-only itself)
        location = args.db or str(home / CLASS_DATABASE)
        course = course_of(args, home)
        serve.serve(args.host, args.port, location, course, new=args.new,
                    stuck_after=args.stuck_after * 60, say=lambda line: print(line, flush=True),
                    key_file=home / CLASS_KEY, seats_per_address=args.seats_per_address)
        return 0


def _check_serve_options(args) -> None:
    """`tutor class serve`'s numbers, refused before anything starts."""
    import math

    if not 0 <= args.port <= 65535:
        raise TutorError(f"--port {args.port} is not a port.", "Give 1 to 65535, or 0.")
    if not math.isfinite(args.stuck_after):
        raise TutorError(f"--stuck-after {args.stuck_after} is not a number of minutes.",
                         "Give minutes, e.g. 5.")
    if args.stuck_after < 0:
        raise TutorError("--stuck-after cannot be negative.", "Give minutes, e.g. 5.")
    if args.seats_per_address < 1:
        raise TutorError("--seats-per-address must be 1 or more.", "Give a number, e.g. 4.")


class Join(ClassAction):
    name = "join"
    help = ("join a class without starting a session (then `tutor check`, `tutor watch`... "
            "send to it)")
    details = ("Join the class at URL; `tutor start --class URL --code CODE` does the same, "
               "then starts the session.")

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("url", metavar="URL", help="the class server's address")
        parser.add_argument("--code", dest="class_code", required=True,
                            help="the class's join code")

    def handle(self, args) -> int:
        from ..class_client import name_in_class
        from ..classroom import link
        from ..markup import printable as shown  # the server's words and addresses are data
        from ..progress import ProgressFile

        home = home_of(args)
        url = link.check_url(args.url)
        name = name_in_class(home, ProgressFile(home).load())
        _, joined = link.join(home, url, args.class_code, name)
        print(f"You are in the class at {shown(url)} as {shown(name)}." if joined else
              f"The class at {shown(url)} cannot be reached now: your tutor joins and sends "
              "your progress as soon as it can.")
        return 0


class Leave(ClassAction):
    name = "leave"
    help = "leave the class you joined"
    details = "Leave the class: it is told, and nothing more is sent to it."

    def handle(self, args) -> int:
        from ..classroom import link
        from ..markup import printable as shown

        member = link.leave(home_of(args))
        print(f"You left the class at {shown(member.url)}." if member
              else "You are in no class.")
        return 0


class Status(ClassAction):
    name = "status"
    help = "the class you joined: its address, what waits to be sent, the room's step"
    json_flag = True

    def handle(self, args) -> int:
        from ..class_client import class_status, show_class_status

        report = class_status(home_of(args))
        if args.json:
            print_json(report.to_json())
        else:
            show_class_status(report)
        return 0


class Class(Command):
    name = "class"
    help = ("a live classroom: the instructor's dashboard server, and leaving or checking a "
            "class you joined")
    details = ("The instructor runs `tutor class serve`; learners join with "
               "`tutor start --class URL --code CODE`.")
    actions = {action.name: action for action in (Serve(), Join(), Leave(), Status())}

    def create_parser(self, commands, common: argparse.ArgumentParser
                      ) -> argparse.ArgumentParser:
        parser = super().create_parser(commands, common)
        actions = parser.add_subparsers(dest="class_command", metavar="ACTION")
        actions.required = True
        for action in self.actions.values():
            action.create_parser(actions, common)
        return parser

    def handle(self, args) -> int:
        return self.actions[args.class_command].handle(args)

"""`tutor`: the entry point. It builds the parser by asking each command (tutor/commands/) to
add its arguments, calls the command named, and maps errors to messages and exit codes.

Only argparse and the command classes are imported at start-up: `tutor --help` stays
instant, and Django, rich and questionary are imported by the commands that need them.
"""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .commands import COMMANDS
from .commands.base import print_json
from .exceptions import TutorError

__all__ = ["COMMANDS", "build_parser", "main", "run"]  # COMMANDS: name -> Command, for tests

DESCRIPTION = """\
An interactive tutorial and sandbox for undoing Django migrations without panic.
You type real `python manage.py ...` commands in a throwaway Django project; every step
is judged against the real state: migration files, django_migrations rows and the schema.
"""
EPILOG = """\
start here:  tutor start
progress and the sandbox live in --home DIR, else $TUTOR_HOME, else your user data folder.
"""


def common_options() -> argparse.ArgumentParser:
    """The options every command takes, before or after its name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--home", metavar="DIR", default=argparse.SUPPRESS,
        help="where progress and the sandbox live (default: $TUTOR_HOME, else the "
             "platform's user data folder)")
    common.add_argument(
        "--course", metavar="FILE", default=argparse.SUPPRESS,
        help="a course file: which lessons, in which order, optionally from a lessons folder "
             "of your own (default: $TUTOR_COURSE, else the shipped course)")
    common.add_argument(
        "--trust-course", action="store_true", default=argparse.SUPPRESS,
        help="run the code of a course from outside the shipped lessons (its commands and "
             "Python files) without asking; remembered for that course's content (default: "
             "$TUTOR_TRUST_COURSE=1, else `tutor start` asks and other commands refuse)")
    common.add_argument(
        "--database", metavar="URL", default=argparse.SUPPRESS,
        help="where the sandbox's own database lives: `postgresql://USER@HOST[:PORT]/` or "
             "`mysql://USER@HOST[:PORT]/` (MariaDB; a throwaway database the tutor makes "
             "there, on the next reset, dropping those it made where the sandbox was before) "
             "or `sqlite` (a file in the sandbox); remembered (default: $TUTOR_DATABASE, else "
             "the one given before, else sqlite)")
    common.add_argument(
        "--name", metavar="NAME", default=argparse.SUPPRESS,
        help="your name, remembered for `tutor report` (default: the one given before, "
             "else $TUTOR_NAME; the first `tutor start` asks)")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="tutor", description=DESCRIPTION, epilog=EPILOG, parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"migration tutor {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS.values():
        command.create_parser(commands, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    _tolerant_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        try:
            if getattr(args, "name", None) is not None:
                from .commands.opening import remember_name

                remember_name(args)  # (on a read-only or full home: the OSError below)
            return COMMANDS[args.command].handle(args)
        except BrokenPipeError:
            raise
        except OSError as error:  # a read-only home, a full disk, a name too long...
            raise system_error(error) from None
    except TutorError as error:
        if getattr(args, "json", False):
            # A script asked for JSON: it gets JSON, also when the answer is an error.
            from .json_reports import error_json

            print_json(error_json(error))
            return error.exit_code
        from . import ui

        ui.show_error(error)
        return error.exit_code
    except KeyboardInterrupt:
        print("\nInterrupted. Your progress is saved.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`tutor status | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _tolerant_streams() -> None:
    """Output in a terminal that cannot show every character (`PYTHONIOENCODING=ascii`, an
    old Windows console) shows what it cannot as escapes, rather than stopping the tutor;
    a standard stream that was closed (`tutor lessons >&-`) becomes a null one."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))
        elif hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # a stream that is closed or not a file's
                pass
    if sys.stdin is None:
        sys.stdin = open(os.devnull, encoding="utf-8")


def system_error(error: OSError) -> TutorError:
    """What the operating system refused, as a learner can act on it."""
    import errno

    number, reason, filename = error.errno, error.strerror, error.filename
    copy_errors = error.args[0] if error.args and isinstance(error.args[0], list) else []
    if number is None and copy_errors and len(copy_errors[0]) == 3:
        # shutil.Error: a copy's list of (source, target, why); its first error says it all.
        import re

        _, filename, why = copy_errors[0]
        found = re.match(r"\[Errno (\d+)\] ([^:]+)", str(why))
        number, reason = (int(found[1]), found[2]) if found else (None, str(why))
    where = f" ({filename})" if filename else ""
    advice = {
        errno.ENOSPC: "The disk is full: free some space, then run the command again.",
        errno.EROFS: "That place is read-only: choose a home you can write, e.g. "
                     "`--home ~/migration-tutor`.",
        errno.EACCES: "You may not write there: choose a home of your own, e.g. "
                      "`--home ~/migration-tutor`.",
        errno.EPERM: "You may not write there: choose a home of your own, e.g. "
                     "`--home ~/migration-tutor`.",
        errno.ENAMETOOLONG: "The path is too long for this system: choose a shorter --home.",
    }.get(number, "Check that path (and that the disk has room), then run the command "
                  "again.")
    return TutorError(f"The operating system refused: {reason or error}{where}.", advice)


def run() -> None:
    status = main()
    try:
        sys.stdout.flush()  # what is still buffered (`tutor lessons > /dev/full`)
    except OSError as error:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        if not isinstance(error, BrokenPipeError):
            print(f"Error: the output could not be written: {error.strerror or error}.",
                  file=sys.stderr)
            status = 2
    sys.exit(status)

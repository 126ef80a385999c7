"""What every `tutor` command is: a `Command`, in the shape of Django's `BaseCommand`.

A command names itself, says what it does (`help`, and `details` for its own `--help`), adds
its arguments beside its `handle`, and returns the exit status. Only argparse is imported
here: a command imports what its work needs inside `handle`, so `tutor --help` stays instant.
"""

from __future__ import annotations

import argparse
import sys

from ..exceptions import TutorError

EXIT_PASSED, EXIT_NOT_YET = 0, 1  # and 2: the tutor could not do it (any TutorError)


class Command:
    """One `tutor COMMAND`: its name, its help, its arguments and its handler.

    `cli.build_parser` asks each command to `create_parser` under `tutor`, with the options
    every command takes (`--home`, `--course`...); `cli.main` calls `handle(args)` with what
    was parsed and turns a `TutorError` it raises into a message and exit status 2.
    """

    name = ""
    help = ""  # the line `tutor --help` lists, and the first of the command's own --help
    details = ""  # said after it in the command's own --help
    formatter_class: type[argparse.HelpFormatter] = argparse.RawDescriptionHelpFormatter
    json_flag = False  # takes `--json` (after its own arguments): prints JSON for scripts

    def description(self) -> str | None:
        return self.help + ("\n\n" + self.details if self.details else "")

    def create_parser(self, commands, common: argparse.ArgumentParser
                      ) -> argparse.ArgumentParser:
        """The command's parser, added to `commands` (a parser's subparsers)."""
        parser = commands.add_parser(self.name, parents=[common], help=self.help,
                                     description=self.description(),
                                     formatter_class=self.formatter_class)
        self.add_arguments(parser)
        if self.json_flag:
            parser.add_argument("--json", action="store_true", help="print JSON for scripts")
        return parser

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """The command's own arguments (none by default)."""

    def handle(self, args: argparse.Namespace) -> int:
        raise NotImplementedError(f"the command {self.name} has no handle()")


def print_json(data) -> None:
    from ..markup import json_text

    sys.stdout.write(json_text(data) + "\n")  # valid JSON, no control character acting


def require_terminal(command: str) -> None:
    if not (sys.stdin and sys.stdin.isatty() and sys.stdout and sys.stdout.isatty()):
        raise TutorError(
            f"`tutor {command}` is interactive and needs a terminal, but this one has none.",
            "Use `tutor status`, `tutor check`, `tutor hint` or `tutor solve` instead.",
        )

"""The learner's commands on what they did: going back on it (undo, redo) and reading it
(history, notes, report).

`tutor report` reads the course and the progress file alone: a report never imports the
checking engine.
"""

from __future__ import annotations

import argparse
import sys

from ..exceptions import TutorError
from .base import EXIT_PASSED, Command, print_json
from .opening import (course_of, home_of, open_workspace, read_progress,
                      warn_about_unreadable_progress)


class Undo(Command):
    name = "undo"
    help = "take the sandbox back to how it was before the last command(s)"
    details = ("Its migration files, models, databases and git repository go back to a "
               "point the tutor saw: before each command it ran, and at each check (so "
               "work done in any terminal goes back at least to the last check). Steps "
               "passed since are not passed any more. Never past a reset; `tutor history` "
               "lists the points. Every file it creates, changes or removes is listed, and "
               "nothing is lost: the sandbox as it was is kept, and `tutor redo` brings it "
               "back. Never through a link out of the sandbox. Exit status 0 when it undid; "
               "the check of where it leaves the sandbox is said, and is in --json.")
    json_flag = True
    redo = False
    count_help = "how many commands to undo (default: 1)"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("count", nargs="?", type=int, default=1, metavar="N",
                            help=self.count_help)

    def handle(self, args) -> int:
        workspace = open_workspace(args)
        move = workspace.redo if self.redo else workspace.undo
        report = move(args.count, told=_tell_now)
        _warn_about_damaged_points(workspace.history)
        if args.json:
            print_json(report.to_json())
        else:
            _show_restore(report)
        return EXIT_PASSED


class Redo(Undo):
    name = "redo"
    help = "take back the last undo(s): the sandbox as it was before them"
    details = ("An undo keeps the sandbox as it was (the files you wrote since the last "
               "point too), and lists every file it changes. `tutor redo` brings that "
               "back, with the steps passed there, as long as the sandbox did not change "
               "since the undo (a redo would take that work away). Exit status 0 when it "
               "redid; the check of where it leaves the sandbox is said, and is in --json.")
    redo = True
    count_help = "how many undos to take back (default: 1)"


def _tell_now(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _show_restore(report) -> None:
    from .. import timeline_view, ui

    timeline_view.show_undone(report.done, redo=report.redo)
    timeline_view.show_what_changed(report.changes, report.done.files, redo=report.redo)
    if report.check is not None:
        ui.show_check(report.check)
    else:
        ui.show_error(report.problem)


def _warn_about_damaged_points(history) -> None:
    from .. import ui

    for path, why in sorted(history.damaged.items()):
        ui.show_warning(f"{path} could not be read ({why}): it is left out of the timeline.")


class History(Command):
    name = "history"
    help = "the current lesson's timeline: each command, what it changed, the step it passed"
    json_flag = True

    def handle(self, args) -> int:
        from .. import timeline_view, ui
        from ..json_reports import HistoryReport

        workspace = open_workspace(args)
        lesson = workspace.current_lesson()
        history = workspace.history
        points = history.points()
        redoable = timeline_view.undone_rows(history.undos(), history.undone_points(),
                                             points[-1] if points else None)
        _warn_about_damaged_points(history)
        report = HistoryReport(lesson, points, redoable)
        if args.json:
            print_json(report.to_json())
        else:
            ui.show_history(lesson, points)
            timeline_view.show_redoable(lesson, redoable)
        return 0


class Notes(Command):
    name = "notes"
    help = "a take-home sheet (Markdown) of what you did, lesson by lesson"
    details = ("The commands you ran, in order, each with what it changed and the step it "
               "passed (with the lesson's explanation), and the mistakes you undid.")

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--output", metavar="FILE",
                            help="write the sheet to FILE (default: print it)")

    def handle(self, args) -> int:
        from pathlib import Path

        from ..notes import render

        workspace = open_workspace(args)
        journal = workspace.journal
        sheet = render(workspace.course, workspace.progress, journal.entries())
        if journal.damaged:  # a crash while a line was written, or a file written over
            from .. import ui

            lines = f"{journal.damaged} line{'s' if journal.damaged != 1 else ''}"
            ui.show_warning(f"{lines} of {journal.path} could not be read (a crash while it "
                            "was written?): the notes leave them out.")
        if not args.output:
            sys.stdout.write(sheet)
            return 0
        target = Path(args.output).expanduser()
        if target.is_dir():
            raise TutorError(f"{target} is a folder.", "Give the name of a file to write, "
                             "e.g. --output migration-notes.md.")
        if not target.parent.is_dir():
            raise TutorError(f"There is no folder {target.parent} to write {target.name} in.",
                             "Create it first, or give another --output.")
        from ..files import write_atomically

        write_atomically(target, sheet)
        print(f"Notes written to {target}.")
        return 0


class Report(Command):
    name = "report"
    help = "your progress, step by step: checks, hints, solutions, time"
    details = "--json is the export an instructor collects for `tutor class-report`."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        form = parser.add_mutually_exclusive_group()
        form.add_argument("--json", action="store_true",
                          help="print the export (JSON, versioned; see the README)")
        form.add_argument("--csv", action="store_true", help="print CSV, one row per step")

    def handle(self, args) -> int:
        # The progress file and the course only: a report never imports the checking engine.
        from ..report import learner_report, print_learner_report

        home = home_of(args)
        progress_file, progress = read_progress(args, home)
        warn_about_unreadable_progress(progress_file)
        report = learner_report(progress, course_of(args, home))
        print_learner_report(report, "json" if args.json else "csv" if args.csv else "table")
        return 0

"""`tutor`: parse the command line, call the named piece that does the work, map errors to
messages and exit codes.

Only argparse is imported at start-up: `tutor --help` stays instant, and Django, rich and
questionary are imported by the commands that need them.
"""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .exceptions import TutorError
from .home_layout import CLASS_DATABASE, CLASS_KEY, HISTORY, HISTORY_RESTORING, SHELL

EXIT_PASSED, EXIT_NOT_YET = 0, 1  # and 2: the tutor could not do it (any TutorError)

DESCRIPTION = """\
An interactive tutorial and sandbox for undoing Django migrations without panic.
You type real `python manage.py ...` commands in a throwaway Django project; every step
is judged against the real state: migration files, django_migrations rows and the schema.
"""
EPILOG = """\
start here:  tutor start
progress and the sandbox live in --home DIR, else $TUTOR_HOME, else your user data folder.
"""


def build_parser() -> argparse.ArgumentParser:
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
    parser = argparse.ArgumentParser(
        prog="tutor", description=DESCRIPTION, epilog=EPILOG, parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"migration tutor {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, summary: str, details: str = "") -> argparse.ArgumentParser:
        return commands.add_parser(name, parents=[common], help=summary,
                                   description=summary + ("\n\n" + details if details else ""),
                                   formatter_class=argparse.RawDescriptionHelpFormatter)

    start = command("start", "the guided, interactive session",
                    "Without LESSON: resume where you stopped, or choose from the lesson menu.")
    start.add_argument("lesson", nargs="?", metavar="LESSON", help="a lesson id (see `tutor lessons`)")
    start.add_argument("--demo", action="store_true",
                       help="the instructor's walk-through: reset LESSON (default: the current "
                            "one), then run each step's solution at a key press, showing what "
                            "changed")
    start.add_argument("--class", dest="class_url", metavar="URL",
                       help="join the class at URL (printed by the instructor's `tutor class "
                            "serve`) and send it your progress as you go (default: "
                            "$TUTOR_CLASS)")
    start.add_argument("--code", dest="class_code", metavar="CODE",
                       help="the class's join code (default: $TUTOR_CLASS_CODE)")
    lessons = command("lessons", "list the lessons in course order, with your progress")
    lessons.add_argument("--json", action="store_true", help="print JSON for scripts")
    status = command("status", "show the current lesson, the sandbox and its live state")
    status.add_argument("--json", action="store_true", help="print JSON for scripts")
    check = command("check", "judge the current step against the sandbox",
                    "Exit status: 0 passed, 1 not yet (each unmet expectation is said), "
                    "2 the tutor could not check.")
    check.add_argument("--json", action="store_true", help="print JSON for scripts")
    command("hint", "show the next hint of the current step (one more each time)")
    answer = command("answer", "answer the current step's question",
                     "The right answer is read from the sandbox's live state. Give each chosen "
                     "item (a unique prefix is enough), or --none. Without an answer, the "
                     "question and its choices are shown.")
    answer.add_argument("values", nargs="*", metavar="ANSWER")
    answer.add_argument("--none", action="store_true", help="answer that none of the choices is right")
    answer.add_argument("--json", action="store_true", help="print JSON for scripts")
    command("solve", "carry out the current step's reference solution in the sandbox",
            "Runs the real commands, printing each one and its output, then checks.")
    reset = command("reset", "rebuild the sandbox in a lesson's starting state",
                    "The lesson becomes the current one, at its first step.")
    reset.add_argument("lesson", nargs="?", metavar="LESSON",
                       help="the lesson to reset (default: the current lesson)")
    reset.add_argument("--all", action="store_true",
                       help="forget all progress and start the course from its first lesson")
    reset.add_argument("--step", type=int, default=1, metavar="N",
                       help="start at step N: the reference solutions of the steps before it "
                            "are carried out (kept after the first time), and those steps "
                            "are marked fast-forwarded, not solved by you")
    undo = command("undo", "take the sandbox back to how it was before the last command(s)",
                   "Its migration files, models, databases and git repository go back to a "
                   "point the tutor saw: before each command it ran, and at each check (so "
                   "work done in any terminal goes back at least to the last check). Steps "
                   "passed since are not passed any more. Never past a reset; `tutor history` "
                   "lists the points. Every file it creates, changes or removes is listed, and "
                   "nothing is lost: the sandbox as it was is kept, and `tutor redo` brings it "
                   "back. Never through a link out of the sandbox. Exit status 0 when it undid; "
                   "the check of where it leaves the sandbox is said, and is in --json.")
    undo.add_argument("count", nargs="?", type=int, default=1, metavar="N",
                      help="how many commands to undo (default: 1)")
    undo.add_argument("--json", action="store_true", help="print JSON for scripts")
    redo = command("redo", "take back the last undo(s): the sandbox as it was before them",
                   "An undo keeps the sandbox as it was (the files you wrote since the last "
                   "point too), and lists every file it changes. `tutor redo` brings that "
                   "back, with the steps passed there, as long as the sandbox did not change "
                   "since the undo (a redo would take that work away). Exit status 0 when it "
                   "redid; the check of where it leaves the sandbox is said, and is in --json.")
    redo.add_argument("count", nargs="?", type=int, default=1, metavar="N",
                      help="how many undos to take back (default: 1)")
    redo.add_argument("--json", action="store_true", help="print JSON for scripts")
    history = command("history", "the current lesson's timeline: each command, what it "
                      "changed, the step it passed")
    history.add_argument("--json", action="store_true", help="print JSON for scripts")
    notes = command("notes", "a take-home sheet (Markdown) of what you did, lesson by lesson",
                    "The commands you ran, in order, each with what it changed and the step it "
                    "passed (with the lesson's explanation), and the mistakes you undid.")
    notes.add_argument("--output", metavar="FILE",
                       help="write the sheet to FILE (default: print it)")
    command("shell", "open your shell inside the sandbox",
            "`python` there has Django, so you can type `python manage.py ...` yourself.")
    command("watch", "check the current step again whenever the sandbox changes",
            "Work in another terminal or your editor: every change to the sandbox's migration "
            "files, models or database is checked, and steps pass as you do them. Stops at the "
            "end of the lesson, or at Ctrl-C.")
    lint = command("lint-lessons", "check a folder of lesson files for every problem",
                   "Reports each problem with its file and field. Exit status: 0 clean, 1 "
                   "problems found.")
    lint.add_argument("folder", metavar="PATH", nargs="?",
                      help="a folder of <id>.toml lesson files, or one lesson file (default: "
                           "the shipped course's folder)")
    lint.add_argument("--solve", action="store_true",
                      help="also play each lesson through with its reference solutions, in a "
                           "temporary home: this runs the lessons' code (asked once for a "
                           "folder's content, as `tutor start` asks; see --trust-course)")
    lint.add_argument("--mutants", action="store_true",
                      help="with --solve: also play mutants of each step's solution (each "
                           "action dropped, `migrate` made `--fake`, another --database, "
                           "actions swapped...) and report each that passes the step")
    lint.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                      help="lessons played side by side (default: the machine's cores, at "
                           "most 4)")
    lint.add_argument("--json", action="store_true", help="print JSON for scripts")
    report = command("report", "your progress, step by step: checks, hints, solutions, time",
                     "--json is the export an instructor collects for `tutor class-report`.")
    report_form = report.add_mutually_exclusive_group()
    report_form.add_argument("--json", action="store_true",
                             help="print the export (JSON, versioned; see the README)")
    report_form.add_argument("--csv", action="store_true", help="print CSV, one row per step")
    class_report = command(
        "class-report", "one table of many learners' `tutor report --json` files",
        "One row per learner, where each is now, most stuck first. A file that cannot be "
        "read is named and skipped (exit status 2); the others are still reported.")
    class_report.add_argument("files", nargs="+", metavar="FILE", help="exported reports")
    class_report.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    class_report.add_argument("--all-steps", action="store_true",
                              help="a row for every step of every learner")
    classroom = command("class", "a live classroom: the instructor's dashboard server, and "
                        "leaving or checking a class you joined",
                        "The instructor runs `tutor class serve`; learners join with "
                        "`tutor start --class URL --code CODE`.")
    class_commands = classroom.add_subparsers(dest="class_command", metavar="ACTION")
    class_commands.required = True
    serve = class_commands.add_parser(
        "serve", parents=[common], formatter_class=argparse.RawDescriptionHelpFormatter,
        help="run the class's dashboard server on this machine",
        description="Run the class's dashboard server. It prints the address and join code "
                    "for learners, and your dashboard's address; your key is written to "
                    "class-dashboard.txt in the tutor's home, readable by you only. The class "
                    "(learners and their events) is kept: stop the server with Ctrl-C and "
                    "the same command goes on with it.")
    serve.add_argument("--host", default="127.0.0.1",
                       help="the address to listen on (default: 127.0.0.1, this machine only; "
                            "0.0.0.0 lets the room's laptops join)")
    serve.add_argument("--port", type=int, default=8765,
                       help="the port (default: 8765; 0 picks a free one)")
    serve.add_argument("--db", metavar="FILE_OR_URL",
                       help="where the class is kept: a SQLite file, or a postgresql:// URL "
                            "(default: class.sqlite3 in the tutor's user data folder)")
    serve.add_argument("--new", action="store_true",
                       help="start a new class, with a new code and key (the old class stays "
                            "stored)")
    serve.add_argument("--stuck-after", type=float, default=5, metavar="MINUTES",
                       help="minutes on one step before the dashboard shows a learner as "
                            "stuck (default: 5)")
    serve.add_argument("--seats-per-address", type=int, default=4, metavar="N",
                       help="learners that may join from one address (one laptop; default: "
                            "4; this machine's own are not counted)")
    class_join = class_commands.add_parser(
        "join", parents=[common], help="join a class without starting a session (then "
                                       "`tutor check`, `tutor watch`... send to it)",
        description="Join the class at URL; `tutor start --class URL --code CODE` does the "
                    "same, then starts the session.")
    class_join.add_argument("url", metavar="URL", help="the class server's address")
    class_join.add_argument("--code", dest="class_code", required=True,
                            help="the class's join code")
    class_commands.add_parser("leave", parents=[common], help="leave the class you joined",
                              description="Leave the class: it is told, and nothing more is "
                                          "sent to it.")
    class_status = class_commands.add_parser(
        "status", parents=[common], help="the class you joined: its address, what waits to "
                                         "be sent, the room's step")
    class_status.add_argument("--json", action="store_true", help="print JSON for scripts")
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
                _remember_name(args)  # (on a read-only or full home: the OSError below)
            return COMMANDS[args.command](args)
        except BrokenPipeError:
            raise
        except OSError as error:  # a read-only home, a full disk, a name too long...
            raise system_error(error) from None
    except TutorError as error:
        if getattr(args, "json", False):
            # A script asked for JSON: it gets JSON, also when the answer is an error.
            _print_json({"error": error.message, "advice": error.advice})
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


def _course(args, home):
    """The course to follow: `--course`, else $TUTOR_COURSE, else the shipped one."""
    from .lessons import load_course
    from .paths import course_cache, resolve_course_file

    return load_course(resolve_course_file(getattr(args, "course", None)),
                       cache=course_cache(home))


def _workspace(args):
    from .paths import resolve_home
    from .workspace import Workspace

    home = resolve_home(getattr(args, "home", None))
    if getattr(args, "database", None) is not None:
        from .backends import chosen

        chosen(home, args.database)  # checked (URL, driver) and remembered for the home
    workspace = Workspace(home, course=_course(args, home),
                          trust_course=getattr(args, "trust_course", False))
    _warn_about_unreadable_progress(workspace.progress_file)
    if workspace.restore_note:
        from . import ui

        ui.show_warning(workspace.restore_note)
    if workspace.foreign:
        from . import ui

        for path in workspace.foreign:
            ui.show_warning(f"{path} was not made by the tutor: it is left as it is. A reset "
                            "needs that name: move it away.")
    return workspace


def _finish_cut_short_restore(args, home) -> None:
    """The commands that read progress alone (lessons, report) say it as an undo leaves it:
    one cut short is finished first (a workspace does that as it opens; only then is one
    made: the usual case costs one look)."""
    if (home / HISTORY / HISTORY_RESTORING).exists():
        _workspace(args)


def _warn_about_unreadable_progress(progress_file) -> None:
    if progress_file.warning:
        from . import ui

        ui.show_warning(progress_file.warning)


def _warn_about_broken_lessons(course) -> None:
    from . import ui

    for problem in course.problems:
        ui.show_warning(f"A lesson was left out: {problem.message}")


def _print_json(data) -> None:
    from .markup import json_text

    sys.stdout.write(json_text(data) + "\n")  # valid JSON, no control character acting


def cmd_lessons(args) -> int:
    # Only the course and the progress file: listing lessons never imports the checking engine.
    from .paths import resolve_home
    from .progress import ProgressFile

    home = resolve_home(getattr(args, "home", None))
    _finish_cut_short_restore(args, home)
    progress_file = ProgressFile(home)
    progress = progress_file.load()
    course = _course(args, home)
    from . import ui

    _warn_about_unreadable_progress(progress_file)
    _warn_about_broken_lessons(course)
    from .backends import chosen

    server = chosen(home, getattr(args, "database", None))  # where the sandbox's database is
    backend = server.vendor if server is not None else "sqlite"
    rows = []
    for number, lesson in enumerate(course.lessons, 1):
        lesson_progress = progress.of(lesson.id)
        rows.append({
            "number": number, "id": lesson.id, "title": lesson.title,
            "steps": len(lesson.steps), "current": progress.current == lesson.id,
            "step_index": min(lesson_progress.step, len(lesson.steps)),
            "completed": lesson_progress.finished(len(lesson.steps)),  # progress.py's rule
            # Programs the lesson needs that this machine lacks: `tutor start` skips it.
            "missing": lesson.tools_missing(),
            # Why it cannot be taken on the sandbox's database backend ("": it can).
            "unavailable": lesson.unavailable_on(backend),
        })
    if args.json:
        _print_json({"course": {"title": course.title, "file": str(course.file)}, "lessons": rows})
        return 0

    def progress_word(row) -> str:
        if row["completed"]:
            return "done"
        if row["missing"]:
            return f"skipped: needs {', '.join(row['missing'])}"
        if row["unavailable"]:
            return f"skipped: {course.get(row['id']).backends_named()} only"
        if row["step_index"] or row["current"]:
            return f"step {row['step_index'] + 1}/{row['steps']}" + (" (current)" if row["current"] else "")
        return ""

    if course.title:
        ui.say("[bold]" + course.title.replace("[", "\\[") + "[/bold]")
    ui.show_lessons_table([(r["number"], course.get(r["id"]), progress_word(r)) for r in rows])
    return 0


def cmd_status(args) -> int:
    workspace = _workspace(args)
    lesson, index, step = workspace.current_step()
    progress = workspace.lesson_progress(lesson)
    sandbox = workspace.sandbox
    data = {
        "home": str(workspace.home), "sandbox": str(sandbox.path),
        "python": sandbox.python, "lesson": lesson.id, "step": step.title,
        "step_index": index, "steps_total": len(lesson.steps),
        "lesson_complete": progress.step >= len(lesson.steps),
        "sandbox_exists": sandbox.exists(), "sandbox_lesson": sandbox.lesson_id(),
        "backend": sandbox.built_on() if sandbox.exists() else None,
        "migrations": [], "tables": {},
    }
    state = workspace.read_state() if sandbox.exists() else None
    if state is not None:
        data.update(state.to_json())
    if args.json:
        _print_json(data)
        return 0
    from . import ui

    ui.console.print(f"[bold]Lesson:[/bold]  {ui.literal(lesson.title)} ({lesson.id})")
    if data["lesson_complete"]:
        ui.console.print("[bold]Step:[/bold]    all steps done")
    else:
        ui.console.print(f"[bold]Step:[/bold]    {index + 1}/{len(lesson.steps)}: "
                         f"{ui.literal(step.title)}")
    ui.console.print(f"[bold]Sandbox:[/bold] {ui.literal(str(sandbox.path))}")
    ui.console.print(f"[bold]Python:[/bold]  {ui.literal(sandbox.python)}")
    if data["backend"]:
        ui.console.print(f"[bold]Database:[/bold] {ui.literal(data['backend'])}")
    if state is None:
        ui.console.print("No sandbox yet: `tutor start` builds one.")
    else:
        ui.show_state(state)
    return 0


def cmd_check(args) -> int:
    report = _workspace(args).check()
    if args.json:
        _print_json(report.to_json())
    else:
        from . import ui

        ui.show_check(report)
    return EXIT_PASSED if report.passed else EXIT_NOT_YET


def cmd_hint(args) -> int:
    from . import ui

    ui.show_hint(_workspace(args).next_hint())
    return 0


def cmd_answer(args) -> int:
    from . import ui

    workspace = _workspace(args)
    if not args.values and not args.none:
        step, posed = workspace.pose_question()
        if posed is None:
            raise TutorError("The current step asks no question.",
                             "Do what the step says, then run `tutor check`.")
        if args.json:
            _print_json({"question": posed.ask, "choices": posed.choices,
                         "multiple": posed.multiple})
        else:
            ui.show_question(posed)
        return EXIT_NOT_YET
    report = workspace.answer([] if args.none else args.values)
    if args.json:
        data = {"right": report.right, "detail": report.detail}
        if report.check:
            data["check"] = report.check.to_json()
        _print_json(data)
    else:
        ui.show_answer(report)
    return EXIT_PASSED if report.right and report.check.passed else EXIT_NOT_YET


def cmd_solve(args) -> int:
    from . import ui

    report = _workspace(args).solve(ui.show_action)
    ui.show_check(report)
    return EXIT_PASSED if report.passed else EXIT_NOT_YET


def cmd_undo(args) -> int:
    workspace = _workspace(args)
    before = _state_before(workspace)
    done = workspace.undo(args.count, told=_tell_now)
    return _after_restore(args, workspace, done, before,
                          f"tutor undo {args.count}" if args.count != 1 else "tutor undo")


def cmd_redo(args) -> int:
    workspace = _workspace(args)
    before = _state_before(workspace)
    done = workspace.redo(args.count, told=_tell_now)
    return _after_restore(args, workspace, done, before,
                          f"tutor redo {args.count}" if args.count != 1 else "tutor redo",
                          redo=True)


def _tell_now(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _state_before(workspace):
    try:
        return workspace.read_state()
    except TutorError:
        return None  # a sandbox broken enough not to be read: undo is how it mends


def _after_restore(args, workspace, done, before, did: str, redo: bool = False) -> int:
    """What an undo or a redo did, then the check of where it left the sandbox: its verdict
    is said (and in --json), not the exit status, which is 0: the undo was done."""
    from . import timeline_view, ui

    try:
        report = workspace.check(did=did, since=before)
    except TutorError as error:  # (the sandbox gone back to a state Django cannot read)
        report, problem = None, error
    state_changes = report.changes if before is not None and report is not None else []
    _warn_about_damaged_points(workspace.history)
    if args.json:
        _print_json({"redone" if redo else "undone": [timeline_view.point_json(p)
                                                      for p in done.points],
                     "now_at": timeline_view.point_json(done.point),
                     "files": done.files, "changes": state_changes,
                     "check": report.to_json() if report is not None else
                     {"error": problem.message, "advice": problem.advice}})
        return EXIT_PASSED
    timeline_view.show_undone(done, redo=redo)
    timeline_view.show_what_changed(state_changes, done.files, redo=redo)
    if report is not None:
        ui.show_check(report)
    else:
        ui.show_error(problem)
    return EXIT_PASSED


def _warn_about_damaged_points(history) -> None:
    from . import ui

    for path, why in sorted(history.damaged.items()):
        ui.show_warning(f"{path} could not be read ({why}): it is left out of the timeline.")


def cmd_history(args) -> int:
    from . import timeline_view, ui

    workspace = _workspace(args)
    lesson = workspace.current_lesson()
    history = workspace.history
    points = history.points()
    redoable = timeline_view.undone_rows(history.undos(), history.undone_points(),
                                         points[-1] if points else None)
    _warn_about_damaged_points(history)
    if args.json:
        _print_json({"lesson": lesson.id,
                     "points": [timeline_view.point_json(p) for p in points],
                     "undone": [{**timeline_view.point_json(p), "redo": count}
                                for count, p in redoable]})
    else:
        ui.show_history(lesson, points)
        timeline_view.show_redoable(lesson, redoable)
    return 0


def cmd_notes(args) -> int:
    from pathlib import Path

    from .notes import render

    workspace = _workspace(args)
    journal = workspace.journal
    sheet = render(workspace.course, workspace.progress, journal.entries())
    if journal.damaged:  # a crash while a line was written, or a file written over
        from . import ui

        lines = f"{journal.damaged} line{'s' if journal.damaged != 1 else ''}"
        ui.show_warning(f"{lines} of {journal.path} could not be read (a crash while it was "
                        "written?): the notes leave them out.")
    if not args.output:
        sys.stdout.write(sheet)
        return 0
    target = Path(args.output).expanduser()
    if target.is_dir():
        raise TutorError(f"{target} is a folder.", "Give the name of a file to write, e.g. "
                         "--output migration-notes.md.")
    if not target.parent.is_dir():
        raise TutorError(f"There is no folder {target.parent} to write {target.name} in.",
                         "Create it first, or give another --output.")
    from .files import write_atomically

    write_atomically(target, sheet)
    print(f"Notes written to {target}.")
    return 0


def cmd_reset(args) -> int:
    from .markup import printable

    workspace = _workspace(args)
    if args.all and args.lesson:
        raise TutorError("Give a LESSON or --all, not both.")
    if args.all:
        lesson = workspace.course.first()
    else:
        lesson = workspace.course.get(args.lesson) if args.lesson else workspace.current_lesson()
    # Plain output (a reset from a snapshot takes less time than importing rich would), said
    # as it begins: never before a refusal.
    reset = workspace.reset(lesson, forget_progress=args.all, step=args.step,
                            announce=lambda doing: print(doing, flush=True))
    for note in reset.notes:
        print(f"Note: {printable(note)}", file=sys.stderr)  # (a server's words)
    print(f"The sandbox at {printable(str(workspace.sandbox.path))} is at the start of "
          f"{lesson.id}, step {args.step}.")
    return 0


def cmd_start(args) -> int:
    class_url, class_code = _class_wanted(args)  # a mistake in them is said first
    _require_terminal("start")
    from . import ui
    from .session import Session

    workspace = _workspace(args)
    _warn_about_broken_lessons(workspace.course)
    if args.lesson:
        workspace.course.get(args.lesson)  # an unknown id fails before anything is built
    try:
        if not _trusted_here(workspace, ui):
            ui.say("Nothing was run. `tutor lint-lessons` on the course's folder shows every "
                   "lesson's commands and files.")
            return 1
        if args.demo:
            from .demo import Demo

            Demo(workspace).run(args.lesson)
        else:
            from .report import ask_name_once

            ask_name_once(workspace, ui.ask_text, ui.show_warning)
            if class_url:
                _join_class(workspace, class_url, class_code, ui)
            with _in_class_while_it_runs(workspace.home):
                Session(workspace).run(args.lesson)
    except ui.Cancelled:
        ui.say("\nStopped. Your progress is saved; `tutor start` resumes.")
    finally:
        workspace.sandbox.reader.close()
    return 0


def _class_wanted(args) -> tuple[str | None, str | None]:
    """The class to join: --class and --code, else $TUTOR_CLASS and $TUTOR_CLASS_CODE (a
    class the learner left is not joined again from the environment)."""
    from .classroom.link import CODE_VARIABLE, URL_VARIABLE, ClassError, check_url

    url, code = args.class_url, args.class_code
    if url is None and code is not None:
        raise ClassError("--code needs --class: the class server's address.",
                         "Give both, e.g. --class http://192.168.1.20:8765 --code ABCD-EFGH.")
    from_environment = url is None
    if from_environment:
        url, code = os.environ.get(URL_VARIABLE) or None, os.environ.get(CODE_VARIABLE)
        if url is None:
            return None, None
    source = "$" + CODE_VARIABLE if from_environment else "--code"
    if not (code or "").strip():
        raise ClassError(f"Joining the class at {url} needs its join code ({source}).",
                         "The instructor shows it beside the address.")
    url = check_url(url)
    if from_environment:
        from .classroom.link import left_before
        from .paths import resolve_home

        if left_before(resolve_home(getattr(args, "home", None)), url):
            return None, None
    return url, code


def _join_class(workspace, url: str, code: str, ui) -> None:
    """`tutor start --class`: join (or join again: the same token), and say so."""
    from .classroom.link import join

    name = _name_in_class(workspace.home, workspace.progress)
    _, joined = join(workspace.home, url, code, name)
    if joined:
        ui.say(f"You are in the class at {ui.literal(url)} as [bold]{ui.literal(name)}"
               "[/bold]: your progress goes to the instructor's dashboard as you work. "
               "`tutor class leave` leaves it.")
    else:
        ui.show_warning(f"The class at {url} cannot be reached now. Work on: your tutor "
                        "joins and sends your progress as soon as it can.")


def _name_in_class(home, progress) -> str:
    """The name the class shows: the report's (`--name`, $TUTOR_NAME), else the one this home
    joined with before, else the machine's user and host."""
    from .classroom.link import default_name, membership
    from .report import learner_name

    earlier = membership(home)
    return learner_name(progress) or (earlier.name if earlier else default_name())


def _in_class_while_it_runs(home):
    """In a class, a session keeps its home's sender reading the room (classroom/link.py)."""
    import contextlib

    from .classroom.telling import in_class

    if not in_class(home):
        return contextlib.nullcontext()
    from .classroom.link import present

    return present(home)


def cmd_class(args) -> int:
    if args.class_command == "serve":
        return _serve_class(args)
    from .classroom import link
    from .markup import printable as shown  # the server's words and addresses are data
    from .paths import resolve_home

    home = resolve_home(getattr(args, "home", None))
    if args.class_command == "join":
        from .progress import ProgressFile

        url = link.check_url(args.url)
        name = _name_in_class(home, ProgressFile(home).load())
        _, joined = link.join(home, url, args.class_code, name)
        print(f"You are in the class at {shown(url)} as {shown(name)}." if joined else
              f"The class at {shown(url)} cannot be reached now: your tutor joins and sends "
              "your progress as soon as it can.")
        return 0
    if args.class_command == "leave":
        member = link.leave(home)
        print(f"You left the class at {shown(member.url)}." if member
              else "You are in no class.")
        return 0
    member = link.membership(home)
    report = {"class": member.url if member else None, "name": member.name if member else None,
              "joined": bool(member and link.joined(home, member)),
              "queued": len(link.queued(home)),
              "room": link.room_target(home) if member else None,
              "hand_raised": link.hand_is_up(home), "last": link.status(home) if member else {}}
    if args.json:
        _print_json(report)
        return 0
    if member is None:
        print("You are in no class. Join one with `tutor start --class URL --code CODE`.")
        return 0
    last = report["last"]
    print(f"Class: {shown(member.url)}, as {shown(member.name)}.")
    if last.get("refused"):
        print(f"The class refused to let you join: {shown(str(last['refused']))}. Join again "
              "with the right code: `tutor start --class URL --code CODE`.")
    elif not report["joined"]:
        print("Not joined yet: the server has not been reached; your tutor keeps trying.")
    print(f"Events waiting to be sent: {report['queued']}"
          + (f" (last problem: {shown(str(last['error']))})"
             if last.get("error") and report["queued"] else "."))
    room = report["room"]
    print(f"The room's step: {shown(str(room['lesson']))}, step {shown(str(room['step']))}."
          if room else "The room's step: none set.")
    if report["hand_raised"]:
        print("Your hand is raised.")
    return 0


def _serve_class(args) -> int:
    try:
        from .classroom import serve
    except ImportError as error:
        raise TutorError(f"The class server needs aiohttp, which is not installed ({error}).",
                         "Install it: pip install 'migration-tutor[class]'.") from None
    import math

    from .paths import claim_home, resolve_home

    if not 0 <= args.port <= 65535:
        raise TutorError(f"--port {args.port} is not a port.", "Give 1 to 65535, or 0.")
    if not math.isfinite(args.stuck_after):
        raise TutorError(f"--stuck-after {args.stuck_after} is not a number of minutes.",
                         "Give minutes, e.g. 5.")
    if args.stuck_after < 0:
        raise TutorError("--stuck-after cannot be negative.", "Give minutes, e.g. 5.")
    if args.seats_per_address < 1:
        raise TutorError("--seats-per-address must be 1 or more.", "Give a number, e.g. 4.")
    home = resolve_home(getattr(args, "home", None))
    claim_home(home)  # the class's file and the key's are kept in the tutor's home
    if os.name != "nt":
        try:
            os.chmod(home, 0o700)  # ... which holds the instructor's key: the owner's alone
        except OSError:
            pass  # (the key's file is owner-only itself)
    location = args.db or str(home / CLASS_DATABASE)
    course = _course(args, home)
    serve.serve(args.host, args.port, location, course, new=args.new,
                stuck_after=args.stuck_after * 60, say=lambda line: print(line, flush=True),
                key_file=home / CLASS_KEY, seats_per_address=args.seats_per_address)
    return 0


def _trusted_here(workspace, ui) -> bool:
    """A course from outside the shipped lessons is shown, with what it runs, and the learner
    trusts it (once for its content) before any of it runs; the shipped course needs none."""
    from .trust import course_code, settle

    return settle(workspace.home, course_code(workspace.course), workspace.trust_course,
                  ask=lambda code: _ask_trust(code, ui))


def _ask_trust(code, ui) -> bool:
    for line in code.lines():
        ui.say(ui.literal(line))
    return ui.ask_confirm("Run this course's code on this machine?", default=False)


def cmd_shell(args) -> int:
    _require_terminal("shell")
    import subprocess

    workspace = _workspace(args)
    sandbox = workspace.sandbox
    sandbox.require()
    sandbox.write_python_shim()
    if os.name == "nt":
        shell = [os.environ.get("COMSPEC", "cmd.exe")]
    else:
        shell = [os.environ.get("SHELL") or "/bin/sh"]
    workspace.remember_before_command()  # what the shell's commands can be undone to
    environment = sandbox.learner_environment()
    kind = os.path.basename(shell[0])
    if kind in ("bash", "zsh"):  # and a point after each command: see shell_hook
        from .shell_hook import rc_file, zsh_folder

        if kind == "bash":
            shell += ["--rcfile", str(rc_file(workspace.home, sys.executable,
                                              sandbox.bin_dir)), "-i"]
        else:
            environment["ZDOTDIR"] = str(zsh_folder(workspace.home, sys.executable,
                                                    sandbox.bin_dir))
    print(f"A shell in the sandbox ({sandbox.path}). `python manage.py showmigrations` works "
          "here; type `exit` to leave, then `tutor check`.")
    try:
        process = subprocess.Popen(shell, cwd=sandbox.path, env=environment)
        try:
            return process.wait()
        except BaseException:  # as subprocess.call does: the shell does not outlive us
            process.kill()
            raise
        finally:
            (workspace.home / SHELL / f"seen-{process.pid}").unlink(missing_ok=True)
    except OSError as error:
        raise TutorError(f"Your shell, {shell[0]}, could not be started: "
                         f"{error.strerror or error}.",
                         "Set SHELL to a shell that exists (e.g. `SHELL=/bin/sh tutor shell`), "
                         "or work in a terminal of your own in "
                         f"{sandbox.path}.") from None


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if not 1 <= jobs <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes from 1 to 64")
    return jobs


def cmd_lint_lessons(args) -> int:
    from pathlib import Path

    from .lint import lint_folder
    from .markup import printable
    from .paths import resource_dir

    folder = Path(args.folder) if args.folder else resource_dir("lessons")
    if args.mutants and not args.solve:
        raise TutorError("--mutants plays mutants of the reference solutions, so it needs "
                         "--solve.", "Run `tutor lint-lessons --solve --mutants`.")
    if args.solve and not _lessons_trusted(folder, args):
        print("Nothing was run; without --solve, lint-lessons lists what each lesson runs.")
        return 1

    def said(lesson) -> None:
        # Playing lessons through takes seconds each: say how each went as soon as it is known.
        if lesson.skipped:
            print(f"{lesson.id}: skipped, {lesson.skipped}", flush=True)
        elif lesson.solved is not None:
            verdict = "solved" if lesson.solved else "FAILED after"
            mutants = lesson.mutants
            played = "" if mutants is None else (
                f"; mutants: {len(mutants.results)} played, {mutants.count('refused')} "
                f"refused, {mutants.count('equivalent')} equivalent, "
                f"{mutants.count('accepted')} accepted, {mutants.count('survived')} survived")
            print(f"{lesson.id}: {verdict} {lesson.steps} step(s){played} "
                  f"({lesson.seconds:.1f}s)", flush=True)

    jobs = args.jobs or min(4, os.cpu_count() or 1)
    report = lint_folder(folder, solve=args.solve, on_lesson=None if args.json else said,
                         database=getattr(args, "database", None), mutants=args.mutants,
                         jobs=jobs if args.solve else 1)
    if args.json:
        _print_json(report.to_json())
        return 0 if report.ok else 1
    for problem in report.problems:
        print(printable(str(problem)))
    count = len(report.lessons)
    print(f"{count} lesson file{'s' if count != 1 else ''}: "
          + ("no problems." if report.ok else f"{len(report.problems)} problem(s)."))
    ran = [lesson.code for lesson in report.lessons if lesson.code]
    if ran:
        print("What these lessons run on a machine that starts them (a course is code):")
        for code in ran:
            for line in code.lines():
                print(printable(line))
    return 0 if report.ok else 1


def _lessons_trusted(folder, args) -> bool:
    """`--solve` runs the folder's lessons: trusted as `tutor start` trusts a course."""
    from .lint import folder_course
    from .paths import resolve_home
    from .trust import course_code, settle

    def ask(code) -> bool:
        from . import ui

        try:
            return _ask_trust(code, ui)
        except ui.Cancelled:  # Ctrl-C or Ctrl-D at the question: a no
            return False

    at_a_terminal = sys.stdin.isatty() and sys.stdout.isatty()
    return settle(resolve_home(getattr(args, "home", None)), course_code(folder_course(folder)),
                  getattr(args, "trust_course", False), ask if at_a_terminal else None)


def cmd_watch(args) -> int:
    _require_terminal("watch")
    from .watch import Watch

    workspace = _workspace(args)
    try:
        Watch(workspace).run()
    finally:
        workspace.sandbox.reader.close()
    return 0


def _remember_name(args) -> None:
    """`--name` works with every command: it is kept in the progress file at once."""
    from .paths import resolve_home
    from .report import clean_name, remember_learner

    name = clean_name(args.name)
    warning = remember_learner(resolve_home(getattr(args, "home", None)), name)
    if warning:
        from . import ui

        ui.show_warning(warning)


def cmd_report(args) -> int:
    # The progress file and the course only: a report never imports the checking engine.
    from .paths import resolve_home
    from .progress import ProgressFile
    from .report import learner_report, print_learner_report

    home = resolve_home(getattr(args, "home", None))
    _finish_cut_short_restore(args, home)
    progress_file = ProgressFile(home)
    progress = progress_file.load()
    _warn_about_unreadable_progress(progress_file)
    report = learner_report(progress, _course(args, home))
    print_learner_report(report, "json" if args.json else "csv" if args.csv else "table")
    return 0


def cmd_class_report(args) -> int:
    from pathlib import Path

    from .report import print_class_report

    return print_class_report([Path(f) for f in args.files], args.all_steps, args.csv)


def _require_terminal(command: str) -> None:
    if not (sys.stdin and sys.stdin.isatty() and sys.stdout and sys.stdout.isatty()):
        raise TutorError(
            f"`tutor {command}` is interactive and needs a terminal, but this one has none.",
            "Use `tutor status`, `tutor check`, `tutor hint` or `tutor solve` instead.",
        )


COMMANDS = {
    "start": cmd_start, "lessons": cmd_lessons, "status": cmd_status, "check": cmd_check,
    "hint": cmd_hint, "answer": cmd_answer, "solve": cmd_solve, "reset": cmd_reset,
    "undo": cmd_undo, "redo": cmd_redo, "history": cmd_history, "notes": cmd_notes, "shell": cmd_shell,
    "lint-lessons": cmd_lint_lessons, "watch": cmd_watch,
    "report": cmd_report, "class-report": cmd_class_report, "class": cmd_class,
}


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

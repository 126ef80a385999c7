"""The learner's commands on the step at hand: start, lessons, status, check, hint, answer,
solve, reset, shell and watch.

Each is a thin wrapper: it opens the workspace (commands/opening.py), calls the one method
that does the work, and shows its report or prints its JSON (json_reports.py). Heavy
imports (the workspace, Django through it, rich) happen inside `handle`: `tutor lessons`
reads the course and the progress file alone, and imports no judge.
"""

from __future__ import annotations

import argparse

from ..exceptions import TutorError
from .base import (EXIT_NOT_YET, EXIT_PASSED, Command, print_json,
                   require_terminal)
from .opening import (contents_of, home_of, open_workspace, read_progress,
                      warn_about_broken_lessons, warn_about_lessons_left_out,
                      warn_about_unreadable_progress)


class Start(Command):
    name = "start"
    help = "the guided, interactive session"
    details = ("Without LESSON: resume where you stopped, or choose a chapter, then one of its "
               "lessons, from the menu.")

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("lesson", nargs="?", metavar="LESSON",
                            help="a lesson id (see `tutor lessons`)")
        parser.add_argument("--chapter", metavar="ID",
                            help="start the first lesson not completed yet of the chapter ID "
                                 "(its id or its number, see `tutor lessons`)")
        parser.add_argument("--demo", action="store_true",
                            help="the instructor's walk-through: reset LESSON (default: the "
                                 "current one), then run each step's solution at a key press, "
                                 "showing what changed")
        parser.add_argument("--plain", action="store_true",
                            help="for screen readers and simple terminals: numbered prompts, "
                                 "no colour, boxes or glyphs (default: $TUTOR_PLAIN)")
        parser.add_argument("--class", dest="class_url", metavar="URL",
                            help="join the class at URL (printed by the instructor's `tutor "
                                 "class serve`) and send it your progress as you go (default: "
                                 "$TUTOR_CLASS)")
        parser.add_argument("--code", dest="class_code", metavar="CODE",
                            help="the class's join code (default: $TUTOR_CLASS_CODE)")

    def handle(self, args) -> int:
        from ..class_client import class_wanted

        class_url, class_code = class_wanted(args)  # a mistake in them is said first
        if args.chapter is not None and (args.lesson or args.demo):
            raise TutorError("Give --chapter alone: it chooses the lesson to start.",
                             "Run `tutor start --chapter ID`, or `tutor start LESSON`.")
        require_terminal("start")
        from .. import asking, plain, ui

        if args.plain or plain.on():
            plain.turn_on()  # for the whole session, and the commands it runs

        workspace = open_workspace(args)
        warn_about_broken_lessons(workspace.course)
        # An unknown lesson or chapter fails before anything is built.
        if args.lesson:
            workspace.course.get(args.lesson)
        if args.chapter is not None:
            from ..course.chapters import chapter_named

            chapter_named(workspace.course.chapters, args.chapter)
        try:
            return self._run(args, workspace, class_url, class_code, ui)
        except asking.Cancelled:
            ui.say("\nStopped. Your progress is saved; `tutor start` resumes.")
        finally:
            workspace.sandbox.reader.close()
        return 0

    @staticmethod
    def _run(args, workspace, class_url, class_code, ui) -> int:
        """The session (or the demo), once the course is trusted (1: it was not)."""
        from ..trust_prompt import trusted_here

        if not trusted_here(workspace, ui):
            ui.say("Nothing was run. `tutor lint-lessons` on the course's folder shows every "
                   "lesson's commands and files.")
            return 1
        if args.demo:
            from ..demo import Demo

            Demo(workspace).run(args.lesson)
            return 0
        from .. import asking
        from ..class_client import in_class_while_it_runs, join_in_session
        from ..report import ask_name_once
        from ..session import Session

        ask_name_once(workspace, asking.ask_text, ui.show_warning)
        if class_url:
            join_in_session(workspace, class_url, class_code, ui)
        with in_class_while_it_runs(workspace.home):
            Session(workspace).run(args.lesson, args.chapter)
        return 0


class Lessons(Command):
    name = "lessons"
    help = "list the lessons in course order, by chapter, with your progress"
    json_flag = True

    def handle(self, args) -> int:
        # Only the course's contents (kept: no lesson is read while none changed) and the
        # progress file: listing lessons never imports the checking engine.
        home = home_of(args)
        progress_file, progress = read_progress(args, home)
        contents = contents_of(args, home)
        warn_about_unreadable_progress(progress_file)
        warn_about_lessons_left_out(contents.left_out)
        from ..backends import chosen
        from ..json_reports import LessonsReport

        server = chosen(home, getattr(args, "database", None))  # where the sandbox's database is
        report = LessonsReport.of(contents, progress, server.vendor if server is not None
                                  else "sqlite")
        if args.json:
            print_json(report.to_json())
            return 0
        from ..path_view import show_lessons

        show_lessons(report)
        return 0


class Status(Command):
    name = "status"
    help = "show the current lesson, the sandbox and its live state"
    json_flag = True

    def handle(self, args) -> int:
        from ..json_reports import StatusReport

        workspace = open_workspace(args)
        lesson, index, step = workspace.current_step()
        progress = workspace.lesson_progress(lesson)
        sandbox = workspace.sandbox
        exists = sandbox.exists()
        report = StatusReport(
            home=str(workspace.home), sandbox=str(sandbox.path), python=sandbox.python,
            lesson=lesson, step=step, step_index=index,
            lesson_complete=progress.step >= len(lesson.steps), sandbox_exists=exists,
            sandbox_lesson=sandbox.lesson_id(), backend=sandbox.built_on() if exists else None,
            state=workspace.read_state() if sandbox.exists() else None)
        if args.json:
            print_json(report.to_json())
        else:
            _show_status(report)
        return 0


def _show_status(report) -> None:
    from .. import ui

    lesson = report.lesson
    ui.console.print(f"[bold]Lesson:[/bold]  {ui.literal(lesson.title)} ({lesson.id})")
    if report.lesson_complete:
        ui.console.print("[bold]Step:[/bold]    all steps done")
    else:
        ui.console.print(f"[bold]Step:[/bold]    {report.step_index + 1}/{len(lesson.steps)}: "
                         f"{ui.literal(report.step.title)}")
    ui.console.print(f"[bold]Sandbox:[/bold] {ui.literal(report.sandbox)}")
    ui.console.print(f"[bold]Python:[/bold]  {ui.literal(report.python)}")
    if report.backend:
        ui.console.print(f"[bold]Database:[/bold] {ui.literal(report.backend)}")
    if report.state is None:
        ui.console.print("No sandbox yet: `tutor start` builds one.")
    else:
        ui.show_state(report.state)


class Check(Command):
    name = "check"
    help = "judge the current step against the sandbox"
    details = ("Exit status: 0 passed, 1 not yet (each unmet expectation is said), "
               "2 the tutor could not check.")
    json_flag = True

    def handle(self, args) -> int:
        report = open_workspace(args).check()
        if args.json:
            print_json(report.to_json())
        else:
            from .. import ui

            ui.show_check(report)
        return EXIT_PASSED if report.passed else EXIT_NOT_YET


class Hint(Command):
    name = "hint"
    help = "show the next hint of the current step (one more each time)"

    def handle(self, args) -> int:
        from .. import ui

        ui.show_hint(open_workspace(args).next_hint())
        return 0


class Answer(Command):
    name = "answer"
    help = "answer the current step's question"
    details = ("The right answer is read from the sandbox's live state. Give each chosen "
               "item (a unique prefix is enough), or --none. Without an answer, the "
               "question and its choices are shown.")
    json_flag = True

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("values", nargs="*", metavar="ANSWER")
        parser.add_argument("--none", action="store_true",
                            help="answer that none of the choices is right")

    def handle(self, args) -> int:
        from .. import ui
        from ..json_reports import AnswerResult, QuestionReport

        workspace = open_workspace(args)
        if not args.values and not args.none:
            step, posed = workspace.pose_question()
            if posed is None:
                raise TutorError("The current step asks no question.",
                                 "Do what the step says, then run `tutor check`.")
            if args.json:
                print_json(QuestionReport(posed).to_json())
            else:
                ui.show_question(posed)
            return EXIT_NOT_YET
        report = workspace.answer([] if args.none else args.values)
        if args.json:
            print_json(AnswerResult(report).to_json())
        else:
            ui.show_answer(report)
        return EXIT_PASSED if report.right and report.check.passed else EXIT_NOT_YET


class Solve(Command):
    name = "solve"
    help = "carry out the current step's reference solution in the sandbox"
    details = "Runs the real commands, printing each one and its output, then checks."

    def handle(self, args) -> int:
        from .. import ui

        report = open_workspace(args).solve(ui.show_action)
        ui.show_check(report)
        return EXIT_PASSED if report.passed else EXIT_NOT_YET


class Reset(Command):
    name = "reset"
    help = "rebuild the sandbox in a lesson's starting state"
    details = "The lesson becomes the current one, at its first step."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("lesson", nargs="?", metavar="LESSON",
                            help="the lesson to reset (default: the current lesson)")
        parser.add_argument("--all", action="store_true",
                            help="forget all progress and start the course from its first "
                                 "lesson")
        parser.add_argument("--step", type=int, default=1, metavar="N",
                            help="start at step N: the reference solutions of the steps "
                                 "before it are carried out (kept after the first time), and "
                                 "those steps are marked fast-forwarded, not solved by you")

    def handle(self, args) -> int:
        import sys

        from ..markup import printable

        workspace = open_workspace(args)
        if args.all and args.lesson:
            raise TutorError("Give a LESSON or --all, not both.")
        if args.all:
            lesson = workspace.course.first()
        else:
            lesson = (workspace.course.get(args.lesson) if args.lesson
                      else workspace.current_lesson())
        # Plain output (a reset from a snapshot takes less time than importing rich would),
        # said as it begins: never before a refusal.
        reset = workspace.reset(lesson, forget_progress=args.all, step=args.step,
                                announce=lambda doing: print(doing, flush=True))
        for note in reset.notes:
            print(f"Note: {printable(note)}", file=sys.stderr)  # (a server's words)
        print(f"The sandbox at {printable(str(workspace.sandbox.path))} is at the start of "
              f"{lesson.id}, step {args.step}.")
        return 0


class Shell(Command):
    name = "shell"
    help = "open your shell inside the sandbox"
    details = "`python` there has Django, so you can type `python manage.py ...` yourself."

    def handle(self, args) -> int:
        require_terminal("shell")
        from ..learner_shell import open_shell

        return open_shell(open_workspace(args))


class Watch(Command):
    name = "watch"
    help = "check the current step again whenever the sandbox changes"
    details = ("Work in another terminal or your editor: every change to the sandbox's "
               "migration files, models or database is checked, and steps pass as you do "
               "them. Stops at the end of the lesson, or at Ctrl-C.")

    def handle(self, args) -> int:
        require_terminal("watch")
        from ..watch import Watch as Watching

        workspace = open_workspace(args)
        try:
            Watching(workspace).run()
        finally:
            workspace.sandbox.reader.close()
        return 0

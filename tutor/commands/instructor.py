"""The instructor's and the course author's commands: lint-lessons (a folder of lessons
checked, and played through with `--solve`) and class-report (many learners' exports in one
table). `tutor start --demo` is `start`'s (learner.py); the live class is `class_.py`.
"""

from __future__ import annotations

import argparse

from ..exceptions import TutorError
from .base import Command, print_json


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if not 1 <= jobs <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes from 1 to 64")
    return jobs


def _say_lesson(lesson) -> None:
    """A lesson played through, said as soon as it is known (each takes seconds)."""
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


class LintLessons(Command):
    name = "lint-lessons"
    help = "check a folder of lesson files for every problem"
    details = ("Reports each problem with its file and field. Exit status: 0 clean, 1 "
               "problems found.")
    json_flag = True

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("folder", metavar="PATH", nargs="?",
                            help="a folder of <id>.toml lesson files, or one lesson file "
                                 "(default: the shipped course's folder)")
        parser.add_argument("--solve", action="store_true",
                            help="also play each lesson through with its reference solutions, "
                                 "in a temporary home: this runs the lessons' code (asked once "
                                 "for a folder's content, as `tutor start` asks; see "
                                 "--trust-course)")
        parser.add_argument("--mutants", action="store_true",
                            help="with --solve: also play mutants of each step's solution "
                                 "(each action dropped, `migrate` made `--fake`, another "
                                 "--database, actions swapped...) and report each that passes "
                                 "the step")
        parser.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                            help="lessons played side by side (default: the machine's cores, "
                                 "at most 4)")

    def handle(self, args) -> int:
        import os
        from pathlib import Path

        from ..lint import lint_folder
        from ..paths import resource_dir

        folder = Path(args.folder) if args.folder else resource_dir("lessons")
        # Without PATH, the course the learner would follow (`--course`, $TUTOR_COURSE): its
        # order is the path of ideas to check, among the lessons of its folder.
        course_file = None
        if not args.folder:
            from ..course.contents import course_file_path
            from ..paths import resolve_course_file

            chosen = resolve_course_file(getattr(args, "course", None))
            if chosen is not None:
                course_file = course_file_path(chosen)
                if not course_file.is_file():
                    raise TutorError(f"There is no course file {course_file}.",
                                     "Give the course file (or its folder) with --course.")
                folder = course_file.parent
        if args.mutants and not args.solve:
            raise TutorError("--mutants plays mutants of the reference solutions, so it needs "
                             "--solve.", "Run `tutor lint-lessons --solve --mutants`.")
        if args.solve and not self._trusted(folder, args):
            print("Nothing was run; without --solve, lint-lessons lists what each lesson runs.")
            return 1
        jobs = args.jobs or min(4, os.cpu_count() or 1)
        report = lint_folder(folder, solve=args.solve, course_file=course_file,
                             on_lesson=None if args.json else _say_lesson,
                             database=getattr(args, "database", None), mutants=args.mutants,
                             jobs=jobs if args.solve else 1)
        if args.json:
            print_json(report.to_json())
        else:
            _show_lint(report)
        return 0 if report.ok else 1

    @staticmethod
    def _trusted(folder, args) -> bool:
        from ..trust_prompt import lessons_trusted
        from .opening import home_of

        return lessons_trusted(home_of(args), folder, getattr(args, "trust_course", False))


def _show_lint(report) -> None:
    """Each problem, the count, then what the lessons run (a course is code)."""
    from ..markup import printable

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


class ClassReport(Command):
    name = "class-report"
    help = "one table of many learners' `tutor report --json` files"
    details = ("One row per learner, where each is now, most stuck first. A file that cannot "
               "be read is named and skipped (exit status 2); the others are still reported.")

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="exported reports")
        parser.add_argument("--csv", action="store_true", help="print CSV instead of a table")
        parser.add_argument("--all-steps", action="store_true",
                            help="a row for every step of every learner")

    def handle(self, args) -> int:
        from pathlib import Path

        from ..report import print_class_report

        return print_class_report([Path(f) for f in args.files], args.all_steps, args.csv)

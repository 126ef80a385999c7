"""Every failure a learner can meet, each with what happened and what to do about it.

The CLI turns a `TutorError` into its message and its exit code; a traceback means a bug in the
tutor, never a learner's mistake.
"""

from __future__ import annotations

# What `tutor undo` does, in the words every message uses (a point is taken at each check,
# and at each command in `tutor start` and `tutor shell`).
UNDO_WORDS = ("takes the sandbox back to the last point the tutor saw (`tutor history` lists "
              "them)")


class TutorError(Exception):
    """A failure the learner should read about, with advice on what to do next."""

    exit_code = 2

    def __init__(self, message: str, advice: str = ""):
        super().__init__(message)
        self.message = message
        self.advice = advice


class LessonFileError(TutorError):
    """A lesson file that cannot be used: names the file and the field at fault."""

    def __init__(self, file: str, field: str, problem: str):
        where = f"{file}: {field}" if field else file
        super().__init__(f"{where}: {problem}",
                         "Fix the lesson file; the other lessons still work.")
        self.file = file
        self.field = field
        self.problem = problem


class CourseFileError(LessonFileError):
    """A course file (`--course`, `TUTOR_COURSE`, or the shipped one) that cannot be used."""

    def __init__(self, file: str, field: str, problem: str):
        super().__init__(file, field, problem)
        self.advice = ("Fix the course file, or start without --course (and TUTOR_COURSE) "
                       "to follow the shipped course.")


class UnknownLesson(TutorError):
    def __init__(self, lesson_id: str, known: list[str]):
        import difflib

        close = difflib.get_close_matches(lesson_id, known, n=3, cutoff=0.4)
        advice = (f"Did you mean {', '.join(close)}? " if close else "") + (
            "Run `tutor lessons` to see them all.")
        super().__init__(f"There is no lesson called {lesson_id!r}.", advice)


class UnknownChapter(TutorError):
    def __init__(self, given: str, known: list[str]):
        shown = given if len(given) <= 60 else given[:60] + "..."
        super().__init__(f"There is no chapter {shown!r} in the course.",
                         f"Its chapters: {', '.join(known)}; or give a chapter's number, 1 to "
                         f"{len(known)}.")


class NoChapters(TutorError):
    def __init__(self):
        super().__init__("This course has no chapters: its lessons are one list.",
                         "Start a lesson by its id: `tutor start LESSON` (`tutor lessons` "
                         "lists them).")


class NoSandbox(TutorError):
    def __init__(self, sandbox):
        super().__init__(
            f"There is no sandbox at {sandbox} yet.",
            "Run `tutor start` to begin, or `tutor reset LESSON` to build a lesson's sandbox.",
        )


class SandboxBroken(TutorError):
    """The sandbox exists, but Django cannot read it (a broken file, a missing migration...)."""


class CommandFailed(TutorError):
    """A command the tutor itself ran (to build a sandbox or to solve a step) failed."""


class UnsafeHome(TutorError):
    """The chosen home is a place the tutor must not fill or delete."""


class BadLearnerName(TutorError):
    """A learner's name (`--name`, `TUTOR_NAME`) that a report could not show as given."""


class ReportFileError(TutorError):
    """An exported `tutor report --json` file that `tutor class-report` cannot use."""

    def __init__(self, file: str, problem: str):
        super().__init__(f"{file}: {problem}",
                         "Ask the learner to export it again with `tutor report --json > FILE`.")
        self.file = file
        self.problem = problem


class ToolMissing(TutorError):
    """A lesson needs a program this machine does not have (git): it is skipped, not failed."""

    def __init__(self, tool: str, detail: str = "", lesson_id: str = ""):
        which = f"Lesson {lesson_id}" if lesson_id else "This lesson"
        super().__init__(
            f"{which} needs {tool}, which is not installed here (not found on PATH)"
            + (f": {detail}" if detail else "."),
            f"Install {tool} and try again; `tutor start` skips the lesson meanwhile, and "
            "`tutor lessons` marks it.",
        )
        self.tool = tool


class LessonUnavailable(TutorError):
    """A lesson whose story holds on other database backends only: skipped, not failed."""

    def __init__(self, lesson_id: str, reason: str, where_to_take: str = ""):
        super().__init__(f"Lesson {lesson_id} cannot be taken here: {reason}.",
                         f"`tutor start` skips it on this backend; {where_to_take}")
        self.lesson_id = lesson_id


class DiskFull(TutorError):
    """The disk of the tutor's home filled up while the tutor wrote to it (a reset's copy, or
    a Django command of its own). Said plainly: never a copy's list of errors or a child's
    traceback."""

    def __init__(self, doing: str, home, unchanged: str):
        super().__init__(f"The disk is full: {doing} could not be finished.",
                         f"Free some space on the disk of {home}, then run the command again. "
                         + unchanged)

"""What a command opens before its work: the home, the course, the workspace, and the notes
they carry for the learner (a progress file that could not be read, a lesson left out).

Each opener imports what it opens when called: a command that lists lessons never pays for
the workspace and its checking engine.
"""

from __future__ import annotations

from ..home_layout import COURSE_CONTENTS, HISTORY, HISTORY_RESTORING


def home_of(args):
    """The tutor's home: `--home`, else $TUTOR_HOME, else the user data folder."""
    from ..paths import resolve_home

    return resolve_home(getattr(args, "home", None))


def course_of(args, home):
    """The course to follow: `--course`, else $TUTOR_COURSE, else the shipped one."""
    from ..lessons import load_course
    from ..paths import course_cache, resolve_course_file

    return load_course(resolve_course_file(getattr(args, "course", None)),
                       cache=course_cache(home))


def contents_of(args, home):
    """What `tutor lessons` lists of the course (course/contents.py): as kept beside the parse
    cache while nothing it was read from has changed, else read from the course and kept."""
    from ..course.contents import CourseContents
    from ..paths import course_cache, resolve_course_file

    parse_cache = course_cache(home)
    kept_at = parse_cache.with_name(COURSE_CONTENTS) if parse_cache is not None else None
    contents = CourseContents.kept(kept_at, resolve_course_file(getattr(args, "course", None)))
    if contents is None:
        contents = CourseContents.of(course_of(args, home))
        contents.keep(kept_at)
    return contents


def open_workspace(args):
    from ..workspace import Workspace

    home = home_of(args)
    if getattr(args, "database", None) is not None:
        from ..backends import chosen

        chosen(home, args.database)  # checked (URL, driver) and remembered for the home
    workspace = Workspace(home, course=course_of(args, home),
                          trust_course=getattr(args, "trust_course", False))
    warn_about_unreadable_progress(workspace.progress_file)
    if workspace.restore_note:
        from .. import ui

        ui.show_warning(workspace.restore_note)
    if workspace.foreign:
        from .. import ui

        for path in workspace.foreign:
            ui.show_warning(f"{path} was not made by the tutor: it is left as it is. A reset "
                            "needs that name: move it away.")
    return workspace


def finish_cut_short_restore(args, home) -> None:
    """The commands that read progress alone (lessons, report) say it as an undo leaves it:
    one cut short is finished first (a workspace does that as it opens; only then is one
    made: the usual case costs one look)."""
    if (home / HISTORY / HISTORY_RESTORING).exists():
        open_workspace(args)


def read_progress(args, home):
    """The progress file and what it holds, for the commands that read progress alone: an
    undo cut short is finished first. (Whether it could be read is said by the caller, at its
    moment: `warn_about_unreadable_progress`.)"""
    from ..progress import ProgressFile

    finish_cut_short_restore(args, home)
    progress_file = ProgressFile(home)
    return progress_file, progress_file.load()


def warn_about_unreadable_progress(progress_file) -> None:
    if progress_file.warning:
        from .. import ui

        ui.show_warning(progress_file.warning)


def warn_about_broken_lessons(course) -> None:
    warn_about_lessons_left_out([problem.message for problem in course.problems])


def warn_about_lessons_left_out(problems: list[str]) -> None:
    from .. import ui

    for problem in problems:
        ui.show_warning(f"A lesson was left out: {problem}")


def remember_name(args) -> None:
    """`--name` works with every command: it is kept in the progress file at once."""
    from ..report import clean_name, remember_learner

    name = clean_name(args.name)
    warning = remember_learner(home_of(args), name)
    if warning:
        from .. import ui

        ui.show_warning(warning)

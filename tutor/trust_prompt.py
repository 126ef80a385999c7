"""The question before a course's code first runs: what it runs, shown line by line, then
"Run this course's code on this machine?" (trust.py decides when to ask, and remembers).

Asked by `tutor start` (the course it follows) and by `lint-lessons --solve` (the folder it
plays through); the shipped course is never asked about.
"""

from __future__ import annotations

from . import asking


def ask_trust(code, ui) -> bool:
    """Show what the course runs, then ask; no is the default."""
    for line in code.lines():
        ui.say(ui.literal(line))
    return asking.ask_confirm("Run this course's code on this machine?", default=False)


def trusted_here(workspace, ui) -> bool:
    """A course from outside the shipped lessons is shown, with what it runs, and the learner
    trusts it (once for its content) before any of it runs; the shipped course needs none."""
    from .trust import course_code, may_run

    return may_run(workspace.home, course_code(workspace.course), workspace.trust_course,
                  ask=lambda code: ask_trust(code, ui))


def lessons_trusted(home, folder, flagged: bool) -> bool:
    """`lint-lessons --solve` runs the folder's lessons: trusted as `tutor start` trusts a
    course; asked only at a terminal (elsewhere, only `flagged` trusts it)."""
    import sys

    from .lint import folder_course
    from .trust import course_code, may_run

    def ask(code) -> bool:
        from . import ui

        try:
            return ask_trust(code, ui)
        except asking.Cancelled:  # Ctrl-C or Ctrl-D at the question: a no
            return False

    at_a_terminal = sys.stdin.isatty() and sys.stdout.isatty()
    return may_run(home, course_code(folder_course(folder)), flagged,
                  ask if at_a_terminal else None)
